"""Site-rule feedback: a moderator's decision that overturns a detector updates the site's
allow/deny rules (when ``api_site_rules_feedback`` is on), in the spirit of Akismet's
submit-ham / submit-spam. The labeled examples themselves are recorded by storage on every
decision (``storage.feedback_examples()``); this is only the rule side.

- a proposed removal the moderator kept → ``allow`` the span's text on that site;
- a stretch the moderator removed that no detector had → ``deny`` it, with its label.
"""

from __future__ import annotations

import logging
from typing import Any

from .models import DecisionRequest

__all__ = ["update_site_rules"]

log = logging.getLogger("newsieve.api")

MIN_RULE_CHARS = 4
"""Shorter texts are not turned into rules: a 2-character allow or deny would match far too much."""


def update_site_rules(storage: Any, item: Any, body: DecisionRequest) -> list[tuple[str, str]]:
    """Apply the rule side of an ``edit`` decision; returns the ``(kind, text)`` rules added."""
    if body.decision != "edit":
        return []
    site = _field(item, "site")
    verdict = _field(item, "verdict")
    if not site or verdict is None:
        return []
    removed = _field(verdict, "removed") or []
    original = _field(verdict, "original_text") or ""
    added: list[tuple[str, str]] = []
    for edit in body.edits:
        if edit.action == "keep" and edit.span is not None and edit.span < len(removed):
            text = (_field(removed[edit.span], "text") or "").strip()
            if len(text) >= MIN_RULE_CHARS:
                storage.add_site_rule(site, "allow", text)
                added.append(("allow", text))
        elif edit.action == "remove" and edit.start is not None and edit.end is not None:
            text = original[edit.start : edit.end].strip()
            if len(text) >= MIN_RULE_CHARS:
                storage.add_site_rule(site, "deny", text, label=edit.label)
                added.append(("deny", text))
    if added:
        log.info("site rules for %s: %d added from a moderator's edit", site, len(added))
    return added


def _field(obj: Any, name: str) -> Any:
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None)
