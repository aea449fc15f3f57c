"""From a filter request to a verdict: base64 decoding, URL fetching, site rules, the Sieve."""

from __future__ import annotations

import base64
import binascii
import logging
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from newsieve.exceptions import InputError, NewsieveError
from newsieve.filters import Sieve, SiteRules, Verdict

from .models import FilterRequest
from .problems import ApiProblem

__all__ = ["FilterService", "Prepared"]

log = logging.getLogger("newsieve.api")

RULES_BACKOFF = 10.0
"""Seconds the filter endpoints stop asking Redis for site rules after it failed to answer, so
that a Redis outage costs one slow request, not one per request."""


@dataclass(frozen=True, slots=True)
class Prepared:
    data: bytes | str
    content_type: str | None
    charset: str | None
    url: str | None
    site_rules: SiteRules | None


class FilterService:
    """Holds the compiled ``Sieve`` (built once) and, when there is one, the storage for site rules."""

    def __init__(self, sieve: Sieve, storage_getter: Any = None, fetch_options: dict[str, Any] | None = None):
        self.sieve = sieve
        self._storage_getter = storage_getter
        self._fetch_options = fetch_options or {}
        self._rules_down_until = 0.0

    def run(self, req: FilterRequest) -> Verdict:
        """Both steps in the calling thread (the batch endpoint, tests)."""
        return self.judge(self.prepare(req))

    def needs_io(self, req: FilterRequest) -> bool:
        """Whether ``prepare`` may block on the network (a fetch, or Redis for the site rules)."""
        return bool(req.url)

    def prepare(self, req: FilterRequest) -> Prepared:
        """Everything before the filters: base64, the fetch, the site rules (may do I/O)."""
        data, content_type, charset, url = self._input(req)
        return Prepared(data, content_type, charset, url, self._site_rules(url))

    def judge(self, p: Prepared) -> Verdict:
        """The filters themselves: CPU only."""
        return self.sieve.clean(
            p.data, content_type=p.content_type, charset=p.charset, url=p.url, site_rules=p.site_rules
        )

    # -- input ------------------------------------------------------------------------------
    def _input(self, req: FilterRequest) -> tuple[bytes | str, str | None, str | None, str | None]:
        if req.html is None and req.text is None:
            assert req.url
            return self._fetch(req.url)
        body = req.html if req.html is not None else req.text
        assert body is not None
        content_type = req.content_type or ("text/html" if req.html is not None else "text/plain")
        data: bytes | str = body
        if req.encoding == "base64":
            try:
                data = base64.b64decode(body, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise InputError("encoding is base64 but the page is not valid base64") from exc
        return data, content_type, req.charset, req.url

    def _fetch(self, url: str) -> tuple[bytes, str | None, str | None, str]:
        try:
            from newsieve.crawler import fetch  # the httpx fetcher with the SSRF guard (issue 4)
        except ImportError as exc:
            raise ApiProblem(
                501, "fetch_unavailable", "fetching URLs is not available in this build"
            ) from exc
        result = fetch(url, **self._fetch_options)
        return (
            result.body,
            getattr(result, "content_type", None),
            getattr(result, "charset", None),
            getattr(result, "url", None) or url,
        )

    def _site_rules(self, url: str | None) -> SiteRules | None:
        if not url or self._storage_getter is None:
            return None
        site = (urlsplit(url).hostname or "").lower()
        if not site:
            return None
        if time.monotonic() < self._rules_down_until:
            return None
        try:
            storage = self._storage_getter()
            rules = storage.site_rules(site)
        except NewsieveError as exc:  # site rules are a refinement: filter without them
            log.warning("site rules unavailable (%s): skipped for %ss", exc.code, RULES_BACKOFF)
            self._rules_down_until = time.monotonic() + RULES_BACKOFF
            return None
        return rules if isinstance(rules, SiteRules) else None
