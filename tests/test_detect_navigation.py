"""Menu words, section labels and keyword leads left in page text (boilerplate.other.nav_word,
boilerplate.other.column, ad.other.keyword_lead): what must go and what must stay.

Lines written for these tests after the shapes of the Common Crawl sample (see tests/fixtures/README.md).
"""

from __future__ import annotations

import pytest
from _ads_docs import doc_of, spans_of

from newsieve.filters import FilterConfig, clean, load_rules
from newsieve.filters.detectors.boilerplate import BoilerplateDetector
from newsieve.filters.detectors.other_ads import OtherAdDetector
from newsieve.filters.types import Document

PARA = "市交通局今日发布通告，自下月起，城区主干道将实行错峰施工，市民出行请提前规划路线。"


def _doc(*lines: str) -> Document:
    return doc_of(*lines)


def _boiler(*lines: str) -> list[tuple[str, str]]:
    det = BoilerplateDetector(load_rules(), FilterConfig())
    return [(s.reason, s.text.strip()) for s in det.detect(_doc(*lines))]  # type: ignore[union-attr]


@pytest.mark.parametrize("word", [" 列表", "返回首页", "网站地图", "查看更多"])
def test_nav_word_line(word: str) -> None:
    assert ("boilerplate.other.nav_word", word.strip()) in _boiler(PARA, word, PARA)


@pytest.mark.parametrize(
    "line", ["查看更多详情，请返回首页。", "本次评选分类列表如下：一等奖三名。", "首页设计由学生完成"]
)
def test_nav_word_negative_in_a_sentence(line: str) -> None:
    assert _boiler(PARA, line) == []


def test_column_label_at_the_end_of_a_meta_line() -> None:
    found = _boiler(PARA, "2022-05-18 15:12:24 栏目:分类作文")
    assert found == [("boilerplate.other.column", "栏目:分类作文")]


def test_column_negative_in_prose() -> None:
    assert _boiler(PARA, "本栏目：主要刊登读者来信，欢迎投稿。") == []


def _other(*lines: str) -> list[tuple[str, str]]:
    doc = doc_of(*lines)
    return [(s.reason, s.text) for s in spans_of(OtherAdDetector, doc) if s.label == "ad.other"]


def test_keyword_lead_line() -> None:
    line = "导读:五篇500字的初中作文-老师"
    assert _other(PARA, line) == [("ad.other.keyword_lead", line)]


@pytest.mark.parametrize(
    "line", ["导读：近日，市政府召开常务会议，研究部署防汛工作。", "摘要：本文分析了城市交通拥堵的成因。"]
)
def test_keyword_lead_negative_a_sentence(line: str) -> None:
    assert _other(PARA, line) == []


# -- menu lines: many short items at the page's edge (boilerplate.other.menu_line) ------------------

MENU = "首页 新闻中心 产品展示 行业资讯 联系我们"
CATEGORIES = "北欧广播, 北欧电视, 华侨华人, 国际新闻, 头条要闻, 文化卫生"


@pytest.mark.parametrize("line", [MENU, CATEGORIES, "财经 | 体育 | 娱乐 | 汽车 | 房产 | 数码"])
def test_menu_line_before_the_article(line: str) -> None:
    assert ("boilerplate.other.menu_line", line) in _boiler(line, PARA, PARA)


def test_menu_line_after_the_article() -> None:
    assert ("boilerplate.other.menu_line", MENU) in _boiler(PARA, PARA, MENU)


@pytest.mark.parametrize(
    "line",
    [
        "床前明月光 疑是地上霜 举头望明月 低头思故乡",  # a verse: clauses of one length
        "新华网黑龙江频道 记者 伊琳 李清芬",  # a byline
        "热 点 推 荐 新 闻",  # characters spaced out
        "痰多咳嗽、气短乏力，是脾虚、肾虚还是肺虚",  # a sentence's clauses
        "原料：面粉 鸡蛋 白糖 牛奶",  # key: value
        "Kemira C491 HMW ASHLAND PRAESTOL 835",  # model numbers
    ],
)
def test_menu_line_negative_shapes(line: str) -> None:
    assert ("boilerplate.other.menu_line", line) not in _boiler(line, PARA, PARA)


def test_short_items_inside_the_article_stay() -> None:
    winners = "张三丰 李四光 王五福 赵六顺"  # a list of names between two paragraphs of the article
    assert _boiler(PARA, winners, PARA) == []


# -- the page header of text pages: a menu taken for the title, a sidebar category, a bare number ---------
# Lines written after cc-48 (`北欧广播, 北欧电视, …` as the first line), cc-13 (`铜梁办公室装修 (1篇) 展开`),
# cc-11 (`18` under the title) and cc-14 (a tag cloud of link texts cut to 5 characters).

HEADLINE = "城东新区三所学校今秋开学"


def test_menu_line_taken_for_the_title_goes_and_the_title_falls_to_the_next_line() -> None:
    v = clean("\n".join([CATEGORIES, HEADLINE, PARA, PARA]), content_type="text/plain")
    assert v.title == HEADLINE
    assert any(s.reason == "boilerplate.other.menu_line" and s.text == CATEGORIES for s in v.removed)


def test_a_title_of_short_words_is_not_a_menu() -> None:
    title = "奋进新征程 建功新时代"  # two phrases: too few items for a menu
    v = clean("\n".join([title, PARA, PARA]), content_type="text/plain")
    assert v.title == title
    assert v.removed == []


def test_sidebar_category_with_its_count() -> None:
    line = "办公室装修 (3篇) 展开 列表"
    found = _boiler(line, PARA, PARA)
    assert {r for r, _ in found} == {"boilerplate.other.category_count", "boilerplate.other.nav_word"}
    assert "办公室装修 (3篇)" in {t for _, t in found}


@pytest.mark.parametrize("line", ["本届共收到论文 (120篇) ，评出一等奖十篇。", "展开全部讨论，大家各抒己见"])
def test_category_count_and_fold_words_in_a_sentence_stay(line: str) -> None:
    assert _boiler(PARA, line, PARA) == []


def test_bare_number_under_the_title() -> None:
    assert ("boilerplate.other.number_line", "18") in _titled("集团领导赴水务公司调研", "18", PARA, PARA)


@pytest.mark.parametrize(
    "lines",
    [
        ("集团领导赴水务公司调研", PARA, "01", PARA),  # a WeChat section number inside the article
        ("集团领导赴水务公司调研", PARA, PARA, "2018"),  # a number after the article
    ],
)
def test_bare_number_elsewhere_stays(lines: tuple[str, ...]) -> None:
    assert not any(r == "boilerplate.other.number_line" for r, _ in _titled(*lines))


CLOUD = " ".join([
    "可以触碰你", "议论文论据", "初二满分作", "写花的作文", "二年级优秀", "高中作文怎", "小学生关于",
    "十篇励志美", "考作文700", "优秀满分作", "苹果的作文", "作文《迷》", "四年级作文", "我的好朋友",
])


def test_tag_cloud_after_the_article_is_one_menu_line() -> None:
    v = clean("\n".join([HEADLINE, PARA, PARA, CLOUD]), content_type="text/plain")
    assert [s.text for s in v.removed if s.reason == "boilerplate.other.menu_line"] == [CLOUD]
    assert "可以触碰你" not in v.text


@pytest.mark.parametrize(
    "line",
    [
        "《红楼梦》 《西游记》 《水浒传》 《三国演义》",  # four titles: a short line, brackets in every item
        " ".join(["春风", "夏雨", "秋霜", "冬雪", "晨露", "晚霞", "流云", "飞絮", "明月", "清泉", "松涛",
                  "竹影。"]),
    ],
)
def test_lists_with_brackets_or_a_sentence_end_are_not_menus(line: str) -> None:
    assert ("boilerplate.other.menu_line", line) not in _boiler(PARA, PARA, line)


def _titled(title: str, *lines: str) -> list[tuple[str, str]]:
    doc = doc_of(title, *lines)
    doc.blocks[0].kind = "title"
    doc.title = title
    det = BoilerplateDetector(load_rules(), FilterConfig())
    return [(s.reason, s.text.strip()) for s in det.detect(doc)]  # type: ignore[union-attr]


def test_site_address_line() -> None:
    line = "网址:www.example-dust.com"
    assert ("boilerplate.other.site_address", line) in _boiler(PARA, PARA, line)


@pytest.mark.parametrize(
    "line", ["报名网址：www.example.gov.cn，也可现场报名。", "请登录官网www.example.cn查询"]
)
def test_site_address_in_a_sentence_stays(line: str) -> None:
    assert _boiler(PARA, line) == []
