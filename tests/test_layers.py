"""The import rules of DESIGN.md: arrows point down only.

filters imports nothing of ours (but newsieve.exceptions); storage may import filters;
crawler may import filters and storage; the application shell may import all.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).parent.parent / "src" / "newsieve"
ALLOWED = {
    "filters": {"filters"},
    "storage": {"filters", "storage"},
    "crawler": {"filters", "storage", "crawler"},
}


def _layer_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "newsieve":
        return None
    if len(parts) == 1:
        return "shell"
    return parts[1] if parts[1] in ALLOWED else "shell"


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ".".join(path.relative_to(SRC.parent).with_suffix("").parts)
    if path.name == "__init__.py":
        package = package.rsplit(".", 1)[0] + "." + "__init__"
    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend((node.lineno, a.name) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: -node.level]
                mod = ".".join([*base, node.module] if node.module else base)
            else:
                mod = node.module or ""
            out.append((node.lineno, mod))
    return out


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layer_imports_point_down(layer: str) -> None:
    bad = []
    for path in sorted((SRC / layer).rglob("*.py")):
        for line, mod in _imports(path):
            target = _layer_of(mod)
            if target is None or mod == "newsieve.exceptions":
                continue
            if target not in ALLOWED[layer]:
                bad.append(f"{path.relative_to(SRC)}:{line} imports {mod}")
    assert not bad, "imports against DESIGN.md's layering:\n" + "\n".join(bad)


def test_filters_import_without_services() -> None:
    import subprocess
    import sys

    code = (
        "import sys; import newsieve.filters; "
        "bad = [m for m in ('redis', 'scrapy', 'httpx', 'fastapi') if m in sys.modules]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_cli_parser_loads_no_crawler_or_server() -> None:
    """Every command starts fast: building the parser imports no Scrapy, Redis client or web server."""
    import subprocess
    import sys

    code = (
        "import sys; import newsieve.cli as c; c.build_parser(); "
        "bad = [m for m in ('scrapy', 'redis', 'fastapi', 'uvicorn', 'httpx') if m in sys.modules]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
