"""``newsieve clean``: inputs, formats, exit codes and error objects, through the real CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

SEED = Path(__file__).parent / "fixtures" / "seed-page.txt"
GBK_PAGE = (
    "<html><head><title>市人民医院开展白癜风义诊活动_晋中新闻网</title></head><body>"
    "<h1>市人民医院开展白癜风义诊活动</h1><div class='content'>"
    "<p>本报讯 昨日，市人民医院皮肤科专家走进社区，为居民免费提供白癜风、湿疹等皮肤病咨询和义诊服务。</p>"
    "<p>活动现场，医生们耐心解答群众提问，并发放健康宣传资料三百余份。</p></div></body></html>"
)


def newsieve(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "newsieve", *args], input=stdin, capture_output=True, timeout=120
    )


@pytest.fixture(scope="module")
def schema() -> dict:
    text = resources.files("newsieve").joinpath("schemas/verdict.schema.json").read_text("utf-8")
    return json.loads(text)


def test_stdin_json_matches_schema(schema: dict) -> None:
    done = newsieve("clean", "--content-type", "text/plain", "-", stdin=SEED.read_bytes())
    assert done.returncode == 0, done.stderr
    verdict = json.loads(done.stdout)
    jsonschema.validate(verdict, schema)
    assert verdict["input"] == "-"


def test_directory_is_walked_and_jsonl_names_each_input(tmp_path: Path, schema: dict) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "page.html").write_bytes(GBK_PAGE.encode("gbk"))
    (tmp_path / "seed.txt").write_bytes(SEED.read_bytes())
    (tmp_path / "notes.md").write_text("not a page", encoding="utf-8")
    done = newsieve("clean", "--format", "jsonl", str(tmp_path))
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.decode("utf-8").splitlines()]
    assert sorted(Path(v["input"]).name for v in lines) == ["page.html", "seed.txt"]
    for verdict in lines:
        jsonschema.validate(verdict, schema)
    html = next(v for v in lines if v["input"].endswith("page.html"))
    # GBK bytes without any declared charset decode right
    assert "市人民医院皮肤科专家走进社区" in html["text"]


def test_failures_are_reported_and_the_rest_processed(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    missing = tmp_path / "missing.html"
    done = newsieve("clean", "--format", "jsonl", str(empty), str(missing), str(SEED))
    assert done.returncode == 1
    lines = [json.loads(line) for line in done.stdout.decode("utf-8").splitlines()]
    assert [line["input"] for line in lines] == [str(empty), str(missing), str(SEED)]
    assert lines[0]["error"] == "empty_input"
    assert lines[1]["error"] == "io_error"
    assert lines[2]["title"] == "新时代新气象新作为我市开发区建设"


def test_json_errors_go_to_stderr(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"   \n")
    done = newsieve("clean", "--format", "json", str(empty), str(SEED))
    assert done.returncode == 1
    verdicts = json.loads(done.stdout)
    assert [v["input"] for v in verdicts] == [str(SEED)]
    error = json.loads(done.stderr.decode("utf-8").strip().splitlines()[-1])
    assert error == {"input": str(empty), "error": "empty_input", "message": error["message"]}


def test_text_format_shows_title_and_text() -> None:
    done = newsieve("clean", "--format", "text", "--content-type", "text/plain", str(SEED))
    assert done.returncode == 0
    out = done.stdout.decode("utf-8")
    assert "title: 新时代新气象新作为我市开发区建设" in out
    assert "协同联动发展" in out


@pytest.mark.parametrize(
    "args",
    [
        ["clean"],
        ["clean", "--format", "xml", "x.txt"],
        ["clean", "--url", "http://example.com/a", "a.txt", "b.txt"],
    ],
)
def test_usage_errors_exit_2(args: list[str]) -> None:
    assert newsieve(*args).returncode == 2


def test_unknown_charset_is_a_clear_error() -> None:
    done = newsieve("clean", "--charset", "no-such-charset", str(SEED))
    assert done.returncode == 1
    error = json.loads(done.stderr.decode("utf-8").strip().splitlines()[-1])
    assert error["error"] == "decode_error"
    assert "no-such-charset" in error["message"]
