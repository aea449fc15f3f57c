"""Extraction: title, paragraphs, tail blocks, metadata; broken, empty and oversized input."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from newsieve.exceptions import EmptyInput, InputTooDeep, InputTooLarge, NewsieveError, TooManyAttributes
from newsieve.filters import Document, FilterConfig, Sieve, SiteRules
from newsieve.filters._text import split_line, strip_site_suffix
from newsieve.filters.extract import extract_html, extract_text

FIXTURES = Path(__file__).parent / "fixtures"
REPOST = (FIXTURES / "extract" / "repost.html").read_text(encoding="utf-8")
PORTAL = (FIXTURES / "extract" / "portal-br.html").read_text(encoding="utf-8")
SEED = (FIXTURES / "seed-page.txt").read_text(encoding="utf-8")

REPOST_PARAGRAPHS = [
    "本报讯（记者 李华）经过一年多的建设，我市新建的滨河公园、东山公园和文化公园今日正式向市民开放，"
    "三座公园总面积超过六十公顷。",
    "开放首日，不少市民带着家人前来游览。家住附近的张女士说，以前周末只能去郊外，现在走路十分钟就能到公园，非常方便。",
    "市园林局表示，下一步将继续完善公园配套设施，增加停车位和公共卫生间，并在各公园设置志愿服务站。（赵晓东）",
]


@pytest.fixture(scope="module")
def sieve() -> Sieve:
    return Sieve()


@pytest.fixture(scope="module")
def repost() -> Document:
    return extract_html(REPOST, url="http://www.example.com/news/123.html")


def _body(doc: Document) -> list[str]:
    return [b.text for b in doc.blocks if b.kind not in ("title", "tail")]


def _tail(doc: Document) -> list[str]:
    return [b.text for b in doc.blocks if b.kind == "tail"]


# -- HTML -----------------------------------------------------------------------------------


def test_title_from_h1_agreeing_with_title(repost: Document) -> None:
    assert repost.title == "我市新建三座城市公园今日开放"
    assert repost.blocks[0].kind == "title"
    assert repost.blocks[0].text == repost.title
    assert repost.meta["raw_title"] == "我市新建三座城市公园今日开放_健康在线"


def test_article_paragraphs_kept_whole(repost: Document) -> None:
    body = _body(repost)
    for paragraph in REPOST_PARAGRAPHS:
        assert paragraph in body


def test_nav_breadcrumb_sidebar_footer_and_script_stay_out(repost: Document) -> None:
    junk_texts = ("首页", "当前位置", "热点文章", "儿童白癜风的护理", "ICP备", "Copyright", "脚本里的文字")
    for junk in (*junk_texts, "点击:"):
        assert junk not in repost.text, junk


def test_injected_link_paragraph_stays_for_the_detectors(repost: Document) -> None:
    ads = [b for b in repost.blocks if b.text == "南昌哪家治疗白癜风正规"]
    assert len(ads) == 1
    ad = ads[0]
    assert ad.kind == "p"
    assert ad.link_chars == len(ad.text)
    assert ad.links == [
        "https://baike.baidu.com/item/%E5%8D%97%E6%98%8C%E4%B9%9D%E9%BE%99%E7%99%BD%E7%99%9C%E9%A3%8E"
        "%E5%8C%BB%E9%99%A2/81801554"
    ]


def test_what_follows_the_article_is_tail(repost: Document) -> None:
    tail = _tail(repost)
    assert tail[:3] == ["点击蓝字关注我们", "编辑丨张晓", "版权所有，转载请注明来源 bdfzx120.com"]
    assert any(t.startswith("上一篇文章") for t in tail)
    prev = next(b for b in repost.blocks if b.text.startswith("上一篇文章"))
    assert prev.links == ["http://www.example.com/news/3223.html"]  # made absolute
    assert not any("编辑丨张晓" in t for t in _body(repost))


def test_offsets_index_the_text(repost: Document) -> None:
    for block in repost.blocks:
        assert repost.text[block.start : block.end] == block.text
    assert repost.text == "\n".join(b.text for b in repost.blocks)


def test_metadata_from_the_info_line(repost: Document) -> None:
    meta = repost.meta
    assert meta["published_at"] == "2019-09-07T10:30:00"
    assert meta["source"] == "晋中日报"
    assert meta["editor"] == "王小明"
    assert meta["author"] == "李华"  # （记者 李华）; the meta tag's `admin` and `作者:未知` name nobody
    assert repost.site == "www.example.com"


def test_author_from_a_trailing_name_in_parentheses() -> None:
    html = REPOST.replace("（记者 李华）", "")
    doc = extract_html(html, url=None)
    assert doc.meta["author"] == "赵晓东"
    assert any(t.endswith("（赵晓东）") for t in _body(doc))  # the name stays in the text
    assert doc.site is None


def test_placeholder_metadata_is_ignored() -> None:
    html = REPOST.replace("来源:晋中日报", "来源:本站").replace("（记者 李华）", "").replace("（赵晓东）", "")
    doc = extract_html(html, url=None)
    assert "source" not in doc.meta
    assert "author" not in doc.meta


_BODY = (
    "<p>近期，城区利用边角地、闲置地新建的三处口袋公园陆续向市民开放，周边居民出门五分钟就能散步健身。</p>"
    "<p>园林部门表示，明年还将新建口袋公园十处，进一步提升城市宜居水平，让市民享受更多绿色空间。</p>"
)


@pytest.mark.parametrize(
    ("info", "field", "value"),
    [
        ('<div class="info">（记者 刘冬冬 通讯员 王芳）</div>', "author", "刘冬冬"),
        ('<div class="info">本报记者 刘冬冬 2023-11-20</div>', "author", "刘冬冬"),
        ("<div>文/刘冬冬</div>", "author", "刘冬冬"),
        ('<div class="info">2023-11-20 来源：新华网 编辑：张三</div>', "editor", "张三"),
        ('<div class="info">时间：2023-11-20 来源：本站原创 作者：admin</div>', "source", None),
    ],
)
def test_bylines_before_the_article(info: str, field: str, value: str | None) -> None:
    html = f"<html><head><title>城区新增三处口袋公园</title></head><body><h1>城区新增三处口袋公园</h1>{info}"
    doc = extract_html(f"{html}<div class='content'>{_BODY}</div></body></html>", url=None)
    assert doc.meta.get(field) == value
    assert _body(doc)[0].startswith("近期，城区利用边角地")  # the byline is not article text


def test_table_layout_with_br_paragraphs_and_site_prefix_title() -> None:
    doc = extract_html(PORTAL, url=None)
    assert doc.title == "全省秋季造林任务全面完成"
    body = _body(doc)
    assert body[0].startswith("新华网消息 记者从省林业厅获悉")
    # a hard line break inside a paragraph between Chinese characters leaves no space
    assert "全面完成，共完成造林面积" in body[0]
    assert len(body) == 3
    for junk in ("相关链接", "退耕还林工程取得进展", "新闻中心", "版权所有"):
        assert junk not in doc.text, junk
    assert doc.meta["published_at"] == "2004-11-05T08:00:00+08:00"


def test_og_title_and_meta_date() -> None:
    html = (
        "<html><head><title>站点首页</title>"
        '<meta property="og:title" content="秋粮收购工作全面启动 - 晋中新闻网">'
        '<meta name="pubdate" content="2020-10-01 09:00:00"></head><body><div>'
        + "<p>记者从市粮食局获悉，今年秋粮收购工作已全面启动，全市共设立收购网点一百二十个。</p>" * 3
        + "</div></body></html>"
    )
    doc = extract_html(html, url=None)
    assert doc.title == "秋粮收购工作全面启动"
    assert doc.meta["published_at"] == "2020-10-01T09:00:00"


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("补壹刀：别笑！“新八国联军”今天成立了_白癜风资讯网", "补壹刀：别笑！“新八国联军”今天成立了"),
        # the repost site's suffix, then the original site's that it copied along
        ("法国全国大罢工再次严重影响交通-新华网_新闻早知道", "法国全国大罢工再次严重影响交通"),
        ("城区新增三处口袋公园 _ 新闻中心 _ 某某网", "城区新增三处口袋公园"),
        ("城区新增三处口袋公园——某某日报", "城区新增三处口袋公园"),
        ("【图】城区新增三处口袋公园(组图)_某某网", "城区新增三处口袋公园"),
        ("城区新增三处口袋公园 | 澎湃新闻 - The Paper", "城区新增三处口袋公园"),
        ("中华人民共和国监察法-纪检_新闻早知道", "中华人民共和国监察法-纪检"),  # 纪检 names no site
        # an English title keeps its own dash part
        ("Reviews Are Here — And They're Not Great - Kotaku", "Reviews Are Here — And They're Not Great"),
        ("秋粮收购工作全面启动 - 晋中新闻网", "秋粮收购工作全面启动"),
        ("棱镜|数据业大整顿：爬虫与现金贷共生共荣", "棱镜|数据业大整顿：爬虫与现金贷共生共荣"),
        ("短标题", "短标题"),
    ],
)
def test_site_suffix_removal(title: str, expected: str) -> None:
    assert strip_site_suffix(title) == expected


def test_h1_that_is_only_the_site_name_loses() -> None:
    html = (
        "<html><head><title>秋粮收购工作全面启动_晋中新闻网</title></head><body><h1>晋中新闻网</h1><div>"
        + "<p>记者从市粮食局获悉，今年秋粮收购工作已全面启动，全市共设立收购网点一百二十个。</p>" * 3
        + "</div></body></html>"
    )
    assert extract_html(html, url=None).title == "秋粮收购工作全面启动"


def test_h1_text_loses_its_script_and_an_h1_in_noscript_is_no_candidate() -> None:
    # the walk passes over junk and boilerplate tags rather than removing them; h1s are read
    # as before: without the junk inside them, and not at all inside junk
    paragraph = "<p>记者从市粮食局获悉，今年秋粮收购工作已全面启动，全市共设立收购网点一百二十个。</p>"
    html = (
        "<html><head><title>秋粮收购工作全面启动_晋中新闻网</title></head><body>"
        "<noscript><h1>秋粮收购工作全面启动（请启用脚本）</h1></noscript>"
        "<header><h1>晋中新闻网</h1><nav><a href='/'>首页</a></nav></header>"
        "<div><h1>秋粮收购工作全面启动<script>document.write('脚本里的文字')</script></h1>"
        + paragraph * 3
        + "</div><footer>版权所有 晋中新闻网</footer></body></html>"
    )
    doc = extract_html(html, url=None)
    assert doc.title == "秋粮收购工作全面启动"
    assert "脚本里的文字" not in doc.text
    assert "请启用脚本" not in doc.text
    assert "首页" not in doc.text
    assert "版权所有" not in doc.text
    assert doc.text.count("记者从市粮食局获悉") == 3


# -- broken, empty, huge --------------------------------------------------------------------


@pytest.mark.parametrize(
    "html",
    [
        "<html><body><div><p>未闭合的段落，记者今天从市政府获悉，全市新建学校十所<div><span>嵌套错乱</p></div></div>"
        "</div></div></span><p>第二段落，仍然可以读出来的正文内容，市民表示欢迎。",
        "<div>多余的结束标签</div></div></div></td></tr></table><p>正文段落，内容完整可读，记者今天采访了多位市民。</p>",
        "<<<>>><p <p>>><a href='x>混乱的属性</a>还有正文文字，记者采访了相关负责人。</p>",
    ],
)
def test_broken_html_still_yields_text(sieve: Sieve, html: str) -> None:
    doc = sieve.document(html, content_type="text/html")
    assert doc.text.strip()
    for block in doc.blocks:
        assert doc.text[block.start : block.end] == block.text


def test_binary_garbage_never_crashes_with_a_foreign_error(sieve: Sieve) -> None:
    data = bytes((i * 37 + 11) % 256 for i in range(20000))
    with contextlib.suppress(NewsieveError):  # our own error is fine; anything else fails
        sieve.document(data, content_type="text/html")


@pytest.mark.parametrize("data", [b"", "", b"   \n\t  ", "\u3000\n \xa0", b"\xef\xbb\xbf"])
def test_empty_input_raises_empty_input(sieve: Sieve, data: bytes | str) -> None:
    with pytest.raises(EmptyInput):
        sieve.document(data, content_type="text/plain")


@pytest.mark.parametrize(
    "html", ["<html><body></body></html>", "<script>var a = 1;</script><style>p{}</style>"]
)
def test_html_without_text_raises_empty_input(sieve: Sieve, html: str) -> None:
    with pytest.raises(EmptyInput):
        sieve.document(html, content_type="text/html")


def test_20mb_input_is_refused_before_parsing() -> None:
    sieve = Sieve(FilterConfig(max_input_bytes=10 * 1024 * 1024))
    data = b"<p>" + "新闻内容".encode() * (20 * 1024 * 1024 // 12 + 1) + b"</p>"
    assert len(data) >= 20 * 1024 * 1024
    with pytest.raises(InputTooLarge) as err:
        sieve.document(data, content_type="text/html")
    assert err.value.size == len(data)
    assert err.value.limit == 10 * 1024 * 1024
    assert "over the limit" in str(err.value)


def test_html_nested_too_deep_is_refused_before_parsing() -> None:
    # 200,000 nested divs are 2 MB, under the size limit, and take lexbor minutes to parse
    sieve = Sieve(FilterConfig(max_nesting_depth=10_000))
    html = "<body>" + "<div>" * 200_000 + "一段正文。" + "</div>" * 200_000 + "</body>"
    with pytest.raises(InputTooDeep) as err:
        sieve.document(html, content_type="text/html")
    assert err.value.limit == 10_000 and err.value.depth > 10_000
    assert err.value.code == "input_too_deep" and "over the limit of 10000" in str(err.value)


def test_deep_but_allowed_nesting_and_many_closed_or_implied_tags_pass() -> None:
    sieve = Sieve(FilterConfig(max_nesting_depth=1_000))
    deep = "<body>" + "<div>" * 900 + "深处的一段正文，内容完整。" + "</div>" * 900 + "</body>"
    assert sieve.clean(deep, content_type="text/html").paragraphs == ["深处的一段正文，内容完整。"]
    # thousands of tags, none deep: closed divs, unclosed <p>/<li>/<td> the parser closes itself
    wide = "<body>" + "<div>段落内容。</div>" * 3_000 + "<ul>" + "<li>条目" * 3_000 + "</ul>"
    wide += "<table>" + "<tr><td>格子" * 1_000 + "</table>" + "<p>未闭合的段落" * 3_000 + "</body>"
    assert sieve.clean(wide, content_type="text/html").paragraphs


def test_stray_end_tags_do_not_hide_the_depth() -> None:
    # the parser passes over an end tag with nothing of its name open: the divs still nest
    sieve = Sieve(FilterConfig(max_nesting_depth=10_000))
    html = "<body>" + "<div></span>" * 20_000 + "正文" + "</body>"
    with pytest.raises(InputTooDeep):
        sieve.document(html, content_type="text/html")


def test_tags_in_scripts_and_comments_are_not_nesting() -> None:
    sieve = Sieve(FilterConfig(max_nesting_depth=1_000))
    script = "<script>var s = '" + "<div>" * 5_000 + "';</script>"
    comment = "<!-- " + "<div>" * 5_000 + " -->"
    html = f"<html><head>{script}</head><body>{comment}<p>一段正文，内容完整。</p></body></html>"
    assert sieve.clean(html, content_type="text/html").paragraphs == ["一段正文，内容完整。"]


@pytest.mark.parametrize(
    "attributes",
    [
        " ".join(f"a{i}" for i in range(100_000)),  # names alone
        "".join(f'a{i}=""' for i in range(100_000)),  # quoted values, no space between them
        "a/" * 100_000,  # `/` between names
    ],
)
def test_an_element_with_too_many_attributes_is_refused_before_parsing(attributes: str) -> None:
    # lexbor checks each new attribute against the element's others: 100,000 take it 81 s
    sieve = Sieve(FilterConfig(max_element_attributes=1_000))
    html = f"<html><body><p>一段正文。</p><div {attributes}>x</div></body></html>"
    with pytest.raises(TooManyAttributes) as err:
        sieve.document(html, content_type="text/html")
    assert err.value.count == 1_001 and err.value.limit == 1_000
    assert err.value.code == "input_too_many_attributes" and "over the limit of 1000" in str(err.value)


def test_many_attributes_in_all_and_in_scripts_comments_and_values_pass() -> None:
    sieve = Sieve(FilterConfig(max_element_attributes=100))
    many = "".join(f"<span class=c{i} id=i{i} data-x='{i}'>字</span>" for i in range(2_000))  # 3 each
    script = "<script>var s = '<div " + "a " * 5_000 + "';</script>"
    comment = "<!-- <div " + "a " * 5_000 + " -->"
    value = "<p title='" + "a " * 5_000 + "'>一段正文，内容完整。</p>"
    html = f"<html><head>{script}</head><body>{comment}{value}<div>{many}</div></body></html>"
    assert "字字字" in sieve.document(html, content_type="text/html").text  # read, not refused


def test_nesting_is_not_checked_on_plain_text() -> None:
    sieve = Sieve(FilterConfig(max_nesting_depth=10))
    text = "标题在这里\n" + "正文里提到 <div> 标签的用法。" * 30
    assert sieve.clean(text, content_type="text/plain").paragraphs


# -- plain text -----------------------------------------------------------------------------

SEED_PARAGRAPHS = [
    "深化改革创新加速动能转换全面提质提速",
    "目前,全市拥有国家级开发区1家,省级开发区5家,我市在申报省级开发区、通过省级评审、省政府批准方面均走在了全省前列。",
    "作为经济建设的主战场、转型发展的重要载体,开发区建设是我市实现高质量发展、全面挺进全省第一方阵的重要平台。",
    "编辑丨解玮",
    "转载请注明地址:http://www.yingchunhuaa.com/ychfz/7130.html",
]


def test_seed_page_title_and_paragraph_splitting() -> None:
    doc = extract_text(SEED, url=None)
    assert doc.title == "新时代新气象新作为我市开发区建设"
    assert doc.blocks[0].kind == "title"
    texts = [b.text for b in doc.blocks]
    for paragraph in SEED_PARAGRAPHS:
        assert paragraph in texts, paragraph
    # the ad and its URL stay together, the URL also in links
    ad = next(b for b in doc.blocks if b.text.startswith("北京哪家治疗白癜风正规"))
    assert ad.text.endswith("/9728824")
    assert ad.links and ad.links[0].startswith("https://baike.baidu.com/item/")
    last = next(t for t in texts if t.startswith("——“1+10”联合体进入了实操阶段"))
    assert last.endswith("协同联动发展。(刘冬冬)")
    assert doc.meta["author"] == "刘冬冬"
    for block in doc.blocks:
        assert doc.text[block.start : block.end] == block.text


def test_seed_page_test_paragraphs_are_inside_blocks() -> None:
    from test_seed_page import ARTICLE_PARAGRAPHS

    doc = extract_text(SEED, url=None)
    for paragraph in ARTICLE_PARAGRAPHS:
        assert any(paragraph in b.text for b in doc.blocks if b.kind != "title"), paragraph


def test_spaces_between_latin_words_do_not_split() -> None:
    line = "华为Mate 20X 5G版半天不到需充电，" * 8 + "即在 Windows 脚本宿主或HTA程序中调用对象。" * 4
    assert split_line(line) == [(0, len(line))]


def test_short_lines_and_spaced_punctuation_do_not_split() -> None:
    assert split_line("他放弃百万年薪来到这里 唯一的要求竟是……") == [(0, 21)]
    spaced = "杭州市学军中学校长陈立群要退休了， 作为全国重点高中校长、 教育部中学校长培训中心兼职教授。 " * 4
    assert len(split_line(spaced.strip())) == 1


def test_plain_text_first_line_is_title_only_when_it_looks_like_one() -> None:
    doc = extract_text("奖金711万元！\n今天下午，未来科学大奖获奖名单在北京公布。", url=None)
    assert doc.title == "奖金711万元！"
    doc = extract_text("今天下午，未来科学大奖获奖名单在北京公布。\n第二段。", url=None)
    assert doc.title == ""
    assert doc.blocks[0].kind == "p"


def test_plain_text_info_line_gives_metadata() -> None:
    text = "秋粮收购工作全面启动\n2019年9月7日 10:30 来源：晋中日报\n记者从市粮食局获悉，秋粮收购已全面启动。"
    doc = extract_text(text, url="https://news.example.org/a/1")
    assert doc.meta["published_at"] == "2019-09-07T10:30:00"
    assert doc.meta["source"] == "晋中日报"
    assert "来源" not in doc.text
    assert doc.site == "news.example.org"


# -- the title after cleaning ---------------------------------------------------------------
# A text page's first line becomes the title at extraction; when a detector removes it (an ad,
# a menu word: chinesewebtext cc-14 ` 列表`, cc-36 a gambling brand), the title falls to the
# next line that reads as one, or to none.

TITLE_MENU = (FIXTURES / "extract" / "title-menu.txt").read_text(encoding="utf-8")
TITLE_AD = (FIXTURES / "extract" / "title-ad.txt").read_text(encoding="utf-8")


def test_menu_word_title_falls_to_the_next_line(sieve: Sieve) -> None:
    doc = sieve.document(TITLE_MENU, content_type="text/plain")
    assert doc.title == "列表"  # what extraction alone takes
    verdict = sieve.judge(doc)
    assert [s.label for s in verdict.removed if s.text == "列表"] == ["boilerplate.other"]
    assert verdict.title == "社区老年食堂开业 居民吃饭更方便"
    assert "社区老年食堂开业" not in verdict.text  # the new title is not also a paragraph
    assert verdict.paragraphs[0].startswith("本报讯 本周一")
    assert len(verdict.paragraphs) == 3


def test_ad_title_with_no_title_like_line_after_it_leaves_no_title(sieve: Sieve) -> None:
    verdict = sieve.clean(TITLE_AD, content_type="text/plain")
    assert any(s.label == "ad.gambling" and s.text == "爱游戏体育官方" for s in verdict.removed)
    # the next line is a long sentence: not a title, and it stays a paragraph
    assert verdict.title == ""
    assert "爱游戏" not in verdict.text
    assert verdict.paragraphs[0].startswith("本文摘要：今年秋季学期开学以来")


def test_title_partly_removed_keeps_the_rest(sieve: Sieve) -> None:
    text = "抖音账号购买_社区老年食堂开业\n" + TITLE_MENU.split("\n", 2)[2]
    rules = SiteRules(deny=(("抖音账号购买", "ad.other"),))
    verdict = sieve.clean(text, content_type="text/plain", site_rules=rules)
    assert verdict.title == "社区老年食堂开业"
    assert len(verdict.paragraphs) == 3
    # a scrap of a title is no title: the next line is taken as when all of it goes
    rules = SiteRules(deny=(("抖音账号购买_社区老年食", "ad.other"),))
    text = TITLE_MENU.replace(" 列表", "抖音账号购买_社区老年食堂")
    verdict = sieve.clean(text, content_type="text/plain", site_rules=rules)
    assert verdict.title == "社区老年食堂开业 居民吃饭更方便"


def test_html_title_removed_falls_to_a_heading_only(sieve: Sieve) -> None:
    page = (
        "<html><head><title>爱游戏体育官方</title></head><body><div>"
        "<h2>社区老年食堂开业</h2><p>{}</p></div></body></html>"
    )
    body = TITLE_MENU.split("\n", 2)[2].replace("\n", "</p><p>")
    rules = SiteRules(deny=(("爱游戏体育官方", "ad.gambling"),))
    verdict = sieve.clean(page.format(body), content_type="text/html", site_rules=rules)
    assert verdict.title == "社区老年食堂开业"
    no_heading = page.replace("<h2>社区老年食堂开业</h2>", "").format(body)
    verdict = sieve.clean(no_heading, content_type="text/html", site_rules=rules)
    assert verdict.title == ""
    assert verdict.paragraphs[0].startswith("本报讯 本周一")


def test_title_no_span_touches_is_kept(sieve: Sieve) -> None:
    verdict = sieve.clean(SEED, content_type="text/plain")
    assert verdict.title == "新时代新气象新作为我市开发区建设"


def test_a_long_line_of_short_items_stays_one_block() -> None:
    # a tag cloud of link texts cut to 5 characters (chinesewebtext_cc_samples doc 14 has a line of 40)
    words = ["可以触碰你", "议论文论据", "初二满分作", "写花的作文", "二年级优秀", "高中作文怎", "十篇励志美"]
    cloud = " ".join(words * 6)
    assert len(cloud) >= 200
    assert split_line(cloud) == [(0, len(cloud))]


def test_a_long_line_of_paragraphs_is_still_split() -> None:
    para = "市园林局利用街角空地新建了三处口袋公园，附近居民步行几分钟就能到达。"
    heads = ["健身步道", "儿童乐园", "银杏大道", "樱花小径", "结语"]
    line = para + "".join(f" {head} {para}" for head in heads)
    assert len(line) >= 200
    assert len(split_line(line)) == 11  # paragraphs between short subheads: not a list of items


def test_a_keyword_dump_is_split_as_before() -> None:
    dump = " ".join(["关键词" + str(i % 10) + "号" for i in range(400)])  # thousands of characters
    assert len(split_line(dump)) > 1


def test_the_python_attribute_gate_misses_no_tag_the_scan_would_refuse() -> None:
    # Without the C scan, a page is scanned tag by tag only when one regex search finds a start tag
    # with too many attributes: the search must find every tag the scan counts over the limit.
    import random

    from newsieve.filters import extract

    bits = [" a", "=", '"', "'", "/", " b=1", ' c="<div>"', "\t", "d", "=>", " e='x'", "<p", "<div", ">"]
    bits += ["<script>", "</script>", "<!--", "-->", "值"]
    over = 0
    for seed in range(3000):
        rng = random.Random(seed)
        html = "".join(rng.choice(bits) for _ in range(rng.randint(0, 80)))
        for limit in (0, 1, 2, 3):
            found = extract._markup_over(html, 10**9, limit)
            if found is not None and found[0] == "attributes":
                over += 1
                assert extract._many_attributes(limit).search(html) is not None, (seed, limit, html)
    assert over > 1000  # the random pages do go over the limits
    wide = "<p " + 'a=""' * 5000 + ">"
    assert extract._many_attributes(1000).search(wide) is not None
    assert extract._many_attributes(1000).search("<p " + "a " * 999 + ">") is None


def test_the_retry_without_class_pruning_reads_the_same_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    # the article is inside a wrapper whose class reads as an ad: the first pass finds too little,
    # the retry without class pruning finds it; with the C walk it reads the first pass's parse
    paragraph = "城区新增三处口袋公园，市民在家门口就能休闲健身，" * 6 + "受到周边居民欢迎。"
    html = (
        "<html><head><title>城区新增三处口袋公园_某某网</title></head><body>"
        '<div class="Page-ad-margins">' + f"<p>{paragraph}</p>" * 3 + "</div></body></html>"
    )
    reused = extract_html(html)
    monkeypatch.setattr("newsieve.filters.extract.reads_in_place", lambda *skip: False)  # parsed anew
    fresh = extract_html(html)
    assert [b.text for b in reused.blocks].count(paragraph) == 3
    assert reused == fresh


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("市民排起长队。（刘冬冬）", "刘冬冬"),
        ("市民排起长队。(刘冬冬)  ", "刘冬冬"),
        ("市民排起长队。（刘冬冬）。", None),
    ],
)
def test_trailing_name_after_the_last_sentence(text: str, name: str | None) -> None:
    from newsieve.filters._text import trailing_name

    assert trailing_name(text) == name


def test_info_fields_and_reporters_read_as_before() -> None:
    from newsieve.filters._text import info_fields, is_info_line, reporter

    line = "时间：2019年9月7日 10:30 来源：新华网 作者：刘冬冬 责任编辑：王芳"
    assert is_info_line(line)
    assert info_fields(line) == {
        "author": "刘冬冬", "source": "新华网", "editor": "王芳", "published_at": "2019-09-07T10:30:00",
    }
    assert info_fields("本报记者 刘冬冬 2023-11-20")["author"] == "刘冬冬"
    assert not is_info_line("市民在家门口就能休闲健身")  # no digit nor colon
    assert reporter("本报讯（记者 张三 李四）近日") == "张三 李四"
    assert reporter("本报讯 近日") is None


def test_literal_checks_before_the_metadata_regexes_change_no_answer() -> None:
    """``is_info_line``, ``find_date`` and ``_norm_title`` test literals before (or instead of) their
    regexes, for speed: the same answers as the regex forms they replace, on random lines of the
    characters those regexes look at."""
    import random
    import re

    from newsieve.filters import _text

    def old_is_info_line(text: str) -> bool:
        if len(text) > _text.INFO_LINE_MAX_CHARS:
            return False
        if ":" not in text and "：" not in text and not any(map(str.isdigit, text)):
            return False
        labels = len(_text._INFO_LABEL.findall(text))
        has_date = _text._DATE.search(text) is not None
        if labels >= 2 or (labels >= 1 and has_date):
            return True
        if not has_date or len(text) > _text.DATE_LINE_MAX_CHARS or re.search("[。！？]", text):
            return False
        return _text._VALUE.search(_text._DATE.sub("", text)) is None

    def old_find_date(text: str) -> str | None:
        for m in _text._DATE.finditer(text):
            if 1 <= int(m.group(2)) <= 12 and 1 <= int(m.group(3)) <= 31:
                return _text.find_date(m.group(0))  # (the same match, read as find_date reads it)
        return None

    pieces = ["20", "19", "2019", "1999", "年", "月", "日", "-", "/", ".", ":", "：", " ", "\t", "\n",
              "\u3000", "\xa0", "\u2028", "\x1c", "0", "1", "9", "12", "07", "时", "分", "时间", "来源",
              "作者", "点击", "。", "！", "？", "新华网", "1,841.69", "T", "a", "٣", "2019年9月7日",
              "2020-01-02", "1999/12/31 10:30", "2021.13.01"]
    rng = random.Random(5)
    dated = info = 0
    for _ in range(30000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 14)))
        assert _text.is_info_line(text) == old_is_info_line(text), text
        date = _text.find_date(text)
        assert date == old_find_date(text), text
        assert _text._norm_title(text) == re.sub(r"\s+", "", text), text
        dated += date is not None
        info += _text.is_info_line(text)
    assert dated > 3000 and info > 1000
    # every character str.split() and \s treat as space, the same
    spaces = "".join(chr(c) for c in range(0x3001) if chr(c).isspace() or re.match(r"\s", chr(c)))
    assert _text._norm_title("a" + spaces + "b") == "ab"
