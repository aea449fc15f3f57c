"""Precision guard for page verdicts: newsieve's action on every real, non-spam page we hold.

A rejected real article is the worst error newsieve can make (issue 2). This script runs ``clean`` on:

- ``zh-web-content-extraction``: 69 Chinese pages (news, blogs, forums), original HTML;
- ``mozilla-readability-zh``: 4 Chinese pages, ``<name>/source.html``;
- ``gne-test-pages``: 62 Chinese news pages (``tests/**/*.html``) and the 33 articles of ``articles.json``
  (title + paragraphs, as text);
- ``scrapinghub-aeb``: 181 pages, nearly all English (a page with no Chinese text must not be judged
  on ratios of Chinese characters);
- the Common Crawl sample's pages not labelled ``spam_page`` (``eval_spam.py`` counts those too).

and prints the actions per set, then every rejected page with its reasons. Exit status 1 when any page was
rejected, 2 when a data set is missing.

Usage::

    .venv/bin/python bench/check_real_actions.py
    .venv/bin/python bench/check_real_actions.py --show-review   # list the reviewed pages too
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _data import (
    DataMissing,
    data_path,
    decode_like_crawler,
    load_cc_samples,
    load_zh_extraction,
    meta_charset,
)

Page = tuple[str, str, bytes | str, str]
"""(set, id, data, content type)."""


def pages() -> Iterator[Page]:
    zh, _ = load_zh_extraction()
    for g in zh:
        yield "zh-web-content-extraction", g.id[:8], g.data, "text/html"
    for path in sorted(data_path("corpora/mozilla-readability-zh").glob("*/source.html")):
        yield "mozilla-readability-zh", path.parent.name, path.read_bytes(), "text/html"
    gne = data_path("corpora/gne-test-pages")
    for path in sorted((gne / "tests").rglob("*.html")):
        yield "gne-test-pages", str(path.relative_to(gne / "tests")), path.read_bytes(), "text/html"
    for i, art in enumerate(json.loads((gne / "articles.json").read_text(encoding="utf-8"))):
        yield "gne-test-pages/articles", str(i), "\n".join([art["title"], *art["paras"]]), "text/plain"
    for path in sorted(data_path("corpora/scrapinghub-aeb/html").glob("*.html.gz")):
        yield "scrapinghub-aeb", path.name[:12], gzip.decompress(path.read_bytes()), "text/html"
    docs, _ = load_cc_samples()
    for doc in docs:
        if doc.label["page_kind"] != "spam_page":
            yield "cc non-spam", doc.id, doc.record["raw_content"], "text/plain"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--show-review", action="store_true", help="list the pages sent to review too")
    args = parser.parse_args(argv)
    from newsieve.filters import clean

    counts: dict[str, Counter[str]] = {}
    listed: list[str] = []
    try:
        for set_name, page_id, data, content_type in pages():
            try:
                if isinstance(data, bytes) and content_type == "text/html":
                    data = decode_like_crawler(data, meta_charset(data))
                verdict = clean(data, content_type=content_type)
                action = verdict.action
            except Exception as exc:  # a page that raises is counted, not fatal
                action, verdict = f"error ({type(exc).__name__})", None
            counts.setdefault(set_name, Counter())[action] += 1
            if verdict is not None and (action == "reject" or (args.show_review and action == "review")):
                reasons = verdict.reasons[:6]
                listed.append(f"  {action:<7} {set_name}/{page_id} {reasons} {verdict.title[:40]!r}")
    except DataMissing as exc:
        print(exc, file=sys.stderr)
        return 2
    total: Counter[str] = Counter()
    print(f"{'set':<28}{'pages':>7}{'publish':>9}{'review':>8}{'reject':>8}")
    for set_name, c in counts.items():
        total.update(c)
        print(f"{set_name:<28}{sum(c.values()):>7}{c['publish']:>9}{c['review']:>8}{c['reject']:>8}")
    print(f"{'all':<28}{sum(total.values()):>7}{total['publish']:>9}{total['review']:>8}{total['reject']:>8}")
    errors = sum(n for k, n in total.items() if k.startswith("error"))
    if errors:
        print(f"pages that raised: {errors}")
    print("\n".join(listed))
    return 1 if total["reject"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
