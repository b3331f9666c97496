"""The pipeline: fetch → parse → extract → store → diff → rules → outbox, then deliver.

``Monitor.poll`` is the one function that calls the stages in order; ``run --once`` and every
scheduler tick share it. Each article is one transaction, so a crash mid-feed keeps what was
done and redoes the rest on the next poll.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from . import diff, fetch, parse, rules
from .config import Config, FeedConfig
from .extract import Extractor
from .model import Article, Claim
from .notify import Channel, DeliveryReport, build_channels, deliver
from .store import Batch, QueuedAlert, Recorded, Store

log = logging.getLogger("claimwatch.pipeline")


@dataclass(frozen=True)
class Ingested:
    """What one article did to the store: its claims, what changed, the alerts queued."""

    recorded: list[Recorded]
    analysis: diff.Analysis
    alerts: list[QueuedAlert]
    alert_ids: list[int]


@dataclass
class PollReport:
    feed: str
    articles: int = 0
    claims: int = 0
    alerts: list[int] = field(default_factory=list)
    error: str | None = None
    not_modified: bool = False


class Monitor:
    """A configuration at work: its store, extractor and channels, built once."""

    def __init__(self, config: Config, extractor: Extractor | None = None) -> None:
        self.config = config
        self.store = Store(config.database)
        self.extractor = extractor or Extractor(config.watchlist)
        self.channels: list[Channel] = build_channels(config.channels)
        self.channel_tags = rules.channel_names(config.channels)
        self._write = threading.Lock()  # one writer at a time keeps SQLite free of lock errors
        self._delivering = threading.Lock()  # two deliveries at once would send a row twice

    def close(self) -> None:
        self.store.close()

    def poll(self, feed: FeedConfig) -> PollReport:
        """Poll one feed and queue the alerts its new articles raise; never raises for bad input."""
        report = PollReport(feed.label)
        state = self.store.feed_state(feed.url, feed.label)
        got = fetch.fetch(feed.url, etag=state.etag, last_modified=state.last_modified)
        if got.error or got.not_modified or got.body is None:
            self.store.record_fetch(feed.url, got)
            report.error, report.not_modified = got.error, got.not_modified
            if got.error:
                log.warning("feed %s: %s", feed.label, got.error)
            return report
        parsed = parse.parse(got.body, url=got.url, feed=feed.label)
        if parsed.error:
            self.store.record_fetch(feed.url, got, error=parsed.error)
            log.warning("feed %s: %s", feed.label, parsed.error)
            report.error = parsed.error
            return report
        fresh = self.store.unseen([a.key for a in parsed.articles])
        for article in parsed.articles:
            if article.key not in fresh:
                continue
            fresh.discard(article.key)  # a feed listing one entry twice is read once
            published = article.published.date() if article.published else None
            claims = self.extractor.extract(article.text, published)
            with self._write, self.store.batch() as batch:
                ids = self.ingest(batch, article, claims).alert_ids
            report.articles += 1
            report.claims += len(claims)
            report.alerts += ids
            log.info(
                "feed %s: article %r: %d claims, %d alerts",
                feed.label,
                article.title[:60],
                len(claims),
                len(ids),
            )
        self.store.record_fetch(feed.url, got, items=report.articles)
        return report

    def ingest(self, batch: Batch, article: Article, claims: list[Claim]) -> Ingested:
        """Store → diff → rules → outbox for one article, inside the caller's transaction.

        Shared by polling, ``try`` (in a transaction that is rolled back) and ``replay``."""
        wl = self.config.watchlist
        recorded = batch.record(article, claims)
        analysis = diff.analyse(recorded, batch, wl.diff, rules.min_silence_days(wl))
        for repeat in analysis.repeats:
            if batch.mark_repeat(repeat.claim_id, repeat.original, repeat.article):
                log.info(
                    "claim %d repeats claim %d: outlet %s added",
                    repeat.claim_id,
                    repeat.original.id,
                    repeat.article.feed,
                )
        for claim_id, actor, disputed in analysis.disputes:
            batch.mark_dispute(claim_id, actor, disputed)
        alerts = rules.select(analysis.changes, wl, self.channel_tags)
        return Ingested(recorded, analysis, alerts, batch.queue(alerts))

    def deliver(self) -> DeliveryReport:
        with self._delivering:
            return deliver(self.store, self.channels, self.config.watchlist)

    def run_once(self) -> list[PollReport]:
        """Poll every feed once, then deliver everything due."""
        reports = [self.poll(feed) for feed in self.config.feeds]
        self.deliver()
        return reports
