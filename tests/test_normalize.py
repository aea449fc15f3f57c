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
