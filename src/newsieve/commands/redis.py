"""``newsieve redis status|start|stop``: the Redis newsieve uses.

``status`` prints which Redis is in use (``REDIS_URL`` or the embedded server and its
socket), its version, each stream's length, and each consumer group's lag and pending
count: as JSON (``--format json``, the default when stdout is not a terminal) or as text.
``start`` starts the embedded server (it also starts on first use); ``stop`` stops it
cleanly (SHUTDOWN: the append-only file is fsynced). Both refuse when ``REDIS_URL`` is set.
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
    print(f"redis: {where} (version {r.get('version')}, ping {r.get('ping_ms')} ms)")
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
