"""Damage flags: the repost kept the text but broke it. The text stays; consumers are warned.

- ``damage.digits_stripped``: the repost site deleted every run of 3+ digits (``年,列入``,
  ``指标的.83%``, ``大约名身着``). One gap alone is weak (a stray ``.5%`` is a typo), but a
  site that strips digits strips *all* of them: an article with gaps and not one number of
  three digits left (no year, no amount) is stripped. So the page is flagged when its
  article text has no run of 3+ digits and at least one gap, or when the gaps are many.
- ``damage.mojibake``: ``??`` where emoji were lost, U+FFFD, ``锟斤拷``, UTF-8 or GBK read as Latin-1.
  Counted over the whole text (a lost emoji in a footer still says the page went through a
  lossy charset).
- ``damage.obfuscated``: pinyin glosses inserted after characters (``轉(zhuǎn)型``), SEO keywords
  in brackets stuck before lines (``[励志作文600字小学生]六年级古诗改写``).

Evidence patterns are data (``data/damage.toml``); the decision thresholds are here.
"""

from __future__ import annotations

import bisect
import operator
import re
import unicodedata
from collections.abc import Iterable, Sequence
from re import _parser as _sre  # type: ignore[attr-defined]
from typing import Final

from .._match import KeyFinder, LiteralScanner, first_chars, literals
from ..base import FilterConfig, Finding
from ..rules import Rule, Rules
from ..types import Document, Flag
from .boilerplate import cutting, rule_hits, trigger_of

__all__ = ["DamageDetector", "matches_near"]

ARTICLE_BLOCK_MIN_CHARS: Final = 30
"""Blocks shorter than this (titles, footers, menus) are not used to judge digit damage."""
_NOT_ARTICLE: Final = frozenset(("title", "tail", "meta"))
"""Kinds of blocks that are not the article's text."""
_START: Final = operator.attrgetter("start")
_LINK_MARKS: Final = ("://", "www.")
"""A block holding one of these holds a link (``_URL_TOKEN``)."""
LONG_NUMBER_MAX_DIGITS: Final = 6
"""Runs of 3..this many digits are the article's own numbers (years, amounts); longer runs are
phone numbers, QQ ids and the like, which ads bring in and which say nothing of the article."""
GAPS_WITHOUT_NUMBERS: Final = 1.0
"""Weighted gaps that flag a page whose article text keeps no run of 3+ digits (dev set: 5 of
the 17 stripped pages have exactly one gap, e.g. `大约名身着` where the article had 2000名)."""
GAPS_WITH_NUMBERS: Final = 4.0
"""Weighted gaps that flag a page even though some 3+ digit runs survive (numbers in titles of
other articles, in quotes of codes): several independent signs."""
MIN_KINDS_WITH_NUMBERS: Final = 2
"""... and those gaps must be of at least this many different kinds."""
SURVIVORS_PER_GAP: Final = 0.5
"""... and the surviving 3+ digit runs at most this many per weighted gap."""
DECIMAL_ALONE_MIN: Final = 2
"""Bare decimals (`.83%`) alone need this many: a single `.5%` is a typo on a clean page."""
MOJIBAKE_MIN: Final = 1
"""Hits of a mis-decoding rule that flag a page, when the rule does not say (`min_count`): each
pattern is specific (`??` after a question word is excluded, a single `?` never matches)."""
PINYIN_MIN: Final = 2
"""Hits of an obfuscation rule that flag a page, when the rule does not say (`min_count`): one
pinyin gloss `(a)` after a character could be an annotation."""
TRY_COST_CHARS: Final = 64
"""A page-wide rule with a ``lead`` (mis-decoding, obfuscation) is only tried near its trigger's places
(``matches_near``) when they are fewer than one per this many characters of the text: a try (``match``
from Python) costs about what the regex engine's skip over that many characters does in a search of
the whole text."""
MAX_EXAMPLES: Final = 3
EXAMPLE_CONTEXT: Final = 8

_DIGIT_RUN: Final = re.compile(r"\d{3,}")
_URL_TOKEN: Final = re.compile(r"[^\s\u4e00-\u9fff，。]*(?:https?://|www\.)[^\s\u4e00-\u9fff，。]*")
# Dates as a site template prints them (`2020-09-26 10:00`): the repost site's own, not the article's.
_TEMPLATE_DATE: Final = re.compile(
    r"\d{4}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{1,2}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?"
)
_DATE_MARKS: Final = "-/."
"""Every ``_TEMPLATE_DATE`` holds one of these."""
_CONTROL: Final = re.compile(r"[\x00-\x08\x0e-\x1f]")
_TONES: Final = str.maketrans("āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü", "aaaaeeeeiiiioooouuuuvvvvv")
_PINYIN: Final = re.compile(
    r"(?:[bpmfdtnlgkhjqxrzcsyw]|zh|ch|sh)?"
    r"(?:a|o|e|ai|ei|ao|ou|an|en|ang|eng|ong|er|i|ia|ie|iao|iu|ian|in|iang|ing|iong|u|ua|uo|uai|ui|uan|un"
    r"|uang|ueng|v|ve|van|vn|ue)[1-5]?"
)


def _is_pinyin(syllable: str) -> bool:
    plain = unicodedata.normalize("NFC", syllable).translate(_TONES)
    return _PINYIN.fullmatch(plain) is not None


def _one_first_char(pattern: str) -> bool:
    """Does every hit of ``pattern`` start with one and the same character (`年(?<=…)`)? The regex
    engine then jumps from one place of that character to the next by itself, in C."""
    firsts = first_chars(pattern)
    return firsts is not None and len(literals(firsts) or ()) == 1


def _tried_near(pattern: re.Pattern[str], text: str, places: list[int],
                lead: int | None) -> Iterable[re.Match[str]]:
    """``pattern.finditer(text)``: by a try at and up to ``lead`` characters before each of ``places``
    (``matches_near``) when the rule has a ``lead`` and they are few (``TRY_COST_CHARS``)."""
    if lead is not None and len(places) * (lead + 1) * TRY_COST_CHARS < len(text):
        return matches_near(pattern, text, places, lead)
    return pattern.finditer(text)


def _class_chars(cls: str) -> frozenset[str] | None:
    """The characters of a class as ``first_chars`` writes it (``[...]``, or one character), when
    made of literals and ranges only; None for a category (``\\d``)."""
    out: set[str] = set()
    for op, av in _sre.parse(cls):
        items = av if str(op) == "IN" else [(op, av)]
        for kind, value in items:
            if str(kind) == "LITERAL":
                out.add(chr(value))
            elif str(kind) == "RANGE":
                out.update(map(chr, range(value[0], value[1] + 1)))
            else:
                return None
    return frozenset(out)


def _trigger_words(trigger: re.Pattern[str] | None) -> tuple[frozenset[str] | None, bool]:
    """What one pass looks for to find where ``trigger`` is, and whether that is exact: its literals
    (each place of one is a place of the trigger), else the characters its matches start with (the
    trigger is then tried there: `[\\ue000-\\uf8ff]` is too many literals), else None (a regex search)."""
    if trigger is None:
        return None, False
    found = literals(trigger.pattern)
    if found:
        return found, True
    firsts = first_chars(trigger.pattern)
    return (_class_chars(firsts) if firsts else None), False


class _PageWords:
    """Where the words of several groups stand in a text, from one ``LiteralScanner`` pass for all of
    them (its one-character words, such as the private-use characters, are one class there)."""

    def __init__(self, groups: Sequence[frozenset[str] | None]) -> None:
        self.groups = list(groups)
        self._scanner = LiteralScanner(sorted(set().union(*(g for g in self.groups if g))))

    def scan(self, text: str) -> list[tuple[int, str]]:
        """``(place, word)`` of every occurrence of a word in ``text``, by place (``LiteralScanner.scan``)."""
        return self._scanner.scan(text)

    def places(self, found: list[tuple[int, str]], k: int, shift: int = 0) -> list[int] | None:
        """The places of the words of group ``k`` in ``found`` (``scan``'s), less ``shift``, by place;
        None when the group is not known (a trigger searched as a regex)."""
        group = self.groups[k]
        if group is None:
            return None
        return [at - shift for at, word in found if word in group and at >= shift]


def _page_hits(rule: Rule, trigger: re.Pattern[str] | None, text: str, places: list[int] | None,
               exact: bool, lead: int | None) -> Iterable[re.Match[str]] | None:
    """The hits of a page-wide rule in ``text``, or None when its trigger is not there. ``places``: where
    the trigger's words stand in ``text`` (``_PageWords``; ``exact``: its literals), None: not known."""
    if places is None:
        if trigger is not None and trigger.search(text) is None:
            return None
        return rule.pattern.finditer(text)
    if not exact and trigger is not None:
        places = [at for at in places if trigger.match(text, at) is not None]
    if not places:
        return None
    return _tried_near(rule.pattern, text, places, lead)


def _lead(rule: Rule) -> int | None:
    """The rule's ``lead`` (damage.toml): its hits start at most this many characters before its trigger."""
    lead = rule.extra.get("lead")
    return lead if isinstance(lead, int) and not isinstance(lead, bool) and lead >= 0 else None


def _example(text: str, start: int, end: int) -> str:
    return text[max(0, start - EXAMPLE_CONTEXT) : end + EXAMPLE_CONTEXT].replace("\n", " ")


class DamageDetector:
    """Flags ``damage.digits_stripped``, ``damage.mojibake`` and ``damage.obfuscated``."""

    name = "damage"
    version = "2"

    def __init__(self, rules: Rules, config: FilterConfig) -> None:
        self.digit_rules = [(r, trigger_of(r)) for r in rules.by_label("damage.digits_stripped")]
        self.mojibake_rules = [(r, trigger_of(r)) for r in rules.by_label("damage.mojibake")]
        self.obfuscated_rules = [(r, trigger_of(r)) for r in rules.by_label("damage.obfuscated")]
        # One pass over the page finds the triggers of the page-wide rules (mis-decoding, obfuscation)
        # and the control characters: most pages hold none of them, and a search for each was a scan of
        # the page, some testing every character against a class (`[\u00a1-\u00ff]`, `[(（]`). The rules
        # are then only tried where their triggers are (the mis-decoding rules 54 -> 14 us a page on
        # bench_filters; with the narrower digit triggers of damage.toml, damage 177 -> 124 us).
        page_rules = self.mojibake_rules + self.obfuscated_rules
        words = [_trigger_words(trigger) for _, trigger in page_rules]
        # (and the links of the article's blocks, whose digits are not the article's: `://`, `www.`)
        self.page_words = _PageWords([_class_chars(_CONTROL.pattern), *(group for group, _ in words),
                                      frozenset(_LINK_MARKS)])
        self._url_group = 1 + len(page_rules)
        self._page_exact = [exact for _, exact in words]
        self._page_leads = [_lead(rule) for rule, _ in page_rules]
        # Digit rules with a `lead` (damage.toml) are not searched over the whole article: one scan
        # finds their triggers' literals, and each rule is only tried (`match`) where a hit can
        # start, at most `lead` characters before one of them. The others are searched as before.
        # Not the rules whose hits all start with one character (`年`, `.`, `余`): a search of the
        # whole article costs them a C loop to each place of it, less than one Python step per place
        # from the scan (they had 2/3 of its places on bench_filters: the digit rules' matching 36 ->
        # 27 us a page with the scan in C, 85 -> 58 with the scan in Python).
        self.digit_leads: list[int | None] = []
        self._digit_plain: set[int] = set()
        self._digit_literals: dict[str, list[int]] = {}
        for index, (rule, trigger) in enumerate(self.digit_rules):
            lead = _lead(rule)
            found = literals(trigger.pattern) if trigger is not None else None
            if _one_first_char(rule.pattern.pattern):
                self._digit_plain.add(index)
            if found is None or lead is None or index in self._digit_plain:
                self.digit_leads.append(None)
                continue
            self.digit_leads.append(lead)
            for lit in found:
                self._digit_literals.setdefault(lit, []).append(index)
        self._digit_scanner = LiteralScanner(self._digit_literals)
        # footers and related lists quote other articles' titles: not this article's numbers
        self.footers = KeyFinder(cutting(rules.by_label("boilerplate.")))
        self.tag = f"{self.name}@{self.version}"

    def detect(self, doc: Document) -> list[Finding]:
        page = "\n" + doc.text  # `(?:^|\n)` rules see the first block as a line start too
        found = self.page_words.scan(page)
        out: list[Finding] = []
        for flag in (self._digits(doc, found), self._mojibake(doc, found), self._obfuscated(page, found)):
            if flag is not None:
                out.append(flag)
        return out

    # -- digits --------------------------------------------------------------------------------
    def _article_blocks(self, doc: Document, found: list[tuple[int, str]]) -> list[str]:
        """The article's text, block by block, without links, template dates and footers: a URL's
        digits, a date line of the template or a title in a footer are not the article's numbers.
        ``found``: ``page_words.scan`` of the page after a newline (where `://` and `www.` are)."""
        blocks = doc.blocks
        # (taking out links and footers only shortens a block: no need to look for them in the others)
        long_ones = [i for i, b in enumerate(blocks)
                     if b.end - b.start >= ARTICLE_BLOCK_MIN_CHARS and b.kind not in _NOT_ARTICLE]
        # the blocks where a link may be, from the page's one pass, not two searches of each block;
        # a block is taken as it is, ``block.text`` (extraction joins the blocks' texts into the
        # page's: no slice of it)
        link_blocks = {bisect.bisect_right(blocks, at, key=_START) - 1
                       for at in self.page_words.places(found, self._url_group, 1) or ()}
        footer_blocks = set(self.footers.blocks(doc))
        out = []
        for index in long_ones:
            text = blocks[index].text
            if index in link_blocks and any(mark in text for mark in _LINK_MARKS):
                text = _URL_TOKEN.sub(" ", text)
                if index in footer_blocks:
                    m = self.footers.search(text, doc=doc)
                    if m is not None:
                        text = text[: m.start()]
            elif index in footer_blocks:
                # the block's own text: the boilerplate and related detectors ran these patterns on it
                cut = min((hits[0].start() for rule in self.footers.triggered(text, doc=doc, index=index)
                           if (hits := rule_hits(doc, index, text, rule))), default=None)
                if cut is not None:
                    text = text[:cut]
            if len(text.strip()) >= ARTICLE_BLOCK_MIN_CHARS:
                out.append(text)
        return out

    def _digits(self, doc: Document, found: list[tuple[int, str]]) -> Flag | None:
        if not self.digit_rules:
            return None
        # one string, a newline before each block (the `年` rule reads a block's start as a boundary)
        text = "\n" + "\n".join(self._article_blocks(doc, found))
        weight = 0.0
        kinds: set[str] = set()
        decimals = 0
        count = 0
        examples: list[str] = []
        starts: dict[int, list[int]] = {}
        for start, lit in self._digit_scanner.scan(text):
            for index in self._digit_literals[lit]:
                starts.setdefault(index, []).append(start)
        for index, (rule, trigger) in enumerate(self.digit_rules):
            lead = self.digit_leads[index]
            matches: Iterable[re.Match[str]]
            if lead is not None:
                matches = matches_near(rule.pattern, text, starts.get(index, ()), lead)
            elif index in self._digit_plain:
                matches = rule.pattern.finditer(text)  # (a trigger search first would be a second pass)
            elif trigger is not None and trigger.search(text) is None:
                continue
            else:
                matches = rule.pattern.finditer(text)
            for m in matches:
                count += 1
                weight += float(rule.extra.get("weight", 1.0))
                kinds.add(rule.id)
                decimals += rule.extra.get("kind") == "gap"
                if len(examples) < MAX_EXAMPLES:
                    examples.append(_example(text, m.start(), m.end()))
        if count == 0:
            return None
        if kinds == {"damage.digits_stripped.decimal"} and decimals < DECIMAL_ALONE_MIN:
            return None
        # the surviving numbers are counted only now: most pages have no gap at all (88 of the 100
        # pages of bench_filters), and only as far as the verdict needs them
        with_numbers = weight >= GAPS_WITH_NUMBERS and len(kinds) >= MIN_KINDS_WITH_NUMBERS
        if weight < GAPS_WITHOUT_NUMBERS and not with_numbers:
            return None
        survivors = _survivors(text, SURVIVORS_PER_GAP * weight if with_numbers else 0.0)
        stripped = (survivors == 0 and weight >= GAPS_WITHOUT_NUMBERS) or (
            weight >= GAPS_WITH_NUMBERS
            and len(kinds) >= MIN_KINDS_WITH_NUMBERS
            and survivors <= SURVIVORS_PER_GAP * weight
        )
        if not stripped:
            return None
        confidence = min(0.99, 0.6 + 0.1 * weight) if survivors == 0 else 0.75
        return Flag(
            label="damage.digits_stripped",
            reason="damage.digits_stripped.gaps",
            confidence=round(confidence, 3),
            count=count,
            examples=examples,
            detector=self.tag,
        )

    # -- mojibake ------------------------------------------------------------------------------
    def _mojibake(self, doc: Document, found: list[tuple[int, str]]) -> Flag | None:
        """``found``: ``page_words.scan`` of the page after a newline."""
        # invisible control characters some sites sprinkle into text (cc docs 7, 8, 34) are not
        # damage by themselves, but they must not hide a `?？` pair: taken out, the places found move
        text = doc.text
        if self.page_words.places(found, 0, 1):
            text = _CONTROL.sub("", text)
        hits: list[tuple[int, int, Rule]] = []
        for k, (rule, trigger) in enumerate(self.mojibake_rules):
            places = self.page_words.places(found, 1 + k, 1)
            if places is not None and not places:
                continue  # (removing control characters adds no character: what is not there stays out)
            matches = _page_hits(rule, trigger, text, places if text is doc.text else None,
                                 self._page_exact[k], self._page_leads[k])
            if matches is None:
                continue
            found_here = [m for m in matches if not _in_url(text, m.start())]
            if len(found_here) >= int(rule.extra.get("min_count", MOJIBAKE_MIN)):
                hits.extend((m.start(), m.end(), rule) for m in found_here)
        if not hits:
            return None
        hits.sort(key=lambda h: h[0])
        strongest = max(hits, key=lambda h: h[2].score)[2]
        return Flag(
            label="damage.mojibake",
            reason=strongest.id,
            confidence=strongest.score,
            count=len(hits),
            examples=[_example(text, s, e) for s, e, _ in hits[:MAX_EXAMPLES]],
            detector=self.tag,
        )

    # -- obfuscation ---------------------------------------------------------------------------
    def _obfuscated(self, text: str, found: list[tuple[int, str]]) -> Flag | None:
        """``text``: the page after a newline; ``found``: ``page_words.scan`` of it."""
        first = len(self.mojibake_rules)
        for k, (rule, trigger) in enumerate(self.obfuscated_rules, start=first):
            places = self.page_words.places(found, 1 + k)
            matches = _page_hits(rule, trigger, text, places, self._page_exact[k], self._page_leads[k])
            if matches is None:
                continue
            hits: list[tuple[int, int]] = []
            for m in matches:
                syllable = m.groupdict().get("syllable")
                if syllable is not None and not _is_pinyin(syllable):
                    continue
                hits.append((m.start(), m.end()))
            if len(hits) >= int(rule.extra.get("min_count", PINYIN_MIN)):
                return Flag(
                    label="damage.obfuscated",
                    reason=rule.id,
                    confidence=rule.score,
                    count=len(hits),
                    examples=[_example(text, s, e).strip() for s, e in hits[:MAX_EXAMPLES]],
                    detector=self.tag,
                )
        return None


def matches_near(
    pattern: re.Pattern[str], text: str, starts: Iterable[int], lead: int
) -> list[re.Match[str]]:
    """``list(pattern.finditer(text))`` for a pattern whose every hit starts at most ``lead``
    characters before one of ``starts`` (its trigger's places): the pattern is only tried there."""
    tries = sorted({p - k for p in starts for k in range(lead + 1) if p >= k})
    out: list[re.Match[str]] = []
    last = 0
    for pos in tries:
        if pos < last:
            continue
        m = pattern.match(text, pos)
        if m is not None:
            if m.end() == m.start():  # an empty hit: finditer's stepping rules, not ours
                return list(pattern.finditer(text))
            out.append(m)
            last = m.end()
    return out


def _survivors(text: str, enough: float) -> int:
    """The article's own numbers left in ``text``: runs of 3 to ``LONG_NUMBER_MAX_DIGITS`` digits, not
    after a `.` (a decimal's tail), outside the template's dates; counted up to the first one past
    ``enough`` (the verdict is then known). The count of ``_DIGIT_RUN`` over ``_TEMPLATE_DATE.sub(" ",
    text)``, without that copy: the runs are searched between the dates, and a run right after a
    date follows the date's `" "` there, not a `.`; no date is searched for in a text without a `-/.`
    (half of bench_filters' articles). On bench_filters' article texts: ~80 -> ~45-50 us a text when
    the first survivor settles it; on the ~12 pages in 100 with gaps, ~3-4 us a page for damage."""
    count = 0
    pos = 0
    dates = any(mark in text for mark in _DATE_MARKS)
    while pos <= len(text):
        date = _TEMPLATE_DATE.search(text, pos) if dates else None
        end = len(text) if date is None else date.start()
        for m in _DIGIT_RUN.finditer(text, pos, end):
            start = m.start()
            if m.end() - start <= LONG_NUMBER_MAX_DIGITS and (start == pos > 0 or text[start - 1] != "."):
                count += 1
                if count > enough:
                    return count
        if date is None:
            break
        pos = date.end()
    return count


def _in_url(text: str, pos: int) -> bool:
    """Is ``pos`` inside a URL (a query string's `?` is not mojibake)?"""
    start = max(0, pos - 200)
    left = text[start:pos]
    cut = max(left.rfind(" "), left.rfind("\n"), left.rfind("\u3000"))
    token = left[cut + 1 :]
    return "://" in token or token.startswith("www.")
