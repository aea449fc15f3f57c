"""Near-duplicate signatures: one-permutation MinHash over character shingles, banded for LSH.

Reposts of one news item differ in what each repost site added or cut (footers, ads,
stripped digits), so exact hashes miss them. Each article's cleaned text gets a MinHash
signature of ``BINS`` 32-bit values (one-permutation hashing: each 4-character shingle is
hashed once, the hash's top bits pick a bin, each bin keeps its minimum), computed with
numpy in tens of microseconds for a 5 KB article. The signature is cut into ``BANDS`` bands
of ``ROWS`` values; articles sharing any band value are found through the LSH index
(``Keys.lsh``, one hash per time window) and become candidates, which the publish script confirms by
estimating the Jaccard similarity from the two signatures (``estimate``).

With 16 bands of 4 rows a pair at Jaccard 0.7 is a candidate with probability 0.99, a
pair at 0.3 with 0.12 (then rejected by the estimate).
"""

from __future__ import annotations

import numpy as np

__all__ = ["BANDS", "BINS", "EMPTY", "ROWS", "bands", "estimate", "signature"]

SHINGLE = 4  # UTF-16 code units (characters, for Chinese): news text has no spaces, so words are no unit
BINS = 64
BANDS = 16
ROWS = BINS // BANDS
MIN_CHARS = 40  # shorter texts are never called near-duplicates (too little evidence)
EMPTY = 0xFFFFFFFF  # value of a bin no shingle fell into
# Multiplicative hashing: the high bits of shingle * odd constant depend on every input bit.
# The top 6 bits pick the bin; the next 32 are the value kept (its minimum per bin).
_K = np.uint64(0x9E3779B97F4A7C15)
_BIN_SHIFT = np.uint64(64 - 6)
_VALUE_SHIFT = np.uint64(64 - 6 - 32)
_NOTHING = np.full(BINS, np.iinfo(np.uint64).max, dtype=np.uint64)  # -> EMPTY after the shift


def signature(text: str) -> bytes:
    """The signature (``BINS`` little-endian uint32) of ``text``; ``b""`` for short texts.

    About 25 µs for a 5 KB article: a handful of numpy calls, whatever the length.
    """
    compact = "".join(text.split())
    if len(compact) < MIN_CHARS:
        return b""
    raw = compact.encode("utf-16-le")
    n = len(raw) // 2 - SHINGLE + 1
    # Each shingle is the 8 bytes at every 2-byte step: a strided view, no copy.
    shingles = np.ndarray((n,), dtype="<u8", buffer=raw, offset=0, strides=(2,))
    with np.errstate(over="ignore"):
        h = shingles * _K
    mins = _NOTHING.copy()
    np.minimum.at(mins, (h >> _BIN_SHIFT).astype(np.intp), h)
    # An empty bin keeps all ones, which the shift and truncation turn into EMPTY. (A filled bin
    # whose value is EMPTY by chance, p = 2**-32, counts as empty: harmless.)
    return (mins >> _VALUE_SHIFT).astype("<u4").tobytes()


_EMPTY_HEX = "ffffffff"


def bands(sig: bytes) -> list[str]:
    """One bucket name per band (``""`` for a band with an empty bin); none for ``b""``."""
    if not sig:
        return []
    hx = sig.hex()
    width = ROWS * 8
    out = []
    for b in range(0, BANDS * width, width):
        band = hx[b : b + width]
        if _EMPTY_HEX in band and any(band[i : i + 8] == _EMPTY_HEX for i in range(0, width, 8)):
            out.append("")
        else:
            out.append(band)
    return out


def estimate(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of the shingle sets behind two signatures."""
    if not a or not b:
        return 0.0
    x = np.frombuffer(a, dtype="<u4")
    y = np.frombuffer(b, dtype="<u4")
    both = (x != EMPTY) & (y != EMPTY)
    if not both.any():
        return 0.0
    return float(((x == y) & both).sum() / both.sum())
