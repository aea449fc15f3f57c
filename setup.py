"""Build the compiled parts of ``newsieve.filters``. Everything else is in pyproject.toml.

C extensions (see their sources):

- ``_lexwalk``: the extraction walk over lexbor's nodes;
- ``_scan``: every occurrence of many words in a text (``_match.LiteralScanner``);
- ``_norm``: the character steps of the normalized view (``normalize.normalize``).

The modules of the hot path in ``MYPYC_MODULES``, compiled by mypyc (a build requirement): the same
Python, run as C; the build records the sources it compiled in ``newsieve/filters/_mypyc.json``, which
``newsieve.filters._compiled`` checks before it lets them run. ``NEWSIEVE_NO_MYPYC=1`` builds
without them.

All are optional: where they cannot be compiled (no C compiler), the install goes on and the same
code runs in Python, with the same results, slower (``newsieve.filters._tree.native_walk_ok``,
``newsieve.filters._match.native_scan_enabled``, ``newsieve.filters.normalize.native_norm_enabled``
and ``newsieve.filters._compiled.state`` say which is in use).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

MYPYC_MODULES = [
    "src/newsieve/filters/types.py",
    "src/newsieve/filters/_text.py",
    "src/newsieve/filters/_tree.py",
    "src/newsieve/filters/decode.py",
    "src/newsieve/filters/_match.py",
    "src/newsieve/filters/normalize.py",
    "src/newsieve/filters/extract.py",
    "src/newsieve/filters/score.py",
    "src/newsieve/filters/pipeline.py",
    "src/newsieve/filters/detectors/_ads.py",
    "src/newsieve/filters/detectors/boilerplate.py",
    "src/newsieve/filters/detectors/damage.py",
    "src/newsieve/filters/detectors/gambling.py",
    "src/newsieve/filters/detectors/listruns.py",
    "src/newsieve/filters/detectors/medical.py",
    "src/newsieve/filters/detectors/other_ads.py",
    "src/newsieve/filters/detectors/promotion.py",
    "src/newsieve/filters/detectors/related.py",
    "src/newsieve/filters/detectors/repetition.py",
]
# types.py: Block and Document are native classes (C struct reads in the detectors); Verdict, Span, Flag
# and Meta are marked ``mypyc_attr(native_class=False)``: orjson writes a Verdict by reading a
# dataclass's fields from its __slots__, which a native class lacks (the storage tests segfaulted).
# Compiled, with Block's and Document's __init__ written out so mypyc calls them natively (a dataclass's
# generated one runs as Python), it saves 5% of the instructions (8.19 -> 7.76 million a page).
MANIFEST = "_mypyc.json"  # (newsieve.filters._compiled.MANIFEST)


def _module(path: str) -> str:
    return ".".join(Path(path).relative_to("src").with_suffix("").parts)


def _mypyc_extensions() -> list[Extension]:
    if os.environ.get("NEWSIEVE_NO_MYPYC", "") not in ("", "0"):
        return []
    try:
        from mypyc.build import mypycify
    except ImportError:  # (a build without the build requirements: the sources run)
        return []
    try:
        extensions: list[Extension] = mypycify(
            MYPYC_MODULES, opt_level="3", multi_file=True, group_name="newsieve_filters"
        )
    except (Exception, SystemExit) as exc:  # (mypyc's type errors exit; its internal errors raise)
        print(f"warning: mypyc could not compile newsieve.filters ({exc!r}): its sources run")
        return []
    for ext in extensions:
        ext.optional = True
    return extensions


class BuildExt(build_ext):
    """build_ext that compiles on every core and writes the manifest of the mypyc modules only when
    all of them were built (else removes what was built of them: no module runs compiled)."""

    def finalize_options(self) -> None:
        super().finalize_options()
        if not self.parallel:
            self.parallel = os.cpu_count() or 1
        self._built: set[str] = set()

    def build_extension(self, ext: Extension) -> None:
        super().build_extension(ext)  # (raises when it fails: an optional one is then passed over)
        self._built.add(ext.name)

    def run(self) -> None:
        super().run()
        mypyc = [ext for ext in self.extensions if ext.name not in NATIVE]
        if not mypyc:
            return
        manifest = Path(self.get_ext_fullpath("newsieve.filters.types")).with_name(MANIFEST)
        if all(ext.name in self._built for ext in mypyc):
            modules = {_module(p): hashlib.sha256(Path(p).read_bytes()).hexdigest() for p in MYPYC_MODULES}
            manifest.write_text(json.dumps({"modules": modules}, indent=1, sort_keys=True) + "\n")
            return
        manifest.unlink(missing_ok=True)
        for ext in mypyc:
            Path(self.get_ext_fullpath(ext.name)).unlink(missing_ok=True)
        print("warning: the mypyc modules were not all built: newsieve.filters runs their sources")


NATIVE = {
    "newsieve.filters._lexwalk": "src/newsieve/filters/_lexwalk.c",
    "newsieve.filters._scan": "src/newsieve/filters/_scan.c",
    "newsieve.filters._norm": "src/newsieve/filters/_norm.c",
}

setup(
    ext_modules=[
        Extension(name, [source], optional=True, extra_compile_args=["-O2"])
        for name, source in NATIVE.items()
    ]
    + _mypyc_extensions(),
    cmdclass={"build_ext": BuildExt},
)
