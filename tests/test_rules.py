"""Rules as data: the shipped files load, a bad file is refused with a clear error, and local
overrides add, replace and switch off rules without editing the shipped files."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsieve.exceptions import RulesError
from newsieve.filters import FilterConfig, Sieve, load_rules
from newsieve.filters.rules import SHIPPED_DIR
from newsieve.filters.types import FLAG_LABELS, REMOVAL_LABELS

GOOD_RULE = """
[[rule]]
id = "boilerplate.repost.local_test"
label = "boilerplate.repost"
pattern = '本站测试声明'
score = 0.9
description = "a site-local repost notice"
"""


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_rules_load_and_use_known_labels() -> None:
    rules = load_rules()
    assert rules.rules, "no shipped rules"
    assert rules.lexicons, "no shipped lexicons"
    for rule in rules.rules.values():
        assert rule.label in REMOVAL_LABELS + FLAG_LABELS, rule.id
        assert rule.description, rule.id
    assert all(f.startswith(str(SHIPPED_DIR)) for f in rules.files)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (GOOD_RULE.replace('label = "boilerplate.repost"', 'label = "ad.nonsense"'), "unknown label"),
        (GOOD_RULE.replace("'本站测试声明'", "'本站|'"), "empty string"),
        (GOOD_RULE.replace("'本站测试声明'", "'(本站'"), "does not compile"),
        (GOOD_RULE.replace("score = 0.9", "score = 1.5"), "score"),
        (GOOD_RULE.replace('description = "a site-local repost notice"', ""), "description"),
        (GOOD_RULE + GOOD_RULE, "duplicate"),
        ("[[rule]\nid = ", "not valid TOML"),
        ('[[lexicon]]\nid = "empty"\nwords = []\n', "empty"),
    ],
)
def test_a_bad_rule_file_is_refused_naming_file_and_rule(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path / "local", "bad.toml", text)
    with pytest.raises(RulesError) as err:
        load_rules([tmp_path / "local"])
    assert str(path) in str(err.value)
    assert message in str(err.value)


def test_missing_override_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="does not exist"):
        load_rules([tmp_path / "nope"])


def test_local_override_adds_a_rule_used_by_the_filters(tmp_path: Path) -> None:
    _write(tmp_path / "local", "site.toml", GOOD_RULE)
    page = "市里召开会议部署春耕生产工作，各县区负责人参加会议。\n本站测试声明\n会议要求各地抓好落实。"
    assert "本站测试声明" in Sieve().clean(page, content_type="text/plain").text
    sieve = Sieve(FilterConfig(rules_dirs=(str(tmp_path / "local"),)))
    assert "boilerplate.repost.local_test" in sieve.rules.rules
    # the shipped rules are untouched by the override
    assert "boilerplate.repost.local_test" not in load_rules().rules
    verdict = sieve.clean(page, content_type="text/plain")
    assert "本站测试声明" not in verdict.text
    assert "会议要求各地抓好落实" in verdict.text


def test_local_override_disables_a_shipped_rule(tmp_path: Path) -> None:
    shipped = load_rules()
    victim = next(iter(shipped.rules))
    _write(tmp_path / "local", "off.toml", f'disabled = ["{victim}"]\n')
    assert victim not in load_rules([tmp_path / "local"]).rules
