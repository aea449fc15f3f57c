"""Main-content extraction: HTML or plain text to one ``Document``.

HTML, in one pass over the lexbor tree (selectolax):

1. Read the head (``<title>``, ``og:title``, author and date meta tags) and the h1s.
2. Walk the body once, in document order, cutting the text into *units* (paragraphs): a
   unit is the text of one block element (``p``, ``div``, ``td``, ``li``...) between its
   child blocks and ``<br>`` s, with the characters and hrefs of its links. The walk passes
   over what is never the article, whole: ``script``/``style``... and
   ``nav``/``aside``/``footer``/``header``, hidden elements and elements whose class or id
   say comments, menus, breadcrumbs or hot lists (``data/extract/patterns.toml``; in C, or
   removed by ``prune`` before the Python walk).
3. Score containers the Readability way, counted in characters because Chinese has no
   spaces: each unit adds ``1 + punctuation + min(chars / 100, 3)`` to the block that holds
   it, half of that to the next ancestor and a third to the one above; a container's score
   is then scaled by ``1 - link density`` and nudged by its class/id. The best container,
   plus siblings that score nearly as well, is the main content.
4. Emit the main units as blocks, link-only paragraphs included (injected ads are the
   detectors' to label), but not link lists, info lines, breadcrumbs or copyright lines;
   then the units that follow the main content in the same region as ``tail`` blocks.

Steps 1 to 3 live in ``_tree.py``, text helpers and metadata patterns in ``_text.py``.

Plain text: each line is a block, long lines holding many paragraphs are split (see
``_text.split_line``), and a short first line is the title.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser

from . import _text
from ._text import squash
from ._tree import Meta, Unit, choose_main, link_lists, native_enabled, read_page, reads_in_place
from .types import Block, BlockKind, Document

__all__ = ["extract_html", "extract_text", "markup_over"]

# -- thresholds -----------------------------------------------------------------------------
TAIL_MAX_UNITS = 20
"""At most this many units after the main content become tail blocks (d-0005's
`div.pages`: WeChat footer lines, a repost notice and the 上一篇/下一篇 list)."""

MIN_MAIN_CHARS = 200
"""When the main content found is shorter than this (non-space characters), the page is
extracted again without the class/id pruning, as Readability.js retries without its
"unlikely candidates" removal: a page wrapper named `Page-ad-margins` or
`wrapper-boxed header-style-2` (scrapinghub-aeb) holds the whole article."""

TITLE_SCAN_UNITS = 200
"""How many units are searched for a headline that matches a part of <title>."""

HEAD_META_UNITS = 12
"""How many units before the main content are read for the info line (date, source)."""

_KIND: dict[str, BlockKind] = {
    "h2": "heading", "h3": "heading", "h4": "heading", "h5": "heading", "h6": "heading",
    "li": "li", "figcaption": "caption", "caption": "caption",
}
_BREADCRUMB = re.compile(r"^(?:当前位置|您的位置|你的位置|所在位置|您现在的位置|现在位置)\s*[:：]")
_COPYRIGHT = re.compile(r"ICP[备证]|公网安备|Copyright|©|\(c\)\s*\d{4}|版权所有\s*[©(（]", re.IGNORECASE)
# What a line must hold before _COPYRIGHT is tried on it (so a mixed-case `Icp备` is not taken),
# as one regex scan rather than nine `in` tests.
_COPYRIGHT_HINTS = re.compile(r"ICP|icp|公网安备|opyright|OPYRIGHT|©|\(c\)|\(C\)|版权所有")
COPYRIGHT_MAX_CHARS = 150
"""A copyright/ICP line is short; a paragraph that mentions copyright is article text."""

_SPACES = re.compile(r"\s+")
_META_DATE_KEYS = (
    "article:published_time", "og:article:published_time", "pubdate", "publishdate", "publish_date",
    "publishtime", "publish-date", "date", "dc.date", "dc.date.issued", "datepublished", "sailthru.date",
)


# -- documents ------------------------------------------------------------------------------


def _head(titles: list[str], metas: list[Meta], times: list[str]) -> tuple[str, str, dict[str, str]]:
    """<title>, og:title and metadata from meta tags and <time>, as ``read_page`` found them:
    the first of each wins."""
    doc_title = next((t for t in titles if t), "")
    og_title = ""
    meta: dict[str, str] = {}
    for prop, name, itemprop, content in metas:
        key = (prop or name or itemprop).strip().lower()
        if not key or not content:
            continue
        if key == "og:title" and not og_title:
            og_title = content
        elif key in _META_DATE_KEYS and "published_at" not in meta:
            date = _text.iso_date(content)
            if date:
                meta["published_at"] = date
        elif key in ("author", "article:author", "dc.creator") and "author" not in meta:
            author = _text.clean_meta_value(content)
            if author and "://" not in author:
                meta["author"] = author
    time_value = next((t for t in times if t), "")
    if "published_at" not in meta and time_value:
        date = _text.iso_date(time_value)
        if date:
            meta["published_at"] = date
    return doc_title, og_title, meta


def _site(url: str | None) -> str | None:
    if not url:
        return None
    host = urlsplit(url).hostname
    return host or None


def _merge_meta(meta: dict[str, str], found: dict[str, str]) -> None:
    for key, value in found.items():
        meta.setdefault(key, value)


_Entry = tuple[str, BlockKind, int, list[str]]


def _assemble(
    title: str,
    body: list[_Entry],
    *,
    url: str | None,
    meta: dict[str, str],
    content_type: str = "text/html",
) -> Document:
    """Join the blocks (the title block first) into one text, with their offsets."""
    # (``blocks.append``, not a bound method in a local: compiled, the method is a call in C, the
    # local a generic call; 221k -> 208k instructions a page, 71 blocks, most of it their __init__)
    blocks: list[Block] = []
    texts: list[str] = []
    pos = 0
    if title:
        blocks.append(Block(title, 0, len(title), "title", 0, []))
        texts.append(title)
        pos = len(title) + 1  # past the line break
    for text, kind, link_chars, links in body:
        end = pos + len(text)
        blocks.append(Block(text, pos, end, kind, link_chars, links))
        texts.append(text)
        pos = end + 1
    return Document(
        text="\n".join(texts),
        blocks=blocks,
        title=title,
        url=url,
        site=_site(url),
        content_type=content_type,
        meta=meta,
    )


_TOKEN = re.compile(r"<(?:(!--)|(/?)([A-Za-z][A-Za-z0-9]*))")
_RAW_END = {
    name: re.compile(f"</{name}", re.IGNORECASE | re.ASCII) for name in ("script", "style", "textarea", "xmp")
}
_RAW_NAMES = frozenset(_RAW_END)
_NO_DEPTH = frozenset((
    # void elements, and elements the parser closes when the next one opens (`<li><li>` are
    # siblings) or that a page has once: they never deepen the tree on their own
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr", "basefont", "bgsound", "frame", "keygen", "p", "li", "dt", "dd", "option",
    "optgroup", "tr", "td", "th", "tbody", "thead", "tfoot", "colgroup", "caption", "rb", "rt",
    "rp", "rtc", "html", "head", "body",
))


_SPACE = "\t\n\f\r "
_ATTRIBUTE = re.compile(
    rf"[{_SPACE}/]*([^{_SPACE}/>][^{_SPACE}/>=]*)[{_SPACE}]*"
    rf"""(?:=[{_SPACE}]*(?:"[^"]*"?|'[^']*'?|[^{_SPACE}>]*))?"""
)
"""One attribute of a start tag as the HTML tokenizer reads it: a name (ending at space, ``/``,
``>`` or ``=``; its first character may be any other), then maybe ``=`` and a value, quoted or
ending at space or ``>``."""
_TAG_END = re.compile(f"[{_SPACE}/]*>?")


def markup_over(html: str, max_depth: int, max_attributes: int) -> tuple[str, int] | None:
    """``("depth", n)`` when the elements of ``html`` nest deeper than ``max_depth``, or
    ``("attributes", n)`` when a start tag has more than ``max_attributes`` attributes (``n``:
    the first estimate over the limit), estimated from its tags alone; None when neither.

    Both make lexbor's parse time grow with their square (200,000 nested divs or one element
    with 100,000 attributes: minutes). A stack of open tags, not a parse (that is what this
    guards): an end tag closes the nearest open element of its name and all opened after it, an
    end tag with none open is passed over (as the parser does: `<div></span>` nests), comments
    and the text of scripts and styles are skipped. Misnested and unclosed tags stay open, so
    the depth errs high; on the 1,452 real pages of the shared corpora it is at most 68, and no
    element has over 40 attributes. In Python, a page that cannot go over either limit (too few
    tags, too short for so many attributes: each takes two characters) is not scanned.

    >>> markup_over("<div><p>a<br><div>b</div></div>" * 3, 5, 100) is None
    True
    >>> markup_over("<div></span>" * 50, 10, 100)
    ('depth', 11)
    >>> markup_over("<p " + "a/" * 200 + ">", 10, 100)
    ('attributes', 101)
    """
    if native_enabled():  # the same scan in C
        from ._lexwalk import markup_over as scan  # (built: native_enabled says so)

        # Not behind the test below: counting the `<` is a pass over the page (134k instructions a
        # page of bench_filters) that spared the scan only on pages under 2,000 characters, where
        # the scan costs next to nothing.
        return scan(html, max_depth, max_attributes, _NO_DEPTH, _RAW_NAMES)
    few_tags = html.count("<") <= max_depth
    if few_tags and len(html) < 2 * max_attributes:
        return None
    # In Python the scan is a loop over every tag (~0.8 ms a page of bench_filters): it runs only
    # where it can find something, too many tags or a start tag with too many attributes found by
    # one regex search (in scripts and comments too, which the scan then passes over)
    if few_tags and _many_attributes(max_attributes).search(html) is None:
        return None
    return _markup_over(html, max_depth, max_attributes)


@lru_cache(maxsize=4)
def _many_attributes(limit: int) -> re.Pattern[str]:
    """A start tag with more than ``limit`` attributes, read as ``_count_attributes`` reads them:
    each attribute one atomic group with possessive parts, so that a tag with fewer fails at its
    end without trying to cut its names otherwise (linear time)."""
    attribute = (
        rf"(?>[{_SPACE}/]*+[^{_SPACE}/>][^{_SPACE}/>=]*+[{_SPACE}]*+"
        rf"""(?:=[{_SPACE}]*+(?:"[^"]*+"?|'[^']*+'?|[^{_SPACE}>]*+))?+)"""
    )
    return re.compile(rf"<[A-Za-z][A-Za-z0-9]*+{attribute}{{{limit + 1}}}")


def _count_attributes(html: str, pos: int, limit: int) -> tuple[int, int]:
    """The attributes of the start tag whose name ends at ``pos`` (up to ``limit + 1``), and
    where the tag ends (past its ``>``)."""
    count = 0
    match = _ATTRIBUTE.match
    while (m := match(html, pos)) is not None and m.group(1) is not None:
        count += 1
        pos = m.end()
        if count > limit:
            return count, pos
    end = _TAG_END.match(html, pos)
    return count, end.end() if end is not None else pos


def _markup_over(html: str, max_depth: int, max_attributes: int) -> tuple[str, int] | None:
    stack: list[str] = []
    open_count: dict[str, int] = {}
    no_depth, search, pos = _NO_DEPTH, _TOKEN.search, 0
    while (m := search(html, pos)) is not None:
        pos = m.end()
        if m.group(1):  # a comment
            close = html.find("-->", pos)
            pos = len(html) if close < 0 else close + 3
            continue
        name = m.group(3).lower()
        if m.group(2):  # an end tag
            if open_count.get(name):
                while (top := stack.pop()) != name:
                    open_count[top] -= 1
                open_count[name] -= 1
            continue
        count, pos = _count_attributes(html, pos, max_attributes)
        if count > max_attributes:
            return "attributes", count
        raw_end = _RAW_END.get(name)
        if raw_end is not None:  # its text is not markup
            close_tag = raw_end.search(html, pos)
            pos = len(html) if close_tag is None else close_tag.end()
            continue
        if name not in no_depth:
            stack.append(name)
            open_count[name] = open_count.get(name, 0) + 1
            if len(stack) > max_depth:
                return "depth", len(stack)
    return None


def extract_html(html: str, *, url: str | None = None, utf8: bytes | None = None) -> Document:
    """The article of an HTML page: title, paragraphs, tail blocks and metadata. ``utf8``: the
    page as UTF-8 bytes when the caller has them (the parser takes them as they are; else it
    encodes ``html``)."""
    source = html if utf8 is None else utf8
    parser = LexborHTMLParser(source)
    doc, main_chars = _extract(parser, url, by_class=True)
    if main_chars < MIN_MAIN_CHARS:
        # The C walk leaves the parsed page as it was: the retry reads the same parse (4 pages in
        # 100 of bench_filters retry: a parse saved is ~10 us a page on average). The Python
        # walk's ``prune`` removed elements from it: parsed anew.
        again = parser if reads_in_place() else LexborHTMLParser(source)
        retry, retry_chars = _extract(again, url, by_class=False)
        if retry_chars > main_chars:
            return retry
    return doc


def _extract(parser: LexborHTMLParser, url: str | None, *, by_class: bool) -> tuple[Document, int]:
    """The document, and the characters of its article blocks (not the title nor the tail;
    spaces not counted)."""
    page = read_page(parser, url, by_class=by_class)
    doc_title, og_title, meta = _head(page.titles, page.metas, page.times)
    tree = page.tree
    if tree is None:
        return _assemble(squash(doc_title), [], url=url, meta=meta), 0
    h1s: list[str] = []
    for found in page.h1s[:5]:
        h1 = squash(found)
        if h1:
            h1s.append(h1)
    title = _text.choose_title(doc_title, og_title, h1s)
    # (Units are read by unpacking or by index, not as ``unit.owner``: compiled, a tuple's item is
    # a read in C, a named field a generic attribute lookup. With lists of bools in place of
    # bytearrays (whose items are read by a generic call) and loops over indexes in place of
    # ``map``/``islice``, ``_extract`` went 2.15 -> 2.09 million instructions a page of bench_filters,
    # ``read_page``'s 1.4 million included.)
    units: list[Unit] = tree.units
    n_units = len(units)
    roots = choose_main(tree)

    end: list[int] = tree.end
    n_tags = len(tree.tags)
    lo, hi = 0, -1
    in_list: list[bool] | None = None
    main_idx: list[int] = []
    if roots:
        lo = min(roots)
        in_main = [False] * n_tags
        for r in roots:
            hi = max(hi, end[r])
            in_main[r : end[r] + 1] = [True] * (end[r] + 1 - r)
        for k in range(n_units):
            if in_main[units[k][0]]:  # (the unit's owner)
                main_idx.append(k)
        lists = sorted(link_lists(tree, roots))
        if lists:
            in_list = [False] * n_tags
            for a in lists:
                if not in_list[a]:
                    in_list[a : end[a] + 1] = [True] * (end[a] + 1 - a)
    if not main_idx:
        main_idx = list(range(n_units))

    if not h1s and doc_title:
        # no h1: a headline in the page that is one part of <title> (`新华网 - 标题`) wins
        parts = set(_text.title_parts(squash(doc_title)))
        for unit in units[:TITLE_SCAN_UNITS] if parts else ():  # (no separator, no part to find)
            if unit.text in parts:
                title = unit.text
                break
    norm_title = _SPACES.sub("", title)
    first, last = (main_idx[0], main_idx[-1]) if main_idx else (0, -1)
    # metadata: the info line before the content, then the first and last paragraphs
    for k in range(max(0, first - HEAD_META_UNITS), first):
        text = units[k][1]
        if _text.is_info_line(text):
            _merge_meta(meta, _text.info_fields(text))
        elif (name := _text.byline(text)) is not None:
            meta.setdefault("author", name)
    body_blocks: list[_Entry] = []
    main_chars = 0
    started = False
    tags: list[str] = tree.tags
    breadcrumb, hint, copyright_ = _BREADCRUMB.match, _COPYRIGHT_HINTS.search, _COPYRIGHT.search
    for k in main_idx:
        owner, text, chars, link_chars, links = units[k]
        # a breadcrumb or a copyright/ICP line (substring checks before the regexes; inline,
        # not a call a unit: ~3 us a page)
        if len(text) <= COPYRIGHT_MAX_CHARS and (
            ("位置" in text and breadcrumb(text)) or (hint(text) and copyright_(text))
        ):
            continue
        if not started:
            # (whitespace only shortens a text: a shorter one cannot be the title)
            if len(text) >= len(norm_title) and _SPACES.sub("", text) == norm_title:
                continue
            if _text.is_info_line(text):
                _merge_meta(meta, _text.info_fields(text))
                continue
        if in_list is not None and in_list[owner]:
            continue
        started = True
        body_blocks.append((text, _KIND.get(tags[owner], "p"), link_chars, links or []))
        main_chars += chars
    for entry in body_blocks[:3]:
        name = _text.reporter(entry[0])
        if name:
            meta.setdefault("author", name)
            break
    for entry in reversed(body_blocks[-3:]):
        name = _text.trailing_name(entry[0])
        if name:
            meta.setdefault("author", name)
            break

    # tail: what follows the main content in its region
    if roots:
        region = tree.parent[max(roots)]
        region_end = end[region] if region >= 0 else n_tags - 1
        region_start = region if region >= 0 else 0
        count = 0
        for k in range(last + 1, n_units):
            owner, text, _chars, link_chars, links = units[k]
            if count >= TAIL_MAX_UNITS or not (region_start <= owner <= region_end):
                break
            if lo <= owner <= hi:
                continue
            body_blocks.append((text, "tail", link_chars, links or []))
            count += 1
            if "责任编辑" in text:
                fields = _text.info_fields(text)
                if "editor" in fields:
                    meta.setdefault("editor", fields["editor"])

    meta["raw_title"] = squash(doc_title)
    return _assemble(title, body_blocks, url=url, meta=meta), main_chars


def extract_text(text: str, *, url: str | None = None) -> Document:
    """A plain-text page: lines (split when they hold many paragraphs), title, metadata."""
    lines = [ln.strip(_text.EDGE_SPACE) for ln in text.splitlines()]
    lines = [ln for ln in lines if ln]
    title = ""
    if len(lines) >= 2 and _text.looks_like_title(lines[0]):
        title = lines.pop(0)
    meta: dict[str, str] = {}
    body: list[_Entry] = []
    for n, line in enumerate(lines):
        if n < 3 and _text.is_info_line(line):
            _merge_meta(meta, _text.info_fields(line))
            continue
        for start, end in _text.split_line(line):
            piece = line[start:end].strip(_text.EDGE_SPACE)
            if piece:
                body.append((piece, "p", 0, _text.urls(piece)))
    for piece, *_rest in body[:3]:
        name = _text.reporter(piece)
        if name:
            meta.setdefault("author", name)
            break
    for piece, *_rest in reversed(body):
        name = _text.trailing_name(piece)
        if name:
            meta.setdefault("author", name)
            break
    return _assemble(title, body, url=url, meta=meta, content_type="text/plain")
