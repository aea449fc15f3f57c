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


# -- the cheaper forms of scans (speed rewrites: each must answer what the form it replaced did) ---------


def _random_texts(seed: int, alphabet_ranges: list[tuple[int, int]], count: int = 3000) -> list[str]:
    import random

    rng = random.Random(seed)
    return ["".join(chr(rng.randint(*rng.choice(alphabet_ranges))) for _ in range(rng.randint(0, 12)))
            for _ in range(count)]


EDGES = [(0, 0x7F), (0x33F0, 0x3410), (0x4E00, 0x4E10), (0x9FF0, 0xA010), (0xD7F0, 0xE010), (0xFFF0, 0x10010),
         (0x1F600, 0x1F610), (0x10FFF0, 0x10FFFF)]


def test_count_cjk_counts_what_the_regex_finds() -> None:
    import re

    from newsieve.filters._text import count_cjk

    runs = re.compile("[\u3400-\u9fff]+")
    for text in _random_texts(1, EDGES):
        assert count_cjk(text) == sum(map(len, runs.findall(text))), repr(text)
    assert count_cjk("白癜风 abc 㐀") == 4


def test_astral_check_answers_what_the_regex_did() -> None:
    import re

    from newsieve.filters.normalize import _has_astral

    astral = re.compile("[\U00010000-\U0010ffff]")
    for text in _random_texts(2, EDGES):
        assert _has_astral(text) == (astral.search(text) is not None), repr(text)


def test_a_run_regex_finds_the_runs_of_its_characters() -> None:
    import re

    from newsieve.filters.normalize import _run_of

    chars = "於後愛－"
    texts = _random_texts(3, [(ord(c), ord(c)) for c in chars] + [(0x4E00, 0x4E02)])
    plain, fast = re.compile(f"[{chars}]+"), re.compile(_run_of(chars))
    for text in texts:
        assert [m.span() for m in fast.finditer(text)] == [m.span() for m in plain.finditer(text)]


def test_caseless_matches_what_the_flag_matched() -> None:
    import re

    from newsieve.filters._match import caseless

    letters = [(0x41, 0x5A), (0x61, 0x7A), (0x130, 0x131), (0x17F, 0x17F), (0x212A, 0x212A)]
    texts = _random_texts(4, letters, 20000)
    for word in ("www", "info", "vip", "hk", "Ks"):
        flagged, plain = re.compile(re.escape(word), re.IGNORECASE), re.compile(caseless(word))
        for text in texts:
            assert [m.span() for m in plain.finditer(text)] == [m.span() for m in flagged.finditer(text)]
    assert re.fullmatch(caseless("hk"), "H\u212a")  # the Kelvin sign is a `k` to the flag


def test_ascii_letters_fold_to_what_the_table_says() -> None:
    import re

    from newsieve.filters._match import ASCII_FOLDS_BEYOND_ASCII, char_chunks

    letters = re.compile("[A-Za-z]", re.IGNORECASE)
    found = "".join(ch for chunk in char_chunks() for ch in letters.findall(chunk))
    for low in "abcdefghijklmnopqrstuvwxyz":
        folds = {ch for ch in found if re.fullmatch(low, ch, re.IGNORECASE)}
        assert folds == {low, low.upper(), *ASCII_FOLDS_BEYOND_ASCII.get(low, "")}, low


def test_url_hint_finds_what_its_case_insensitive_form_found() -> None:
    import random
    import re

    from newsieve.filters.detectors._ads import _URL_HINT

    first = re.compile(r"://|www\.|\.(?:com|cn|net|org|cc|top|vip|xyz|info|hk|tv|me)", re.IGNORECASE)
    rng = random.Random(5)
    alphabet = ":/.wWcoCOmMnNetTvViİıpkK\u212ah中 \n"
    for _ in range(20000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14)))
        assert [m.span() for m in _URL_HINT.finditer(text)] == [m.span() for m in first.finditer(text)], text


def test_the_one_scan_shortcut_gives_the_view_of_the_full_path() -> None:
    """A text without format or unsafe characters skips the format pass and the unsafe scan (one
    scan of both classes says so): the view and its offsets must be those of the full path."""
    import random

    from newsieve.filters import normalize as nz

    nz._tables()
    rng = random.Random(7)
    pieces = ["白癜风", "治療", "ＱＱ", "Ab", "À", "\u200b", "\ufeff", " ", ".", "★", "\U0001f600", "，", "x"]
    shortcut = 0
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 8)))
        out, index = nz._drop(text, None, nz._FORMAT)
        out = nz._translate(out)
        out, index = nz._drop(out, index, nz._GAP)
        want = nz.NormalizedText(out, index, len(text))
        got = nz.normalize(text)
        assert got.text == want.text, repr(text)
        assert [got.to_original(i, i + 1) for i in range(len(got.text))] == [
            want.to_original(i, i + 1) for i in range(len(want.text))
        ], repr(text)
        shortcut += nz._FAST is not None and nz._FAST.quiet.search(text) is None
    assert 300 < shortcut < 2700  # both paths were taken
