"""What goes onto the streams: raw pages, article messages, and their encoding.

Every entry has one field ``data``, UTF-8 JSON. ``raw`` entries carry the page body as a
second, binary field ``body`` (no base64 on the hot path). ``decode`` turns an entry back
into the dict that ``Message.data`` holds.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

__all__ = ["MESSAGE_SCHEMA_VERSION", "RawPage", "RouteResult", "decode", "encode", "loads"]

try:  # orjson encodes a 5 KB Chinese article ~10x faster than json: it is most of the publish cost
    import orjson

    def encode(data: dict[str, Any]) -> bytes:
        """Compact UTF-8 JSON."""
        return orjson.dumps(data)

    loads: Callable[[bytes | str], Any] = orjson.loads
except ImportError:  # pragma: no cover - orjson is a dependency; this keeps a bare install working

    def _default(value: Any) -> Any:
        if hasattr(value, "to_dict"):  # a Verdict: orjson writes dataclasses by itself
            return value.to_dict()
        raise TypeError(f"cannot encode {type(value).__name__}")

    def encode(data: dict[str, Any]) -> bytes:
        """Compact UTF-8 JSON."""
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=_default).encode("utf-8")

    loads = json.loads

MESSAGE_SCHEMA_VERSION = "1.0"
"""Version of ``schemas/article-message.schema.json``: minor for added optional fields, major
for anything a consumer could trip on."""

RouteStatus = Literal["published", "duplicate", "near_duplicate", "review", "rejected"]


@dataclass(slots=True)
class RawPage:
    """A page the crawler fetched, as it goes onto ``raw`` for the filter workers."""

    url: str
    final_url: str
    status: int
    headers: dict[str, str]
    """A subset worth keeping (content-type, last-modified, etag...), lowercase names."""
    content_type: str
    charset: str | None
    body: bytes
    site: str
    fetched_at: float = field(default_factory=time.time)
    """Unix time, seconds."""

    def to_fields(self) -> dict[str, bytes | str]:
        meta = {
            "url": self.url,
            "final_url": self.final_url,
            "status": self.status,
            "headers": self.headers,
            "content_type": self.content_type,
            "charset": self.charset,
            "site": self.site,
            "fetched_at": self.fetched_at,
        }
        return {"data": encode(meta), "body": self.body}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> RawPage:
        return cls(
            url=data["url"],
            final_url=data.get("final_url") or data["url"],
            status=int(data.get("status", 200)),
            headers=dict(data.get("headers") or {}),
            content_type=data.get("content_type") or "text/html",
            charset=data.get("charset"),
            body=data.get("body", b""),
            site=data.get("site") or "",
            fetched_at=float(data.get("fetched_at") or 0.0),
        )


@dataclass(frozen=True, slots=True)
class RouteResult:
    """What ``Storage.route`` did with a verdict.

    ``status``: ``published`` (a new article or a new version of one), ``duplicate`` (this
    article was published before: nothing written), ``near_duplicate`` (a repost of
    ``near_dup_of``: recorded on it, not published), ``review`` (``review_item_id``),
    ``rejected``.
    """

    status: RouteStatus
    article_id: str | None = None
    stream_id: str | None = None
    """Entry id on ``articles``, ``rejected`` or ``review``."""
    version: int | None = None
    """1 for the first content published under a canonical URL, 2 for the next..."""
    near_dup_of: str | None = None
    similarity: float | None = None
    review_item_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


def decode(fields: dict[bytes, bytes]) -> dict[str, Any]:
    """The ``Message.data`` of a stream entry's fields."""
    raw = fields.get(b"data")
    if raw and len(fields) == 1:  # an article message: its JSON is all there is
        only: dict[str, Any] = loads(raw)
        return only
    data: dict[str, Any] = loads(raw) if raw else {}
    for key, value in fields.items():
        if key == b"data":
            continue
        name = key.decode()
        data[name] = value if name == "body" else value.decode("utf-8", "replace")
    return data
