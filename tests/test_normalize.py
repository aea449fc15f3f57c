"""The normalized view: each dodge is undone, and offsets map back to the original text."""

from __future__ import annotations

import pytest

from newsieve.filters.normalize import CACHE_KEY, normalize, normalized_view
from newsieve.filters.types import Block, Document

VARIANTS = {"白颠风": "白癜风", "牛皮鲜": "牛皮癣", "颠痫": "癫痫", "白dian风": "白癜风"}


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("北京哪家治療白癜風正規", "北京哪家治疗白癜风正规"),  # traditional
        ("ＱＱ：１２３４５６７", "qq:1234567"),  # full-width forms, case
        ("白\u200b癜\u200d风", "白癜风"),  # zero-width characters
        ("白 癜 风", "白癜风"),  # spaces inserted
        ("白.癜.风", "白癜风"),  # dots inserted
        ("白\u3000癜\u3000风", "白癜风"),  # ideographic spaces
        ("白颠风医院", "白癜风医院"),  # homophone
        ("颠痫和牛皮鲜", "癫痫和牛皮癣"),
        ("牛 皮 鲜", "牛皮癣"),  # spaced and homophone at once
        ("白★癜♥风", "白癜风"),  # symbols inserted
        ("白\U0001F600癜风", "白癜风"),  # an emoji inserted
        ("癲癇", "癫痫"),
        ("白dian风", "白癜风"),  # pinyin for one character
    ],
)
def test_dodges_are_undone(raw: str, want: str) -> None:
    assert normalize(raw, VARIANTS).text == want


@pytest.mark.parametrize(
    "raw",
    [
        "今天天气很好，我们去公园。",  # Chinese punctuation is not a gap
        "第一段\n第二段",  # newlines keep blocks apart
        "华为 Mate 30 发布",  # spaces next to Latin text stay
        "甲    乙",  # a run of 4+ spaces is layout, not a dodge
    ],
)
def test_ordinary_text_keeps_its_separators(raw: str) -> None:
    view = normalize(raw, VARIANTS)
    assert view.index is None  # nothing dropped: one character for one
    assert len(view.text) == len(raw)
    assert view.text.count("\n") == raw.count("\n")


def test_offsets_map_back_to_the_original() -> None:
    raw = "前文。南 宁 牛 皮 鲜 医 院 哪 家 好 后文"
    view = normalize(raw, VARIANTS)
    i = view.text.index("南宁牛皮癣医院")
    start, end = view.to_original(i, i + len("南宁牛皮癣医院哪家好"))
    assert raw[start:end] == "南 宁 牛 皮 鲜 医 院 哪 家 好"
    assert view.from_original(raw.index("后文")) == view.text.index("后文")


def test_zero_width_offsets() -> None:
    raw = "ab白\u200b癜风cd"
    view = normalize(raw)
    i = view.text.index("白癜风")
    start, end = view.to_original(i, i + 3)
    assert raw[start:end] == "白\u200b癜风"


def test_unchanged_length_has_no_index() -> None:
    view = normalize("北京哪家治療白癜風正規 HTTP://X.COM")
    assert view.index is None
    assert view.text == "北京哪家治疗白癜风正规 http://x.com"
    assert view.to_original(2, 5) == (2, 5)


def test_view_is_cached_on_the_document() -> None:
    text = "白 癜 风"
    doc = Document(text=text, blocks=[Block(text, 0, len(text))])
    first = normalized_view(doc, VARIANTS)
    assert doc.cache[CACHE_KEY] is first
    assert normalized_view(doc, VARIANTS) is first


def test_fast_translation_is_the_table_applied_once() -> None:
    """The fast path (lower(), str.replace, a regex over the rest) gives what the plain table does,
    also for texts with characters it must leave to the plain path (`À`, Greek, an emoji)."""
    import random

    from newsieve.filters import normalize as norm

    table, mapped = norm._tables()
    pool = [chr(c) for c in (*range(0x20, 0x250), *range(0x370, 0x450), *range(0xFF00, 0xFF70),
                             *range(0x2160, 0x2190), *range(0x24B6, 0x24EA))]
    pool += [*"白癜風中國們，：（）\u3000薴苧İẞ", "\U00010400", "\U0001F600"]
    rng = random.Random(7)
    for _ in range(20000):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 10)))
        assert norm._translate(text) == mapped.sub(lambda m: m.group().translate(table), text), repr(text)


def test_gap_pattern_finds_what_the_look_behind_form_does() -> None:
    """`_GAP` starts with the separator (fast); the plain form starts with the look-behind."""
    import random
    import re

    from newsieve.filters import normalize as norm

    plain = re.compile(rf"(?<=[{norm._CJK}]){norm._GAP_CHAR}{{1,{norm.GAP_MAX}}}(?=[{norm._CJK}])")
    alphabet = "白癜风中 .-*★♥\t/|\U0001F600ab1，"
    rng = random.Random(11)
    for _ in range(50000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        assert [m.span() for m in norm._GAP.finditer(text)] == [m.span() for m in plain.finditer(text)], text
