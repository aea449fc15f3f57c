"""ListRunDetector: headingless link lists before and after the article body, and what must stay."""

from __future__ import annotations

import pytest
from _ads_docs import doc_of

from newsieve.filters import FilterConfig, clean, load_rules
from newsieve.filters.detectors.listruns import ListRunDetector
from newsieve.filters.types import Document, Span

TITLE = "如何将HEIC图片传输到电脑上？"
BODY = [
    "随着互联网的普及，用照片随时随地分享生活成为很多人的日常。"
    "自iOS 11以来，iPhone拍摄的图片默认是HEIC格式。",
    "HEIC格式占用空间更小，画质更加无损，但对电脑的兼容性较差，很多电脑都不支持直接打开。",
    "AirDroid在传输图片时可以自动将HEIC格式的图片转换成JPG格式，省去了转换格式的繁复步骤。",
]
SIDEBAR = [  # chinesewebtext_cc_samples doc 40, shortened: the site's other how-tos, before the title
    "如何在电脑上浏览HEIC图片？",
    "如何使用剪贴板功能将电脑文字传输到iPhone？",
    "如何管理iPhone的文件？",
    "如何找到iPhone上的文件？",
]
PRICES = [  # doc 39: one template, the month changing
    "2022年五月铂金的DOP价格",
    "2022年四月铂金的DOP价格",
    "2022年三月铂金的DOP价格",
    "当前铂金的DOP价格",
]
NEWS_LIST = [  # doc 24: titles, each followed by its date
    "航空学院重新开放飞行训练",
    "2020年4月2日",
    "学院女飞行员完成环球飞行",
    "2019年11月25日",
    "学院获赠一架教练机",
    "2019年10月8日",
]


@pytest.fixture(scope="module")
def detector() -> ListRunDetector:
    return ListRunDetector(load_rules(), FilterConfig())


def run(detector: ListRunDetector, doc: Document) -> list[Span]:
    found = [s for s in detector.detect(doc) if isinstance(s, Span)]
    for s in found:  # the contract every span keeps
        assert doc.text[s.start : s.end] == s.text
        assert s.reason.startswith(s.label + ".")
        assert 0 < s.confidence <= 1
    return found


def removed(found: list[Span]) -> list[str]:
    return [s.text for s in found]


# -- what is taken --------------------------------------------------------------------------------


def test_sidebar_before_body_is_navigation(detector: ListRunDetector) -> None:
    found = run(detector, doc_of(*SIDEBAR, TITLE, "AirDroid 个人版 iOS端介绍", *BODY))
    assert {s.reason for s in found} == {"boilerplate.other.link_run"}
    assert {s.label for s in found} == {"boilerplate.other"}
    # the last two lines before the body may be the article's title and a subtitle: they stay
    assert removed(found) == SIDEBAR
    assert "questions" in found[0].evidence["signals"]


def test_templated_list_after_body(detector: ListRunDetector) -> None:
    found = run(detector, doc_of(TITLE, *BODY, *PRICES))
    assert removed(found) == PRICES
    assert {s.reason for s in found} == {"boilerplate.related.list_tail"}
    assert found[0].evidence["signals"] == ["template"]


def test_question_titles_after_body(detector: ListRunDetector) -> None:
    tail = ["文件传输与管理的常见问题", "如何使用好友功能与好友传输文件？", "下载文件提示下载失败怎么办？"]
    found = run(detector, doc_of(TITLE, *BODY, *tail))
    assert removed(found) == tail


def test_news_list_with_dates_after_body(detector: ListRunDetector) -> None:
    tail = ["航空学院重新开放飞行训练 2020-04-02", "学院女飞行员完成环球飞行 2019-11-25",
            "学院获赠一架教练机 2019-10-08"]
    found = run(detector, doc_of(TITLE, *BODY, *tail))
    assert removed(found) == tail
    assert "dates" in found[0].evidence["signals"]


def test_teasers_after_body(detector: ListRunDetector) -> None:
    tail = ["全国五一劳动奖章获得...", "公主岭三里堡新春走基层...", "官方首次详解房地产税改革..."]
    found = run(detector, doc_of(TITLE, *BODY, *tail))
    assert removed(found) == tail


def test_category_counts_before_body(detector: ListRunDetector) -> None:
    # a blog's archive and category sidebar (zh-web-content-extraction, flattened)
    side = ["2006年1月 (90)", "2005年12月 (100)", "2005年10月 (704)", "铜梁办公室装修 (1篇)"]
    found = run(detector, doc_of(*side, TITLE, "AirDroid 个人版 iOS端介绍", *BODY))
    assert removed(found) == side
    assert found[0].evidence["signals"] == ["counts"]


def test_link_items_after_body(detector: ListRunDetector) -> None:
    tail = [("城东生态公园正式开园迎客", ["/a/1"]), ("全市春耕备耕工作有序推进", ["/a/2"]),
            ("我市举办全民健身运动会", ["/a/3"])]
    found = run(detector, doc_of(TITLE, *BODY, *tail))
    assert removed(found) == [t for t, _ in tail]
    assert found[0].evidence["signals"] == ["links"]


def test_after_an_introducing_colon_the_first_item_stays(detector: ListRunDetector) -> None:
    tail = ["下面是传输文件的教程：", "如何在电脑和手机之间互传文件？", "文件传输与管理的常见问题",
            "如何使用好友功能与好友传输文件？", "下载文件提示下载失败怎么办？"]
    found = run(detector, doc_of(TITLE, *BODY, *tail))
    assert removed(found) == tail[2:]


def test_page_through_the_pipeline(detector: ListRunDetector) -> None:
    text = "\n".join([TITLE, *SIDEBAR, "AirDroid 个人版 iOS端介绍", *BODY, *PRICES])
    verdict = clean(text, content_type="text/plain")
    assert verdict.title == TITLE
    assert all(p in verdict.paragraphs for p in BODY)
    for line in SIDEBAR[:-1] + PRICES:
        assert line not in verdict.paragraphs
    assert SIDEBAR[-1] in verdict.paragraphs  # one of the two lines before the body: left
    labels = {s.text: s.label for s in verdict.removed}
    assert [labels.get(line) for line in SIDEBAR[:-1]] == ["boilerplate.other"] * 3
    # the list after the body may be proposed by related.py's trailing list too: one label either way
    assert [labels.get(line) for line in PRICES] == ["boilerplate.related"] * 4


# -- what stays ----------------------------------------------------------------------------------


def test_title_line_stays_when_the_run_starts_the_page(detector: ListRunDetector) -> None:
    doc = doc_of(TITLE, *SIDEBAR, "AirDroid 个人版 iOS端介绍", *BODY, title=TITLE)
    doc.blocks[0].kind = "title"
    found = run(detector, doc)
    assert TITLE not in removed(found)
    assert removed(found) == SIDEBAR[:3]


def test_repeats_of_the_title_stay(detector: ListRunDetector) -> None:
    # GNE sina/1 as text: the headline twice among menu words, before the text
    title = "中国人习以为常的地方 为何老外却说了不得？"
    menu = ["新闻中心", title, "国内新闻正文为何如此？", "缩小字体", "放大字体"]
    doc = doc_of(title, *menu, *BODY, title=title)
    assert not any("习以为常" in t for t in removed(run(detector, doc)))


@pytest.mark.parametrize(
    "tail",
    [
        # a numbered list of steps ends the article
        ["下面是具体步骤：", "1. 在App Store中搜索并安装AirDroid", "2. 打开AirDroid后前往设置",
         "3. 开启接收方不支持HEIC时自动转换", "4. 从iPhone传输图片到电脑"],
        # unnumbered steps after an introduction, no list signal
        ["操作步骤如下：", "打开手机设置", "进入照片选项", "选择兼容性最好", "重新拍摄照片"],
        # a poem quoted at the end, no punctuation
        ["静夜思", "床前明月光", "疑是地上霜", "举头望明月", "低头思故乡"],
        # modern verse with repeated openings (a template, but the lines are short)
        ["我爱这土地", "我爱这土地的河流", "我爱这土地的风", "我爱这土地的黎明"],
        # a list of names in a report, schools sharing words
        ["获奖名单", "北京市第一中学 张明", "北京市第二中学 李华", "北京市第三中学 王芳",
         "北京市第四中学 赵强"],
        # a timeline: the shared part is a date
        ["公司大事记", "2021年3月 完成首轮融资", "2021年3月 入驻科技园区", "2021年5月 产品上线运营",
         "2021年5月 用户突破十万"],
        # a schedule: dates first
        ["巡演日程", "6月24日 北京站 工人体育馆", "6月26日 上海站 梅赛德斯中心", "6月29日 广州站 体育馆"],
        # questions put to the reader
        ["你是否经常失眠？", "你是否容易疲劳？", "你是否记忆力下降？", "你的家人是否也这样呢？"],
        # a table of figures
        ["内胆材质：铝合金内胆", "额定电压：220V", "额定功率：750W", "容量：4L"],
        # ... whose keys share a word
        ["产品名称：苏泊尔智能电饭煲", "产品型号：苏泊尔SF40FC775", "产品容量：四升大容量",
         "产品产地：浙江省杭州市"],
        # numbered questions for the reader (a lesson's exercises)
        ["思考与练习", "1、作者为什么要写这篇文章？", "2、文中的父亲是一个怎样的人？",
         "3、最后一段有什么作用？"],
        # a ranking: names and their scores
        ["成绩排名", "张明 (95)", "李华 (92)", "王芳 (90)", "赵强 (88)"],
        # credits: one pair of lines sharing words is no template
        ["本次活动由市文明办主办", "本次活动由市体育局承办", "感谢各单位的大力支持"],
    ],
)
def test_article_end_that_is_article_stays(detector: ListRunDetector, tail: list[str]) -> None:
    assert run(detector, doc_of(TITLE, *BODY, *tail)) == []


def test_rhetorical_questions_before_the_body_stay(detector: ListRunDetector) -> None:
    lead = ["你是否经常失眠？", "你是否容易疲劳？", "你是否记忆力下降？", "你是否常常头痛？",
            "你是否总是健忘？"]
    assert run(detector, doc_of(TITLE, *lead, *BODY)) == []


def test_lists_inside_the_body_stay(detector: ListRunDetector) -> None:
    qa = ["如何注册账户？", BODY[0], "如何修改密码？", BODY[1], "如何注销账户？", BODY[2]]
    steps = ["如何管理iPhone的文件？", "如何找到iPhone上的文件？", "如何传输视频和照片？",
             "如何浏览HEIC图片？"]
    assert run(detector, doc_of(TITLE, *BODY, *qa, *steps, *PRICES, *NEWS_LIST, *BODY)) == []


def test_no_body_no_finding(detector: ListRunDetector) -> None:
    # a page of short lines only (a product page, a menu): nothing to stand outside of
    assert run(detector, doc_of(TITLE, *SIDEBAR, *PRICES)) == []


def test_two_items_are_not_a_list(detector: ListRunDetector) -> None:
    assert run(detector, doc_of(TITLE, *BODY, *PRICES[:2])) == []
