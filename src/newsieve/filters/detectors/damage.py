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

import re
import unicodedata
from collections.abc import Iterable

from .._match import CharGate, KeyFinder, LiteralScanner, first_chars, literals
from ..base import FilterConfig, Finding
from ..rules import Rule, Rules
from ..types import Document, Flag
from .boilerplate import cutting, rule_hits, trigger_of

__all__ = ["DamageDetector", "matches_near"]

ARTICLE_BLOCK_MIN_CHARS = 30
"""Blocks shorter than this (titles, footers, menus) are not used to judge digit damage."""
LONG_NUMBER_MAX_DIGITS = 6
"""Runs of 3..this many digits are the article's own numbers (years, amounts); longer runs are
phone numbers, QQ ids and the like, which ads bring in and which say nothing of the article."""
GAPS_WITHOUT_NUMBERS = 1.0
"""Weighted gaps that flag a page whose article text keeps no run of 3+ digits (dev set: 5 of
the 17 stripped pages have exactly one gap, e.g. `大约名身着` where the article had 2000名)."""
GAPS_WITH_NUMBERS = 4.0
"""Weighted gaps that flag a page even though some 3+ digit runs survive (numbers in titles of
other articles, in quotes of codes): several independent signs."""
MIN_KINDS_WITH_NUMBERS = 2
"""... and those gaps must be of at least this many different kinds."""
SURVIVORS_PER_GAP = 0.5
"""... and the surviving 3+ digit runs at most this many per weighted gap."""
DECIMAL_ALONE_MIN = 2
"""Bare decimals (`.83%`) alone need this many: a single `.5%` is a typo on a clean page."""
MOJIBAKE_MIN = 1
"""Hits of a mis-decoding rule that flag a page, when the rule does not say (`min_count`): each
pattern is specific (`??` after a question word is excluded, a single `?` never matches)."""
PINYIN_MIN = 2
"""Hits of an obfuscation rule that flag a page, when the rule does not say (`min_count`): one
pinyin gloss `(a)` after a character could be an annotation."""
FIND_MAX_FIRST_CHARS = 4
"""A trigger starting with one of at most this many characters is looked for by ``str.find``
(``_present``)."""
MAX_EXAMPLES = 3
EXAMPLE_CONTEXT = 8

_DIGIT_RUN = re.compile(r"\d{3,}")
_URL_TOKEN = re.compile(r"[^\s\u4e00-\u9fff，。]*(?:https?://|www\.)[^\s\u4e00-\u9fff，。]*")
# Dates as a site template prints them (`2020-09-26 10:00`): the repost site's own, not the article's.
_TEMPLATE_DATE = re.compile(r"\d{4}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{1,2}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f]")
_TONES = str.maketrans("āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü", "aaaaeeeeiiiioooouuuuvvvvv")
_PINYIN = re.compile(
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


def _find_chars(trigger: re.Pattern[str] | None) -> str | None:
    """The characters a hit of ``trigger`` starts with, when they are a few but more than one (`[(（]`):
    the regex engine tests every character of the text against such a class, str.find skips to the
    next place of one character in C (the pinyin trigger over a page: 15 -> 2 us). One character first
    (`\\n\\[`) the regex engine skips to by itself."""
    firsts = first_chars(trigger.pattern) if trigger is not None else None
    chars = literals(firsts) if firsts is not None else None
    if chars is None or not 1 < len(chars) <= FIND_MAX_FIRST_CHARS:
        return None
    return "".join(sorted(chars))


def _present(trigger: re.Pattern[str], find_chars: str | None, text: str) -> bool:
    """``trigger.search(text) is not None``: by a match at each place of ``find_chars`` when given."""
    if find_chars is None:
        return trigger.search(text) is not None
    for ch in find_chars:
        at = text.find(ch)
        while at >= 0:
            if trigger.match(text, at) is not None:
                return True
            at = text.find(ch, at + 1)
    return False


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
        self._obfuscated_finds = [_find_chars(trigger) for _, trigger in self.obfuscated_rules]
        # one scan for the first characters of all triggers (and of the control characters) tells
        # which triggers may be on the page: most are not, and each search of one is a full scan
        # (not for the obfuscation rules: `\n` and `(` are on every page)
        self.mojibake_gate = CharGate(
            [_CONTROL.pattern, *(t.pattern if t else None for _, t in self.mojibake_rules)]
        )
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
            lead = rule.extra.get("lead")
            found = literals(trigger.pattern) if trigger is not None else None
            if _one_first_char(rule.pattern.pattern):
                self._digit_plain.add(index)
            if (found is None or not isinstance(lead, int) or isinstance(lead, bool) or lead < 0
                    or index in self._digit_plain):
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
        out: list[Finding] = []
        for flag in (self._digits(doc), self._mojibake(doc), self._obfuscated(doc)):
            if flag is not None:
                out.append(flag)
        return out

    # -- digits --------------------------------------------------------------------------------
    def _article_blocks(self, doc: Document) -> list[str]:
        """The article's text, block by block, without links, template dates and footers: a URL's
        digits, a date line of the template or a title in a footer are not the article's numbers."""
        out = []
        footer_blocks = set(self.footers.blocks(doc))
        for index, block in enumerate(doc.blocks):
            if block.kind in ("title", "tail", "meta") or block.end - block.start < ARTICLE_BLOCK_MIN_CHARS:
                continue  # (taking out links and footers only shortens a block: no need to look for them)
            text = doc.text[block.start:block.end]
            if "://" in text or "www." in text:
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

    def _digits(self, doc: Document) -> Flag | None:
        if not self.digit_rules:
            return None
        # one string, a newline before each block (the `年` rule reads a block's start as a boundary)
        text = "\n" + "\n".join(self._article_blocks(doc))
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
        # pages of bench_filters), and the count is two passes of digit regexes over the article
        scan = _TEMPLATE_DATE.sub(" ", text)
        survivors = sum(
            1 for m in _DIGIT_RUN.finditer(scan)
            if len(m.group(0)) <= LONG_NUMBER_MAX_DIGITS and scan[m.start() - 1] != "."
        )
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
    def _mojibake(self, doc: Document) -> Flag | None:
        # invisible control characters some sites sprinkle into text (cc docs 7, 8, 34) are not
        # damage by themselves, but they must not hide a `?？` pair
        control, *possible = self.mojibake_gate.possible(doc.text)
        text = _CONTROL.sub("", doc.text) if control and _CONTROL.search(doc.text) else doc.text
        hits: list[tuple[int, int, Rule]] = []
        # (removing control characters adds no character: what the gate rules out stays out)
        for (rule, trigger), maybe in zip(self.mojibake_rules, possible, strict=True):
            if trigger is not None and (not maybe or trigger.search(text) is None):
                continue
            found = [m for m in rule.pattern.finditer(text) if not _in_url(text, m.start())]
            if len(found) >= int(rule.extra.get("min_count", MOJIBAKE_MIN)):
                hits.extend((m.start(), m.end(), rule) for m in found)
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
    def _obfuscated(self, doc: Document) -> Flag | None:
        text = "\n" + doc.text  # `(?:^|\n)` rules see the first block as a line start too
        for (rule, trigger), find_chars in zip(self.obfuscated_rules, self._obfuscated_finds, strict=True):
            if trigger is not None and not _present(trigger, find_chars, text):
                continue
            hits: list[tuple[int, int]] = []
            for m in rule.pattern.finditer(text):
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


def _in_url(text: str, pos: int) -> bool:
    """Is ``pos`` inside a URL (a query string's `?` is not mojibake)?"""
    start = max(0, pos - 200)
    left = text[start:pos]
    cut = max(left.rfind(" "), left.rfind("\n"), left.rfind("\u3000"))
    token = left[cut + 1 :]
    return "://" in token or token.startswith("www.")
