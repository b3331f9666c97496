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
    repeat_of: int | None = Field(default=None, index=True)  # the claim this one restates


class OutletRow(SQLModel, table=True):
    """Another outlet that carried a claim (a wire story reprinted): a source, not an alert."""

    __tablename__ = "outlet"
    __table_args__ = (UniqueConstraint("claim_id", "outlet"),)
    id: int | None = Field(default=None, primary_key=True)
    claim_id: int = Field(foreign_key="claim.id", index=True)
    outlet: str
    link: str
    said_at: datetime


class DisputeRow(SQLModel, table=True):
    """A claim that denies or contradicts another actor's claim."""

    __tablename__ = "dispute"
    __table_args__ = (UniqueConstraint("claim_id", "disputed_id"),)
    id: int | None = Field(default=None, primary_key=True)
    claim_id: int = Field(foreign_key="claim.id", index=True)
    disputed_id: int = Field(foreign_key="claim.id", index=True)
    actor: str  # who disputes: one actor disputes one claim once


class ClaimKey(SQLModel, table=True):
    """One row per (claim, topic): what the diff looks up."""

    __tablename__ = "claim_key"
    __table_args__ = (
        Index("ix_claim_key_lookup", "actor", "topic", "type", "said_at"),
        Index("ix_claim_key_actor_topic", "actor", "topic", "said_at"),
        Index("ix_claim_key_topic_type", "topic", "type", "said_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    claim_id: int = Field(foreign_key="claim.id", index=True)
    actor: str
    topic: str  # "" for a claim with no watched topic
    type: str
    stance: str = ""  # the claim's stance on this topic, where the watchlist defines stances
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
    detail: str = ""  # e.g. "cautious → supportive", "silent for 41 days"
    digest: bool = False  # collected into a digest rather than sent at once
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
    content: str = ""
    speaker: str = ""
    stance: str = ""
    repeat_of: int | None = None
    article_key: str = ""


@dataclass(frozen=True)
class Recorded:
    """A claim just stored, with its id, for the diff to compare with what came before."""

    id: int
    claim: Claim
    article: Article
    said_at: datetime


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
    detail: str = ""
    digest: bool = False


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


def _stored(c: ClaimRow, a: ArticleRow, stance: str = "") -> StoredClaim:
    assert c.id is not None
    topics = tuple(t for t in c.topics.split(",") if t)
    return StoredClaim(
        c.id,
        c.actor,
        c.type,
        topics,
        c.sentence,
        c.said_at,
        a.link,
        a.title,
        a.feed,
        content=c.content,
        speaker=c.speaker,
        stance=stance,
        repeat_of=c.repeat_of,
        article_key=a.key,
    )


class Batch:
    """Writes of one transaction (see ``Store.batch``), and the history the diff reads.

    Lookups see only claims stored before the one asked about (``before`` is its id), so the
    claims of one article are compared with each other in the order they were said."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def record(self, article: Article, claims: list[Claim]) -> list[Recorded]:
        """Store an article and its claims, with one ClaimKey per (claim, topic)."""
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
            if claim.actor:
                stances = dict(claim.stances)
                for topic in claim.topics or ("",):
                    s.add(
                        ClaimKey(
                            claim_id=crow.id,
                            actor=claim.actor,
                            topic=topic,
                            type=claim.type,
                            stance=stances.get(topic, ""),
                            said_at=said_at,
                        )
                    )
            out.append(Recorded(crow.id, claim, article, said_at))
        s.flush()
        return out

    # --- the history the diff reads (every query walks an index: no scans) -------------------
    def _claims(self, where: list[Any], limit: int) -> list[StoredClaim]:
        q = (
            select(ClaimRow, ArticleRow, ClaimKey.stance)
            .join(ClaimKey, col(ClaimKey.claim_id) == col(ClaimRow.id))
            .join(ArticleRow, col(ArticleRow.id) == col(ClaimRow.article_id))
            .where(*where)
            .order_by(col(ClaimKey.said_at).desc(), col(ClaimKey.claim_id).desc())
            .limit(limit)
        )
        return [_stored(c, a, stance) for c, a, stance in self.session.exec(q).all()]

    def same(
        self, actor: str, topic: str, ctype: str, *, before: int, since: datetime | None, limit: int
    ) -> list[StoredClaim]:
        """The latest earlier claims by ``actor`` on ``topic`` of type ``ctype``."""
        where = [
            ClaimKey.actor == actor,
            ClaimKey.topic == topic,
            ClaimKey.type == ctype,
            col(ClaimKey.claim_id) < before,
        ]
        if since is not None:
            where.append(col(ClaimKey.said_at) >= since)
        return self._claims(where, limit)

    def latest_stance(self, actor: str, topic: str, *, before: int) -> StoredClaim | None:
        """The latest earlier claim by ``actor`` that took a stance on ``topic``."""
        where = [
            ClaimKey.actor == actor,
            ClaimKey.topic == topic,
            ClaimKey.stance != "",
            col(ClaimKey.claim_id) < before,
        ]
        found = self._claims(where, 1)
        return found[0] if found else None

    def last_spoke(self, actor: str, topic: str, *, before: int) -> StoredClaim | None:
        """The latest earlier claim of any type by ``actor`` on ``topic``."""
        where = [ClaimKey.actor == actor, ClaimKey.topic == topic, col(ClaimKey.claim_id) < before]
        found = self._claims(where, 1)
        return found[0] if found else None

    def asserted_by_others(
        self, topic: str, types: tuple[str, ...], *, actor: str, since: datetime, limit: int = 20
    ) -> list[StoredClaim]:
        """Recent claims of ``types`` on ``topic`` by anyone but ``actor``, newest first."""
        out: list[StoredClaim] = []
        for ctype in types:
            where = [
                ClaimKey.topic == topic,
                ClaimKey.type == ctype,
                col(ClaimKey.said_at) >= since,
                ClaimKey.actor != actor,
            ]
            out += self._claims(where, limit)
        return sorted(out, key=lambda c: (c.said_at, c.id), reverse=True)[:limit]

    def disputed_by(self, actor: str, claim_id: int) -> bool:
        q = select(DisputeRow.id).where(
            DisputeRow.actor == actor, DisputeRow.disputed_id == claim_id
        )
        return self.session.exec(q).first() is not None

    # --- what the diff decided ----------------------------------------------------------------
    def mark_repeat(self, claim_id: int, original: StoredClaim, article: Article) -> bool:
        """Link a restatement to the claim it repeats; a new outlet becomes a source of it.

        Returns True when the outlet is new for that claim."""
        row = self.session.get_one(ClaimRow, claim_id)
        row.repeat_of = original.id
        self.session.add(row)
        if article.feed == original.feed:
            return False
        known = self.session.exec(
            select(OutletRow.id).where(
                OutletRow.claim_id == original.id, OutletRow.outlet == article.feed
            )
        ).first()
        if known is not None:
            return False
        self.session.add(
            OutletRow(
                claim_id=original.id, outlet=article.feed, link=article.link, said_at=row.said_at
            )
        )
        return True

    def mark_dispute(self, claim_id: int, actor: str, disputed_id: int) -> None:
        self.session.add(DisputeRow(claim_id=claim_id, disputed_id=disputed_id, actor=actor))

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
                detail=a.detail,
                digest=a.digest,
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
