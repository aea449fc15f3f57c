"""What the spider hands to the pipelines: a fetched page, or the outcome of a request.

Every callback and errback of the spider ends with exactly one of these, after the requests
it yields, so that the last pipeline (``LeaseAckPipeline``) can ack the request's lease once
its effect is stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from newsieve.storage import RawPage

__all__ = ["Outcome", "PageItem"]


@dataclass(slots=True)
class PageItem:
    """An article page as fetched (bytes and the header charset: the filters decode), with the
    frontier lease the last pipeline acks once the page is on ``raw``."""

    page: RawPage
    lease: tuple[bytes, str] | None = None
    mark_ms: int = 0

    @property
    def site(self) -> str:
        return self.page.site


@dataclass(slots=True)
class Outcome:
    """A request done without a page to publish: a list page parsed, a skip or a failure."""

    url: str
    site: str
    status: Literal["ok", "skipped", "failed"]
    reason: str = ""
    lease: tuple[bytes, str] | None = None
    mark_ms: int = 0
    listing: bool = False
    """A list page, sitemap or feed (remembered for the rest of a ``--once`` run)."""
    extra: dict[str, str] = field(default_factory=dict)
