"""The quickstart's pages: every article of the bundled demo site comes out of the filters with
its hospital ad gone whole (its own paragraph above or below the article, or glued to the front
of the first paragraph with its headline, URL or a phone in Chinese numerals), every story
paragraph kept, and the repost site's footers moved or removed. ``make demo`` prints these
pages side by side."""

from __future__ import annotations

import re

import pytest

from newsieve.demo.site import ADS, DemoSite, _story
from newsieve.filters import clean

SITE = DemoSite(articles=30)
_DIGITS = re.compile(r"\d{3,}")


@pytest.mark.parametrize("i", range(1, 31))
def test_demo_article_is_cleaned_whole(i: int) -> None:
    page = SITE._article(i)
    v = clean(page.body, content_type=page.headers["Content-Type"])
    ad_text, ad_url = ADS[i % len(ADS)]
    assert ad_url not in v.text
    for piece in re.split(r"\s+", ad_text):  # `西关男科医院哪家好 咨询电话：一三九…`: no piece is left
        assert piece not in v.text, (i, piece, v.text[:120])
    story = _story(i)
    for para in story.paragraphs:
        want = _DIGITS.sub("", para) if i % 7 == 3 else para  # the site deleted 3+ digit runs there
        assert want in v.paragraphs, (i, want, v.paragraphs)
    assert v.action == "publish"
    assert (v.meta.editor, v.meta.source) == (story.editor, story.source)
    assert not any(x in v.text for x in ("转载请注明", "上一篇", "下一篇", "编辑丨", "长按识别二维码"))
    if i % 3 == 1:  # glued to the first paragraph: the detector cut it off (else extraction left it out)
        assert [s.evidence["placement"] for s in v.removed if s.label == "ad.medical"] == ["front"]
