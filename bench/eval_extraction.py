"""Main-content extraction: character-bag F1 of newsieve and its peers, in one run.

Run by hand (never part of the tests)::

    .venv/bin/python bench/eval_extraction.py [--limit N] [--corpus zh|aeb|all] [--systems a,b]

Corpora (read-only, outside the repo; see their READMEs):

- ``zh``: ``../shared/corpora/zh-web-content-extraction`` (69 Chinese pages, hand-made gold
  in ``cleaned/<uuid>.txt``; 43 pages GBK, decoded by ``newsieve.filters.decode``).
- ``aeb``: ``../shared/corpora/scrapinghub-aeb`` (181 mostly English pages, gold in
  ``ground-truth.json``).

Metric: for each page, the multiset of non-whitespace characters (NFKC) of the output and
of the gold; P = |out ∩ gold| / |out|, R = |out ∩ gold| / |gold|, F1 their harmonic mean;
the table shows means over pages (an empty output scores 0). Systems:

- ``newsieve``: the full pipeline, ``newsieve.filters.clean(...).text`` (spam removed);
- ``newsieve-extract``: extraction only, ``Sieve().document()`` blocks that are neither
  ``title`` nor ``tail``;
- ``trafilatura`` (``trafilatura.extract``, defaults), ``gne``
  (``GeneralNewsExtractor().extract(html)["content"]``), ``readability``
  (readability-lxml ``Document(html).summary()`` as text).

Every system gets the same decoded str. ms/page is wall time on one core.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
import unicodedata
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

from selectolax.lexbor import LexborHTMLParser

from newsieve.exceptions import NewsieveError
from newsieve.filters import Sieve
from newsieve.filters.decode import decode

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"
ZH = SHARED / "zh-web-content-extraction"
AEB = SHARED / "scrapinghub-aeb"

Page = tuple[str, str, str, str | None]  # id, html, gold, url


def zh_pages() -> Iterator[Page]:
    for path in sorted((ZH / "original").glob("*.html")):
        gold_path = ZH / "cleaned" / f"{path.stem}.txt"
        if not gold_path.exists():
            continue
        html = decode(path.read_bytes(), charset=None, content_type=None).text
        yield path.stem, html, gold_path.read_text(encoding="utf-8"), None


def aeb_pages() -> Iterator[Page]:
    truth = json.loads((AEB / "ground-truth.json").read_text(encoding="utf-8"))
    for page_id in sorted(truth):
        path = AEB / "html" / f"{page_id}.html.gz"
        if not path.exists():
            continue
        html = decode(gzip.decompress(path.read_bytes()), charset="utf-8", content_type=None).text
        yield page_id, html, truth[page_id]["articleBody"], truth[page_id].get("url")


def _bag(text: str) -> Counter[str]:
    return Counter(ch for ch in unicodedata.normalize("NFKC", text) if not ch.isspace())


def score(output: str, gold: str) -> tuple[float, float, float]:
    out, ref = _bag(output), _bag(gold)
    n_out, n_ref = sum(out.values()), sum(ref.values())
    if not n_out or not n_ref:
        return 0.0, 0.0, 0.0
    common = sum((out & ref).values())
    p, r = common / n_out, common / n_ref
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def systems() -> dict[str, Callable[[str, str | None], str]]:
    sieve = Sieve()

    def newsieve(html: str, url: str | None) -> str:
        return sieve.clean(html, content_type="text/html", url=url).text

    def newsieve_extract(html: str, url: str | None) -> str:
        doc = sieve.document(html, content_type="text/html", url=url)
        return "\n".join(b.text for b in doc.blocks if b.kind not in ("title", "tail"))

    def trafilatura_(html: str, url: str | None) -> str:
        import trafilatura

        return trafilatura.extract(html, url=url) or ""

    gne_extractor = None

    def gne_(html: str, url: str | None) -> str:
        nonlocal gne_extractor
        if gne_extractor is None:
            from gne import GeneralNewsExtractor

            gne_extractor = GeneralNewsExtractor()
        return str(gne_extractor.extract(html).get("content") or "")

    def readability_(html: str, url: str | None) -> str:
        from readability import Document

        summary = Document(html).summary()
        body = LexborHTMLParser(summary).body
        return body.text(separator="\n") if body is not None else ""

    return {
        "newsieve": newsieve,
        "newsieve-extract": newsieve_extract,
        "trafilatura": trafilatura_,
        "gne": gne_,
        "readability": readability_,
    }


def run(name: str, pages: list[Page], chosen: dict[str, Callable[[str, str | None], str]]) -> None:
    print(f"\n{name}: {len(pages)} pages")
    print(f"{'system':<18} {'P':>6} {'R':>6} {'F1':>6} {'ms/page':>8} {'errors':>6}")
    for sys_name, fn in chosen.items():
        ps, rs, fs = [], [], []
        errors = 0
        elapsed = 0.0
        for _page_id, html, gold, url in pages:
            start = time.perf_counter()
            try:
                out = fn(html, url)
            except NewsieveError:
                out = ""
            except Exception as exc:  # a peer crashing on a page scores 0 there
                errors += 1
                out = ""
                if "newsieve" in sys_name:
                    print(f"  {sys_name} crashed on {_page_id}: {exc!r}", file=sys.stderr)
            elapsed += time.perf_counter() - start
            p, r, f = score(out, gold)
            ps.append(p)
            rs.append(r)
            fs.append(f)
        n = max(len(pages), 1)
        print(
            f"{sys_name:<18} {sum(ps) / n:6.3f} {sum(rs) / n:6.3f} {sum(fs) / n:6.3f} "
            f"{1000 * elapsed / n:8.1f} {errors:6d}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages of each corpus")
    parser.add_argument("--corpus", choices=("zh", "aeb", "all"), default="all")
    parser.add_argument("--systems", default="", help="comma-separated subset of systems to run")
    parser.add_argument("--per-page", action="store_true", help="print newsieve-extract F1 per page")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    chosen = systems()
    if args.systems:
        wanted = set(args.systems.split(","))
        chosen = {k: v for k, v in chosen.items() if k in wanted}
    corpora = {"zh": zh_pages, "aeb": aeb_pages}
    for name, loader in corpora.items():
        if args.corpus not in (name, "all"):
            continue
        pages = list(loader())[: args.limit] if args.limit else list(loader())
        run(name, pages, chosen)
        if args.per_page:
            fn = systems()["newsieve-extract"]
            for page_id, html, gold, url in pages:
                try:
                    out = fn(html, url)
                except NewsieveError:
                    out = ""
                p, r, f = score(out, gold)
                print(f"  {page_id}  P={p:.2f} R={r:.2f} F1={f:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
