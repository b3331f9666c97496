"""SQLModel tables: feeds, articles, claims, alerts and the delivery outbox.

An article, its claims, the alerts they raise and the outbox rows for those alerts are written
in one transaction (``Store.batch``), so a crash leaves either all of them or none: an alert
cannot be lost between being decided and being queued. Claims are looked up by
(actor, topic, type) through an index, so the diff costs the same for any store size.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Index, UniqueConstraint, event
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel, col, create_engine, select

from .fetch import Fetched
from .model import Alert, Article, Claim


def utcnow() -> datetime:
    return datetime.now(UTC)


class FeedRow(SQLModel, table=True):
    __tablename__ = "feed"
    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(unique=True)
    name: str = ""
    etag: str | None = None
    last_modified: str | None = None
    last_poll: datetime | None = None
    last_success: datetime | None = None
    last_error: str | None = None
    failures: int = 0
    items: int = 0


class ArticleRow(SQLModel, table=True):
    __tablename__ = "article"
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True)
    feed: str
    link: str
    title: str
    published: datetime | None = None
    fetched_at: datetime = Field(default_factory=utcnow)


class ClaimRow(SQLModel, table=True):
    __tablename__ = "claim"
    id: int | None = Field(default=None, primary_key=True)
    article_id: int = Field(foreign_key="article.id", index=True)
    actor: str | None = Field(default=None, index=True)
    type: str
    topics: str = ""  # comma-separated, for display; ClaimKey is what is searched
    speaker: str = ""
    cue: str = ""
    content: str = ""
    sentence: str = ""
    resolution: str = ""
    start: int = 0
    end: int = 0
    said_at: datetime = Field(default_factory=utcnow)  # article date, else when it was read


class ClaimKey(SQLModel, table=True):
    """One row per (claim, topic): what the diff looks up."""

    __tablename__ = "claim_key"
    __table_args__ = (Index("ix_claim_key_lookup", "actor", "topic", "type", "said_at"),)
    id: int | None = Field(default=None, primary_key=True)
    claim_id: int = Field(foreign_key="claim.id", index=True)
    actor: str
    topic: str  # "" for a claim with no watched topic
    type: str
    said_at: datetime


class AlertRow(SQLModel, table=True):
    __tablename__ = "alert"
    id: int | None = Field(default=None, primary_key=True)
    claim_id: int = Field(foreign_key="claim.id", index=True)
    kind: str
    rule: str
    severity: str
    topics: str = ""
    previous: str = "[]"  # JSON list of earlier claim ids this alert differs from
    created_at: datetime = Field(default_factory=utcnow)


class DeliveryRow(SQLModel, table=True):
    """The outbox: one row per (alert, channel), pending until the channel accepted it."""

    __tablename__ = "delivery"
    __table_args__ = (
        UniqueConstraint("alert_id", "channel"),
        Index("ix_delivery_due", "status", "next_attempt"),
    )
    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(foreign_key="alert.id")
    channel: str
    status: str = "pending"  # pending | sent | failed
    attempts: int = 0
    last_error: str | None = None
    next_attempt: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None


@dataclass(frozen=True)
class StoredClaim:
    """An earlier claim, as alerts show it."""

    id: int
    actor: str | None
    type: str
    topics: tuple[str, ...]
    sentence: str
    said_at: datetime
    link: str
    title: str
    feed: str


@dataclass(frozen=True)
class Recorded:
    """A claim just stored, with the latest earlier claim for each (topic, type) it has."""

    id: int
    claim: Claim
    article: Article
    priors: dict[str, StoredClaim | None]  # topic ("" for none) -> latest earlier claim


@dataclass(frozen=True)
class QueuedAlert:
    """What the rules decided, ready to be written to the outbox."""

    claim_id: int
    kind: str
    rule: str
    severity: str
    topics: tuple[str, ...]
    previous: tuple[int, ...]
    channels: tuple[str, ...]


def _sqlite_pragmas(dbapi_conn: object, _record: object) -> None:
    cur = dbapi_conn.cursor()  # type: ignore[attr-defined]
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL so the CLI can read while the daemon writes."""
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        Path(url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


class Store:
    """The database behind one configuration."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        SQLModel.metadata.create_all(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def batch(self) -> Iterator[Batch]:
        """One transaction: committed on success, rolled back on any error."""
        with Session(self.engine, expire_on_commit=False) as session:
            yield Batch(session)
            session.commit()

    # --- feeds -----------------------------------------------------------------------------------
    def feed_state(self, url: str, name: str) -> FeedRow:
        with Session(self.engine, expire_on_commit=False) as s:
            row = s.exec(select(FeedRow).where(FeedRow.url == url)).first()
            if row is None:
                row = FeedRow(url=url, name=name)
                s.add(row)
                s.commit()
            return row

    def record_fetch(
        self, url: str, fetched: Fetched, items: int = 0, error: str | None = None
    ) -> int:
        """Store the outcome of one poll; returns the count of consecutive failures."""
        with Session(self.engine) as s:
            row = s.exec(select(FeedRow).where(FeedRow.url == url)).one()
            now = utcnow()
            row.last_poll = now
            problem = fetched.error or error
            if problem:
                row.failures += 1
                row.last_error = problem
            else:
                row.failures = 0
                row.last_success = now
                row.items += items
                if fetched.etag or fetched.last_modified:
                    row.etag, row.last_modified = fetched.etag, fetched.last_modified
            s.add(row)
            s.commit()
            return row.failures

    def unseen(self, keys: list[str]) -> set[str]:
        """The article keys not stored yet: only those are extracted."""
        if not keys:
            return set()
        with Session(self.engine) as s:
            seen = set(s.exec(select(ArticleRow.key).where(col(ArticleRow.key).in_(keys))).all())
        return set(keys) - seen

    # --- reading ---------------------------------------------------------------------------------
    def claims_of(self, actor: str, topic: str | None = None) -> list[StoredClaim]:
        with Session(self.engine) as s:
            q = select(ClaimRow, ArticleRow).join(ArticleRow).where(ClaimRow.actor == actor)
            if topic is not None:
                q = q.join(ClaimKey).where(ClaimKey.topic == topic)
            rows = s.exec(q.order_by(col(ClaimRow.said_at), col(ClaimRow.id))).all()
            return [_stored(c, a) for c, a in rows]

    def due(
        self, channel: str, names: dict[str, str], now: datetime
    ) -> Iterator[tuple[int, int, Alert]]:
        """Pending deliveries for one channel, oldest alert first, with what the alert shows."""
        with Session(self.engine) as s:
            rows = s.exec(_due_query(channel, now)).all()
            previous_ids = {i for _, al, _, _ in rows for i in json.loads(al.previous)}
            earlier = {}
            if previous_ids:
                q = (
                    select(ClaimRow, ArticleRow)
                    .join(ArticleRow)
                    .where(col(ClaimRow.id).in_(previous_ids))
                )
                earlier = {c.id: _stored(c, a) for c, a in s.exec(q).all()}
        for d, al, c, a in rows:
            assert d.id is not None and al.id is not None
            prev = [earlier[i] for i in json.loads(al.previous) if i in earlier]
            yield (
                d.id,
                d.attempts,
                Alert(
                    id=al.id,
                    kind=al.kind,
                    severity=al.severity,
                    actor=c.actor or "",
                    actor_name=names.get(c.actor or "", c.actor or ""),
                    type=c.type,
                    topics=tuple(t for t in al.topics.split(",") if t),
                    sentence=c.sentence,
                    speaker=c.speaker,
                    resolution=c.resolution,
                    content=c.content,
                    link=a.link,
                    title=a.title,
                    feed=a.feed,
                    published=a.published,
                    rule=al.rule,
                    previous=[
                        {
                            "type": p.type,
                            "date": p.said_at.strftime("%Y-%m-%d"),
                            "sentence": p.sentence,
                            "link": p.link,
                        }
                        for p in prev
                    ],
                ),
            )

    def mark_sent(self, delivery_id: int) -> None:
        with Session(self.engine) as s:
            row = s.get_one(DeliveryRow, delivery_id)
            row.status, row.sent_at, row.last_error = "sent", utcnow(), None
            row.attempts += 1
            s.add(row)
            s.commit()

    def mark_failed(self, delivery_id: int, reason: str, retry_at: datetime | None) -> None:
        """Record a failed send: retried at ``retry_at``, or failed for good when it is None."""
        with Session(self.engine) as s:
            row = s.get_one(DeliveryRow, delivery_id)
            row.attempts += 1
            row.last_error = reason
            if retry_at is None:
                row.status = "failed"
            else:
                row.next_attempt = retry_at
            s.add(row)
            s.commit()

    def alert_count(self) -> int:
        with Session(self.engine) as s:
            return len(s.exec(select(AlertRow.id)).all())


def _stored(c: ClaimRow, a: ArticleRow) -> StoredClaim:
    assert c.id is not None
    topics = tuple(t for t in c.topics.split(",") if t)
    return StoredClaim(
        c.id, c.actor, c.type, topics, c.sentence, c.said_at, a.link, a.title, a.feed
    )


class Batch:
    """Writes of one transaction; see ``Store.batch``."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def record(self, article: Article, claims: list[Claim]) -> list[Recorded]:
        """Store an article and its claims; return each claim with what was stored before it."""
        s = self.session
        published = article.published.astimezone(UTC) if article.published else None
        row = ArticleRow(
            key=article.key,
            feed=article.feed,
            link=article.link,
            title=article.title,
            published=published,
        )
        s.add(row)
        s.flush()
        assert row.id is not None
        said_at = published or row.fetched_at
        out: list[Recorded] = []
        for claim in claims:
            crow = ClaimRow(
                article_id=row.id,
                actor=claim.actor,
                type=claim.type,
                topics=",".join(claim.topics),
                speaker=claim.speaker.text if claim.speaker else "",
                cue=claim.cue.text if claim.cue else "",
                content=claim.content.text if claim.content else "",
                sentence=claim.sentence.text,
                resolution=claim.resolution,
                start=claim.extent[0],
                end=claim.extent[1],
                said_at=said_at,
            )
            s.add(crow)
            s.flush()
            assert crow.id is not None
            priors: dict[str, StoredClaim | None] = {}
            if claim.actor:
                for topic in claim.topics or ("",):
                    priors[topic] = self._latest(claim.actor, topic, claim.type, crow.id)
                    s.add(
                        ClaimKey(
                            claim_id=crow.id,
                            actor=claim.actor,
                            topic=topic,
                            type=claim.type,
                            said_at=said_at,
                        )
                    )
            out.append(Recorded(crow.id, claim, article, priors))
        s.flush()
        return out

    def _latest(self, actor: str, topic: str, ctype: str, before: int) -> StoredClaim | None:
        q = (
            select(ClaimRow, ArticleRow)
            .join(ClaimKey, col(ClaimKey.claim_id) == col(ClaimRow.id))
            .join(ArticleRow, col(ArticleRow.id) == col(ClaimRow.article_id))
            .where(ClaimKey.actor == actor, ClaimKey.topic == topic, ClaimKey.type == ctype)
            .where(col(ClaimKey.claim_id) != before)
            .order_by(col(ClaimKey.said_at).desc())
            .limit(1)
        )
        hit = self.session.exec(q).first()
        return _stored(*hit) if hit else None

    def queue(self, alerts: list[QueuedAlert]) -> list[int]:
        """Write alerts and one outbox row per channel; returns the alert ids."""
        ids = []
        for a in alerts:
            row = AlertRow(
                claim_id=a.claim_id,
                kind=a.kind,
                rule=a.rule,
                severity=a.severity,
                topics=",".join(a.topics),
                previous=json.dumps(list(a.previous)),
            )
            self.session.add(row)
            self.session.flush()
            assert row.id is not None
            for channel in a.channels:
                self.session.add(DeliveryRow(alert_id=row.id, channel=channel))
            ids.append(row.id)
        return ids


# --- the outbox -----------------------------------------------------------------------------------
def _due_query(channel: str, now: datetime) -> Any:
    return (
        select(DeliveryRow, AlertRow, ClaimRow, ArticleRow)
        .join(AlertRow, col(AlertRow.id) == col(DeliveryRow.alert_id))
        .join(ClaimRow, col(ClaimRow.id) == col(AlertRow.claim_id))
        .join(ArticleRow, col(ArticleRow.id) == col(ClaimRow.article_id))
        .where(DeliveryRow.channel == channel, DeliveryRow.status == "pending")
        .where(col(DeliveryRow.next_attempt) <= now)
        .order_by(col(DeliveryRow.alert_id))
    )
