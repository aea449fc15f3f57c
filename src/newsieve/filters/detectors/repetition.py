"""Page statistics of the web-corpus quality filters, computed once per document.

The Gopher rules (Rae et al. 2021, "Scaling Language Models", appendix A) and their FineWeb-2
settings for Mandarin (``dup_line_frac`` 0.287, corpora/fineweb2_zh_filter_config) drop a document
whose lines or paragraphs repeat: text assembled by a program (scraped sentence salad recombining the
same sentences, link farms, templated listings) repeats itself, written text seldom does. This module
computes the statistics a page-level judgement needs, once, and caches them in
``doc.cache["page_stats"]`` for the other page-level detectors (``promotion.py`` reads ``cjk``):

- ``cjk``: Chinese characters of the article blocks (not title, not tail);
- ``lines``: article blocks; ``dup_line_frac``: share of them repeating an earlier block (Gopher);
- ``sentences``: sentences of at least ``LONG_SENTENCE`` characters;
  ``repeated_sentences``: how many distinct ones, mostly Chinese, occur twice or more;
  ``dup_sentence_frac``: share of the long sentences' characters in repeats (Gopher's
  ``dup_para_char_frac``, at sentence level: salad pastes a sentence into several paragraphs);
- ``recombined``: how many of the repeated Chinese sentences follow different sentences where they
  recur (`A B` in one paragraph, `C A` in another). A salad generator draws sentences from a pool and
  chains them anew on every line; a page shown twice by a bad extraction, or an article quoting its own
  sentence, repeats a sentence in the same company or once.

The detector removes nothing; it copies the statistics to ``doc.cache["page_signals"]["page.repetition"]``
where ``filters/score.py`` weighs them (a repetitive page is not spam by itself: a product catalogue
repeats its template sentences, so repetition only adds to other evidence).
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any, Final

from .._text import count_cjk
from ..base import FilterConfig, Finding
from ..rules import Rules
from ..types import Document
from . import _ads

__all__ = ["SIGNAL_KEY", "STATS_KEY", "RepetitionDetector", "article_lines", "page_stats"]

SIGNAL_KEY: Final = "page.repetition"
"""Key of this detector's dict in ``doc.cache["page_signals"]``."""
STATS_KEY: Final = "page_stats"
"""``doc.cache`` key of the statistics (computed on first use, by whichever detector asks first)."""
LINES_KEY: Final = "article_lines"
"""``doc.cache`` key of ``article_lines``."""

LONG_SENTENCE: Final = 20
"""Characters of a sentence counted for repetition: shorter ones (`点击查看`, `详细介绍`) repeat in any
page's furniture."""

_SENTENCE_ENDS: Final = "。！？!?；;"
"""What ends a sentence, besides a line break."""
_CLAUSE_END: Final = re.compile(r"[。！？!?；;]")
# closing quotes and spaces that a sentence split leaves at the start of the next sentence (`”记者询问…`)
_LEAD: Final = "”’\"'」』）) \t\u3000"
_NOT_ARTICLE: Final = frozenset(("title", "tail"))


def _chinese(text: str) -> bool:
    """At least half of the text is Chinese characters."""
    return 2 * count_cjk(text) >= len(text)


def article_lines(doc: Document) -> tuple[list[str], str]:
    """The article blocks' texts (not title, not tail), stripped, the empty ones left out, and the same
    joined by newlines: computed once per document (``page_stats`` and ``promotion.py`` read them)."""
    cached = doc.cache.get(LINES_KEY)
    if isinstance(cached, tuple):
        return cached
    # (one comprehension, a frozenset: 11 -> 8.5 us a page on bench_filters, was two lists and a tuple)
    lines = [t for b in doc.blocks if b.kind not in _NOT_ARTICLE and (t := b.text.strip())]
    found = lines, "\n".join(lines)
    doc.cache[LINES_KEY] = found
    return found


def page_stats(doc: Document) -> dict[str, Any]:
    """The statistics of the module docstring, computed once per document."""
    cached = doc.cache.get(STATS_KEY)
    if isinstance(cached, dict):
        return cached
    lines, body = article_lines(doc)
    dup_lines = len(lines) - len(set(lines))
    # only the long lines can hold a long sentence (most lines of a page are short: menus, captions,
    # link titles), and only they are split (with the set below: 60 -> 50 us a page on bench_filters)
    long_lines = [t for t in lines if len(t) >= LONG_SENTENCE]
    # the sentences, split by str.replace and str.split (C loops that skip to the next separator): a
    # regex split at a class of separators tests every character (35 -> 16 us a page on bench_filters)
    pieces = "\n".join(long_lines)
    for end in _SENTENCE_ENDS:
        pieces = pieces.replace(end, "\n")
    sentences = [t.strip() for t in pieces.split("\n") if len(t) >= LONG_SENTENCE]
    # only Chinese sentences count as repeated: code in a tech article repeats its lines
    # (`data = client.lpop(…)` three times in gne-test-pages wechat/2); they are counted only when
    # some sentence is there twice (most pages: a set says none is)
    repeated: dict[str, int] = {}
    dup_sentence_frac = 0.0
    if len(set(sentences)) < len(sentences):
        counts = Counter(sentences)
        repeated = {s: n for s, n in counts.items() if n > 1 and _chinese(s)}
        if repeated:
            total = sum(len(s) * n for s, n in counts.items())
            dup_sentence_frac = round(sum(len(s) * n for s, n in repeated.items()) / total, 3)
    stats: dict[str, Any] = {
        "cjk": count_cjk(body),
        "lines": len(lines),
        "dup_line_frac": round(dup_lines / len(lines), 3) if lines else 0.0,
        "sentences": len(sentences),
        "repeated_sentences": len(repeated),
        "dup_sentence_frac": dup_sentence_frac,
    }
    stats["recombined"] = _recombined(long_lines) if repeated else 0
    doc.cache[STATS_KEY] = stats
    return stats


def _recombined(lines: list[str]) -> int:
    """Repeated long Chinese sentences seen after two different predecessors (the line start counts as
    one): the ``recombined`` statistic of the module docstring."""
    # the distinct (sentence, predecessor) pairs: a sentence after two different predecessors is one
    # that recurs (no count of occurrences needed), and counting the pairs by sentence is one C loop
    # (was a dict of sets and a Counter updated per sentence: 95 -> 65 us a page on the 5 pages in 100
    # of bench_filters that repeat a sentence)
    pairs: set[tuple[str, str]] = set()
    for line in lines:
        if len(line) < LONG_SENTENCE:
            continue  # no sentence of it counts (a page of 2,578 short lines spent 0.6 ms here)
        prev = ""
        for piece in _CLAUSE_END.split(line):
            sentence = piece.strip(_LEAD)
            if len(sentence) >= LONG_SENTENCE:
                pairs.add((sentence, prev))
            prev = sentence
    predecessors = Counter(sentence for sentence, _ in pairs)
    # (whether a sentence is Chinese is only asked of the repeated ones, not of every long sentence)
    return sum(1 for sentence, n in predecessors.items() if n > 1 and _chinese(sentence))


class RepetitionDetector:
    """Leaves the page's repetition statistics for ``score.py``; proposes no span."""

    name = "repetition"
    version = "2"

    def __init__(self, rules: Rules, config: FilterConfig) -> None:
        pass

    def detect(self, doc: Document) -> list[Finding]:
        stats = page_stats(doc)
        sig = _ads.signals(doc, SIGNAL_KEY)
        for key in ("dup_line_frac", "repeated_sentences", "dup_sentence_frac", "recombined"):
            sig[key] = stats[key]
        return []
