"""``ad.medical``: hospital and clinic advertisements injected into reposted news.

What repost sites inject (seed page, spamrepost-dev, the Common Crawl sample): a query line
(`北京哪家治疗白癜风正规`, `福州癫痫医院哪家最好`), an expert claim (`XX白癜风医院专家提醒`), a
specialty-hospital name, linked to its encyclopedia entry or site, with phones, QQ and WeChat
ids; as its own line, a link paragraph, text with a bare URL, glued to the front or the end of
a real paragraph. Matching runs on the normalized view (``filters/normalize.py``) so that
full-width, traditional, spaced-out and homophone spellings match too; spans are in original
offsets.

Precision first: real news names hospitals and diseases (`市人民医院开展白癜风义诊`, a doctor
quoted in a report). A hospital name or a contact alone never makes a removal: it takes a query
or a claim, a link to a hospital entry or site, or a short line that is nothing but the ad. A
query or claim inside a sentence of a longer paragraph (no URL, no contact attached) is not
removed either; it is counted as a page signal instead.

Reasons: ``ad.medical.query``, ``ad.medical.claim``, ``ad.medical.hospital_link``,
``ad.medical.hospital_name``, ``ad.medical.contact``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from newsieve.exceptions import RulesError

from .._match import LiteralScanner, literals, trie_alternation
from ..base import FilterConfig, Finding
from ..normalize import NormalizedText, merged_variants, normalize, normalized_view
from ..rules import Rule, Rules
from ..types import Block, Document, Span
from . import _ads

LABEL: Final = "ad.medical"

# A line that is nothing but an ad is short: the dev set's ad lines are 10-14 characters plus a
# URL; a hospital name with a phone stays under 40. Longer blocks need a query or a claim.
SHORT_BLOCK: Final = 40
# Characters between the previous boundary and a query that still belong to the ad: a city the
# lexicon lacks (`洛阳` before `哪家治疗男科正规`), `在`, `请问`. Four covers 乌鲁木齐.
LEAD_MAX: Final = 4
# Confidence by where the fragment sits (the seed page's ad is `front`; dev-set ads are `block`).
# A query that is a sentence of its own inside a paragraph, with no URL or contact, may be a
# reporter's question: removed, but under FilterConfig.review_confidence (0.75) so a person looks.
CONFIDENCE: Final = {"block": 0.95, "front": 0.9, "end": 0.9, "own": 0.85, "inside": 0.8}
OWN_BARE: Final = 0.7
# A block that is a specialty hospital's name and nothing else (a paragraph of its own between
# the article's paragraphs); up to NAME_SLACK other characters (brackets, `推荐`).
NAME_ALONE: Final = 0.8
NAME_SLACK: Final = 2
# A link paragraph: at least this share of its characters inside <a> (the dev set's link ads are 1.0).
LINK_SHARE: Final = 0.5
# A name with one of these right before the disease is a public hospital (`上海市皮肤病医院`).
_PUBLIC_PREFIX: Final = "市省县区州"
# Characters no hospital brand holds: a name with one before the disease is a department of some
# hospital (`该院白癜风专科门诊`) or a phrase (`他们开设白癜风门诊`), not a brand like 中科, 协和, 康达.
_NOT_BRAND: Final = frozenset("院医部所的了在是开设有与及等为该本我其他们")
_HOSPITAL_SUFFIX: Final = r"(?:医院|门诊部|门诊|诊所|研究院|研究所|治疗中心|诊疗中心|医疗中心)"
_HOSPITAL_END: Final = re.compile(_HOSPITAL_SUFFIX + "$")
_HOST_120: Final = re.compile(r"(?:^|[.\-])[a-z][a-z\-]*120\.(?:com|cn|net|org)")

# A specialty hospital's brand between city and disease: `中科`, `华夏`, `现代` (the dev set's are 2).
BRAND_MAX: Final = 4
# The window around a disease word where the disease rules run: `北京哪家医院治疗` before it (8)
# and `医院哪家比较好` or `专科医院专家提醒` after it (10), with room for inserted characters.
WINDOW_BEFORE: Final = 12
WINDOW_AFTER: Final = 20
# City names run 2 to 4 characters (`晋中`, `石家庄`, `乌鲁木齐`).
CITY_LENGTHS: Final = (2, 3, 4)

# URLs whose verdict is remembered per detector (a dict, cleared when full; thread-safe enough:
# a lost entry is recomputed).
URL_MEMO_SIZE: Final = 20_000
_UNSEEN: Final = object()

_PRIMARY: Final = ("ad.medical.query", "ad.medical.claim")
_ATTACHABLE: Final = ("ad.medical.contact", "ad.medical.hospital_name")
_CONTACT_KIND: Final = re.compile(r"(qq)|微信|威信|薇信|v信|vx|wx|weixin")
_CONTACT_LEAD: Final = re.compile(r"^[^\da-z]*(?:qq|微信|威信|薇信|v信|vx|wx|weixin)?[^\da-z]*")
# A phone in Chinese numerals (`咨询电话：一三九零零零零零零零`, a dodge): its digits, for the evidence.
_CN_DIGITS: Final = str.maketrans("零〇一二三四五六七八九", "00123456789")


def _nonempty(words: Iterable[str]) -> list[str]:
    """The words of a lexicon for an alternation; none is an error (as ``_ads.alternation`` says)."""
    found = [w for w in words if w]
    if not found:
        raise RulesError("an alternation needs at least one word")
    return found


# A rule with its compiled pattern, its trigger, and the hospital-name core its hits hold (for a
# rule that starts with a hospital name; else None).
_Entry = tuple[Rule, re.Pattern[str], re.Pattern[str] | None, re.Pattern[str] | None]
# Rule matches, in the order the rules and windows were searched.
_Found = list[tuple[Rule, re.Match[str]]]


def _any_trigger(entries: list[_Entry]) -> re.Pattern[str] | None:
    """A pattern that matches where one of the entries' triggers does, as one flat alternation of
    their literals (a regex engine skips ahead to the first characters of such an alternation: 0.23
    us a window, against 0.4 us for each trigger and 0.9 us for the triggers as groups); None when
    an entry has no trigger or one that is not a set of literals."""
    words: set[str] = set()
    for _, _, trigger, _ in entries:
        found = literals(trigger.pattern) if trigger is not None else None
        if found is None:
            return None
        words |= found
    return re.compile(_ads.alternation(words)) if words else None


def _end_then_start(hit: tuple[int, str]) -> tuple[int, int]:
    """Orders the scanner's hits ``(start, word)`` by where they end, then where they start."""
    return hit[0] + len(hit[1]), hit[0]


@dataclass(slots=True)
class _Hit:
    reason: str
    rule: Rule
    start: int
    end: int
    text: str


class MedicalAdDetector:
    name = "ad-medical"
    version = "2"

    def __init__(self, rules: Rules, config: FilterConfig) -> None:
        self.config = config
        diseases = rules.lexicon("ad.diseases")
        self.diseases = diseases
        self.variants = merged_variants(lex.variants for lex in rules.lexicons.values())
        # lexicon alternations as tries: the same matches as `_ads.alternation` (longest first),
        # and the regex engine branches once per character, not once per word (the window rules
        # try {diseases} at every position of a window: 2x faster on bench_filters' pages)
        disease_alt = trie_alternation(_nonempty({*diseases.words, *diseases.variants.values()}))
        city_alt = trie_alternation(_nonempty(rules.words("ad.cities")))
        hospital_core = rf"(?:{disease_alt})(?:病)?(?:专科)?{_HOSPITAL_SUFFIX}"
        hospital = rf"[\u4e00-\u9fff]{{0,{BRAND_MAX}}}?{hospital_core}"
        # A hospital name holds its core (disease, suffix: `白癜风医院`), which one pass of the disease
        # trie finds; {hospital} tries the trie after 0 to BRAND_MAX characters at every place. A
        # window without the core is not searched with the rules that start with a hospital name
        # (claim, hospital_name: 6 of the 14 us a page the window rules took on bench_filters' pages).
        core_re = re.compile(hospital_core)
        core_alt = trie_alternation(_nonempty(rules.words("ad.diseases.core")))
        values = {"diseases": disease_alt, "core": core_alt, "hospital": hospital}
        # rules about a disease run in windows around the disease words; the others on the block
        # each with its `trigger` (literals every hit holds): a window or block without them is
        # not searched with the full pattern (most windows around a disease word hold no query)
        self.windowed: list[_Entry] = []
        self.blockwide: list[_Entry] = []
        for rule in rules.by_label(LABEL):
            raw = rule.pattern.pattern
            near_disease = any(f"{{{name}}}" in raw for name in ("diseases", "core", "hospital"))
            trigger = rule.extra.get("trigger")
            core = core_re if raw.startswith("{hospital}") else None
            entry = (rule, _ads.expand(rule, values), re.compile(str(trigger)) if trigger else None, core)
            (self.windowed if near_disease else self.blockwide).append(entry)
        # all the triggers of a group in one search: most windows and blocks hold none of them (164
        # of 199 windows on bench_filters' pages) and then skip the search of each rule's trigger
        self.window_gate = _any_trigger(self.windowed)
        self.block_gate = _any_trigger(self.blockwide)
        # the block-wide rules only find contacts, which `_block` takes only beside something else
        self.contacts_only = all(_ads.reason_of(r) == "ad.medical.contact" for r, _, _, _ in self.blockwide)
        self.hospital_re = re.compile(hospital)
        self.cities = frozenset(rules.words("ad.cities"))
        self.disease_re = re.compile(trie_alternation(_nonempty(diseases.words)))
        self.city_re = re.compile(rf"^(?:{city_alt})")
        self.public_words = rules.words("ad.medical.public_hospital")
        self.host_words = tuple(w.lower() for w in rules.words("ad.medical.hosts"))
        self.core = frozenset(rules.words("ad.diseases.core"))
        self._by_key: dict[str, str] = {}
        for word in {*diseases.words, *diseases.variants.values()}:
            self._by_key[word.lower()] = word
        # the disease words, for the page-wide pass and the evidence of a hit
        self.scanner = LiteralScanner(self._by_key)
        # ...and the same words in the page-wide pass shared with ad.gambling's brands
        self.page_words = _ads.PAGE_WORDS.add(self._by_key)
        self._url_memo: dict[str, object] = {}
        # the memo's URLs that point at no hospital (a block's links are looked up at once)
        self._plain_urls: set[str] = set()
        normalize("")  # build the normalization tables now, not on the first page

    # -- helpers --------------------------------------------------------------------------------
    def is_ad_hospital(self, name: str) -> bool:
        """A specialty-hospital name that is not a public hospital's.

        Public: a name with a public word (`人民`, `附属`, `中医`...), a name with 市/省/县/区 right
        before the disease (`上海市皮肤病医院`), and a general department without a brand
        (`北京眼科医院`; the specialty trade's `北京白癜风医院` stays an ad hospital).
        """
        if any(w in name for w in self.public_words):
            return False
        m = self.disease_re.search(name)
        if m is None:
            return False
        if m.start() > 0 and name[m.start() - 1] in _PUBLIC_PREFIX:
            return False
        city = self.city_re.match(name)
        brand = name[city.end() if city else 0 : m.start()]
        if any(c in _NOT_BRAND for c in brand):
            return False
        if self.diseases.canonical(m.group(0)) in self.core:
            return True
        return len(brand) >= 2

    def medical_url(self, url: str) -> dict[str, str] | None:
        """Evidence when ``url`` points at a hospital's encyclopedia entry or a hospital site
        (memoized: a site's links repeat on all its pages)."""
        found = self._url_memo.get(url, _UNSEEN)
        if found is _UNSEEN:
            found = self._medical_url(url)
            if len(self._url_memo) >= URL_MEMO_SIZE:
                self._url_memo.clear()
                self._plain_urls.clear()
            self._url_memo[url] = found
            if found is None:
                self._plain_urls.add(url)
        return dict(found) if found is not None else None  # type: ignore[call-overload]

    def _medical_url(self, url: str) -> dict[str, str] | None:
        entry = _ads.encyclopedia_entry(url)
        if entry:
            if _HOSPITAL_END.search(entry) and self.is_ad_hospital(entry):
                return {"hospital": entry, "url": url}
            return None
        host = _ads.url_host(url)
        if host and (any(w in host for w in self.host_words) or _HOST_120.search(host)):
            return {"url": url, "host": host}
        return None

    def _evidence(self, hit_text: str) -> dict[str, Any]:
        ev: dict[str, Any] = {}
        found = self.scanner.scan(hit_text)
        if found:
            # the disease word that ends first, the longest of those (what the Aho-Corasick
            # automaton this replaced reported first: the same evidence, one dependency less)
            _, key = found[0] if len(found) == 1 else min(found, key=_end_then_start)
            ev["disease"] = self.diseases.canonical(self._by_key[key])
        city = self.city_re.match(hit_text)
        if city:
            ev["city"] = city.group(0)
        hosp = self.hospital_re.search(hit_text)
        if hosp and self.is_ad_hospital(hosp.group(0)):
            # the brand may start inside a long city name (`石家庄` + `京城`): take the whole city
            start = 0 if city and hosp.start() < city.end() else hosp.start()
            ev["hospital"] = hit_text[start : hosp.end()]
        return ev

    # -- detection ------------------------------------------------------------------------------
    def detect(self, doc: Document) -> list[Finding]:
        view = normalized_view(doc, self.variants)
        candidates, mentions, core_mentions, mention_blocks = self._candidates(doc, view)
        out: list[Finding] = []
        unremoved = 0
        for bi in sorted(candidates):
            spans, missed = self._block(doc, view, doc.blocks[bi], candidates[bi], bi)
            out.extend(spans)
            unremoved += missed
        sig = _ads.signals(doc, LABEL)
        sig.update(
            disease_mentions=mentions,
            core_mentions=core_mentions,
            mention_blocks=mention_blocks,
            unremoved_hits=unremoved,
            title_hospital=self._title_hospital(doc),
        )
        return out

    def _title_hospital(self, doc: Document) -> str | None:
        for title in (doc.title, doc.meta.get("raw_title", "")):
            if not title:
                continue
            low = title.lower()
            if not self.scanner.scan(low):
                continue  # a hospital name holds a disease word (and the regex tries every position)
            for m in self.hospital_re.finditer(low):
                if self.is_ad_hospital(m.group(0)):
                    return m.group(0)
        return None

    def _candidates(
        self, doc: Document, view: NormalizedText
    ) -> tuple[dict[int, list[tuple[int, int]]], int, int, int]:
        """Blocks worth the regexes (a disease word, or a link/URL to a hospital), with the
        normalized positions of their disease words."""
        blocks: dict[int, list[tuple[int, int]]] = {}
        mentions = core = 0
        by_key = self._by_key
        page_blocks = doc.blocks
        for k_start, key in _ads.PAGE_WORDS.hits(doc, view, self.page_words):
            word = by_key[key]
            n_end = k_start + len(key) - 1
            n_start = n_end - len(word) + 1
            o_start, _ = view.to_original(n_start, n_end + 1)
            bi = _ads.block_at(doc, o_start)
            if bi is None:
                continue
            blocks.setdefault(bi, []).append((n_start, n_end + 1))
            if page_blocks[bi].kind == "title":
                continue  # an ad taken for the title is removed, but the title is not the page
            mentions += 1
            core += self.diseases.canonical(word) in self.core
        mention_blocks = sum(1 for bi in blocks if page_blocks[bi].kind != "title")
        block_urls = _ads.block_urls(doc, view)
        plain = self._plain_urls
        for bi, block in enumerate(doc.blocks):
            # a block whose links (and URLs in its text) are all known to point at no hospital is
            # passed in a C call or two: most of the ~10 blocks with links a page (this loop, half
            # of _candidates, 10.5 -> 5.2 us a page on bench_filters' pages)
            links = block.links
            if bi not in block_urls:
                if not links or plain.issuperset(links):
                    continue
                urls: list[str] = []
            else:
                links = links or []
                urls = [u for _, _, u in block_urls[bi]]
                if plain.issuperset(links) and plain.issuperset(urls):
                    continue
            if bi not in blocks and any(self.medical_url(u) for u in (*links, *urls)):
                blocks[bi] = []
        return blocks, mentions, core, mention_blocks

    def _city_start(self, text: str, lo: int, start: int) -> int:
        """Where a city name before (or overlapping the brand at) ``start`` begins, else ``start``."""
        best = start
        ends = [start + k for k in range(BRAND_MAX + 1)]
        if start - 1 >= lo and text[start - 1] in "市省":
            ends.append(start - 1)
        for end in ends:
            for length in CITY_LENGTHS:
                j = end - length
                if lo <= j < best and text[j:end] in self.cities:
                    best = j
        return best

    def _windows(self, n_start: int, n_end: int, diseases: list[tuple[int, int]]) -> list[tuple[int, int]]:
        out: list[tuple[int, int]] = []
        for d_start, d_end in sorted(diseases):
            w_start, w_end = max(n_start, d_start - WINDOW_BEFORE), min(n_end, d_end + WINDOW_AFTER)
            if out and w_start <= out[-1][1]:
                out[-1] = (out[-1][0], max(out[-1][1], w_end))
            else:
                out.append((w_start, w_end))
        return out

    def _hits(self, view: NormalizedText, n_start: int, found: _Found) -> list[_Hit]:
        """The matches of a block (from its normalized start ``n_start``) as hits in original offsets,
        less the hospital names that are not an ad hospital's."""
        hits: list[_Hit] = []
        for rule, m in found:
            reason = _ads.reason_of(rule)
            if reason in ("ad.medical.claim", "ad.medical.hospital_name"):
                hosp = self.hospital_re.search(m.group(0))
                if hosp is None or not self.is_ad_hospital(hosp.group(0)):
                    continue
            m_start = m.start()
            if reason != "ad.medical.contact":
                m_start = self._city_start(view.text, n_start, m_start)
            o_start, o_end = view.to_original(m_start, m.end())
            hits.append(_Hit(reason, rule, o_start, o_end, view.text[m_start : m.end()]))
        return hits

    @staticmethod
    def _search(
        found: _Found,
        entries: list[_Entry],
        gate: re.Pattern[str] | None,
        text: str,
        start: int,
        end: int,
    ) -> None:
        """The matches in ``text[start:end]`` of each entry whose trigger (and hospital-name core)
        is there, in entry order."""
        if gate is not None and gate.search(text, start, end) is None:
            return
        # (the entries share one core: searched once; keyed by identity, as a compiled pattern hashes
        # its code anew at every lookup: _search 79k -> 52k instructions a page on bench_filters)
        cores: dict[int, bool] = {}
        for rule, pattern, trigger, core in entries:
            if trigger is not None and trigger.search(text, start, end) is None:
                continue
            if core is not None:
                hit = cores.get(id(core))
                if hit is None:
                    hit = cores[id(core)] = core.search(text, start, end) is not None
                if not hit:
                    continue
            found.extend((rule, m) for m in pattern.finditer(text, start, end))

    def _block(
        self, doc: Document, view: NormalizedText, block: Block, diseases: list[tuple[int, int]], index: int
    ) -> tuple[list[Span], int]:
        text = doc.text
        n_start, n_end = view.from_original(block.start), view.from_original(block.end)
        found: _Found = []
        for w_start, w_end in self._windows(n_start, n_end, diseases):
            self._search(found, self.windowed, self.window_gate, view.text, w_start, w_end)
        urls = list(_ads.block_urls(doc, view).get(index, ()))
        url_ev = {(s, e): self.medical_url(u) for s, e, u in urls}
        link_ev = [ev for ev in (self.medical_url(u) for u in block.links or ()) if ev]
        # A contact (or call to action) is only ever taken with a query, claim or name (the window
        # rules) or a hospital URL in its block: without one, the block-wide contact rules are not
        # run (their search of the whole block was most of the time spent on the candidate blocks
        # that come to nothing: news naming a disease), and without a hospital link either,
        # nothing can come of the block (this detector 0.11 -> 0.07 ms a page on the zh pages of
        # bench_filters, the same on the dev pages, whose candidate blocks are ads).
        if found or any(url_ev.values()) or not self.contacts_only:
            self._search(found, self.blockwide, self.block_gate, view.text, n_start, n_end)
        elif not link_ev:
            return [], 0
        hits = self._hits(view, n_start, found)
        attachments = [(s, e) for s, e, _ in urls]
        attachments += [(h.start, h.end) for h in hits if h.reason in _ATTACHABLE]
        primary = [h for h in hits if h.reason in _PRIMARY]
        spans: list[Span] = []
        missed = 0
        blen = len(_ads.strip_urls(text[block.start : block.end]).strip())
        is_link_block = bool(block.links) and block.link_chars >= LINK_SHARE * max(1, block.end - block.start)

        for hit in primary:
            frag = _ads.reach(text, block, hit.start, hit.end, attachments, LEAD_MAX)
            if frag.where != "block":
                frag = _ads.run_on_to_url(text, block, frag, urls, attachments)
            attached = [ev for (s, e), ev in url_ev.items() if ev and frag.start <= s and e <= frag.end]
            attached_any = any(frag.start <= s and e <= frag.end for s, e, _ in urls) or any(
                frag.start <= h.start and h.end <= frag.end for h in hits if h.reason == "ad.medical.contact"
            )
            if frag.where == "inside" and not attached_any:
                missed += 1
                continue
            ev = self._evidence(hit.text)
            for extra in (*attached, *link_ev):
                for k, v in extra.items():
                    ev.setdefault(k, v)
            self._contacts(doc, view, frag, hits, ev)
            ev["rule"] = hit.rule.id
            conf = min(hit.rule.score, CONFIDENCE[frag.where] + (0.05 if attached or link_ev else 0.0))
            if frag.where == "own" and not attached_any:
                conf = OWN_BARE
            spans.append(self._span(text, frag, hit.reason, conf, ev))

        if not spans:
            spans.extend(self._secondary(doc, view, block, hits, urls, url_ev, link_ev, blen, is_link_block))
        else:  # in a block that carries an ad, a hospital name with a contact or URL goes too
            spans.extend(self._named_contact(doc, view, block, hits, urls, link_ev))
        return spans, missed

    def _secondary(
        self,
        doc: Document,
        view: NormalizedText,
        block: Block,
        hits: list[_Hit],
        urls: list[tuple[int, int, str]],
        url_ev: dict[tuple[int, int], dict[str, str] | None],
        link_ev: list[dict[str, str]],
        blen: int,
        is_link_block: bool,
    ) -> list[Span]:
        """No query or claim: a hospital link paragraph, or a short line of name + URL/contact."""
        text = doc.text
        names = [h for h in hits if h.reason == "ad.medical.hospital_name"]
        contacts = [h for h in hits if h.reason == "ad.medical.contact"]
        med_urls = [(s, e, ev) for (s, e), ev in url_ev.items() if ev]
        whole = _ads.Fragment(block.start, block.end, "block")
        if link_ev and is_link_block and blen <= SHORT_BLOCK:
            ev = {**self._evidence(text[block.start : block.end].lower()), **link_ev[0]}
            ev["rule"] = "ad.medical.hospital_link"
            has_text = bool(names or ev.get("disease"))
            return [self._span(text, whole, "ad.medical.hospital_link", 0.9 if has_text else 0.8, ev)]
        if med_urls and blen <= SHORT_BLOCK and (names or contacts or self._evidence(
                text[block.start : block.end].lower()).get("disease")):
            s, e, uev = med_urls[0]
            ev = {**self._evidence(text[block.start : block.end].lower()), **(uev or {})}
            ev["rule"] = "ad.medical.hospital_link"
            frag = _ads.reach(text, block, s, e, [], LEAD_MAX) if blen > SHORT_BLOCK else whole
            return [self._span(text, frag, "ad.medical.hospital_link", 0.85, ev)]
        if names and blen <= len(names[0].text) + NAME_SLACK:
            ev = {**self._evidence(names[0].text), "rule": names[0].rule.id}
            return [self._span(text, whole, "ad.medical.hospital_name", NAME_ALONE, ev)]
        return self._named_contact(doc, view, block, hits, urls, link_ev)

    def _named_contact(
        self,
        doc: Document,
        view: NormalizedText,
        block: Block,
        hits: list[_Hit],
        urls: list[tuple[int, int, str]],
        link_ev: list[dict[str, str]],
    ) -> list[Span]:
        """A specialty-hospital name at the front or end of its block, followed by a contact or URL,
        or in a block that links to the hospital's entry or site (the name is the anchor)."""
        text = doc.text
        names = [h for h in hits if h.reason == "ad.medical.hospital_name"]
        contacts = [h for h in hits if h.reason == "ad.medical.contact"]
        if not names or not (contacts or urls or link_ev):
            return []
        atts = [(h.start, h.end) for h in contacts] + [(s, e) for s, e, _ in urls]
        for name in names:
            frag = _ads.reach(text, block, name.start, name.end, atts, LEAD_MAX)
            attached = any(name.end <= a <= frag.end for a, _ in atts)
            if frag.where == "inside" or not (attached or link_ev):
                continue
            ev = self._evidence(name.text)
            for extra in link_ev:
                for k, v in extra.items():
                    ev.setdefault(k, v)
            self._contacts(doc, view, frag, hits, ev)
            ev["rule"] = name.rule.id
            return [self._span(text, frag, "ad.medical.hospital_name", CONFIDENCE[frag.where] - 0.05, ev)]
        return []

    def _contacts(
        self, doc: Document, view: NormalizedText, frag: _ads.Fragment, hits: list[_Hit], ev: dict[str, Any]
    ) -> None:
        for h in hits:
            if h.reason == "ad.medical.contact" and frag.start <= h.start and h.end <= frag.end:
                kind = _CONTACT_KIND.match(h.text)
                key = "phone" if kind is None else "qq" if kind.group(1) else "wechat"
                ev.setdefault(key, _CONTACT_LEAD.sub("", h.text.translate(_CN_DIGITS)))

    def _span(self, text: str, frag: _ads.Fragment, reason: str, conf: float, ev: dict[str, Any]) -> Span:
        ev = {k: v for k, v in ev.items() if v}
        ev["placement"] = frag.where
        return Span(
            label=LABEL,
            reason=reason,
            start=frag.start,
            end=frag.end,
            text=text[frag.start : frag.end],
            confidence=round(min(max(conf, 0.05), 1.0), 3),
            evidence=ev,
        )
