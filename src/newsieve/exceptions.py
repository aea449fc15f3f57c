"""Every exception newsieve raises, in one place.

This module imports nothing but the standard library, so every layer (``filters``,
``storage``, ``crawler``, the application shell) may import it. Foreign errors (redis,
httpx, selectolax, Scrapy) are translated where they cross into newsieve, always with
``raise Mapped(...) from exc`` so the cause stays attached.

Hierarchy::

    NewsieveError
    ├── InputError                 bad input from a caller: the API answers 4xx, the CLI reports it
    │   ├── InputTooLarge          over the configured size limit (checked before any parsing)
    │   ├── InputTooDeep           HTML nested deeper than the configured limit (before parsing)
    │   ├── TooManyAttributes      an HTML element with more attributes than the limit (before parsing)
    │   ├── EmptyInput             nothing to filter (empty bytes, only whitespace, no text in the HTML)
    │   └── DecodeError            no charset decodes the bytes, or a named charset is unknown
    ├── RulesError                 a rule or lexicon file is invalid (named file, rule id and why)
    ├── ConfigError                a setting is invalid or missing
    ├── StorageError               Redis side
    │   ├── RedisUnavailable       cannot reach Redis (after the client's retries)
    │   ├── NotFound               no such review item, message or article
    │   └── Conflict               a concurrent update won
    │       ├── VersionConflict    the expected version is not the stored one
    │       └── LeaseHeld          another moderator holds a live claim
    └── FetchError                 one-off fetch of a URL
        ├── FetchBlocked           the SSRF guard refused the target (also after DNS and redirects)
        ├── FetchTooLarge          the body passed the size cap
        ├── FetchTimeout           connect or read timed out
        └── FetchStatusError       the server answered with an error status
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "Conflict",
    "DecodeError",
    "EmptyInput",
    "FetchBlocked",
    "FetchError",
    "FetchStatusError",
    "FetchTimeout",
    "FetchTooLarge",
    "InputError",
    "InputTooDeep",
    "InputTooLarge",
    "LeaseHeld",
    "NewsieveError",
    "NotFound",
    "RedisUnavailable",
    "RulesError",
    "StorageError",
    "TooManyAttributes",
    "VersionConflict",
]


class NewsieveError(Exception):
    """Base of every newsieve error.

    ``code`` is a stable machine-readable id (used in API problem details and CLI JSON
    error objects); the message is for people.
    """

    code = "newsieve_error"

    def to_dict(self) -> dict[str, str]:
        return {"error": self.code, "message": str(self)}


class InputError(NewsieveError):
    code = "bad_input"


class InputTooLarge(InputError):
    code = "input_too_large"

    def __init__(self, size: int, limit: int) -> None:
        self.size = size
        self.limit = limit
        super().__init__(f"input is {size} bytes, over the limit of {limit} bytes")


class InputTooDeep(InputError):
    code = "input_too_deep"

    def __init__(self, depth: int, limit: int) -> None:
        self.depth = depth
        self.limit = limit
        super().__init__(
            f"HTML nested at least {depth} elements deep, over the limit of {limit} "
            "(the parser's time grows with the square of the depth)"
        )


class TooManyAttributes(InputError):
    code = "input_too_many_attributes"

    def __init__(self, count: int, limit: int) -> None:
        self.count = count
        self.limit = limit
        super().__init__(
            f"an HTML element has at least {count} attributes, over the limit of {limit} "
            "(the parser's time grows with the square of their number)"
        )


class EmptyInput(InputError):
    code = "empty_input"


class DecodeError(InputError):
    code = "decode_error"


class RulesError(NewsieveError):
    code = "rules_error"


class ConfigError(NewsieveError):
    code = "config_error"


class StorageError(NewsieveError):
    code = "storage_error"


class RedisUnavailable(StorageError):
    code = "redis_unavailable"


class NotFound(StorageError):
    code = "not_found"


class Conflict(StorageError):
    code = "conflict"


class VersionConflict(Conflict):
    code = "version_conflict"


class LeaseHeld(Conflict):
    code = "lease_held"


class FetchError(NewsieveError):
    code = "fetch_error"


class FetchBlocked(FetchError):
    code = "fetch_blocked"


class FetchTooLarge(FetchError):
    code = "fetch_too_large"


class FetchTimeout(FetchError):
    code = "fetch_timeout"


class FetchStatusError(FetchError):
    code = "fetch_status"

    def __init__(self, status: int, url: str) -> None:
        self.status = status
        self.url = url
        super().__init__(f"{url} answered HTTP {status}")
