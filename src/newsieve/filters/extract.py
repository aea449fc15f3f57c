"""Main-content extraction: HTML or plain text to one ``Document``.

HTML, in one pass over the lexbor tree (selectolax):

1. Read the head (``<title>``, ``og:title``, author and date meta tags) and the h1s, then
   remove what is never the article, in one native selection: ``script``/``style``...,
   ``nav``/``aside``/``footer``/``header``, hidden elements, and elements whose class or id
   say comments, menus, breadcrumbs or hot lists (``data/extract/patterns.toml``).
2. Walk the body once, in document order, cutting the text into *units* (paragraphs): a
   unit is the text of one block element (``p``, ``div``, ``td``, ``li``...) between its
   child blocks and ``<br>`` s, with the characters and hrefs of its links.
3. Score containers the Readability way, counted in characters because Chinese has no
   spaces: each unit adds ``1 + punctuation + min(chars / 100, 3)`` to the block that holds
   it, half of that to the next ancestor and a third to the one above; a container's score
   is then scaled by ``1 - link density`` and nudged by its class/id. The best container,
   plus siblings that score nearly as well, is the main content.
4. Emit the main units as blocks, link-only paragraphs included (injected ads are the
   detectors' to label), but not link lists, info lines, breadcrumbs or copyright lines;
   then the units that follow the main content in the same region as ``tail`` blocks.

Plain text: each line is a block, long lines holding many paragraphs are split (see
``_text.split_line``), and a short first line is the title.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from . import _text
from ._text import patterns, squash
from .types import Block, BlockKind, Document

__all__ = ["extract_html", "extract_text"]

# -- thresholds -----------------------------------------------------------------------------
MIN_UNIT_CHARS = 15
"""Units shorter than this add nothing to a container's score (Readability's 25 Latin
characters, scaled for Chinese: a nav item `白癜风防治` is 5). 15 rather than 10: the reply
tree of a CCTV forum page in zh-web-content-extraction (a6e8b739, `顶【非洲小飞机】08-15`)
outscored the post at 10."""

MAX_SCORED_LINK_DENSITY = 0.33
"""A unit more than a third link text (nav items, hot lists, the forum reply tree above, whose
items are a linked title plus author and time) adds nothing to any score. F1 on
zh-web-content-extraction: 0.903 at 0.5, 0.917 at 0.33."""

PARAGRAPH_CHARS_PER_POINT = 100
MAX_LENGTH_POINTS = 3.0
"""A unit's length bonus: one point per 100 characters, at most 3 (Readability's rule)."""

CLASS_WEIGHT = 25.0
"""Added to (or taken from) a container whose class/id reads as content (or as boilerplate),
as Readability does."""

SIBLING_SHARE = 0.2
SIBLING_MIN_SCORE = 10.0
"""A sibling of the best container joins the main content when it scores at least this share
of the best (and this much): articles split over consecutive divs (Readability's rule)."""

LINK_LIST_MIN_LINKS = 3
LINK_LIST_DENSITY = 0.5
"""Inside the main content, an element with this many links that is mostly link text is a
link list (`相关链接`, `热点文章`) and stays out. A lone link paragraph (an injected ad,
spamrepost-dev d-0005) has one link and stays in for the detectors."""

TAIL_MAX_UNITS = 20
"""At most this many units after the main content become tail blocks (d-0005's
`div.pages`: WeChat footer lines, a repost notice and the 上一篇/下一篇 list)."""

TITLE_SCAN_UNITS = 200
"""How many units are searched for a headline that matches a part of <title>."""

HEAD_META_UNITS = 12
"""How many units before the main content are read for the info line (date, source)."""

_BLOCK_TAGS = frozenset((
    "p", "div", "section", "article", "main", "aside", "header", "footer", "nav", "ul", "ol", "li", "dl",
    "dt", "dd", "table", "thead", "tbody", "tfoot", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6",
    "blockquote", "pre", "figure", "figcaption", "form", "fieldset", "address", "hr", "center", "body",
    "html", "details", "summary", "caption", "option", "menu", "legend",
))
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_NEVER_UNLIKELY = frozenset(("body", "html", "a", "article", "main"))
_PARAGRAPH_TAGS = frozenset((
    "p", "pre", "li", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "figcaption", "caption", "address",
    "legend",
))
_KIND: dict[str, BlockKind] = {
    "h2": "heading", "h3": "heading", "h4": "heading", "h5": "heading", "h6": "heading",
    "li": "li", "figcaption": "caption", "caption": "caption",
}
_PUNCT = re.compile(r"[，。！？；：、,.!?;]")
_BREADCRUMB = re.compile(r"^(?:当前位置|您的位置|你的位置|所在位置|您现在的位置|现在位置)\s*[:：]")
_COPYRIGHT = re.compile(r"ICP[备证]|公网安备|Copyright|©|\(c\)\s*\d{4}|版权所有\s*[©(（]", re.IGNORECASE)
_COPYRIGHT_HINTS = ("ICP", "icp", "公网安备", "opyright", "OPYRIGHT", "©", "(c)", "(C)", "版权所有")
COPYRIGHT_MAX_CHARS = 150
"""A copyright/ICP line is short; a paragraph that mentions copyright is article text."""

_META_DATE_KEYS = (
    "article:published_time", "og:article:published_time", "pubdate", "publishdate", "publish_date",
    "publishtime", "publish-date", "date", "dc.date", "dc.date.issued", "datepublished", "sailthru.date",
)


@dataclass(slots=True)
class _Unit:
    owner: int
    pieces: list[str] = field(default_factory=list)
    link_chars: int = 0
    links: list[str] = field(default_factory=list)
    text: str = ""
    chars: int = 0


@dataclass(slots=True)
class _Tree:
    """The body as flat arrays indexed by pre-order position."""

    tags: list[str] = field(default_factory=list)
    parent: list[int] = field(default_factory=list)
    nodes: list[LexborNode] = field(default_factory=list)
    end: list[int] = field(default_factory=list)
    units: list[_Unit] = field(default_factory=list)


def _nonspace(text: str) -> int:
    return len(text) - text.count(" ") - text.count("\n") - text.count("\t") - text.count("\xa0")


# -- walking --------------------------------------------------------------------------------


def _walk(body: LexborNode, url: str | None) -> _Tree:
    """One depth-first pass over the body by child/next links (no parent lookups).

    Only block elements get an index (inline ones only pass on their block and link), so
    a block's subtree is the index range ``[i, end[i]]``."""
    tree = _Tree()
    tags, parent, nodes = tree.tags, tree.parent, tree.nodes
    tags_append, parent_append, nodes_append = tags.append, parent.append, nodes.append
    seg_unit: list[_Unit | None] = [None]
    seg_append = seg_unit.append
    hrefs: list[str] = []
    units = tree.units
    block_tags = _BLOCK_TAGS
    tags_append(body.tag or "body")
    parent_append(-1)
    nodes_append(body)
    stack: list[tuple[LexborNode | None, int, int]] = []
    node = body.child
    owner = 0  # index of the block the current node is in
    link = -1  # index into hrefs of the <a> the current node is in
    while True:
        if node is None:
            if not stack:
                break
            node, owner, link = stack.pop()
            continue
        tag = node.tag
        if tag == "-text":
            text = node.text_content
            if text and not text.isspace():
                unit = seg_unit[owner]
                if unit is None:
                    unit = seg_unit[owner] = _Unit(owner)
                    units.append(unit)
                unit.pieces.append(text)
                if link >= 0:
                    unit.link_chars += _nonspace(text)
                    href = hrefs[link]
                    if href and (not unit.links or unit.links[-1] != href):
                        unit.links.append(href)
            node = node.next
            continue
        if not tag or tag[0] in "-_!#":
            node = node.next
            continue
        child_owner = owner
        child_link = link
        if tag in block_tags:
            child_owner = len(tags)
            tags_append(tag)
            parent_append(owner)
            nodes_append(node)
            seg_append(None)
            seg_unit[owner] = None  # text after this block is a new unit of the parent
        elif tag == "a":
            href = (node.attributes.get("href") or "").strip()
            if not href or href.startswith(("javascript:", "#")):
                href = ""
            elif url:
                href = urljoin(url, href)
            child_link = len(hrefs)
            hrefs.append(href)
        elif tag == "br" or tag == "img":
            seg_unit[owner] = None
        child = node.child
        if child is not None:
            stack.append((node.next, owner, link))
            node = child
            owner = child_owner
            link = child_link
        else:
            node = node.next
    n = len(tags)
    end = list(range(n))
    for i in range(n - 1, 0, -1):
        q = parent[i]
        if end[i] > end[q]:
            end[q] = end[i]
    tree.end = end
    kept: list[_Unit] = []
    for unit in units:
        unit.text = squash("".join(unit.pieces))
        if unit.text:
            unit.chars = _nonspace(unit.text)
            unit.link_chars = min(unit.link_chars, unit.chars)
            kept.append(unit)
    tree.units = kept
    return tree


# -- scoring --------------------------------------------------------------------------------


def _class_weight(node: LexborNode) -> float:
    attrs = node.attributes
    name = f"{attrs.get('class') or ''} {attrs.get('id') or ''}".strip()
    if not name:
        return 0.0
    pats = patterns()
    weight = 0.0
    if pats.negative.search(name):
        weight -= CLASS_WEIGHT
    if pats.positive.search(name):
        weight += CLASS_WEIGHT
    return weight


def _choose_main(tree: _Tree) -> list[int]:
    """Pre-order indexes of the element(s) holding the main content (empty: none found)."""
    n = len(tree.tags)
    score = [0.0] * n
    chars = [0] * n
    link_chars = [0] * n
    parent, tags = tree.parent, tree.tags
    for unit in tree.units:
        chars[unit.owner] += unit.chars
        link_chars[unit.owner] += unit.link_chars
        if unit.chars < MIN_UNIT_CHARS:
            continue
        if unit.link_chars > MAX_SCORED_LINK_DENSITY * unit.chars:
            continue
        length = min(unit.chars / PARAGRAPH_CHARS_PER_POINT, MAX_LENGTH_POINTS)
        points = 1 + len(_PUNCT.findall(unit.text)) + length
        cand = unit.owner
        if tags[cand] in _PARAGRAPH_TAGS and parent[cand] >= 0:
            cand = parent[cand]
        level = 0
        while cand >= 0 and level < 3:
            score[cand] += points / (1, 2, 3)[level]
            cand = parent[cand]
            level += 1
    for i in range(n - 1, 0, -1):
        p = parent[i]
        if p >= 0:
            chars[p] += chars[i]
            link_chars[p] += link_chars[i]
    scored = [i for i in range(n) if score[i] > 0]
    if not scored:
        return []
    final: dict[int, float] = {}
    for i in sorted(scored, key=lambda k: score[k], reverse=True)[:8]:
        density = link_chars[i] / chars[i] if chars[i] else 1.0
        final[i] = (score[i] + _class_weight(tree.nodes[i])) * (1 - density)
    top = max(final, key=lambda k: final[k])
    best = final[top]
    p = parent[top]
    if p < 0 or best <= 0:
        return [top]
    chosen = []
    for i in range(p + 1, tree.end[p] + 1):
        if parent[i] != p:
            continue
        if i == top:
            chosen.append(i)
            continue
        if not chars[i]:
            continue
        density = link_chars[i] / chars[i]
        sib = score[i] * (1 - density)
        if sib >= max(SIBLING_MIN_SCORE, SIBLING_SHARE * best) and density < LINK_LIST_DENSITY / 2:
            chosen.append(i)
    return chosen


def _link_lists(tree: _Tree, roots: list[int]) -> set[int]:
    """Elements inside the main content that are link lists (see LINK_LIST_MIN_LINKS)."""
    n = len(tree.tags)
    links = [0] * n
    chars = [0] * n
    link_chars = [0] * n
    for unit in tree.units:
        links[unit.owner] += len(unit.links)
        chars[unit.owner] += unit.chars
        link_chars[unit.owner] += unit.link_chars
    lo = min(roots)
    hi = max(tree.end[r] for r in roots)
    for i in range(hi, lo, -1):
        p = tree.parent[i]
        if p >= lo:
            links[p] += links[i]
            chars[p] += chars[i]
            link_chars[p] += link_chars[i]
    roots_set = set(roots)
    return {
        i
        for i in range(lo, hi + 1)
        if i not in roots_set
        and links[i] >= LINK_LIST_MIN_LINKS
        and chars[i]
        and link_chars[i] > LINK_LIST_DENSITY * chars[i]
    }


# -- documents ------------------------------------------------------------------------------


def _head(parser: LexborHTMLParser) -> tuple[str, str, dict[str, str]]:
    """<title>, og:title and metadata from meta tags (one native selection)."""
    doc_title = ""
    og_title = ""
    meta: dict[str, str] = {}
    time_value = ""
    for node in parser.css("title, meta[content], time[datetime]"):
        tag = node.tag
        if tag == "title":
            doc_title = doc_title or node.text()
            continue
        attrs = node.attributes
        if tag == "time":
            time_value = time_value or attrs.get("datetime") or ""
            continue
        key = (attrs.get("property") or attrs.get("name") or attrs.get("itemprop") or "").strip().lower()
        content = attrs.get("content") or ""
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
    if "published_at" not in meta and time_value:
        date = _text.iso_date(time_value)
        if date:
            meta["published_at"] = date
    return doc_title, og_title, meta


_unlikely_cache: dict[str, bool] = {}
UNLIKELY_CACHE_SIZE = 50_000
"""Class/id strings repeat across elements and pages; their verdicts are cached up to this many."""


def _is_unlikely(name: str) -> bool:
    hit = _unlikely_cache.get(name)
    if hit is None:
        pats = patterns()
        low = name.lower()
        hit = bool(pats.unlikely.search(low)) and not pats.maybe.search(low)
        if len(_unlikely_cache) >= UNLIKELY_CACHE_SIZE:
            _unlikely_cache.clear()
        _unlikely_cache[name] = hit
    return hit


def _prune(body: LexborNode) -> list[str]:
    """Remove junk and boilerplate elements (one native selection, classified here); return
    the texts of the h1s, read before anything is removed."""
    pats = patterns()
    h1s: list[str] = []
    selector = ", ".join(
        ["h1", "[class]", "[id]", "[role]", "[style]", "[hidden]", *pats.junk_tags, *pats.boilerplate_tags]
    )
    # children come after their parents in document order: removing in reverse order never
    # touches a node whose ancestor was already freed
    for node in reversed(body.css(selector)):
        tag = node.tag or ""
        if tag == "h1":
            h1s.append(node.text())
            continue
        if tag in pats.junk_tags or tag in pats.boilerplate_tags:
            node.decompose()
            continue
        attrs = node.attrs
        if "hidden" in attrs or (attrs.get("role") or "").lower() in pats.boilerplate_roles:
            node.decompose()
            continue
        style = attrs.get("style")
        if style and _HIDDEN_STYLE.search(style):
            node.decompose()
            continue
        if tag in _NEVER_UNLIKELY:
            continue
        name = f"{attrs.get('class') or ''} {attrs.get('id') or ''}"
        if len(name) > 1 and _is_unlikely(name):
            node.decompose()
    h1s.reverse()
    return h1s


def _site(url: str | None) -> str | None:
    if not url:
        return None
    host = urlsplit(url).hostname
    return host or None


def _kind(tag: str) -> BlockKind:
    return _KIND.get(tag, "p")


def _is_noise(text: str) -> bool:
    """A breadcrumb or a copyright/ICP line (cheap substring checks before the regexes)."""
    if len(text) > COPYRIGHT_MAX_CHARS:
        return False
    if "位置" in text and _BREADCRUMB.match(text):
        return True
    return any(h in text for h in _COPYRIGHT_HINTS) and _COPYRIGHT.search(text) is not None


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
    blocks: list[Block] = []
    parts: list[str] = []
    pos = 0
    title_entry: list[_Entry] = [(title, "title", 0, [])] if title else []
    for text, kind, link_chars, links in title_entry + body:
        if parts:
            pos += 1
        blocks.append(Block(text, pos, pos + len(text), kind, link_chars, links))
        parts.append(text)
        pos += len(text)
    return Document(
        text="\n".join(parts),
        blocks=blocks,
        title=title,
        url=url,
        site=_site(url),
        content_type=content_type,
        meta=meta,
    )


def extract_html(html: str, *, url: str | None = None) -> Document:
    """The article of an HTML page: title, paragraphs, tail blocks and metadata."""
    parser = LexborHTMLParser(html)
    doc_title, og_title, meta = _head(parser)
    body = parser.body or parser.root
    if body is None:
        return _assemble(squash(doc_title), [], url=url, meta=meta)
    h1s = [t for t in (squash(h) for h in _prune(body)[:5]) if t]
    title = _text.choose_title(doc_title, og_title, h1s)
    tree = _walk(body, url)
    units = tree.units
    roots = _choose_main(tree)

    end = tree.end
    if roots:
        lo = min(roots)
        hi = max(end[r] for r in roots)
        spans = [(r, end[r]) for r in roots]
        lists = sorted((i, end[i]) for i in _link_lists(tree, roots))
        main_idx = [
            k for k, u in enumerate(units)
            if lo <= u.owner <= hi and any(a <= u.owner <= b for a, b in spans)
        ]
    else:
        lo, hi, lists = 0, -1, []
        main_idx = list(range(len(units)))
    if not main_idx:
        main_idx = list(range(len(units)))
    in_list = bytearray(len(tree.tags)) if lists else None
    if in_list is not None:
        for a, b in lists:
            if not in_list[a]:
                in_list[a : b + 1] = b"\x01" * (b - a + 1)

    if not h1s and doc_title:
        # no h1: a headline in the page that is one part of <title> (`新华网 - 标题`) wins
        parts = set(_text.title_parts(squash(doc_title)))
        for unit in units[:TITLE_SCAN_UNITS]:
            if unit.text in parts:
                title = unit.text
                break
    norm_title = re.sub(r"\s+", "", title)
    first, last = (main_idx[0], main_idx[-1]) if main_idx else (0, -1)
    # metadata: the info line before the content, then the first and last paragraphs
    for unit in units[max(0, first - HEAD_META_UNITS) : first]:
        if _text.is_info_line(unit.text):
            _merge_meta(meta, _text.info_fields(unit.text))
    body_blocks: list[_Entry] = []
    started = False
    for k in main_idx:
        unit = units[k]
        text = unit.text
        if not started:
            if re.sub(r"\s+", "", text) == norm_title or _is_noise(text):
                continue
            if _text.is_info_line(text):
                _merge_meta(meta, _text.info_fields(text))
                continue
        if in_list and in_list[unit.owner]:
            continue
        if len(text) <= COPYRIGHT_MAX_CHARS and _is_noise(text):
            continue
        started = True
        body_blocks.append((text, _kind(tree.tags[unit.owner]), unit.link_chars, unit.links))
    for text, *_ in body_blocks[:3]:
        name = _text.reporter(text)
        if name:
            meta.setdefault("author", name)
            break
    for text, *_ in reversed(body_blocks[-3:]):
        name = _text.trailing_name(text)
        if name:
            meta.setdefault("author", name)
            break

    # tail: what follows the main content in its region
    if roots and last >= 0:
        region = tree.parent[max(roots)]
        region_end = tree.end[region] if region >= 0 else len(tree.tags) - 1
        region_start = region if region >= 0 else 0
        count = 0
        for unit in units[last + 1 :]:
            if count >= TAIL_MAX_UNITS or not (region_start <= unit.owner <= region_end):
                break
            if unit.owner >= lo and unit.owner <= hi:
                continue
            body_blocks.append((unit.text, "tail", unit.link_chars, unit.links))
            count += 1
            if "责任编辑" in unit.text:
                fields = _text.info_fields(unit.text)
                if "editor" in fields:
                    meta.setdefault("editor", fields["editor"])

    meta["raw_title"] = squash(doc_title)
    return _assemble(title, body_blocks, url=url, meta=meta)


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
