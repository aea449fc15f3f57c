"""Build the one C extension, ``newsieve.filters._lexwalk`` (the extraction walk over lexbor's
nodes; see its source). Everything else is in pyproject.toml.

The extension is optional: where it cannot be compiled (no C compiler), the install goes on and
``newsieve.filters._tree`` uses its Python walk, which gives the same result, slower
(``newsieve.filters._tree.native_walk_ok`` says which is in use).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "newsieve.filters._lexwalk",
            ["src/newsieve/filters/_lexwalk.c"],
            optional=True,
            extra_compile_args=["-O2"],
        )
    ]
)
