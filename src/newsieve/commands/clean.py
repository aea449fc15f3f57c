"""``newsieve clean FILE...``: run files (or stdin) through the filters and print verdicts.

Formats: ``json`` (one object; an array when there are several inputs), ``jsonl`` (one
verdict per line, each with an ``input`` field naming its file), ``text`` (for people).

A failing file does not stop the others: it is reported as a JSON error object
``{"input": ..., "error": <code>, "message": ...}`` (in the stream itself with ``jsonl``,
so that every input has its line; on stderr otherwise) and the exit code is 1.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from newsieve.exceptions import NewsieveError
from newsieve.filters import Sieve, Verdict
from newsieve.settings import load_settings

# File endings walked in a directory argument and the content type each implies.
_TYPES = {
    ".html": "text/html",
    ".htm": "text/html",
    ".shtml": "text/html",
    ".xhtml": "text/html",
    ".txt": "text/plain",
    ".text": "text/plain",
}


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "clean",
        help="filter files or stdin and print verdicts",
        description="Run pages through the filters and print their verdicts. "
        "A directory is walked for .html/.htm/.txt files; '-' reads stdin.",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="a file, a directory, or - for stdin")
    p.add_argument("--format", choices=("json", "jsonl", "text"), default="json")
    p.add_argument(
        "--content-type",
        choices=("text/html", "text/plain"),
        help="the inputs' type (default: by file ending, else sniffed)",
    )
    p.add_argument("--charset", help="the inputs' charset, as an HTTP header would give it")
    p.add_argument("--url", help="the page's URL (metadata, absolute links); one input only")
    p.set_defaults(func=run)


def _inputs(args: argparse.Namespace) -> Iterator[tuple[str, Path | None]]:
    for name in args.files:
        if name == "-":
            yield "-", None
            continue
        path = Path(name)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs.sort()
                for fname in sorted(files):
                    child = Path(root) / fname
                    if child.suffix.lower() in _TYPES:
                        yield str(child), child
        else:
            yield name, path


def _content_type(args: argparse.Namespace, path: Path | None) -> str | None:
    if args.content_type:
        return str(args.content_type)
    if path is not None:
        return _TYPES.get(path.suffix.lower())
    return None


def _verdict_dict(name: str, verdict: Verdict) -> dict[str, Any]:
    return {"input": name, **verdict.to_dict()}


def _print_text(out: TextIO, name: str, v: Verdict) -> None:
    meta = ", ".join(f"{k}={val}" for k, val in _meta_items(v).items() if val)
    print(f"== {name}: {v.action} (spam_score {v.spam_score})", file=out)
    print(f"title: {v.title}", file=out)
    if meta:
        print(f"meta: {meta}", file=out)
    for flag in v.flags:
        print(f"flag: {flag.label} ({flag.reason}, {flag.count}x)", file=out)
    for span in v.removed:
        text = " ".join(span.text.split())  # one line (a span may hold its newline)
        snippet = text if len(text) <= 60 else text[:57] + "..."
        print(f"removed [{span.reason} {span.confidence:.2f}]: {snippet}", file=out)
    print("", file=out)
    print(v.text, file=out)
    print("", file=out)


def _meta_items(v: Verdict) -> dict[str, str | None]:
    m = v.meta
    return {"author": m.author, "editor": m.editor, "source": m.source, "published_at": m.published_at}


def _progress(walking: bool) -> Any:
    """A progress bar on stderr, when a directory is walked and stderr is a terminal."""
    if not walking or not sys.stderr.isatty():
        return None
    from rich.progress import Progress

    return Progress(transient=True)


def run(args: argparse.Namespace) -> int:
    if args.url and len(args.files) > 1:
        print("newsieve clean: --url names one page; give one input with it", file=sys.stderr)
        return 2
    settings = load_settings()
    sieve = Sieve(settings.filter_config())
    inputs = list(_inputs(args))
    if not inputs:
        print("newsieve clean: no .html/.htm/.txt files found in the arguments", file=sys.stderr)
        return 1
    out = sys.stdout
    failures = 0
    collected: list[dict[str, Any]] = []
    progress = _progress(any(Path(n).is_dir() for n in args.files if n != "-"))
    task = progress.add_task("cleaning", total=len(inputs)) if progress else None
    if progress:
        progress.start()
    try:
        for name, path in inputs:
            try:
                data = sys.stdin.buffer.read() if path is None else path.read_bytes()
                verdict = sieve.clean(
                    data, content_type=_content_type(args, path), charset=args.charset, url=args.url
                )
            except (NewsieveError, OSError) as exc:
                failures += 1
                error = (
                    exc.to_dict()
                    if isinstance(exc, NewsieveError)
                    else {"error": "io_error", "message": f"{exc.strerror or exc}"}
                )
                obj = {"input": name, **error}
                if args.format == "jsonl":
                    print(json.dumps(obj, ensure_ascii=False), file=out, flush=True)
                else:
                    print(json.dumps(obj, ensure_ascii=False), file=sys.stderr, flush=True)
            else:
                if args.format == "jsonl":
                    print(json.dumps(_verdict_dict(name, verdict), ensure_ascii=False), file=out, flush=True)
                elif args.format == "json":
                    collected.append(_verdict_dict(name, verdict))
                else:
                    _print_text(out, name, verdict)
            if progress and task is not None:
                progress.advance(task)
    finally:
        if progress:
            progress.stop()
    if args.format == "json" and collected:
        payload: Any = collected[0] if len(inputs) == 1 else collected
        print(json.dumps(payload, ensure_ascii=False, indent=2), file=out)
    return 1 if failures else 0
