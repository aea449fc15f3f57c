"""PLACEHOLDER, being written: returns nothing yet."""

from __future__ import annotations

from ..base import FilterConfig, Finding
from ..rules import Rules
from ..types import Document


class BoilerplateDetector:
    name = "boilerplate"
    version = "0"

    def __init__(self, rules: Rules, config: FilterConfig) -> None:
        self.rules = rules

    def detect(self, doc: Document) -> list[Finding]:
        return []
