"""The store: SQLModel tables of feeds, articles, claims, alerts and the delivery outbox.

An article, its claims, the alerts they raise and the outbox rows for those alerts are written
in one transaction (``Store.batch``), so a crash leaves either all of them or none: an alert
cannot be lost between being decided and being queued. Claims are looked up by
(actor, topic, type) through an index, so the diff costs the same for any store size.

The package has three parts: ``tables`` (the schema and the engine), ``history`` (writing
claims and the lookups the diff makes, in one transaction) and ``outbox`` (deliveries and
channel state). ``Store`` ties them to one database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from ..fetch import Fetched
from . import migrate
from .history import Batch, QueuedAlert, Recorded, StoredClaim, stored_claim
from .outbox import Outbox, OutboxItem, Pending
from .tables import (
    AlertRow,
    ArticleRow,
    ChannelState,
    ClaimKey,
    ClaimRow,
    DaemonState,
    DeliveryRow,
    DisputeRow,
    FeedRow,
    OutletRow,
    WriteLog,
    as_utc,
    make_engine,
    utcnow,
)

__all__ = [
    "AlertRow",
    "ArticleRow",
    "Batch",
    "ChannelState",
    "ClaimKey",
    "ClaimRow",
    "DaemonState",
    "DeliveryRow",
    "DisputeRow",
    "FeedRow",
    "OutboxItem",
    "OutletRow",
    "Pending",
    "QueuedAlert",
    "Recorded",
    "Store",
    "StoreError",
    "StoredArticle",
    "StoredClaim",
    "as_utc",
    "make_engine",
    "utcnow",
]


class StoreError(Exception):
    """A database that cannot be opened or written, in one line; ``transient`` when it may
    come back by itself (a server not answering yet), not a file or a name that is wrong."""

    def __init__(self, url: str, exc: BaseException) -> None:
        from sqlalchemy.engine import make_url

        orig = getattr(exc, "orig", None) or exc
        reason = " ".join(str(orig).split())[:300] or type(orig).__name__
        try:
            shown = make_url(url).render_as_string(hide_password=True)
        except Exception:
            shown = "(an invalid URL)"
        super().__init__(f"database {shown}: {reason}")
        words = reason.lower()
        self.transient = any(
            w in words for w in ("connection refused", "timeout", "timed out", "is starting up")
        )


@dataclass(frozen=True)
class StoredArticle:
    """What the store knows of an article's entry: how it read, in which feed, its link."""

    content_hash: str
    feed: str
    link: str


class Store(Outbox):
    """The database behind one configuration.

    ``on_queued``, when set, is called with the open connection and the channels each time a
    transaction writes outbox rows, just before it commits: the distributed mode defers the
    channels' delivery jobs there, in the same transaction (``workers.Queue.wake``)."""

    on_queued: Callable[[Connection, Sequence[str]], None] | None = None

    def __init__(self, url: str) -> None:
        """Open (and, the first time, create) the database at ``url``; raises ``StoreError``
        with one line saying why when it cannot be opened or written."""
        self.url = url
        try:
            self.engine = make_engine(url)
            self.writes = WriteLog()
            self.writes.listen(self.engine)
            migrate.prepare(self.engine)
        except (SQLAlchemyError, OSError, ValueError) as exc:
            raise StoreError(url, exc) from exc

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def batch(self, dry_run: bool = False) -> Iterator[Batch]:
        """One transaction: committed on success, rolled back on any error or on a dry run."""
        with Session(self.engine, expire_on_commit=False) as session:
            batch = Batch(session, dry_run)
            yield batch
            if dry_run:
                session.rollback()
            else:
                if batch.channels and self.on_queued is not None:
                    session.flush()
                    self.on_queued(session.connection(), sorted(batch.channels))
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
        notice: str | None = None,
        unrecorded: int = 0,
    ) -> int:
        """Store the outcome of one poll; returns the count of consecutive failures.

        Validators are kept only from a good poll, so a document that failed to parse is
        fetched whole next time rather than answered 304. A successful poll through permanent
        redirects makes their target the URL polled from now on (``fetch_url``). ``unrecorded``
        failures happened before this one while the store refused writes."""
        now = utcnow()
        values: dict[str, Any] = {"last_poll": now, "next_poll": next_poll, "ttl": ttl}
        if notice:  # an article read only in part: kept until another one is
            values.update(last_notice=notice[:1000], last_notice_at=now)
        problem = fetched.error or error
        if problem:  # with the failures the store could not record when they happened
            values.update(failures=FeedRow.failures + 1 + unrecorded, last_error=problem[:1000])
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

    def stored_articles(self, keys: list[str]) -> dict[str, StoredArticle]:
        """The stored articles among ``keys``: their content hash ("" if stored before hashes
        were kept), feed and link, to tell an edited entry from another feed's entry that
        carries the same guid."""
        if not keys:
            return {}
        q = select(ArticleRow.key, ArticleRow.content_hash, ArticleRow.feed, ArticleRow.link).where(
            col(ArticleRow.key).in_(keys)
        )
        with Session(self.engine) as s:
            return {k: StoredArticle(h, f, link) for k, h, f, link in s.exec(q).all()}

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
            return [stored_claim(c, a) for c, a in rows]

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

    def probe_write(self) -> None:
        """One small write, so that a store refusing writes is noticed while nothing else
        writes (the daemon calls this with every delivery round); raises when refused."""
        with self.engine.begin() as conn:
            conn.execute(
                update(DaemonState).where(col(DaemonState.id) == 1).values(pid=DaemonState.pid)
            )

    def feeds(self) -> list[FeedRow]:
        """Every feed ever polled, with its last poll, last success, failures and items."""
        with Session(self.engine) as s:
            return list(s.exec(select(FeedRow).order_by(col(FeedRow.id))).all())
