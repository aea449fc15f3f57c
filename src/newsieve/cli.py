"""The ``newsieve`` command. Each subcommand lives in ``newsieve/commands/<name>.py`` with
``register(subparsers)``; the list below is the wiring, as data.

Exit codes: 0 ok, 1 a failure (reported as a JSON error object on stderr), 2 usage error.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Sequence

from newsieve import __version__
from newsieve.exceptions import NewsieveError

COMMANDS: tuple[str, ...] = (
    "clean",
    "fetch",
    "run",
    "filter_worker",
    "status",
    "demo",
    "serve",
    "consume",
    "redis",
    "export_labels",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsieve",
        description="Crawl repost sites, strip injected ads and footers, queue clean articles in Redis.",
    )
    parser.add_argument("--version", action="version", version=f"newsieve {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"newsieve.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"newsieve.commands.{name}":
                continue  # not built yet
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.func(args) or 0)
    except NewsieveError as exc:
        print(json.dumps(exc.to_dict(), ensure_ascii=False), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
