"""DamageDetector: deleted digits, mojibake and pinyin obfuscation flags, positives and negatives."""

from __future__ import annotations

from pathlib import Path

import pytest
from _ads_docs import doc_of

from newsieve.filters import FilterConfig, clean, load_rules
from newsieve.filters._match import LiteralScanner
from newsieve.filters.detectors.damage import DamageDetector, _PageWords
from newsieve.filters.types import Document, Flag

FIXTURES = Path(__file__).parent / "fixtures" / "boilerplate"


def make_doc(text: str) -> Document:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    return doc_of(*lines)


@pytest.fixture(scope="module")
def detector() -> DamageDetector:
    return DamageDetector(load_rules(), FilterConfig())


def flags(detector: DamageDetector, text: str) -> dict[str, Flag]:
    found = [f for f in detector.detect(make_doc(text)) if isinstance(f, Flag)]
    for f in found:
        assert f.reason.startswith(f.label)
        assert f.count >= 1 and f.examples
    return {f.label: f for f in found}


# -- digits_stripped -------------------------------------------------------------------------------


def test_stripped_page_is_flagged(detector: DamageDetector) -> None:
    text = (FIXTURES / "stripped.txt").read_text(encoding="utf-8")
    got = flags(detector, text)
    assert "damage.digits_stripped" in got
    flag = got["damage.digits_stripped"]
    assert flag.count >= 3
    assert any("年,全市" in ex for ex in flag.examples)


def test_same_page_with_its_numbers_is_not(detector: DamageDetector) -> None:
    text = (FIXTURES / "numbers_intact.txt").read_text(encoding="utf-8")
    assert "damage.digits_stripped" not in flags(detector, text)


@pytest.mark.parametrize(
    "sentence",
    [
        "该中心重新开放，大约名身着表达爱国热情的红色衣装的市民在此举行10公里长跑。",
        "据法国交管部门统计，当天上午交通堵塞造成的车流长达创纪录的公里。",
        "英国《金融时报》对先锋领航、摩根大通(., 2.79, 2.47%)等公司进行了调查。",
        "这一行动，类似于年英国在结束殖民统治前的做法，引起各方关注。",
        "监管部门要求的拨备覆盖率基本标准为%，对于超过监管要求2倍以上的应视为存在隐藏利润。",
    ],
)
def test_one_gap_and_no_number_left(detector: DamageDetector, sentence: str) -> None:
    # a site that strips digits strips all of them: one gap in an article with no 3+ digit number
    text = f"{sentence}\n记者了解到，活动吸引了众多市民参与，现场气氛热烈，各项工作有序进行。"
    assert "damage.digits_stripped" in flags(detector, text)


@pytest.mark.parametrize(
    "text",
    [
        # a stray `.5%` on a clean page
        "今年前三季度，全市居民人均可支配收入同比增长.5%，增速比上半年有所加快。\n记者了解到，各项民生工作有序推进。",
        # the same gap with the article's numbers intact
        "2019年，全市生产总值完成1035亿元，同比增长6.2%，完成年度目标的101.3%。\n另有数据显示，部分指标为%，有待核实。",
        # ordinary Chinese that looks like a gap
        "新增企业数个，年轻人成为创业主力，上万元的设备陆续到位，近亿元资金已经落实。\n在年底前，将完成全部工程。",
        "他于年内完成了学业，一场万人注目的比赛在体育中心举行，现场观众热情高涨。",
    ],
)
def test_not_stripped(detector: DamageDetector, text: str) -> None:
    assert "damage.digits_stripped" not in flags(detector, text)


def test_digits_in_urls_and_footers_do_not_count(detector: DamageDetector) -> None:
    # the article has gaps and no number; the ad's URL and the footer's title carry digits
    text = (
        "北京哪家治疗白癜风正规 https://baike.baidu.com/item/9728824\n"
        "年,列入考核范围的开发区入区企业数个,完成全年考核指标的.83%;经营收入完成.66亿元。\n"
        "推荐阅读?? 奖金711万元！? 债券市场是否存在泡沫？世界知名首席投资官们这么说\n"
        "上一篇文章: 奖金711万元！"
    )
    assert "damage.digits_stripped" in flags(detector, text)


# -- mojibake ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "MORE延伸阅读??头条 我市组织开展全民国家安全教育日宣传活动",
        "USB?？榛滞蛴帽鞺2741A具有广泛的测量功能",
        "本站文章锟斤拷锟斤拷转载",
        "市民反映\ufffd\ufffd问题已解决",
        "å¤§å®¶å¥½，欢迎光临",
        "±±¾©ÊÐº£µíÇø今日举行发布会",  # GBK read as Latin-1
    ],
)
def test_mojibake(detector: DamageDetector, line: str) -> None:
    assert "damage.mojibake" in flags(detector, f"记者了解到，活动吸引了众多市民参与。\n{line}")


@pytest.mark.parametrize(
    "line",
    [
        "你真的相信吗??他反问道。",
        "这是为什么?记者追问。",
        "详情见 http://example.com/list.php?id=3&page=2 页面。",
        "市民纷纷点赞：“好！？”",
        "Die Größe der Straße ist ©2023, ±5% « Café à la française »",
    ],
)
def test_not_mojibake(detector: DamageDetector, line: str) -> None:
    assert "damage.mojibake" not in flags(detector, f"记者了解到，活动吸引了众多市民参与。\n{line}")


# -- obfuscated --------------------------------------------------------------------------------------


def test_pinyin_glosses(detector: DamageDetector) -> None:
    text = (FIXTURES / "pinyin.txt").read_text(encoding="utf-8")
    got = flags(detector, text)
    assert "damage.obfuscated" in got
    assert got["damage.obfuscated"].count == 3


def test_acronyms_are_not_pinyin(detector: DamageDetector) -> None:
    text = (
        "人工智能（AI）和机器学习（ML）可以提升绩效指标（KPI），"
        "数字万用表（DMM）精度高，官训练团（afrotc）。"
    )
    assert "damage.obfuscated" not in flags(detector, text)


# -- end to end -------------------------------------------------------------------------------------


def test_seed_page_flags() -> None:
    v = clean((Path(__file__).parent / "fixtures" / "seed-page.txt").read_bytes(), content_type="text/plain")
    got = {f.label: f for f in v.flags}
    assert {"damage.digits_stripped", "damage.mojibake"} <= set(got)
    assert "damage.obfuscated" not in got
    assert got["damage.digits_stripped"].count >= 5


def test_template_date_does_not_hide_stripping(detector: DamageDetector) -> None:
    # the repost site's own date line keeps its digits; the article it stripped has none left
    stripped = (FIXTURES / "stripped.txt").read_text(encoding="utf-8")
    text = f"发布时间：2020-09-26 10:35:12 来源：本站原创 作者：管理员 栏目：本地新闻\n{stripped}"
    assert "damage.digits_stripped" in flags(detector, text)


def test_control_characters_do_not_hide_mojibake(detector: DamageDetector) -> None:
    line = "USB ?\x05\x07\x08\x06？榛\ue1ff\ue440滞蛴帽?U2741A具有广泛的测量功能"
    assert "damage.mojibake" in flags(detector, f"记者了解到，活动吸引了众多市民参与。\n{line}")


def test_control_characters_alone_are_not_mojibake(detector: DamageDetector) -> None:
    line = "为什么会出现尿道刺痛的情况\x06\x05\x07\x08？那是80年代末\x07\x08\x05，留下四间书店"
    assert "damage.mojibake" not in flags(detector, f"记者了解到，活动吸引了众多市民参与。\n{line}")


def test_private_use_characters_inside_text_are_mojibake(detector: DamageDetector) -> None:
    line = "裴逸群表示\ue0de挥芯\ue132\ue426哟ビ肫し舨馐裕\ue0e6\ue370遣恢\ue014滥俏幌"
    assert "damage.mojibake" in flags(detector, f"记者了解到，活动吸引了众多市民参与。\n{line}")


def test_icon_font_glyphs_are_not_mojibake(detector: DamageDetector) -> None:
    text = "\ue600 首页 \ue601 新闻\n记者了解到，活动吸引了众多市民参与。结下了一点疙瘩：\ue004\ue004……"
    assert "damage.mojibake" not in flags(detector, text)


def test_bracketed_keyword_prefixes(detector: DamageDetector) -> None:
    text = (
        "[中学生议论文作文大全600]闹元宵猜灯谜题目及答案\n"
        "[励志作文600字小学生]六年级古诗改写:《送灵澈上人》\n"
        "[高考甲卷作文2021范文8]我的好朋友作文\n"
    )
    got = flags(detector, text)
    assert got["damage.obfuscated"].reason == "damage.obfuscated.keyword_prefix"


def test_one_bracketed_prefix_is_news(detector: DamageDetector) -> None:
    text = (
        "[视频]市委召开常委会议\n【不忘初心 牢记使命】我院举办理论知识大赛\n"
        "记者了解到，活动吸引了众多市民参与。"
    )
    assert "damage.obfuscated" not in flags(detector, text)


# The plain forms of the rules damage.toml writes with a leading character class (for speed).
_NUM = "\\d一二三两四五六七八九十百千万亿几数多上近过破逾超余半廿零〇○每成整"
PLAIN_FORMS = {
    "damage.digits_stripped.empty": (r"[：:]\s*[）)]|“”(?=[\u4e00-\u9fff])|[、，](?=[。；])",
                                     "：:）)“”、，。；中a \t\n1"),
    "damage.digits_stripped.unit": (
        rf"[万亿](?<=[\u4e00-\u9fff][万亿])(?<![{_NUM}][万亿])(?:元|美元|吨|亩|平方米)"
        rf"|平(?<=[\u4e00-\u9fff]平)(?<![{_NUM}]平)方公里|千(?<=[\u4e00-\u9fff]千)(?<![{_NUM}]千)米",
        "万亿平千方公里米元美吨亩中国一数1 ,"),
    "damage.digits_stripped.units_latin": (
        r"(?<=[\u4e00-\u9fff，、])\s?(?:GB|MB|TB|ms|IPS|mAh|MHz|GHz|km|kg|mm)(?![A-Za-z0-9/])",
        "中，、 \tGBMHzTsmAhIPSkg/1x\n"),
    "damage.obfuscated.pinyin": (
        r"(?<=[\u4e00-\u9fff])[(（](?P<syllable>[a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,6}[1-5]?)[)）]",
        "轉型烟(（)）zhuǎna1 "),
}


@pytest.mark.parametrize("rule_id", sorted(PLAIN_FORMS))
def test_fast_written_rules_match_their_plain_form(rule_id: str) -> None:
    import random
    import re

    shipped = load_rules().rules[rule_id].pattern
    plain, alphabet = PLAIN_FORMS[rule_id]
    reference = re.compile(plain)
    rng = random.Random(rule_id)
    found = 0
    for _ in range(30000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 9)))
        want = [m.span() for m in reference.finditer(text)]
        assert [m.span() for m in shipped.finditer(text)] == want, repr(text)
        found += bool(want)
    assert found > 20  # the texts do hit the rule


def test_trigger_of_each_digit_rule_is_in_every_hit() -> None:
    """A trigger only gates its rule: every text a rule hits must hold the trigger."""
    import random
    import re

    rules = load_rules().by_label("damage.digits_stripped")
    alphabet = "年于在，。、：:（(“”\"%％万亿平方公里千米元约大多达余名所.12 GBmsk中\n）)；"
    rng = random.Random(3)
    for _ in range(30000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 10)))
        for rule in rules:
            trigger = rule.extra.get("trigger")
            if trigger and rule.pattern.search(text):
                assert re.search(str(trigger), text), (rule.id, text)


def test_rules_with_a_lead_are_found_where_their_trigger_is() -> None:
    """A digit rule with `lead` is only tried up to `lead` characters before its trigger's places:
    that must find what a search over the whole text finds."""
    import random

    from newsieve.filters._match import LiteralScanner, literals
    from newsieve.filters.detectors.damage import matches_near

    rules = [r for r in load_rules().by_label("damage.digits_stripped") if "lead" in r.extra]
    assert len(rules) >= 10
    alphabet = ("年于在，。、：:（(“”\"%％万亿平方公里千米元约大多达创纪录的余名所.12 GBMHzmsk中\n）)；"
                "扩展到超过逾长高共计人次岁吨亩美0一")
    rng = random.Random(5)
    for rule in rules:
        lits = literals(str(rule.extra["trigger"]))
        assert lits is not None, rule.id
        scanner = LiteralScanner(lits)
        found = 0
        for _ in range(20000):
            text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14)))
            starts = [start for start, _ in scanner.scan(text)]
            want = [m.span() for m in rule.pattern.finditer(text)]
            assert [m.span() for m in matches_near(rule.pattern, text, starts, rule.extra["lead"])] == want, (
                rule.id, text)
            found += bool(want)
        assert found, rule.id  # the texts do hit the rule


def _python_scanner(pages: _PageWords) -> LiteralScanner:
    """The page words' scanner in Python (LiteralScanner's own path, as without the C one)."""
    return LiteralScanner(sorted(set().union(*(g for g in pages.groups if g))), native=False)


@pytest.mark.parametrize("native", [True, False])
def test_one_pass_finds_every_place_of_the_page_wide_triggers(native: bool) -> None:
    """One pass over the page (``_PageWords``, by the C scanner or the Python one) finds every place where
    a page-wide trigger matches: exactly, for triggers of literals; among the places of their first
    characters, for the others (`[\\ue000-\\uf8ff]`)."""
    import random
    import re

    from newsieve.filters.detectors.damage import _trigger_words

    triggers = [re.compile(str(r.extra["trigger"]))
                for r in load_rules().by_label("damage.") if "trigger" in r.extra
                and not r.label.startswith("damage.digits")]
    triggers += [re.compile(p) for p in ("[(（][a-z]", "锟|烫烫|屯屯", "[上下]篇", "aa", "[\ue000-\uf8ff]",
                                         "://|www\\.", "(?:w|\\(w)ww")]
    words = [_trigger_words(t) for t in triggers]
    assert all(group for group, _ in words)
    pages = _PageWords([group for group, _ in words])
    if not native:
        pages._scanner = _python_scanner(pages)
    alphabet = "(（)）azāǎ中文锟烫屯上下篇\n[]?？ \ufffd\u00c3\u00a9\ue000w:/.www"
    rng = random.Random(7)
    for _ in range(5000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        found = pages.scan(text)
        for k, (trigger, (_, exact)) in enumerate(zip(triggers, words, strict=True)):
            places = pages.places(found, k)
            assert places is not None
            if not exact:
                places = [at for at in places if trigger.match(text, at)]
            want = [at for at in range(len(text) + 1) if trigger.match(text, at) is not None]
            assert sorted(set(places)) == want, (trigger.pattern, text)


@pytest.mark.parametrize("native", [True, False])
def test_obfuscation_rules_tried_where_their_triggers_are_find_what_a_search_finds(native: bool) -> None:
    """The obfuscation rules are only tried where their triggers match, when those places are few."""
    import random

    detector = DamageDetector(load_rules(), FilterConfig())
    assert all("lead" in r.extra for r, _ in detector.obfuscated_rules)
    if not native:
        detector.page_words._scanner = _python_scanner(detector.page_words)

    def plain_way(text: str) -> tuple[str, int, list[str]] | None:
        from newsieve.filters.detectors.damage import MAX_EXAMPLES, PINYIN_MIN, _example, _is_pinyin

        text = "\n" + text
        for rule, _ in detector.obfuscated_rules:
            hits = [m.span() for m in rule.pattern.finditer(text)
                    if m.groupdict().get("syllable") is None or _is_pinyin(m.group("syllable"))]
            if len(hits) >= int(rule.extra.get("min_count", PINYIN_MIN)):
                return rule.id, len(hits), [_example(text, s, e).strip() for s, e in hits[:MAX_EXAMPLES]]
        return None

    pieces = ["轉(zhuǎn)", "烟（yan）", "市(shi", ")", "(", "（", "(ok)", "a", "[励志作文600字]", "[", "]",
              "\n", "\n[作文大全]", "六年级", "x2", " "]
    rng = random.Random(13)
    found = 0
    for _ in range(6000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 24))) + "的" * rng.choice((0, 4000))
        got = _flag(detector, text, "damage.obfuscated")
        want = plain_way(text)
        assert (None if got is None else (got.reason, got.count, got.examples)) == want, repr(text)
        found += want is not None
    assert found > 200


def _flag(detector: DamageDetector, text: str, label: str) -> Flag | None:
    return next((f for f in detector.detect(Document(text=text, blocks=[])) if isinstance(f, Flag)
                 and f.label == label), None)


def _mojibake_the_plain_way(detector: DamageDetector, text: str) -> tuple[int, list[str]] | None:
    """What ``_mojibake`` said when it searched each rule over the whole page: (count, examples)."""
    from newsieve.filters.detectors.damage import _CONTROL, MAX_EXAMPLES, MOJIBAKE_MIN, _example, _in_url

    text = _CONTROL.sub("", text)
    hits: list[tuple[int, int]] = []
    for rule, _ in detector.mojibake_rules:
        found = [m for m in rule.pattern.finditer(text) if not _in_url(text, m.start())]
        if len(found) >= int(rule.extra.get("min_count", MOJIBAKE_MIN)):
            hits.extend(m.span() for m in found)
    hits.sort(key=lambda h: h[0])
    return (len(hits), [_example(text, s, e) for s, e in hits[:MAX_EXAMPLES]]) if hits else None


@pytest.mark.parametrize("native", [True, False])
def test_mojibake_rules_tried_near_their_triggers_find_what_a_search_finds(native: bool) -> None:
    """The mis-decoding rules are tried where their triggers' first characters stand (one scan of the
    page for all of them), up to their `lead` before, when those places are few: that must find what
    a search of each over the whole text finds, with control characters too, with few places or many,
    by the C scanner or by the regex."""
    import random

    from newsieve.filters.detectors import damage

    detector = DamageDetector(load_rules(), FilterConfig())
    assert all("lead" in r.extra for r, _ in detector.mojibake_rules)
    if not native:
        detector.page_words._scanner = _python_scanner(detector.page_words)
    alphabet = ("??？?吗中文a=/\ufffd锟斤拷烫屯锘縶åäé¤§±¾©ÊÐº£µíÇø\x80\u2019\x9c\ue000\ue123\uf8ff\x05 \n"
                "http://w.")
    rng = random.Random(11)
    found = 0
    for _ in range(6000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 16)))
        # padding makes the places few (tried near them) or leaves them many (a search of the whole)
        text += "的" * rng.choice((0, 4000))
        got = _flag(detector, text, "damage.mojibake")
        want = _mojibake_the_plain_way(detector, text)
        assert (None if got is None else (got.count, got.examples)) == want, repr(text)
        found += want is not None
    assert found > 500
    assert damage.TRY_COST_CHARS * 16 * 2 < 4000  # (the padded texts do take the near tries)


FOOTER_PAGE = [
    "全市经济运行稳中有进",
    "年,全市地区生产总值完成.6亿元,同比增长6.2%,完成年度目标的.3%，相关阅读：其中规模以上工业企业达到家。",
    "其中,规模以上工业企业达到家,新增企业数个,实现利润总额85.8亿元。本文来源：新华网 责任编辑：王小明",
    "全市新建改建农村公路公里,约名干部职工参与了年度考核工作。转载请注明出处，原文地址见文末。",
    "相关阅读",
    "全市春耕备耕工作有序推进",
    "城东生态公园正式开园迎客",
    "编辑丨李静 来源丨城东日报",
    "上一篇：市政协召开十五届三次常委会议",
]


def test_footer_hits_shared_between_detectors_change_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Boilerplate, related and damage share the hits of the footer patterns in a block
    (``boilerplate.rule_hits``, in ``doc.cache``): their findings are the same whichever runs first,
    and the same as each running the patterns itself."""
    import re

    from newsieve.filters.detectors import boilerplate, damage, related
    from newsieve.filters.rules import Rule

    rules = load_rules()
    detectors = [boilerplate.BoilerplateDetector(rules, FilterConfig()),
                 related.RelatedDetector(rules, FilterConfig()), DamageDetector(rules, FilterConfig())]

    def findings(order: list[int]) -> list[list[dict[str, object]]]:
        doc = make_doc("\n".join(FOOTER_PAGE))
        got = {k: [f.to_dict() for f in detectors[k].detect(doc)] for k in order}
        return [got[k] for k in range(len(detectors))]

    forward = findings([0, 1, 2])
    assert findings([2, 1, 0]) == forward

    def unshared(doc: Document, index: int, text: str, rule: Rule) -> list[re.Match[str]]:
        return list(rule.pattern.finditer(text))

    for module in (boilerplate, related, damage):
        monkeypatch.setattr(module, "rule_hits", unshared)
    assert findings([0, 1, 2]) == forward
    assert all(forward)  # each detector found something on the page


def test_survivors_count_as_the_dateless_copy_does() -> None:
    from newsieve.filters.detectors.damage import _DIGIT_RUN, _TEMPLATE_DATE, _survivors

    def by_copy(text: str) -> int:
        scan = _TEMPLATE_DATE.sub(" ", text)
        runs = _DIGIT_RUN.finditer(scan)
        return sum(1 for m in runs if len(m.group(0)) <= 6 and scan[m.start() - 1] != ".")

    texts = [
        "\n2020-09-26 10:00 发布 共有300人，增长.125%",
        "\n2020-09-261234 以及2019.1.2.345",  # a run right after a date, one after a `.`
        "\n没有数字",
        "\n1234567 电话 12345678 ６６６人",
        "\n2020-09-26",
    ]
    for text in texts:
        full = by_copy(text)
        assert _survivors(text, float("inf")) == full
        assert _survivors(text, 0.0) == min(full, 1)
