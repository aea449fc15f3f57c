"""Bytes to str: pick the charset of a page, and tell HTML from plain text.

Precedence (first that decodes the bytes strictly wins)::

    str input                       returned as is                       source "str"
    charset argument                what the HTTP header said            source "argument"
    charset= in content_type        the same header, unparsed            source "content-type"
    byte-order mark                 UTF-8, UTF-16, UTF-32                source "bom"
    <meta charset> / http-equiv     in the first META_SCAN_BYTES         source "meta"
    detection                       UTF-8 check, then GB18030 or Big5     source "detected"
                                    when only one decodes strictly, else
                                    charset-normalizer on a bounded prefix
    fallback                        best candidate, errors="replace"      source "fallback"

A declared charset that is wrong (the strict decode fails: the header says utf-8 but the
bytes are GBK) falls through to the next step; a declared GBK that Big5 also decodes strictly
(or the reverse) is checked by detection, as Big5 bytes often decode "strictly" as GBK
nonsense. One exception to the order: bytes that are
valid UTF-8 and hold multi-byte sequences are UTF-8 even when a legacy charset (GBK,
Big5, Latin-1...) is declared, because Chinese UTF-8 text very often decodes "strictly"
as GBK (every byte pair lands in GBK's ranges) while GBK text is practically never valid
UTF-8. GB2312 and GBK are decoded as their superset GB18030, Big5 as Big5-HKSCS.
Nothing is ever lost: when no charset decodes strictly, the best candidate is decoded
with replacement characters (U+FFFD), which the damage detector flags as mojibake.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field, replace

from newsieve.exceptions import DecodeError

__all__ = ["Decoded", "decode", "looks_like_html", "normalize_charset"]

META_SCAN_BYTES = 8192
"""How far into the page to look for ``<meta charset>``. The HTML standard's prescan reads
1024 bytes, but old Chinese portal pages (sina, 163 in zh-web-content-extraction) put
several KB of inline script before their meta tag."""

DETECT_PREFIX_BYTES = 64 * 1024
"""charset-normalizer only ever sees this many bytes, so detection stays bounded on huge
inputs (the 20 MB test input never reaches here: the size limit comes first)."""

MAX_FALLBACK_DAMAGE = 0.01
"""When no charset decodes strictly, a Chinese (or UTF-8) reading with at most this share of
replacement characters is kept (zh-web-content-extraction has a GBK page cut mid-character:
2 bad bytes in 47 KB), before any other charset is guessed."""

SUSPECT_MIN = 3
"""Private-use characters or kana in a declared GBK (or Big5) reading before the other Chinese
charset is considered (see ``_chinese_declared``); read in the first ``SUSPECT_SCAN_CHARS``."""
SUSPECT_SCAN_CHARS = 65536
_SUSPECT = re.compile("[\ue000-\uf8ff\u3040-\u30ff]")

SNIFF_CHARS = 2048
"""How much of the text ``looks_like_html`` reads when no content type says."""

# Labels browsers and servers use for the charsets we decode as a superset.
_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "gb_2312": "gb18030",
    "csgb2312": "gb18030",
    "chinese": "gb18030",
    "cp936": "gb18030",
    "ms936": "gb18030",
    "windows-936": "gb18030",
    "euc-cn": "gb18030",
    "euccn": "gb18030",
    "gb18030": "gb18030",
    "big5": "big5hkscs",
    "big-5": "big5hkscs",
    "big5-hkscs": "big5hkscs",
    "cn-big5": "big5hkscs",
    "x-x-big5": "big5hkscs",
    "csbig5": "big5hkscs",
    "cp950": "big5hkscs",
    "utf8": "utf-8",
    "unicode-1-1-utf-8": "utf-8",
    # The HTML standard reads these labels as windows-1252, which (unlike latin-1) has
    # undefined bytes, so a wrong declaration can fail a strict decode and fall through.
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
}

_CHINESE = ("gb18030", "big5hkscs")
_WESTERN = frozenset({"cp1252", "iso8859-1", "iso8859-15", "ascii"})

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

_CT_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([\w.:+-]+)", re.IGNORECASE)
_META_CHARSET = re.compile(rb"<meta\b[^>]*?\bcharset\s*=\s*[\"']?\s*([\w.:+-]+)", re.IGNORECASE)
_HTML_SNIFF = re.compile(
    r"<(?:!doctype\s+html|html|head|body|meta|title|div|p|br|table|script|a\s+href)\b", re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    charset: str | None
    """The Python codec the text was decoded with (``None`` for str input)."""
    source: str
    """Which step decided: str, argument, content-type, bom, meta, detected, fallback."""
    utf8: bytes | None = field(default=None, repr=False)
    """The input bytes when they are exactly ``text`` in UTF-8 (a strict UTF-8 or ASCII reading
    without a BOM): the parser can take them as they are instead of encoding ``text`` again."""


def normalize_charset(name: str) -> str | None:
    """The Python codec for a charset label, or ``None`` when Python knows no such codec.

    >>> normalize_charset("GB2312"), normalize_charset("Big5"), normalize_charset("nope")
    ('gb18030', 'big5hkscs', None)
    """
    label = name.strip().strip("\"'").lower()
    if not label:
        return None
    label = _ALIASES.get(label, label)
    try:
        codec = codecs.lookup(label).name
    except LookupError:
        return None
    return _ALIASES.get(codec, codec)


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _utf8_multibyte(data: bytes) -> str | None:
    """The text when ``data`` is valid UTF-8 with at least one non-ASCII character."""
    if data.isascii():
        return None
    return _strict(data, "utf-8")


def _meta_charset(data: bytes) -> str | None:
    match = _META_CHARSET.search(data[:META_SCAN_BYTES])
    if not match:
        return None
    return normalize_charset(match.group(1).decode("ascii", "replace"))


def _prefix(data: bytes) -> bytes:
    """At most DETECT_PREFIX_BYTES, cut after a newline or ``>`` so no character is split."""
    if len(data) <= DETECT_PREFIX_BYTES:
        return data
    head = data[:DETECT_PREFIX_BYTES]
    cut = max(head.rfind(b"\n"), head.rfind(b">"))
    return head[: cut + 1] if cut > 0 else head


def _detect(data: bytes, *, chinese_only: bool) -> str | None:
    """charset-normalizer's guess on a bounded prefix.

    Unrestricted, it names Cyrillic or Kazakh code pages for some GBK portal pages of
    zh-web-content-extraction (markup outweighs text there), so it is first asked to
    choose between the Chinese charsets only; that gets all 43 GBK pages of the set."""
    from charset_normalizer import from_bytes

    isolation = list(_CHINESE) if chinese_only else None
    best = from_bytes(_prefix(data), cp_isolation=isolation).best()
    return normalize_charset(best.encoding) if best is not None else None


def _chinese_declared(data: bytes, text: str, codec: str, source: str) -> Decoded:
    """A page declared GBK (or Big5) that decodes strictly as declared. Big5 bytes very often
    decode "strictly" as GBK too, into nonsense (`城區` -> private-use characters and kana):
    when the declared reading holds such characters (``SUSPECT_MIN``), the other Chinese
    charset reads the bytes strictly without any, and detection names it, the other reading
    wins. Otherwise the declaration stands (detection alone is unreliable on short texts:
    GBK `中文` is also valid Big5, and charset-normalizer prefers Big5 for it)."""
    if len(_SUSPECT.findall(text, 0, SUSPECT_SCAN_CHARS)) < SUSPECT_MIN:
        return Decoded(text, codec, source)
    other = _CHINESE[1] if codec == _CHINESE[0] else _CHINESE[0]
    other_text = _strict(data, other)
    if other_text is None or _SUSPECT.search(other_text, 0, SUSPECT_SCAN_CHARS) is not None:
        return Decoded(text, codec, source)
    if _detect(data, chinese_only=True) == other:
        return Decoded(other_text, other, "detected")
    return Decoded(text, codec, source)


def _least_damaged(data: bytes, codecs_: list[str]) -> str:
    """The codec whose lenient decode of a prefix has the fewest replacement characters."""
    prefix = _prefix(data)
    return min(codecs_, key=lambda c: prefix.decode(c, "replace").count("\ufffd"))


def decode(data: bytes | str, *, charset: str | None = None, content_type: str | None = None) -> Decoded:
    """Decode a page to str (see the module docstring for the order of the steps).

    >>> decode("中文".encode("gbk"), charset="gb2312")
    Decoded(text='中文', charset='gb18030', source='argument')
    >>> decode("中文".encode()).utf8 == "中文".encode()
    True

    Raises ``DecodeError`` when ``charset`` names no known charset.
    """
    if isinstance(data, str):
        return Decoded(data, None, "str")
    decoded = _decode(data, charset, content_type)
    # every UTF-8 reading but these two is strict (or ASCII) of the whole input: its text encodes
    # back to the very bytes
    if decoded.charset == "utf-8" and decoded.source not in ("bom", "fallback"):
        return replace(decoded, utf8=data)
    return decoded


def _decode(data: bytes, charset: str | None, content_type: str | None) -> Decoded:

    declared: list[tuple[str, str]] = []
    if charset:
        codec = normalize_charset(charset)
        if codec is None:
            raise DecodeError(f"unknown charset {charset!r}: not a charset name Python can decode")
        declared.append((codec, "argument"))
    if content_type:
        match = _CT_CHARSET.search(content_type)
        codec = normalize_charset(match.group(1)) if match else None
        if codec:  # an unusable label from a server is ignored, not fatal
            declared.append((codec, "content-type"))

    for bom, codec in _BOMS:
        if data.startswith(bom):
            bom_text = _strict(data, codec)
            if bom_text is not None:
                return Decoded(bom_text, codec.replace("-sig", ""), "bom")
            break

    meta = _meta_charset(data)
    if meta:
        declared.append((meta, "meta"))
    # Servers say ISO-8859-1 by default for pages that say otherwise in their meta: a
    # Western single-byte label is tried last, as it decodes almost any bytes "strictly".
    declared.sort(key=lambda item: item[0] in _WESTERN)

    utf8_text = _utf8_multibyte(data)
    if utf8_text is not None and any(codec != "utf-8" for codec, _ in declared):
        # valid multi-byte UTF-8 beats a legacy declaration (see the module docstring)
        first = declared[0]
        if first[0] == "utf-8":
            return Decoded(utf8_text, "utf-8", first[1])
        return Decoded(utf8_text, "utf-8", "detected")

    tried: list[str] = []
    for codec, source in declared:
        if codec in tried:
            continue
        tried.append(codec)
        # (a UTF-8 page is not decoded twice: utf8_text is its strict reading already)
        text = utf8_text if codec == "utf-8" and utf8_text is not None else _strict(data, codec)
        if text is not None:
            if codec in _CHINESE:
                return _chinese_declared(data, text, codec, source)
            return Decoded(text, codec, source)

    if data.isascii():
        return Decoded(data.decode("ascii"), "utf-8", "detected")
    if utf8_text is not None:
        return Decoded(utf8_text, "utf-8", "detected")

    # Detection only chooses between the Chinese charsets that decode strictly: when one of
    # them does (a GBK page is rarely valid Big5) or none does, it is not asked at all.
    readings = {codec: _strict(data, codec) for codec in _CHINESE if codec not in tried}
    strict = [codec for codec, text in readings.items() if text is not None]
    if len(strict) > 1:
        detected = _detect(data, chinese_only=True)
        strict.sort(key=lambda codec: codec != detected)  # stable: GB18030 before Big5 otherwise
    for codec in strict:
        text = readings[codec]
        if text is not None:
            return Decoded(text, codec, "detected")

    # Nothing decodes strictly. A page cut mid-character (or with a few bad bytes) is still
    # Chinese: keep the Chinese reading when it costs few replacement characters.
    if tried:
        return Decoded(data.decode(tried[0], "replace"), tried[0], "fallback")
    best = _least_damaged(data, ["utf-8", *_CHINESE])
    damage = _prefix(data).decode(best, "replace").count("\ufffd")
    if damage <= MAX_FALLBACK_DAMAGE * min(len(data), DETECT_PREFIX_BYTES):
        return Decoded(data.decode(best, "replace"), best, "fallback")
    other = _detect(data, chinese_only=False)
    if other:
        text = _strict(data, other)
        if text is not None:
            return Decoded(text, other, "detected")
    return Decoded(data.decode(best, "replace"), best, "fallback")


def looks_like_html(text: str, content_type: str | None) -> bool:
    """Whether ``text`` is HTML: the content type decides when it names a type, else a sniff."""
    if content_type:
        mime = content_type.split(";", 1)[0].strip().lower()
        if mime:
            return "html" in mime or mime.endswith("+xml") or mime == "application/xml"
    return _HTML_SNIFF.search(text[:SNIFF_CHARS]) is not None
