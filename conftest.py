"""Collection for the whole tree (the fixtures are in tests/conftest.py).

``--doctest-modules`` imports each source under ``src/`` to find its doctests. A module that runs
compiled (``newsieve.filters._compiled``) is an extension module, with no doctests to find: its
source is passed over here, and ``tests/test_compiled.py`` runs its doctests from the source.
"""

from __future__ import annotations

from pathlib import Path

SRC = Path(__file__).parent / "src"


def pytest_ignore_collect(collection_path: Path) -> bool | None:
    if collection_path.suffix != ".py" or SRC not in collection_path.parents:
        return None
    from newsieve.filters._compiled import compiled_modules

    name = ".".join(collection_path.relative_to(SRC).with_suffix("").parts)
    return True if name in compiled_modules() else None
