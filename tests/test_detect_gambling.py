"""ad.gambling: spliced brands go and their sentence stays; casino news and ordinary words stay."""

from __future__ import annotations

import pytest
from _ads_docs import cleaned, doc_of, spans_of

from newsieve.filters import FilterConfig
from newsieve.filters.detectors.gambling import GamblingDetector

PARA = "近期，城区利用边角地、闲置地新建的三处口袋公园陆续向市民开放，周边居民出门五分钟就能散步健身。"


def _gambling(*lines: str):
    doc = doc_of(*lines)
    return doc, [s for s in spans_of(GamblingDetector, doc) if s.label == "ad.gambling"]


@pytest.mark.parametrize(
    ("line", "splice"),
    [
        ("据应急管理厅消息：3月11日1时39分，王者威尼斯人现金网网址：宜春市一制药公司发生爆炸事故。",
         "王者威尼斯人现金网网址："),
        ("无与伦比的个人关注和实习机会，航空报价bt365手机下载首页摩根大学。", "bt365手机下载首页"),
        ("yabo手机版登录:冻生开杂色蛤肉价格行情。", "yabo手机版登录:"),
        ("本届论坛吸引了众多企业参与，华体会官网注册的嘉宾发表了演讲。", "华体会官网注册"),
        ("市民反映，皇冠体育网址在朋友圈流传。", "皇冠体育网址"),
    ],
)
def test_splice_is_cut_out_of_the_sentence(line: str, splice: str) -> None:
    doc, spans = _gambling(line)
    assert [s.reason for s in spans] == ["ad.gambling.splice"]
    assert cleaned(doc, spans) == line.replace(splice, "", 1)


@pytest.mark.parametrize("at_end", [False, True])
def test_brand_glued_to_a_paragraph_goes_with_its_headline_and_url(at_end: bool) -> None:
    ad = "威尼斯人娱乐城官网：注册就送彩金 http://www.vns888.com/"
    doc, spans = _gambling(PARA + ad if at_end else ad + PARA)
    assert [s.reason for s in spans] == ["ad.gambling.splice"]
    assert cleaned(doc, spans) == PARA


def test_keyword_list_glued_after_the_last_sentence_goes_the_paragraph_stays() -> None:
    listed = "本文关键词：必威betway，太阳城，口袋公园"
    doc, spans = _gambling(PARA + listed)
    assert [(s.reason, s.text) for s in spans] == [("ad.gambling.keywords", listed)]
    assert cleaned(doc, spans) == PARA


def test_a_glued_keyword_list_without_a_brand_is_not_gambling() -> None:
    # the brand is spliced into the paragraph, not in the list: the splice goes, the list is not
    # this detector's (ad.other's keywords rule takes it)
    line = "本届论坛吸引了众多企业参与，华体会官网注册的嘉宾发表了演讲。本文关键词：论坛，企业"
    _doc, spans = _gambling(line)
    assert [(s.reason, s.text) for s in spans] == [("ad.gambling.splice", "华体会官网注册")]


def test_keyword_line_glued_to_a_paragraph_leaves_the_paragraph() -> None:
    listed = "本文关键词：娃娃,菜炒,必威betway中文版 http://www.kw-seo.com/"
    doc, spans = _gambling(listed + PARA)
    assert [(s.reason, s.text) for s in spans] == [("ad.gambling.keywords", listed)]
    assert cleaned(doc, spans) == PARA


@pytest.mark.parametrize(
    "line",
    [
        "皇冠体育 足球投注 http://www.hg0088.com",
        "六合彩开奖结果 香港马会资料 http://www.6hc.com",
        "时时彩计划 重庆时时彩 http://www.ssc.com",
        "澳门葡京赌场 真人百家乐在线 http://www.pj6666.com",
    ],
)
def test_short_line_with_a_brand_a_gambling_word_and_a_url(line: str) -> None:
    doc, spans = _gambling(PARA, line, PARA)
    assert [(s.reason, s.text) for s in spans] == [("ad.gambling.ad_line", line)]
    assert cleaned(doc, spans) == f"{PARA}\n\n{PARA}"


@pytest.mark.parametrize(
    "line",
    [
        "皇冠假日酒店 http://www.ihg.com",  # an ambiguous brand with no gambling word: a hotel
        "皇冠体育场馆预约 http://www.tiyu.gov.cn",  # a public body's site
        "六合彩开奖结果 香港马会资料",  # no URL of its own
        "警方通报：一男子沉迷六合彩网络投注，被骗十余万元。http://www.gaj.example.com",  # a sentence
        "记者走访发现，不少市民仍通过微信群参与时时彩投注，涉案金额巨大 http://news.example.com/1",  # long
    ],
)
def test_lines_that_are_not_gambling_ads_stay(line: str) -> None:
    _doc, spans = _gambling(PARA, line, PARA)
    assert spans == []


@pytest.mark.parametrize(
    "line",
    [
        "网上赌博平台 注册送38元 http://www.xyz123.com",
        "老虎机 电子游艺 注册就送彩金 http://slots.example.net",
        "正规网投平台 首存优惠 日返1% www.wt-888.net",
    ],
)
def test_short_line_without_a_brand_naming_a_game_and_an_offer(line: str) -> None:
    doc, spans = _gambling(PARA, line, PARA)
    assert [(s.reason, s.text) for s in spans] == [("ad.gambling.ad_line", line)]
    assert cleaned(doc, spans) == f"{PARA}\n\n{PARA}"


@pytest.mark.parametrize(
    "line",
    [
        "打击网络赌博 举报有奖 http://www.12377.cn",  # a game, no offer
        "彩票中心 双色球开奖 优惠活动 http://www.cwl.gov.cn",  # an offer, no game; a public body
        "澳门赌场 优惠酒店预订 http://www.macau-gaming.gov.mo",  # a public body's site
        "网上赌博平台 注册送38元",  # no URL of its own
        "县公安局破获一起网上赌博案，该平台以注册送38元为诱饵。http://gaj.example.com/1",  # a sentence
        "记者调查发现，一些网络赌博平台以注册送彩金引诱青少年参赌 http://news.example.com/2",  # prose
    ],
)
def test_lines_without_a_brand_that_are_not_ads_stay(line: str) -> None:
    _doc, spans = _gambling(PARA, line, PARA)
    assert spans == []


def test_brand_list_line() -> None:
    line = "优乐国际ag代理 威尼斯人现金直营 太阳城电玩城手机版 登峰娱乐代理网址 钻石娱乐电子平台网"
    _doc, spans = _gambling("正文第一段。", line)
    assert [(s.reason, s.text) for s in spans] == [("ad.gambling.keywords", line)]


def test_keyword_line_with_a_brand() -> None:
    line = "本文关键词：娃娃,菜炒,必威betway中文版,香菇,炒,牛肉"
    _doc, spans = _gambling("正文第一段。", line)
    assert [(s.reason, s.text) for s in spans] == [("ad.gambling.keywords", line)]
    assert spans[0].evidence["brands"]


def test_full_width_and_traditional_brands() -> None:
    doc, spans = _gambling("会上，澳門新葡京ＡＰＰ下載吸引眼球，代表们随后参观了展览。")
    assert [s.text for s in spans] == ["澳門新葡京ＡＰＰ下載"]
    assert cleaned(doc, spans) == "会上，吸引眼球，代表们随后参观了展览。"


@pytest.mark.parametrize(
    "line",
    [
        "澳门威尼斯人度假村酒店今年接待游客增长两成，金沙中国股价上涨3%。",
        "皇冠假日酒店正式开业，太阳城小区居民参加了开业仪式。",
        "警方破获一起利用“时时彩”进行网络赌博的案件，抓获犯罪嫌疑人12名。",
        "本届世界杯开幕，球迷在体育平台观看直播。",
        "乐虎功能饮料赞助了本次马拉松比赛，开云集团发布了财报。",
        "敦煌鸣沙山月牙泉景区，金沙在阳光下闪闪发光。",
        "标签： 世界杯预选赛 南美区 哥伦比亚 玻利维亚 积分 排名",
    ],
)
def test_news_and_ordinary_words_stay(line: str) -> None:
    _, spans = _gambling(line)
    assert spans == []


def test_each_splice_rule_starts_with_a_brand() -> None:
    """``_title_brand`` searches a title with the splice rules only when the brand scanner finds a
    brand in it: every splice rule must start with one (ads_gambling.toml)."""
    from _ads_docs import rules

    det = GamblingDetector(rules(), FilterConfig())
    for rule, _ in det.splice_rules:
        assert rule.pattern.pattern.startswith(("(?:{brands})", "(?:{ambiguous})")), rule.id


def test_page_words_gives_each_list_its_own_hits() -> None:
    # ad.medical and ad.gambling share one scan of the view; each list gets what its own scanner finds
    from newsieve.filters._match import LiteralScanner
    from newsieve.filters.detectors._ads import PageWords
    from newsieve.filters.normalize import normalized_view
    from newsieve.filters.types import Block, Document

    words = PageWords()
    diseases = words.add(["白癜风", "癜风", "牛皮癣"])
    brands = words.add(["风尚", "白癜"])
    text = "治疗白癜风牛皮癣，风尚娱乐白癜风"
    doc = Document(text=text, blocks=[Block(text, 0, len(text))])
    view = normalized_view(doc)
    for own in (diseases, brands):
        assert words.hits(doc, view, own) == LiteralScanner(own).scan(view.text)
    assert words.hits(doc, view, frozenset()) == []
