"""Precision guard for removals: every span removed from real articles, checked against their gold text.

Issue 2 says a false removal from a real article is worse than a missed ad, and that the accuracy will
also be measured on pages nobody on the team has seen. The labelled sets are small; the gold sets of real
articles are larger. This script runs the whole ``Sieve`` over them and counts, per set and per reason,
the removed spans whose text is part of the page's gold article text (a span of 4+ characters, whitespace
removed, found in the whitespace-free gold):

- ``zh-web-content-extraction``: 69 Chinese pages with hand-made gold: the gold text alone as text/plain
  (every span on it is a false removal), the original HTML, and the HTML flattened to text/plain, one line
  per block element (how Common Crawl's WET text and the ``raw_content`` of the CC sample look);
- ``gne-test-pages``: the 33 articles of ``articles.json`` as text, and their HTML pages, as above;
- ``mozilla-readability-zh``: 4 pages, flattened, against ``expected.html``;
- ``scrapinghub-aeb``: 181 pages (nearly all English) against their ``articleBody``, as HTML and flattened.

Spans that are not on gold text are page furniture and are only counted; so are bylines moved into
metadata (``责任编辑：…``: the gold sets keep them in the text, the verdict contract moves them).
Exit status 1 when any span hits gold text, 2 when a data set is missing.

Usage::

    .venv/bin/python bench/check_real_spans.py               # the table, and every span on gold text
    .venv/bin/python bench/check_real_spans.py --verbose     # every span
    .venv/bin/python bench/check_real_spans.py --sets zh,gne # some sets only
"""

from __future__ import annotations

import argparse
import gzip
import html as htmllib
import json
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _data import DataMissing, data_path, decode_like_crawler, load_zh_extraction, meta_charset, squash

from newsieve.filters import Sieve

SETS = ("zh", "gne", "readability", "scrapinghub")
MIN_WEIGHT = 4.0
"""A span lighter than this is not compared: a short word occurs in any text. A Chinese character
weighs 1, any other character a quarter (``Home`` or ``Share`` would match a word of any English
gold; ``责任编辑：王` or a sentence would not)."""


def weight(text: str) -> float:
    han = sum(1 for ch in text if "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff")
    return han + (len(text) - han) / 4

_BLOCK = re.compile(
    r"<(?:/?(?:p|div|li|h[1-6]|tr|td|th|dd|dt|section|article|header|footer|nav|ul|ol|table|title|aside"
    r"|blockquote|pre|form|option)\b[^>]*|br\s*/?)>",
    re.I,
)
_DROP = re.compile(r"<(script|style|noscript|template)\b.*?</\1\s*>|<!--.*?-->", re.I | re.S)
_TAG = re.compile(r"<[^>]+>")


def flatten(html: str) -> str:
    """HTML as a crawler's plain text dump: one line per block element, tags dropped, entities decoded."""
    text = _TAG.sub("", _BLOCK.sub("\n", _DROP.sub(" ", html)))
    lines = (" ".join(line.split()) for line in htmllib.unescape(text).split("\n"))
    return "\n".join(line for line in lines if line)


# (set, view, input, content type, gold text or None when the input is the gold itself)
Case = tuple[str, str, "str | bytes", str, "str | None"]


def zh_cases() -> Iterator[Case]:
    pages, _ = load_zh_extraction()
    for page in pages:
        yield "zh", "gold as text", page.gold, "text/plain", None
        yield "zh", "html", page.data, "text/html", page.gold
        yield "zh", "html flattened", flatten(page.html), "text/plain", page.gold


def gne_cases() -> Iterator[Case]:
    root = data_path("corpora/gne-test-pages")
    articles = json.loads((root / "articles.json").read_text(encoding="utf-8"))
    by_src = {a["src"]: a for a in articles}
    for a in articles:
        yield "gne", "gold as text", "\n".join([a["title"], *a["paras"]]), "text/plain", None
    for path in sorted((root / "tests").rglob("*.html")):
        a = by_src.get(str(path.relative_to(root)))
        if a is None:
            continue
        gold = "\n".join([a["title"], *a["paras"]])
        yield "gne", "html", path.read_bytes(), "text/html", gold
        text = flatten(path.read_text(encoding="utf-8", errors="replace"))
        yield "gne", "html flattened", text, "text/plain", gold


def readability_cases() -> Iterator[Case]:
    for path in sorted(data_path("corpora/mozilla-readability-zh").glob("*/source.html")):
        gold = htmllib.unescape(_TAG.sub("", (path.parent / "expected.html").read_text(encoding="utf-8")))
        html = path.read_text(encoding="utf-8", errors="replace")
        yield "readability", "html", path.read_bytes(), "text/html", gold
        yield "readability", "html flattened", flatten(html), "text/plain", gold


def scrapinghub_cases() -> Iterator[Case]:
    root = data_path("corpora/scrapinghub-aeb")
    truth = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    for path in sorted((root / "html").glob("*.html.gz")):
        gold = truth.get(path.name.split(".")[0], {}).get("articleBody") or ""
        if not gold:
            continue
        data = gzip.decompress(path.read_bytes())
        yield "scrapinghub", "html", data, "text/html", gold
        text = flatten(decode_like_crawler(data, meta_charset(data)))
        yield "scrapinghub", "html flattened", text, "text/plain", gold


LOADERS: dict[str, Callable[[], Iterator[Case]]] = {
    "zh": zh_cases,
    "gne": gne_cases,
    "readability": readability_cases,
    "scrapinghub": scrapinghub_cases,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", default=",".join(SETS), help=f"comma-separated, of {', '.join(SETS)}")
    parser.add_argument("--verbose", action="store_true", help="print every span, not only those on gold")
    args = parser.parse_args(argv)
    chosen = [s.strip() for s in args.sets.split(",") if s.strip()]
    unknown = [s for s in chosen if s not in LOADERS]
    if unknown:
        parser.error(f"unknown set(s): {', '.join(unknown)}")

    sieve = Sieve()
    pages: Counter[tuple[str, str]] = Counter()
    spans: Counter[tuple[str, str]] = Counter()
    hits: Counter[tuple[str, str]] = Counter()
    hit_reasons: Counter[str] = Counter()
    moved: Counter[tuple[str, str]] = Counter()
    errors = 0
    try:
        for name in chosen:
            for set_name, view, data, content_type, gold in LOADERS[name]():
                key = (set_name, view)
                pages[key] += 1
                try:
                    verdict = sieve.clean(data, content_type=content_type)
                except Exception as exc:  # a crash is reported, the run goes on
                    errors += 1
                    print(f"  ERROR {set_name}/{view}: {type(exc).__name__}: {exc}")
                    continue
                gold_sq = squash(gold) if gold is not None else None
                for span in verdict.removed:
                    if span.evidence.get("meta"):
                        moved[key] += 1  # a byline moved into metadata, as the contract says
                        continue
                    text = squash(span.text)
                    on_gold = gold_sq is None or (weight(text) >= MIN_WEIGHT and text in gold_sq)
                    spans[key] += 1
                    if on_gold:
                        hits[key] += 1
                        hit_reasons[span.reason] += 1
                    if on_gold or args.verbose:
                        mark = "ON GOLD" if on_gold else "span   "
                        print(f"  {mark} {set_name}/{view} {span.reason} {span.text[:70]!r}")
    except DataMissing as exc:
        print(exc, file=sys.stderr)
        return 2

    print(f"\n  {'set':14s} {'view':16s} {'pages':>6s} {'spans':>6s} {'on gold':>8s} {'to meta':>8s}")
    for key in pages:
        print(f"  {key[0]:14s} {key[1]:16s} {pages[key]:6d} {spans[key]:6d} {hits[key]:8d} {moved[key]:8d}")
    print(f"\n  spans on gold text: {sum(hits.values())}; pages that raised: {errors}")
    for reason, n in hit_reasons.most_common():
        print(f"    {n:4d}  {reason}")
    print("  ('gold as text': the input is the article itself, so every span on it is a false removal;")
    print("  'to meta': bylines (editor, source) moved into metadata, not counted as removals)")
    return 1 if hits or errors else 0


if __name__ == "__main__":
    sys.exit(main())
