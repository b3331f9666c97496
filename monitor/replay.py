"""Feed a time-ordered set of articles through the pipeline as if they arrived over time.

The clock is the articles' own publication times: each is stored as said then, so windows
(new, dispute, repeat, silence) behave as they would have live. Alerts are written, not sent:
this is how a watchlist is tried against months of news in a minute.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO

from .model import Alert, Article
from .notify import render
from .pipeline import Ingested, Monitor
from .store import as_utc


@dataclass(frozen=True)
class IndexEntry:
    """One line of an index: ``{"doc", "source", "published", "title", "path"}``."""

    doc: str
    source: str
    published: datetime
    title: str
    path: Path
    link: str = ""


@dataclass
class ReplayReport:
    articles: int = 0
    claims: int = 0
    watched_claims: int = 0
    repeats: int = 0
    outlets_added: int = 0
    alerts: Counter[str] = field(default_factory=Counter)


def read_index(path: Path) -> list[IndexEntry]:
    """Index entries oldest first; ``path`` in each line is relative to the index file."""
    entries = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            entries.append(
                IndexEntry(
                    doc=row["doc"],
                    source=row.get("source", "replay"),
                    published=as_utc(
                        datetime.fromisoformat(row["published"].replace("Z", "+00:00"))
                    ),
                    title=row.get("title", row["doc"]),
                    path=path.parent / row["path"],
                    link=row.get("link", ""),
                )
            )
        except (ValueError, KeyError) as exc:
            raise ValueError(f"{path}:{n}: not an index line: {exc}") from exc
    return sorted(entries, key=lambda e: e.published)


@dataclass(frozen=True)
class Step:
    entry: IndexEntry
    ingested: Ingested
    alerts: list[Alert]


def replay(
    monitor: Monitor, entries: list[IndexEntry], out: IO[str] | None = None
) -> Iterator[Step]:
    """Run each article through extract → store → diff → rules; yield the alerts it raises.

    Alerts are queued in the store like live ones but never delivered; with ``out`` each is
    also written as one JSON line."""
    names = {ident: a.name for ident, a in monitor.config.watchlist.actors.items()}
    for entry in entries:
        text = entry.path.read_text(encoding="utf-8")
        article = Article(
            key=f"replay:{entry.doc}",
            feed=entry.source,
            link=entry.link or entry.path.resolve().as_uri(),
            title=entry.title,
            text=text,
            published=entry.published,
        )
        claims = monitor.extractor.extract(text, entry.published.date())
        with monitor.store.batch() as batch:
            ingested = monitor.ingest(batch, article, claims)
        alerts = monitor.store.alerts(ingested.alert_ids, names)
        if out is not None:
            for alert in alerts:
                out.write(json.dumps(alert_json(alert), ensure_ascii=False) + "\n")
        yield Step(entry, ingested, alerts)


def summarise(steps: Iterator[Step]) -> ReplayReport:
    """Run a replay to its end, counting what it did."""
    report = ReplayReport()
    for step in steps:
        report.articles += 1
        report.claims += len(step.ingested.recorded)
        report.watched_claims += sum(1 for r in step.ingested.recorded if r.claim.actor)
        report.repeats += len(step.ingested.analysis.repeats)
        report.outlets_added += step.ingested.outlets_added
        report.alerts.update(a.kind for a in step.alerts)
    return report


def alert_json(alert: Alert) -> dict[str, object]:
    """An alert as ``replay --out`` writes it: its fields, whether it would go to the digest
    as "possible" (its claim under the rule's ``min_confidence``) with that confidence, and the
    headline and plain-text message a channel would receive."""
    title, text = render(alert, "text")
    return {
        "id": alert.id,
        "kind": alert.kind,
        "severity": alert.severity,
        "actor": alert.actor,
        "type": alert.type,
        "topics": list(alert.topics),
        "detail": alert.detail,
        "sentence": alert.sentence,
        "speaker": alert.speaker,
        "resolution": alert.resolution,
        "title": alert.title,
        "feed": alert.feed,
        "outlets": alert.outlets,
        "published": alert.published.isoformat() if alert.published else None,
        "rule": alert.rule,
        "previous": alert.previous,
        "link": alert.link,
        "possible": alert.possible,
        "confidence": alert.confidence,
        "confidence_why": alert.confidence_why,
        "headline": title,
        "text": text,
    }
