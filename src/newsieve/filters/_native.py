"""Whether the optional C extensions may be used (``_lexwalk``, ``_scan``, ``_norm``): each module
that has one asks ``pure_python()`` besides whether its extension is built."""

from __future__ import annotations

import os

PURE_PYTHON_ENV = "NEWSIEVE_PURE_PYTHON"
"""Set to anything but empty or ``0``, every C extension is left unused: the same results, slower."""


def pure_python() -> bool:
    """Is ``NEWSIEVE_PURE_PYTHON`` set (read at each call; callers decide whether to remember it)?"""
    return os.environ.get(PURE_PYTHON_ENV, "") not in ("", "0")
