"""The tables: feeds, articles, claims, outlets, disputes, the diff's index, alerts, the outbox
and the daemon's and channels' state; and the engine that holds them.

Times are stored in UTC (``utcnow``); SQLite gives them back without a time zone (``as_utc``).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Index, UniqueConstraint, event, text
from sqlalchemy.engine import Engine
from sqlmodel import Field, SQLModel, create_engine


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
    last_notice: str | None = None  # the last article the budget cut short, and why
    last_notice_at: datetime | None = None


class ArticleRow(SQLModel, table=True):
    __tablename__ = "article"
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True)
    feed: str = Field(index=True)  # the dashboard's feed filter
    link: str
    title: str
    published: datetime | None = None
    fetched_at: datetime = Field(default_factory=utcnow)
    content_hash: str = ""  # parse.content_hash of the entry: a change means it was edited


class ClaimRow(SQLModel, table=True):
    __tablename__ = "claim"
    __table_args__ = (
        # the dashboard's lists, newest first: an actor's claims, and everyone's (bench/web.py)
        Index("ix_claim_actor_said_at", "actor", "said_at"),
        Index("ix_claim_said_at", "said_at"),
    )
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
    # how likely the actor, type and topics are right (0..1), and why; None: stored before
    confidence: float | None = None
    confidence_why: str | None = None
    heart: str | None = None  # what a headline gives after "<speaker> <verb>"
    heart_object: bool | None = None  # ... after the verb itself, not a colon
    heart_verb: bool | None = None  # ... opening on the speaker's own verb, after the speaker
    # where the speaker, cue and content lie in ``sentence``: character offsets into it, end
    # exclusive; None for a part the claim lacks, one outside the sentence, or a claim stored
    # before they were recorded (the web pages then find the texts in the sentence)
    speaker_start: int | None = None
    speaker_end: int | None = None
    cue_start: int | None = None
    cue_end: int | None = None
    content_start: int | None = None
    content_end: int | None = None


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
        # the dashboard: a topic's claims newest first and its timeline (covering), and the
        # few claims that take a stance, per actor and per topic (bench/web.py)
        Index("ix_claim_key_topic_said_at", "topic", "said_at", "actor", "type"),
        Index(
            "ix_claim_key_stance_actor",
            "actor",
            "topic",
            "said_at",
            sqlite_where=text("stance != ''"),
            postgresql_where=text("stance != ''"),
        ),
        Index(
            "ix_claim_key_stance_topic",
            "topic",
            "actor",
            "said_at",
            sqlite_where=text("stance != ''"),
            postgresql_where=text("stance != ''"),
        ),
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
    # the dashboard: alerts of one kind newest first, and the few a timeline marks
    __table_args__ = (Index("ix_alert_kind", "kind", "id"),)
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
    possible: bool = False  # its claim is under the rule's min_confidence: in the digest, marked
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


BUSY_TIMEOUT_MS = 10_000  # how long a SQLite write waits for another writer's lock


def _sqlite_pragmas(dbapi_conn: object, _record: object) -> None:
    cur = dbapi_conn.cursor()  # type: ignore[attr-defined]
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.close()


WRITE_FAILURE_SECONDS = 60.0  # a write that failed this recently makes the store unhealthy
_WRITES = ("INSERT", "UPDATE", "DELETE", "CREATE", "ALTER", "DROP", "REPLACE")


class WriteLog:
    """Whether the store takes writes: the last write that failed, and why. Fed by the
    engine's own events, so every write counts, whoever makes it (a poll, the outbox, the
    daemon's probe); ``/healthz`` reads it. A failure of the connection itself (the database
    gone, refusing connections) lasts until a write goes through again; a failure of the
    statement (a locked or full store, a table that drifted) lasts ``WRITE_FAILURE_SECONDS``,
    since other writes may go through meanwhile."""

    def __init__(self) -> None:
        self.failed_at: float | None = None  # time.monotonic()
        self.reason = ""
        self.disconnected = False  # the last failure was the connection's, not a statement's

    def problem(self, within: float | None = None) -> str | None:
        """Why writes fail, if one failed in the last ``within`` seconds."""
        window = WRITE_FAILURE_SECONDS if within is None else within
        if self.failed_at is None or time.monotonic() - self.failed_at > window:
            return None
        ago = time.monotonic() - self.failed_at
        return f"{self.reason} ({ago:.0f} s ago)"

    def listen(self, engine: Engine) -> None:
        def on_error(context: Any) -> None:
            if context.is_disconnect or context.connection is None:
                return  # a store that does not answer at all: ping says so, for as long
            statement = (context.statement or "").lstrip().upper()
            if context.statement is None or statement.startswith(_WRITES):  # None: a COMMIT
                exc = context.original_exception
                self.failed_at = time.monotonic()
                self.reason = " ".join(str(exc).split())[:200] or type(exc).__name__
                self.disconnected = bool(context.is_disconnect or context.connection is None)

        def on_write(_conn: Any, _cursor: Any, statement: str, *_args: Any, **_kwargs: Any) -> None:
            if self.disconnected and statement.lstrip().upper().startswith(_WRITES):
                self.failed_at, self.disconnected = None, False  # reachable and writing again

        event.listen(engine, "handle_error", on_error)
        event.listen(engine, "after_cursor_execute", on_write)


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL so the CLI can read while the daemon writes;
    PostgreSQL's pool checks a connection before handing it out.
    A read-only SQLite URI (``file:...?mode=ro`` or ``immutable=1``) is opened as it is."""
    read_only = "mode=ro" in url or "immutable=1" in url
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:" and not read_only:
        Path(url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
    # PostgreSQL: a pooled connection the server dropped (a restart, pg_terminate_backend,
    # a proxy's idle timeout) is found on checkout and replaced, not handed to a write
    server = url.startswith(("postgresql", "postgres:"))
    engine = create_engine(url, pool_pre_ping=True) if server else create_engine(url)
    if engine.dialect.name == "sqlite" and not read_only:
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine
