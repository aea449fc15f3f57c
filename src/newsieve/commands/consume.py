"""``newsieve consume --group G``: print a stream's messages as JSONL, acking each after printing.

One JSON object per line: ``{"stream_id": ..., "deliveries": ..., **message}`` (for
``articles``, the article message of ``schemas/article-message.schema.json``). A new group
starts at the beginning of the stream. Without ``--follow`` it exits once the stream holds
nothing new (and nothing due for redelivery) for the group; ``--count N`` stops after N.
A message is acked only once its line is written and flushed: at least once.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import socket
import sys
from typing import Any

from newsieve.settings import load_settings


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "consume",
        help="print a stream's messages as JSONL through a consumer group",
        description="Read a stream through a consumer group and print each message as one JSON line, "
        "acking it after printing.",
    )
    p.add_argument("--group", required=True, help="consumer group (created at the stream's start)")
    p.add_argument("--stream", default="articles", help="stream name without prefix (default: articles)")
    p.add_argument("--name", help="consumer name in the group (default: host-pid)")
    p.add_argument("--follow", action="store_true", help="keep waiting for new messages")
    p.add_argument("--count", type=int, help="stop after N messages")
    p.set_defaults(func=run)


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    body = data.get("body")
    if isinstance(body, bytes):
        data = {**data, "body": base64.b64encode(body).decode("ascii"), "body_encoding": "base64"}
    return data


def run(args: argparse.Namespace) -> int:
    from newsieve.storage import open_storage

    if args.count is not None and args.count <= 0:
        print("newsieve consume: --count must be positive", file=sys.stderr)
        return 2
    name = args.name or f"{socket.gethostname()}-{os.getpid()}"
    storage = open_storage(load_settings().storage_config())
    out = sys.stdout
    done = 0
    try:
        count = min(args.count, 100) if args.count else None
        consumer = storage.consumer(args.stream, args.group, name, follow=args.follow, count=count)
        for msg in consumer:
            line = {"stream_id": msg.id, "deliveries": msg.deliveries, **_jsonable(msg.data)}
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
            out.flush()
            msg.ack()
            done += 1
            if args.count:
                if done >= args.count:
                    break
                # Never fetch more than is left to print: a fetched entry stays pending until acked.
                consumer.count = min(args.count - done, 100)
    except BrokenPipeError:
        return 0
    finally:
        storage.close()
    return 0
