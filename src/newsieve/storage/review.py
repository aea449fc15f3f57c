"""The review store: verdicts that need a person, their states, leases, decisions and audit.

States::

    pending ──claim──▶ claimed ──decide──▶ approved | rejected | edited
       ▲                  │ lease expires               │
       └──────────────────┘◀──────── reopen ────────────┘

- Every transition checks the item's ``version`` and bumps it, in a WATCH/MULTI
  transaction on the item's hash: of two concurrent decisions with the same
  ``expected_version`` exactly one is stored, the other raises ``VersionConflict``.
- ``claim`` takes a lease of ``lease_seconds``; while it is live another moderator's
  ``claim`` or ``decide`` raises ``LeaseHeld``. An expired lease is reclaimed (the item goes
  back to pending, audited as ``lease_expired`` by ``system``) the next time items are
  listed, counted or claimed.
- ``decide``: ``approve`` publishes the verdict to ``articles`` (through the same idempotent
  publish script as the filter workers), ``edit`` publishes it with the moderator's edits
  applied, ``reject`` writes it to ``rejected``; in the same transaction as the state change.
- Every transition is appended to the ``audit`` stream and to the item's own audit stream
  (``history``): who, when, from which state to which, and what (decision, edits, note).
- Edits that overturn a detector (keep a removed span, remove what no detector caught,
  relabel a span) are appended to ``feedback`` as labeled examples.
- ``report`` puts an article the filters PUBLISHED back in the queue (``origin`` ``published``,
  ``article_id`` set; one open item per article). ``reject`` of such an item records a
  page-level example (``label`` ``page.reject``, ``overturn`` ``published_rejected``) on
  ``feedback``, writes the verdict to ``rejected`` and appends a retraction to ``articles``
  (the article's message with ``"retracted": true``: consumers idempotent on ``id`` drop it);
  ``approve`` only closes it (it is published already); ``edit`` is refused.

Item ids are decimal strings from a counter; lists are ordered by id (``after`` pages).
"""

from __future__ import annotations

import builtins
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import redis
import redis.exceptions as rexc

from newsieve.exceptions import Conflict, InputError, LeaseHeld, NotFound, VersionConflict
from newsieve.filters.types import Span, Verdict

from . import articles
from .config import StorageConfig
from .errors import retrying
from .keys import Keys
from .messages import encode, loads

__all__ = ["DECISIONS", "REVIEW_STATES", "ReviewItem", "ReviewStore", "apply_edits"]

REVIEW_STATES: tuple[str, ...] = ("pending", "claimed", "approved", "rejected", "edited")
DECIDED: tuple[str, ...] = ("approved", "rejected", "edited")
DECISIONS: dict[str, str] = {"approve": "approved", "reject": "rejected", "edit": "edited"}
Decision = Literal["approve", "reject", "edit"]
MANUAL_REASON = "review.manual"  # reason id of a span a moderator removed by hand
MANUAL_DETECTOR = "review@1"
ORIGINS: tuple[str, ...] = ("filter", "published")  # how an item entered the queue: submit, report
PAGE_REJECT_LABEL = "page.reject"
PUBLISHED_REJECTED = "published_rejected"


@dataclass(slots=True)
class ReviewItem:
    id: str
    state: str
    version: int
    url: str
    site: str
    verdict: dict[str, Any]
    original: dict[str, Any] | None = None
    """What the review page shows beside the verdict (the raw page's id, its HTML...)."""
    raw_id: str | None = None
    created_at: float = 0.0
    updated_at: float = 0.0
    claimed_by: str | None = None
    lease_until: float | None = None
    decided_by: str | None = None
    decision: str | None = None
    note: str | None = None
    edits: list[dict[str, Any]] = field(default_factory=list)
    article_id: str | None = None
    origin: str = "filter"
    """``filter``: a verdict the filters were unsure of; ``published``: a published article
    a moderator reported (``article_id`` is then the article's id)."""

    @property
    def lease_live(self) -> bool:
        return self.state == "claimed" and (self.lease_until or 0) > time.time()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "state": self.state,
            "version": self.version,
            "url": self.url,
            "site": self.site,
            "verdict": self.verdict,
            "original": self.original,
            "raw_id": self.raw_id,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "claimed_by": self.claimed_by,
            "lease_until": self.lease_until,
            "decided_by": self.decided_by,
            "decision": self.decision,
            "note": self.note,
            "edits": self.edits,
            "article_id": self.article_id,
            "origin": self.origin,
        }

    def to_hash(self) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        for k, v in self.to_dict().items():
            if v is None:
                out[k] = ""
            elif k in ("verdict", "original", "edits"):
                out[k] = json.dumps(v, ensure_ascii=False)
            else:
                out[k] = str(v)
        return out

    @classmethod
    def from_hash(cls, raw: Any) -> ReviewItem:
        h = {k.decode(): v.decode() for k, v in raw.items()}

        def opt(name: str) -> str | None:
            return h.get(name) or None

        return cls(
            id=h["id"],
            state=h["state"],
            version=int(h["version"]),
            url=h.get("url", ""),
            site=h.get("site", ""),
            verdict=loads(h["verdict"]),
            original=loads(h["original"]) if h.get("original") else None,
            raw_id=opt("raw_id"),
            created_at=float(h.get("created_at") or 0),
            updated_at=float(h.get("updated_at") or 0),
            claimed_by=opt("claimed_by"),
            lease_until=float(h["lease_until"]) if h.get("lease_until") else None,
            decided_by=opt("decided_by"),
            decision=opt("decision"),
            note=opt("note"),
            edits=loads(h["edits"]) if h.get("edits") else [],
            article_id=opt("article_id"),
            origin=opt("origin") or "filter",
        )


def apply_edits(verdict: Verdict, edits: list[dict[str, Any]]) -> tuple[Verdict, list[dict[str, Any]]]:
    """The verdict with a moderator's edits applied, and the edits that overturn a detector.

    An edit is ``{"span": i, "action": "keep" | "remove", "label": ...}`` (``i`` indexes
    ``verdict.removed``) or ``{"span": {"start": s, "end": e}, ...}`` (offsets into
    ``verdict.original_text``). ``keep`` restores what a detector removed (a range keeps every
    removal overlapping it); ``remove`` removes a range no detector caught, or relabels span
    ``i`` when ``label`` differs. The text is rebuilt from ``original_text`` minus the final
    removals, one paragraph per non-empty line (the title line left out).
    """
    original = verdict.original_text
    removed = list(verdict.removed)
    keep: set[int] = set()
    added: list[Span] = []
    overturned: list[dict[str, Any]] = []
    for edit in edits:
        action = edit.get("action")
        if action not in ("keep", "remove"):
            raise InputError(f"edit action must be keep or remove, not {action!r}")
        span = edit.get("span")
        label = edit.get("label")
        if isinstance(span, int) and not isinstance(span, bool):
            if not 0 <= span < len(removed):
                raise InputError(f"edit names span {span}, the verdict has {len(removed)}")
            s = removed[span]
            if action == "keep":
                keep.add(span)
                overturned.append({"text": s.text, "label": s.label, "reason": s.reason, "decision": "keep",
                                   "detector": s.detector, "start": s.start, "end": s.end})  # fmt: skip
            elif label and label != s.label:
                overturned.append({"text": s.text, "label": label, "old_label": s.label, "reason": s.reason,
                                   "decision": "relabel", "detector": s.detector, "start": s.start,
                                   "end": s.end})  # fmt: skip
                removed[span] = Span(
                    label, s.reason, s.start, s.end, s.text, s.confidence, s.evidence, s.detector
                )
        elif isinstance(span, dict):
            try:
                start, end = int(span["start"]), int(span["end"])
            except (KeyError, TypeError, ValueError) as exc:
                raise InputError(f"edit span must be an index or {{start, end}}, not {span!r}") from exc
            if not 0 <= start < end <= len(original):
                raise InputError(f"edit range {start}..{end} is outside the text (0..{len(original)})")
            if action == "keep":
                for i, s in enumerate(removed):
                    if s.start < end and start < s.end:
                        keep.add(i)
                        overturned.append({"text": s.text, "label": s.label, "reason": s.reason,
                                           "decision": "keep", "detector": s.detector,
                                           "start": s.start, "end": s.end})  # fmt: skip
            else:
                label = label or "boilerplate.other"
                text = original[start:end]
                added.append(Span(label, MANUAL_REASON, start, end, text, 1.0, {}, MANUAL_DETECTOR))
                example = {"text": text, "label": label, "reason": MANUAL_REASON, "decision": "remove"}
                overturned.append({**example, "detector": "", "start": start, "end": end})
        else:
            raise InputError(f"edit span must be an index or {{start, end}}, not {span!r}")
    final = [s for i, s in enumerate(removed) if i not in keep] + added
    final.sort(key=lambda s: (s.start, s.end))
    data = verdict.to_dict()
    data["removed"] = [s.to_dict() for s in final]
    if (keep or added) and original:
        paragraphs = _rebuild(original, final, verdict.title)
        text = "\n".join(paragraphs)
        data.update(paragraphs=paragraphs, text=text, content_hash=hashlib.sha256(text.encode()).hexdigest())
    return Verdict.from_dict(data), overturned


def _rebuild(original: str, spans: list[Span], title: str) -> list[str]:
    cut = [False] * len(original)
    for s in spans:
        for i in range(max(0, s.start), min(len(original), s.end)):
            cut[i] = True
    kept = "".join(ch for ch, c in zip(original, cut, strict=True) if not c)
    lines = [line.strip() for line in kept.split("\n")]
    return [line for line in lines if line and line != title.strip()]


class ReviewStore:
    """Review items in Redis. Built by ``Storage``; see the module docstring."""

    def __init__(self, client: redis.Redis, keys: Keys, config: StorageConfig, publish: Any) -> None:
        self.redis = client
        self.keys = keys
        self.config = config
        self._publish = publish  # the registered PUBLISH script

    def _retry(self, fn: Callable[[], Any], what: str) -> Any:
        return retrying(self.config.retry_seconds, fn, f"review {what}")

    # -- writes ----------------------------------------------------------------------------
    def submit(
        self,
        verdict: Verdict,
        *,
        url: str | None,
        site: str | None,
        original: dict[str, Any] | None = None,
        raw_id: str | None = None,
    ) -> ReviewItem:
        """A new pending item (also announced on the ``review`` stream)."""

        def run() -> ReviewItem:
            now = time.time()
            item_id = str(self.redis.incr(self.keys.review_seq))
            item = ReviewItem(
                id=item_id, state="pending", version=1, url=url or verdict.meta.url or "",
                site=site or verdict.meta.site or "", verdict=verdict.to_dict(), original=original,
                raw_id=raw_id, created_at=now, updated_at=now,
            )  # fmt: skip
            pipe = self.redis.pipeline(transaction=True)
            pipe.hset(self.keys.review_item(item_id), mapping=item.to_hash())
            self._index(pipe, item, None, "pending")
            self._audit(pipe, item, "submit", None, "pending", "system", now, {})
            pipe.xadd(
                self.keys.review,
                {"data": encode({"item_id": item_id, "url": item.url, "site": item.site,
                                 "spam_score": verdict.spam_score, "created_at": now})},
                **self._trim(),
            )  # fmt: skip
            pipe.execute()
            return item

        result: ReviewItem = self._retry(run, "submit")
        return result

    def report(self, article_id: str, moderator: str, *, note: str | None = None) -> ReviewItem:
        """Put the published article ``article_id`` in the queue as a pending item of origin
        ``published`` (audited as ``report``). While an item for it is open (not decided), that
        item is returned and nothing is written. ``NotFound`` for an id that is not a published
        article (unknown, forgotten, or a near-duplicate that was never published); ``Conflict``
        when its message was trimmed from ``articles`` (nothing left to review)."""
        found = self._retry(lambda: articles.load_article(self.redis, self.keys, article_id), "report")
        if found is None or "stream_id" not in found:
            raise NotFound(f"no published article {article_id}")
        if not isinstance(found.get("verdict"), dict):
            raise Conflict(f"article {article_id} was trimmed from the articles stream")
        message = {k: v for k, v in found.items() if k not in ("reposted_by", "deliveries")}
        reported = self.keys.review_reported(article_id)

        def run() -> ReviewItem:
            with self.redis.pipeline(transaction=True) as pipe:
                while True:
                    try:
                        pipe.watch(reported)
                        open_id: Any = pipe.get(reported)
                        if open_id is not None:
                            raw = pipe.hgetall(self.keys.review_item(open_id.decode()))
                            if raw:
                                existing = ReviewItem.from_hash(raw)
                                if existing.state not in DECIDED:
                                    pipe.reset()
                                    return existing
                        item_id = str(self.redis.incr(self.keys.review_seq))
                        now = time.time()
                        item = ReviewItem(
                            id=item_id, state="pending", version=1, url=str(message.get("url") or ""),
                            site=str(message.get("site") or ""), verdict=message["verdict"],
                            original={"article": {k: v for k, v in message.items() if k != "verdict"},
                                      "report": {"moderator": moderator, "note": note, "at": now}},
                            raw_id=message.get("raw_id") or None, created_at=now, updated_at=now,
                            article_id=article_id, origin="published",
                        )  # fmt: skip
                        pipe.multi()
                        pipe.set(reported, item_id)
                        pipe.hset(self.keys.review_item(item_id), mapping=item.to_hash())
                        self._index(pipe, item, None, "pending")
                        what = {"article_id": article_id, "origin": "published", "note": note}
                        self._audit(pipe, item, "report", None, "pending", moderator, now, what)
                        pipe.xadd(
                            self.keys.review,
                            {"data": encode({"item_id": item_id, "url": item.url, "site": item.site,
                                             "origin": "published", "article_id": article_id,
                                             "spam_score": item.verdict.get("spam_score"),
                                             "created_at": now})},
                            **self._trim(),
                        )  # fmt: skip
                        pipe.execute()
                        return item
                    except rexc.WatchError:
                        continue  # a concurrent report: read again (it returns that one's item)

        result: ReviewItem = self._retry(run, "report")
        return result

    def claim(self, item_id: str, moderator: str, *, lease_seconds: float | None = None) -> ReviewItem:
        """Take (or renew) the lease on a pending or claimed item. ``LeaseHeld`` when another
        moderator's lease is live; ``Conflict`` when the item is decided."""
        self.expire_leases()
        lease = self.config.lease_seconds if lease_seconds is None else lease_seconds

        def check(item: ReviewItem) -> None:
            if item.state in DECIDED:
                raise Conflict(f"review item {item.id} is {item.state}; reopen it first")
            if item.lease_live and item.claimed_by != moderator:
                raise LeaseHeld(
                    f"review item {item.id} is claimed by {item.claimed_by} until {item.lease_until}"
                )

        def apply(item: ReviewItem, pipe: Any, now: float) -> dict[str, Any]:
            until = now + lease
            pipe.zadd(self.keys.review_leases, {item.id: until})
            return {
                "state": "claimed",
                "claimed_by": moderator,
                "lease_until": until,
                "_audit": {"lease_until": until},
            }

        return self._transition(item_id, moderator, "claim", None, check, apply)

    def release(self, item_id: str, moderator: str) -> ReviewItem:
        """Give a claim back (the item is pending again)."""

        def check(item: ReviewItem) -> None:
            if item.state != "claimed" or item.claimed_by != moderator:
                raise Conflict(f"review item {item.id} is not claimed by {moderator}")

        def apply(item: ReviewItem, pipe: Any, now: float) -> dict[str, Any]:
            pipe.zrem(self.keys.review_leases, item.id)
            return {"state": "pending", "claimed_by": None, "lease_until": None}

        return self._transition(item_id, moderator, "release", None, check, apply)

    def decide(
        self,
        item_id: str,
        moderator: str,
        decision: Decision,
        *,
        expected_version: int,
        edits: list[dict[str, Any]] | None = None,
        note: str | None = None,
    ) -> ReviewItem:
        """Decide a pending or claimed item (``VersionConflict``, ``LeaseHeld``, ``Conflict``)."""
        if decision not in DECISIONS:
            raise InputError(f"decision must be approve, reject or edit, not {decision!r}")
        if decision == "edit" and not edits:
            raise InputError("an edit decision needs edits")
        edits = list(edits or [])

        def check(item: ReviewItem) -> None:
            if item.state in DECIDED:
                raise Conflict(f"review item {item.id} is already {item.state}")
            if item.origin == "published" and edits:
                raise InputError(f"review item {item.id} is a reported article: approve or reject it")
            if item.lease_live and item.claimed_by != moderator:
                raise LeaseHeld(f"review item {item.id} is claimed by {item.claimed_by}")

        def apply(item: ReviewItem, pipe: Any, now: float) -> dict[str, Any]:
            verdict = Verdict.from_dict(item.verdict)
            final, overturned = apply_edits(verdict, edits) if edits else (verdict, [])
            review = {"item_id": item.id, "moderator": moderator, "decision": decision, "note": note}
            article_id = item.article_id if item.origin == "published" else None
            if item.origin == "published":
                if decision == "reject":
                    overturned.append(self._retract(item, pipe, final, review, now))
            elif decision in ("approve", "edit"):
                d = articles.draft(
                    final, url=item.url, site=item.site, raw_id=item.raw_id, source="review", review=review,
                    near_dup=self.config.near_dup,
                )  # fmt: skip
                ks, args = articles.publish_args(d, self.keys, self.config)
                self._publish(keys=ks, args=args, client=pipe)
                article_id = d.article_id
            else:
                message = {"url": item.url, "site": item.site, "raw_id": item.raw_id, "source": "review",
                           "review": review, "verdict": final.to_dict()}  # fmt: skip
                pipe.xadd(self.keys.rejected, {"data": encode(message)}, **self._trim())
            for example in overturned:
                example.update(site=item.site, url=item.url, item_id=item.id, moderator=moderator,
                               review_decision=decision, at=now)  # fmt: skip
                pipe.xadd(self.keys.feedback, {"data": encode(example)}, **self._trim())
            pipe.zrem(self.keys.review_leases, item.id)
            return {
                "state": DECISIONS[decision], "decided_by": moderator, "decision": decision, "note": note,
                "edits": edits, "article_id": article_id, "claimed_by": None, "lease_until": None,
                "_audit": {"decision": decision, "edits": edits, "note": note, "article_id": article_id,
                           "overturned": len(overturned)},
            }  # fmt: skip

        return self._transition(item_id, moderator, "decide", expected_version, check, apply)

    def reopen(
        self, item_id: str, moderator: str, *, expected_version: int, note: str | None = None
    ) -> ReviewItem:
        """A decided item back to pending (what was published stays published)."""

        def check(item: ReviewItem) -> None:
            if item.state not in DECIDED:
                raise Conflict(f"review item {item.id} is {item.state}, not decided")

        def apply(item: ReviewItem, pipe: Any, now: float) -> dict[str, Any]:
            return {"state": "pending", "decided_by": None, "decision": None, "note": note, "edits": [],
                    "claimed_by": None, "lease_until": None,
                    "_audit": {"note": note, "previous_decision": item.decision}}  # fmt: skip

        return self._transition(item_id, moderator, "reopen", expected_version, check, apply)

    def expire_leases(self) -> int:
        """Claimed items whose lease ended go back to pending. Returns how many."""
        now = time.time()
        ids = self._retry(lambda: self.redis.zrangebyscore(self.keys.review_leases, "-inf", now), "leases")
        n = 0
        for raw_id in ids:
            item_id = raw_id.decode()

            def check(item: ReviewItem) -> None:
                if not (item.state == "claimed" and (item.lease_until or 0) <= time.time()):
                    raise Conflict("lease renewed")

            def apply(item: ReviewItem, pipe: Any, now: float) -> dict[str, Any]:
                pipe.zrem(self.keys.review_leases, item.id)
                return {"state": "pending", "claimed_by": None, "lease_until": None,
                        "_audit": {"claimed_by": item.claimed_by}}  # fmt: skip

            try:
                self._transition(item_id, "system", "lease_expired", None, check, apply)
                n += 1
            except Conflict:
                pass
            except NotFound:
                self.redis.zrem(self.keys.review_leases, item_id)
        return n

    def _retract(
        self, item: ReviewItem, pipe: Any, verdict: Verdict, review: dict[str, Any], now: float
    ) -> dict[str, Any]:
        """Queue a reported article's rejection on ``pipe``: the verdict to ``rejected``, its
        retraction to ``articles``. Returns the page-level labeled example (``decide`` adds the
        common fields and appends it to ``feedback``)."""
        article = dict((item.original or {}).get("article") or {})
        rejected = {"url": item.url, "site": item.site, "raw_id": item.raw_id, "source": "review",
                    "article_id": item.article_id, "origin": item.origin, "review": review,
                    "verdict": verdict.to_dict()}  # fmt: skip
        pipe.xadd(self.keys.rejected, {"data": encode(rejected)}, **self._trim())
        article.pop("stream_id", None)
        retraction = {**article, "id": item.article_id, "verdict": item.verdict, "source": "review",
                      "review": review, "retracted": True, "retracted_at": now}  # fmt: skip
        pipe.xadd(self.keys.articles, {"data": encode(retraction)}, **self._trim())
        return {"text": verdict.text, "title": verdict.title, "label": PAGE_REJECT_LABEL,
                "reason": "review.report", "decision": "reject", "kind": "page",
                "overturn": PUBLISHED_REJECTED, "detector": "", "start": 0, "end": len(verdict.original_text),
                "article_id": item.article_id, "note": review.get("note")}  # fmt: skip

    # -- reads -----------------------------------------------------------------------------
    def get(self, item_id: str) -> ReviewItem:
        raw = self._retry(lambda: self.redis.hgetall(self.keys.review_item(item_id)), "get")
        if not raw:
            raise NotFound(f"no review item {item_id}")
        return ReviewItem.from_hash(raw)

    def list(
        self, state: str = "pending", site: str | None = None, limit: int = 50, after: str | None = None
    ) -> list[ReviewItem]:
        """Items in ``state`` (optionally of one site), oldest first, after item id ``after``."""
        if state not in REVIEW_STATES:
            raise InputError(f"state must be one of {', '.join(REVIEW_STATES)}, not {state!r}")
        self.expire_leases()
        low = f"({int(after)}" if after else "-inf"
        key = self.keys.review_index(state, site)

        def run() -> list[ReviewItem]:
            ids: Any = self.redis.zrangebyscore(key, low, "+inf", start=0, num=limit)
            pipe = self.redis.pipeline(transaction=False)
            for i in ids:
                pipe.hgetall(self.keys.review_item(i.decode()))
            return [ReviewItem.from_hash(raw) for raw in pipe.execute() if raw]

        result: list[ReviewItem] = self._retry(run, "list")
        return result

    def history(self, item_id: str) -> builtins.list[dict[str, Any]]:
        """Every transition of the item, oldest first (each with its audit ``stream_id``)."""
        entries = self._retry(lambda: self.redis.xrange(self.keys.review_audit(item_id)), "history")
        if not entries:
            self.get(item_id)  # NotFound for an unknown item
        return [{"stream_id": i.decode(), **loads(f[b"data"])} for i, f in entries]

    def counts(self) -> dict[str, int]:
        self.expire_leases()

        def run() -> dict[str, int]:
            pipe = self.redis.pipeline(transaction=False)
            for state in REVIEW_STATES:
                pipe.zcard(self.keys.review_index(state))
            return dict(zip(REVIEW_STATES, (int(n) for n in pipe.execute()), strict=True))

        result: dict[str, int] = self._retry(run, "counts")
        return result

    # -- internals -------------------------------------------------------------------------
    def _trim(self) -> dict[str, Any]:
        if self.config.stream_maxlen > 0:
            return {"maxlen": self.config.stream_maxlen, "approximate": True}
        return {}

    def _index(self, pipe: Any, item: ReviewItem, old: str | None, new: str) -> None:
        score = int(item.id)
        if old is not None and old != new:
            pipe.zrem(self.keys.review_index(old), item.id)
            pipe.zrem(self.keys.review_index(old, item.site), item.id)
        pipe.zadd(self.keys.review_index(new), {item.id: score})
        pipe.zadd(self.keys.review_index(new, item.site), {item.id: score})

    def _audit(
        self, pipe: Any, item: ReviewItem, action: str, old: str | None, new: str, who: str, now: float,
        what: dict[str, Any], version: int | None = None,
    ) -> None:  # fmt: skip
        entry = {"item_id": item.id, "action": action, "from": old, "to": new, "moderator": who, "at": now,
                 "version": version or item.version, **what}  # fmt: skip
        fields = {"data": encode(entry)}
        pipe.xadd(self.keys.audit, fields, **self._trim())
        pipe.xadd(self.keys.review_audit(item.id), fields)

    def _transition(
        self,
        item_id: str,
        moderator: str,
        action: str,
        expected_version: int | None,
        check: Callable[[ReviewItem], None],
        apply: Callable[[ReviewItem, Any, float], dict[str, Any]],
    ) -> ReviewItem:
        key = self.keys.review_item(item_id)

        def run() -> ReviewItem:
            with self.redis.pipeline(transaction=True) as pipe:
                while True:
                    try:
                        pipe.watch(key)
                        raw = pipe.hgetall(key)
                        if not raw:
                            raise NotFound(f"no review item {item_id}")
                        item = ReviewItem.from_hash(raw)
                        if expected_version is not None and item.version != expected_version:
                            raise VersionConflict(
                                f"review item {item_id} is at version {item.version}, not {expected_version}"
                            )
                        check(item)
                        now = time.time()
                        pipe.multi()
                        changes = apply(item, pipe, now)
                        what = changes.pop("_audit", {})
                        old = item.state
                        for name, value in changes.items():
                            setattr(item, name, value)
                        item.version += 1
                        item.updated_at = now
                        pipe.hset(key, mapping=item.to_hash())
                        self._index(pipe, item, old, item.state)
                        self._audit(pipe, item, action, old, item.state, moderator, now, what)
                        pipe.execute()
                        return item
                    except rexc.WatchError:
                        continue  # someone else changed it: read again (the version check decides)

        result: ReviewItem = self._retry(run, action)
        return result
