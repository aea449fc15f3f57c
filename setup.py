"""Build the C extensions of ``newsieve.filters`` (see their sources). Everything else is in
pyproject.toml.

- ``_lexwalk``: the extraction walk over lexbor's nodes;
- ``_scan``: every occurrence of many words in a text (``_match.LiteralScanner``);
- ``_norm``: the character steps of the normalized view (``normalize.normalize``).

All are optional: where they cannot be compiled (no C compiler), the install goes on and the
same code runs in Python, with the same results, slower (``newsieve.filters._tree.native_walk_ok``,
``newsieve.filters._match.native_scan_enabled`` and ``newsieve.filters.normalize.native_norm_enabled``
say which is in use).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "newsieve.filters._lexwalk",
            ["src/newsieve/filters/_lexwalk.c"],
            optional=True,
            extra_compile_args=["-O2"],
        ),
        Extension(
            "newsieve.filters._scan",
            ["src/newsieve/filters/_scan.c"],
            optional=True,
            extra_compile_args=["-O2"],
        ),
        Extension(
            "newsieve.filters._norm",
            ["src/newsieve/filters/_norm.c"],
            optional=True,
            extra_compile_args=["-O2"],
        ),
    ]
)
