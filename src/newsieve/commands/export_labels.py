"""``newsieve export-labels``: the labeled examples moderators' decisions produced, as JSONL.

One JSON object per line, oldest first, as storage recorded them on the ``feedback`` stream:
``text``, ``label``, ``site``, ``url``, ``decision`` (``keep``: a removal the filters proposed
was wrong, the text is article; ``remove``: text the filters missed; ``relabel``), the
detector and reason overturned, ``moderator``, ``item_id``, ``at`` and ``stream_id``.
``--after STREAM_ID`` continues an earlier export (pass the last line's ``stream_id``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

from newsieve.settings import load_settings


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "export-labels",
        help="write moderators' labeled examples as JSONL",
        description="Write the labeled examples recorded from review decisions as JSON lines.",
    )
    p.add_argument("--after", help="only examples after this stream id (from a previous export)")
    p.add_argument("--label", action="append", help="only this label (repeatable)")
    p.add_argument("--site", help="only examples of this site")
    p.add_argument("-o", "--output", type=Path, help="write to this file (default: stdout)")
    p.add_argument("--redis-url", help="Redis URL (default: REDIS_URL, else the embedded server)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from newsieve.storage import open_storage

    storage = open_storage(load_settings(redis_url=args.redis_url).storage_config())
    try:
        if args.output:
            with args.output.open("w", encoding="utf-8") as out:
                n = _write(storage.feedback_examples(args.after), out, args)
        else:
            n = _write(storage.feedback_examples(args.after), sys.stdout, args)
    finally:
        storage.close()
    print(f"{n} examples", file=sys.stderr)
    return 0


def _write(examples: Iterable[dict[str, Any]], out: TextIO, args: argparse.Namespace) -> int:
    n = 0
    for example in examples:
        if args.label and example.get("label") not in args.label:
            continue
        if args.site and example.get("site") != args.site:
            continue
        out.write(json.dumps(example, ensure_ascii=False) + "\n")
        n += 1
    out.flush()
    return n
