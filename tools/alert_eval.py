"""Alert-level evaluation: what a user of a gold set's watchlist would have been sent.

Replays a gold set's articles in date order through the whole pipeline (extract, store, diff,
rules) with one rule on every watched actor, in an in-memory SQLite store, and judges each alert
against the gold claims in its sentence: right when one of them has the alert's actor and type
and the alert's topics are among its topics. A gold claim is *known* when a claim covering it
(the scorer's rule: the claim's span covers the evidence or half of it) with its actor raised an
alert, or restated what an earlier alert of that actor, type and topics already told (whether
the alert was right is what precision measures). Alerts under the rule's ``min_confidence``
go to the digest marked "possible": they count for what is known, and precision is given with
and without them.

Used by ``tools/evaluate.py --alerts``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from monitor.config import Config, Rule, Watchlist
from monitor.extract import Extractor
from monitor.model import Claim
from monitor.pipeline import Monitor
from monitor.replay import IndexEntry, replay


@dataclass
class Judged:
    """One alert: the claim behind it, whether a gold claim in its sentence confirms it."""

    doc: str
    claim: Claim
    kind: str
    topics: tuple[str, ...]
    right: bool
    why: str  # what a wrong alert got wrong: "no gold", "actor", "type", "topics"
    possible: bool  # under the rule's min_confidence: sent in the digest as "possible"
    previous: list[str] = field(default_factory=list)  # the earlier claims it differs from


@dataclass
class SetResult:
    alerts: list[Judged]
    gold: int
    known: int  # gold claims that raised or repeated an alert, "possible" ones included
    known_confident: int  # the same, confident alerts only
    by_format: dict[str, SetResult] = field(default_factory=dict)

    def precision(self, possible: bool) -> float:
        shown = [a for a in self.alerts if possible or not a.possible]
        return sum(a.right for a in shown) / len(shown) if shown else 0.0

    def wrong(self) -> str:
        """How many wrong alerts got what wrong."""
        counts: dict[str, int] = {}
        for a in self.alerts:
            if not a.right:
                counts[a.why] = counts.get(a.why, 0) + 1
        return ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))

    def at(self, floor: float) -> str:
        """Precision and count of the alerts whose claim's confidence reaches ``floor``."""
        kept = [a for a in self.alerts if a.claim.confidence >= floor]
        share = sum(a.right for a in kept) / len(kept) if kept else 0.0
        return f"{floor:.1f}: {share:.2f} of {len(kept)}"

    def line(self) -> str:
        n_conf = sum(not a.possible for a in self.alerts)
        return (
            f"alerts {n_conf} (+{len(self.alerts) - n_conf} possible) · precision "
            f"{self.precision(False):.3f} (with possible {self.precision(True):.3f}) · gold known "
            f"{self.known / self.gold if self.gold else 0:.3f} "
            f"(confident only {self.known_confident / self.gold if self.gold else 0:.3f})"
        )


def every_actor(watchlist: Watchlist) -> Watchlist:
    """The watchlist with one rule, on every watched actor (the default min_confidence)."""
    return watchlist.model_copy(update={"rules": [Rule(name="every watched actor")]})


def evaluate(
    name: str,
    gold_file: Path,
    entries: list[IndexEntry],
    watchlist: Watchlist,
    extractor: Extractor,
    formats: dict[str, str],
) -> SetResult:
    """Replay ``entries`` and judge the alerts against ``gold_file``; ``formats`` maps a doc to
    its format for the per-format figures."""
    gold: dict[str, list[dict[str, Any]]] = {}
    for line in gold_file.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            gold.setdefault(row["doc"], []).append(row)
    wl = every_actor(watchlist)
    config = Config(
        path=Path(f"{name}.yaml"),
        database="sqlite://",
        feeds=[],
        channels=[],
        watchlist=wl,
        watchlist_path=Path(f"{name}.watchlist.yaml"),
    )
    monitor = Monitor(config, extractor)
    floor = wl.rules[0].min_confidence
    judged: list[Judged] = []
    known: dict[tuple[str, int], tuple[bool, bool]] = {}  # (doc, gold row) -> (any, confident)
    told: dict[tuple[str, str, str], bool] = {}  # (actor, type, topic) -> told confidently
    try:
        for step in replay(monitor, entries):
            doc = step.entry.doc
            text = step.entry.path.read_text(encoding="utf-8")
            rows = gold.get(doc, [])
            queued = {a.claim_id: a for a in step.ingested.alerts}
            for rec in step.ingested.recorded:
                c = rec.claim
                if c.actor is None:
                    continue
                alert = queued.get(rec.id)
                possible = c.confidence < floor
                if alert is not None:
                    right = any(_confirms(g, c, alert.topics, text) for g in rows)
                    why = "" if right else _wrong(rows, c, alert.topics, text)
                    judged.append(Judged(doc, c, alert.kind, alert.topics, right, why, possible))
                    for t in c.topics or ("",):
                        told[(c.actor, c.type, t)] = told.get((c.actor, c.type, t), False) or (
                            not possible
                        )
                keys = [(c.actor, c.type, t) for t in c.topics or ("",)]
                if not all(k in told for k in keys):
                    continue
                confident = all(told[k] for k in keys)
                for i, g in enumerate(rows):
                    if g["actor"] == c.actor and _covers(c, g, text):
                        was = known.get((doc, i), (False, False))
                        known[(doc, i)] = (True, was[1] or confident)
    finally:
        monitor.close()
    n_gold = sum(len(r) for r in gold.values())
    result = SetResult(
        judged, n_gold, sum(a for a, _ in known.values()), sum(b for _, b in known.values())
    )
    for fmt in sorted({formats[d] for d in gold if d in formats}):
        docs = {d for d in gold if formats.get(d) == fmt}
        part = [k for k in known if k[0] in docs]
        result.by_format[fmt] = SetResult(
            [a for a in judged if a.doc in docs],
            sum(len(gold[d]) for d in docs),
            sum(known[k][0] for k in part),
            sum(known[k][1] for k in part),
        )
    return result


def _wrong(rows: list[dict[str, Any]], c: Claim, topics: tuple[str, ...], text: str) -> str:
    """What a wrong alert got wrong, judged against the gold claims of its sentence."""
    near = [g for g in rows if _confirms(g, c, (), text, loose=True)]
    if not near:
        return "no gold claim in its sentence"
    if not any(g["actor"] == c.actor for g in near):
        return "actor"
    if not any(g["actor"] == c.actor and g["type"] == c.type for g in near):
        return "type"
    return "topics"


def _span(c: Claim) -> tuple[int, int]:
    parts = [p for p in (c.speaker, c.cue, c.content) if p is not None] or [c.sentence]
    return min(p.start for p in parts), max(p.end for p in parts)


def _covers(c: Claim, g: dict[str, Any], text: str) -> bool:
    """The scorer's match: the claim's span covers the evidence, or half of it."""
    at = text.find(g["evidence"])
    lo, hi = _span(c)
    ev = (at, at + len(g["evidence"]))
    inside = lo <= ev[0] and ev[1] <= hi
    return inside or max(0, min(hi, ev[1]) - max(lo, ev[0])) >= 0.5 * (ev[1] - ev[0])


def _confirms(
    g: dict[str, Any], c: Claim, topics: tuple[str, ...], text: str, loose: bool = False
) -> bool:
    """A gold claim in the alert's sentence with its actor and type, and the alert's topics
    among its own (``loose``: in its sentence at all)."""
    at = text.find(g["evidence"])
    lo, hi = min(c.sentence.start, _span(c)[0]), max(c.sentence.end, _span(c)[1])
    in_sentence = at < hi and lo < at + len(g["evidence"])
    return in_sentence and (
        loose
        or (
            g["actor"] == c.actor
            and g["type"] == c.type
            and set(topics) <= set(g.get("topics") or [])
        )
    )


def entries_for(docs: list[str], folder: Path, dates: dict[str, datetime]) -> list[IndexEntry]:
    """Index entries for a gold set's docs, oldest first (the order a replay needs)."""
    out = [
        IndexEntry(
            doc=d,
            source="eval",
            published=dates.get(d, datetime(2025, 12, 30, tzinfo=UTC)),
            title=d,
            path=folder / f"{d}.txt",
        )
        for d in docs
    ]
    return sorted(out, key=lambda e: (e.published, e.doc))
