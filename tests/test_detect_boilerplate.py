"""BoilerplateDetector: one test per reason, with the text that must go and the text that must stay."""

from __future__ import annotations

from pathlib import Path

import pytest
from _ads_docs import doc_of

from newsieve.filters import FilterConfig, Sieve, clean, load_rules
from newsieve.filters.detectors.boilerplate import BoilerplateDetector, is_leftover
from newsieve.filters.types import Document, Span

FIXTURES = Path(__file__).parent / "fixtures" / "boilerplate"


def make_doc(text: str) -> Document:
    """One block per line, as a plain-text extraction gives them."""
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    return doc_of(*lines, title=lines[0] if lines else "")


@pytest.fixture(scope="module")
def detector() -> BoilerplateDetector:
    return BoilerplateDetector(load_rules(), FilterConfig())


def spans(detector: BoilerplateDetector, text: str) -> list[Span]:
    doc = make_doc(text)
    found = [s for s in detector.detect(doc) if isinstance(s, Span)]
    for s in found:
        assert doc.text[s.start : s.end] == s.text
        assert s.reason.startswith(s.label)
        assert 0 < s.confidence <= 1
    return found


def removed(found: list[Span]) -> str:
    return "\n".join(s.text for s in found)


def left(text: str, found: list[Span]) -> str:
    """The document text with the spans cut out, without spaces: what a reader would keep."""
    doc = make_doc(text)
    keep = [True] * len(doc.text)
    for s in found:
        for i in range(s.start, s.end):
            keep[i] = False
    return "".join(ch for ch, k in zip(doc.text, keep, strict=True) if k and not ch.isspace())


ARTICLE = "市委召开常委会议，研究部署下一阶段重点工作。会议强调，要坚持稳中求进工作总基调。"


@pytest.mark.parametrize(
    "line",
    [
        "上一篇文章: 快看你家今后会啥样霸州城乡控制性详细规",
        "下一篇：一日一技：在 Python 中实现延迟调用",
        "- 上一条: 若大活塞的横截面积是S2 下一条: 化学发光定氮仪执行标准",
        "上一篇： 洋葱的好吃做法 用它与鸡肉搭配 下一篇：没有了",
        "前一篇：佰科公司聚合氯化铝符合国家标准",
        "Previous Post视频：Hart share prize Next Post Top story",
    ],
)
def test_prevnext(detector: BoilerplateDetector, line: str) -> None:
    found = spans(detector, f"{ARTICLE}\n{line}")
    assert {s.label for s in found} == {"boilerplate.prevnext"}
    assert left(f"{ARTICLE}\n{line}", found) == ARTICLE


def test_prevnext_title_in_next_block(detector: BoilerplateDetector) -> None:
    found = spans(detector, f"{ARTICLE}\n上一篇文章:\n快看你家今后会啥样")
    assert "快看你家今后会啥样" in removed(found)


def test_prevnext_negative(detector: BoilerplateDetector) -> None:
    text = (
        "该院负责人表示，上一篇章已经翻过，下一阶段将重点做好慢病管理工作。\n"
        "上一条消息说明了情况，下一条将在明天发布。"
    )
    assert spans(detector, text) == []


@pytest.mark.parametrize(
    "line",
    [
        "转载请注明地址:http://www.yingchunhuaa.com/ychfz/7130.html",
        "文章来源：xinwen365.com 转载请注明出处",
        "版权所有，转载请注明来源 bdfzx120.com",
        "本文地址：http://www.bdfzx120.com/ychfz/9826.html",
        "转载请注明出处：nkzx99.com",
        "免责声明：本站部分文章来源于网络，如有侵权请联系删除。",
        "温馨提示：文章内容系作者个人观点，不代表本站对其观点赞同或支持，若侵权请联系作者进行删除。",
    ],
)
def test_repost(detector: BoilerplateDetector, line: str) -> None:
    found = spans(detector, f"{ARTICLE}\n{line}")
    assert found and {s.label for s in found} == {"boilerplate.repost"}
    assert left(f"{ARTICLE}\n{line}", found) == ARTICLE


def test_repost_negative_newspaper_source(detector: BoilerplateDetector) -> None:
    # the original paper's attribution is not the repost site's notice
    text = f"{ARTICLE}\n来源：新华社\n（来源：燕赵都市网）\n本次活动资金来源：市财政专项拨款。"
    assert [s for s in spans(detector, text) if s.label == "boilerplate.repost"] == []


def test_repost_glued_to_paragraph_end(detector: BoilerplateDetector) -> None:
    found = spans(detector, f"{ARTICLE}转载请注明出处：nkzx99.com")
    assert removed(found) == "转载请注明出处：nkzx99.com"


@pytest.mark.parametrize(
    ("line", "meta"),
    [
        ("编辑丨解玮 来源丨晋中日报", {"editor": "解玮", "source": "晋中日报"}),
        ("本文来源：临汾日报", {"source": "临汾日报"}),
        ("责任编辑：杨帆", {"editor": "杨帆"}),
        ("（责任编辑：陈驰）", {"editor": "陈驰"}),
        ("作者丨王小明", {"author": "王小明"}),
        ("（本文来自微信公众号：晋中发布）", {"source": "晋中发布"}),
        ("文章转载自微信公众号“山西日报”", {"source": "山西日报"}),
    ],
)
def test_wechat_meta(detector: BoilerplateDetector, line: str, meta: dict[str, str]) -> None:
    found = spans(detector, f"{ARTICLE}\n{line}")
    assert {s.label for s in found} == {"boilerplate.wechat"}
    assert left(f"{ARTICLE}\n{line}", found) == ARTICLE
    got: dict[str, str] = {}
    for s in found:
        got.update(s.evidence.get("meta", {}))
    assert got == meta


@pytest.mark.parametrize(
    "line",
    [
        "审核：刘洋", "校对 | 杨帆", "点击蓝字关注我们", "长按二维码", "长按识别二维码关注",
        "喜欢就点个在看吧", "觉得不错，请点赞、在看、转发", "更多精彩内容，请关注我们的公众号",
        "↓↓↓ 点击阅读原文 ↓↓↓", "阅读原文", "END", "- THE END -",
    ],
)
def test_wechat_lines(detector: BoilerplateDetector, line: str) -> None:
    found = spans(detector, f"{ARTICLE}\n{line}")
    assert [s.label for s in found] == ["boilerplate.wechat"]
    assert found[0].text == line


def test_wechat_glued_after_author(detector: BoilerplateDetector) -> None:
    text = "促进示范区晋中开发区和10个县(市)开发区协同联动发展。(刘冬冬) 编辑丨解玮 来源丨晋中日报"
    found = spans(detector, text)
    assert removed(found) == "编辑丨解玮\n来源丨晋中日报"


def test_wechat_negative_prose(detector: BoilerplateDetector) -> None:
    text = (
        "据该院宣传科编辑介绍，义诊期间市民可长按二维码关注医院公众号预约。\n"
        "他说，喜欢就去做，不要太在意别人的看法。\n"
        "活动结束后，不少网友点赞转发了这段视频，称赞志愿者的善举，并呼吁更多人参与进来。\n"
        "按下键盘上的END键即可跳到行尾。\n"
        "记者在该微信公众号上看到，相关通知已于昨日发布。\n"
        "2022-03-14 10:50:34 出处：快科技 作者：陈驰 编辑：陈驰 评论(0)\n"
        "记者从相关部门了解到，来源于社会捐赠的物资已全部发放到位。\n"
        "发布时间：2021-04-01 17:42:00 点击量： 来源：纪律检查室 李亚乐"
    )
    assert spans(detector, text) == []


@pytest.mark.parametrize(
    "line",
    [
        "当前位置：首页 > 新闻中心 > 本地新闻",
        "首页 > 新闻中心 > 本地新闻",
        "分享到：微信 微博 QQ空间",
        "【字体：大 中 小】",
        "点击：次",
    ],
)
def test_other_chrome(detector: BoilerplateDetector, line: str) -> None:
    found = spans(detector, f"{line}\n{ARTICLE}")
    assert {s.label for s in found} == {"boilerplate.other"}
    assert left(f"{line}\n{ARTICLE}", found) == ARTICLE


def test_other_negative(detector: BoilerplateDetector) -> None:
    text = "他说，点击：这是网友最常用的操作。\n在首页上，市民可以查看本地新闻和办事指南。"
    assert spans(detector, text) == []


def test_fixture_page_end_to_end() -> None:
    v = clean((FIXTURES / "wechat_footer.txt").read_bytes(), content_type="text/plain")
    gone_list = ("编辑丨李静", "来源丨城东日报", "审核：刘洋", "点击蓝字关注", "长按识别二维码",
                 "转载请注明出处", "example-repost.com", "免责声明", "上一篇", "没有了", "当前位置")
    for gone in gone_list:
        assert gone not in v.text, gone
    for kept in ("市级领导和机关干部职工500余人参加", "新建和改造口袋公园30个。（本报记者 王志刚）"):
        assert kept in v.text, kept
    assert v.meta.editor == "李静"
    assert v.meta.source == "城东日报"


def test_fixture_negatives_end_to_end() -> None:
    text = (FIXTURES / "prose_negatives.txt").read_text(encoding="utf-8")
    v = clean(text, content_type="text/plain")
    assert not [s for s in v.removed if s.label.startswith("boilerplate.")]
    for line in text.splitlines()[1:]:
        assert line in v.text, line


def test_wechat_zaikan_prompt_is_removed_but_prose_about_it_stays() -> None:
    from newsieve.filters import clean

    page = (
        "社区食堂让老人吃上热乎饭\n"
        "七十六岁的张大爷说，现在每天走几步路就能吃上热乎饭，心里踏实。（高静）\n"
        "?? 点击“在看”让更多人看到\n"
    )
    verdict = clean(page, content_type="text/plain")
    assert "让更多人看到" not in verdict.text
    assert any(s.reason == "boilerplate.wechat.follow" for s in verdict.removed)
    prose = "社区活动\n志愿者说，大家点击在看的同时，更要走进社区亲身参与，让更多人看到身边的好人好事。\n"
    assert "让更多人看到身边的好人好事" in clean(prose, content_type="text/plain").text


# -- site chrome of text/plain pages (issue 2): each family, what goes and what stays ----------------

PAGE = ("市交通局今日发布通告，自下月起，城区主干道将实行错峰施工，市民出行请提前规划路线。\n"
           "施工期间，公交线路将临时调整，具体安排以公交公司发布的信息为准。")


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("新闻中心 > 本地新闻 > 正文", "boilerplate.other.breadcrumb"),
        ("网站首页 » 政务公开 » 通知公告 » 关于开展安全检查的通知", "boilerplate.other.breadcrumb"),
        ("您现在的位置是：首页 > 资讯", "boilerplate.other.breadcrumb"),
        ("微信 微博 QQ空间", "boilerplate.other.share"),
        ("分享到微信", "boilerplate.other.share"),
        ("发表评论", "boilerplate.other.comment"),
        ("网友评论 评论(0)", "boilerplate.other.comment"),
        ("已有3人参与", "boilerplate.other.comment"),
        ("点赞 收藏 评论", "boilerplate.other.comment"),
        ("登录 注册", "boilerplate.other.login"),
        ("用户名 密码 忘记密码", "boilerplate.other.login"),
        ("扫一扫在手机上阅读本文", "boilerplate.other.scan"),
        ("官方微信 二维码", "boilerplate.other.scan"),
        ("京ICP备12345678号-1", "boilerplate.other.icp"),
        ("主办：某某市人民政府 京ICP备12345678号 京公网安备11010502030000号", "boilerplate.other.icp"),
        ("政府网站标识码：1500000001", "boilerplate.other.icp"),
        ("关于我们 | 联系我们 | 网站地图 | 隐私政策", "boilerplate.other.menu"),
        ("返回页首 | 关闭窗口", "boilerplate.other.tools"),
        ("Copyright © 2008-2022 All Rights Reserved 技术支持：某某网络", "boilerplate.repost.copyright"),
        ("技术支持：某某网络科技有限公司", "boilerplate.other.credit"),
        ("未经本站书面许可，不得转载。", "boilerplate.repost.copyright"),
        ("违者依法追究相关法律责任", "boilerplate.repost.copyright"),
        ("如需转载请联系本站", "boilerplate.repost.notice"),
        ("文中观点仅代表作者本人，不代表本站立场。", "boilerplate.repost.disclaimer"),
        ("展开全文", "boilerplate.other.nav_word"),
        ("打开APP阅读全文", "boilerplate.other.tools"),
        ("点击查看更多", "boilerplate.other.nav_word"),
        ("返回搜狐，查看更多", "boilerplate.other.tools"),
        ("欢迎关注本站微信公众号", "boilerplate.wechat.follow"),
        ("文章编辑：小王", "boilerplate.wechat.editor"),
    ],
)
def test_site_chrome_line(detector: BoilerplateDetector, line: str, reason: str) -> None:
    text = f"{PAGE}\n{line}"
    found = spans(detector, text)
    assert reason in {s.reason for s in found}
    kept = "".join(ch for k, ch in enumerate(text) if not any(s.start <= k < s.end for s in found))
    assert kept.startswith(PAGE + "\n")  # the article is untouched
    assert is_leftover(kept[len(PAGE) + 1:])  # the whole line goes (separators aside)


@pytest.mark.parametrize(
    "line",
    [
        "网友评论称，这一做法值得推广，不少市民在微信群里转发了通知。",
        "市民可登录政务服务网注册账号，忘记密码的可通过手机验证码找回。",
        "记者扫一扫展板上的二维码，就能看到每棵树的养护记录。",
        "该网站未在工信部备案，也没有ICP备案编号，警方提醒市民注意甄别。",
        "当温度>30℃且湿度>80%时，设备会自动报警。",
        "网上申报 → 资料审核 → 现场核查 → 发证",  # a procedure, not a breadcrumb
        "技术支持：中国科学院遥感研究所",  # an event's credits
        "关于我们这一代人的青春，他在演讲中说了很多。",
        "根据著作权法，未经许可不得转载他人作品，否则将承担法律责任。平台已下架相关内容。",
        "微信、微博等社交平台已成为市民获取政务信息的重要渠道。",
        "他打开手机，点击查看更多详情后发现，这条消息是假的。",
        "读者可在本报客户端阅读全文，或返回首页查看更多报道。",
        "作者表示，文中观点仅代表其个人研究，欢迎同行批评指正。",
        "如需转载，须经作者同意，这是著作权法的规定。",
    ],
)
def test_site_chrome_negative_in_prose(detector: BoilerplateDetector, line: str) -> None:
    assert spans(detector, f"{PAGE}\n{line}") == []


def test_chrome_words_inside_an_article_paragraph_stay(detector: BoilerplateDetector) -> None:
    para = "活动结束后，主办方在官方微信发布了活动回顾，读者可扫码关注，也可在文末发表评论。"
    assert spans(detector, f"{PAGE}\n{para}") == []


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.txt")))
def test_prose_span_is_the_first_and_last_prose_block(name: str) -> None:
    """The article's run (menu and number lines are only looked for outside it) from its two ends:
    what the test of every block would give."""
    from newsieve.filters.detectors.boilerplate import PROSE_MIN_CHARS, prose_span

    lines = (FIXTURES / name).read_text(encoding="utf-8").splitlines()
    for doc in (make_doc("\n".join(lines)), make_doc("\n".join(lines[:3])), make_doc("首页 | 新闻\n18")):
        texts = [doc.text[b.start : b.end] for b in doc.blocks]
        ends = [any(c in "。！？!?" for c in t) for t in texts]
        prose = [i for i, t in enumerate(texts) if len(t) >= PROSE_MIN_CHARS and ends[i]]
        assert prose_span(doc) == ((prose[0], prose[-1]) if prose else None)


def test_in_prose_answers_as_its_regex() -> None:
    """``in_prose`` finds each sentence end with ``str.find`` instead of the regex it replaced (for
    speed): the same answer on random texts and bounds, out-of-range ones included."""
    import random
    import re

    from newsieve.filters.detectors.boilerplate import CHROME_LINE_MAX_CHARS, in_prose

    prose = re.compile(r"[。！？!?][\u4e00-\u9fff]")
    rng = random.Random(11)
    alphabet = "。！？!?中文a \n，一\u9fff\u4dff"
    hits = 0
    for _ in range(30000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        start, end = rng.randint(-3, len(text) + 3), rng.randint(-3, len(text) + 3)
        want = end - start > CHROME_LINE_MAX_CHARS or prose.search(text, start, end) is not None
        assert in_prose(text, start, end) == want, (text, start, end)
        hits += want
    assert hits > 1000  # (both answers were compared)
    assert in_prose("菜单" * 200, 0, 400)  # too long for a line of chrome items


def test_uncovered_is_what_no_item_covers() -> None:
    """``_uncovered`` cuts the gaps between (overlapping, nested, repeated) items as slices: the same
    characters as a flag per character would keep."""
    import random
    import re

    from newsieve.filters.detectors.boilerplate import BoilerplateDetector, _Item, _uncovered

    det = next(d for d in Sieve().detectors if isinstance(d, BoilerplateDetector))
    rule, match = det.scanner.rules[0], re.match("", "")  # (any: _uncovered reads only the offsets)
    assert match is not None
    rng = random.Random(7)
    for _ in range(500):
        text = "".join(rng.choice("上一篇：标题 来源丨网") for _ in range(rng.randint(0, 20)))
        ends = [sorted(rng.sample(range(len(text) + 1), 2)) for _ in range(rng.randint(0, 4))] if text else []
        items = [_Item(rule, a, b, match) for a, b in ends]
        start = rng.randint(0, len(text))
        covered = {k for it in items for k in range(it.start, it.end)}
        want = "".join(ch for k, ch in enumerate(text) if k >= start and k not in covered)
        assert _uncovered(text, items, start) == want


def test_menu_line_needs_two_trigger_literals(detector: BoilerplateDetector) -> None:
    """``min_triggers``: the menu rule only runs where its trigger's literals stand twice; every menu
    word holds one, so a line of two words is still found, a line with one word is not looked at."""
    menu = next(fr for fr in detector.scanner.rules if fr.rule.id == "boilerplate.other.menu")
    assert menu.min_triggers == 2
    assert "boilerplate.other.menu" in {s.reason for s in spans(detector, f"{PAGE}\n首页 | 订阅")}
    assert "boilerplate.other.menu" in {s.reason for s in spans(detector, f"{PAGE}\nEnglish Version 首页")}
    assert "boilerplate.other.menu" not in {s.reason for s in spans(detector, f"{PAGE}\n首页")}


def test_prose_block_with_only_chrome_line_triggers_is_no_candidate(detector: BoilerplateDetector) -> None:
    """A paragraph holding the menu's trigger words (`新闻`, `服务`) and no other rule's is skipped whole:
    chrome lines never hit in prose."""
    doc = doc_of(PAGE, "市新闻中心和服务中心的工作人员介绍了情况。随后大家参观了展厅。")
    assert 1 not in dict(detector.scanner.candidate_blocks(doc))
    assert detector.detect(doc) == []


def test_candidate_rules_are_what_triggered_names(detector: BoilerplateDetector) -> None:
    """``candidate_blocks`` reads each block's rules off the page's trigger pass: the rules
    ``KeyFinder.triggered`` names there (chrome lines aside in prose), in order."""
    scanner = detector.scanner
    doc = doc_of(PAGE, "上一篇：春季植树活动圆满结束", "关于我们 | 联系我们 | 网站地图",
                 "铜梁办公室装修 (1篇)", "责任编辑：杨帆",
                 "市新闻中心和服务中心的工作人员介绍了情况。随后大家参观了展厅。")
    got = dict(scanner.candidate_blocks(doc))
    for i, block in enumerate(doc.blocks):
        text = doc.text[block.start:block.end]
        named = sorted(scanner._order[id(r)] for r in scanner.keys.triggered(text, doc=doc, index=i))
        if i in got:
            assert got[i] == named
        else:
            assert all(scanner.rules[k].chrome_line for k in named)
    assert set(got) == {1, 2, 3, 4}  # the last paragraph holds the menu's trigger words only


def test_patterns_rewritten_to_start_with_literals_match_as_before() -> None:
    """breadcrumb, disclaimer and nav_word were rewritten so that every alternative starts with a
    literal (re then scans for their first characters, data/boilerplate.toml): the same hits as the
    forms they replace, on random strings of their words and characters."""
    import random
    import re

    places = "当前位置|您的位置|你的位置|您现在的位置|你现在的位置"
    first_forms = {
        "boilerplate.other.breadcrumb":
            rf"(?:{places}|所在位置|当前页面|现在的位置)\s*(?:是|为)?\s*[:：]|(?:{places})\s*(?=首页|主页|网站首页|home|Home)",
        "boilerplate.repost.disclaimer":
            r"(?:免责声明\s*[:：]?|不代表本(?:站|网|平台)[^。，,]{0,8}(?:观点|立场)|(?:观点|内容)仅代表作者(?:本人|个人)?"
            r"(?:观点|立场)?[，,]?\s*(?:不代表|与本(?:站|网|平台)无关)|本(?:站|网)(?:部分)?(?:文章|内容|信息|资讯)(?:均)?"
            r"(?:来源于|来自|转载自|转自)(?:网络|互联网)|如(?:有|涉及)侵权[，,]?\s*请(?:及时)?(?:联系|告知|与)(?:我们|本站|本网|站长|作者)?)",
        "boilerplate.other.nav_word":
            r"(?:列表|返回列表|返回首页|网站首页|首页|返回|更多|更多>>|(?:点击)?查看更多|(?:点击)?查看全文|网站地图|联系我们|关于我们"
            r"|上一页|下一页|尾页|首页\s*上一页|全部分类|分类|展开全文|阅读全文|展开全部|全部展开|展开|收起)",
    }
    rules = load_rules().rules
    rng = random.Random(11)
    for rule_id, first in first_forms.items():
        old, new = re.compile(first), rules[rule_id].pattern
        assert old.pattern != new.pattern
        words = sorted(set(re.findall(r"[\u4e00-\u9fff]+|[A-Za-z]+", first)))
        alphabet = words + sorted({c for w in words for c in w}) + list(" \n：:，,。1>/")
        hits = 0
        for _ in range(30000):
            text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 10)))
            want = [m.span() for m in old.finditer(text)]
            assert [m.span() for m in new.finditer(text)] == want, (rule_id, text)
            hits += bool(want)
        assert hits > 500, rule_id
