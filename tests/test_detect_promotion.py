"""Page-level promotion (detectors/promotion.py, weighed in score.py): sales pages, keyword landing
pages and scraped salad are rejected, doubt is reviewed, news that names a trade is published.

The pages are written for these tests, after the shapes of the Common Crawl sample's spam pages
(see tests/fixtures/README.md); none is copied.
"""

from __future__ import annotations

from newsieve.filters import Sieve, clean
from newsieve.filters.score import promotion_score

COURSE_PAGE = "\n".join([
    "零基础Java开发培训课程",
    "1、学历要求：大专以上学历，零基础也可以学。",
    "2、课时：全日制4个月，晚间班8个月，周末班8个月。",
    "3、学费：分期付款，学员就业后再付。",
    "星辰教育是一家专注IT技能培训的机构，以学员就业为宗旨。",
    "名额有限，赶紧拿起电话咨询！免费试听两周，在线报名：",
    "姓名：",
    "手机：",
])

LANDING_PAGE = "\n".join([
    "哪里可以学做面包",
    "列表",
    "学做面包要多久",
    "面包烘焙培训学校学费",
    "在家做面包的简单方法",
    "零基础学做面包",
    "面包师培训班哪家好",
    "做面包用什么面粉",
    "面包的做法大全",
    "哪里可以学做面包:相关图片",
    "example.com/a/%E5%93%AA%E9%87%8C%E5%8F%AF%E4%BB%A5%E5%AD%A6%E5%81%9A%E9%9D%A2%E5%8C%85/",
])

SALAD_PAGE = "\n".join([
    "江苏钢结构二级资质转让专业从事",
    "推动乡村振兴，首要的问题就是因地制宜。，着力提高基层干部解决实际问题的能力，不断提高认识，"
    "加强组织领导，把各项任务落到实处。副总经理要求公司聚焦职工反映强烈的问题，以活动成效助推企业改革发展。",
    "Xq7rTb2kLm9vWz4P技术，施工，管理等方面。学会理事长等出席开班仪式，对工程各个环节的重点作了讲解。"
    "共120余人参加培训。培训班邀请了设计研究院等单位的六位专家，围绕标准规范和质量安全作了授课。",
    "会议指出，要坚持问题导向，聚焦群众反映强烈的突出问题，建立健全长效机制，推动各项工作落地见效，"
    "切实把学习成果转化为推动高质量发展的实际行动。",
])

TRAINING_NEWS = "\n".join([
    "我市举办职业技能培训班",
    "本报讯（记者 王芳）6月12日，市人社局在职业技术学院举办电工职业技能培训班，120名学员参加。",
    "培训为期10天，课时安排理论与实操各半，学员考核合格后可获得职业资格证书。",
    "市人社局负责人表示，今年将继续开展免费培训，有需要的市民可到各区就业服务中心报名。",
])

PROFILE_NEWS = "\n".join([
    "快递员李强：风雨里的摆渡人",
    "李强在这座城市送了六年快递。",
    "每天清晨，李强第一个到站点分拣。",
    "同事们说，李强从没迟到过一次。",
    "疫情期间，李强主动报名当志愿者。",
    "李强说，能帮上忙就好。",
    "去年，李强被评为市劳动模范。",
    "李强的妻子也在站点工作。",
    "如今，李强已是站点主管。",
])

UNSURE_PAGE = "\n".join([
    "Python数据分析培训课程",
    "课程面向零基础学员，课时共48小时，学费按期缴纳。",
    "学员将学习数据清洗、可视化和建模，结课后完成一个项目。",
])

MONEY_PAGE = "\n".join([
    "兼职赚钱的好方法",
    "在家用手机也能赚钱吗？当然能，小编今天就来说说几种赚钱的办法。",
    "第一种是做任务赚钱，每天花半小时，零花钱就有了。",
    "第二种是分享赚钱，把文章分享给好友，好友阅读后就有收益。",
    "第三种是玩游戏赚钱，边玩边赚钱，一举两得。",
    "这些方法都不需要本钱，想赚钱的朋友立即下载试一试吧。",
])

SIGNUP_PAGE = "\n".join([
    "西点烘焙学习班",
    "我们开设蛋糕、面包、饼干等课程，学成后可以自己开店。",
    "欢迎来电咨询，我们将为您安排老师讲解。每期名额有限，先到先得。",
    "*请填写真实姓名 姓名：",
    "*方便老师回电 手机：",
    "*我们会把课程表发到这里 邮箱：",
])

FRANCHISE_NEWS = "\n".join([
    "记者调查：奶茶加盟陷阱多",
    "本报讯（记者 刘洋）“交了十几万加盟费，开店不到三个月就关门了。”市民张女士向本报反映。",
    "记者调查发现，一些所谓的加盟品牌只有一个商标，总部既不提供培训也不供货，加盟商开店后无人管。",
    "业内人士提醒，选择加盟项目前要核实企业的特许经营备案，不要轻信“加盟零风险”的宣传。",
    "市市场监管局表示，将对虚假加盟宣传开展专项整治，加盟商遇到纠纷可拨打12315投诉。",
])

PRODUCT_REVIEW = "\n".join([
    "扫地机器人怎么选？本报记者实测五款热门机型",
    "本报记者 陈静",
    "“618”临近，不少读者来信询问扫地机器人值不值得购买。本报记者选取了五款售价在1500元至4000元之间的"
    "热门机型，在同一套住房里进行了为期两周的实测。",
    "在清扫能力上，五款机型对地板灰尘的清除率都在九成以上，但在地毯上差距明显。价格最高的一款清除率最高，"
    "而售价1599元的一款表现也不差。",
    "记者注意到，部分商家在电商平台上宣称“下单立减”，但优惠前先涨价的情况仍然存在。",
    "消费者协会提醒，您在购买前应比较各平台的历史价格，保留好发票和聊天记录，遇到质量问题及时维权。",
])

def test_sales_page_is_rejected() -> None:
    v = clean(COURSE_PAGE, content_type="text/plain")
    assert v.action == "reject"
    assert v.reasons[0] == "page.promotion.other"
    assert {"page.promotion.signal.cta", "page.promotion.signal.form"} <= set(v.reasons)


def test_keyword_landing_page_is_rejected() -> None:
    v = clean(LANDING_PAGE, content_type="text/plain")
    assert v.action == "reject"
    assert "page.promotion.signal.echo" in v.reasons
    assert "page.promotion.signal.title_query" in v.reasons


def test_scraped_salad_is_rejected() -> None:
    v = clean(SALAD_PAGE, content_type="text/plain")
    assert v.action == "reject"
    assert "page.promotion.signal.random_token" in v.reasons


def test_uncertain_offer_goes_to_review() -> None:
    v = clean(UNSURE_PAGE, content_type="text/plain")
    assert v.action == "review"
    assert v.reasons[0] == "page.promotion.suspect"


def test_news_about_a_training_class_is_published() -> None:
    v = clean(TRAINING_NEWS, content_type="text/plain")
    assert v.action == "publish"
    assert not any(r.startswith("page.promotion") for r in v.reasons)


def test_profile_naming_its_subject_in_every_line_is_published() -> None:
    v = clean(PROFILE_NEWS, content_type="text/plain")
    assert v.action == "publish"
    assert "page.promotion.signal.echo" not in v.reasons


def test_keyword_stuffed_title_is_a_signal() -> None:
    html = (
        "<html><head><title>学车_学车报名(最新)_驾校学车_驾校学车</title></head><body>"
        "<h1>学车报名</h1><p>零基础学员随到随学，课时灵活，学费可分期，名额有限，欢迎来电咨询：13800138000。</p>"
        "<p>在线报名：</p><p>姓名：</p><p>手机：</p></body></html>"
    )
    v = clean(html, content_type="text/html")
    assert "page.promotion.signal.title_stuffed" in v.reasons
    assert v.action == "reject"


def test_portal_title_chain_is_not_stuffed() -> None:
    html = (
        "<html><head><title>苹果发布新手机|苹果|新品|手机_科技频道_某某网</title></head><body>"
        "<h1>苹果发布新手机</h1><p>本报讯（记者 张明）9月11日，苹果公司在发布会上推出三款新手机，"
        "起售价与去年持平。</p></body></html>"
    )
    v = clean(html, content_type="text/html")
    assert "page.promotion.signal.title_stuffed" not in v.reasons
    assert v.action == "publish"


def test_money_making_page_is_rejected() -> None:
    v = clean(MONEY_PAGE, content_type="text/plain")
    assert v.action == "reject"
    assert v.reasons[0] == "page.promotion.other"
    assert "page.promotion.signal.money" in v.reasons


def test_form_fields_after_their_hints_are_a_form() -> None:
    v = clean(SIGNUP_PAGE, content_type="text/plain")
    assert "page.promotion.signal.form" in v.reasons
    assert v.action == "reject"


def test_call_to_action_in_the_title_counts() -> None:
    page = "\n".join(["在线报名", "课程面向零基础学员，课时共48小时，学费按期缴纳。"])
    v = clean(page, content_type="text/plain")
    assert v.title == "在线报名"  # the only call to action is the title
    assert "page.promotion.signal.cta" in v.reasons
    assert v.action == "review"


def test_news_on_franchise_traps_is_published() -> None:
    v = clean(FRANCHISE_NEWS, content_type="text/plain")
    assert v.action == "publish"
    assert not any(r.startswith("page.promotion") for r in v.reasons)


def test_newspaper_product_review_is_published() -> None:
    v = clean(PRODUCT_REVIEW, content_type="text/plain")
    assert v.action == "publish"
    assert v.removed == []



# -- scraped salad with a filled-in template, and shop sites stamping their titles --------------------------
# Written for these tests after cc-07 (salad recombining news sentences, `Phone : 来电显示器`) and cc-29
# (`抖音账号购买_<title>`, `上一篇：…_买抖音号`) of the Common Crawl sample; none is copied.

_A = "那年冬天，小镇上的人都去城里打工了，只有老张留下来守着他的修鞋摊。"
_B = "记者了解到，平台押金迟迟不能退还，客服电话也一直打不通，不少人选择了投诉。"
_C = "这次展会吸引了来自全国各地的三百多家企业参展，成交额比去年增长了两成。"
_SALAD_LINES = ["设备维修配件", _A + _B, "某地一货车侧翻", _B + _C, _C + _A, "年度十大新闻揭晓", _A + _C]
FILLED_TEMPLATE = "\n".join([*_SALAD_LINES, "Phone : 来电显示器", "Email : 库存医药用品"])


def test_salad_with_fields_filled_by_words_is_rejected() -> None:
    v = clean(FILLED_TEMPLATE, content_type="text/plain")
    assert v.action == "reject"
    assert {"page.promotion.signal.recombined", "page.promotion.signal.fake_fields"} <= set(v.reasons)


def test_recombined_salad_alone_is_not_rejected() -> None:
    sieve = Sieve()
    doc = sieve.document("\n".join(_SALAD_LINES), content_type="text/plain")
    v = sieve.judge(doc)
    assert v.action != "reject"
    _, signals = promotion_score(doc, v.removed)
    assert "page.promotion.signal.recombined" in signals


def test_an_article_shown_twice_is_not_recombined() -> None:
    article = TRAINING_NEWS.split("\n")
    v = clean("\n".join([*article, *article[1:]]), content_type="text/plain")
    assert "page.promotion.signal.recombined" not in v.reasons
    assert v.action != "reject"


def test_contact_fields_that_say_why_are_not_fake() -> None:
    fields = ["电话：暂无", "邮箱：请见官网", "电话：0351-7654321", "Email : info@example.org"]
    page = "\n".join([TRAINING_NEWS, *fields])
    v = clean(page, content_type="text/plain")
    assert "page.promotion.signal.fake_fields" not in v.reasons
    assert v.action == "publish"


STAMPED_SHOP = "\n".join([
    "挖掘机购买_挖掘机日常保养的五个要点",
    "挖掘机是工地上最常见的工程机械，日常保养做得好，能明显延长使用寿命，减少停工时间。",
    "首先要定期检查液压油，油位过低或油液变质都会影响动作的灵敏度，严重时还会损坏液压泵。",
    "其次要注意空气滤清器的清洁，工地粉尘大，滤芯堵塞会让发动机功率下降、油耗升高。",
    "上一篇：装载机轮胎怎么选(装载机轮胎型号大全)_买二手装载机",
    "下一篇：压路机操作注意事项(压路机安全操作规程)_压路机出售",
])


def test_site_stamping_trades_on_its_titles_is_rejected() -> None:
    v = clean(STAMPED_SHOP, content_type="text/plain")
    assert v.action == "reject"
    assert {"page.promotion.signal.stamped", "page.promotion.signal.title_trade"} <= set(v.reasons)


def test_portal_titles_with_channels_are_not_stamped() -> None:
    lines = STAMPED_SHOP.split("\n")
    page = "\n".join([
        "挖掘机日常保养的五个要点_工程机械_新浪科技_新浪网",
        *lines[1:4],
        "上一篇：装载机轮胎怎么选_工程机械_新浪网",
        "下一篇：压路机操作注意事项_工程机械_新浪网",
    ])
    v = clean(page, content_type="text/plain")
    assert "page.promotion.signal.stamped" not in v.reasons
    assert v.action == "publish"


# -- speed rewrites give the same signals (detectors/promotion.py gates, data/promotion.toml patterns) ------

_PAGES = [COURSE_PAGE, LANDING_PAGE, SALAD_PAGE, TRAINING_NEWS, PROFILE_NEWS, UNSURE_PAGE, MONEY_PAGE,
          SIGNUP_PAGE, FRANCHISE_NEWS, PRODUCT_REVIEW, FILLED_TEMPLATE, STAMPED_SHOP,
          # a call to action in the title only, a contact and a company introducing itself
          "\n".join(["立即报名 春季班", "本公司是一家专业从事钢结构施工的企业，竭诚为您服务。",
                     "咨询电话：13912345678"])]
_GATED = {"cta", "form", "self_intro", "offer", "contact", "money_count", "fake_fields"}


def _signals(page: str, gated: bool) -> dict[str, object]:
    from newsieve.filters.detectors.promotion import SIGNAL_KEY, PromotionDetector

    sieve = Sieve()
    det = next(d for d in sieve.detectors if isinstance(d, PromotionDetector))
    if not gated:
        det.gates = {}
    doc = sieve.document(page, content_type="text/plain")
    det.detect(doc)
    return dict(doc.cache["page_signals"][SIGNAL_KEY])


def test_rules_gated_by_the_trigger_pass_give_the_signals_of_running_them_all() -> None:
    """A rule runs only where the shared trigger pass found its trigger (or its literals): the
    signals must be those of running every rule over the article."""
    fired: set[str] = set()
    for page in _PAGES:
        gated, plain = _signals(page, True), _signals(page, False)
        assert gated == plain, page[:20]
        fired |= {key for key, value in plain.items() if value and key in _GATED}
    assert fired == _GATED  # every gated rule fired on some page: the comparison says something about each


def test_random_token_gate_gives_the_signal_of_running_the_rule() -> None:
    """random_token runs only on a page whose view holds twelve ASCII letters or digits in a row, or
    where a variant word took letters off such a run: the signal must be that of running it always."""
    from newsieve.filters.detectors.promotion import SIGNAL_KEY, PromotionDetector
    from newsieve.filters.detectors.repetition import article_lines
    from newsieve.filters.normalize import normalized_view

    pages = [SALAD_PAGE, TRAINING_NEWS, PRODUCT_REVIEW,
             # a run of twelve in one paragraph (a URL), the token in another: searched there too
             "详见 http://example.com/abcdefghijklmnop 。\n据悉，ls6utgDbOeKZnI6L技术人员正在施工。",
             # a run of twelve, not a token (no upper case, not glued to Chinese)
             "详见 http://example.com/abcdefghijklmnop 。\n据悉，技术人员正在施工。",
             "据悉，ls6utgDbOeKZnI6L技术人员正在施工。",
             # `bai癜风` is a variant of 白癜风: the view holds `x9abcdefghk白癜风`, 11 in a row
             "据悉，X9aBcDeFgHkbai癜风的治疗方法。"]
    sieve = Sieve()
    det = next(d for d in sieve.detectors if isinstance(d, PromotionDetector))
    fired = []
    for page in pages:
        doc = sieve.document(page, content_type="text/plain")
        det.detect(doc)
        gated = doc.cache["page_signals"][SIGNAL_KEY]["random_token"]
        # the rule over the whole article (what the gate stands for)
        assert gated == det._count("random_token", article_lines(doc)[1]), page[:20]
        fired.append(gated)
    assert fired[-4:] == [1, 0, 1, 1]
    assert normalized_view(sieve.document(pages[-1], content_type="text/plain"), det.variants).variants == 1


def test_each_rule_trigger_is_in_every_hit() -> None:
    """A promotion rule's ``trigger`` must be in every hit of its pattern (else the gate would hide hits)."""
    import re

    from newsieve.filters import load_rules
    from newsieve.filters.normalize import normalize

    rules = [r for r in load_rules().rules.values()
             if r.id.startswith("page.promotion.") and r.extra.get("trigger")]
    assert {r.id.removeprefix("page.promotion.") for r in rules} == {"form", "self_intro", "contact",
                                                                     "fake_field"}
    for rule in rules:
        trigger = re.compile(str(rule.extra["trigger"]))
        hits = [m.group(0) for page in _PAGES for m in rule.pattern.finditer(normalize(page).text)]
        assert hits, rule.id
        for hit in hits:
            assert trigger.search(hit), (rule.id, hit)


def test_rewritten_salad_patterns_match_what_their_first_forms_matched() -> None:
    """random_token and collision were rewritten for speed (data/promotion.toml): the same hits as
    the forms they replace, on random strings of their alphabets."""
    import random
    import re

    from newsieve.filters import load_rules

    rules = load_rules().rules
    first_forms = {
        "page.promotion.random_token": (
            r"(?=[A-Za-z0-9]{12})(?<![A-Za-z0-9./_=%-])(?=[A-Za-z0-9]{0,40}[a-z])(?=[A-Za-z0-9]{0,40}[A-Z])"
            r"(?=[A-Za-z0-9]{0,40}\d)[A-Za-z0-9]{12,40}(?=[\u4e00-\u9fff，。])",
            "aZ9bY8cX7" * 4 + "./_=%- 中，。",
        ),
        "page.promotion.collision": (
            "[。！？，、](?:(?<=[。！？])[，、；]|(?<=[，、])[。！？])",
            "。！？，、；中a",
        ),
    }
    rng = random.Random(2)
    for rule_id, (first, alphabet) in first_forms.items():
        old, new = re.compile(first), rules[rule_id].pattern
        hits = 0
        for _ in range(20000):
            text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))
            want = [m.span() for m in old.finditer(text)]
            assert [m.span() for m in new.finditer(text)] == want, (rule_id, text)
            hits += bool(want)
        assert hits > 100, rule_id


def test_search_each_patterns_answer_as_their_rule_pattern() -> None:
    """A rule's ``search_each`` patterns (searched one after another by the detector, for speed) hit
    a text exactly when the rule's pattern does, on random strings of the pattern's alphabet."""
    import random
    import re

    from newsieve.filters import load_rules

    rules = [r for r in load_rules().rules.values() if r.extra.get("search_each")]
    assert [r.id for r in rules] == ["page.promotion.collision"]
    alphabet = "。！？，、；中a \n"
    rng = random.Random(3)
    for rule in rules:
        each = [re.compile(p) for p in rule.extra["search_each"]]
        hits = 0
        for _ in range(20000):
            text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
            want = rule.pattern.search(text) is not None
            assert any(p.search(text) for p in each) == want, (rule.id, text)
            hits += want
        assert hits > 100, rule.id


def test_searches_from_the_first_lead_answer_as_the_rule_pattern() -> None:
    """``_count`` starts each search at the first character every match starts with (``_lead``, for
    speed): the answer of searching from ``pos`` (and of the rule's pattern over the whole text), on
    random strings of collision's alphabet; and ``_lead`` finds no such character where there is none."""
    import random
    import re

    from newsieve.filters.detectors.promotion import PromotionDetector, _lead

    det = next(d for d in Sieve().detectors if isinstance(d, PromotionDetector))
    assert [lead for lead, _ in det.searches["collision"]] == ["。", "！", "？"]
    for source in ("a|b", "a?b", "a*c", "a+", "(?i)ab", "a{2}", "(?:a|b)c", "[ab]c", r"\d"):
        assert _lead(re.compile(source)) == "", source
    assert [_lead(re.compile(s)) for s in ("ab", "[a]b", "(?:a)b", "a(?<=ba)")] == ["a"] * 4
    pattern = det.rules["collision"][1]
    alphabet = "。！？，、；中a \n,."
    rng = random.Random(4)
    hits = 0
    for _ in range(30000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        pos = rng.randint(0, len(text))
        # (from ``pos``, as the search_each patterns were searched before: their look-behinds look before it)
        want = int(any(p.search(text, pos) is not None for _, p in det.searches["collision"]))
        assert det._count("collision", text, pos) == want, (text, pos)
        assert det._count("collision", text) == int(pattern.search(text) is not None), text
        hits += want
    assert 1000 < hits < 29000


def test_holding_finds_the_blocks_holding_a_character() -> None:
    from _ads_docs import doc_of

    from newsieve.filters.detectors.promotion import _holding

    doc = doc_of("a/b", "", "无", "/", "c_d/e/f", "末尾/")
    for char in "/_无x":
        expected = [b for b in doc.blocks if char in doc.text[b.start : b.end]]
        assert list(_holding(doc, char)) == expected, char
