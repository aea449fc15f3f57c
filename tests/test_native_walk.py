"""The body walk in C (``filters/_lexwalk.c``) against the Python walk it replaces.

``_tree.walk`` uses the C walk when it is built and checks out (``native_walk_ok``); both must
cut every page into the same blocks and units. Each case below is a page shape that takes
another branch of the walk.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from types import SimpleNamespace

import pytest
from selectolax.lexbor import LexborHTMLParser

from newsieve.filters import Sieve
from newsieve.filters import _tree as tree_mod

PAGES = {
    "plain": "<html><body><div><p>第一段，内容。</p><p>第二段，内容。</p></div></body></html>",
    "inline and blocks": (
        "<body><div>前文<b>加粗</b><p>段落</p>后文<span>行内<div>块</div>尾</span></div></body>"
    ),
    "links": (
        "<body><p><a href='/a'>一</a><a href='/a'>二</a><a href='/b'>三</a>"
        "<a>无地址</a><a href='javascript:void(0)'>脚本</a><a href='#top'>锚点</a>"
        "<a href=' http://x.cn/c '>四\xa0五 六\t七</a></p></body>"
    ),
    "link around blocks": "<body><a href='/x'><div>块一</div><div>块二</div></a></body>",
    "breaks": "<body><p>一行<br>二行<img src=x.png>三行<br/><br/>四行</p></body>",
    "whitespace only": (
        "<body><p>甲<b>\xa0</b>乙<i>\u3000</i>丙<i>\u2028</i>丁<i> \x1c</i>戊</p>"
        "<p>\u3000\xa0 \n\t</p><p>\u2028\u3000字\u3000</p><p> \u200b </p></body>"
    ),
    "skipped": (
        "<body><nav><p>导航</p></nav><script>var a = 1;</script><style>p{}</style>"
        "<p>正文<noscript>无脚本</noscript><iframe>框</iframe>续</p><footer>页脚</footer>"
        "<aside><div>侧栏</div></aside><header>头</header><form><p>表单</p></form></body>"
    ),
    "comments and custom": (
        "<body><!-- 注释 --><x-widget>自定义<div>里面</div></x-widget><my-p>尾</my-p></body>"
    ),
    "template": "<body><template><p>模板</p></template><p>正文</p></body>",
    "table": "<body><table><tr><td>甲</td><td><a href='/t'>乙</a></td></tr></table></body>",
    "emoji and rare": "<body><p>表情😀𠀀字\U0001f600</p><p>\ufffd替换</p></body>",
    "broken": "<body><div><p>未闭合<div>嵌套<p>再一段<table><td>格</div></span>尾巴",
    "empty body": "<body></body>",
    "text only": "只有文字，没有标签",
    "deep": "<body>" + "<div>" * 3000 + "深处的文字" + "</div>" * 3000 + "</body>",
    "many units": (
        "<body>" + "".join(f"<p>第{i}段<a href='/p{i}'>链接{i}</a></p>" for i in range(500)) + "</body>"
    ),
    "pruned": (  # what prune removes: the C walk passes over it, and reads the class names
        "<body class='page wrap'><div class=sidebar>侧栏</div><div id=comments>评论</div><p hidden>隐</p>"
        "<div role=NAVIGATION>导航</div><div role=main>主体</div><span style='DISPLAY:NONE'>藏</span>"
        "<span style='visibility : hidden'>也藏</span><span style='color:red;displaу:none'>西里尔字母</span>"
        "<span style='İsplay:none'>土耳其</span><span style=''>空</span><div class=content id=x>正文"
        "<br class=sidebar>续<img style='display:none'>再续<a class=sidebar href=/x>链</a></div>"
        "<article class=sidebar>文章</article><main id=sidebar>主</main><a class=sidebar href=/y>外链</a>"
        "<h1 class=sidebar hidden>标题<i class=sidebar>副</i><b hidden>隐</b><script>脚</script></h1>"
        "<div class='  '>空类</div><div class id>无值</div><div class=a class=sidebar>重复</div>"
        "<div class='侧栏 sidebar'>中文类名</div></body>"
    ),
    "hidden body": "<body style='display:none' class=sidebar hidden><div><p>正文一段。</p></div></body>",
    "nested h1s": "<body><h1 id=a>外<h1 class=sidebar>内<span class=sidebar>删</span></h1>尾</h1></body>",
}


def _units(tree: tree_mod.Tree) -> list[tuple[int, str, int, int, list[str]]]:
    return [(u.owner, u.text, u.chars, u.link_chars, u.links) for u in tree.units]


@pytest.fixture(scope="module")
def native() -> None:
    if os.environ.get("NEWSIEVE_PURE_PYTHON", "") not in ("", "0"):
        pytest.skip("NEWSIEVE_PURE_PYTHON is set: the C walk is off on purpose")


def test_the_c_walk_is_built_and_in_use(native: None) -> None:
    # The README's install compiles it (setup.py); a silent fallback would hide a broken build.
    assert tree_mod.NATIVE_BUILT, "newsieve.filters._lexwalk was not built: is there a C compiler?"
    assert tree_mod.native_walk_ok()


def _assert_same_read(html: str, url: str | None, by_class: bool = True) -> None:
    native, python = tree_mod._compare_walks(html, url, tree_mod.skipped_tags(), by_class=by_class)
    assert (native.titles, native.metas, native.times) == (python.titles, python.metas, python.times)
    assert native.h1s == python.h1s
    if native.tree is None or python.tree is None:
        assert native.tree is python.tree is None
        return
    c_tree, py_tree = native.tree, python.tree
    assert (c_tree.tags, c_tree.parent, c_tree.end) == (py_tree.tags, py_tree.parent, py_tree.end)
    assert _units(c_tree) == _units(py_tree)
    assert c_tree.names == py_tree.names
    assert c_tree.scores == tree_mod._scores(py_tree)  # the same doubles, summed in the same order
    tree_mod._totals(py_tree)  # the C walk fills the totals choose_main reads
    c_totals = (c_tree.chars, c_tree.link_chars, c_tree.links)
    assert c_totals == (py_tree.chars, py_tree.link_chars, py_tree.links)
    assert tree_mod._same_page(native, python)


@pytest.mark.parametrize("by_class", [True, False])
@pytest.mark.parametrize("url", [None, "http://example.cn/news/1.html"])
@pytest.mark.parametrize("name", list(PAGES))
def test_c_walk_cuts_every_shape_as_the_python_walk(
    native: None, name: str, url: str | None, by_class: bool
) -> None:
    _assert_same_read(PAGES[name], url, by_class)


def test_c_walk_prunes_as_prune_does(native: None) -> None:
    page, _ = tree_mod._compare_walks(PAGES["pruned"], None, tree_mod.skipped_tags())
    h1s, tree = page.h1s, page.tree
    assert tree is not None
    texts = [u.text for u in tree.units]
    # gone: a boilerplate class or id, hidden, a boilerplate role, a hidden style (any case), a
    # pruned <br> or <img> (no line break left); kept: a role that is not boilerplate, a style
    # that only lower-cases to `i̇splay` (Turkish İ), tags never pruned by class (article, main,
    # a, h1), the first of two class attributes
    assert texts == [
        "主体", "西里尔字母土耳其空", "正文续再续链", "文章", "主", "外链", "标题", "空类", "无值", "重复",
    ]
    assert h1s == ["标题"]  # what prune removes inside an h1 goes before its text is read
    assert tree.names == ["page wrap", None, "content x", "sidebar", "sidebar", "sidebar", "", None, "a"]
    loose, _ = tree_mod._compare_walks(PAGES["pruned"], None, tree_mod.skipped_tags(), by_class=False)
    assert loose.tree is not None
    assert "侧栏" in [u.text for u in loose.tree.units]  # by_class=False: only hidden things go


def test_a_hidden_body_is_still_read(native: None) -> None:
    # `<body style="display:none">` that a script shows once the page has loaded: the body is
    # never pruned (it was freed, and the walk then read freed memory)
    verdict = Sieve().clean(PAGES["hidden body"], content_type="text/html")
    assert verdict.paragraphs == ["正文一段。"]


def test_each_selected_element_once() -> None:
    # selectolax gives an element once per selector of a list that it matches; prune removed
    # such an element once per match (freeing it again)
    body = LexborHTMLParser("<body><div class=sidebar id=a role=menu>侧</div><p>文</p></body>").body
    assert body is not None
    assert len(body.css("[class], [id], [role]")) == 3
    assert [n.tag for n in tree_mod._selected(body, "[class], [id], [role]")] == ["div"]
    assert tree_mod.prune(body) == ([], {})
    assert body.html == "<body><p>文</p></body>"


def test_without_lexbors_attribute_functions_the_c_walk_is_off(monkeypatch: pytest.MonkeyPatch) -> None:
    tree_mod._bind_lexbor.cache_clear()
    monkeypatch.setattr(tree_mod, "LEXBOR_ATTRIBUTE_API", (*tree_mod.LEXBOR_ATTRIBUTE_API[:3], "lxb_no_such"))
    try:
        assert tree_mod._bind_lexbor() is False
    finally:
        tree_mod._bind_lexbor.cache_clear()


def test_c_walk_reads_links_and_text_right(native: None) -> None:
    body = LexborHTMLParser(PAGES["links"]).body
    assert body is not None
    tree = tree_mod._native_walk(body, "http://x.cn/dir/page.html", tree_mod.skipped_tags())
    (unit,) = tree.units
    assert unit.text == "一二三无地址脚本锚点四 五 六 七"  # (squash makes the no-break space a space)
    assert unit.links == ["http://x.cn/a", "http://x.cn/b", "http://x.cn/c"]  # consecutive repeats once
    assert unit.link_chars == unit.chars  # every character is link text


def test_a_wrong_struct_layout_turns_the_c_walk_off(native: None, monkeypatch: pytest.MonkeyPatch) -> None:
    right = tree_mod._lexwalk.layout()
    assert tree_mod._layout_ok()
    for field in ("next", "parent", "first_child", "local_name", "type"):
        wrong = dict(right)
        wrong[field] = right[field] + 8 if field != "type" else right["type"] - 8
        monkeypatch.setattr(tree_mod, "_lexwalk", SimpleNamespace(layout=lambda w=wrong: w))
        assert not tree_mod._layout_ok(), field
    wrong = dict(right, text_length=right["text_length"] + 8)
    monkeypatch.setattr(tree_mod, "_lexwalk", SimpleNamespace(layout=lambda: wrong))
    assert not tree_mod._layout_ok()


def test_pure_python_gives_the_same_verdicts() -> None:
    # NEWSIEVE_PURE_PYTHON=1 turns the C walk off; the verdicts on every page shape are the same.
    script = (
        "import json, sys\n"
        "from newsieve.filters import Sieve, _tree\n"
        "pages = json.load(sys.stdin)\n"
        "s = Sieve()\n"
        "from newsieve.filters import _match, normalize\n"
        "out = {'native': _tree.native_walk_ok(), 'scan': _match.native_scan_enabled(),\n"
        "       'norm': normalize.native_norm_enabled(), 'verdicts': {}}\n"
        "for name, html in pages.items():\n"
        "    try:\n"
        "        v = s.clean(html, content_type='text/html', url='http://example.cn/a.html')\n"
        "        out['verdicts'][name] = [v.title, v.paragraphs, v.action, v.spam_score]\n"
        "    except Exception as e:\n"
        "        out['verdicts'][name] = type(e).__name__\n"
        "print(json.dumps(out))\n"
    )
    import json

    pages = {k: v for k, v in PAGES.items() if k != "deep"}
    runs = {}
    for pure in ("1", "0"):
        env = dict(os.environ, NEWSIEVE_PURE_PYTHON=pure)
        done = subprocess.run(
            [sys.executable, "-c", script], input=json.dumps(pages), capture_output=True, text=True,
            env=env, check=True, timeout=120,
        )
        runs[pure] = json.loads(done.stdout)
    assert runs["1"]["native"] is False and runs["1"]["scan"] is False and runs["1"]["norm"] is False
    assert runs["0"]["native"] and runs["0"]["scan"] and runs["0"]["norm"]
    assert runs["1"]["verdicts"] == runs["0"]["verdicts"]
    assert runs["0"]["verdicts"]["plain"][1] == ["第一段，内容。", "第二段，内容。"]


def test_the_walk_in_use_extracts_a_page(native: None) -> None:
    verdict = Sieve().clean(PAGES["skipped"], content_type="text/html")
    assert verdict.paragraphs[0] == "正文续"
    for chrome in ("导航", "var a", "无脚本", "框", "页脚", "侧栏", "头"):
        assert chrome not in verdict.text


_SOUP_TAGS = (
    "div", "p", "a", "span", "b", "br", "img", "li", "ul", "table", "tr", "td", "script", "nav", "h1",
    "x-w", "template", "section", "font", "form", "svg", "iframe", "center", "pre", "title", "meta", "time",
    "object", "h1",
)
_SOUP_TEXTS = (
    "中文", " ", "\xa0", "\u3000", "\n", "\t", "abc", "😀", "\u2028", "\x1c", "", "&nbsp;", "&amp;",
    "一\n二", "\u200b", "<!--c-->", "\ufffd", "&#0;", "\x00", "\r\n",
)


_SOUP_CLASSES = ("nav", "sidebar", "content", "article-body", "", " ", "hot rank", "正文", "share x")
_SOUP_HEAD_ATTRIBUTES = (
    ' content="内容"', " content", ' property="og:title" content="题"', ' name="author" content="甲"',
    ' itemprop="datePublished" content="2020-01-02"', ' datetime="2021-03-04"', " datetime", ' name="x"',
)
_SOUP_HIDING = (
    " hidden", ' style="display:none"', ' style="color:red"', ' style="Visibility: Hidden"', ' role="menu"',
    ' role="main"', ' style="İSPLAY:none"',
)


def _soup(rng: random.Random, depth: int = 0) -> str:
    out = []
    for _ in range(rng.randint(0, 6)):
        if rng.random() < 0.45 or depth > 8:
            out.append(rng.choice(_SOUP_TEXTS))
            continue
        tag = rng.choice(_SOUP_TAGS)
        attrs = ""
        if tag == "a" and rng.random() < 0.8:
            href = rng.choice([
                "/x", "/y", "javascript:1", "#a", "", " http://z.cn/ ", "\u3000/w\u3000", "JavaScript:2",
                " #b", "\x1c",
            ])
            attrs = f' href="{href}"'
        if tag in ("meta", "time") and rng.random() < 0.8:
            attrs += rng.choice(_SOUP_HEAD_ATTRIBUTES)
        if rng.random() < 0.2:
            attrs += f' class="{rng.choice(_SOUP_CLASSES)}"'
        if rng.random() < 0.1:
            attrs += f' id="{rng.choice(_SOUP_CLASSES)}"'
        if rng.random() < 0.08:
            attrs += rng.choice(_SOUP_HIDING)
        close = "" if rng.random() < 0.15 else f"</{tag}>"  # some left open
        out.append(f"<{tag}{attrs}>{_soup(rng, depth + 1)}{close}")
    return "".join(out)


def test_c_walk_matches_on_random_tag_soup(native: None) -> None:
    # Seeded random pages of nested, unclosed tags, links, breaks, skipped tags, odd text (NUL,
    # CR, emoji, every kind of space) and what prune reads (class, id, style, role, hidden);
    # 20,000 such pages matched when this was written.
    for seed in range(300):
        html = "<body>" + _soup(random.Random(seed)) + "</body>"
        for url, by_class in ((None, True), ("http://a.cn/b/", False)):
            _assert_same_read(html, url, by_class)


def test_a_custom_tag_to_skip_uses_the_python_walk() -> None:
    # lexbor gives a tag it does not know an id of its own per page: the C walk's table cannot
    # hold it, so read_page() takes the Python walk, which skips it by name
    skip = tree_mod.skipped_tags() | {"x-ad"}
    assert tree_mod._kinds(skip) is None
    parser = LexborHTMLParser("<body><p>正文</p><x-ad><p>广告</p></x-ad></body>")
    tree = tree_mod.read_page(parser, None, skip).tree
    assert tree is not None and [u.text for u in tree.units] == ["正文"]


_MARKUP = (
    "<div>", "</div>", "<span>", "</span>", "<p>", "</p>", "<li>", "<br>", "<DIV>", "</Div>", "<x-a1>",
    "</x-a1>", "<!--", "-->", "<!-- <div> -->", "<script>", "</script>", "</SCRIPT>", "<style>",
    "</style>", "<textarea>", "</textarea>", "</ſcript>", "<", "</", "< div>", "<1>", "<!DOCTYPE html>",
    "文字", "a", " ", "<b>", "</b>", "<i", ">", "<table>", "</table>", "<td>",
)


_ATTRIBUTE_BITS = (
    " a", "=", '"', "'", "/", " b=1", ' c="<div>"', "\t", "\n", "d", "=>", " e='x'", "==",
    # characters one of whose bytes is that of `<` or `"` (the C scan looks for bytes first)
    "值", "似", "丢", "\u3c00", "\u2222", "😀",
)


def test_c_markup_scan_matches_the_python_one(native: None) -> None:
    from newsieve.filters import extract

    for seed in range(400):
        rng = random.Random(seed)
        alphabet = _MARKUP + _ATTRIBUTE_BITS * (seed % 3)
        html = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 400)))
        for depth, attributes in ((0, 0), (3, 1), (10, 2), (50, 5), (10_000, 3)):
            c_over = extract.markup_over(html, depth, attributes)
            py_over = extract._markup_over(html, depth, attributes)
            if c_over is not None or html.count("<") > depth or len(html) >= 2 * attributes:
                assert c_over == py_over, (seed, depth, attributes, html)
            else:  # too few tags and too short to be scanned: neither can be over
                assert py_over is None, (seed, depth, attributes, html)
    # the C scan is the one in use, and says the same on a deep page and on a wide tag
    deep = "<div></span>" * 200
    assert extract.markup_over(deep, 100, 1000) == extract._markup_over(deep, 100, 1000) == ("depth", 101)
    wide = "<p " + 'a=""' * 2000 + ">"
    over = ("attributes", 1001)
    assert extract.markup_over(wide, 100, 1000) == extract._markup_over(wide, 100, 1000) == over


_SQUASH_ALPHABET = (
    "中", "文", "，", "。", "a", "b", " ", "\n", "\r", "\t", "\xa0", "\u3000", "\ue000", "\u200b", "\ufeff",
    "\u2028", "\x1c", "\x85", "\u2003", "\u202f", "（", "”", "😀", "\x0b", "\x0c",
)


def test_c_squash_matches_the_python_one(native: None) -> None:
    # The C walk squashes each unit's text itself: random texts of every kind of space, line
    # break, placeholder (U+E000) and joining character, one per <p>, squash as _text.squash does.
    from newsieve.filters._text import squash

    rng = random.Random(7)
    texts = ["".join(rng.choice(_SQUASH_ALPHABET) for _ in range(rng.randint(0, 30))) for _ in range(3000)]
    texts = [t.replace("<", "").replace("&", "") for t in texts]
    html = "<body>" + "".join(f"<p>{t}</p>" for t in texts) + "</body>"
    body = LexborHTMLParser(html).body
    assert body is not None
    tree = tree_mod._native_walk(body, None, tree_mod.skipped_tags())
    # each <p> is one unit; lexbor turns \r\n and \r into \n and \x00 into U+FFFD: read the text
    # it holds, then squash it in Python
    paragraphs = body.css("p")
    expected = [squash(p.text(deep=True)) for p in paragraphs]
    assert [u.text for u in tree.units] == [t for t in expected if t]


_SCORED_ALPHABET = (
    *_SQUASH_ALPHABET, *tree_mod.PUNCTUATION, "é", "ß", "字字字字字", "\u3000\ue000", "甲\ue000乙",
    "\U00020000", "\u2014", "…", "ab cd", "\x85",
)


def test_c_walk_counts_punctuation_as_python_does(native: None) -> None:
    # The C squash decodes, squashes and counts punctuation in one pass (an ideographic space
    # read late turns each U+E000 before it into U+3000 then): the units, and the scores that
    # count their punctuation, must be those of the Python walk, the same doubles.
    rng = random.Random(11)
    for _ in range(30):
        texts = ["".join(rng.choice(_SCORED_ALPHABET) for _ in range(rng.randint(0, 120))) for _ in range(40)]
        html = "<body>" + "".join(f"<div><p>{t}</p>{t[:9]}</div>" for t in texts) + "</body>"
        _assert_same_read(html, None)
