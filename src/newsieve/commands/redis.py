"""``newsieve redis status|start|stop|deadletter``: the Redis newsieve uses.

``status`` prints which Redis is in use (``REDIS_URL`` or the embedded server and its
socket), its version, each stream's length, and each consumer group's lag and pending
count: as JSON (``--format json``, the default when stdout is not a terminal) or as text.
``start`` starts the embedded server (it also starts on first use); ``stop`` stops it
cleanly (SHUTDOWN: the append-only file is fsynced). Both refuse when ``REDIS_URL`` is set.

``deadletter`` prints the dead letters as JSONL, oldest first: ``id`` (on ``deadletter``),
``stream`` and ``entry_id`` (where it came from), ``group``, ``deliveries``, ``error`` (the
last one), ``consumer``, ``at_ms``, ``data`` (the message; a raw page's ``body`` in base64).
``deadletter --requeue ID...`` or ``--requeue --all`` puts them back on their source streams
and deletes them from ``deadletter``, one JSON line each (``requeued_as``: the new entry id, or
null for an id that is not there); each entry moves in one step, so an interrupted requeue
can be run again: nothing is lost or doubled. A requeued message is delivered again to every
group of its stream (at least once). Exit status 1 when an id was not found.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from newsieve.settings import load_settings


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("redis", help="status of the Redis in use; start or stop the embedded server")
    actions = p.add_subparsers(dest="redis_action", metavar="ACTION")
    status = actions.add_parser("status", help="server, version, stream lengths, group lag and pending")
    status.add_argument("--format", choices=("json", "text"), help="default: text on a terminal, else json")
    status.set_defaults(func=run_status)
    start = actions.add_parser("start", help="start the embedded server under the data directory")
    start.set_defaults(func=run_start)
    stop = actions.add_parser("stop", help="stop the embedded server cleanly")
    stop.set_defaults(func=run_stop)
    dead = actions.add_parser(
        "deadletter",
        help="list dead letters as JSONL, or requeue them onto their source streams",
        description="List the dead-letter stream as JSONL (with each entry's last error), or put entries "
        "back on the stream they came from.",
    )
    dead.add_argument("--after", help="list the entries after this dead-letter id")
    dead.add_argument("--limit", type=int, default=1000, help="list at most N entries (default 1000)")
    dead.add_argument("--requeue", nargs="*", metavar="ID", help="requeue these dead-letter ids (or --all)")
    dead.add_argument("--all", action="store_true", help="with --requeue: every dead letter there now")
    dead.set_defaults(func=run_deadletter)
    p.set_defaults(func=run_status, format=None)


def run_status(args: argparse.Namespace) -> int:
    from newsieve.storage import open_storage

    storage = open_storage(load_settings().storage_config())
    try:
        status = storage.status()
    finally:
        storage.close()
    fmt = args.format or ("text" if sys.stdout.isatty() else "json")
    if fmt == "json":
        print(json.dumps(status, ensure_ascii=False, indent=2))
    else:
        _print_text(status)
    return 0


def _print_text(status: dict[str, Any]) -> None:
    r = status["redis"]
    where = r.get("url") or f"embedded, socket {r.get('socket')}"
    durable = (r.get("persistence") or {}).get("aof")
    aof = "AOF on" if durable else "no AOF: a restart keeps only the last snapshot"
    server = f"{r.get('server', 'redis')} {r.get('version')}"
    print(f"redis: {where} ({server}, ping {r.get('ping_ms')} ms, {aof})")
    print(f"key prefix: {status['key_prefix']}")
    for name, s in status["streams"].items():
        print(f"  {name:<11} {s['length']:>9} entries")
        for g in s["groups"]:
            print(
                f"      group {g['name']}: lag {g['lag']}, pending {g['pending']}, consumers {g['consumers']}"
            )
    counts = ", ".join(f"{k} {v}" for k, v in status["review"].items())
    print(f"review: {counts}")


def run_start(args: argparse.Namespace) -> int:
    from newsieve.storage import EmbeddedServer, StorageConfig

    settings = load_settings()
    if settings.redis_url:
        print("newsieve redis start: REDIS_URL is set; the embedded server is not used", file=sys.stderr)
        return 1
    server = EmbeddedServer.for_data_dir(settings.data_dir)
    server.ensure_running(StorageConfig().embedded_start_timeout)
    print(json.dumps({"started": True, "socket": str(server.socket), "pid": server.pid()}))
    return 0


def run_stop(args: argparse.Namespace) -> int:
    from newsieve.storage import stop_embedded

    settings = load_settings()
    if settings.redis_url:
        print("newsieve redis stop: REDIS_URL is set; newsieve does not stop that server", file=sys.stderr)
        return 1
    stopped = stop_embedded(settings.data_dir)
    print(json.dumps({"stopped": stopped}))
    return 0


def run_deadletter(args: argparse.Namespace) -> int:
    import base64

    from newsieve.exceptions import InputError
    from newsieve.storage import open_storage

    if args.all and args.requeue is None:
        print("newsieve redis deadletter: --all goes with --requeue", file=sys.stderr)
        return 2
    if args.requeue is not None and bool(args.requeue) == bool(args.all):
        print("newsieve redis deadletter: --requeue takes dead-letter ids or --all", file=sys.stderr)
        return 2
    if args.limit <= 0:
        print("newsieve redis deadletter: --limit must be positive", file=sys.stderr)
        return 2
    storage = open_storage(load_settings().storage_config())
    prefix = storage.keys.prefix
    out = sys.stdout

    def name(stream: str) -> str:
        return stream[len(prefix) :] if stream.startswith(prefix) else stream

    try:
        if args.requeue is not None:
            moved = storage.requeue_deadletters(None if args.all else list(args.requeue))
            for dead_id, new_id, stream in moved:
                done = {"id": dead_id, "stream": name(stream) or None, "requeued_as": new_id}
                out.write(json.dumps(done, ensure_ascii=False) + "\n")
            return 1 if any(new_id is None for _, new_id, _ in moved) else 0
        after, left = args.after, args.limit
        while left > 0:
            page = storage.deadletters(after, min(left, 500))
            for d in page:
                line: dict[str, Any] = {**d.to_dict(), "stream": name(d.stream)}
                body = d.data.get("body")
                if isinstance(body, bytes):
                    line["data"] = {**d.data, "body": base64.b64encode(body).decode("ascii"),
                                    "body_encoding": "base64"}  # fmt: skip
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
            if not page:
                break
            after, left = page[-1].id, left - len(page)
        return 0
    except InputError as exc:
        print(f"newsieve redis deadletter: {exc}", file=sys.stderr)
        return 2
    finally:
        out.flush()
        storage.close()
