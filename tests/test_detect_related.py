"""RelatedDetector: related-reading headings and their items, and what must stay."""

from __future__ import annotations

import pytest
from _ads_docs import doc_of

from newsieve.filters import FilterConfig, load_rules
from newsieve.filters.detectors.related import RelatedDetector, not_a_title
from newsieve.filters.types import Document, Span

ARTICLE = [
    "3月12日上午，市委、市政府在城东生态公园组织开展义务植树活动，市级领导和机关干部职工500余人参加。",
    "活动现场，大家挥锹铲土、扶苗培土、提水浇灌，干劲十足。据了解，今年全市计划完成造林绿化任务12.5万亩。",
]


def make_doc(lines: list[str]) -> Document:
    return doc_of(*lines)


@pytest.fixture(scope="module")
def detector() -> RelatedDetector:
    return RelatedDetector(load_rules(), FilterConfig())


def run(detector: RelatedDetector, lines: list[str]) -> tuple[Document, list[Span]]:
    doc = make_doc(lines)
    found = [s for s in detector.detect(doc) if isinstance(s, Span)]
    for s in found:
        assert s.label == "boilerplate.related"
        assert s.reason.startswith("boilerplate.related.")
        assert doc.text[s.start : s.end] == s.text
    return doc, found


def kept(doc: Document, found: list[Span]) -> list[str]:
    """Blocks with something left once the spans are cut out."""
    out = []
    for b in doc.blocks:
        rest = "".join(
            ch for i, ch in enumerate(doc.text[b.start : b.end], b.start)
            if not any(s.start <= i < s.end for s in found)
        )
        if rest.strip(" ?|"):
            out.append(rest.strip())
    return out


def test_same_line_block_after_footer(detector: RelatedDetector) -> None:
    # the seed page: the block sits on the line of the article's end, items split by lost emoji
    line = (
        "促进开发区协同联动发展。(刘冬冬) 编辑丨解玮 来源丨晋中日报 "
        "MORE延伸阅读??头条 我市组织开展全民国家安全教育日宣传活动"
        " ??春游 榆次附近“游园赏品”全攻略,快来查看! ??提意见 "
        "行使你权利的时候到啦!山西省人大邀您对环保工作提建议 ?? |"
    )
    _, found = run(detector, [*ARTICLE, line, "转载请注明地址:http://www.example.com/a/1.html"])
    assert len(found) == 1
    assert found[0].text.startswith("MORE延伸阅读")
    assert found[0].text.endswith("?? |")
    assert "编辑丨解玮" not in found[0].text


@pytest.mark.parametrize(
    "heading",
    ["相关阅读", "热门推荐", "推荐阅读", "相关文章", "延伸阅读", "相关新闻：", "猜你喜欢", "热卖商品"],
)
def test_heading_and_item_blocks(detector: RelatedDetector, heading: str) -> None:
    items = ["全市春耕备耕工作有序推进", "??我市举办全民健身运动会", "城东生态公园正式开园迎客"]
    doc, found = run(detector, [*ARTICLE, heading, *items])
    assert kept(doc, found) == ARTICLE


def test_heading_with_items_on_one_line(detector: RelatedDetector) -> None:
    line = "相关阅读???? 董又霖主持首秀状况百出大方道歉：会继续努力?? 顺丰小哥汪勇连升3级，国家授予特别奖"
    doc, found = run(detector, [*ARTICLE, line, "上一篇：城东生态公园正式开园迎客"])
    assert kept(doc, found) == [*ARTICLE, "上一篇：城东生态公园正式开园迎客"]


def test_items_stop_at_next_footer(detector: RelatedDetector) -> None:
    lines = [*ARTICLE, "热门推荐", "全市春耕备耕工作有序推进", "版权所有，转载请注明来源 example.com"]
    doc, found = run(detector, lines)
    assert kept(doc, found) == [*ARTICLE, "版权所有，转载请注明来源 example.com"]


def test_heading_in_prose_stays(detector: RelatedDetector) -> None:
    lines = ["记者从相关新闻发布会上获悉，全市将开展延伸阅读推广活动，推荐阅读书目共100种。", *ARTICLE]
    assert run(detector, lines)[1] == []


def test_heading_before_article_text_takes_only_itself(detector: RelatedDetector) -> None:
    # a heading followed by the article's short subheads and then its paragraphs: the subheads stay
    lines = ["相关新闻", "——理顺归属关系，畅通运转体系", "——迅速剥离职能，轻装上阵出发", *ARTICLE]
    doc, found = run(detector, lines)
    assert [s.text for s in found] == ["相关新闻"]
    assert kept(doc, found) == lines[1:]


def test_titles_after_prevnext_at_page_end(detector: RelatedDetector) -> None:
    lines = [*ARTICLE, "上一篇：世界杯预选赛南美区第17轮~乌拉圭VS秘鲁", "杜兰特入选NBA本周最佳球员",
             "33岁的莱万多夫斯基本赛季再次表现出色"]
    doc, found = run(detector, lines)
    assert {s.reason for s in found} == {"boilerplate.related.after_prevnext"}
    assert kept(doc, found) == lines[:3]


def test_paragraph_after_prevnext_stays(detector: RelatedDetector) -> None:
    lines = ["上一篇：世界杯预选赛南美区第17轮~乌拉圭VS秘鲁", *ARTICLE]
    assert run(detector, lines)[1] == []


def test_unheaded_titles_ending_the_page(detector: RelatedDetector) -> None:
    titles = [
        "江西凤凰沟鲜花盛开 市民踏春游玩",
        "航拍江西赣抚平原 一幅秀美春日田园画卷",
        "江西高速开展车辆救援技能比武大赛",
    ]
    doc, found = run(detector, [*ARTICLE, *titles])
    assert {s.reason for s in found} == {"boilerplate.related.trailing_list"}
    assert kept(doc, found) == ARTICLE


@pytest.mark.parametrize(
    "tail",
    [
        # a specification table ending a product article (zh-web-content-extraction)
        ["发动机型式：直列4缸多点电喷", "发动机总排量：1171ml", "最大功率：51Kw／6000rpm",
         "驱动型式：前置前驱"],
        # contact lines ending a notice
        ["联系人：王老师", "联系电话：0351-1234567", "地址：城东区建设路18号"],
        # a signature and a date
        ["城东区人民政府办公室", "2021年5月1日"],
        # award lines with their counts
        ["金奖 Sweepstakes winner：全球 1 个", "银奖 Second Place：全球 1 个", "铜奖 Third Place：全球 1 个"],
        # a paper's references, GB/T 7714 style (zh-web-content-extraction has such a page)
        ["程艳霞. 现代物流管理理论[M]. 武汉: 华中科技大学出版社, 2009.",
         "丁海军. 电子商务条件下企业物流运作模式研究[J]. 商业研究, 2005(7): 161-163.",
         "刘海波. 电子商务环境下的物流配送研究[D]. 北京: 中国石油大学, 2008."],
        ["[1] 程艳霞. 现代物流管理理论", "[2] 丁海军. 电子商务条件下企业物流运作模式研究",
         "[3] 刘海波. 物流配送研究"],
        # an English article ending in a tour schedule, an event's dates, a tweet's signature, a citation,
        # a contributor credit (scrapinghub-aeb keeps these in its gold)
        ["Aug. 30 -- Red Rocks Amphitheatre, Morrison, CO", "Sept. 4 -- Gorge Amphitheatre, George, WA",
         "Sept. 12 -- Hollywood Bowl, Los Angeles, CA"],
        ["Northern Lights Festival", "Lantern Walk along the Canal", "14 December 2019 | 12 January 2020"],
        ["Our first look at the new tablet", "Hands-on with the folding phone",
         "— Example Tech (@exampletech) March 3, 2020"],
        ["Do not hate a people beyond measure", "Be just even with those you dislike",
         "[Kitab Adab hal. 12]"],
        ["The two guards were placed on leave", "An investigation is under way", "Contributing: Jane Doe"],
    ],
)
def test_page_end_that_is_article_stays(detector: RelatedDetector, tail: list[str]) -> None:
    lines = [*ARTICLE, *tail]
    doc, found = run(detector, lines)
    assert kept(doc, found) == lines


def test_items_stop_at_a_spec_table(detector: RelatedDetector) -> None:
    lines = [*ARTICLE, "热卖商品", "苏泊尔 可视嫩炸锅", "苏泊尔 空气炸锅 5L大容量", "内胆材质：铝合金内胆",
             "额定电压 220V 额定功率 750W"]
    doc, found = run(detector, lines)
    assert "内胆材质：铝合金内胆" in kept(doc, found)
    assert "额定电压 220V 额定功率 750W" in kept(doc, found)


@pytest.mark.parametrize(
    "para",
    [
        "相关报道显示，今年一季度全市新增就业岗位1.2万个，同比增长8%。",
        "相关新闻发布会上，市卫健委通报了近期疫情防控工作进展。",
        "相关文章：作者在文中回顾了家乡四十年的变化，读来令人动容。",
    ],
)
def test_article_paragraph_starting_with_xiangguan_stays(detector: RelatedDetector, para: str) -> None:
    _doc, found = run(detector, [*ARTICLE, para, *ARTICLE])
    assert found == []


def test_english_footer_links_ending_in_a_date_still_go(detector: RelatedDetector) -> None:
    # a date alone (`June 19, 2019`, `20 November 2019`) or an events widget (`Apr. 28-29`) is no schedule
    article = ["The city council approved the new budget on Tuesday, after a long debate about schools."]
    tail = ["Privacy Policy", "Contact Us", "Terms of Service", "June 19, 2019"]
    doc, found = run(detector, [*article, *tail])
    assert {s.reason for s in found} == {"boilerplate.related.trailing_list"}
    assert kept(doc, found) == article


def test_blocks_left_out_by_the_trigger_pass_change_nothing(
    detector: RelatedDetector, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Headings and previous/next footers are only looked for in the blocks holding one of their
    triggers (the shared pass): the spans must be those of looking at every block."""
    from newsieve.filters.detectors import related

    pages = [
        [*ARTICLE, "相关阅读：", "杜兰特入选NBA本周最佳球员", "33岁的莱万多夫斯基本赛季再次表现出色"],
        [*ARTICLE, "上一篇：世界杯预选赛南美区第17轮~乌拉圭VS秘鲁", "杜兰特入选NBA本周最佳球员",
         "33岁的莱万多夫斯基本赛季再次表现出色"],
        [*ARTICLE, "热门推荐 江西凤凰沟鲜花盛开 | 航拍江西赣抚平原",
         "下一篇：江西高速开展车辆救援技能比武大赛", "江西凤凰沟鲜花盛开 市民踏春游玩"],
        ["上一篇：世界杯预选赛南美区第17轮~乌拉圭VS秘鲁", *ARTICLE],
    ]
    assert detector.heading_keys.exact_only and detector.prevnext.exact_only
    narrowed = [run(detector, lines)[1] for lines in pages]
    monkeypatch.setattr(related, "_only_where_triggered", lambda keys, doc: range(len(doc.blocks)))
    everywhere = [run(detector, lines)[1] for lines in pages]
    assert narrowed == everywhere
    reasons = {s.reason for spans in everywhere for s in spans}
    assert {"boilerplate.related.block", "boilerplate.related.after_prevnext"} <= reasons


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("联系电话：0571-12345678", True),
        ("1. 准备材料", True),
        ("（三）工作要求", True),
        ("2023年5月6日", True),
        ("（记者 王芳）", True),
        ("图为活动现场", True),
        ("[1] 张三. 论文", True),
        ("下面是报名方式：", True),
        ("某某证券营业部", True),
        ("某某有限公司\n", True),  # `$` also before a final line break
        ("周仕仁. 电子商务下的物流配送模式研究[J]. 物流科技", True),
        ("— 9to5Mac.com (@9to5mac) November 4, 2019", True),
        ("Aug. 30 -- Pepsi Center, Denver, CO", True),
        ("Contributing: Jane Doe", True),
        ("June 19, 2019", False),
        ("春季植树活动在城东公园举行", False),
        ("中心城区道路改造完成", False),
        ("某某有限公司\n\n", False),
    ],
)
def test_not_a_title(line: str, expected: bool) -> None:
    """Shapes at the start, words at the end and two anywhere (one alternation before: same answers)."""
    assert not_a_title(line) is expected
