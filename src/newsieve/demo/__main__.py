"""``python -m newsieve.demo [--port N] [--articles N]``: serve the demo site until interrupted."""

from __future__ import annotations

import argparse
import time

from .server import DemoServer
from .site import DemoSite


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m newsieve.demo")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--articles", type=int, default=12)
    parser.add_argument("--per-page", type=int, default=4)
    parser.add_argument("--no-specials", action="store_true")
    args = parser.parse_args()
    site = DemoSite(articles=args.articles, per_page=args.per_page, specials=not args.no_specials)
    with DemoServer(site, port=args.port) as server:
        print(server.base_url, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
