"""The body of a page as units (paragraphs), and the choice of its main content.

``read_page`` reads the head and the h1s and cuts the body into units in one pass, leaving out
what is never the article (the C walk passes over it; the Python walk runs after ``prune`` has
removed it); ``choose_main`` scores containers the Readability way, in characters (see
``extract``).
Blocks are indexed in pre-order, so the subtree of block ``i`` is the range ``[i, end[i]]``.
"""

from __future__ import annotations

import ctypes
import re
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import NamedTuple, cast
from urllib.parse import urljoin

from selectolax.lexbor import LexborHTMLParser, LexborNode

from ._native import pure_python
from ._text import _JOIN_SET, _LINE_EDGE, EDGE_SPACE, patterns, squash

try:
    from . import _lexwalk

    NATIVE_BUILT = True
except ImportError:  # not built (no C compiler at install): the Python walk
    NATIVE_BUILT = False

__all__ = [
    "BLOCK_TAGS", "PARAGRAPH_TAGS", "Page", "Tree", "Unit", "choose_main", "link_lists", "native_enabled",
    "nonspace", "prune", "read_page", "reads_in_place", "skipped_tags",
]

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

BLOCK_TAGS = frozenset((
    "p", "div", "section", "article", "main", "aside", "header", "footer", "nav", "ul", "ol", "li", "dl",
    "dt", "dd", "table", "thead", "tbody", "tfoot", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6",
    "blockquote", "pre", "figure", "figcaption", "form", "fieldset", "address", "hr", "center", "body",
    "html", "details", "summary", "caption", "option", "menu", "legend",
))
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden")
"""Matched on the lower-cased style, after a substring test (a case-insensitive regex scans
every position)."""
_NEVER_UNLIKELY = frozenset(("body", "html", "a", "article", "main"))
PARAGRAPH_TAGS = frozenset((
    "p", "pre", "li", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "figcaption", "caption", "address",
    "legend",
))

PUNCTUATION = "，。！？；：、,.!?;"
"""Each one in a unit adds a point to its block's score (``_scores``)."""
_PUNCT = re.compile(f"[{re.escape(PUNCTUATION)}]")

class Unit(NamedTuple):
    """One paragraph of the body: the text of a block between its child blocks and ``<br>`` s.

    A tuple (the C walk makes them as cheaply as a tuple; one per paragraph of every page)."""

    owner: int
    """Pre-order index of the block the text is in."""
    text: str
    """Squashed (``_text.squash``); never empty."""
    chars: int
    """``nonspace(text)``."""
    link_chars: int
    """Characters inside ``<a>`` elements (at most ``chars``)."""
    links: list[str] | None
    """hrefs of its links (consecutive repeats once), None for none."""


class _Pieces:
    """A unit while ``_python_walk`` collects its text."""

    __slots__ = ("link_chars", "links", "owner", "pieces")

    def __init__(self, owner: int) -> None:
        self.owner = owner
        self.pieces: list[str] = []
        self.link_chars = 0
        self.links: list[str] = []


@dataclass(slots=True)
class Tree:
    """The body as flat arrays indexed by pre-order position."""

    tags: list[str] = field(default_factory=list)
    parent: list[int] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)
    """``LexborNode.mem_id`` of each block (the key of ``prune``'s class names)."""
    end: list[int] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)
    chars: list[int] = field(default_factory=list)
    """Non-space characters of each block's subtree (filled by ``choose_main``)."""
    link_chars: list[int] = field(default_factory=list)
    links: list[int] = field(default_factory=list)
    """Links (distinct consecutive hrefs) of each block's subtree."""
    names: list[str | None] = field(default_factory=list)
    """Each block's class and id (``"class id"``, stripped), None for none (``choose_main``)."""
    scores: list[float] = field(default_factory=list)
    """Each block's score from its units (``_scores``; the C walk fills it)."""


def nonspace(text: str) -> int:
    return len(text) - text.count(" ") - text.count("\n") - text.count("\t") - text.count("\xa0")


# -- walking --------------------------------------------------------------------------------


Meta = tuple[str, str, str, str]
"""``(property, name, itemprop, content)`` of a ``<meta content>`` ('' for an attribute it has not)."""


@dataclass(slots=True)
class Page:
    """What extraction reads off a parsed page (``read_page``), in document order."""

    titles: list[str]
    """The texts of the ``<title>`` elements."""
    metas: list[Meta]
    """The ``<meta>`` elements with a ``content`` attribute."""
    times: list[str]
    """The ``datetime`` of the ``<time>`` elements with one."""
    h1s: list[str]
    """The texts of the h1s that are not inside junk, without junk and what ``prune`` removes
    inside them (read before anything around them is removed)."""
    tree: Tree | None
    """The body cut into blocks and units (``walk``), None for a page without one."""


def read_page(
    parser: LexborHTMLParser, url: str | None, skip: frozenset[str] | None = None, *, by_class: bool = True
) -> Page:
    """The head's title and meta tags, the h1s, and the body cut into blocks and units without
    what ``prune`` removes (``by_class``: also the elements whose class or id reads as
    boilerplate).

    The walk is one depth-first pass over the body by child/next links (no parent lookups). Only
    block elements get an index (inline ones only pass on their block and link), so a block's
    subtree is the index range ``[i, end[i]]``. Elements whose tag is in ``skip``
    (``skipped_tags()`` by default) are passed over with all they hold. In C (``_lexwalk``: one
    pass for the head and h1s, ``heads``, one for the body, ``walk``), what ``prune`` would remove
    is passed over and the page is left as it was; in Python, CSS selections read the head and
    ``prune`` removes before the walk."""
    skip = skipped_tags() if skip is None else skip
    read = _native_read if reads_in_place(skip) else _python_read
    return read(parser, url, skip, by_class)


def _native_read(parser: LexborHTMLParser, url: str | None, skip: frozenset[str], by_class: bool) -> Page:
    """``read_page`` in C: the page is left as it was."""
    body = parser.body or parser.root
    titles, metas, times, h1s = _native_heads(parser, by_class)
    tree = _native_walk(body, url, skip, by_class=by_class) if body is not None else None
    return Page(titles, metas, times, h1s, tree)


def _python_read(parser: LexborHTMLParser, url: str | None, skip: frozenset[str], by_class: bool) -> Page:
    """``read_page`` in Python: ``prune`` removes from the page before the walk."""
    body = parser.body or parser.root
    titles, metas, times = _head_items(parser)
    if body is None:
        return Page(titles, metas, times, [], None)
    h1s, names = prune(body, by_class=by_class)
    tree = _python_walk(body, url, skip)
    tree.names = [names.get(i) for i in tree.ids]
    return Page(titles, metas, times, h1s, tree)


def reads_in_place(skip: frozenset[str] | None = None) -> bool:
    """Does ``read_page`` leave the parsed page as it was (the C walk), so that it can be read
    again? The Python way removes what ``prune`` removes."""
    return native_walk_ok() and _kinds(skipped_tags() if skip is None else skip) is not None


_HEAD_SELECTOR = "title, meta[content], time[datetime]"


def _head_items(parser: LexborHTMLParser) -> tuple[list[str], list[Meta], list[str]]:
    """``Page``'s titles, metas and times, from one CSS selection (the Python way)."""
    titles: list[str] = []
    metas: list[Meta] = []
    times: list[str] = []
    for node in parser.css(_HEAD_SELECTOR):
        tag = node.tag
        if tag == "title":
            titles.append(node.text())
            continue
        attrs = node.attributes
        if tag == "time":
            times.append(attrs.get("datetime") or "")
            continue
        metas.append((
            attrs.get("property") or "", attrs.get("name") or "", attrs.get("itemprop") or "",
            attrs.get("content") or "",
        ))
    return titles, metas, times


def _native_heads(
    parser: LexborHTMLParser, by_class: bool
) -> tuple[list[str], list[Meta], list[str], list[str]]:
    """``Page``'s titles, metas, times and h1s, in one pass of the C walk over the page."""
    root = parser.root
    if root is None:
        return [], [], [], []
    table = _kinds(skipped_tags())
    if table is None or not _bind_lexbor():
        raise ValueError("the C walk cannot read this page: use _head_items and prune")
    title, meta, time = _head_tag_ids()
    return _lexwalk.heads(
        root.mem_id, table[0], title, meta, time, by_class, _unlikely_cache, _is_unlikely, _hides
    )


def _python_walk(body: LexborNode, url: str | None, skip: frozenset[str]) -> Tree:
    tree = Tree()
    tags, parent, ids = tree.tags, tree.parent, tree.ids
    tags_append, parent_append, ids_append = tags.append, parent.append, ids.append
    seg_unit: list[_Pieces | None] = [None]
    seg_append = seg_unit.append
    hrefs: list[str] = []
    pieces: list[_Pieces] = []
    block_tags = BLOCK_TAGS
    tags_append(body.tag or "body")
    parent_append(-1)
    ids_append(body.mem_id)
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
        text = node.text_content  # None for an element: one lookup for both questions
        if text is not None:
            if text and not text.isspace():
                unit = seg_unit[owner]
                if unit is None:
                    unit = seg_unit[owner] = _Pieces(owner)
                    pieces.append(unit)
                unit.pieces.append(text)
                if link >= 0:  # nonspace(text), inline: this runs for every link text of every page
                    unit.link_chars += (
                        len(text) - text.count(" ") - text.count("\n") - text.count("\t") - text.count("\xa0")
                    )
                    href = hrefs[link]
                    if href and (not unit.links or unit.links[-1] != href):
                        unit.links.append(href)
            node = node.next
            continue
        tag = node.tag  # (a comment or doctype falls through as an inline node without children)
        if tag in skip:
            node = node.next
            continue
        child_owner = owner
        child_link = link
        if tag in block_tags:
            child_owner = len(tags)
            tags_append(tag)
            parent_append(owner)
            ids_append(node.mem_id)
            seg_append(None)
            seg_unit[owner] = None  # text after this block is a new unit of the parent
        elif tag == "a":
            child_link = len(hrefs)
            hrefs.append(_href(node, url))
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
    _ends(tree)
    for unit in pieces:
        text = squash("".join(unit.pieces))
        if text:
            # == nonspace(text): squash leaves no newline, tab or no-break space, only single spaces
            chars = len(text) - text.count(" ")
            tree.units.append(Unit(unit.owner, text, chars, min(unit.link_chars, chars), unit.links or None))
    return tree


def _href(node: LexborNode, url: str | None) -> str:
    return _href_value(node.attrs.get("href") or "", url)


def _href_value(href: str, url: str | None) -> str:
    """The target of a link, absolute when the page's URL is known ('' for none, a script or an
    anchor on the same page)."""
    href = href.strip()
    if not href or href.startswith(("javascript:", "#")):
        return ""
    return urljoin(url, href) if url else href


def _ends(tree: Tree) -> None:
    parent = tree.parent
    end = list(range(len(parent)))
    for i in range(len(parent) - 1, 0, -1):
        q = parent[i]
        if end[i] > end[q]:
            end[q] = end[i]
    tree.end = end


# -- the walk in C ------------------------------------------------------------------------------

KIND_INLINE, KIND_BLOCK, KIND_SKIP, KIND_LINK, KIND_BREAK = range(5)
"""What ``_lexwalk.walk`` does with an element, by its tag id (see ``_kinds``)."""
FLAG_NEVER_UNLIKELY, FLAG_H1, FLAG_PARAGRAPH, FLAG_JUNK = 0x10, 0x20, 0x40, 0x80
"""Or-ed into a tag's kind: the tag is in ``_NEVER_UNLIKELY``; the tag is h1 (never pruned); the
tag is in ``PARAGRAPH_TAGS``; the tag is junk (``patterns().junk_tags``)."""
HEAD_TAGS = ("title", "meta", "time")
"""The tags ``heads`` reads (``extract._head``)."""

MAX_STATIC_TAG_ID = 4096
"""lexbor numbers the tags it knows from 0 up (about 200); any other tag gets an id that is an
address. A tag of ours above this is not one lexbor knows: the C walk is not used."""


@lru_cache(maxsize=8)
def _kinds(skip: frozenset[str]) -> tuple[bytes, list[str | None]] | None:
    """``kinds[tag id]`` for ``_lexwalk.walk`` (skip first, as ``_python_walk`` tests it first),
    and the names of the block tags by id (None for other ids); None when a tag is not one lexbor
    knows (a custom tag in the rules' skipped tags): such a walk is the Python one."""
    probe = LexborHTMLParser("<p></p>")
    by_name: dict[str, int] = {}
    junk = patterns().junk_tags
    for name in BLOCK_TAGS | skip | junk | _NEVER_UNLIKELY | PARAGRAPH_TAGS | {"a", "br", "img", "h1"}:
        tag_id = probe.create_node(name).tag_id
        if not isinstance(tag_id, int) or not 0 <= tag_id < MAX_STATIC_TAG_ID:
            return None
        by_name[name] = tag_id
    kinds = bytearray(max(by_name.values()) + 1)
    for name, tag_id in by_name.items():
        if name in skip:
            kind = KIND_SKIP
        elif name in BLOCK_TAGS:
            kind = KIND_BLOCK
        elif name == "a":
            kind = KIND_LINK
        elif name in ("br", "img"):
            kind = KIND_BREAK
        else:
            kind = KIND_INLINE
        if name in _NEVER_UNLIKELY:
            kind |= FLAG_NEVER_UNLIKELY
        if name == "h1":
            kind |= FLAG_H1
        if name in PARAGRAPH_TAGS:
            kind |= FLAG_PARAGRAPH
        if name in junk:
            kind |= FLAG_JUNK
        kinds[tag_id] = kind
    if len(set(by_name.values())) != len(by_name):  # two tags with one id: not lexbor's table
        return None
    names: list[str | None] = [None] * len(kinds)
    for name in BLOCK_TAGS:
        names[by_name[name]] = name
    return bytes(kinds), names


@lru_cache(maxsize=1)
def _head_tag_ids() -> tuple[int, int, int]:
    """lexbor's ids of ``HEAD_TAGS``."""
    probe = LexborHTMLParser("<p></p>")
    title, meta, time = (probe.create_node(name).tag_id for name in HEAD_TAGS)
    return title, meta, time


LEXBOR_ATTRIBUTE_API = (
    "lxb_dom_element_first_attribute_noi",
    "lxb_dom_element_next_attribute_noi",
    "lxb_dom_attr_local_name_noi",
    "lxb_dom_attr_value_noi",
)
"""lexbor's functions the C walk reads attributes with, exported by selectolax's module."""


@lru_cache(maxsize=1)
def _bind_lexbor() -> bool:
    """Hand the C walk the addresses of ``LEXBOR_ATTRIBUTE_API`` in the selectolax module this
    process loaded (False when one is missing: the C walk is not used)."""
    import selectolax.lexbor

    try:
        lib = ctypes.CDLL(selectolax.lexbor.__file__)  # the loaded module: dlopen adds a reference
        addresses = [ctypes.cast(getattr(lib, name), ctypes.c_void_p).value for name in LEXBOR_ATTRIBUTE_API]
    except (OSError, AttributeError):
        return False
    first, following, name, value = addresses
    if not (first and following and name and value):
        return False
    _lexwalk.bind(first, following, name, value)
    return True


def _hides(role: str | None, style: str | None) -> bool:
    """A boilerplate role (``navigation``...) or a hidden style: ``prune`` removes the element."""
    return bool(role and role.lower() in patterns().boilerplate_roles) or bool(style and _hidden_style(style))


def _native_walk(body: LexborNode, url: str | None, skip: frozenset[str], *, by_class: bool = True) -> Tree:
    """``prune`` and ``_python_walk`` in C, without removing anything: the same blocks, units and
    class names, and the totals ``choose_main`` reads."""
    table = _kinds(skip)
    if table is None:
        raise ValueError(f"the C walk cannot skip {sorted(skip)}: use _python_walk")
    kinds, block_names = table
    if not _bind_lexbor():
        raise ValueError("selectolax does not export the lexbor functions the C walk reads attributes with")
    href_of = None if url is None else partial(_href_value, url=url)  # (None: the C walk strips itself)
    tags, parent, ids, end, units, chars, link_chars, links, names, scores = _lexwalk.walk(
        body.mem_id, kinds, block_names, Unit, by_class, _unlikely_cache, _is_unlikely, _hides, href_of,
        _LINE_EDGE, EDGE_SPACE, _JOIN_SET, _SCORING,
    )
    tags[0] = body.tag or "body"  # (every other block is one of BLOCK_TAGS: named)
    return Tree(cast("list[str]", tags), parent, ids, end, units, chars, link_chars, links, names, scores)


NATIVE_PROBE = (
    "<title>题 - 站</title><meta property=og:title content=题><meta name=author content><title>二</title>"
    "<body class=page><time datetime=2020-01-02>时</time><svg><title>图</title></svg>"
    "<object><h1>不读</h1></object><div class=a>  一<b>二</b>\n"
    "<p>三 <a href=/x>四\xa0五</a><a href=/x>六</a><br>七</p>"
    "<script>八</script><ul><li><a href='javascript:void(0)'>九</a></li><li>十<img>十一</li></ul>"
    "<!-- 注释 --><nav>十二</nav><x-custom>十三<div>十四</div></x-custom>\u3000十五</div>"
    "<table><tr><td>十六</td></tr></table><div id=sidebar>侧栏</div><p hidden>隐</p>"
    "<div role=Navigation>导航</div><span style='DISPLAY: none'>藏</span><h1 class=sidebar>题"
    "<i class=sidebar>外</i></h1><article class=sidebar id=main>文</article>尾</body>"
)
"""A page whose reading exercises every branch of ``_lexwalk.heads``, ``_lexwalk.walk`` and
``prune``: ``native_walk_ok`` compares it with the Python reading's."""


def _same_tree(a: Tree, b: Tree) -> bool:
    """The same blocks, units, class names and totals (filled where a walk left them to
    ``choose_main``)."""

    def shape(tree: Tree) -> tuple[object, ...]:
        if not tree.chars:
            _totals(tree)
        scores = tree.scores or _scores(tree)
        totals = tree.chars, tree.link_chars, tree.links
        return tree.tags, tree.parent, tree.end, tree.units, totals, tree.names, scores

    return shape(a) == shape(b)


def _compare_walks(
    html: str, url: str | None, skip: frozenset[str], *, by_class: bool = True
) -> tuple[Page, Page]:
    """``read_page`` the C way and the Python way, each on its own parse of ``html`` (the Python
    way removes nodes). Node ids differ between parses: compare with ``_same_page``."""
    native = _native_read(LexborHTMLParser(html), url, skip, by_class)
    return native, _python_read(LexborHTMLParser(html), url, skip, by_class)


def _same_page(a: Page, b: Page) -> bool:
    if (a.titles, a.metas, a.times, a.h1s) != (b.titles, b.metas, b.times, b.h1s):
        return False
    if a.tree is None or b.tree is None:
        return a.tree is b.tree
    return _same_tree(a.tree, b.tree)


def _layout_ok() -> bool:
    """The offsets ``_lexwalk`` reads hold, on real nodes, what selectolax says they hold (read
    with ctypes inside the node structs, before any pointer read there is followed)."""
    off = _lexwalk.layout()
    body = LexborHTMLParser("<body><p>一<b>二</b></p></body>").body
    p = body.child if body is not None else None
    if body is None or p is None or p.child is None or p.child.next is None or p.child.next.child is None:
        return False
    text, b, b_text = p.child, p.child.next, p.child.next.child

    def word(node: LexborNode, offset: int) -> int:
        return ctypes.c_size_t.from_address(node.mem_id + offset).value

    def kind(node: LexborNode) -> int:
        return ctypes.c_int.from_address(node.mem_id + off["type"]).value

    def data(node: LexborNode, length: int) -> bytes:
        # (read with the node at hand: a node holds its parser, and the parser the text. Compiled
        # (mypyc), a local is released after its last use, not at the return: read in this
        # function's body, the text was freed with the last node before ``string_at`` read it, and
        # ``native_walk_ok`` said no: the Python walk ran, 1.9 -> 2.6 ms a page)
        return ctypes.string_at(word(node, off["text_data"]), length)

    if off["type_size"] != ctypes.sizeof(ctypes.c_int):
        return False
    for node, parent_, child in ((p, body, text), (b, p, b_text)):  # neither has a next sibling
        if kind(node) != 1 or word(node, off["local_name"]) != node.tag_id:
            return False
        if word(node, off["parent"]) != parent_.mem_id or word(node, off["first_child"]) != child.mem_id:
            return False
        if word(node, off["next"]) != 0:
            return False
    if kind(text) != 3 or word(text, off["next"]) != b.mem_id:
        return False
    utf8 = "一".encode()
    if word(text, off["text_length"]) != len(utf8):
        return False
    return data(text, len(utf8)) == utf8


@lru_cache(maxsize=1)
def native_enabled() -> bool:
    """Whether the C extension ``_lexwalk`` is built (``setup.py``; optional) and not turned off
    with ``NEWSIEVE_PURE_PYTHON=1`` (read once)."""
    return NATIVE_BUILT and not pure_python()


@lru_cache(maxsize=1)
def native_walk_ok() -> bool:
    """Whether ``walk`` uses the C walk (``_lexwalk``): it is enabled (``native_enabled``), the
    lexbor struct layout it reads is this selectolax's, and it walks ``NATIVE_PROBE`` exactly as
    the Python walk does."""
    if not native_enabled():
        return False
    try:
        skip = skipped_tags()
        if _kinds(skip) is None or not _layout_ok() or not _bind_lexbor():
            return False
        for by_class in (True, False):
            url = "http://example.com/a/b.html"
            native, python = _compare_walks(NATIVE_PROBE, url, skip, by_class=by_class)
            if not _same_page(native, python):
                return False
        return True
    except Exception:  # any failure means: use the Python walk
        return False


# -- scoring --------------------------------------------------------------------------------


_class_weights: dict[str, float] = {}
CLASS_WEIGHT_CACHE_SIZE = 50_000
"""Class/id strings repeat across pages; their weights are cached up to this many (the two
case-insensitive regexes cost more than the rest of the scoring)."""


def _class_weight(name: str) -> float:
    """CLASS_WEIGHT up or down for a block's class and id (``"class id"``, see ``prune``)."""
    if not name:
        return 0.0
    weight = _class_weights.get(name)
    if weight is None:
        pats = patterns()
        weight = 0.0
        if pats.negative.search(name):
            weight -= CLASS_WEIGHT
        if pats.positive.search(name):
            weight += CLASS_WEIGHT
        if len(_class_weights) >= CLASS_WEIGHT_CACHE_SIZE:
            _class_weights.clear()
        _class_weights[name] = weight
    return weight


def _totals(tree: Tree) -> None:
    """Characters, link characters and links of each block's subtree (``tree.chars``...)."""
    n = len(tree.tags)
    chars = [0] * n
    link_chars = [0] * n
    links = [0] * n
    for unit in tree.units:
        owner = unit.owner
        chars[owner] += unit.chars
        link_chars[owner] += unit.link_chars
        if unit.links:
            links[owner] += len(unit.links)
    parent = tree.parent
    for i in range(n - 1, 0, -1):
        p = parent[i]
        chars[p] += chars[i]
        link_chars[p] += link_chars[i]
        links[p] += links[i]
    tree.chars, tree.link_chars, tree.links = chars, link_chars, links


_SCORING = (
    MIN_UNIT_CHARS, MAX_SCORED_LINK_DENSITY, PARAGRAPH_CHARS_PER_POINT, MAX_LENGTH_POINTS, PUNCTUATION,
)
"""``_scores``' constants, for the C walk."""


def _scores(tree: Tree) -> list[float]:
    """Each block's score from the units it holds: a unit adds ``1 + punctuation + length`` to its
    block (a paragraph's to the paragraph's parent), half of that to the parent and a third to
    the grandparent."""
    score = [0.0] * len(tree.tags)
    parent, tags = tree.parent, tree.tags
    paragraph_tags = PARAGRAPH_TAGS
    findall = _PUNCT.findall
    for unit in tree.units:
        unit_chars = unit.chars
        if unit_chars < MIN_UNIT_CHARS or unit.link_chars > MAX_SCORED_LINK_DENSITY * unit_chars:
            continue
        length = min(unit_chars / PARAGRAPH_CHARS_PER_POINT, MAX_LENGTH_POINTS)
        points = 1 + len(findall(unit.text)) + length
        cand = unit.owner
        if tags[cand] in paragraph_tags and parent[cand] >= 0:
            cand = parent[cand]
        # the block, half to its parent, a third to the grandparent
        score[cand] += points
        cand = parent[cand]
        if cand >= 0:
            score[cand] += points / 2
            cand = parent[cand]
            if cand >= 0:
                score[cand] += points / 3
    return score


def choose_main(tree: Tree) -> list[int]:
    """Pre-order indexes of the element(s) holding the main content (empty: none found)."""
    n = len(tree.tags)
    score = tree.scores or _scores(tree)
    parent = tree.parent
    if not tree.chars:  # (the C walk fills them)
        _totals(tree)
    chars, link_chars = tree.chars, tree.link_chars
    scored = [i for i in range(n) if score[i] > 0]
    if not scored:
        return []
    final: dict[int, float] = {}
    for i in sorted(scored, key=score.__getitem__, reverse=True)[:8]:
        density = link_chars[i] / chars[i] if chars[i] else 1.0
        final[i] = (score[i] + _class_weight(tree.names[i] or "")) * (1 - density)
    top = max(final, key=final.__getitem__)
    best = final[top]
    p = parent[top]
    if p < 0 or best <= 0:
        return [top]
    chosen = []
    end = tree.end
    i = p + 1
    while i <= end[p]:  # the children of p: each next one is past the subtree of the last
        if i == top:
            chosen.append(i)
        elif chars[i]:
            density = link_chars[i] / chars[i]
            sib = score[i] * (1 - density)
            if sib >= max(SIBLING_MIN_SCORE, SIBLING_SHARE * best) and density < LINK_LIST_DENSITY / 2:
                chosen.append(i)
        i = end[i] + 1
    return chosen


def link_lists(tree: Tree, roots: list[int]) -> set[int]:
    """Elements inside the main content that are link lists (see LINK_LIST_MIN_LINKS); after
    ``choose_main``, whose totals it reads."""
    chars, link_chars, links = tree.chars, tree.link_chars, tree.links
    lo = min(roots)
    hi = max(tree.end[r] for r in roots)
    roots_set = set(roots)
    return {
        i
        for i in range(lo, hi + 1)
        if links[i] >= LINK_LIST_MIN_LINKS
        and chars[i]
        and link_chars[i] > LINK_LIST_DENSITY * chars[i]
        and i not in roots_set
    }

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


def _hidden_style(style: str) -> bool:
    low = style.lower()
    return ("isplay" in low or "isibility" in low) and _HIDDEN_STYLE.search(low) is not None


_PRUNE_SELECTOR = "h1, [class], [id], [role], [style], [hidden]"
"""What ``prune`` reads: h1s and elements with an attribute it classifies."""


@lru_cache(maxsize=1)
def skipped_tags() -> frozenset[str]:
    """Tags whose elements ``walk`` skips whole: junk (never text of a page) and boilerplate
    (never the article). Skipped rather than removed: lexbor tests every selector of a list on
    every element, so a selector per tag cost more than all the rest of the pruning."""
    pats = patterns()
    return pats.junk_tags | pats.boilerplate_tags


def _h1_text(node: LexborNode, junk: frozenset[str]) -> str | None:
    """The text of an h1 without the junk in it; None when the h1 is inside junk."""
    up = node.parent
    while up is not None:
        if up.tag in junk:
            return None
        up = up.parent
    inner = [n for n in node.traverse() if n.tag in junk]
    for n in reversed(inner):
        n.decompose()
    return node.text()


def _pruned(tag: str, attrs: dict[str, str | None], name: str, by_class: bool) -> bool:
    """Does ``prune`` remove this element (not an h1, not the root)? ``name``: "class id"."""
    if "hidden" in attrs or _hides(attrs.get("role"), attrs.get("style")):
        return True
    return by_class and tag not in _NEVER_UNLIKELY and len(name) > 1 and _is_unlikely(name)


def _selected(node: LexborNode, selector: str) -> list[LexborNode]:
    """The elements ``selector`` (a list) matches under ``node`` and ``node`` itself, each once, in
    reverse document order. selectolax 1.0 gives an element once per selector of the list it
    matches (`<div class=a id=b>` twice for `[class], [id]`): removing it twice would free it twice."""
    seen: set[int] = set()
    out: list[LexborNode] = []
    for found in reversed(node.css(selector)):
        key = found.mem_id
        if key not in seen:
            seen.add(key)
            out.append(found)
    return out


def prune(body: LexborNode, *, by_class: bool = True) -> tuple[list[str], dict[int, str]]:
    """Remove hidden elements and those whose class or id read as boilerplate (one native
    selection, classified here). Return the texts of the h1s, read before anything around
    them is removed, and the class and id (``"class id"``) of the elements that stay, by
    ``mem_id`` (for ``choose_main``). Junk and boilerplate tags stay for ``walk`` to skip
    (``skipped_tags``). The body itself stays whatever it says (`<body style="display:none">`
    that a script shows once the page has loaded)."""
    junk = patterns().junk_tags
    h1s: list[str] = []
    names: dict[int, str] = {}
    root = body.mem_id
    # Children come after their parents in document order: removing in reverse order never
    # touches a node whose ancestor was already freed, and what an h1 holds is removed before
    # its text is read. (The names of nodes freed with an ancestor stay in ``names``: no node
    # is made after this, so no walked node can have their address.)
    for node in _selected(body, _PRUNE_SELECTOR):
        tag = node.tag or ""
        attrs = node.attributes  # a dict: cheaper than several node.attrs lookups
        name = f"{attrs.get('class') or ''} {attrs.get('id') or ''}"
        if tag == "h1":
            text = _h1_text(node, junk)
            if text is not None:
                h1s.append(text)
        elif node.mem_id != root and _pruned(tag, attrs, name, by_class):
            node.decompose()
            continue
        if len(name) > 1:
            names[node.mem_id] = name.strip()
    h1s.reverse()
    return h1s, names
