"""Shared loaders for the bench scripts: data sets, peer extractors, text helpers.

Every bench script (``eval_spam.py``, ``bench_filters.py``, ``eval_extraction.py``...) imports
from here so that all of them read the same pages the same way and run the peers the same way.

Data sets live outside the repo, in the shared folder: ``../shared`` relative to the repo root,
or wherever ``NEWSIEVE_SHARED`` points. A missing folder ends the script with a clear message
(``DataMissing``, a ``SystemExit``), never a traceback.

- ``load_spamrepost()``: ``spamrepost-dev/`` pages (bytes) with their labels.
- ``load_cc_samples()``: ``corpora/chinesewebtext_cc_samples/`` raw CC documents with line labels.
- ``load_zh_extraction()``: ``corpora/zh-web-content-extraction/`` original pages (bytes + decoded str)
  with their hand-made gold text.
- ``PEERS``: name -> ``(html: str) -> Extracted`` for trafilatura, GNE, readability-lxml,
  resiliparse and bare lexbor parsing. Peers import lazily, so a script that skips them
  needs none installed.
"""

from __future__ import annotations

import hashlib
import html as _html
import json
import logging
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_ENV = "NEWSIEVE_SHARED"

SPAMREPOST_DIR = "spamrepost-dev"
CC_DIR = "corpora/chinesewebtext_cc_samples"
ZH_EXTRACTION_DIR = "corpora/zh-web-content-extraction"


class DataMissing(SystemExit):
    """A data set folder or file is absent. Uncaught, it ends the script with its message on stderr
    (exit status 1); the bench scripts catch it and exit with status 2."""


def shared_dir() -> Path:
    """The shared data folder: ``$NEWSIEVE_SHARED``, else ``<repo>/../shared``."""
    env = os.environ.get(SHARED_ENV)
    path = Path(env).expanduser() if env else REPO_ROOT.parent / "shared"
    if not path.is_dir():
        how = f"${SHARED_ENV}={env}" if env else f"the default {path} (repo root/../shared)"
        raise DataMissing(
            f"error: shared data folder not found: {how}.\n"
            f"Point {SHARED_ENV} at the folder that holds spamrepost-dev/ and corpora/."
        )
    return path


def data_path(relative: str) -> Path:
    path = shared_dir() / relative
    if not path.exists():
        raise DataMissing(f"error: data set not found: {path}\n(set {SHARED_ENV} to another shared folder)")
    return path


def sha256_files(paths: Iterable[Path], root: Path) -> str:
    """One sha256 over the files' relative paths and bytes, in sorted order."""
    digest = hashlib.sha256()
    for path in sorted(paths, key=lambda p: p.relative_to(root).as_posix()):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


# -- text helpers ---------------------------------------------------------------------------------

_WS = re.compile(r"\s+")


def squash(text: str | None) -> str:
    """Remove all whitespace: the form in which texts are compared (Chinese has no word spaces,
    and extractors differ in where they put line breaks)."""
    return _WS.sub("", text or "")


def norm_title(text: str | None) -> str:
    """Whitespace runs collapsed to one space, ends stripped: titles are compared in this form."""
    return _WS.sub(" ", text or "").strip()


def text_to_html(text: str) -> str:
    """Minimal HTML for a text/plain page: one ``<p>`` per non-empty line, escaped, no ``<title>``."""
    paras = "".join(f"<p>{_html.escape(line.strip())}</p>\n" for line in text.splitlines() if line.strip())
    return f'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>\n{paras}</body></html>'


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.I)


def meta_charset(data: bytes) -> str | None:
    found = _META_CHARSET.search(data[:4096])
    return found.group(1).decode("ascii", "replace").lower() if found else None


def decode_like_crawler(data: bytes, charset: str | None) -> str:
    """What a crawler hands an extractor: BOM, else the given (header or meta) charset, else utf-8,
    else gb18030; GBK/GB2312 labels decode as gb18030 (their superset)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", "replace")
    tried: list[str] = []
    if charset:
        name = charset.lower()
        tried.append("gb18030" if name in ("gbk", "gb2312", "gb_2312-80", "x-gbk") else name)
    tried += ["utf-8", "gb18030"]
    for name in tried:
        try:
            return data.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("gb18030", "replace")


# -- spamrepost-dev -------------------------------------------------------------------------------


@dataclass(slots=True)
class RepostPage:
    """One page of ``spamrepost-dev``: its bytes and its label object (see the set's README)."""

    id: str
    path: Path
    data: bytes
    label: dict[str, Any]

    @property
    def content_type(self) -> str:
        return str(self.label["content_type"])

    @property
    def is_html(self) -> bool:
        return self.content_type == "text/html"

    @property
    def header_charset(self) -> str | None:
        """The charset newsieve is told, as an HTTP header would: only when the page does not declare it."""
        return None if self.label.get("declared_charset") else str(self.label["encoding"])

    def decoded(self) -> str:
        """The page as a crawler decodes it for the peers: with the header charset (``encoding``)."""
        return decode_like_crawler(self.data, str(self.label["encoding"]))

    def peer_html(self) -> str:
        """HTML for the peers: the page itself, or a text/plain page as minimal ``<p>`` HTML."""
        text = self.decoded()
        return text if self.is_html else text_to_html(text)


def load_spamrepost() -> tuple[list[RepostPage], str]:
    """The pages and the sha256 of the set's files (labels.jsonl and pages/)."""
    root = data_path(SPAMREPOST_DIR)
    labels_file = root / "labels.jsonl"
    if not labels_file.is_file():
        raise DataMissing(f"error: {labels_file} not found")
    pages: list[RepostPage] = []
    files = [labels_file]
    for line in labels_file.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        label = json.loads(line)
        path = root / label["file"]
        pages.append(RepostPage(id=label["id"], path=path, data=path.read_bytes(), label=label))
        files.append(path)
    return pages, sha256_files(files, root)


# -- chinesewebtext_cc_samples --------------------------------------------------------------------


@dataclass(slots=True)
class CCDoc:
    """A raw Common Crawl document (``raw_content``: one block per line) and its line labels."""

    id: str
    record: dict[str, Any]
    label: dict[str, Any]
    lines: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return str(self.record["raw_content"])

    def line_labels(self) -> list[str]:
        by_index = {int(x["i"]): str(x["label"]) for x in self.label["lines"]}
        return [by_index.get(i, "keep") for i in range(len(self.lines))]

    def splices(self) -> list[dict[str, Any]]:
        return list(self.label.get("splices") or [])


def load_cc_samples() -> tuple[list[CCDoc], str]:
    root = data_path(CC_DIR)
    raw_file, labels_file = root / "cc_raw_dev50.jsonl", root / "labels_dev.jsonl"
    for f in (raw_file, labels_file):
        if not f.is_file():
            raise DataMissing(f"error: {f} not found")
    records = [json.loads(x) for x in raw_file.read_text(encoding="utf-8").splitlines() if x.strip()]
    docs: list[CCDoc] = []
    for line in labels_file.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        label = json.loads(line)
        record = records[int(label["doc_index"])]
        if label.get("digest") and record.get("digest") != label["digest"]:
            raise DataMissing(f"error: {labels_file}: doc_index {label['doc_index']} digest mismatch")
        docs.append(
            CCDoc(
                id=f"cc-{int(label['doc_index']):02d}",
                record=record,
                label=label,
                lines=str(record["raw_content"]).split("\n"),
            )
        )
    return docs, sha256_files([raw_file, labels_file], root)


# -- zh-web-content-extraction --------------------------------------------------------------------


@dataclass(slots=True)
class GoldPage:
    """An original page (bytes; str decoded by meta charset, else utf-8, else gb18030) and its gold text."""

    id: str
    path: Path
    data: bytes
    html: str
    gold: str


def load_zh_extraction() -> tuple[list[GoldPage], str]:
    root = data_path(ZH_EXTRACTION_DIR)
    originals = sorted((root / "original").glob("*.html"))
    if not originals:
        raise DataMissing(f"error: no pages in {root / 'original'}")
    pages: list[GoldPage] = []
    files: list[Path] = []
    for path in originals:
        data = path.read_bytes()
        gold_file = root / "cleaned" / f"{path.stem}.txt"
        gold = gold_file.read_text(encoding="utf-8", errors="replace") if gold_file.is_file() else ""
        pages.append(GoldPage(path.stem, path, data, decode_like_crawler(data, meta_charset(data)), gold))
        files.append(path)
        if gold_file.is_file():
            files.append(gold_file)
    return pages, sha256_files(files, root)


# -- peers ----------------------------------------------------------------------------------------


@dataclass(slots=True)
class Extracted:
    title: str
    text: str


PeerFn = Callable[[str], Extracted]


def _quiet() -> None:
    for name in ("trafilatura", "readability", "readability.readability", "gne", "htmldate", "courlan"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


def _trafilatura() -> PeerFn:
    import trafilatura

    _quiet()

    def run(html: str) -> Extracted:
        doc = trafilatura.bare_extraction(html, with_metadata=True)
        if doc is None:
            return Extracted("", "")
        return Extracted(getattr(doc, "title", None) or "", getattr(doc, "text", None) or "")

    return run


def _trafilatura_extract() -> PeerFn:
    """``trafilatura.extract`` with defaults (what the speed bench times)."""
    import trafilatura

    _quiet()
    return lambda html: Extracted("", trafilatura.extract(html) or "")


def _gne() -> PeerFn:
    from gne import GeneralNewsExtractor

    _quiet()
    extractor = GeneralNewsExtractor()

    def run(html: str) -> Extracted:
        result = extractor.extract(html)
        return Extracted(result.get("title") or "", result.get("content") or "")

    return run


def _readability() -> PeerFn:
    import lxml.html
    from readability import Document

    _quiet()

    def run(html: str) -> Extracted:
        doc = Document(html)
        summary = doc.summary(html_partial=True)
        text = (
            "\n".join(t.strip() for t in lxml.html.fromstring(summary).itertext() if t.strip())
            if summary.strip()
            else ""
        )
        return Extracted(doc.short_title() or "", text)

    return run


def _resiliparse() -> PeerFn:
    from resiliparse.extract.html2text import extract_plain_text
    from resiliparse.parse.html import HTMLTree

    return lambda html: Extracted("", extract_plain_text(HTMLTree.parse(html), main_content=True))


def _lexbor() -> PeerFn:
    from selectolax.lexbor import LexborHTMLParser

    def run(html: str) -> Extracted:
        body = LexborHTMLParser(html).body
        return Extracted("", body.text() if body is not None else "")

    return run


PEERS: dict[str, Callable[[], PeerFn]] = {
    "trafilatura": _trafilatura,
    "trafilatura.extract": _trafilatura_extract,
    "gne": _gne,
    "readability": _readability,
    "resiliparse": _resiliparse,
    "lexbor": _lexbor,
}
"""Factories: ``PEERS[name]()`` imports the tool and returns ``fn(html_str) -> Extracted``."""
