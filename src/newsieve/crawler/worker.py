"""The filter worker: ``raw`` -> ``Sieve.clean`` -> ``Storage.route`` -> ack.

Runs in the daemon's process (a thread) by default, or as ``newsieve filter-worker``
processes at scale; every worker is a member of one consumer group (``GROUP``) on ``raw``,
so each page is filtered by one of them, at least once. A message is acked only after
``route`` stored its verdict. A page the filters cannot take (``InputError``: empty, not
decodable, too large) or an unexpected error calls ``fail``: it is retried and, after
``max_deliveries``, dead-lettered with the error. Nothing is dropped silently.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from newsieve.exceptions import InputError, NewsieveError, StorageError

if TYPE_CHECKING:
    from newsieve.filters import Sieve, SiteRules, Verdict
    from newsieve.storage import Message, Storage

__all__ = ["GROUP", "FilterWorker", "WorkerProcess", "WorkerStats", "raw_backlog"]

logger = logging.getLogger(__name__)

GROUP = "filters"
"""Consumer group of every filter worker on ``raw``."""
SITE_RULES_SECONDS = 60.0
"""How long a site's moderator rules are cached by a worker before being read again."""


def default_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


def raw_backlog(storage: Storage) -> int | None:
    """Raw pages not yet filtered (undelivered plus unacked); ``None`` if Redis cannot tell."""
    if storage.stream_length("raw") == 0:
        return 0
    for group in storage.groups("raw"):
        if group.name == GROUP:
            if group.lag is None:
                return None
            return group.lag + group.pending
    return storage.stream_length("raw")


@dataclass
class WorkerStats:
    filtered: int = 0
    failed: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    last_error: str = ""


class FilterWorker:
    """One member of the ``filters`` group. ``run()`` until ``stop()`` (or nothing is left)."""

    def __init__(
        self, storage: Storage, sieve: Sieve, *, name: str | None = None, block_ms: int = 500
    ) -> None:
        self.storage = storage
        self.sieve = sieve
        self.name = name or default_name()
        self.block_ms = block_ms
        self.stats = WorkerStats()
        self._stop = threading.Event()
        self._consumer: Any = None
        self._rules: dict[str, tuple[float, SiteRules]] = {}

    def stop(self) -> None:
        """Finish the batch in hand, then return from ``run`` (acked work is never lost)."""
        self._stop.set()
        if self._consumer is not None:
            self._consumer.close()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def run(self, *, follow: bool = True) -> WorkerStats:
        while not self._stop.is_set():
            self._consumer = self.storage.consumer(
                "raw", GROUP, self.name, block_ms=self.block_ms, follow=follow
            )
            if self._stop.is_set():
                self._consumer.close()
            for batch in self._consumer.batches():
                self.handle_many(batch)
            if not follow:
                break
        return self.stats

    def handle(self, msg: Message) -> None:
        self.handle_many([msg])

    def handle_many(self, msgs: list[Message]) -> None:
        """Filter a batch read from ``raw``, store the verdicts in one ``route_many`` and ack them
        in one XACK (a round trip or two per batch instead of per page). A page whose filtering
        fails is failed alone; if the batch's routing fails (other than Redis being down), each
        page is routed on its own, so one bad page cannot take the others down."""
        done: list[tuple[Message, Verdict, str | None, str | None]] = []
        for msg in msgs:
            data = msg.data
            url = data.get("url")
            site = data.get("site") or None
            try:
                verdict = self.sieve.clean(
                    data.get("body", b""),
                    content_type=data.get("content_type") or "text/html",
                    charset=data.get("charset"),
                    url=data.get("final_url") or url,
                    site_rules=self._site_rules(site),
                )
            except StorageError:
                raise  # Redis is down: the entries stay pending and are reclaimed later
            except Exception as exc:
                self._failed(msg, url, exc)
                continue
            done.append((msg, verdict, url, site))
        if not done:
            return
        try:
            results = self.storage.route_many([(v, url, site, m.id) for m, v, url, site in done])
        except StorageError:
            raise
        except Exception:  # route one by one: the failing page is recorded on its entry alone
            for msg, verdict, url, site in done:
                try:
                    result = self.storage.route(verdict, url=url, site=site, raw_id=msg.id)
                except StorageError:
                    raise
                except Exception as exc:
                    self._failed(msg, url, exc)
                    continue
                msg.ack()
                self._count(result.status)
            return
        consumer = self._consumer
        if consumer is not None and all(m._consumer is consumer for m, *_ in done):
            consumer.ack_many([m for m, *_ in done])
        else:  # messages handed in from elsewhere
            for m, *_ in done:
                m.ack()
        for result in results:
            self._count(result.status)

    def _failed(self, msg: Message, url: str | None, exc: Exception) -> None:
        """Record a failure on the entry (retried, then dead-lettered): never lost."""
        error = exc.to_dict() if isinstance(exc, NewsieveError) else {"error": type(exc).__name__}
        reason = f"{error['error']}: {exc}"[:500]
        self.stats.failed += 1
        self.stats.last_error = reason
        if not isinstance(exc, InputError):
            logger.warning("filtering %s failed: %s", url, reason)
        msg.fail(reason)

    def _count(self, status: str) -> None:
        self.stats.filtered += 1
        self.stats.by_status[status] = self.stats.by_status.get(status, 0) + 1

    def _site_rules(self, site: str | None) -> SiteRules | None:
        if not site:
            return None
        now = time.monotonic()
        cached = self._rules.get(site)
        if cached is None or cached[0] < now:
            if len(self._rules) > 1024:
                self._rules.clear()
            cached = (now + SITE_RULES_SECONDS, self.storage.site_rules(site))
            self._rules[site] = cached
        return cached[1]


# -- running a worker beside the crawl ---------------------------------------------------------------


def _child(
    storage_config: Any, filter_config: Any, name: str | None, stop: Any, parent: int, done: Any
) -> None:
    """Body of a worker process: filter until told to stop or the parent is gone."""
    import signal

    from newsieve.filters import Sieve
    from newsieve.storage import open_storage

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)  # the parent decides when to stop
    storage = open_storage(storage_config)
    worker = FilterWorker(storage, Sieve(filter_config), name=name)

    def watch() -> None:
        while not stop.wait(0.5):
            if os.getppid() != parent:  # the parent died (kill -9): finish the batch and go
                break
        worker.stop()

    threading.Thread(target=watch, name="watch-parent", daemon=True).start()
    try:
        stats = worker.run(follow=True)
        done.value = stats.filtered
    finally:
        storage.close()


class WorkerProcess:
    """A filter worker in its own process (its own core: the filters are CPU-bound and the
    crawl holds the GIL of its process). ``stop()`` lets it finish its batch; it also stops by
    itself when its parent dies."""

    def __init__(self, storage_config: Any, filter_config: Any, name: str | None = None) -> None:
        import multiprocessing

        ctx = multiprocessing.get_context("spawn")  # no fork of a process holding sockets and threads
        self._stop = ctx.Event()
        self._done = ctx.Value("q", 0)
        self.process = ctx.Process(
            target=_child,
            args=(storage_config, filter_config, name, self._stop, os.getpid(), self._done),
            name="newsieve-filter-worker",
            daemon=True,
        )

    def start(self) -> None:
        self.process.start()

    def stop(self) -> None:
        self._stop.set()

    def join(self, timeout: float) -> None:
        self.process.join(timeout)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5)

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()

    def is_alive(self) -> bool:
        return self.process.is_alive()

    @property
    def filtered(self) -> int:
        return int(self._done.value)

    @property
    def failed(self) -> bool:
        return self.process.exitcode not in (None, 0)
