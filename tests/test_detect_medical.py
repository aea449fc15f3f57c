"""ad.medical: every form of an injected hospital ad goes, hospital news stays."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _ads_docs import cleaned, doc_of, spans_of

from newsieve.filters import FilterConfig, clean
from newsieve.filters.detectors.medical import MedicalAdDetector

FIXTURES = Path(__file__).parent / "fixtures" / "ads"
PARA = "目前，全市拥有国家级开发区1家，省级开发区5家，我市在申报省级开发区方面走在了全省前列。"
BAIKE = ("https://baike.baidu.com/item/%E5%8C%97%E4%BA%AC%E4%B8%AD%E7%A7%91%E7%99%BD%E7%99%9C%E9%A3%8E"
         "%E5%8C%BB%E9%99%A2/9728824")


def _medical(*lines: str | tuple[str, list[str]]):
    doc = doc_of(*lines)
    spans = [s for s in spans_of(MedicalAdDetector, doc) if s.label == "ad.medical"]
    return doc, spans


@pytest.mark.parametrize(
    "ad",
    [
        "北京哪家治疗白癜风正规",
        "杭州治疗癫痫哪家医院好",
        "福州癫痫医院哪家最好",
        "治疗牛皮癣哪里正规",
        "成都治疗妇科哪家医院好",
        "西安男科医院排行榜",
        "哪家白癜风医院好",
        "北京最好的白癜风医院",
        "广州治疗癫痫最好的医院",
        "北京看白癜风到哪里比较好",
        "郑州男科医院地址",
        "北京市哪家医院治疗牛皮癣好",
    ],
)
def test_query_line_is_removed(ad: str) -> None:
    doc, spans = _medical(PARA, ad, PARA)
    assert [s.reason for s in spans] == ["ad.medical.query"]
    assert spans[0].text == ad
    assert cleaned(doc, spans) == f"{PARA}\n\n{PARA}"


def test_query_with_bare_url_names_the_hospital() -> None:
    ad = f"北京哪家治疗白癜风正规 {BAIKE}"
    _doc, spans = _medical(ad, PARA)
    assert len(spans) == 1 and spans[0].text == ad
    ev = spans[0].evidence
    assert ev["hospital"] == "北京中科白癜风医院"  # decoded from the encyclopedia URL
    assert ev["disease"] == "白癜风" and ev["city"] == "北京"
    assert ev["url"] == BAIKE


def test_glued_to_the_front_keeps_the_paragraph() -> None:
    doc, spans = _medical(f"北京哪家治疗白癜风正规 {BAIKE} {PARA}")
    assert len(spans) == 1
    assert spans[0].evidence["placement"] == "front"
    assert cleaned(doc, spans) == PARA


@pytest.mark.parametrize(
    ("ad", "reason"),
    [
        # a claim and its headline, then the ad's URL glued to the paragraph (the demo site's form)
        ("晋川癫痫病医院专家提醒：癫痫发作别慌张 http://www.jc-dianxian.test/t.html", "ad.medical.claim"),
        ("不孕不育去哪里检查比较好 http://www.buyun-zixun.test/jiancha/", "ad.medical.query"),
        ("南河治疗牛皮癣哪里正规 http://www.nanhe-nxp.test/", "ad.medical.query"),
    ],
)
def test_glued_ad_runs_on_to_its_url(ad: str, reason: str) -> None:
    doc, spans = _medical(ad + PARA)
    assert [s.reason for s in spans] == [reason]
    assert spans[0].evidence["placement"] == "front"
    assert cleaned(doc, spans) == PARA


def test_glued_ad_at_the_end_runs_on_to_its_url() -> None:
    doc, spans = _medical(PARA + "晋川癫痫病医院专家提醒：癫痫发作别慌张 http://www.jc-dianxian.test/tixing.html")
    assert len(spans) == 1 and spans[0].evidence["placement"] == "end"
    assert cleaned(doc, spans) == PARA


def test_phone_in_chinese_numerals_goes_with_its_ad() -> None:
    ad = "西关男科医院哪家好 咨询电话：一三九零零零零一二三四 http://www.xg-nanke.test/"
    doc, spans = _medical(ad + PARA)
    assert len(spans) == 1 and cleaned(doc, spans) == PARA
    assert spans[0].evidence["phone"] == "13900001234"


@pytest.mark.parametrize(
    "rest",
    [
        # a sentence ends before the URL: the URL is the article's, not the ad's
        "癫痫发作别慌张。详见 http://www.jc-dianxian.test/tixing.html " + PARA,
        # the URL is too far on to be the ad's headline
        "冬季天气干燥，患者要注意皮肤保湿，多喝水，少吃辛辣，避免熬夜和劳累 http://news.example.com/ " + PARA,
    ],
)
def test_claim_does_not_run_on_past_its_headline(rest: str) -> None:
    doc, spans = _medical("晋川癫痫病医院专家提醒：" + rest)
    assert [s.text for s in spans] == ["晋川癫痫病医院专家提醒："]
    assert cleaned(doc, spans) == rest


def test_glued_without_space_or_url() -> None:
    doc, spans = _medical("洛阳哪家治疗男科正规" + PARA)
    assert cleaned(doc, spans) == PARA


def test_glued_to_the_end_keeps_the_paragraph() -> None:
    doc, spans = _medical(PARA + "南宁牛皮癣医院哪家最好 http://www.pfb120.org/")
    assert len(spans) == 1 and spans[0].evidence["placement"] == "end"
    assert cleaned(doc, spans) == PARA


def test_between_two_sentences_of_a_paragraph() -> None:
    first, second = "开发区建设取得突破。", "下一步将继续深化改革。"
    doc, spans = _medical(first + "长沙哪家治疗癫痫正规 http://www.bj-bdf120.com/ " + second)
    assert cleaned(doc, spans) == first + second


def test_link_paragraph_to_a_hospital_entry() -> None:
    _doc, spans = _medical(PARA, ("点击了解详情", [BAIKE]), PARA)
    assert [s.reason for s in spans] == ["ad.medical.hospital_link"]
    assert spans[0].evidence["hospital"] == "北京中科白癜风医院"


def test_linked_hospital_name_glued_to_a_paragraph() -> None:
    doc, spans = _medical(("北京中科白癜风医院" + PARA, [BAIKE]))
    assert [s.reason for s in spans] == ["ad.medical.hospital_name"]
    assert cleaned(doc, spans) == PARA


def test_link_paragraph_with_query_text() -> None:
    _doc, spans = _medical(PARA, ("长沙哪家治疗癫痫正规", ["http://www.bj-bdf120.com/"]), PARA)
    assert [s.text for s in spans] == ["长沙哪家治疗癫痫正规"]
    assert spans[0].evidence["host"] == "www.bj-bdf120.com"


def test_branded_general_department_claim() -> None:
    _, spans = _medical("北京华厦眼科医院专家提醒：近视手术要选正规医院。")
    assert [s.evidence["hospital"] for s in spans] == ["北京华厦眼科医院"]


def test_bare_question_inside_a_paragraph_goes_to_review() -> None:
    doc, spans = _medical("开发区建设取得突破。北京哪家医院治疗糖尿病好？下一步将继续深化改革。")
    assert len(spans) == 1 and spans[0].evidence["placement"] == "own"
    assert spans[0].confidence < FilterConfig().review_confidence
    assert cleaned(doc, spans) == "开发区建设取得突破。下一步将继续深化改革。"


def test_query_inside_a_sentence_stays() -> None:
    _, spans = _medical("不少家长关心孩子近视去哪家医院好，专家表示要选公立医院。")
    assert spans == []


def test_ad_taken_for_the_title_is_found() -> None:
    doc = doc_of("北京哪家治疗白癜风正规", PARA)
    doc.blocks[0].kind = "title"
    spans = [s for s in spans_of(MedicalAdDetector, doc) if s.label == "ad.medical"]
    assert [s.text for s in spans] == ["北京哪家治疗白癜风正规"]


def test_hospital_name_alone_in_its_paragraph() -> None:
    _, spans = _medical(PARA, "北京中科白癜风医院", PARA)
    assert [s.reason for s in spans] == ["ad.medical.hospital_name"]
    _, spans = _medical(PARA, "北京眼科医院", PARA)  # a public hospital's name
    assert spans == []


@pytest.mark.parametrize("hospital", ["长沙康达白癜风医院", "石家庄京城癫痫医院", "乌鲁木齐现代牛皮癣医院"])
def test_expert_claim(hospital: str) -> None:
    _, spans = _medical(f"{hospital}专家提醒：患者要注意防晒。")
    assert [s.reason for s in spans] == ["ad.medical.claim"]
    assert spans[0].evidence["hospital"] == hospital


@pytest.mark.parametrize(
    ("line", "key", "value"),
    [
        ("郑州华夏癫痫医院 咨询电话：0371-66668888", "phone", "0371-66668888"),
        ("郑州华夏癫痫医院 QQ：12345678", "qq", "12345678"),
        ("郑州华夏癫痫医院 微信：zzhx120", "wechat", "zzhx120"),
    ],
)
def test_hospital_with_contact(line: str, key: str, value: str) -> None:
    doc, spans = _medical(PARA, line)
    assert len(spans) == 1 and spans[0].reason == "ad.medical.hospital_name"
    assert spans[0].evidence[key] == value
    assert cleaned(doc, spans) == PARA + "\n"


@pytest.mark.parametrize(
    "ad",
    [
        "北京哪家治療白癜風正規",  # traditional
        "北京哪家治疗白 癜 风正规",  # spaced
        "北京哪家治疗白.癜.风正规",  # dotted
        "北京哪家治疗白\u200b癜\u200b风正规",  # zero-width
        "北京哪家治疗白颠风正规",  # homophones
        "北京哪家治疗白殿风正规",
        "南宁牛皮鲜医院哪家最好",
        "杭州治疗颠痫哪家医院好",
        "北京哪家治疗白癜风正规 ｗｗｗ．ｂｊ－ｂｄｆ１２０．ｃｏｍ ",  # full-width URL
        "北京哪家治疗白癜风正规 ｈｔｔｐ：／／ｗｗｗ．ｂｊ－ｂｄｆ１２０．ｃｏｍ／ ",
    ],
)
def test_dodges(ad: str) -> None:
    doc, spans = _medical(ad + PARA)
    assert spans, ad
    assert cleaned(doc, spans) == PARA


NEWS = [
    "市人民医院开展白癜风义诊活动，为200余名市民提供免费咨询。",
    "市人民医院皮肤科主任医师张华提醒，白癜风不传染，患者应到正规医院就诊。",
    "市卫生健康局近日下发通知，要求各医疗机构规范医疗广告发布，近视防控被列入重点工作。",
    "我院医技药剂党支部与湖南省中医药研究院附属医院党支部开展联学共建活动。",
    "上海市皮肤病医院专家介绍，夏季是湿疹、痤疮高发期，市民应注意防晒。",
    "不少家长关心孩子近视去哪家医院好，专家表示，应选择有资质的公立医院眼科进行医学验光。",
    "义诊现场咨询电话：0731-84567890，市民也可登录www.hnsrmyy.cn预约挂号。",
    "北京中科白癜风医院的医生走进社区，为居民讲解皮肤病防治知识。",
    "据了解，该院男科、妇科门诊量今年增长了两成。",
    "北京眼科医院专家提醒，孩子近视要及时到正规医院矫正。",
    "市肿瘤医院专家指出，早筛查是关键。",
    "北京协和医院专家表示，糖尿病患者要控制饮食。",
    "该院白癜风专科门诊主任提醒，白斑扩散要及时就医。",
    "市第一人民医院白癜风专科门诊主任提醒，治疗需要坚持。",
    "据悉，该院开设了白癜风专科门诊，每周三下午坐诊，咨询电话：0351-2345678。",
]


@pytest.mark.parametrize("line", NEWS)
def test_hospital_news_stays(line: str) -> None:
    _, spans = _medical(PARA, line, PARA)
    assert spans == []


def test_hospital_news_page_loses_nothing() -> None:
    raw = (FIXTURES / "hospital_news.txt").read_text(encoding="utf-8")
    v = clean(raw, content_type="text/plain")
    assert [s for s in v.removed if s.label.startswith("ad.")] == []
    for line in raw.splitlines()[1:]:
        assert line in v.text
    assert v.action == "publish"


def test_injected_page() -> None:
    v = clean((FIXTURES / "injected_page.txt").read_bytes(), content_type="text/plain")
    ads = [s for s in v.removed if s.label == "ad.medical"]
    assert len(ads) == 3
    assert "北京中科白癜风医院" in json.dumps([s.evidence for s in ads], ensure_ascii=False)
    for gone in ("治療白癜風", "baike.baidu.com", "哪家医院好", "牛 皮 鲜", "pfb120"):
        assert gone not in v.text, gone
    for kept in ("今年以来，开发区新签约项目32个", "全力打造“1+10”联合体。", "记者从市发展改革委获悉"):
        assert kept in v.text, kept
    assert v.action == "publish"


AD_SHAPES = (
    "北京哪家治疗{d}正规", "{d}医院哪家最好", "治疗{d}哪里正规", "杭州治疗{d}哪家医院好", "哪家{d}医院好",
    "哪里治{d}比较好", "{d}去什么地方看", "{d}医院排名", "西安{d}医院排行榜", "最好的{d}医院",
    "治疗{d}最好的医院", "{d}医院地址", "{d}专科医院怎么样", "北京中科{d}医院专家提醒",
    "长沙康达{d}医院专家指出", "北京中科{d}医院", "上海华夏{d}专科门诊部", "{d}病诊疗中心主任介绍",
    "咨询电话：400-123-4567", "热线 13912345678", "qq：12345678", "微信号：abcdef1", "vx abcdefg",
    "点击咨询", "预约挂号", "专家在线", "咨询专家",
)


def test_each_rule_trigger_is_in_every_hit() -> None:
    """A rule's trigger gates it in a window or block: every hit must hold it (ads_medical.toml)."""
    from newsieve.filters import load_rules

    rules = load_rules()
    det = MedicalAdDetector(rules, FilterConfig())
    words = sorted({*rules.words("ad.diseases"), *rules.lexicon("ad.diseases").variants.values()})
    texts = [shape.format(d=w) for shape in AD_SHAPES for w in words]
    hits: dict[str, int] = {}
    for rule, pattern, trigger, core in (*det.windowed, *det.blockwide):
        assert trigger is not None, f"{rule.id} has no trigger"
        for text in texts:
            for m in pattern.finditer(text):
                assert trigger.search(m.group(0)), (rule.id, text, m.group(0))
                # a rule that starts with a hospital name is gated by the name's core too
                assert core is None or core.search(m.group(0)), (rule.id, text, m.group(0))
                hits[rule.id] = hits.get(rule.id, 0) + 1
    assert set(hits) == {r.id for r, _, _, _ in (*det.windowed, *det.blockwide)}  # each rule was hit
    gated = {r.id for r, _, _, core in det.windowed if core is not None}
    assert gated == {"ad.medical.claim", "ad.medical.hospital_name"}
