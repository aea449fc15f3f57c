"""Moderators' knowledge fed back to the filters: labeled examples and per-site rules.

- ``feedback`` stream: one labeled example per edit that overturned a detector (written
  by ``ReviewStore.decide``); ``iter_examples`` reads them for ``newsieve export-labels``.
- Site rules: per site, a set of texts to keep (``allow``) and a hash of texts to remove
  with their label (``deny``); ``load_site_rules`` builds the filters' ``SiteRules``, read
  by the filter workers for each page, so a rule applies from the next page on.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

import redis

from newsieve.exceptions import InputError
from newsieve.filters.pipeline import SiteRules

from .keys import Keys
from .messages import loads

__all__ = ["add_site_rule", "iter_examples", "load_site_rules", "remove_site_rule"]

RuleKind = Literal["allow", "deny"]
_DEFAULT_DENY_LABEL = "boilerplate.other"
_PAGE = 500


def iter_examples(client: redis.Redis, keys: Keys, after: str | None = None) -> Iterator[dict[str, Any]]:
    """Every labeled example after stream id ``after``, oldest first, each with ``stream_id``."""
    low = f"({after}" if after else "-"
    while True:
        entries: Any = client.xrange(keys.feedback, min=low, count=_PAGE)
        for entry_id, fields in entries:
            yield {"stream_id": entry_id.decode(), **loads(fields[b"data"])}
        if len(entries) < _PAGE:
            return
        low = f"({entries[-1][0].decode()}"


def load_site_rules(client: redis.Redis, keys: Keys, site: str) -> SiteRules:
    pipe = client.pipeline(transaction=False)
    pipe.smembers(keys.site_allow(site))
    pipe.hgetall(keys.site_deny(site))
    allow, deny = pipe.execute()
    return SiteRules(
        allow=tuple(sorted(a.decode() for a in allow)),
        deny=tuple(sorted((t.decode(), lab.decode()) for t, lab in deny.items())),
    )


def _check(site: str, kind: str, text: str) -> None:
    if kind not in ("allow", "deny"):
        raise InputError(f"site rule kind must be allow or deny, not {kind!r}")
    if not site or not text.strip():
        raise InputError("a site rule needs a site and a non-empty text")


def add_site_rule(
    client: redis.Redis | redis.client.Pipeline, keys: Keys, site: str, kind: RuleKind, text: str,
    label: str | None = None,
) -> None:  # fmt: skip
    _check(site, kind, text)
    if kind == "allow":
        client.sadd(keys.site_allow(site), text)
    else:
        client.hset(keys.site_deny(site), text, label or _DEFAULT_DENY_LABEL)


def remove_site_rule(
    client: redis.Redis | redis.client.Pipeline, keys: Keys, site: str, kind: RuleKind, text: str
) -> None:
    _check(site, kind, text)
    if kind == "allow":
        client.srem(keys.site_allow(site), text)
    else:
        client.hdel(keys.site_deny(site), text)
