"""The character steps of the normalized view in C (``filters/_norm.c``) against the Python ones.

``normalize`` runs them in C when the extension is built and ``NEWSIEVE_PURE_PYTHON`` is not set;
both must give the same view (text, offset map, variants) for every text (the Python steps are
what pure-Python mode runs, and the verdict snapshots compare the two modes).
"""

from __future__ import annotations

import os
import random
import re

import pytest

from newsieve.filters import normalize as norm
from newsieve.filters.normalize import NormalizedText, _Runs

# every class of the steps: format characters, gap characters (ASCII, symbols, an emoji), CJK
# (simplified, traditional, compatibility), full-width forms, capitals whose lower case the table
# treats apart (`À`, Greek, `İ`, the Kelvin sign), NFKC forms of several characters (`㎏`,
# `ﬁ`), newlines, astral characters, a lone surrogate
ALPHABET = [*("白癜风治療國中a Z. ·•*_~/|\\+^`'-#@=\n\t，：（）？；！％　ＱＱ１２．ｃ＿－À΢ΣİK\u00ad\u200b"
                "\ufeff\u2060\u3164\uffa0\u2192\u25cf\u2b50\u3400\u9fff\uf900\ufaff\u4dbf\ud800"
                "\u212a\u1e9e\u01c5\u338f\ufb01Ａ"),
            "😀", "🫠", "𠀀", "\U0010ffff", "\U0001f300", "\U0001faff"]


@pytest.fixture(scope="module")
def native() -> None:
    if os.environ.get("NEWSIEVE_PURE_PYTHON", "") not in ("", "0"):
        pytest.skip("NEWSIEVE_PURE_PYTHON is set: the C steps are off on purpose")
    if not norm.NATIVE_NORM_BUILT:
        pytest.skip("newsieve.filters._norm is not built (setup.py build_ext; needs a C compiler)")


def _state(runs: _Runs | None) -> object:
    if runs is None:
        return None
    return runs.starts, runs.origins, runs.linear, runs.lasts, runs.length


_ALNUM = re.compile("[a-z0-9]+")


def _view(view: NormalizedText) -> object:
    return view.text, _state(view.index), view.original_length, view.variants


def _alnum_run_known(view: NormalizedText) -> bool:
    """``alnum_run`` is the longest ``[a-z0-9]`` run of the view, or None after a variant."""
    if view.variants:
        return view.alnum_run is None
    return view.alnum_run == max(map(len, _ALNUM.findall(view.text)), default=0)


def test_the_c_steps_are_built_and_in_use(native: None) -> None:
    assert norm.native_norm_enabled()
    assert norm._native() is not None


def test_the_c_steps_give_the_python_steps_view(native: None) -> None:
    c_steps = norm._native()
    assert c_steps is not None
    rng = random.Random(5)
    dropped = 0
    for _ in range(30000):
        pool = ALPHABET if rng.random() < 0.5 else ALPHABET[:12]  # gaps between CJK more often
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 30)))
        want_text, want_runs = norm._python_steps(text)
        got_text, flat, longest = c_steps.normalize(text)
        got_runs = None if flat is None else norm._runs_of(flat)
        assert (got_text, _state(got_runs)) == (want_text, _state(want_runs)), text
        assert longest == max(map(len, _ALNUM.findall(want_text)), default=0), text
        dropped += want_runs is not None
    assert dropped > 5000


def test_normalize_is_the_same_in_both_modes(native: None, monkeypatch: pytest.MonkeyPatch) -> None:
    variants = {"白颠风": "白癜风", "颠": "癫", "牛皮鲜": "牛皮癣", "ab": "甲乙丙"}
    rng = random.Random(6)
    texts = ["".join(rng.choice([*ALPHABET, "颠", "鲜", "牛皮"]) for _ in range(rng.randint(0, 40)))
             for _ in range(5000)]
    texts += ["白 颠 风治療\u200b牛皮 鲜", "ＡＢ白.颠.风", ""]
    native_views = [_view(norm.normalize(t, variants)) for t in texts]
    assert all(_alnum_run_known(norm.normalize(t, variants)) for t in texts)
    monkeypatch.setenv("NEWSIEVE_PURE_PYTHON", "1")
    assert not norm.native_norm_enabled()
    assert [_view(norm.normalize(t, variants)) for t in texts] == native_views
    assert all(norm.normalize(t, variants).alnum_run is None for t in texts)


def test_a_token_trigger_is_skipped_only_without_a_run_that_long(native: None) -> None:
    """``_ads.regex_trigger_spans`` answers [] from ``alnum_run`` for a token trigger: the same
    spans as the regex, whatever the view."""
    from newsieve.filters._match import TRIGGERS
    from newsieve.filters.detectors import _ads
    from newsieve.filters.types import Document

    tid = TRIGGERS.add("[a-z0-9][a-z0-9]{11}")
    assert _ads._alnum_run_length(TRIGGERS.patterns[tid].pattern) == 12
    variants = {"dian": "癜"}
    rng = random.Random(7)
    pool = [*"ab09Z中 .\u200b", "dian"]
    for _ in range(3000):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 40)))
        view = norm.normalize(text, variants)
        doc = Document(text=text, blocks=[])
        want = [m.span() for m in TRIGGERS.patterns[tid].finditer(view.text)]
        assert _ads.regex_trigger_spans(doc, view, tid) == want, text


def test_count_cjk_counts_as_the_regex_does() -> None:
    # in C where _norm is built (and not turned off), else by UTF-16 bytes: either way what the
    # regex counts, on every string kind and the range's edges
    from newsieve.filters._text import count_cjk

    rng = random.Random(5)
    alphabet = "a中\u3400\u33ff\u9fff\ua000😀\u4e00é\x00"
    for _ in range(5000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        assert count_cjk(text) == sum(map(len, re.findall("[\u3400-\u9fff]+", text))), text


def test_count_cjk_runs_in_c(native: None) -> None:
    from newsieve.filters import _text

    assert _text._count_range is not None
    assert _text.count_cjk("中文 and 𠀀\u3400\u9fff\ua000") == 4
