"""Ad recall under dodges the dev set does not have: evasion robustness of the ad detectors.

Takes the spamrepost-dev pages with an injected ad.medical line, rewrites the ad with a dodge
(traditional, full-width, spaced, dotted, zero-width, homophone) and a placement (own line, glued
to the front / end of the next paragraph, mid-paragraph), and reports ad recall and paragraph
recall per variant. Run: .venv/bin/python bench/eval_dodges.py
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import opencc

from newsieve.filters import Sieve

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _data import shared_dir

DEV = shared_dir() / "spamrepost-dev"
T2 = opencc.OpenCC("s2t")
HOMO = {"白癜风": "白颠风", "牛皮癣": "牛皮鲜", "癫痫": "颠痫", "男科": "男科", "妇科": "妇科"}


def dodge(ad: str, kind: str) -> str:
    if kind == "trad":
        return T2.convert(ad)
    if kind == "fullwidth":
        return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in ad)
    if kind == "spaced":
        return " ".join(ad)
    if kind == "dotted":
        return ".".join(ad)
    if kind == "zw":
        return "\u200b".join(ad)
    if kind == "symbols":
        return "★".join(ad)
    if kind == "homophone":
        for k, v in HOMO.items():
            ad = ad.replace(k, v)
        return ad
    return ad


def main() -> int:
    sieve = Sieve()
    labels = [json.loads(line) for line in (DEV / "labels.jsonl").open(encoding="utf-8")]
    stats: Counter[str] = Counter()
    for rec in labels:
        ads = [x for x in rec["injected"] if x["label"] == "ad.medical"]
        if not ads or rec["content_type"] != "text/plain":
            continue
        raw = (DEV / rec["file"]).read_bytes().decode(rec["encoding"])
        ad = ads[0]
        ad["text"] + (" " + ad["url"] if ad.get("url") else "")
        for kind in ("none", "trad", "fullwidth", "spaced", "dotted", "zw", "symbols", "homophone"):
            for place in ("line", "front", "end", "mid"):
                body_lines = raw.split("\n")
                idx = next(i for i, ln in enumerate(body_lines) if ad["text"] in ln)
                del body_lines[idx]
                dodged = dodge(ad["text"], kind) + (" " + ad["url"] if ad.get("url") else "")
                # a paragraph to glue to: the first gold paragraph that is a line
                target = next((i for i, ln in enumerate(body_lines) if ln.strip() in rec["paragraphs"]
                               and len(ln) > 30), None)
                if target is None:
                    continue
                if place == "line":
                    body_lines.insert(target, dodged)
                elif place == "front":
                    body_lines[target] = dodged + body_lines[target]
                elif place == "end":
                    body_lines[target] = body_lines[target] + dodged
                else:
                    t = body_lines[target]
                    cut = t.find("。") + 1 or len(t) // 2
                    body_lines[target] = t[:cut] + dodged + " " + t[cut:]
                v = sieve.clean("\n".join(body_lines), content_type="text/plain")
                key = f"{kind}/{place}"
                stats[key + " n"] += 1
                gone = dodge(ad["text"], kind) not in v.text and ad["text"] not in v.text
                stats[key + " ad_removed"] += gone
                lost = sum(1 for p in rec["paragraphs"] if p.strip() and p.strip() not in v.text)
                stats[key + " paras_lost"] += lost
                if not gone and "-v" in sys.argv:
                    print("MISS", key, repr(dodged[:40]))
                if lost and "-v" in sys.argv:
                    miss = next(p for p in rec["paragraphs"] if p.strip() not in v.text)
                    removed = [x.text for x in v.removed if x.label.startswith("ad")]
                    print("LOST", key, repr(miss[:60]), removed)
    keys = sorted({k.rsplit(" ", 1)[0] for k in stats})
    for k in keys:
        n = stats[k + " n"]
        recall = stats[k + " ad_removed"] / n
        print(f"{k:20s} n={n:3d} ad_recall={recall:.3f} paras_lost={stats[k + ' paras_lost']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
