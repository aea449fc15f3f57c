"""Request bodies of the API (pydantic models; they make the OpenAPI document).

Answers that carry a verdict carry ``Verdict.to_dict()`` as is: the schema versioned in
``schemas/verdict.schema.json``, the same object the CLI and the queues carry.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["BatchRequest", "ClaimRequest", "DecisionRequest", "FilterRequest", "ReopenRequest", "SpanEdit"]

MAX_URL = 2048


class FilterRequest(BaseModel):
    """One page to filter: ``html`` or ``text`` (the page), or only ``url`` (fetched).

    ``html``/``text`` are JSON strings. A page in another charset (GBK, Big5...) can be sent
    as its raw bytes in base64 with ``"encoding": "base64"``: it is then decoded like a
    crawled page, from ``charset``, the ``content_type`` parameter, a BOM or ``<meta>``, or
    detection. With ``html``/``text``, ``url`` is metadata (the page's address: sets the
    site and resolves links); given alone, the page is fetched through the SSRF guard.
    """

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"text": "市人民医院开展白癜风义诊\n北京哪家治疗白癜风正规 https://example.com/x"},
                {"html": "<html><body><p>...</p></body></html>", "url": "http://www.example.com/a/1.html"},
                {"html": "PGh0bWw+PC9odG1sPg==", "encoding": "base64", "charset": "gbk"},
                {"url": "http://www.example.com/a/1.html"},
            ]
        },
    )

    html: str | None = Field(default=None, description="The page as HTML.")
    text: str | None = Field(default=None, description="The page as plain text, one paragraph a line.")
    url: str | None = Field(default=None, max_length=MAX_URL, description="The page's URL (alone: fetch it).")
    content_type: str | None = Field(default=None, max_length=200, description="`text/html; charset=gbk`...")
    charset: str | None = Field(default=None, max_length=40, description="Charset of base64 bytes.")
    encoding: Literal["text", "base64"] = Field(
        default="text", description="How `html`/`text` are carried: a JSON string, or base64 of raw bytes."
    )

    @model_validator(mode="after")
    def _one_source(self) -> FilterRequest:
        if self.html is not None and self.text is not None:
            raise ValueError("give html or text, not both")
        if self.html is None and self.text is None and not self.url:
            raise ValueError("give one of html, text or url")
        if self.url and not self.url.lower().startswith(("http://", "https://")):
            raise ValueError("url must be an http:// or https:// URL")
        return self


class BatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pages: list[FilterRequest] = Field(description="The pages, each as for `POST /v1/filter`.")


class ClaimRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lease_seconds: int | None = Field(
        default=None, ge=1, le=86_400, description="Lease length; default: the server's setting."
    )


class SpanEdit(BaseModel):
    """One change to the proposed removals: a proposed span by its index in ``verdict.removed``
    (``span``), or any stretch of ``original_text`` by offsets (``start``/``end``); ``keep`` puts
    it back in the article, ``remove`` takes it out (with ``label``, default ``boilerplate.other``)."""

    model_config = ConfigDict(extra="forbid")
    action: Literal["keep", "remove"]
    span: int | None = Field(default=None, ge=0, le=100_000, description="Index into `verdict.removed`.")
    start: int | None = Field(default=None, ge=0, le=100_000_000)
    end: int | None = Field(default=None, ge=0, le=100_000_000)
    label: str | None = Field(default=None, max_length=64, description="For `remove`: the label it gets.")

    @model_validator(mode="after")
    def _one_target(self) -> SpanEdit:
        by_offsets = self.start is not None or self.end is not None
        if (self.span is None) == (not by_offsets):
            raise ValueError("give span (an index) or start and end, not both")
        if by_offsets and (self.start is None or self.end is None or self.end <= self.start):
            raise ValueError("start and end must both be given, with end > start")
        return self

    def to_storage(self) -> dict[str, Any]:
        out: dict[str, Any] = {"action": self.action}
        out["span"] = self.span if self.span is not None else {"start": self.start, "end": self.end}
        if self.label:
            out["label"] = self.label
        return out


class DecisionRequest(BaseModel):
    """``approve`` (publish as proposed), ``reject`` (to the ``rejected`` stream), or ``edit``
    (publish with ``edits`` applied). ``expected_version`` is the item's ``version`` the
    moderator saw: if it has moved on, the answer is 409 and nothing changes."""

    model_config = ConfigDict(extra="forbid")
    decision: Literal["approve", "reject", "edit"]
    expected_version: int = Field(ge=0, le=2**53)
    edits: list[SpanEdit] = Field(default_factory=list, max_length=1000)
    note: str = Field(default="", max_length=4000)

    @model_validator(mode="after")
    def _edits_only_with_edit(self) -> DecisionRequest:
        if self.decision != "edit" and self.edits:
            raise ValueError("edits are only for decision 'edit'")
        if self.decision == "edit" and not self.edits:
            raise ValueError("decision 'edit' needs at least one edit")
        return self


class ReopenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    expected_version: int = Field(ge=0, le=2**53)


class ReportRequest(BaseModel):
    """Why a moderator reports a published article (it goes to the review queue)."""

    model_config = ConfigDict(extra="forbid")
    note: str = Field(default="", max_length=4000)
