"""Spam evaluation: does newsieve strip what repost sites inject, without losing the article?

Runs newsieve (``newsieve.filters.clean``) and, on the same pages in the same run, trafilatura,
GNE and readability-lxml, over two labeled sets (see ``bench/README.md``):

1. ``spamrepost-dev/``: repost pages with labeled injections, article paragraphs, title and flags.
2. ``corpora/chinesewebtext_cc_samples/``: real Common Crawl documents with a label on every line.

Usage::

    .venv/bin/python bench/eval_spam.py                 # all systems, both sets
    .venv/bin/python bench/eval_spam.py --only newsieve --show-errors
    .venv/bin/python bench/eval_spam.py --only newsieve --check            # gate against bench/baseline.json
    .venv/bin/python bench/eval_spam.py --only newsieve --update-baseline  # raise the floors

Exit status: 0, or 1 when ``--check`` finds a figure below its floor (or the data changed), 2 on
usage errors or missing data.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as _dt
import json
import sys
import time
import traceback
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _data import (
    PEERS,
    CCDoc,
    DataMissing,
    Extracted,
    RepostPage,
    load_cc_samples,
    load_spamrepost,
    norm_title,
    squash,
    text_to_html,
)

SYSTEMS = ("newsieve", "trafilatura", "gne", "readability")
PEER_PACKAGES = {"trafilatura": "trafilatura", "gne": "gne", "readability": "readability-lxml"}
BASELINE = Path(__file__).resolve().parent / "baseline.json"
NGRAM = 5
"""Window of the aligned character precision: an output character counts as article text when a
window of this many characters around it (whitespace removed) also occurs in the gold."""
FLAG_NAMES = ("digits_stripped", "mojibake")
CC_LABEL_MAP = {"boilerplate.wechat": "boilerplate.other"}
"""newsieve's labels as the CC line labels name them (LABELING.md puts WeChat footers under other)."""

# metric -> (description, target, direction); direction "min": higher is better (floor), "max": lower
# is better (ceiling). Only newsieve's figures are pinned in the baseline.
DEV_METRICS: dict[str, tuple[str, float | None, str]] = {
    "ad_recall": ("ad recall", 0.98, "min"),
    "footer_recall": ("footer recall", 0.98, "min"),
    "paragraph_recall": ("paragraph recall", 0.99, "min"),
    "char_precision": (f"char precision ({NGRAM}-gram aligned)", 0.97, "min"),
    "char_precision_bag": ("char precision (char bag)", None, "min"),
    "clean_pages_lost": ("news_clean pages that lost a paragraph", 0, "max"),
    "flag_precision": ("flag precision", 0.95, "min"),
    "flag_recall": ("flag recall", 0.95, "min"),
    "title_accuracy": ("title accuracy", 0.95, "min"),
    "editor_accuracy": ("editor accuracy", None, "min"),
    "source_accuracy": ("source accuracy", None, "min"),
    "false_removals": ("false removals (spans on gold text)", 0, "max"),
    "errors": ("pages that raised", 0, "max"),
}
CC_METRICS: dict[str, tuple[str, float | None, str]] = {
    "kept_line_recall": ("kept-line recall (page-aware)", 0.99, "min"),
    "removed_line_recall": ("removed-line recall (page-aware)", 0.9, "min"),
    "splice_recall": ("splice recall (page-aware)", None, "min"),
    "kept_line_recall_lines": ("kept-line recall (line-only, all pages)", None, "min"),
    "removed_line_recall_lines": ("removed-line recall (line-only)", None, "min"),
    "splice_recall_lines": ("splice recall (line-only)", None, "min"),
    "non_spam_rejected": ("non-spam pages rejected", 0, "max"),
    "spam_page_rejected": ("spam_page pages rejected", None, "min"),
    "clean_pages_lost": ("clean pages that lost a kept line", None, "max"),
    "title_accuracy": ("title accuracy (meta.title)", None, "min"),
    "errors": ("pages that raised", 0, "max"),
}


# -- running the systems --------------------------------------------------------------------------


@dataclass(slots=True)
class Output:
    title: str = ""
    text: str = ""
    verdict: Any = None
    error: str | None = None


@dataclass(slots=True)
class Run:
    system: str
    outputs: dict[str, Output] = field(default_factory=dict)
    seconds: float = 0.0
    note: str = ""


def _error(exc: BaseException) -> str:
    frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    where = f" at {Path(frame.filename).name}:{frame.lineno}" if frame else ""
    return f"{type(exc).__name__}: {str(exc)[:200]}{where}"


def run_newsieve(items: Sequence[tuple[str, bytes | str, str, str | None]]) -> Run:
    """``items``: (id, data, content_type, header charset)."""
    from newsieve.filters import clean

    run = Run("newsieve")
    start = time.perf_counter()
    for key, data, content_type, charset in items:
        try:
            verdict = clean(data, content_type=content_type, charset=charset)
            run.outputs[key] = Output(verdict.title or "", verdict.text or "", verdict)
        except Exception as exc:
            run.outputs[key] = Output(error=_error(exc))
    run.seconds = time.perf_counter() - start
    return run


def run_peer(name: str, items: Sequence[tuple[str, str]]) -> Run:
    """``items``: (id, html str)."""
    run = Run(name)
    try:
        fn = PEERS[name]()
    except ImportError as exc:
        run.note = f"not installed ({exc})"
        for key, _ in items:
            run.outputs[key] = Output(error="not installed")
        return run
    start = time.perf_counter()
    for key, html in items:
        try:
            out: Extracted = fn(html)
            run.outputs[key] = Output(out.title, out.text)
        except Exception as exc:
            run.outputs[key] = Output(error=_error(exc))
    run.seconds = time.perf_counter() - start
    return run


# -- helpers --------------------------------------------------------------------------------------


class Squashed:
    """A text with its whitespace removed, and the map back to the original offsets."""

    __slots__ = ("idx", "text")

    def __init__(self, text: str) -> None:
        self.idx = [i for i, ch in enumerate(text) if not ch.isspace()]
        self.text = "".join(text[i] for i in self.idx)

    def find_all(self, needle: str) -> list[tuple[int, int]]:
        """Original-text intervals ``[start, end)`` of every occurrence of squashed ``needle``."""
        out: list[tuple[int, int]] = []
        if not needle:
            return out
        pos = self.text.find(needle)
        while pos != -1:
            out.append((self.idx[pos], self.idx[pos + len(needle) - 1] + 1))
            pos = self.text.find(needle, pos + 1)
        return out

    def covered(self, sq_start: int, sq_end: int, start: int, end: int) -> int:
        """How many squashed positions in ``[sq_start, sq_end)`` fall in original ``[start, end)``."""
        lo = bisect.bisect_left(self.idx, start, sq_start, sq_end)
        hi = bisect.bisect_left(self.idx, end, sq_start, sq_end)
        return hi - lo


def aligned_chars(out_sq: str, gold_sq: str, n: int = NGRAM) -> int:
    """Characters of ``out_sq`` covered by an ``n``-character window that also occurs in ``gold_sq``."""
    if not out_sq:
        return 0
    if len(out_sq) < n:
        return len(out_sq) if out_sq in gold_sq else 0
    grams = {gold_sq[i : i + n] for i in range(len(gold_sq) - n + 1)}
    covered = bytearray(len(out_sq))
    for i in range(len(out_sq) - n + 1):
        if out_sq[i : i + n] in grams:
            covered[i : i + n] = b"\x01" * n
    return sum(covered)


def bag_chars(out_sq: str, gold_sq: str) -> int:
    return sum((Counter(out_sq) & Counter(gold_sq)).values())


def ratio(num: float, den: float) -> float | None:
    return round(num / den, 4) if den else None


def f1(p: float | None, r: float | None) -> float | None:
    if p is None or r is None or p + r == 0:
        return None if p is None or r is None else 0.0
    return round(2 * p * r / (p + r), 4)


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def short(text: str, n: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


# -- set 1: spamrepost-dev ------------------------------------------------------------------------


def eval_dev(pages: list[RepostPage], run: Run) -> tuple[dict[str, Any], list[str]]:
    """Figures for one system on the dev set, and the error lines for ``--show-errors``."""
    c: Counter[str] = Counter()
    per_label: dict[str, Counter[str]] = defaultdict(Counter)
    removal: dict[str, Counter[str]] = defaultdict(Counter)
    clean_lost: list[str] = []
    errors: list[str] = []
    show: list[str] = []
    false_list: list[str] = []
    is_newsieve = run.system == "newsieve"
    for page in pages:
        lab = page.label
        out = run.outputs[page.id]
        if out.error:
            c["errors"] += 1
            errors.append(f"{page.id}: {out.error}")
        out_sq = squash(out.text)
        for inj in lab["injected"]:
            kind = "ad" if inj["label"].startswith("ad.") else "footer"
            gone = squash(inj["text"]) not in out_sq and not (inj.get("url") and squash(inj["url"]) in out_sq)
            c[f"{kind}_total"] += 1
            c[f"{kind}_removed"] += gone
            per_label[inj["label"]]["total"] += 1
            per_label[inj["label"]]["removed"] += gone
            if not gone and is_newsieve:
                show.append(f"  MISS      {page.id} [{inj['label']}] {short(inj['text'])}")
        lost = 0
        for para in lab["paragraphs"]:
            sq = squash(para)
            if not sq:
                continue
            c["para_total"] += 1
            if sq in out_sq:
                c["para_kept"] += 1
            else:
                lost += 1
                if is_newsieve:
                    show.append(f"  LOST      {page.id} ({lab['page_kind']}) {short(para)}")
        if lab["page_kind"] == "news_clean" and lost:
            clean_lost.append(page.id)
        gold_sq = squash(lab["title"]) + "".join(squash(p) for p in lab["paragraphs"])
        c["out_chars"] += len(out_sq)
        c["aligned_chars"] += aligned_chars(out_sq, gold_sq)
        c["bag_chars"] += bag_chars(out_sq, gold_sq)
        gold_flags = {f for f in lab.get("flags", []) if f in FLAG_NAMES}
        pred_flags: set[str] = set()
        if out.verdict is not None:
            found = {f.label.split(".", 1)[1] for f in out.verdict.flags if f.label.startswith("damage.")}
            pred_flags = found & set(FLAG_NAMES)
        c["flag_tp"] += len(gold_flags & pred_flags)
        c["flag_fp"] += len(pred_flags - gold_flags)
        c["flag_fn"] += len(gold_flags - pred_flags)
        if is_newsieve:
            for f in sorted(pred_flags - gold_flags):
                show.append(f"  FLAG-FP   {page.id} damage.{f}")
            for f in sorted(gold_flags - pred_flags):
                show.append(f"  FLAG-MISS {page.id} damage.{f}")
        c["pages"] += 1
        title_ok = norm_title(out.title) == norm_title(lab["title"])
        c["title_ok"] += title_ok
        if is_newsieve and not title_ok and not out.error:
            show.append(f"  TITLE     {page.id} got {out.title!r} want {lab['title']!r}")
        if out.verdict is not None:
            for key in ("editor", "source"):
                got = getattr(out.verdict.meta, key)
                ok = norm_title(got) == norm_title(lab.get(key))
                c[f"{key}_ok"] += ok
                if not ok:
                    show.append(f"  {key.upper():<9} {page.id} got {got!r} want {lab.get(key)!r}")
            _removal_precision(page, out.verdict, removal, show, false_list)
    figures: dict[str, Any] = {
        "pages": c["pages"],
        "errors": c["errors"],
        "ad_recall": ratio(c["ad_removed"], c["ad_total"]),
        "footer_recall": ratio(c["footer_removed"], c["footer_total"]),
        "recall_by_label": {k: ratio(v["removed"], v["total"]) for k, v in sorted(per_label.items())},
        "injected_by_label": {k: v["total"] for k, v in sorted(per_label.items())},
        "paragraph_recall": ratio(c["para_kept"], c["para_total"]),
        "char_precision": ratio(c["aligned_chars"], c["out_chars"]),
        "char_precision_bag": ratio(c["bag_chars"], c["out_chars"]),
        "clean_pages_lost": len(clean_lost),
        "clean_pages_lost_ids": clean_lost,
        "flag_precision": ratio(c["flag_tp"], c["flag_tp"] + c["flag_fp"]),
        "flag_recall": ratio(c["flag_tp"], c["flag_tp"] + c["flag_fn"]),
        "title_accuracy": ratio(c["title_ok"], c["pages"]),
        "error_messages": errors,
    }
    if is_newsieve:
        figures["editor_accuracy"] = ratio(c["editor_ok"], c["pages"] - c["errors"])
        figures["source_accuracy"] = ratio(c["source_ok"], c["pages"] - c["errors"])
        figures["removals_by_label"] = {
            k: {**dict(v), "precision": ratio(v["correct"], v["spans"])} for k, v in sorted(removal.items())
        }
        figures["false_removals"] = sum(v["false"] for v in removal.values())
        figures["false_removal_list"] = false_list
    return figures, show


def _removal_precision(
    page: RepostPage, verdict: Any, removal: dict[str, Counter[str]], show: list[str], false_list: list[str]
) -> None:
    """Classify each removed span: ``correct`` (overlaps an injected text of its label), ``false``
    (removes gold paragraph text), ``wrong_label`` (overlaps injected text of another label) or
    ``chrome`` (neither: page furniture such as navigation, not labeled in the set)."""
    sq = Squashed(verdict.original_text or "")
    injected: list[tuple[str, tuple[int, int]]] = []
    for inj in page.label["injected"]:
        for piece in (inj["text"], inj.get("url")):
            if piece:
                injected += [(inj["label"], iv) for iv in sq.find_all(squash(piece))]
    gold: list[tuple[int, int]] = []
    for para in page.label["paragraphs"]:
        gold += sq.find_all(squash(para))
    for span in verdict.removed:
        iv = (span.start, span.end)
        counts = removal[span.label]
        counts["spans"] += 1
        hit_labels = {label for label, other in injected if overlaps(iv, other)}
        if any(overlaps(iv, g) for g in gold):
            counts["false"] += 1
            false_list.append(f"{page.id} [{span.label} {span.reason}] {short(span.text)}")
        elif span.label in hit_labels:
            counts["correct"] += 1
        elif hit_labels:
            counts["wrong_label"] += 1
            show.append(
                f"  LABEL     {page.id} [{span.label}] is {'/'.join(sorted(hit_labels))}: {short(span.text)}"
            )
        else:
            counts["chrome"] += 1


# -- set 2: chinesewebtext_cc_samples -------------------------------------------------------------


def _kept_pieces(doc: CCDoc, i: int) -> list[str]:
    """A kept line cut at its splices: the pieces that must all be in the output (squashed).
    Whether the splices themselves went is splice recall's business, not kept-line recall's."""
    pieces = [doc.lines[i]]
    for sp in doc.splices():
        if int(sp["i"]) == i and sp["text"]:
            pieces = [part for piece in pieces for part in piece.split(sp["text"])]
    return [sq for sq in (squash(p) for p in pieces) if sq]


def eval_cc(docs: list[CCDoc], run: Run) -> tuple[dict[str, Any], list[str]]:
    """Figures for one system on the CC sample, and the error lines for ``--show-errors``.

    Two views (see ``bench/README.md``). *Page-aware*, the one the targets apply to: a page the
    system rejects never reaches consumers, so all its lines count as removed; kept-line recall is
    over pages not labelled ``spam_page`` (LABELING.md: for those the page verdict is what matters),
    and a rejected non-spam page loses every kept line. *Line-only*: the output text alone, on every
    page, whatever the action (what the figures were before page verdicts counted).
    """
    c: Counter[str] = Counter()
    label_rec: dict[str, Counter[str]] = defaultdict(Counter)
    prf: dict[str, Counter[str]] = defaultdict(Counter)
    confusion: dict[str, Counter[str]] = defaultdict(Counter)
    clean_lost: list[str] = []
    errors: list[str] = []
    show: list[str] = []
    is_newsieve = run.system == "newsieve"
    for doc in docs:
        out = run.outputs[doc.id]
        if out.error:
            c["errors"] += 1
            errors.append(f"{doc.id}: {out.error}")
        # The title counts as output here: the first line of a text page is often the title, labeled
        # keep, and a system that moves it into its title has not lost it.
        out_sq = squash(out.title) + "\n" + squash(out.text)
        labels = doc.line_labels()
        kind = doc.label["page_kind"]
        spam = kind == "spam_page"
        rejected = out.verdict is not None and out.verdict.action == "reject"
        if rejected and not spam:
            c["non_spam_rejected"] += 1
            if is_newsieve:
                show.append(f"  REJECTED  {doc.id} ({kind}) {out.verdict.reasons}")
        kept_sq = "\n".join("\n".join(_kept_pieces(doc, i)) for i, lab in enumerate(labels) if lab == "keep")
        lost = 0
        for i, lab in enumerate(labels):
            if lab == "keep":
                pieces = _kept_pieces(doc, i)
                if not pieces:
                    continue
                in_text = all(piece in out_sq for piece in pieces)
                c["kept_total_lines"] += 1
                c["kept_ok_lines"] += in_text
                if spam:
                    continue  # the page verdict is what matters on a spam page
                c["kept_total"] += 1
                if in_text and not rejected:
                    c["kept_ok"] += 1
                else:
                    lost += 1
                    if is_newsieve and not rejected:
                        show.append(f"  LOST      {doc.id}:{i} ({kind}) {short(doc.lines[i])}")
            else:
                target = squash(doc.lines[i])
                if not target:
                    continue
                if target in kept_sq:
                    c["removed_ambiguous"] += 1  # the same text is also article text: cannot tell
                    continue
                gone_text = target not in out_sq
                gone = gone_text or rejected
                c["removed_total"] += 1
                c["removed_ok"] += gone
                c["removed_ok_lines"] += gone_text
                label_rec[lab]["total"] += 1
                label_rec[lab]["removed"] += gone
                label_rec[lab]["removed_lines"] += gone_text
                if not gone and is_newsieve:
                    show.append(f"  MISS      {doc.id}:{i} [{lab}] {short(doc.lines[i])}")
        if lost and kind in ("news_clean", "other_clean"):
            clean_lost.append(doc.id)
        for sp in doc.splices():
            c["splice_total"] += 1
            gone_text = squash(sp["text"]) not in out_sq
            c["splice_ok"] += gone_text or rejected
            c["splice_ok_lines"] += gone_text
            if not (gone_text or rejected) and is_newsieve:
                show.append(f"  SPLICE    {doc.id}:{sp['i']} [{sp['label']}] {short(sp['text'])}")
        want_title = (doc.label.get("meta") or {}).get("title")
        if want_title:
            c["title_total"] += 1
            ok = norm_title(out.title) == norm_title(want_title)
            c["title_ok"] += ok
            if is_newsieve and not ok and not out.error:
                show.append(f"  TITLE     {doc.id} got {out.title!r} want {want_title!r}")
        if is_newsieve:
            kind = doc.label["page_kind"]
            action = out.verdict.action if out.verdict is not None else "error"
            confusion[kind][action] += 1
            if kind == "spam_page":
                c["spam_total"] += 1
                c["spam_rejected"] += action == "reject"
            if out.verdict is not None:
                predicted = _predicted_line_labels(doc, out.verdict)
                for i, (gold_label, pred_label) in enumerate(zip(labels, predicted, strict=True)):
                    if not squash(doc.lines[i]):
                        continue
                    for name in {gold_label, pred_label} - {"keep"}:
                        prf[name]["tp"] += gold_label == pred_label == name
                        prf[name]["fp"] += pred_label == name != gold_label
                        prf[name]["fn"] += gold_label == name != pred_label
    figures: dict[str, Any] = {
        "pages": len(docs),
        "errors": c["errors"],
        "kept_line_recall": ratio(c["kept_ok"], c["kept_total"]),
        "removed_line_recall": ratio(c["removed_ok"], c["removed_total"]),
        "kept_line_recall_lines": ratio(c["kept_ok_lines"], c["kept_total_lines"]),
        "removed_line_recall_lines": ratio(c["removed_ok_lines"], c["removed_total"]),
        "non_spam_rejected": c["non_spam_rejected"],
        "removed_lines_ambiguous": c["removed_ambiguous"],
        "recall_by_label": {k: ratio(v["removed"], v["total"]) for k, v in sorted(label_rec.items())},
        "recall_by_label_lines": {
            k: ratio(v["removed_lines"], v["total"]) for k, v in sorted(label_rec.items())
        },
        "lines_by_label": {k: v["total"] for k, v in sorted(label_rec.items())},
        "splice_recall": ratio(c["splice_ok"], c["splice_total"]),
        "splice_recall_lines": ratio(c["splice_ok_lines"], c["splice_total"]),
        "clean_pages_lost": len(clean_lost),
        "clean_pages_lost_ids": clean_lost,
        "title_accuracy": ratio(c["title_ok"], c["title_total"]),
        "error_messages": errors,
    }
    if is_newsieve:
        figures["spam_page_rejected"] = ratio(c["spam_rejected"], c["spam_total"])
        figures["action_by_page_kind"] = {k: dict(v) for k, v in sorted(confusion.items())}
        by_label: dict[str, dict[str, Any]] = {}
        for name, v in sorted(prf.items()):
            p = ratio(v["tp"], v["tp"] + v["fp"])
            r = ratio(v["tp"], v["tp"] + v["fn"])
            by_label[name] = {**dict(v), "precision": p, "recall": r, "f1": f1(p, r)}
        figures["line_prf_by_label"] = by_label
    return figures, show


def _predicted_line_labels(doc: CCDoc, verdict: Any) -> list[str]:
    """newsieve's label for each raw line: the label whose spans cover at least half of the line's
    characters (``boilerplate.wechat`` named ``boilerplate.other``), ``dropped`` when extraction
    left the line out of the text it analysed, else ``keep``."""
    sq = Squashed(verdict.original_text or "")
    out: list[str] = []
    cursor = 0
    for line in doc.lines:
        needle = squash(line)
        if not needle:
            out.append("keep")
            continue
        pos = sq.text.find(needle, cursor)
        if pos == -1:
            pos = sq.text.find(needle)
        if pos == -1:
            out.append("dropped")
            continue
        cursor = pos + len(needle)
        cover: Counter[str] = Counter()
        start_orig, end_orig = sq.idx[pos], sq.idx[pos + len(needle) - 1] + 1
        for span in verdict.removed:
            if span.start < end_orig and start_orig < span.end:
                cover[CC_LABEL_MAP.get(span.label, span.label)] += sq.covered(
                    pos, pos + len(needle), span.start, span.end
                )
        best = cover.most_common(1)
        out.append(best[0][0] if best and best[0][1] * 2 >= len(needle) else "keep")
    return out


# -- printing -------------------------------------------------------------------------------------


def fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def verdict_of(value: Any, target: float | None, direction: str) -> str:
    if target is None:
        return ""
    if value is None:
        return "FAIL"
    ok = value >= target if direction == "min" else value <= target
    return "PASS" if ok else "FAIL"


def print_table(
    title: str,
    systems: Sequence[str],
    results: dict[str, dict[str, Any]],
    metrics: dict[str, tuple[str, float | None, str]],
    by_label_key: str,
    count_key: str,
) -> None:
    print(f"\n{title}")
    head = f"  {'metric':<42} {'target':>8} {'newsieve':>9} {'':>5}"
    peers = [s for s in systems if s != "newsieve"]
    head += "".join(f" {p:>12}" for p in peers)
    print(head)
    print("  " + "-" * (len(head) - 2))

    def row(name: str, values: dict[str, Any], target: float | None, direction: str) -> None:
        tgt = ""
        if target is not None:
            tgt = (">=" if direction == "min" else "<=") + f"{target:g}"
        ns = values.get("newsieve")
        line = f"  {name:<42} {tgt:>8} {fmt(ns) if 'newsieve' in systems else '-':>9}"
        line += f" {verdict_of(ns, target, direction) if 'newsieve' in systems else '':>5}"
        line += "".join(f" {fmt(values.get(p)):>12}" for p in peers)
        print(line)

    for key, (desc, target, direction) in metrics.items():
        values = {s: results[s].get(key) for s in systems if key in results[s]}
        if not values:
            continue
        row(desc, values, target, direction)
        if key in ("footer_recall", "removed_line_recall", "removed_line_recall_lines"):
            table_key = by_label_key + ("_lines" if key.endswith("_lines") else "")
            labels = sorted({lab for s in systems for lab in results[s].get(table_key, {})})
            counts = next(iter(results.values())).get(count_key, {})
            for lab in labels:
                vals = {s: results[s].get(table_key, {}).get(lab) for s in systems}
                row(f"  recall {lab} ({counts.get(lab, 0)})", vals, None, "min")


def print_dev(systems: Sequence[str], res: dict[str, dict[str, Any]], n_text: int, sha: str) -> None:
    n = next(iter(res.values()))["pages"]
    print_table(
        f"== spamrepost-dev: {n} pages, data sha256 {sha[:12]}; the {n_text} text/plain pages go to newsieve "
        "as text/plain and to the peers as minimal HTML (one <p> per line)",
        systems,
        res,
        DEV_METRICS,
        "recall_by_label",
        "injected_by_label",
    )
    print(
        f"  char precision: share of output characters (whitespace removed) covered by a {NGRAM}-char window "
        "found in the gold title + paragraphs; 'char bag' = multiset intersection (lenient)."
    )
    for s in systems:
        if res[s]["clean_pages_lost_ids"]:
            ids = ", ".join(res[s]["clean_pages_lost_ids"])
            print(f"  {s}: news_clean pages that lost a paragraph: {ids}")
    ns = res.get("newsieve")
    if ns:
        print("\n  newsieve removals by label (correct: overlaps an injected text of that label;")
        print("  false: removes gold paragraph text; wrong: overlaps injected text of another label;")
        print("  chrome: neither, i.e. page furniture the set does not label)")
        cols = ("spans", "correct", "false", "wrong", "chrome", "precision")
        print(f"  {'label':<24}" + "".join(f" {c:>9}" for c in cols))
        for lab, v in ns["removals_by_label"].items():
            print(
                f"  {lab:<24} {v.get('spans', 0):>9} {v.get('correct', 0):>9} {v.get('false', 0):>9} "
                f"{v.get('wrong_label', 0):>9} {v.get('chrome', 0):>9} {fmt(v.get('precision')):>9}"
            )
        if not ns["removals_by_label"]:
            print("  (no removals)")
        if ns["false_removal_list"]:
            print(f"\n  newsieve false removals (spans on gold paragraph text): {ns['false_removals']}")
            for line in ns["false_removal_list"]:
                print(f"    FALSE-RM {line}")


def print_cc(systems: Sequence[str], res: dict[str, dict[str, Any]], sha: str) -> None:
    n = next(iter(res.values()))["pages"]
    amb = next(iter(res.values()))["removed_lines_ambiguous"]
    print_table(
        f"== chinesewebtext_cc_samples: {n} real CC documents, data sha256 {sha[:12]}; newsieve gets "
        "raw_content as text/plain, the peers its lines as <p>s; output = title + text",
        systems,
        res,
        CC_METRICS,
        "recall_by_label",
        "lines_by_label",
    )
    print(f"  ({amb} removed lines skipped: their text also occurs in kept text)")
    print(
        "  page-aware (the figures the targets apply to): a rejected page never reaches consumers, so all\n"
        "  its lines count as removed; kept-line recall is over pages not labelled spam_page, and a\n"
        "  rejected non-spam page loses all its kept lines. line-only: the output text alone, every page,\n"
        "  action ignored (the peers have no page verdict: for them the two differ only by the spam\n"
        "  pages left out)."
    )
    for s in systems:
        if res[s]["clean_pages_lost_ids"]:
            print(f"  {s}: clean pages that lost a kept line: {', '.join(res[s]['clean_pages_lost_ids'])}")
    ns = res.get("newsieve")
    if ns:
        print("\n  newsieve line labels from its spans (a line takes the label covering >= half of it;")
        print("  boilerplate.wechat counted as boilerplate.other; 'dropped': extraction left the line out)")
        print(f"  {'label':<24} {'tp':>5} {'fp':>5} {'fn':>5} {'P':>7} {'R':>7} {'F1':>7}")
        for lab, v in ns["line_prf_by_label"].items():
            print(
                f"  {lab:<24} {v.get('tp', 0):>5} {v.get('fp', 0):>5} {v.get('fn', 0):>5} "
                f"{fmt(v['precision']):>7} {fmt(v['recall']):>7} {fmt(v['f1']):>7}"
            )
        print("\n  newsieve action by page kind (spam_page should be reject)")
        actions = ("publish", "review", "reject", "error")
        print(f"  {'page_kind':<16}" + "".join(f" {a:>8}" for a in actions))
        for kind, row in ns["action_by_page_kind"].items():
            print(f"  {kind:<16}" + "".join(f" {row.get(a, 0):>8}" for a in actions))


HALF_METRICS = (
    "kept_line_recall",
    "removed_line_recall",
    "splice_recall",
    "spam_page_rejected",
    "non_spam_rejected",
    "removed_line_recall_lines",
)


def print_halves(halves: dict[str, dict[str, Any]]) -> None:
    """newsieve's page-aware figures on the even and the odd ``doc_index`` pages: tune on the even
    half, read the odd half as held out."""
    print("\n  newsieve by half of the cc sample (develop on even doc_index, odd = held out)")
    names = list(halves)
    print(f"  {'metric':<42}" + "".join(f" {n:>10}" for n in names))
    for key in HALF_METRICS:
        desc = CC_METRICS[key][0] if key in CC_METRICS else key
        print(f"  {desc:<42}" + "".join(f" {fmt(halves[n].get(key)):>10}" for n in names))
    for lab in sorted({lab for h in halves.values() for lab in h.get("recall_by_label", {})}):
        vals = "".join(f" {fmt(halves[n].get('recall_by_label', {}).get(lab)):>10}" for n in names)
        print(f"  {'  recall ' + lab:<42}{vals}")


def print_errors(set_name: str, res: dict[str, dict[str, Any]]) -> None:
    for system, figures in res.items():
        if figures["error_messages"]:
            print(f"\n  {set_name}: {system} raised on {len(figures['error_messages'])} pages:")
            for msg in figures["error_messages"][:20]:
                print(f"    {msg}")
            if len(figures["error_messages"]) > 20:
                print(f"    ... {len(figures['error_messages']) - 20} more")


# -- baseline -------------------------------------------------------------------------------------


def pinned_figures(dev: dict[str, Any] | None, cc: dict[str, Any] | None) -> dict[str, tuple[Any, str]]:
    """newsieve's figures that the baseline pins: ``name -> (value, "min"|"max")``."""
    out: dict[str, tuple[Any, str]] = {}
    for prefix, figures, metrics in (("dev", dev, DEV_METRICS), ("cc", cc, CC_METRICS)):
        if figures is None:
            continue
        for key, (_, _, direction) in metrics.items():
            if key in figures:
                out[f"{prefix}.{key}"] = (figures[key], direction)
        for lab, value in figures.get("recall_by_label", {}).items():
            out[f"{prefix}.recall.{lab}"] = (value, "min")
    return out


def load_baseline() -> dict[str, Any]:
    if not BASELINE.is_file():
        return {}
    return dict(json.loads(BASELINE.read_text(encoding="utf-8")))


def check_baseline(figures: dict[str, tuple[Any, str]], shas: dict[str, str]) -> int:
    base = load_baseline()
    if not base:
        print(f"\ncheck: no baseline at {BASELINE}; create it with --update-baseline")
        return 1
    failures: list[str] = []
    for name, sha in shas.items():
        pinned = base.get("data_sha256", {}).get(name)
        if pinned != sha:
            failures.append(
                f"data changed: {name} sha256 {sha[:12]} but the floors were pinned on {str(pinned)[:12]} "
                "(re-pin with --update-baseline --force once the new figures are reviewed)"
            )
    for name, floor in base.get("floors", {}).items():
        value = figures.get(name, (None, "min"))[0]
        if floor is not None and (value is None or value < floor - 1e-9):
            failures.append(f"{name}: {fmt(value)} < floor {fmt(floor)}")
    for name, ceiling in base.get("ceilings", {}).items():
        value = figures.get(name, (None, "max"))[0]
        if ceiling is not None and (value is None or value > ceiling + 1e-9):
            failures.append(f"{name}: {fmt(value)} > ceiling {fmt(ceiling)}")
    pinned_names = set(base.get("floors", {})) | set(base.get("ceilings", {}))
    unpinned = sorted(set(figures) - pinned_names)
    print(f"\ncheck against {BASELINE.name} (pinned {base.get('updated', '?')}):")
    if unpinned:
        print(f"  not pinned yet: {', '.join(unpinned)}")
    for line in failures:
        print(f"  FAIL {line}")
    if not failures:
        print(f"  ok: {len(pinned_names)} figures at or above their floors")
    return 1 if failures else 0


def update_baseline(figures: dict[str, tuple[Any, str]], shas: dict[str, str], force: bool) -> int:
    base = load_baseline()
    old_shas = base.get("data_sha256", {})
    changed = [n for n, sha in shas.items() if old_shas.get(n) not in (None, sha)]
    if changed and not force:
        print(f"\nupdate-baseline: data changed ({', '.join(changed)}); refusing without --force")
        return 1
    floors: dict[str, Any] = {} if force else dict(base.get("floors", {}))
    ceilings: dict[str, Any] = {} if force else dict(base.get("ceilings", {}))
    raised: list[str] = []
    for name, (value, direction) in sorted(figures.items()):
        table = floors if direction == "min" else ceilings
        old = table.get(name)
        if value is None:
            table.setdefault(name, None)
            continue
        better = old is None or (value > old if direction == "min" else value < old)
        if force or better:
            if old != value:
                raised.append(f"{name}: {fmt(old)} -> {fmt(value)}")
            table[name] = value
    new = {
        "comment": (
            "Floors (higher is better) and ceilings (lower is better) of newsieve's figures in "
            "bench/eval_spam.py, with the sha256 of the data they were measured on. Raised by "
            "--update-baseline (only upward unless --force); checked by --check."
        ),
        "updated": (
            _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            if raised or changed or not base
            else base.get("updated")
        ),
        "data_sha256": {**old_shas, **shas},
        "floors": dict(sorted(floors.items())),
        "ceilings": dict(sorted(ceilings.items())),
    }
    tmp = BASELINE.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(new, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    tmp.replace(BASELINE)
    print(f"\nupdate-baseline: wrote {BASELINE}" + ("" if raised else " (no figure moved)"))
    for line in raised:
        print(f"  {line}")
    return 0


# -- main -----------------------------------------------------------------------------------------


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--only", default="", help=f"comma-separated systems to run (of {', '.join(SYSTEMS)}); default all"
    )
    parser.add_argument(
        "--show-errors", action="store_true", help="print each miss and false removal of newsieve"
    )
    parser.add_argument("--json", metavar="FILE", help="write every figure to FILE as JSON")
    parser.add_argument("--check", action="store_true", help="exit 1 if a newsieve figure is below its floor")
    parser.add_argument("--update-baseline", action="store_true", help="raise the floors from this run")
    parser.add_argument("--force", action="store_true", help="with --update-baseline: also lower floors")
    args = parser.parse_args(argv)
    systems = [s.strip() for s in args.only.split(",") if s.strip()] or list(SYSTEMS)
    unknown = [s for s in systems if s not in SYSTEMS]
    if unknown:
        parser.error(f"unknown system(s) {', '.join(unknown)}; choose from {', '.join(SYSTEMS)}")
    if (args.check or args.update_baseline) and "newsieve" not in systems:
        parser.error("--check and --update-baseline need newsieve in --only")

    try:
        pages, dev_sha = load_spamrepost()
        docs, cc_sha = load_cc_samples()
    except DataMissing as exc:
        print(exc, file=sys.stderr)
        return 2
    shas = {"spamrepost-dev": dev_sha, "chinesewebtext_cc_samples": cc_sha}
    print("systems: " + ", ".join(f"{s} {_version(PEER_PACKAGES.get(s, 'newsieve'))}" for s in systems))

    dev_runs: dict[str, Run] = {}
    cc_runs: dict[str, Run] = {}
    for system in systems:
        if system == "newsieve":
            dev_runs[system] = run_newsieve([(p.id, p.data, p.content_type, p.header_charset) for p in pages])
            cc_runs[system] = run_newsieve([(d.id, d.text, "text/plain", None) for d in docs])
        else:
            dev_runs[system] = run_peer(system, [(p.id, p.peer_html()) for p in pages])
            cc_runs[system] = run_peer(system, [(d.id, text_to_html(d.text)) for d in docs])
        note = f" ({dev_runs[system].note})" if dev_runs[system].note else ""
        print(
            f"  ran {system}: {dev_runs[system].seconds:.2f}s on spamrepost-dev, "
            f"{cc_runs[system].seconds:.2f}s on cc samples{note}"
        )

    dev_res: dict[str, dict[str, Any]] = {}
    cc_res: dict[str, dict[str, Any]] = {}
    show: list[str] = []
    for system in systems:
        dev_res[system], dev_show = eval_dev(pages, dev_runs[system])
        cc_res[system], cc_show = eval_cc(docs, cc_runs[system])
        if system == "newsieve":
            show = ["\nnewsieve on spamrepost-dev:", *dev_show, "\nnewsieve on cc samples:", *cc_show]

    n_text = sum(not p.is_html for p in pages)
    print_dev(systems, dev_res, n_text, dev_sha)
    print_errors("spamrepost-dev", dev_res)
    print_cc(systems, cc_res, cc_sha)
    halves: dict[str, dict[str, Any]] = {}
    if "newsieve" in systems:
        for half, parity in (("even", 0), ("odd", 1)):
            subset = [d for d in docs if int(d.label["doc_index"]) % 2 == parity]
            halves[half], _ = eval_cc(subset, cc_runs["newsieve"])
        print_halves(halves)
    print_errors("cc samples", cc_res)
    if args.show_errors and show:
        print("\n".join(show))

    if args.json:
        payload = {
            "systems": {s: _version(PEER_PACKAGES.get(s, "newsieve")) for s in systems},
            "data_sha256": shas,
            "spamrepost_dev": dev_res,
            "cc_samples": cc_res,
            "cc_samples_newsieve_halves": halves,
        }
        Path(args.json).write_text(json.dumps(payload, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"\nwrote {args.json}")

    status = 0
    if "newsieve" in systems:
        figures = pinned_figures(dev_res["newsieve"], cc_res["newsieve"])
        if args.update_baseline:
            status = update_baseline(figures, shas, args.force) or status
        if args.check:
            status = check_baseline(figures, shas) or status
    return status


if __name__ == "__main__":
    sys.exit(main())
