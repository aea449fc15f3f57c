"""Text helpers of extraction: whitespace, plain-text paragraph splitting, titles, metadata.

Pure functions over str, shared by ``extract_html`` and ``extract_text``. Patterns that are
data (selectors, class names, separators, placeholder names) live in
``data/extract/patterns.toml``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from newsieve.exceptions import RulesError

from ._native import pure_python

PATTERNS_FILE = Path(__file__).parent / "data" / "extract" / "patterns.toml"

# -- character classes ----------------------------------------------------------------------
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# CJK text and the punctuation that may close a paragraph (ASCII `)` as in `(刘冬冬)`, `?`
# as in `??` where the repost site lost emoji).
_LEFT = _HAN + "。！？；…”’）》」』】)?!"
_RIGHT = _HAN + "“‘（《「『【—"
_MID_PUNCT_SPACED = re.compile(r"[，、：；][ \t\u3000\xa0]")

# -- whitespace -----------------------------------------------------------------------------
_LINE_EDGE = " \t\r\f\v\xa0\u3000"
EDGE_SPACE = " \t\r\n\f\v\xa0\u3000\u200b\ufeff"


_CJK_HIGH_BYTES = bytes(range(0x34, 0xA0))


def count_cjk(text: str) -> int:
    """How many characters of ``text`` are in U+3400..U+9FFF: ``sum(map(len, re.findall(
    "[\u3400-\u9fff]+", text)))``. One loop in C where ``_norm`` is built (~10x faster than the
    Python way); else 4x faster than that regex: in UTF-16 a character of that range is one code
    unit whose high byte is 0x34..0x9F, any other character's units (surrogates: 0xD8..0xDF) have
    another."""
    if _count_range is not None:
        return _count_range(text, 0x3400, 0x9FFF)
    high = text.encode("utf-16-be", "surrogatepass")[0::2]
    return len(high) - len(high.translate(None, _CJK_HIGH_BYTES))


def _native_count_range() -> Callable[[str, int, int], int] | None:
    if pure_python():
        return None
    try:
        from ._norm import count_range
    except ImportError:  # not built: the Python way
        return None
    return count_range


_count_range = _native_count_range()


def squash(text: str) -> str:
    """One paragraph's whitespace: a hard line break between Chinese characters is removed
    (old pages wrap lines inside a paragraph), other runs become one space, an ideographic
    space inside the text (`第一条\u3000为了`) stays; edges stripped.

    >>> squash("  第一行\\n第二行  and\\n  more ")
    '第一行第二行 and more'

    (``str.split`` rather than a regex: 10 times faster on a paragraph, and this runs on every
    unit of every page.)
    """
    if "\n" in text:
        lines = [ln for ln in (raw.strip(_LINE_EDGE) for raw in text.split("\n")) if ln]
        if len(lines) > 1:
            out = [lines[0]]
            for line in lines[1:]:
                out.append("" if out[-1][-1] in _JOIN_SET and line[0] in _JOIN_SET else " ")
                out.append(line)
            text = "".join(out)
        else:
            text = lines[0] if lines else ""
    if "\u3000" in text:
        text = " ".join(text.replace("\u3000", "\ue000").split()).replace("\ue000", "\u3000")
    else:
        text = " ".join(text.split())
    return text.strip(EDGE_SPACE)


# -- plain text -----------------------------------------------------------------------------
LONG_LINE_CHARS = 200
"""Only lines at least this long are split into paragraphs. The seed page puts its whole
article on one ~3,000-character line, paragraphs joined by single spaces; ordinary lines of
the dev set's text pages are single paragraphs, some with spaces inside."""

SPACED_PUNCT_MIN = 2
"""A line with this many "，␣"-style spaces after mid-sentence punctuation is typeset with a
space after punctuation (spamrepost-dev d-0010: `校长， 作为全国重点高中校长、 教育部`),
so a space there, even after `。`, is not a paragraph break: the line is not split."""

LIST_MIN_PIECES = 8
LIST_PIECE_MAX_CHARS = 12
LIST_SHARE = 0.8
"""A long line that would split into at least LIST_MIN_PIECES pieces, LIST_SHARE of them at most
LIST_PIECE_MAX_CHARS long, is a list of short items (a tag cloud of link texts cut to 5 characters,
chinesewebtext_cc_samples doc 14), not paragraphs joined by spaces: it stays one block, which the
detectors judge whole (a menu line) instead of as 40 words."""
LIST_LINE_MAX_CHARS = 1000
"""...up to this length: a tag cloud or a menu runs to a few hundred characters. A longer run of short
words is a keyword dump (a gne-test-pages page flattened to text holds one of 170,000 characters), split
as before so that the detectors judge it piece by piece and its size does not weigh as one removal."""

_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'，。）]+", re.IGNORECASE)
_GAP = re.compile(r"[ \t\u3000\xa0]+")


def split_line(line: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the paragraphs of one plain-text line.

    A long line is cut at a whitespace run between CJK text (`提速 目前`, `。 无论`,
    `(刘冬冬) 编辑丨解玮`) and after a bare URL followed by CJK text; never at a space next to
    Latin letters or digits (`Mate 20X 5G版`, `在 Windows 脚本`).
    """
    if len(line) < LONG_LINE_CHARS or len(_MID_PUNCT_SPACED.findall(line)) >= SPACED_PUNCT_MIN:
        return [(0, len(line))]
    url_ends = {m.end() for m in _URL.finditer(line)}
    cuts: list[tuple[int, int]] = []
    for gap in _GAP.finditer(line):
        start, end = gap.span()
        if start == 0 or end >= len(line):
            continue
        left, right = line[start - 1], line[end]
        if (left in _LEFT_SET and right in _RIGHT_SET) or (start in url_ends and right in _RIGHT_SET):
            cuts.append((start, end))
    out: list[tuple[int, int]] = []
    pos = 0
    for start, end in cuts:
        out.append((pos, start))
        pos = end
    out.append((pos, len(line)))
    out = [(a, b) for a, b in out if b > a]
    short = sum(1 for a, b in out if b - a <= LIST_PIECE_MAX_CHARS)
    if len(line) <= LIST_LINE_MAX_CHARS and len(out) >= LIST_MIN_PIECES and short >= LIST_SHARE * len(out):
        return [(0, len(line))]  # a list of short items (a tag cloud), not paragraphs: one block
    return out


def _char_set(ranges: str) -> frozenset[str]:
    out: set[str] = set()
    i = 0
    while i < len(ranges):
        if i + 2 < len(ranges) and ranges[i + 1] == "-":
            out.update(chr(c) for c in range(ord(ranges[i]), ord(ranges[i + 2]) + 1))
            i += 3
        else:
            out.add(ranges[i])
            i += 1
    return frozenset(out)


_LEFT_SET = _char_set(_LEFT)
_JOIN_SET = _char_set(_HAN + "，。！？；：、“”（）")
"""Characters between which a hard line break is dropped (`squash`)."""
_RIGHT_SET = _char_set(_RIGHT)


def urls(text: str) -> list[str]:
    """Bare URLs in a text, in order."""
    return [m.group(0) for m in _URL.finditer(text)]


TITLE_MAX_CHARS = 80
"""A plain-text first line longer than this is a paragraph, not a title (the dev set's
longest title is 57 characters)."""

_NOT_TITLE_END = tuple("。，、；：,;:")


def looks_like_title(line: str) -> bool:
    """A short first line that does not end like a sentence part (titles may end in ！ or ？)."""
    return 0 < len(line) <= TITLE_MAX_CHARS and not line.endswith(_NOT_TITLE_END) and not _URL.search(line)


# -- data -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Patterns:
    junk_tags: frozenset[str]
    boilerplate_tags: frozenset[str]
    boilerplate_roles: frozenset[str]
    unlikely: re.Pattern[str]
    """Class/id names that mark boilerplate (matched on the lower-cased `class id` string)..."""
    negative: re.Pattern[str]
    positive: re.Pattern[str]
    maybe: re.Pattern[str]
    """...unless their class or id matches this."""
    separators: tuple[str, ...]
    empty_values: frozenset[str]
    not_names: frozenset[str]


def _words(table: dict[str, Any], key: str) -> list[str]:
    values = table[key]
    if not isinstance(values, list) or not values or not all(isinstance(v, str) and v for v in values):
        raise TypeError(f"class_id.{key} must be a non-empty list of non-empty strings")
    return [v.lower() for v in values]


def _unlikely(table: dict[str, Any]) -> re.Pattern[str]:
    subs = "|".join(re.escape(u) for u in _words(table, "unlikely"))
    words = "|".join(re.escape(w) for w in _words(table, "unlikely_words"))
    return re.compile(rf"{subs}|(?:^|[\s])(?:{words})(?:$|[\s])")


def _maybe(table: dict[str, Any]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(m) for m in _words(table, "maybe")))


@lru_cache(maxsize=1)
def patterns() -> Patterns:
    try:
        data: dict[str, Any] = tomllib.loads(PATTERNS_FILE.read_text(encoding="utf-8"))
        return Patterns(
            junk_tags=frozenset(data["prune"]["junk_tags"]),
            boilerplate_tags=frozenset(data["prune"]["boilerplate_tags"]),
            boilerplate_roles=frozenset(data["prune"]["boilerplate_roles"]),
            unlikely=_unlikely(data["class_id"]),
            negative=re.compile(data["class_id"]["negative"]),
            positive=re.compile(data["class_id"]["positive"]),
            maybe=_maybe(data["class_id"]),
            separators=tuple(data["title"]["separators"]),
            empty_values=frozenset(v.lower() for v in data["metadata"]["empty_values"]),
            not_names=frozenset(data["metadata"]["not_names"]),
        )
    except (OSError, KeyError, TypeError, re.error, tomllib.TOMLDecodeError) as exc:
        raise RulesError(f"{PATTERNS_FILE}: invalid extraction patterns: {exc}") from exc


# -- titles ---------------------------------------------------------------------------------
MIN_TITLE_CHARS = 4
"""What is left of a <title> after its site suffix is cut must be at least this long
(`中华人民共和国监察法-纪检_新闻早知道` keeps `-纪检`, a 2-char part, inside the title)."""


def _norm_title(text: str) -> str:
    """``re.sub(r"\\s+", "", text)``: ``str.split()`` splits on the same characters as ``\\s`` (both
    ``Py_UNICODE_ISSPACE``), without a regex call per title and h1 (choose_title 37k -> 28k
    instructions a page on bench_filters)."""
    return "".join(text.split())


# A part cut off a <title> after the site name is cut, when it names a channel or a site too
# (`城区新增三处口袋公园 _ 新闻中心 _ 某某网`, `… | 澎湃新闻 - The Paper`); a part like `-纪检` stays.
_CHANNEL = re.compile(
    r"(?:网|网站|频道|中心|新闻|资讯|日报|晚报|早报|报|在线|门户|客户端|官网|首页|栏目)$"
    r"|^[A-Za-z][A-Za-z .&'-]*$"
)
# A marker a portal puts before or after a title: `【图】`, `(组图)`, `[视频]`.
_MARK = r"[【\[(（](?:组图|图|图文|多图|视频|高清)[】\])）]"
_TITLE_MARK = re.compile(rf"^\s*{_MARK}\s*|\s*{_MARK}\s*$")
_SEPARATOR_CHARS = EDGE_SPACE + "_|｜-—–·:"
_HAN_RE = re.compile(f"[{_HAN}]")


def strip_site_suffix(title: str) -> str:
    """Cut the last `_站名` / ` - 站名` / `|站名` part off a <title>, then any parts before it that
    name a channel or site, and a `【图】`-like marker.

    >>> strip_site_suffix("补壹刀：别笑！今天成立了_白癜风资讯网")
    '补壹刀：别笑！今天成立了'
    >>> strip_site_suffix("【图】城区新增三处口袋公园 _ 新闻中心 _ 某某网")
    '城区新增三处口袋公园'
    >>> strip_site_suffix("中华人民共和国监察法-纪检_新闻早知道")
    '中华人民共和国监察法-纪检'
    """
    head = _cut_suffix(title)
    if head is None:
        return title
    while True:
        shorter = _cut_suffix(head)
        part = head[len(shorter) :].strip(_SEPARATOR_CHARS) if shorter is not None else ""
        if shorter is None or not _CHANNEL.search(part) or (part.isascii() and not _HAN_RE.search(shorter)):
            break  # an English title's `— And They're Not Great` is the title's own
        head = shorter
    return _TITLE_MARK.sub("", head) or head


def _cut_suffix(title: str) -> str | None:
    """``title`` without its last separated part, when what is left is the longer and at least
    ``MIN_TITLE_CHARS`` long; else None."""
    cut, width = -1, 0
    for sep in patterns().separators:
        idx = title.rfind(sep)
        if idx > cut:
            cut, width = idx, len(sep)
    if cut <= 0:
        return None
    head = title[:cut].rstrip(_SEPARATOR_CHARS)  # `——`: the first dash goes too
    tail = title[cut + width :].strip(EDGE_SPACE)
    if len(head) >= MIN_TITLE_CHARS and len(tail) <= len(head):
        return head
    return None


def title_parts(title: str) -> list[str]:
    """The parts of a <title> between site separators, longest first (at least MIN_TITLE_CHARS).

    >>> title_parts("新华网 - 全省秋季造林任务全面完成")
    ['全省秋季造林任务全面完成']
    """
    parts = [title]
    for sep in patterns().separators:
        parts = [piece for part in parts for piece in part.split(sep)]
    out = [p.strip(EDGE_SPACE) for p in parts]
    return sorted((p for p in out if len(p) >= MIN_TITLE_CHARS and p != title), key=len, reverse=True)


def choose_title(doc_title: str, og_title: str, h1s: list[str]) -> str:
    """The title the candidates agree on: an h1 that <title> (or og:title) starts with or
    contains wins; else og:title or <title> without the site suffix; else the first h1."""
    doc_title = squash(doc_title)
    og_title = squash(og_title)
    stripped = {t: strip_site_suffix(t) for t in (doc_title, og_title) if t}  # (each once)
    heads = [_norm_title(t) for t in stripped.values()]
    for h1 in h1s:
        norm = _norm_title(h1)
        if len(norm) < MIN_TITLE_CHARS:
            continue
        for head in heads:
            # the h1 is the title (maybe shortened), or the title is a shortened h1; an h1
            # that is only the site name is neither
            is_title = norm in head and 2 * len(norm) >= len(head)
            longer = len(norm) <= 2 * len(head) + MIN_TITLE_CHARS  # not a whole box of text
            shortened = len(head) >= MIN_TITLE_CHARS and head in norm and longer
            if is_title or shortened:
                return h1
    if og_title:
        return stripped[og_title]
    if doc_title:
        title = stripped[doc_title]
        # an h1 that holds the title and a little more (`title：subtitle`), not a whole box of text
        long_h1 = [h for h in h1s if 2 * MIN_TITLE_CHARS <= len(h) <= 2 * len(title) + MIN_TITLE_CHARS]
        if long_h1 and _norm_title(title) in "".join(_norm_title(h) for h in h1s):
            return long_h1[0]
        return title
    return h1s[0] if h1s else ""


# -- metadata -------------------------------------------------------------------------------
_DATE = re.compile(
    r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[\sT]*(\d{1,2})\s*[:：时]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2}))?)?"
)
_FIELD_STOP = r"(?=$|\s|[|｜丨]|(?:时间|日期|来源|作者|编辑|责任编辑|点击|发布|阅读|浏览)[:：])"
_AUTHOR = re.compile(r"(?:作者|(?<![\u4e00-\u9fff])文)\s*[:：/|丨]\s*(\S{2,20}?)" + _FIELD_STOP)
_SOURCE = re.compile(r"来源\s*[:：]\s*(\S{2,30}?)" + _FIELD_STOP)
_EDITOR = re.compile(r"(?:责任编辑|(?<![\u4e00-\u9fff])编辑)\s*[:：]\s*(\S{2,20}?)" + _FIELD_STOP)
_NAME = rf"[{_HAN}]{{2,4}}"
_NAMES = rf"{_NAME}(?:[\s、，,](?!通讯员|实习生|摄影){_NAME})*"  # reporters, before `通讯员 …`
_REPORTER = re.compile(
    rf"[（(]\s*(?:本报|本台)?记者\s*({_NAMES})\s*(?:(?:通讯员|实习生|摄影)\s*{_NAMES}\s*)*[)）]"
)
_INFO_REPORTER = re.compile(rf"(?:本报|本台)?记者\s*[:：]?\s*({_NAMES})(?![\u4e00-\u9fff])")
_TRAILING_NAME = re.compile(rf"[。！？”\"」]\s*[（(]([{_HAN}]{{2,4}})[)）]\s*$")
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?")
_INFO_LABEL = re.compile(r"(?:时间|日期|发布|来源|作者|编辑|点击|浏览|阅读|字号)\s*[:：]")
DATE_LINE_MAX_CHARS = 30
"""A short line with a date and no sentence end (`2019年9月7日 10:30`) is a dateline."""
_VALUE = re.compile(r"\d[.,]\d")
INFO_LINE_MAX_CHARS = 120
"""An info line (`时间:2018-04-20 来源:未知 作者:admin 点击:`) is short; longer text with a
date in it is an article paragraph."""


def _may_date(text: str) -> bool:
    """Can ``_DATE`` match in ``text``? Every match starts with the year's `19` or `20`: two ``in``
    tests (memchr in C) instead of a regex search that tries each position (most lines hold no year)."""
    return "20" in text or "19" in text


def find_date(text: str) -> str | None:
    """ISO 8601 (`2019-09-07T10:30:00` or `2019-09-07`) of the first plausible date in text.

    >>> find_date("时间:2019年9月7日 10:30 来源:新华网")
    '2019-09-07T10:30:00'
    """
    if not _may_date(text):
        return None
    for m in _DATE.finditer(text):
        year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if not (1 <= month <= 12 and 1 <= day <= 31):
            continue
        out = f"{year:04d}-{month:02d}-{day:02d}"
        if m.group(4) is not None:
            hour, minute, second = int(m.group(4)), int(m.group(5)), int(m.group(6) or 0)
            if hour < 24 and minute < 60 and second < 60:
                out += f"T{hour:02d}:{minute:02d}:{second:02d}"
        return out
    return None


def iso_date(value: str) -> str | None:
    """A meta tag's date as ISO 8601: kept when already ISO, else read like text."""
    value = value.strip()
    if _ISO.fullmatch(value):
        return value.replace(" ", "T", 1)
    return find_date(value)


def _useful(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip(EDGE_SPACE + "：:，,。")
    if not value or value.lower() in patterns().empty_values:
        return None
    return value


_FIELDS = (
    ("author", _AUTHOR, ("文", "作者")),
    ("source", _SOURCE, ("来源",)),
    ("editor", _EDITOR, ("编辑",)),
)
"""The fields of an info line, each with the words its regex cannot match without."""


def info_fields(text: str) -> dict[str, str]:
    """author / source / editor / published_at read off one short info line."""
    out: dict[str, str] = {}
    if len(text) > INFO_LINE_MAX_CHARS:
        return out
    for key, rx, words in _FIELDS:
        if not any(word in text for word in words):
            continue  # (the regex cannot match: the substring test is ~10x cheaper)
        m = rx.search(text)
        value = _useful(m.group(1)) if m else None
        if value:
            out[key] = value
    if "author" not in out and "记者" in text and (m := _INFO_REPORTER.search(text)) is not None:
        out["author"] = _names(m.group(1))  # `本报记者 刘冬冬 2023-11-20`
        out["author"] = _names(m.group(1))
    date = find_date(text)
    if date:
        out["published_at"] = date
    return out


def is_info_line(text: str) -> bool:
    """A line that is only metadata (date, source, author, clicks): not article text."""
    if len(text) > INFO_LINE_MAX_CHARS:
        return False
    # (str.isdigit, wider than \d, mapped in C: ~3x the generator over the characters)
    if ":" not in text and "：" not in text and not any(map(str.isdigit, text)):
        return False
    # (literal tests before each regex, the same answers: a label ends with `:`/`：`, a date starts
    # with `19`/`20`; a sentence end is one of three characters, three `in` tests instead of a search)
    labels = len(_INFO_LABEL.findall(text)) if ":" in text or "：" in text else 0
    has_date = _may_date(text) and _DATE.search(text) is not None
    if labels >= 2 or (labels >= 1 and has_date):
        return True
    if not has_date or len(text) > DATE_LINE_MAX_CHARS or "。" in text or "！" in text or "？" in text:
        return False
    # a row of a table of dated values (`2022/03/21 1,841.69 57,283`, chinesewebtext_cc_samples
    # doc 39) is data, not a dateline
    return _VALUE.search(_DATE.sub("", text)) is None


def reporter(text: str) -> str | None:
    """`（记者 张三 李四）` → `张三 李四`."""
    if "记者" not in text:  # (the regex cannot match: ~10x cheaper than its search)
        return None
    m = _REPORTER.search(text)
    return _names(m.group(1)) if m else None


def _names(run: str) -> str:
    """`张三、李四` / `张三，李四` → `张三 李四`."""
    return " ".join(re.split(r"[\s、，,]+", run))


_BYLINE = re.compile(rf"^\s*(?:本报|本台)?(?:文|作者|撰文|记者)\s*[/|丨:：\s]\s*({_NAMES})\s*$")


def byline(text: str) -> str | None:
    """The author of a byline line of its own: `文/刘冬冬`, `本报记者 刘冬冬`, `（记者 刘冬冬
    通讯员 王芳）`; None for anything else.

    >>> byline("文/刘冬冬"), byline("本报记者 刘冬冬 王芳"), byline("记者在现场看到，市民排起长队。")
    ('刘冬冬', '刘冬冬 王芳', None)
    """
    m = _BYLINE.match(text)
    if m is not None:
        return _names(m.group(1))
    stripped = text.strip(EDGE_SPACE)
    return reporter(stripped) if stripped[:1] in "（(" and stripped[-1:] in ")）" else None


def trailing_name(text: str) -> str | None:
    """The `(刘冬冬)` closing a paragraph after its last sentence: 2 to 4 Chinese characters."""
    if not text.rstrip().endswith((")", "）")):  # (the regex cannot match: its search tries
        return None  # every sentence end of the paragraph)
    m = _TRAILING_NAME.search(text)
    if not m or m.group(1) in patterns().not_names:
        return None
    return m.group(1)


def clean_meta_value(value: str | None) -> str | None:
    return _useful(squash(value)) if value else None
