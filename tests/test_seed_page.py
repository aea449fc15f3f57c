"""The seed page (DESIGN.md, "The problem, on one real page"): every change to the filters is
checked against it, through the library and through the CLI exactly as the issue states it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from newsieve.filters import Verdict, clean

SEED = Path(__file__).parent / "fixtures" / "seed-page.txt"

# The article, paragraph by paragraph (as the page has them, digits already deleted by the
# repost site): every one must be kept.
ARTICLE_PARAGRAPHS = [
    "深化改革创新加速动能转换全面提质提速",
    "目前,全市拥有国家级开发区1家,省级开发区5家,我市在申报省级开发区、通过省级评审、省政府批准方面均走在了全省前列。",
    "无论是新旧动能转换,还是项目建设推进;不管是打造新的增长极,还是建设产业集聚区……我市的开发区建设已经从“规划图”变成“施工图”,从“施工图”演绎成“加速度”。",
    "作为经济建设的主战场、转型发展的重要载体,开发区建设是我市实现高质量发展、全面挺进全省第一方阵的重要平台。",
    "为此,市委、市政府紧紧抢抓发展机遇,迅速行动推进,坚持对标先进,先行先试先干,以山西转型综改示范区晋中开发区为引领,不断完善顶层设计,积极申报省级开发区,逐步理顺体制机制改革,深入推进“三化三制”改革,全力打造“1+10”联合体,改革创新取得突破性进展,为转型发展注入新活力。",
    "截至目前,我市拥有示范区晋中开发区1家国家级开发区,祁县经济开发区、介休经济技术开发区、太谷经济技术开发区、左权生态文化旅游开发区、山西农谷等5家省级以上开发区,无论是申报省级开发区的数量,通过省级评审数量,还是省政府批准数量我市均走在了全省前列,开发区建设正式驶入“快车道”。",
    "年,列入考核范围的示范区晋中开发区、祁县经济开发区、介休经济技术开发区3家开发区入区企业数个,完成全年考核指标的.83%;",
    "研究与实验发展经费4.11亿元,完成考核指标的.64%。",
    "——理顺归属关系,畅通运转体系。",
    "均为当地县(市)政府派出机构。",
    "——迅速剥离职能,轻装上阵出发。",
    "实现了一次性告知、一个窗口受理、一站式服务。",
    "把开发区打造成服务型政府的新平台。",
    "——优化干部配置,激发队伍活力。",
    "以参股方式参与招商引资项目3个。",
    "成立了承担开发区基础设施建设、投融资服务等职能的国有资产管理公司。",
    "——“1+10”联合体进入了实操阶段。",
    "促进示范区晋中开发区和10个县(市)开发区协同联动发展。",
]

# What the repost site injected: none of it may stay in the text.
INJECTED = [
    "北京哪家治疗白癜风正规",
    "baike.baidu.com",
    "编辑丨解玮",
    "来源丨晋中日报",
    "MORE延伸阅读",
    "我市组织开展全民国家安全教育日宣传活动",
    "游园赏品",
    "山西省人大邀您对环保工作提建议",
    "转载请注明地址",
    "yingchunhuaa.com",
    "上一篇文章",
    "下一篇文章",
    "霸州城乡控制性详细规",
]


@pytest.fixture(scope="module")
def verdict() -> Verdict:
    return clean(SEED.read_bytes(), content_type="text/plain")


def _check(v: dict) -> None:
    assert v["title"] == "新时代新气象新作为我市开发区建设"
    assert v["meta"]["author"] == "刘冬冬"
    assert v["meta"]["editor"] == "解玮"
    assert v["meta"]["source"] == "晋中日报"

    labels = {s["label"] for s in v["removed"]}
    assert {"ad.medical", "boilerplate.related", "boilerplate.repost", "boilerplate.prevnext"} <= labels

    ads = [s for s in v["removed"] if s["label"] == "ad.medical"]
    assert any("北京哪家治疗白癜风正规" in s["text"] for s in ads)
    # the hospital is named as evidence (the encyclopedia link is to 北京中科白癜风医院)
    assert any("北京中科白癜风医院" in json.dumps(s["evidence"], ensure_ascii=False) for s in ads)

    flags = {f["label"] for f in v["flags"]}
    assert {"damage.digits_stripped", "damage.mojibake"} <= flags

    for paragraph in ARTICLE_PARAGRAPHS:
        assert paragraph in v["text"], paragraph
    for injected in INJECTED:
        assert injected not in v["text"], injected
    # the author line stays with the article; only its name is copied into metadata
    assert "(刘冬冬)" in v["text"]

    # every removal says why, and its offsets point at its text in the extracted text
    for span in v["removed"]:
        assert span["reason"].startswith(span["label"])
        assert v["original_text"][span["start"] : span["end"]] == span["text"]
        assert 0 < span["confidence"] <= 1
    assert v["action"] in ("publish", "review")


def test_seed_page_library(verdict: Verdict) -> None:
    _check(verdict.to_dict())


def test_seed_page_cli() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "newsieve", "clean", "--content-type", "text/plain", "--format", "json",
         str(SEED)],
        check=True,
        capture_output=True,
        text=True,
    )
    _check(json.loads(out.stdout))
