"""newsieve.filters: pure functions and data that turn a repost page into a ``Verdict``.

No network, no Redis, nothing of newsieve's but ``newsieve.exceptions``. This is the part
other teams embed::

    from newsieve.filters import clean
    verdict = clean(html_bytes, content_type="text/html", charset="gbk", url="http://...")
    verdict.action, verdict.text, [s.reason for s in verdict.removed]
"""

from . import _compiled

_compiled.install()  # before any compiled module is imported: see _compiled

from .base import Detector, FilterConfig
from .pipeline import Sieve, SiteRules, clean
from .rules import Lexicon, Rule, Rules, load_rules
from .types import (
    ACTIONS,
    FLAG_LABELS,
    REMOVAL_LABELS,
    SCHEMA_VERSION,
    Block,
    Document,
    Flag,
    Meta,
    Span,
    Verdict,
)

__all__ = [
    "ACTIONS",
    "FLAG_LABELS",
    "REMOVAL_LABELS",
    "SCHEMA_VERSION",
    "Block",
    "Detector",
    "Document",
    "FilterConfig",
    "Flag",
    "Lexicon",
    "Meta",
    "Rule",
    "Rules",
    "Sieve",
    "SiteRules",
    "Span",
    "Verdict",
    "clean",
    "load_rules",
]
