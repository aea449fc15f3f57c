"""ad.other: SEO keyword lines, spliced spam URLs, selling contacts, glued product queries."""

from __future__ import annotations

import pytest
from _ads_docs import cleaned, doc_of, spans_of

from newsieve.filters.detectors.other_ads import OtherAdDetector

PARA = "凯悦酒店集团今日宣布广州增城凯悦酒店正式启幕迎宾。"


def _other(*lines: str):
    doc = doc_of(*lines)
    return doc, [s for s in spans_of(OtherAdDetector, doc) if s.label == "ad.other"]


def test_seo_keyword_line() -> None:
    line = "本文关键词：法证,先锋,主演,都有,谁,男主"
    _doc, spans = _other(PARA, line)
    assert [(s.reason, s.text) for s in spans] == [("ad.other.keywords", line)]


def test_keyword_list_glued_to_a_paragraph_goes_up_to_its_url() -> None:
    ad = "本文关键词：口袋公园,城区,健身 http://www.kw-seo.com/"
    doc, spans = _other(ad + PARA)
    assert [(s.reason, s.text) for s in spans] == [("ad.other.keywords", ad)]
    assert cleaned(doc, spans) == PARA


def test_keyword_list_glued_to_a_paragraph_without_url_leaves_the_paragraph() -> None:
    # where the list ends is not known: nothing is removed rather than the article's sentence
    _doc, spans = _other("本文关键词：口袋公园,城区,健身" + PARA)
    assert spans == []


@pytest.mark.parametrize(
    "ad", ["本文关键词：口袋公园,城区,健身", "本文关键词：口袋公园 城区 健身 http://www.kw-seo.com/"]
)
def test_keyword_list_glued_after_the_last_sentence_goes_to_the_blocks_end(ad: str) -> None:
    doc, spans = _other(PARA + ad)
    assert [(s.reason, s.text) for s in spans] == [("ad.other.keywords", ad)]
    assert cleaned(doc, spans) == PARA


@pytest.mark.parametrize(
    "tail",
    [
        "本文关键词：安全生产，会议。会议要求各部门扛起责任。",  # a sentence follows the list
        "本文关键词：这是一段很长的没有句号的文字描述了很多事情而且超过十六个字",  # not list items
        "本文关键词：口袋公园 http://www.kw-seo.com/ 城区还将新建两处公园",  # text after the URL
        "关键词：口袋公园,城区",  # not after a sentence's end: `据介绍关键词：…` is the sentence's
    ],
)
def test_a_glued_tail_that_is_not_only_a_list_stays(tail: str) -> None:
    _doc, spans = _other(PARA.rstrip("。") + ("，" if tail.startswith("关键词") else "。") + tail)
    assert spans == []


def test_keyword_line_with_a_gambling_brand_is_left_to_the_gambling_detector() -> None:
    _, spans = _other(PARA, "本文关键词：华体会官网,国科,嘉,和,疫情")
    assert spans == []


def test_spliced_url() -> None:
    line = "凯悦进一步巩固强化现有的操作规程和资源配置www.hediaode.cn，以为员工及客人提供安全无忧的环境。"
    doc, spans = _other(line)
    assert [(s.reason, s.text) for s in spans] == [("ad.other.url_splice", "www.hediaode.cn")]
    assert cleaned(doc, spans) == line.replace("www.hediaode.cn", "")


@pytest.mark.parametrize(
    "line",
    [
        "市民可登录www.gov.cn查询办理进度。",
        "相关政策可在中国政府网www.gov.cn查询。",
        "考生须在规定时间内到www.chsi.edu.cn完成学籍核验。",
        "详情请访问官网：www.example.com，了解更多。",
        "举报电话：0351-1234567，欢迎群众监督。",
        "标签：ai, 人工智能, 供应链",
        "北京哪家烤鸭好吃？记者走访了多家老字号。",
    ],
)
def test_real_text_stays(line: str) -> None:
    _, spans = _other(PARA, line)
    assert spans == []


def test_selling_contact_takes_the_pitch() -> None:
    keep = "只有了解了源水，了解了产品，才会给客户带来较高的效率。"
    pitch = ("河南某水处理药剂厂为客户生产供应大批量净水剂，以较合适的价格，促成较长久的合作！"
             "聚丙烯酰胺厂家咨询热线：13838033648 13838033648")
    doc, spans = _other(keep + pitch)
    assert [s.reason for s in spans] == ["ad.other.contact"]
    assert cleaned(doc, spans) == keep
    assert spans[0].evidence["contact"].endswith("13838033648")


def test_selling_contact_glued_to_the_front_leaves_the_paragraph() -> None:
    ad = "专业代办营业执照 快速办理 电话：13900001234"
    doc, spans = _other(ad + PARA)
    assert [s.reason for s in spans] == ["ad.other.contact"]
    assert cleaned(doc, spans) == PARA
    # a short close after the number is the ad's own
    doc, spans = _other(PARA, "专业代办营业执照 快速办理 电话：13900001234 欢迎来电")
    assert cleaned(doc, spans) == PARA + "\n"


@pytest.mark.parametrize(
    "line",
    ["淘宝店铺：某某旗舰店 http://xxx.taobao.com", "扫码领取 限时特价 点击购买", "加微信 abc1234 领取优惠券"],
)
def test_shop_line(line: str) -> None:
    _doc, spans = _other(PARA, line)
    assert [(s.reason, s.text) for s in spans] == [("ad.other.shop_line", line)]


@pytest.mark.parametrize(
    "line",
    [
        "双十一期间，不少商家推出限时特价、满减等促销活动。",  # a sentence
        "记者在淘宝上搜索发现，同类产品价格相差较大",  # one shop word
        "市场监管部门提醒消费者，警惕“秒杀”“包邮”背后的套路，理性消费，不要盲目跟风下单购买",  # long
    ],
)
def test_shop_words_in_a_report_stay(line: str) -> None:
    _doc, spans = _other(PARA, line)
    assert spans == []


@pytest.mark.parametrize("at_end", [False, True])
def test_shop_ad_glued_to_a_paragraph_goes_up_to_its_url(at_end: bool) -> None:
    ad = "原装正品 仅售99元 全国包邮 http://shop.example.com/"
    doc, spans = _other(PARA + ad if at_end else ad + PARA)
    assert [s.reason for s in spans] == ["ad.other.shop_line"]
    assert cleaned(doc, spans) == PARA


@pytest.mark.parametrize(
    "line",
    [
        "扫码领取 限时特价 点击购买" + PARA,  # no URL: where the ad ends is not known, nothing goes
        PARA + "详情可登录 http://www.samr.gov.cn 查询。",  # one URL, no shop words
        "双十一期间，商家推出包邮、秒杀等活动。详见 http://news.example.com/a.html 的报道。",  # sentences
    ],
)
def test_shop_words_glued_without_an_ad_url_stay(line: str) -> None:
    _doc, spans = _other(line)
    assert spans == []


def test_glued_product_query() -> None:
    doc, spans = _other("厦门高纯氧哪家好储存于通风库房，远离火种、热源。")
    assert [s.reason for s in spans] == ["ad.other.glued_query"]
    assert cleaned(doc, spans) == "储存于通风库房，远离火种、热源。"


def test_query_line() -> None:
    line = "想学家庭蛋糕烘焙加盟店速成中心哪家好"
    _, spans = _other(PARA, line)
    assert [(s.reason, s.text) for s in spans] == [("ad.other.query_line", line)]
    _, spans = _other(PARA, "北京烤鸭哪家好？")  # a question: may be a subheading
    assert spans == []


def test_leaked_script() -> None:
    keep = "第二，P2P模式获取车源的成本太高，但使用效率却差强人意。"
    doc, spans = _other(keep + "document.writeln('关注创业、电商、站长，扫描微信二维码，定期抽大奖。')")
    assert [s.reason for s in spans] == ["ad.other.script"]
    assert cleaned(doc, spans) == keep


# -- contacts that sell, product lines, spliced tokens, echoed keywords (issue 2) ---------------------


@pytest.mark.parametrize(
    "line",
    [
        "诚招各地代理商，加盟热线：400-888-1234",
        "本店长期批发各类茶叶，价格优惠，QQ：12345678",
        "厂家直供，量大从优，微信号：tea_shop88",
        "欢迎来电洽谈合作，手机：138 3803 3648",
    ],
)
def test_selling_contact_line(line: str) -> None:
    _, spans = _other(PARA, line)
    assert [(s.reason, s.text) for s in spans] == [("ad.other.contact", line)]


@pytest.mark.parametrize(
    "line",
    [
        "市场监管局公布价格举报电话：0351-1234567，欢迎群众监督。",  # a public body's hotline
        "王女士告诉记者，她通过微信：wx_abc123联系上了失散多年的同学。",  # no sales words
        "如需咨询，可拨打市民服务热线0351-12345678。",  # a hotline, no sales words
    ],
)
def test_contact_negative(line: str) -> None:
    _, spans = _other(PARA, line)
    assert spans == []


def test_product_price_line() -> None:
    line = "原装正品电热水壶 仅售99元 全国包邮 点击购买"
    _, spans = _other(PARA, line)
    assert [(s.reason, s.text) for s in spans] == [("ad.other.price_line", line)]


@pytest.mark.parametrize(
    "line",
    [
        "今年以来猪肉价格回落，目前每斤约15元，比去年同期下降两成。",
        "双十一期间，多家电商平台推出满减和优惠券，一台空调到手价3999元。",  # a report: a sentence
        "记者调查：所谓秒杀价99元的商品，原价也不过109元。",
    ],
)
def test_price_in_a_report_stays(line: str) -> None:
    _, spans = _other(PARA, line)
    assert spans == []


def test_spliced_random_token() -> None:
    line = "ls6utgDbOeKZnI6L技术，施工，管理等角度。"
    doc, spans = _other(PARA, line)
    assert [(s.reason, s.text) for s in spans] == [("ad.other.token_splice", "ls6utgDbOeKZnI6L")]
    assert cleaned(doc, spans).endswith("技术，施工，管理等角度。")


@pytest.mark.parametrize(
    "line",
    [
        "新款iPhone13ProMax售价较上一代有所下调。",  # a camel-case product name
        "访问https://example.com/aB3dE5gH7jK9mN1p获取材料。",  # inside a URL
        "型号为KDN04A3B2C1D的设备已停产。",  # an upper-case model number
    ],
)
def test_token_negative(line: str) -> None:
    _, spans = _other(PARA, line)
    assert [s for s in spans if s.reason == "ad.other.token_splice"] == []


def test_lead_keyword_echoes_are_removed_the_titles_stay() -> None:
    lines = (
        "赞美老师的名言警句",
        "「五篇500字的初中作文」赞美老师的名言警句",
        "导读:五篇500字的初中作文-老师",
        "他努力了，他坚持了五篇500字的初中作文，他尝试了很多次。",
        "五篇500字的初中作文_老师节",  # the front of an item title: the farm named its keyword after it
    )
    doc, spans = _other(*lines)
    found = [(s.reason, s.text) for s in spans]
    assert ("ad.other.keyword_lead", lines[2]) in found
    assert ("ad.other.keyword_echo", "「五篇500字的初中作文」") in found
    assert ("ad.other.keyword_echo", "五篇500字的初中作文") in found
    assert len(found) == 3
    assert "他努力了，他坚持了，他尝试了很多次。" in cleaned(doc, spans)


SHOP_PAGE = (
    "本厂专业生产不锈钢水箱，厂家直供，价格优惠，欢迎批发订购。",
    "产品采用食品级304不锈钢，经久耐用。",
)


def test_bare_hotline_line_on_a_page_that_sells() -> None:
    line = "咨询热线：400-123-4567"
    _, spans = _other(*SHOP_PAGE, line)
    assert [(s.reason, s.text) for s in spans] == [("ad.other.contact", line)]


@pytest.mark.parametrize(
    "lines",
    [
        (PARA, "咨询热线：400-123-4567"),  # the page sells nothing: a notice's hotline
        (*SHOP_PAGE, "电话：022-23508981"),  # a person's landline, no hotline: not a business's ad
    ],
)
def test_bare_contact_line_negative(lines: tuple[str, ...]) -> None:
    _, spans = _other(*lines)
    assert [s.text for s in spans if s.reason == "ad.other.contact"] == []


def test_token_trigger_finds_what_its_first_form_found() -> None:
    """The token_splice trigger, rewritten to start with a class (speed), hits where `[a-z0-9]{12}` did."""
    import random
    import re

    from newsieve.filters import load_rules

    trigger = re.compile(str(load_rules().rules["ad.other.token_splice"].extra["trigger"]))
    first = re.compile("[a-z0-9]{12}")
    rng = random.Random(6)
    for _ in range(5000):
        text = "".join(rng.choice("ab01z9中 .-") for _ in range(rng.randint(0, 40)))
        assert [m.span() for m in trigger.finditer(text)] == [m.span() for m in first.finditer(text)], text


def test_lines_urls_finds_what_the_url_regex_finds() -> None:
    """``_ads._lines_urls`` scans only the lines where ``_hints`` finds a URL hint: the same matches
    as ``URL.finditer`` over the whole text (random texts of URL pieces)."""
    import random

    from newsieve.filters.detectors import _ads

    pieces = ["a", "w", "W", ".", ":", "/", "\n", " ", "中", "com", "CN", "www.", "WwW.", "http://", "x.com",
              "@", "-", "1", "：", "//"]
    rnd = random.Random(7)
    for _ in range(20000):
        text = "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 24)))
        found = [m.span() for m in _ads._lines_urls(text)]
        assert found == [m.span() for m in _ads.URL.finditer(text)], repr(text)


def test_alnum_chunks_are_the_run_trigger_s_matches() -> None:
    """``_ads._alnum_chunks`` gives the spans of the token triggers' regex (runs of ASCII lower-case
    letters and digits) without it: random texts with upper case, other letters, astral characters."""
    import random
    import re

    from newsieve.filters.detectors import _ads

    pieces = ["a", "1", "中", " ", "abcdef", "Z", "x9", "\U0001f600", "?", "é", "\n"]
    rnd = random.Random(3)
    for n in (3, 12):
        pattern = re.compile(f"[a-z0-9][a-z0-9]{{{n - 1}}}")
        assert _ads._alnum_run_length(pattern.pattern) == n
        for _ in range(5000):
            text = "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 40)))
            assert _ads._alnum_chunks(text, n) == [m.span() for m in pattern.finditer(text)], repr(text)


def test_lines_urls_scans_the_lines_holding_a_hint() -> None:
    # _hints finds a `www.` by the `.` after it: the lines scanned are those holding a _URL_HINT
    from newsieve.filters.detectors._ads import _URL_HINT, URL, _lines_urls

    texts = [
        "a.cn.b\nwww.x.org\nWWW.y\n见 http://z/p\n.COM\nx.c.om\nw.cn",
        "..cn", ".cn.", "ww.www.", "x://y.z", "w\nww.cn", "访问 ｗｗｗ.abc.net 了解", "1.5 万 ... 3.2",
    ]
    for text in texts:
        expected = []
        pos = 0
        for line in text.split("\n"):
            if _URL_HINT.search(line):
                expected += [m.span() for m in URL.finditer(text, pos, pos + len(line))]
            pos += len(line) + 1
        assert [m.span() for m in _lines_urls(text)] == expected, text
