"""The modules of ``newsieve.filters`` that mypyc compiles (``newsieve.filters._compiled``): the guard
that runs their sources when the build does not match them, and their doctests, run from the sources
(``--doctest-modules`` finds none in an extension module: the root conftest.py passes them over)."""

from __future__ import annotations

import doctest
import hashlib
import importlib
import importlib.machinery
import importlib.util
import json
import sys
from pathlib import Path

import pytest

from newsieve.filters import _compiled

SUFFIX = importlib.machinery.EXTENSION_SUFFIXES[0]


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A package ``fakepkg`` whose module ``mod`` has a source and, beside it, an "extension" that
    cannot be loaded (importing it fails): only the source can give ``WHERE``."""
    root = tmp_path / "fakepkg"
    root.mkdir()
    (root / "__init__.py").write_text("")
    (root / "mod.py").write_text("WHERE = 'source'\n")
    (root / f"mod{SUFFIX}").write_bytes(b"not an extension module")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "meta_path", list(sys.meta_path))  # (the finder install() adds goes after)
    monkeypatch.delenv("NEWSIEVE_PURE_PYTHON", raising=False)
    yield root
    for name in ("fakepkg.mod", "fakepkg"):
        sys.modules.pop(name, None)


def _manifest(root: Path, source: bytes) -> None:
    digest = hashlib.sha256(source).hexdigest()
    (root / _compiled.MANIFEST).write_text(json.dumps({"modules": {"fakepkg.mod": digest}}))


def test_a_build_without_a_manifest_runs_the_sources(package: Path) -> None:
    with pytest.warns(RuntimeWarning, match=r"fakepkg\.mod changed since the build"):
        assert _compiled.install(package, "fakepkg") == "stale"
    assert importlib.import_module("fakepkg.mod").WHERE == "source"


def test_a_source_edited_after_the_build_runs_as_source(package: Path) -> None:
    _manifest(package, b"WHERE = 'what the build compiled'\n")
    with pytest.warns(RuntimeWarning, match="make install"):
        assert _compiled.install(package, "fakepkg") == "stale"
    assert importlib.import_module("fakepkg.mod").WHERE == "source"


def test_a_build_that_matches_its_sources_runs_compiled(package: Path) -> None:
    _manifest(package, (package / "mod.py").read_bytes())
    finders = list(sys.meta_path)
    assert _compiled.install(package, "fakepkg") == "compiled"
    assert sys.meta_path == finders  # nothing redirected: Python imports the extension
    with pytest.raises(ImportError):
        importlib.import_module("fakepkg.mod")  # (this one is not a real extension)


def test_pure_python_runs_the_sources_of_a_good_build(package: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _manifest(package, (package / "mod.py").read_bytes())
    monkeypatch.setenv("NEWSIEVE_PURE_PYTHON", "1")
    assert _compiled.install(package, "fakepkg") == "pure"
    assert importlib.import_module("fakepkg.mod").WHERE == "source"


def test_a_package_without_extensions_has_nothing_compiled(package: Path) -> None:
    (package / f"mod{SUFFIX}").unlink()
    assert _compiled.install(package, "fakepkg") == "absent"


def test_the_running_state_names_what_runs_compiled() -> None:
    """``compiled_modules`` are extension modules, as imported; in any other state none is listed."""
    names = _compiled.compiled_modules()
    assert bool(names) == (_compiled.state() == "compiled")
    for name in names:
        assert importlib.import_module(name).__file__.endswith(SUFFIX), name


def _source(name: str) -> Path:
    package, _, leaf = name.rpartition(".")
    return Path(importlib.import_module(package).__path__[0]) / f"{leaf}.py"


_WITH_DOCTESTS = [name for name in _compiled.compiled_modules() if ">>> " in _source(name).read_text()]


@pytest.mark.parametrize(
    "name",
    _WITH_DOCTESTS or [pytest.param("", marks=pytest.mark.skip(reason="no compiled module has doctests"))],
)
def test_the_doctests_of_a_compiled_module_pass_on_its_source(name: str) -> None:
    package, _, leaf = name.rpartition(".")
    source = _source(name)
    alias = f"{package}._doctest_{leaf}"  # (its relative imports read the package: the compiled modules)
    spec = importlib.util.spec_from_file_location(alias, source)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[alias] = module
    try:
        spec.loader.exec_module(module)
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    finally:
        del sys.modules[alias]
    assert result.attempted and not result.failed


def test_compiled_types_keep_the_verdict_a_python_dataclass_orjson_writes() -> None:
    """types.py compiled: Block and Document are native classes (fields read as C struct fields, no
    ``__slots__``), Verdict, Span, Flag and Meta stay Python dataclasses with ``__slots__``, which orjson
    writes by itself (a native one crashed it). In every state orjson writes ``to_dict()``."""
    orjson = pytest.importorskip("orjson")
    from newsieve.filters import types

    verdict = types.Verdict(
        title="t",
        text="正文",
        paragraphs=["正文"],
        meta=types.Meta(author="a", source="s"),
        removed=[types.Span("ad.other", "ad.other.x", 0, 2, "广告", 0.5, {"k": [1]}, "d@1")],
        flags=[types.Flag("damage.mojibake", "damage.mojibake.x", examples=["锟斤拷"])],
        spam_score=0.25,
        action="review",
    )
    assert orjson.loads(orjson.dumps(verdict)) == json.loads(json.dumps(verdict.to_dict()))
    for cls in (types.Verdict, types.Span, types.Flag, types.Meta):
        assert "__slots__" in vars(cls), cls
    block = types.Block("正文", 0, 2)
    assert (block.kind, block.link_chars, block.links) == ("p", 0, [])
    doc = types.Document("正文", [block])
    assert (doc.title, doc.content_type, doc.meta, doc.cache) == ("", "text/html", {}, {})
    assert block.links is not types.Block("x", 0, 1).links and doc.meta is not types.Document("", []).meta
    if "newsieve.filters.types" in _compiled.compiled_modules():
        for cls in (types.Block, types.Document):
            assert "__slots__" not in vars(cls) and type(vars(cls)["text"]).__name__ == "getset_descriptor"
