"""``newsieve fetch URL``: fetch one page (SSRF-guarded, size- and time-capped) and print its verdict.

The fetcher is ``newsieve.crawler.fetch``, the same the HTTP API's URL mode uses; the page
goes through the same filters as ``newsieve clean``. Loopback and private targets are
refused unless ``--allow-private`` is given or ``NEWSIEVE_FETCH_ALLOW`` lets them through.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys

from newsieve.commands.clean import _print_text
from newsieve.filters import Sieve
from newsieve.settings import load_settings


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "fetch",
        help="fetch one URL and print its verdict",
        description="Fetch one HTML page and run it through the filters. Private, loopback, link-local "
        "and cloud-metadata targets are refused (also after DNS and redirects) unless allowed.",
    )
    p.add_argument("url", metavar="URL")
    p.add_argument("--format", choices=("json", "text"), default="json")
    p.add_argument(
        "--allow-private", action="store_true", help="turn the SSRF guard off (trusted local use only)"
    )
    p.add_argument("--timeout", type=float, help="seconds per connect/read (default: fetch_timeout)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from newsieve.crawler import fetch

    settings = load_settings()
    config = settings.fetch_config()
    if args.allow_private:
        config = dataclasses.replace(config, allow_private=True)
    if args.timeout:
        config = dataclasses.replace(config, timeout=args.timeout)
    page = fetch(
        args.url,
        timeout=config.timeout,
        max_bytes=config.max_bytes,
        max_redirects=config.max_redirects,
        allow_private=config.allow_private,
        allow=config.allow,
        user_agent=config.user_agent,
    )
    verdict = Sieve(settings.filter_config()).clean(
        page.body, content_type=page.content_type or "text/html", charset=page.charset, url=page.url
    )
    if args.format == "text":
        _print_text(sys.stdout, page.url, verdict)
    else:
        out = {"input": args.url, "url": page.url, "status": page.status, **verdict.to_dict()}
        print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0
