"""SQLModel tables: feeds, articles, claims, alerts and the delivery outbox.

An article, its claims, the alerts they raise and the outbox rows for those alerts are written
in one transaction (``Store.batch``), so a crash leaves either all of them or none: an alert
cannot be lost between being decided and being queued. Claims are looked up by
(actor, topic, type) through an index, so the diff costs the same for any store size.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Index, UniqueConstraint, event, func, inspect, text, update
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel, col, create_engine, select

from .fetch import Fetched
from .model import Alert, Article, Claim


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(when: datetime) -> datetime:
    """A datetime with a time zone: SQLite gives back the UTC values it stored without one."""
    return when if when.tzinfo else when.replace(tzinfo=UTC)


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
    fetch_url: str | None = None  # where permanent redirects lead: polled instead of ``url``
    next_poll: datetime | None = None  # when the polling policy wants this feed polled again
    ttl: int | None = None  # the feed's RSS <ttl> (minutes), remembered across 304s


class ArticleRow(SQLModel, table=True):
    __tablename__ = "article"
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True)
    feed: str
    link: str
    title: str
    published: datetime | None = None
    fetched_at: datetime = Field(default_factory=utcnow)
    content_hash: str = ""  # parse.content_hash of the entry: a change means it was edited


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
    """An alert about a claim, or (``claim_id`` None) claimwatch's own alert to operators."""

    __tablename__ = "alert"
    id: int | None = Field(default=None, primary_key=True)
    claim_id: int | None = Field(default=None, foreign_key="claim.id", index=True)
    message: str = ""  # the text of an operator alert
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
    deferred: str = ""  # why it waits for the channel's digest: rule, mode, rate, quiet
    queued_at: datetime | None = Field(default_factory=utcnow)


class ChannelState(SQLModel, table=True):
    """Per channel: what was delivered, the last error, when the last digest went out."""

    __tablename__ = "channel_state"
    name: str = Field(primary_key=True)
    delivered: int = 0
    failed: int = 0
    consecutive_failures: int = 0
    last_error: str | None = None
    last_error_at: datetime | None = None
    last_success_at: datetime | None = None
    last_digest_at: datetime | None = None
    next_digest_attempt: datetime | None = None


class DaemonState(SQLModel, table=True):
    """Whether a daemon is running on this store: still set at start means it crashed."""

    __tablename__ = "daemon_state"
    id: int = Field(default=1, primary_key=True)
    running: bool = False
    pid: int = 0
    started_at: datetime | None = None
    stopped_at: datetime | None = None


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
class Pending:
    """A delivery waiting to be sent, with the alert as the channel will show it."""

    delivery_id: int
    attempts: int
    deferred: str
    alert: Alert


@dataclass(frozen=True)
class OutboxItem:
    delivery_id: int
    alert_id: int
    channel: str
    status: str
    attempts: int
    deferred: str
    next_attempt: datetime
    last_error: str | None
    summary: str


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


def _add_missing_columns(engine: Engine, tables: tuple[type[SQLModel], ...]) -> None:
    """Add columns that ``create_all`` does not add to a table made by an older version.

    Only for columns with a constant default or none (nullable): enough for what polling added."""
    with engine.begin() as conn:
        for table in tables:
            meta = table.__table__  # type: ignore[attr-defined]
            have = {c["name"] for c in inspect(conn).get_columns(meta.name)}
            for column in meta.columns:
                if column.name in have:
                    continue
                kind = column.type.compile(dialect=conn.dialect)
                default = column.default.arg if column.default is not None else None
                clause = f" DEFAULT {default!r}" if isinstance(default, (int, str)) else ""
                if not clause and not column.nullable:
                    continue
                add = f'ALTER TABLE "{meta.name}" ADD COLUMN "{column.name}" {kind}{clause}'
                conn.execute(text(add))


def _claim_identity(actor: str | None, ctype: str, content: str, sentence: str) -> tuple[str, ...]:
    """What makes two claims of one article the same claim, whatever the spacing or case."""
    words = " ".join(re.findall(r"\w+", (content or sentence).lower()))
    return (actor or "", ctype, words)


class Store:
    """The database behind one configuration."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        SQLModel.metadata.create_all(self.engine)
        _add_missing_columns(self.engine, (FeedRow, ArticleRow))

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def batch(self, dry_run: bool = False) -> Iterator[Batch]:
        """One transaction: committed on success, rolled back on any error or on a dry run."""
        with Session(self.engine, expire_on_commit=False) as session:
            yield Batch(session)
            if dry_run:
                session.rollback()
            else:
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
        self,
        url: str,
        fetched: Fetched,
        items: int = 0,
        error: str | None = None,
        *,
        next_poll: datetime | None = None,
        ttl: int | None = None,
    ) -> int:
        """Store the outcome of one poll; returns the count of consecutive failures.

        Validators are kept only from a good poll, so a document that failed to parse is
        fetched whole next time rather than answered 304. A successful poll through permanent
        redirects makes their target the URL polled from now on (``fetch_url``)."""
        now = utcnow()
        values: dict[str, Any] = {"last_poll": now, "next_poll": next_poll, "ttl": ttl}
        problem = fetched.error or error
        if problem:
            values.update(failures=FeedRow.failures + 1, last_error=problem)
        else:
            values.update(failures=0, last_success=now, items=FeedRow.items + items)
            if fetched.etag or fetched.last_modified:
                values.update(etag=fetched.etag, last_modified=fetched.last_modified)
            if fetched.moved_to:
                values["fetch_url"] = fetched.moved_to
        # one UPDATE ... RETURNING: this runs for every feed of every cycle
        q = update(FeedRow).where(col(FeedRow.url) == url).values(**values)
        with self.engine.begin() as conn:
            return int(conn.execute(q.returning(col(FeedRow.failures))).scalar_one())

    def unseen(self, keys: list[str]) -> set[str]:
        """The article keys not stored yet: only those are extracted."""
        if not keys:
            return set()
        with Session(self.engine) as s:
            seen = set(s.exec(select(ArticleRow.key).where(col(ArticleRow.key).in_(keys))).all())
        return set(keys) - seen

    def article_hashes(self, keys: list[str]) -> dict[str, str]:
        """The stored articles among ``keys``, each with its content hash ("" if stored before
        hashes were kept): a key with a different hash now is an entry the publisher edited."""
        if not keys:
            return {}
        q = select(ArticleRow.key, ArticleRow.content_hash).where(col(ArticleRow.key).in_(keys))
        with Session(self.engine) as s:
            return {k: h for k, h in s.exec(q).all()}

    # --- reading ---------------------------------------------------------------------------------
    def claims_of(self, actor: str, topic: str | None = None) -> list[StoredClaim]:
        with Session(self.engine) as s:
            q = select(ClaimRow, ArticleRow).join(ArticleRow).where(ClaimRow.actor == actor)
            if topic is not None:
                q = q.join(ClaimKey).where(ClaimKey.topic == topic)
            rows = s.exec(q.order_by(col(ClaimRow.said_at), col(ClaimRow.id))).all()
            return [_stored(c, a) for c, a in rows]

    # --- the outbox ----------------------------------------------------------------------------
    def pending(
        self, channel: str, names: dict[str, str], now: datetime, *, deferred: bool
    ) -> list[Pending]:
        """A channel's pending deliveries, oldest alert first: those due to be sent at once,
        or (``deferred``) those waiting for its digest."""
        with Session(self.engine) as s:
            q = _pending_query(channel)
            if deferred:
                q = q.where(DeliveryRow.deferred != "")
            else:
                q = q.where(DeliveryRow.deferred == "", col(DeliveryRow.next_attempt) <= now)
            rows = s.exec(q).all()
            views = _alert_views(s, [(al, c, a) for _, al, c, a in rows], names)
        out = []
        for (d, *_), view in zip(rows, views, strict=True):
            assert d.id is not None
            out.append(Pending(d.id, d.attempts, d.deferred, view))
        return out

    def alerts(self, ids: list[int], names: dict[str, str]) -> list[Alert]:
        """Alerts by id, as a channel would show them."""
        with Session(self.engine) as s:
            q = (
                select(AlertRow, ClaimRow, ArticleRow)
                .outerjoin(ClaimRow, col(ClaimRow.id) == col(AlertRow.claim_id))
                .outerjoin(ArticleRow, col(ArticleRow.id) == col(ClaimRow.article_id))
                .where(col(AlertRow.id).in_(ids))
                .order_by(col(AlertRow.id))
            )
            return _alert_views(s, list(s.exec(q).all()), names)

    def channel_state(self, name: str) -> ChannelState:
        with Session(self.engine, expire_on_commit=False) as s:
            row = s.get(ChannelState, name)
            if row is None:
                row = ChannelState(name=name)
                s.add(row)
                s.commit()
            return row

    def defer(self, delivery_id: int, reason: str) -> None:
        """Hold a delivery for the channel's next digest (rule, rate limit, quiet hours)."""
        with Session(self.engine) as s:
            row = s.get_one(DeliveryRow, delivery_id)
            row.deferred = reason
            s.add(row)
            s.commit()

    def mark_sent(self, channel: str, delivery_ids: list[int], *, digest: bool = False) -> None:
        """Record deliveries the channel accepted (one message, or one digest of several)."""
        now = utcnow()
        with Session(self.engine) as s:
            for delivery_id in delivery_ids:
                row = s.get_one(DeliveryRow, delivery_id)
                row.status, row.sent_at, row.last_error = "sent", now, None
                row.attempts += 1
                s.add(row)
            state = s.get(ChannelState, channel) or ChannelState(name=channel)
            state.delivered += len(delivery_ids)
            state.consecutive_failures = 0
            state.last_success_at = now
            if digest:
                state.last_digest_at, state.next_digest_attempt = now, None
            s.add(state)
            s.commit()

    def mark_failed(
        self,
        channel: str,
        delivery_ids: list[int],
        reason: str,
        retry_at: datetime | None,
        *,
        digest: bool = False,
    ) -> int:
        """Record a failed send: retried at ``retry_at``, or failed for good when it is None.

        Returns the channel's count of consecutive failures."""
        now = utcnow()
        with Session(self.engine) as s:
            for delivery_id in delivery_ids:
                row = s.get_one(DeliveryRow, delivery_id)
                row.attempts += 1
                row.last_error = reason
                if retry_at is None:
                    row.status = "failed"
                elif not digest:
                    row.next_attempt = retry_at
                s.add(row)
            state = s.get(ChannelState, channel) or ChannelState(name=channel)
            state.consecutive_failures += 1
            state.last_error, state.last_error_at = reason, now
            if retry_at is None:
                state.failed += len(delivery_ids)
            if digest:
                state.next_digest_attempt = retry_at
            s.add(state)
            s.commit()
            return state.consecutive_failures

    def mark_digest_sent(self, channel: str, when: datetime) -> None:
        """A digest time passed with nothing to send: the next one is due a period later."""
        with Session(self.engine) as s:
            state = s.get(ChannelState, channel) or ChannelState(name=channel)
            state.last_digest_at = when
            s.add(state)
            s.commit()

    def sent_immediately_since(self, channel: str, since: datetime) -> int:
        """Alerts sent one by one (not in a digest) since ``since``: for rate limits."""
        q = select(func.count()).where(
            DeliveryRow.channel == channel,
            DeliveryRow.status == "sent",
            DeliveryRow.deferred == "",
            col(DeliveryRow.sent_at) >= since,
        )
        with Session(self.engine) as s:
            return int(s.exec(q).one())

    def outbox(self, channel: str | None = None) -> list[OutboxItem]:
        """Pending and failed deliveries with their last error, oldest first."""
        q = (
            select(DeliveryRow, AlertRow, ClaimRow)
            .join(AlertRow, col(AlertRow.id) == col(DeliveryRow.alert_id))
            .outerjoin(ClaimRow, col(ClaimRow.id) == col(AlertRow.claim_id))
            .where(col(DeliveryRow.status).in_(["pending", "failed"]))
            .order_by(col(DeliveryRow.id))
        )
        if channel:
            q = q.where(DeliveryRow.channel == channel)
        with Session(self.engine) as s:
            return [
                OutboxItem(
                    delivery_id=d.id or 0,
                    alert_id=d.alert_id,
                    channel=d.channel,
                    status=d.status,
                    attempts=d.attempts,
                    deferred=d.deferred,
                    next_attempt=d.next_attempt,
                    last_error=d.last_error,
                    summary=(
                        f"{c.actor} {c.type}: {c.sentence.strip()[:70]}" if c else al.message[:80]
                    ),
                )
                for d, al, c in s.exec(q).all()
            ]

    def requeue(self, channel: str | None = None) -> int:
        """Failed deliveries back to pending, and waiting retries due now: ``outbox --retry``."""
        q = select(DeliveryRow).where(col(DeliveryRow.status).in_(["pending", "failed"]))
        if channel:
            q = q.where(DeliveryRow.channel == channel)
        now = utcnow()
        with Session(self.engine) as s:
            rows = s.exec(q).all()
            for row in rows:
                row.status, row.next_attempt = "pending", now
                if row.last_error and row.attempts:
                    row.attempts = 0
                s.add(row)
            s.commit()
            return len(rows)

    def queue_operator(self, kind: str, message: str, channels: list[str]) -> int | None:
        """claimwatch's own alert (a failing feed or channel, a crash) to operator channels."""
        if not channels:
            return None
        with Session(self.engine) as s:
            row = AlertRow(kind=kind, message=message, rule="operator", severity="high")
            s.add(row)
            s.flush()
            assert row.id is not None
            for channel in channels:
                s.add(DeliveryRow(alert_id=row.id, channel=channel))
            s.commit()
            return row.id

    def mark_running(self, pid: int) -> bool:
        """Note that a daemon started; True when the last one never stopped (it crashed)."""
        with Session(self.engine) as s:
            row = s.get(DaemonState, 1) or DaemonState(id=1)
            crashed = row.running
            row.running, row.pid, row.started_at = True, pid, utcnow()
            s.add(row)
            s.commit()
            return crashed

    def mark_stopped(self) -> None:
        with Session(self.engine) as s:
            row = s.get(DaemonState, 1) or DaemonState(id=1)
            row.running, row.stopped_at = False, utcnow()
            s.add(row)
            s.commit()

    # --- read-only: `claimwatch status`, /healthz, /metrics, systemd STATUS ------------------
    def ping(self) -> None:
        """One round trip to the database; raises when it does not answer."""
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def feeds(self) -> list[FeedRow]:
        """Every feed ever polled, with its last poll, last success, failures and items."""
        with Session(self.engine) as s:
            return list(s.exec(select(FeedRow).order_by(col(FeedRow.id))).all())

    def outbox_counts(self) -> dict[str, dict[str, int]]:
        """Deliveries per channel and status ("pending", "sent", "failed")."""
        q = select(DeliveryRow.channel, DeliveryRow.status, func.count()).group_by(
            col(DeliveryRow.channel), col(DeliveryRow.status)
        )
        out: dict[str, dict[str, int]] = {}
        with Session(self.engine) as s:
            for channel, status, n in s.exec(q).all():
                out.setdefault(channel, {})[status] = n
        return out

    def channel_states(self) -> dict[str, ChannelState]:
        """Every channel's state (last error and when), without creating any."""
        with Session(self.engine) as s:
            return {row.name: row for row in s.exec(select(ChannelState)).all()}

    def queue_length(self) -> dict[str, int]:
        """Pending deliveries per channel (walks the due index, not the whole outbox)."""
        q = (
            select(DeliveryRow.channel, func.count())
            .where(DeliveryRow.status == "pending")
            .group_by(col(DeliveryRow.channel))
        )
        with Session(self.engine) as s:
            return {channel: n for channel, n in s.exec(q).all()}

    def outbox_mark(self) -> int:
        """The lowest delivery id a send starting now can touch: the oldest pending row's, else
        the next new row's. ``sent_since`` reads from there, so it scans only recent rows."""
        with Session(self.engine) as s:
            low = s.exec(
                select(func.min(DeliveryRow.id)).where(DeliveryRow.status == "pending")
            ).one()
            if low is not None:
                return int(low)
            high = s.exec(select(func.max(DeliveryRow.id))).one()
            return int(high or 0) + 1

    def sent_since(self, mark: int, since: datetime) -> list[tuple[str, float]]:
        """(channel, seconds from alert to delivery) for rows from ``mark`` sent at ``since``
        or later."""
        q = (
            select(DeliveryRow.channel, DeliveryRow.sent_at, AlertRow.created_at)
            .join(AlertRow, col(AlertRow.id) == col(DeliveryRow.alert_id))
            .where(col(DeliveryRow.id) >= mark, DeliveryRow.status == "sent")
            .where(col(DeliveryRow.sent_at) >= since)
        )
        with Session(self.engine) as s:
            return [
                (channel, max(0.0, (sent - created).total_seconds()))
                for channel, sent, created in s.exec(q).all()
                if sent is not None
            ]


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
        """Store an article and its claims, with one ClaimKey per (claim, topic).

        An article whose key is already stored is one the publisher edited: its row is kept
        (title and link updated) and only the claims it does not already have are stored and
        returned, so an edit raises only what it added."""
        s = self.session
        published = article.published.astimezone(UTC) if article.published else None
        row = s.exec(select(ArticleRow).where(ArticleRow.key == article.key)).first()
        if row is None:
            row = ArticleRow(
                key=article.key,
                feed=article.feed,
                link=article.link,
                title=article.title,
                published=published,
            )
        else:
            row.title, row.link = article.title, article.link or row.link
            stored = s.exec(
                select(ClaimRow.actor, ClaimRow.type, ClaimRow.content, ClaimRow.sentence).where(
                    ClaimRow.article_id == row.id
                )
            ).all()
            known = {_claim_identity(*c) for c in stored}
            claims = [
                c
                for c in claims
                if _claim_identity(
                    c.actor, c.type, c.content.text if c.content else "", c.sentence.text
                )
                not in known
            ]
        s.add(row)
        s.flush()
        assert row.id is not None
        first = row.published or row.fetched_at  # an edit keeps the date first read
        said_at = published or (first if first.tzinfo else first.replace(tzinfo=UTC))
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

    def set_content_hash(self, key: str, content_hash: str) -> None:
        """Remember what a stored article's entry looked like (see ``Store.article_hashes``)."""
        row = self.session.exec(select(ArticleRow).where(ArticleRow.key == key)).first()
        if row is not None:
            row.content_hash = content_hash
            self.session.add(row)

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
        """Link a restatement to the first claim of its story; a new outlet becomes a source.

        Returns True when the outlet is new for that story."""
        root_id = original.repeat_of or original.id
        row = self.session.get_one(ClaimRow, claim_id)
        row.repeat_of = root_id
        self.session.add(row)
        root = self.session.get_one(ClaimRow, root_id)
        root_feed = self.session.get_one(ArticleRow, root.article_id).feed
        if article.feed == root_feed:
            return False
        known = self.session.exec(
            select(OutletRow.id).where(
                OutletRow.claim_id == root_id, OutletRow.outlet == article.feed
            )
        ).first()
        if known is not None:
            return False
        self.session.add(
            OutletRow(claim_id=root_id, outlet=article.feed, link=article.link, said_at=row.said_at)
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
def _alert_views(
    s: Session,
    rows: list[tuple[AlertRow, ClaimRow | None, ArticleRow | None]],
    names: dict[str, str],
) -> list[Alert]:
    """What alerts show: the claim, its article, the other outlets, the claims it differs from."""
    previous_ids = {i for al, _, _ in rows for i in json.loads(al.previous)}
    earlier: dict[int, StoredClaim] = {}
    if previous_ids:
        q = select(ClaimRow, ArticleRow).join(ArticleRow).where(col(ClaimRow.id).in_(previous_ids))
        earlier = {c.id: _stored(c, a) for c, a in s.exec(q).all() if c.id is not None}
    claim_ids = [c.id for _, c, _ in rows if c is not None]
    outlets: dict[int, list[str]] = {}
    if claim_ids:
        for o in s.exec(select(OutletRow).where(col(OutletRow.claim_id).in_(claim_ids))).all():
            outlets.setdefault(o.claim_id, []).append(o.outlet)
    views = []
    for al, c, a in rows:
        assert al.id is not None
        if c is None or a is None:  # claimwatch's own alert to its operators
            views.append(
                Alert(
                    id=al.id,
                    kind=al.kind,
                    severity=al.severity,
                    actor="",
                    actor_name="claimwatch",
                    type="operator",
                    topics=(),
                    sentence=al.message,
                    speaker="",
                    resolution="",
                    content=al.message,
                    link="",
                    title=al.message,
                    feed="claimwatch",
                    published=al.created_at,
                    rule=al.rule,
                    operator=True,
                )
            )
            continue
        assert c.id is not None
        prev = [earlier[i] for i in json.loads(al.previous) if i in earlier]
        views.append(
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
                detail=al.detail,
                digest=al.digest,
                outlets=[a.feed, *outlets.get(c.id, [])],
                previous=[
                    {
                        "id": str(p.id),
                        "actor": names.get(p.actor or "", p.actor or ""),
                        "type": p.type,
                        "date": p.said_at.strftime("%Y-%m-%d"),
                        "sentence": p.sentence,
                        "link": p.link,
                        "feed": p.feed,
                    }
                    for p in prev
                ],
            )
        )
    return views


def _pending_query(channel: str) -> Any:
    return (
        select(DeliveryRow, AlertRow, ClaimRow, ArticleRow)
        .join(AlertRow, col(AlertRow.id) == col(DeliveryRow.alert_id))
        .outerjoin(ClaimRow, col(ClaimRow.id) == col(AlertRow.claim_id))
        .outerjoin(ArticleRow, col(ArticleRow.id) == col(ClaimRow.article_id))
        .where(DeliveryRow.channel == channel, DeliveryRow.status == "pending")
        .order_by(col(DeliveryRow.alert_id))
    )
