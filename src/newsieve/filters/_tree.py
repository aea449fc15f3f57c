"""The body of a page as units (paragraphs), and the choice of its main content.

``prune`` removes what is never the article; ``walk`` cuts the body into units in one pass;
``choose_main`` scores containers the Readability way, in characters (see ``extract``).
Blocks are indexed in pre-order, so the subtree of block ``i`` is the range ``[i, end[i]]``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urljoin

from selectolax.lexbor import LexborNode

from ._text import patterns, squash

__all__ = [
    "BLOCK_TAGS", "PARAGRAPH_TAGS", "Tree", "Unit", "choose_main", "link_lists", "nonspace", "prune", "walk",
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
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_NEVER_UNLIKELY = frozenset(("body", "html", "a", "article", "main"))
PARAGRAPH_TAGS = frozenset((
    "p", "pre", "li", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "figcaption", "caption", "address",
    "legend",
))

_PUNCT = re.compile(r"[，。！？；：、,.!?;]")

@dataclass(slots=True)
class Unit:
    owner: int
    pieces: list[str] = field(default_factory=list)
    link_chars: int = 0
    links: list[str] = field(default_factory=list)
    text: str = ""
    chars: int = 0


@dataclass(slots=True)
class Tree:
    """The body as flat arrays indexed by pre-order position."""

    tags: list[str] = field(default_factory=list)
    parent: list[int] = field(default_factory=list)
    nodes: list[LexborNode] = field(default_factory=list)
    end: list[int] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)


def nonspace(text: str) -> int:
    return len(text) - text.count(" ") - text.count("\n") - text.count("\t") - text.count("\xa0")


# -- walking --------------------------------------------------------------------------------


def walk(body: LexborNode, url: str | None) -> Tree:
    """One depth-first pass over the body by child/next links (no parent lookups).

    Only block elements get an index (inline ones only pass on their block and link), so
    a block's subtree is the index range ``[i, end[i]]``."""
    tree = Tree()
    tags, parent, nodes = tree.tags, tree.parent, tree.nodes
    tags_append, parent_append, nodes_append = tags.append, parent.append, nodes.append
    seg_unit: list[Unit | None] = [None]
    seg_append = seg_unit.append
    hrefs: list[str] = []
    units = tree.units
    block_tags = BLOCK_TAGS
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
                    unit = seg_unit[owner] = Unit(owner)
                    units.append(unit)
                unit.pieces.append(text)
                if link >= 0:
                    unit.link_chars += nonspace(text)
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
    kept: list[Unit] = []
    for unit in units:
        text = unit.text = squash("".join(unit.pieces))
        if text:
            # == nonspace(text): squash leaves no newline, tab or no-break space, only single spaces
            unit.chars = len(text) - text.count(" ")
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


def choose_main(tree: Tree) -> list[int]:
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
        if tags[cand] in PARAGRAPH_TAGS and parent[cand] >= 0:
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


def link_lists(tree: Tree, roots: list[int]) -> set[int]:
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


@lru_cache(maxsize=4)
def _junk_selector(tags: frozenset[str]) -> str:
    return ", ".join(sorted(tags))


def prune(body: LexborNode, *, by_class: bool = True) -> list[str]:
    """Remove junk and boilerplate elements (one native selection, classified here); return
    the texts of the h1s, read before anything is removed."""
    pats = patterns()
    h1s: list[str] = []
    # junk first, so that it counts in no text length below; one native selection for all the
    # tags (strip_tags runs one per tag), removed children first so no freed node is touched
    for node in reversed(body.css(_junk_selector(pats.junk_tags))):
        node.decompose()
    selector = ", ".join(["h1", "[class]", "[id]", "[role]", "[style]", "[hidden]", *pats.boilerplate_tags])
    # children come after their parents in document order: removing in reverse order never
    # touches a node whose ancestor was already freed
    boiler, roles = pats.boilerplate_tags, pats.boilerplate_roles
    for node in reversed(body.css(selector)):
        tag = node.tag or ""
        if tag == "h1":
            h1s.append(node.text())
            continue
        if tag in boiler:
            node.decompose()
            continue
        attrs = node.attributes  # a dict: cheaper than several node.attrs lookups
        style = attrs.get("style")
        role = attrs.get("role")
        if (
            "hidden" in attrs
            or (role and role.lower() in roles)
            or (style and _HIDDEN_STYLE.search(style))
        ):
            node.decompose()
            continue
        if not by_class or tag in _NEVER_UNLIKELY:
            continue
        name = f"{attrs.get('class') or ''} {attrs.get('id') or ''}"
        if len(name) > 1 and _is_unlikely(name):
            node.decompose()
    h1s.reverse()
    return h1s
