"""Which modules of ``newsieve.filters`` run compiled, and a guard against stale builds.

setup.py compiles the modules of the hot path (the detectors, extraction, matching, the pipeline and
the score) with mypyc, the compiler of typed Python that mypy ships (black and charset-normalizer are
built the same way): the same code, with the same results, run as C (compiling the first 15 modules,
as they were, took 11% of the instructions a page of ``bench/bench_filters.py`` off, measured with
callgrind: 9.99 -> 8.91 million; setup.py notes what the later ones gave). Each compiled module
sits beside its source as an extension module, which Python imports in place of the source, and the
build writes ``_mypyc.json`` beside them: the sha256 of every source it compiled.

A source edited after the build would go on running as its old compiled code. So before any of
them is imported (``newsieve.filters`` imports this first), ``install()`` compares the sources with
the build's hashes: where one differs, or a compiled module has no hash, or ``NEWSIEVE_PURE_PYTHON``
is set, every compiled module of the package is imported from its source instead (all of them: a
compiled module calls the others' compiled code directly), with a warning for a stale build.
``make install`` (or ``make test``) compiles them anew.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from ._native import pure_python

__all__ = ["MANIFEST", "compiled_modules", "install", "state"]

MANIFEST = "_mypyc.json"
"""The build's record, beside this file: ``{"modules": {module name: sha256 of its source}}``."""
_PACKAGE = __name__.rpartition(".")[0]
_ROOT = Path(__file__).resolve().parent

_state = "not checked"
_compiled: list[str] = []


class _SourceFinder(importlib.abc.MetaPathFinder):
    """Imports the named modules from their ``.py`` sources, not from the extensions beside them."""

    def __init__(self, sources: dict[str, Path]) -> None:
        self.sources = sources

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        source = self.sources.get(fullname)
        return None if source is None else importlib.util.spec_from_file_location(fullname, source)


def _extensions(root: Path, package: str) -> dict[str, Path]:
    """Module name -> source, of each module under ``root`` built as an extension beside its source
    (the C extensions ``_lexwalk``, ``_scan`` and ``_norm`` have no ``.py`` source: not these)."""
    found: dict[str, Path] = {}
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        for ext in root.rglob(f"*{suffix}"):
            source = ext.with_name(ext.name[: -len(suffix)] + ".py")
            if source.is_file():
                parts = source.relative_to(root).with_suffix("").parts
                found[".".join((package, *parts))] = source
    return found


def _stale(sources: dict[str, Path], manifest: Path) -> list[str]:
    """The modules whose source is not the one the build compiled (all of them without a manifest)."""
    try:
        built = json.loads(manifest.read_text(encoding="utf-8"))["modules"]
    except (OSError, ValueError, KeyError, TypeError):
        return sorted(sources)
    return sorted(
        name for name, source in sources.items()
        if built.get(name) != hashlib.sha256(source.read_bytes()).hexdigest()
    )


def install(root: Path = _ROOT, package: str = _PACKAGE) -> str:
    """Decide, once, whether the compiled modules under ``root`` run; return the state:
    ``compiled``, ``stale`` or ``pure`` (their sources run) or ``absent`` (nothing is compiled)."""
    global _state, _compiled
    sources = _extensions(root, package)
    if not sources:
        state = "absent"
    elif pure_python():
        state = "pure"
    elif stale := _stale(sources, root / MANIFEST):
        state = "stale"
        warnings.warn(
            f"newsieve: {', '.join(stale[:3])}{' and more' if len(stale) > 3 else ''} changed since the "
            "build compiled them: running the sources of all compiled modules, slower "
            "(`make install` compiles them again)",
            RuntimeWarning,
            stacklevel=2,
        )
    else:
        state = "compiled"
    if state in ("pure", "stale"):
        sys.meta_path.insert(0, _SourceFinder(sources))
    if root == _ROOT:
        _state, _compiled = state, sorted(sources) if state == "compiled" else []
    return state


def state() -> str:
    """``compiled``, ``stale``, ``pure`` or ``absent`` (see ``install``), for reports."""
    return _state


def compiled_modules() -> list[str]:
    """The modules running compiled (none unless ``state()`` is ``compiled``)."""
    return list(_compiled)

