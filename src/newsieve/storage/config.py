"""``StorageConfig``: the plain values the storage layer runs on.

Built by ``newsieve.settings.Settings.storage_config()``; tests build it directly::

    StorageConfig(redis_url="redis://127.0.0.1:6379/0", key_prefix="nstest:1:")
    StorageConfig(redis_url=None, data_dir="/var/lib/newsieve")   # the embedded server
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["StorageConfig"]


@dataclass(frozen=True, slots=True)
class StorageConfig:
    redis_url: str | None = None
    """``redis://``, ``rediss://`` or ``unix://``; ``None``: the embedded server under ``data_dir``."""
    data_dir: str = ""
    """Folder of the embedded server (socket, append-only file, log); ``""``: the platform's user
    data directory."""
    key_prefix: str = "newsieve:"
    """Prefix of every key and stream (``newsieve:articles``...)."""
    claim_idle_ms: int = 60_000
    """A pending entry idle this long (its consumer died or hangs) is reclaimed with XAUTOCLAIM."""
    max_deliveries: int = 5
    """An entry delivered this many times without an ack goes to ``deadletter`` with its last error."""
    stream_maxlen: int = 1_000_000
    """Approximate cap (``MAXLEN ~``) of each stream; 0 keeps everything. Trimming never drops
    pending entries' bookkeeping, but a trimmed entry can no longer be re-read."""
    seen_ttl_seconds: int = 30 * 86400
    """How long a URL stays in the crawler's seen-set."""
    lease_seconds: int = 600
    """How long a moderator's claim on a review item lasts before it is reclaimed."""
    block_ms: int = 2_000
    """How long a consumer blocks in XREADGROUP before looking for reclaimable entries again."""
    read_count: int = 100
    """Entries a consumer fetches per round trip."""
    near_dup: bool = True
    """Look for near-duplicates (reposts from other URLs) when publishing; off, only exact
    repeats (same canonical URL and content) are caught."""
    near_dup_threshold: float = 0.7
    """Estimated Jaccard similarity (4-character shingles) from which an article is a repost of an
    already-published one."""
    near_dup_window_seconds: int = 7 * 86400
    """Near-duplicates are looked for among articles published in the current and the previous
    window of this length (the LSH index of older windows expires)."""
    dedup_ttl_seconds: int = 90 * 86400
    """How long an article's record (for idempotent publishing, versions, ``reposted_by``) is
    kept; 0 keeps it forever."""
    retry_seconds: float = 30.0
    """How long an operation retries (exponential backoff) on connection errors before raising
    ``RedisUnavailable``; 0 fails at once."""
    embedded_start_timeout: float = 15.0
    """Seconds to wait for the embedded server (or another process's start lock)."""
    socket_timeout: float = 10.0
    """Socket timeout of the client, on top of any blocking time of a read."""
