"""Near-duplicate signatures: one-permutation MinHash over character shingles, banded for LSH.

Reposts of one news item differ in what each repost site added or cut (footers, ads,
stripped digits), so exact hashes miss them. Each article's cleaned text gets a MinHash
signature of ``BINS`` 32-bit values (one-permutation hashing: each 4-character shingle is
hashed once, the hash's top bits pick a bin, each bin keeps its minimum). ``signatures``
computes a whole batch with one pass of numpy calls (a few microseconds per 5 KB article;
numpy's per-call overhead, not the hashing, is what a one-article call costs). The signature
is cut into ``BANDS`` bands of ``ROWS`` values; each band is folded into one 8-byte bucket
(``band_keys``), articles sharing any bucket are found through the LSH index (``Keys.lsh``,
one hash per time window) and become candidates, which the publish script confirms by
estimating the Jaccard similarity from the two signatures (``estimate``).

With ``BANDS`` = 6 bands of ``ROWS`` = 2 rows, a pair at Jaccard similarity s is a candidate with
probability 1 - (1 - s**2)**6 (the S-curve): 0.982 at 0.7 (the default ``near_dup_threshold``),
0.998 at 0.8, 0.931 at 0.6, 0.822 at 0.5, 0.432 at 0.3, 0.217 at 0.2, 0.059 at 0.1. Candidates
below the threshold are rejected by the estimate (from all ``BINS`` bins, not the 12 banded
ones), at the cost of one signature read each. Every band costs the publish script one field
read per window and one written, so bands are few: 10 bands of 3 rows (0.985 at 0.7, 0.999 at
0.8, 0.24 at 0.3) cost ~4 µs more server CPU per article (bench_storage.py) for the same curve
above the threshold and fewer low-similarity candidates; 16 bands of 4 rows cost 60% more. The
reposts in ``tests/fixtures/storage-reposts.json`` share 5 and 6 of the 6 bands with their
original (estimates 0.86 and 0.97-0.98).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["BANDS", "BINS", "EMPTY", "ROWS", "band_keys", "bands", "estimate", "signature", "signatures"]

SHINGLE = 4  # UTF-16 code units (characters, for Chinese): news text has no spaces, so words are no unit
BINS = 64
BANDS = 6  # each band is one field read in each window's index and one written: server time
ROWS = 2  # 12 of the 64 bins make the bands; all 64 make the estimate
MIN_CHARS = 40  # shorter texts are never called near-duplicates (too little evidence)
EMPTY = 0xFFFFFFFF  # value of a bin no shingle fell into
# Multiplicative hashing: the high bits of shingle * odd constant depend on every input bit.
# The top 6 bits pick the bin; the next 32 are the value kept (its minimum per bin).
_K = np.uint64(0x9E3779B97F4A7C15)
_BIN_BITS = 6
_BIN_SHIFT = np.uint64(64 - _BIN_BITS)
_VALUE_SHIFT = np.uint64(64 - _BIN_BITS - 32)
_ALL_ONES = np.iinfo(np.uint64).max  # -> EMPTY after the shift
_FOLD = np.uint64(0xFF51AFD7ED558CCD)  # murmur3's fmix constant: mixes a band's rows into 8 bytes
_BAND_SEEDS = (np.arange(BANDS, dtype=np.uint64) + np.uint64(1)) * _K  # a band's index is in its key
_SHIFT_29 = np.uint64(29)


# Whether each UTF-16 code unit is whitespace (``str.split`` drops it): none above U+3000 (a test
# checks), no surrogate, no character outside the BMP.
_LAST_SPACE = 0x3000
_SPACE = np.zeros(0x10000, dtype=bool)
_SPACE[: _LAST_SPACE + 1] = [chr(c).isspace() for c in range(_LAST_SPACE + 1)]
_LOW_SURROGATE = 0xDC00  # ... to 0xDFFF: the second unit of a character outside the BMP


def signatures(texts: Sequence[str]) -> list[bytes]:
    """``signature`` of each text, computed for the whole batch at once."""
    out = [b""] * len(texts)
    if not texts:
        return out
    # The whitespace is dropped in numpy over the batch's UTF-16 code units: ``"".join(t.split())``
    # calls a function per character of CJK text (~3 ns each, more than all the hashing).
    units = np.frombuffer("".join(texts).encode("utf-16-le", "surrogatepass"), dtype="<u2")
    sizes = np.fromiter(map(len, texts), dtype=np.intp, count=len(texts))
    bmp = len(units) == int(sizes.sum())
    if not bmp:  # a character outside the BMP: a surrogate pair each
        units_of = (len(t.encode("utf-16-le", "surrogatepass")) // 2 for t in texts)
        sizes = np.fromiter(units_of, dtype=np.intp, count=len(texts))
    keep = ~_SPACE.take(units)
    some = sizes > 0
    starts = (np.cumsum(sizes) - sizes)[some]  # reduceat: each text's sum up to the next start

    def per_text(flags: np.ndarray) -> np.ndarray:
        counts = np.zeros(len(texts), dtype=np.intp)
        if len(starts):
            counts[some] = np.add.reduceat(flags, starts, dtype=np.intp)
        return counts

    kept = per_text(keep)  # UTF-16 units left in each text
    chars = kept  # characters left (MIN_CHARS counts characters)
    if not bmp:
        chars = kept - per_text(keep & (units >= _LOW_SURROGATE) & (units <= 0xDFFF))
    live_mask = chars >= MIN_CHARS
    if not live_mask.all():
        dead = np.repeat(~live_mask, sizes)
        keep &= ~dead
    live = np.flatnonzero(live_mask).tolist()
    if not live:
        return out
    lengths = kept[live_mask]
    code = units[keep]
    total = len(code)
    n = total - SHINGLE + 1
    # Each shingle is the 8 bytes at every 2-byte step: a strided view, no copy. The last SHINGLE - 1
    # shingles of each text run into the next text: they are dropped.
    shingles = np.ndarray((n,), dtype="<u8", buffer=code.data, offset=0, strides=(2,))
    with np.errstate(over="ignore"):
        h = shingles * _K
    slot = (h >> _BIN_SHIFT).view(np.intp)  # < 64: the same bits either way
    slot += np.repeat(np.arange(0, len(live) * BINS, BINS, dtype=np.intp), lengths)[:n]
    ends = np.cumsum(lengths)
    trash = len(live) * BINS  # one more slot, never read: where the shingles across two texts go
    for back in range(1, SHINGLE):
        cut = ends - back
        slot[cut[cut < n]] = trash
    mins = np.full(trash + 1, _ALL_ONES, dtype=np.uint64)
    np.minimum.at(mins, slot, h)
    # An empty bin keeps all ones, which the shift and truncation turn into EMPTY. (A filled bin
    # whose value is EMPTY by chance, p = 2**-32, counts as empty: harmless.)
    sigs = (mins[:trash] >> _VALUE_SHIFT).astype("<u4").tobytes()
    width = 4 * BINS
    for j, i in enumerate(live):
        out[i] = sigs[j * width : (j + 1) * width]
    return out


def signature(text: str) -> bytes:
    """The signature (``BINS`` little-endian uint32) of ``text``; ``b""`` for short texts."""
    return signatures([text])[0]


def band_keys(sigs: Sequence[bytes]) -> list[bytes]:
    """The LSH buckets of each signature: 8 bytes per band without an empty bin, concatenated
    (``b""`` for ``b""``). A bucket folds the band's index and its ``ROWS`` values; two articles
    share one when that band of their signatures is equal (or, p ~ 2**-64, by chance: the
    publish script confirms every candidate with ``estimate``'s comparison)."""
    live = [i for i, s in enumerate(sigs) if s]
    out = [b""] * len(sigs)
    if not live:
        return out
    table = np.frombuffer(b"".join([sigs[i] for i in live]), dtype="<u4").reshape(len(live), BINS)
    values = table[:, : BANDS * ROWS].astype(np.uint64).reshape(len(live), BANDS, ROWS)
    empty = (values == EMPTY).any(axis=2)
    key = values[:, :, 0] ^ _BAND_SEEDS  # in place from here: a few numpy calls on tiny arrays
    for r in range(ROWS):
        if r:
            key ^= values[:, :, r]
        key *= _FOLD  # wraps around (integer arrays do not warn)
        key ^= key >> _SHIFT_29
    packed = key.astype("<u8", copy=False)
    if not empty.any():  # the usual case: slices of one buffer, no numpy call per signature
        flat, width = packed.tobytes(), 8 * BANDS
        for j, i in enumerate(live):
            out[i] = flat[j * width : (j + 1) * width]
        return out
    for j, i in enumerate(live):
        out[i] = packed[j][~empty[j]].tobytes()
    return out


_EMPTY_HEX = "ffffffff"


def bands(sig: bytes) -> list[str]:
    """One readable name per band (``""`` for a band with an empty bin); none for ``b""``."""
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
