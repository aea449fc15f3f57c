"""One-off fetches (``newsieve.crawler.fetch`` and ``newsieve fetch``) against the demo site on loopback.

The SSRF guard refuses loopback by default, so every fetch of the fixture server here goes
through an explicit allow (``allow=("127.0.0.1",)`` or ``NEWSIEVE_FETCH_ALLOW``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from newsieve.cli import main
from newsieve.crawler import check_target, fetch
from newsieve.demo import DemoServer, DemoSite
from newsieve.exceptions import FetchBlocked, FetchError, FetchStatusError, FetchTimeout, FetchTooLarge

LOOPBACK = ("127.0.0.1",)


@pytest.fixture(scope="module")
def site() -> Iterator[DemoServer]:
    demo = DemoSite(articles=12, per_page=4, slow_seconds=2.0, huge_bytes=3 * 1024 * 1024)
    with DemoServer(demo) as server:
        yield server


def test_fetches_a_gbk_page_with_its_header_charset(site: DemoServer) -> None:
    page = fetch(site.url("/news/2026/00005.html"), allow=LOOPBACK)  # id 5: GBK, header and meta
    assert page.status == 200
    assert page.content_type == "text/html"
    assert page.charset == "gbk"
    assert "社区食堂".encode("gbk") in page.body
    assert page.url == site.url("/news/2026/00005.html")


def test_page_without_header_charset_has_none(site: DemoServer) -> None:
    page = fetch(site.url("/news/2026/00001.html"), allow=LOOPBACK)  # id 1: GBK, meta only
    assert page.charset is None
    assert b"charset=gbk" in page.body


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://localhost/",  # refused after DNS resolution
        "http://10.1.2.3/",
        "http://192.168.0.1/",
        "http://172.16.5.4/",
        "http://100.64.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[fe80::1]/",
        "http://0.0.0.0/",
        "http://224.0.0.1/",
        "http://240.0.0.1/",
        "http://metadata.google.internal/computeMetadata/v1/",
        "file:///etc/passwd",
        "gopher://127.0.0.1:6379/_PING",
    ],
)
def test_guard_refuses_non_public_targets(url: str) -> None:
    with pytest.raises(FetchBlocked):
        check_target(url)


def test_guard_lets_public_addresses_through() -> None:
    assert [str(ip) for ip in check_target("http://93.184.216.34/")] == ["93.184.216.34"]


def test_fetch_refuses_the_fixture_server_without_an_allow(site: DemoServer) -> None:
    before = site.hits["/news/2026/00006.html"]
    with pytest.raises(FetchBlocked):
        fetch(site.url("/news/2026/00006.html"))
    assert site.hits["/news/2026/00006.html"] == before


def test_an_allowed_cidr_and_allow_private_reach_it(site: DemoServer) -> None:
    assert fetch(site.url("/"), allow=("127.0.0.0/8",)).status == 200
    assert fetch(site.url("/"), allow_private=True).status == 200


def test_every_redirect_hop_is_checked(site: DemoServer) -> None:
    # "localhost" is allowed by name, 127.0.0.1 is not: the redirect to it must be refused.
    before = site.hits["/news/2026/00002.html"]
    start = f"http://localhost:{site.port}/redirect?to=http://127.0.0.1:{site.port}/news/2026/00002.html"
    with pytest.raises(FetchBlocked):
        fetch(start, allow=("localhost",))
    assert site.hits["/news/2026/00002.html"] == before


def test_redirects_are_followed_to_allowed_targets(site: DemoServer) -> None:
    page = fetch(site.url("/redirect?to=/news/2026/00003.html"), allow=LOOPBACK)
    assert page.url == site.url("/news/2026/00003.html")
    assert page.redirects == [site.url("/redirect?to=/news/2026/00003.html")]


def test_connects_to_the_checked_address_and_keeps_the_host_header(site: DemoServer) -> None:
    page = fetch(f"http://localhost:{site.port}/", allow=("localhost",))
    # the home page names its canonical URL from the Host header the server received
    assert f'href="http://localhost:{site.port}/"'.encode() in page.body


def test_redirect_loop_hits_the_limit(site: DemoServer) -> None:
    with pytest.raises(FetchError, match="redirects"):
        fetch(site.url("/news/2026/loop-905.html"), allow=LOOPBACK, max_redirects=3)


def test_size_cap_stops_reading_a_chunked_body(site: DemoServer) -> None:
    with pytest.raises(FetchTooLarge):
        fetch(site.url("/news/2026/huge-907.html"), allow=LOOPBACK, max_bytes=256 * 1024)


def test_size_cap_on_content_length(site: DemoServer) -> None:
    with pytest.raises(FetchTooLarge):
        fetch(site.url("/news/2026/00004.html"), allow=LOOPBACK, max_bytes=100)


def test_timeout(site: DemoServer) -> None:
    with pytest.raises(FetchTimeout):
        fetch(site.url("/news/2026/slow-901.html"), allow=LOOPBACK, timeout=0.2)


def test_error_status(site: DemoServer) -> None:
    with pytest.raises(FetchStatusError) as info:
        fetch(site.url("/news/2026/broken-904.html"), allow=LOOPBACK)
    assert info.value.status == 500


def test_non_html_is_refused(site: DemoServer) -> None:
    with pytest.raises(FetchError, match="not an HTML page"):
        fetch(site.url("/news/2026/attachment-908.html"), allow=LOOPBACK)


def test_cli_refuses_loopback(site: DemoServer, capsys: pytest.CaptureFixture[str], monkeypatch) -> None:
    monkeypatch.delenv("NEWSIEVE_FETCH_ALLOW", raising=False)
    assert main(["fetch", site.url("/news/2026/00002.html")]) == 1
    assert json.loads(capsys.readouterr().err)["error"] == "fetch_blocked"


def test_cli_fetches_through_an_allow_setting(
    site: DemoServer, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    monkeypatch.setenv("NEWSIEVE_FETCH_ALLOW", "127.0.0.1")
    assert main(["fetch", site.url("/news/2026/00002.html")]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["url"] == site.url("/news/2026/00002.html")
    assert out["action"] in ("publish", "review", "reject")
    assert "白癜风" in out["original_text"]
