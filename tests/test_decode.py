"""Decoding: header charset, BOM, meta, detection; wrong declarations fall through."""

from __future__ import annotations

import codecs

import pytest

from newsieve.exceptions import DecodeError
from newsieve.filters import Sieve
from newsieve.filters.decode import decode, looks_like_html, normalize_charset

ARTICLE = (
    "经过一年多的建设，我市新建的滨河公园、东山公园和文化公园今日正式向市民开放，三座公园总面积超过六十公顷。"
    "据市园林局介绍，滨河公园沿河布置了健身步道、儿童游乐区和观景平台，东山公园保留了原有的山林地貌。"
)
TRADITIONAL = (
    "香港特別行政區政府今日宣佈，新的交通措施將於下月實施，"
    "市民可透過網站查詢詳情，有關部門會加強宣傳。"
)


def page(body: str, meta: str | None, title: str = "公园开放") -> str:
    head = f'<meta charset="{meta}">' if meta else ""
    return f"<html><head>{head}<title>{title}</title></head><body><p>{body}</p></body></html>"


def test_gbk_page_with_meta_charset() -> None:
    data = page(ARTICLE, "gbk").encode("gbk")
    out = decode(data, charset=None, content_type=None)
    assert out.source == "meta"
    assert out.charset == "gb18030"
    assert ARTICLE in out.text


def test_gbk_page_without_meta_charset_is_detected() -> None:
    data = page(ARTICLE, None).encode("gbk")
    out = decode(data, charset=None, content_type=None)
    assert out.source == "detected"
    assert ARTICLE in out.text


def test_gbk_page_without_meta_through_the_pipeline() -> None:
    doc = Sieve().document(page(ARTICLE, None).encode("gb2312"), content_type="text/html")
    assert ARTICLE in doc.text
    assert doc.charset == "gb18030"


def test_header_charset_wins_and_gb2312_reads_as_gb18030() -> None:
    # 镕 is outside GB2312: pages labelled gb2312 use GBK in practice
    text = "朱镕基" + ARTICLE
    out = decode(text.encode("gbk"), charset="GB2312", content_type=None)
    assert (out.text, out.charset, out.source) == (text, "gb18030", "argument")


def test_charset_in_content_type() -> None:
    out = decode(ARTICLE.encode("gbk"), charset=None, content_type="text/html; charset=GBK")
    assert (out.text, out.source) == (ARTICLE, "content-type")


def test_wrong_header_charset_falls_through_to_meta() -> None:
    # the header says utf-8 but the bytes are GBK, as the page's meta says
    data = page(ARTICLE, "gbk").encode("gbk")
    out = decode(data, charset="utf-8", content_type=None)
    assert out.source == "meta"
    assert ARTICLE in out.text


def test_wrong_meta_charset_utf8_bytes_win() -> None:
    # the meta says gbk but the bytes are UTF-8 (which would decode "strictly" as GBK mojibake)
    data = page(ARTICLE, "gbk").encode("utf-8")
    out = decode(data, charset=None, content_type=None)
    assert out.charset == "utf-8"
    assert ARTICLE in out.text


def test_latin1_header_does_not_beat_the_meta() -> None:
    data = page(ARTICLE, "gbk").encode("gbk")
    out = decode(data, charset="iso-8859-1", content_type=None)
    assert ARTICLE in out.text


@pytest.mark.parametrize(
    ("bom", "codec"),
    [(codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")],
)
def test_bom(bom: bytes, codec: str) -> None:
    out = decode(bom + ARTICLE.encode(codec), charset=None, content_type=None)
    assert out.source == "bom"
    assert out.text.lstrip("\ufeff") == ARTICLE


def test_bom_beats_a_meta_charset() -> None:
    out = decode(codecs.BOM_UTF8 + page(ARTICLE, "gbk").encode("utf-8"), charset=None, content_type=None)
    assert out.source == "bom"
    assert ARTICLE in out.text


def test_big5_with_meta() -> None:
    out = decode(page(TRADITIONAL, "big5", "交通措施").encode("big5"), charset=None, content_type=None)
    assert out.charset == "big5hkscs"
    assert TRADITIONAL in out.text


def test_big5_detected() -> None:
    out = decode(page(TRADITIONAL, None, "交通措施").encode("big5"), charset=None, content_type=None)
    assert out.source == "detected"
    assert TRADITIONAL in out.text


@pytest.mark.parametrize("declared", [("gbk", None), (None, "gb2312")])
def test_big5_declared_gbk_is_read_as_big5(declared: tuple[str | None, str | None]) -> None:
    """Big5 bytes decode "strictly" as GBK into nonsense: a GBK declaration (header or meta)
    that Big5 also reads is checked by detection."""
    header, meta = declared
    data = page(TRADITIONAL, meta, "交通措施").encode("big5")
    assert data.decode("gb18030") != data.decode("big5hkscs")  # both strict: the trap
    out = decode(data, charset=header, content_type=None)
    assert (out.charset, out.source) == ("big5hkscs", "detected")
    assert TRADITIONAL in out.text


def test_gbk_declared_gbk_stays_gbk_when_big5_also_reads_it() -> None:
    out = decode(page(ARTICLE, "gbk").encode("gbk"), charset="gbk", content_type=None)
    assert (out.charset, out.source) == ("gb18030", "argument")
    assert ARTICLE in out.text


def test_str_is_returned_as_is() -> None:
    out = decode(ARTICLE, charset="gbk", content_type="text/html; charset=big5")
    assert (out.text, out.charset, out.source) == (ARTICLE, None, "str")


def test_unknown_charset_name_raises() -> None:
    with pytest.raises(DecodeError, match="no-such-charset"):
        decode(ARTICLE.encode("utf-8"), charset="no-such-charset", content_type=None)


def test_unknown_charset_in_content_type_is_ignored() -> None:
    out = decode(ARTICLE.encode("utf-8"), charset=None, content_type="text/html; charset=bogus")
    assert out.text == ARTICLE


def test_undecodable_bytes_are_kept_with_replacement_characters() -> None:
    data = ARTICLE.encode("gbk") + b"\xff\xfe\x80" + ARTICLE.encode("gbk")
    out = decode(data, charset="gbk", content_type=None)
    assert out.source == "fallback"
    assert "\ufffd" in out.text
    assert out.text.count(ARTICLE) == 2


def test_binary_garbage_does_not_crash() -> None:
    data = bytes(range(256)) * 50
    out = decode(data, charset=None, content_type=None)
    assert isinstance(out.text, str) and out.text


def test_normalize_charset() -> None:
    assert normalize_charset("GB2312") == "gb18030"
    assert normalize_charset("x-gbk") == "gb18030"
    assert normalize_charset("BIG5") == "big5hkscs"
    assert normalize_charset("UTF8") == "utf-8"
    assert normalize_charset("nope") is None


def test_looks_like_html() -> None:
    assert looks_like_html("plain <words> here", "text/html; charset=utf-8")
    assert not looks_like_html("<p>x</p>", "text/plain")
    assert looks_like_html("<!DOCTYPE html><html><body>x</body></html>", None)
    assert looks_like_html("<div>新闻</div>", None)
    assert not looks_like_html("新时代新气象\n1 < 2 and 3 > 2", None)


@pytest.mark.parametrize(
    ("data", "charset", "kept"),
    [
        (ARTICLE.encode("utf-8"), None, True),  # strict UTF-8, found
        (ARTICLE.encode("utf-8"), "utf-8", True),  # strict UTF-8, as declared
        (b"plain ascii page", None, True),
        (codecs.BOM_UTF8 + ARTICLE.encode("utf-8"), None, False),  # the text has no BOM
        (ARTICLE.encode("utf-8") + b"\xff" + ARTICLE.encode("utf-8"), "utf-8", False),  # U+FFFD in the text
        (ARTICLE.encode("gbk"), "gbk", False),
    ],
)
def test_the_input_bytes_are_kept_only_when_they_are_the_text_in_utf8(
    data: bytes, charset: str | None, kept: bool
) -> None:
    out = decode(data, charset=charset, content_type=None)
    assert (out.utf8 is not None) == kept
    if kept:
        assert out.utf8 == out.text.encode("utf-8")


def test_a_utf8_page_as_bytes_gives_the_verdict_of_its_text() -> None:
    # the parser reads the bytes as they came (no encoding of the decoded text again)
    head = "<head><meta charset=utf-8><title>标题</title></head>"
    html = f"<html>{head}<body><h1>标题</h1><p>{ARTICLE}</p>😀</body></html>"
    sieve = Sieve()
    from_bytes = sieve.clean(html.encode("utf-8"), content_type="text/html")
    from_text = sieve.clean(html, content_type="text/html")
    assert from_bytes.to_dict() == from_text.to_dict()
    assert ARTICLE in from_bytes.text
