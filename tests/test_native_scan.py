"""The word scanner in C (``filters/_scan.c``) against the Python one it replaces.

``LiteralScanner`` scans in C when the extension is built and ``NEWSIEVE_PURE_PYTHON`` is not
set; both must return the same list for every set of words, every text and every
``pos``/``endpos`` (the Python one is what pure-Python mode runs, and the verdict snapshots
compare the two modes).
"""

from __future__ import annotations

import os
import random
import subprocess
import sys

import pytest

from newsieve.filters import Sieve
from newsieve.filters import _match as match_mod
from newsieve.filters._match import KEY_TRIGGERS, TRIGGERS, LiteralScanner

LATIN1 = ["a", "b", "é", "ÿ", "\xa0", "\x00"]
BMP = ["来", "源", "于", "\u4e00", "，", "\uffff", "\ud800"]  # a lone surrogate is a str too
ASTRAL = ["😀", "𠀀", "\U0010ffff", "\U00010061", "\U00014e00"]  # low 16 bits of `a` and `一`
ALPHABET = LATIN1 + BMP + ASTRAL


@pytest.fixture(scope="module")
def native() -> None:
    if os.environ.get("NEWSIEVE_PURE_PYTHON", "") not in ("", "0"):
        pytest.skip("NEWSIEVE_PURE_PYTHON is set: the C scanner is off on purpose")
    if not match_mod.NATIVE_SCAN_BUILT:
        pytest.skip("newsieve.filters._scan is not built (setup.py build_ext; needs a C compiler)")


def _words(rng: random.Random, alphabet: list[str]) -> list[str]:
    """Words sharing prefixes, one-character ones, prefixes of others, repeats, an empty one."""
    words = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 4)))
             for _ in range(rng.randint(0, 25))]
    for word in list(words[:5]):
        words.append(word + rng.choice(alphabet))  # a word that is a prefix of another
        words.append(word)  # a repeat
    if rng.random() < 0.3:
        words.append("")
    rng.shuffle(words)
    return words


def _texts(rng: random.Random, alphabet: list[str]) -> list[str]:
    """Short texts of each PEP 393 kind (Latin-1, BMP, astral), mostly from the words' alphabet."""
    pools = [LATIN1, LATIN1 + BMP, ALPHABET]
    out = [""]
    for pool in pools:
        for _ in range(4):
            chars = [c for c in alphabet if c in pool] or pool
            out.append("".join(rng.choice(chars) for _ in range(rng.randint(1, 12))))
    return out


def test_the_c_scanner_is_built_and_in_use(native: None) -> None:
    # The README's install compiles it (setup.py); a silent fallback would hide a broken build.
    assert match_mod.native_scan_enabled()
    assert LiteralScanner(["来源"]).native
    Sieve()  # registers the detectors' triggers
    assert KEY_TRIGGERS._current()[0].native
    assert TRIGGERS._current()[0].native


def test_c_hits_are_the_words_given(native: None) -> None:
    words = ["来源", "来源于", "源于", "a"]
    scanner = LiteralScanner(words)
    found = scanner.scan("本文来源于网络a")
    assert found == [(2, "来源于"), (2, "来源"), (3, "源于"), (7, "a")]
    assert all(any(word is w for w in words) for _, word in found)  # no new str per hit


def test_c_scanner_matches_python_on_random_words_and_texts(native: None) -> None:
    rng = random.Random(20261127)
    for _ in range(300):
        alphabet = rng.sample(ALPHABET, rng.randint(1, 8))
        words = _words(rng, alphabet)
        c_scan = LiteralScanner(words, native=True)
        py_scan = LiteralScanner(words, native=False)
        assert len(c_scan) == len(py_scan)
        for text in _texts(rng, alphabet):
            assert c_scan.scan(text) == py_scan.scan(text), (words, text)
            for pos in range(-1, len(text) + 2):
                for end in [None, *range(-1, len(text) + 2)]:
                    want = py_scan.scan(text, pos, end)
                    assert c_scan.scan(text, pos, end) == want, (words, text, pos, end)


def test_c_scanner_matches_python_on_long_texts(native: None) -> None:
    # many words with shared first characters over long texts: the table probes and the bit
    # filters, not only the short cases
    rng = random.Random(7)
    alphabet = [chr(0x4E00 + i) for i in range(40)] + ASTRAL + LATIN1
    words = ["".join(rng.choice(alphabet[:20]) for _ in range(rng.randint(1, 5))) for _ in range(2000)]
    c_scan, py_scan = LiteralScanner(words, native=True), LiteralScanner(words, native=False)
    for _ in range(20):
        text = "".join(rng.choice(alphabet) for _ in range(3000))
        assert c_scan.scan(text) == py_scan.scan(text)
        assert c_scan.scan(text, 100, 2500) == py_scan.scan(text, 100, 2500)


def test_c_scanner_arguments(native: None) -> None:
    scanner = LiteralScanner(["ab", "b"])
    assert scanner.scan("abab", pos=1) == [(1, "b"), (2, "ab"), (3, "b")]
    assert scanner._native is not None
    assert scanner._native.scan(text="abab", endpos=2) == [(0, "ab"), (1, "b")]
    assert LiteralScanner([]).scan("ab") == []
    with pytest.raises(TypeError):
        scanner.scan(b"ab")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        scanner.scan("ab", None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        LiteralScanner(["ab", 1])  # type: ignore[list-item]


def test_pure_python_turns_the_c_scanner_off() -> None:
    script = "from newsieve.filters._match import LiteralScanner; print(LiteralScanner(['ab']).native)"
    env = dict(os.environ, NEWSIEVE_PURE_PYTHON="1")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env,
                          check=True, timeout=60)
    assert done.stdout.strip() == "False"
