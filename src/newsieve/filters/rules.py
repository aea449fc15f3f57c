"""Rules and lexicons as data: loading, validation, local overrides.

Shipped rule files live in ``filters/data/*.toml`` and are never edited by users. Local
overrides live in other folders (``FilterConfig.rules_dirs``): a file there may add rules
and lexicons, replace a shipped one by using its id, or switch shipped ones off with a
top-level ``disabled = ["rule.id", ...]``.

A rule file::

    [meta]
    description = "what these rules catch"
    source = "where the patterns come from (pages, corpora, papers)"
    license = "Apache-2.0"

    [[rule]]
    id = "boilerplate.repost.notice"        # stable: appears in verdicts, metrics, tests
    label = "boilerplate.repost"            # one of types.REMOVAL_LABELS or FLAG_LABELS
    pattern = '转载请注明(?:地址|出处|来源)'  # Python regex, matched on the text named by `on`
    score = 0.95                            # confidence of a hit, in (0, 1]
    on = "raw"                              # "raw" text or "normalized" text (see normalize.py)
    description = "repost notice of the repost site"

    [[lexicon]]
    id = "diseases"
    description = "diseases repost-site hospital ads promote"
    words = ["白癜风", "牛皮癣"]
    # optional: variant spelling -> canonical word
    variants = { "白颠风" = "白癜风" }

Validation errors raise ``RulesError`` naming the file and the rule: an unknown label, a
pattern that does not compile or that matches the empty string (an empty alternation), a
duplicate id in one file, a score outside (0, 1], an empty lexicon.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsieve.exceptions import RulesError

from .types import FLAG_LABELS, REMOVAL_LABELS

SHIPPED_DIR = Path(__file__).parent / "data"
_KNOWN_LABELS = frozenset(REMOVAL_LABELS) | frozenset(FLAG_LABELS)


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    label: str
    pattern: re.Pattern[str]
    score: float
    description: str
    on: str = "raw"
    source: str = ""
    """The file the rule was loaded from."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Any other keys of the rule table, for the detector that owns the rule."""


@dataclass(frozen=True, slots=True)
class Lexicon:
    id: str
    words: tuple[str, ...]
    description: str
    variants: dict[str, str] = field(default_factory=dict)
    source: str = ""

    def canonical(self, word: str) -> str:
        return self.variants.get(word, word)


@dataclass(slots=True)
class Rules:
    """All loaded rules and lexicons, by id, in load order."""

    rules: dict[str, Rule] = field(default_factory=dict)
    lexicons: dict[str, Lexicon] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)

    def by_label(self, label_prefix: str) -> list[Rule]:
        """Rules whose label starts with ``label_prefix`` (``"boilerplate."``, ``"ad.medical"``)."""
        return [r for r in self.rules.values() if r.label.startswith(label_prefix)]

    def by_id_prefix(self, prefix: str) -> list[Rule]:
        return [r for r in self.rules.values() if r.id.startswith(prefix)]

    def lexicon(self, lexicon_id: str) -> Lexicon:
        try:
            return self.lexicons[lexicon_id]
        except KeyError:
            raise RulesError(f"no lexicon {lexicon_id!r} (loaded: {sorted(self.lexicons)})") from None

    def words(self, lexicon_id: str) -> tuple[str, ...]:
        return self.lexicon(lexicon_id).words


def _fail(path: Path, what: str) -> RulesError:
    return RulesError(f"{path}: {what}")


def _compile(path: Path, rule_id: str, pattern: Any) -> re.Pattern[str]:
    if not isinstance(pattern, str) or not pattern:
        raise _fail(path, f"rule {rule_id!r}: pattern must be a non-empty string")
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise _fail(path, f"rule {rule_id!r}: pattern does not compile: {exc}") from exc
    if compiled.fullmatch("") is not None or compiled.search("") is not None:
        raise _fail(path, f"rule {rule_id!r}: pattern matches the empty string (empty alternation?)")
    return compiled


def _parse_rule(path: Path, raw: dict[str, Any]) -> Rule:
    rule_id = raw.get("id")
    if not isinstance(rule_id, str) or not rule_id:
        raise _fail(path, f"a rule has no id: {raw!r}")
    label = raw.get("label")
    if label not in _KNOWN_LABELS:
        raise _fail(path, f"rule {rule_id!r}: unknown label {label!r}")
    score = raw.get("score", 1.0)
    if not isinstance(score, int | float) or not 0 < float(score) <= 1:
        raise _fail(path, f"rule {rule_id!r}: score must be in (0, 1], got {score!r}")
    on = raw.get("on", "raw")
    if on not in ("raw", "normalized"):
        raise _fail(path, f"rule {rule_id!r}: `on` must be 'raw' or 'normalized', got {on!r}")
    description = raw.get("description", "")
    if not description:
        raise _fail(path, f"rule {rule_id!r}: a description is required")
    known = {"id", "label", "pattern", "score", "on", "description"}
    return Rule(
        id=rule_id,
        label=str(label),
        pattern=_compile(path, rule_id, raw.get("pattern")),
        score=float(score),
        description=str(description),
        on=str(on),
        source=str(path),
        extra={k: v for k, v in raw.items() if k not in known},
    )


def _parse_lexicon(path: Path, raw: dict[str, Any]) -> Lexicon:
    lex_id = raw.get("id")
    if not isinstance(lex_id, str) or not lex_id:
        raise _fail(path, f"a lexicon has no id: {raw!r}")
    words = raw.get("words", [])
    words_file = raw.get("words_file")
    if words_file:
        file = path.parent / str(words_file)
        try:
            lines = file.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise _fail(path, f"lexicon {lex_id!r}: cannot read {file}: {exc}") from exc
        words = [*words, *(w.strip() for w in lines if w.strip() and not w.lstrip().startswith("#"))]
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        raise _fail(path, f"lexicon {lex_id!r}: words must be a list of strings")
    clean = tuple(dict.fromkeys(w.strip() for w in words if w.strip()))
    if not clean:
        raise _fail(path, f"lexicon {lex_id!r} is empty")
    variants = raw.get("variants", {})
    if not isinstance(variants, dict) or not all(
        isinstance(k, str) and k and isinstance(v, str) and v for k, v in variants.items()
    ):
        raise _fail(path, f"lexicon {lex_id!r}: variants must map non-empty strings to strings")
    return Lexicon(
        id=lex_id,
        words=clean,
        description=str(raw.get("description", "")),
        variants=dict(variants),
        source=str(path),
    )


def load_file(path: Path) -> tuple[list[Rule], list[Lexicon], list[str]]:
    """Parse one rule file: its rules, its lexicons and the ids it disables."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail(path, f"cannot read: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise _fail(path, f"not valid TOML: {exc}") from exc
    rules = [_parse_rule(path, r) for r in data.get("rule", [])]
    lexicons = [_parse_lexicon(path, x) for x in data.get("lexicon", [])]
    for kind, ids in (("rule", [r.id for r in rules]), ("lexicon", [x.id for x in lexicons])):
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise _fail(path, f"duplicate {kind} id {dupes[0]!r}")
    disabled = data.get("disabled", [])
    if not isinstance(disabled, list) or not all(isinstance(x, str) for x in disabled):
        raise _fail(path, "`disabled` must be a list of rule or lexicon ids")
    return rules, lexicons, list(disabled)


def _toml_files(directory: Path) -> Iterable[Path]:
    if not directory.is_dir():
        raise RulesError(f"rules folder {directory} does not exist")
    return sorted(directory.glob("*.toml"))


def load_rules(override_dirs: Sequence[str | Path] = ()) -> Rules:
    """Load the shipped rules, then each override folder in order (later wins)."""
    out = Rules()
    for directory in (SHIPPED_DIR, *map(Path, override_dirs)):
        for path in _toml_files(directory):
            rules, lexicons, disabled = load_file(path)
            for rule in rules:
                out.rules[rule.id] = rule
            for lex in lexicons:
                out.lexicons[lex.id] = lex
            for item_id in disabled:
                out.rules.pop(item_id, None)
            out.files.append(str(path))
    return out
