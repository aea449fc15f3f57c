"""The shared trigger pass (filters/_match.py): the literals of a trigger are exactly what it
matches, and KeyFinder answers what one regex search per trigger would."""

from __future__ import annotations

import random
import re

import pytest

from newsieve.filters._match import KEY_TRIGGERS, KeyFinder, LiteralIndex, literals
from newsieve.filters.rules import Rule, load_rules
from newsieve.filters.types import Block, Document

SHIPPED_TRIGGERS = sorted(
    {str(r.extra["trigger"]) for r in load_rules().rules.values() if r.extra.get("trigger")}
)


def _doc(*lines: str) -> Document:
    blocks, pos = [], 0
    for line in lines:
        blocks.append(Block(line, pos, pos + len(line)))
        pos += len(line) + 1
    return Document(text="\n".join(lines), blocks=blocks)


def _rule(rule_id: str, pattern: str, trigger: str | None) -> Rule:
    extra = {"trigger": trigger} if trigger else {}
    return Rule(rule_id, "boilerplate.other", re.compile(pattern), 0.9, "test rule", extra=extra)


@pytest.mark.parametrize(
    ("pattern", "want"),
    [
        ("[上下]篇|Next", {"上篇", "下篇", "Next"}),
        ("转(?:载|发)自?", {"转载", "转发", "转载自", "转发自"}),
        ("a{2,3}", {"aa", "aaa"}),
    ],
)
def test_literals_of_a_finite_pattern(pattern: str, want: set[str]) -> None:
    assert literals(pattern) == want


@pytest.mark.parametrize("pattern", ["转载(?=请)", "^来源", "a+", "[^a]b", "(?i)next", "a?", "来.源"])
def test_a_pattern_that_is_no_finite_set_stays_a_regex(pattern: str) -> None:
    assert literals(pattern) is None


def test_whitespace_and_digit_classes_expand_to_their_unicode_members() -> None:
    found = literals(r"[上下]\s?一")
    assert found is not None and {"上一", "下 一", "上\u3000一", "下\u00a0一"} <= found
    digits = literals(r"\.\d")
    assert digits is not None and {".0", ".9", ".０", ".٣"} <= digits


@pytest.mark.parametrize("trigger", SHIPPED_TRIGGERS)
def test_every_shipped_trigger_finds_what_its_regex_finds(trigger: str) -> None:
    lits = literals(trigger)
    if lits is None:
        return  # kept as a regex: searched as before
    pattern = re.compile(trigger)
    # texts built from the literals' own characters (and a few others), cut and glued at random
    alphabet = sorted({c for lit in lits for c in lit if len(lits) < 200} | set("中 a\n.，"))
    rng = random.Random(trigger)
    for _ in range(400):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8)))
        if rng.random() < 0.5:
            text += rng.choice(sorted(lits)) + rng.choice(alphabet)
        assert (pattern.search(text) is not None) == any(lit in text for lit in lits), repr(text)


BLOCKS = (
    "上一篇：市政府召开常务会议",
    "本文来源：晋中日报 责任编辑：解玮",
    "转载请注明出处 www.example.com",
    "下 一篇 走进新时代",
    "这是一段普通的新闻正文，没有任何页脚。",
    "版权所有 © 2020 某某网",
    "",
)


def test_keyfinder_answers_what_one_search_per_trigger_would() -> None:
    rules = [r for r in load_rules().by_label("boilerplate.") if r.extra.get("trigger")]
    finder = KeyFinder(rules)
    for text in BLOCKS:
        for pos in range(0, len(text) + 1, 3):
            for endpos in (None, max(pos, len(text) - 2)):
                end = len(text) if endpos is None else endpos
                want = [r for trig, rs in finder.groups if trig.search(text, pos, end) for r in rs]
                assert finder.triggered(text, pos, endpos) == want, (text, pos, endpos)


def test_keyfinder_blocks_come_from_one_pass_over_the_document() -> None:
    rules = [r for r in load_rules().by_label("boilerplate.") if r.extra.get("trigger")]
    finder = KeyFinder(rules)
    doc = _doc(*BLOCKS)
    want = [i for i, b in enumerate(doc.blocks)
            if any(t.search(doc.text, b.start, b.end) for t, _ in finder.groups)]
    assert finder.blocks(doc) == want
    assert want  # the page has footers: the test can fail
    assert doc.cache["match.triggers.keys"].blocks  # cached for the next detector


def test_a_trigger_added_later_is_found_in_texts_seen_before() -> None:
    index = LiteralIndex()
    first = KeyFinder([_rule("a", "上一篇", "上一篇")], index)
    text = "上一篇 下一篇 标签：新闻"
    doc = _doc("正文", text)
    assert [r.id for r in first.triggered(text, doc=doc)] == ["a"]  # remembered for the page now
    assert first.blocks(doc) == [1]
    second = KeyFinder([_rule("b", "标签：", "标签")], index)
    assert [r.id for r in second.triggered(text)] == ["b"]
    assert [r.id for r in second.triggered(text, doc=doc)] == ["b"]
    assert [r.id for r in second.triggered(text, doc=doc, index=1)] == ["b"]
    assert second.blocks(doc) == [1]


def test_block_hits_are_the_hits_of_the_block_text() -> None:
    rules = [r for r in load_rules().by_label("boilerplate.") if r.extra.get("trigger")]
    KeyFinder(rules)
    doc = _doc(*BLOCKS, "正文 上一篇", "下一篇：末尾")
    for i, block in enumerate(doc.blocks):
        text = doc.text[block.start : block.end]
        assert KEY_TRIGGERS.block_hits(doc, i).spans == KEY_TRIGGERS.hits(text).spans, text


def test_keyfinder_given_the_block_answers_as_from_its_text() -> None:
    rules = [r for r in load_rules().by_label("boilerplate.") if r.extra.get("trigger")]
    finder = KeyFinder(rules)
    doc = _doc(*BLOCKS)
    for i, block in enumerate(doc.blocks):
        text = doc.text[block.start : block.end]
        for pos in range(0, len(text) + 1, 2):
            for endpos in (None, max(pos, len(text) - 2)):
                want = finder.triggered(text, pos, endpos)
                assert finder.triggered(text, pos, endpos, doc=doc, index=i) == want, (text, pos, endpos)
                assert finder.triggered(text, pos, endpos, doc=doc) == want, (text, pos, endpos)
        want_hits = [m.span() for m in finder.finditer(text)]
        assert [m.span() for m in finder.finditer(text, doc=doc, index=i)] == want_hits


def test_hits_are_remembered_for_one_page_only() -> None:
    """A page's texts are remembered in its ``doc.cache``, never in the index: a memo keyed by text
    that outlives its page makes repeated passes over the same pages look faster than a crawl."""
    index = LiteralIndex()
    index.add("上一篇|标签")
    text = "上一篇 标签：新闻"
    page, other = _doc(text), _doc(text)
    first = index.hits(text, page)
    assert first.spans and index.hits(text, page) is first  # shared within the page
    assert index.hits(text, other) is not first  # the next page scans again
    assert index.hits(text) is not first
    attributes = [getattr(index, name) for name in dir(index) if not name.startswith("__")]
    assert not any(isinstance(v, dict) and text in v for v in attributes)


def test_a_rule_without_a_literal_trigger_is_searched_as_a_regex() -> None:
    finder = KeyFinder([_rule("r", r"来源[:：]\S+", r"来源(?=[:：])"), _rule("x", "相关阅读", None)])
    assert [r.id for r in finder.triggered("来源：新华社")] == ["x", "r"]
    assert [r.id for r in finder.triggered("来源于网络")] == ["x"]
    doc = _doc("正文", "来源：新华社")
    assert finder.blocks(doc) == [0, 1]  # a rule without trigger: every block


def test_shipped_detectors_share_one_index() -> None:
    from newsieve.filters import Sieve

    by_name = {d.name: d for d in Sieve().detectors}
    finders = [
        by_name["boilerplate"].scanner.keys,  # type: ignore[attr-defined]
        by_name["related"].stop,  # type: ignore[attr-defined]
        by_name["damage"].footers,  # type: ignore[attr-defined]
    ]
    assert all(f.index is KEY_TRIGGERS for f in finders)


@pytest.mark.parametrize(("first_chars", "shortest"), [(5, 1), (200, 1), (5, 2), (200, 2)])
def test_scanner_finds_every_occurrence(first_chars: int, shortest: int) -> None:
    """All occurrences, overlapping ones too, by start and longest first (one trie regex or
    several; words of two characters or more: a first/second character pass), by the Python
    scanner and by the one in use (the C one where built: ``tests/test_native_scan.py``)."""
    from newsieve.filters._match import LiteralScanner

    rng = random.Random(first_chars * shortest)
    alphabet = [chr(0x4E00 + i) for i in range(first_chars)]
    words = {rng.choice(alphabet) + "".join(rng.choice(alphabet[:12])
                                            for _ in range(rng.randint(shortest - 1, 2)))
             for _ in range(400)}
    python = LiteralScanner(words, native=False)
    # one-character words: a class of their own (and a trie regex for the others); else the
    # first/second character pass
    assert (python._single is not None) == (python._trie is not None) == (shortest == 1)
    assert (python._pairs is not None) == (shortest >= 2)
    for scanner in (python, LiteralScanner(words)):
        for _ in range(300):
            text = "".join(rng.choice(alphabet[:12] + alphabet[-12:] + ["a"]) for _ in range(40))
            want = sorted(((i, w) for w in words for i in range(len(text)) if text.startswith(w, i)),
                          key=lambda hit: (hit[0], -len(hit[1])))
            assert scanner.scan(text) == want
            assert scanner.scan(text, 5, 30) == [(i, w) for i, w in want if i >= 5 and i + len(w) <= 30]


def test_trie_branches_at_the_top_start_with_their_character() -> None:
    """The regex engine skips ahead to the next place a word can start only when every top-level
    branch starts with a plain character (a `[...]` branch there made the footer pass 6x slower)."""
    from re import _parser  # type: ignore[attr-defined]

    from newsieve.filters._match import trie_alternation

    words = ["年", "余", ".", ".5", ".6", "，。", "，；", "上一篇", "下一篇", "#", "©"]
    pattern = trie_alternation(words)
    assert re.fullmatch(f"(?:{pattern})", ".5") and not re.search(pattern, "今天")
    (op, av), = list(_parser.parse(pattern))
    if str(op) == "SUBPATTERN":
        (op, av), = list(av[3])
    assert str(op) == "BRANCH"
    assert all(str(branch[0][0]) == "LITERAL" for branch in av[1]), pattern


def test_keyfinder_after_the_document_pass_answers_for_every_block() -> None:
    """The document pass remembers the blocks with a trigger; a block without one is scanned when
    asked about: either way ``triggered`` says what one search per trigger would."""
    rules = [r for r in load_rules().by_label("boilerplate.")
             if r.extra.get("trigger") and literals(str(r.extra["trigger"])) is not None]
    finder = KeyFinder(rules)
    doc = _doc(*BLOCKS, "这是另一段没有页脚的正文，写于文档扫描之后。")
    assert finder.blocks(doc)
    assert finder.exact_only
    for block in doc.blocks:
        text = doc.text[block.start : block.end]
        want = [r for trig, rs in finder.groups if trig.search(text) for r in rs]
        assert finder.triggered(text) == want, text


def test_regex_trigger_gate() -> None:
    """A gated index registers the characters a regex trigger starts with as a trigger of literals, and
    ``regex_blocks`` makes no pass over a page without one of them: same blocks as without the gate."""
    gated, plain = LiteralIndex("gated", gates=True), LiteralIndex("plain")
    trigger = r"篇\s*[)）]"
    tid, other = gated.add(trigger), plain.add(trigger)
    assert not gated.exact[tid] and gated.exact[gated.gates[tid]]
    assert plain.gates == {}
    pages = (("铜梁办公室装修 (1篇 )", "上一篇：春季", "共 3 篇）"), ("没有", "计数"), ("一篇文章", "x"))
    for lines in pages:
        assert gated.regex_blocks(_doc(*lines), tid) == plain.regex_blocks(_doc(*lines), other)
    assert gated.regex_blocks(_doc("铜梁办公室装修 (1篇 )", "没有", "共 3 篇）"), tid) == [0, 2]
    letters = LiteralIndex("letters", gates=True)
    assert letters.gates.get(letters.add("[a-z0-9][a-z0-9]{11}")) is None  # 36 characters: no gate
