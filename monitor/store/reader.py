"""Reading the store for people: the alerts, claims, actors, topics, feeds and channels that the
web pages and the API show (``Reader``).

A ``Reader`` never writes. It opens its own engine, which the database itself keeps read-only
(SQLite's ``query_only``, PostgreSQL's ``default_transaction_read_only``); it creates no table
and no file. It reads the columns the database has, so a store made by an older claimwatch, or
one a newer one has added columns to (``confidence``, ``confidence_why``), reads as well.

Every list is newest first and read a page at a time through an index, by keyset (the last id
shown), never by offset: a page costs the same in a store of a thousand claims or a million.
Times are UTC.
"""

from __future__ import annotations

import json
import math
import time as _clock
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    Table,
    and_,
    cast,
    create_engine,
    event,
    exists,
    extract,
    func,
    inspect,
    literal,
    or_,
    select,
    tuple_,
)
from sqlalchemy.engine import Connection, Engine, RowMapping
from sqlalchemy.sql import operators
from sqlalchemy.sql.expression import UnaryExpression
from sqlmodel import SQLModel

from . import tables as _tables  # noqa: F401  (registers the tables in SQLModel.metadata)

OPTIONAL_CLAIM_COLUMNS = ("confidence", "confidence_why")  # the alert-precision work adds them
ALERT_KINDS = ("new", "stance-change", "dispute", "silence-broken")
MARKED_KINDS = ("stance-change", "dispute", "silence-broken")  # what a timeline marks
OUTLETS_TTL = 300.0  # seconds the feeds suggested in a filter are kept


class ReaderError(Exception):
    """The store cannot be read; the message says why, in one line."""


def _table(name: str) -> Table:
    return SQLModel.metadata.tables[name]


ALERT, CLAIM, ARTICLE, KEY = (
    _table("alert"),
    _table("claim"),
    _table("article"),
    _table("claim_key"),
)
OUTLET, DISPUTE, DELIVERY = _table("outlet"), _table("dispute"), _table("delivery")
FEED, CHANNEL = _table("feed"), _table("channel_state")


def as_utc(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _day(value: Any) -> date:
    """``date(said_at)`` as SQLite ('2022-03-04') and PostgreSQL (a date) give it back."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


MMAP_BYTES = 1 << 31  # at most this much of a SQLite file is mapped (SQLite caps it at 2 GB)


def read_only_engine(url: str) -> Engine:
    """An engine on ``url`` that cannot write: SQLite with ``PRAGMA query_only``, PostgreSQL with
    read-only transactions. Raises ``ReaderError`` for a SQLite file that does not exist."""
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        path = Path(url[len("sqlite:///") :].split("?", 1)[0])
        if not path.is_file():
            raise ReaderError(f"no database at {path} yet: `claimwatch run` creates it")
    if url.startswith("postgresql"):
        engine = create_engine(
            url,
            connect_args={"options": "-c default_transaction_read_only=on"},
            pool_pre_ping=True,
        )
    else:
        engine = create_engine(url)
    if engine.dialect.name == "sqlite":

        def pragmas(dbapi_conn: Any, _record: object) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA query_only=ON")
            cur.execute("PRAGMA busy_timeout=10000")
            # read the file through a memory map: a page read is then a memory access, not a
            # system call and a copy into this connection's own 2 MB page cache (a timeline's
            # marks look up thousands of claims across the years: the busiest actor's 10.5 ->
            # 8.4 ms on 1M claims). The map is of the file itself, shared by every connection
            # and process (no copy per connection), and SQLite reads newer pages from the WAL
            # first, as without it
            cur.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
            cur.close()

        event.listen(engine, "connect", pragmas)
    return engine


# --- what the pages show -------------------------------------------------------------------------
@dataclass(frozen=True)
class Span:
    """Where a part of the claim lies in its sentence: character offsets, end exclusive."""

    start: int
    end: int


@dataclass(frozen=True)
class ClaimView:
    """A stored claim with its article. ``speaker_span``, ``cue_span`` and ``content_span`` are
    offsets into ``sentence`` (None where not recorded); ``confidence`` (0..1) and
    ``confidence_why`` are None in a store that does not record them."""

    id: int
    actor: str | None
    actor_name: str
    type: str
    topics: list[str]
    speaker: str
    cue: str
    content: str
    sentence: str
    resolution: str
    said_at: datetime
    feed: str
    link: str
    title: str
    published: datetime | None
    repeat_of: int | None = None
    speaker_span: Span | None = None
    cue_span: Span | None = None
    content_span: Span | None = None
    confidence: float | None = None
    confidence_why: str | None = None


@dataclass(frozen=True)
class AlertView:
    """An alert on a claim: which change (``kind``), the rule that fired and how severe."""

    id: int
    kind: str
    rule: str
    severity: str
    topics: list[str]
    detail: str
    digest: bool
    created_at: datetime
    previous: list[int]
    claim: ClaimView
    possible: bool = False  # its claim was under the rule's min_confidence: digest, marked


@dataclass(frozen=True)
class Outlet:
    """An outlet that carried a claim: the article's own feed first, then wire copies."""

    outlet: str
    link: str
    said_at: datetime | None


@dataclass(frozen=True)
class Delivery:
    channel: str
    status: str  # pending | sent | failed
    attempts: int
    sent_at: datetime | None
    last_error: str | None
    deferred: str


@dataclass(frozen=True)
class AlertDetail:
    """An alert with the outlets that carried its claim, the earlier claims it differs from
    (oldest first) and its deliveries."""

    alert: AlertView
    outlets: list[Outlet]
    previous: list[ClaimView]
    deliveries: list[Delivery]


@dataclass(frozen=True)
class ClaimDetail:
    """A claim with its alerts, the outlets that carried it, the claim it restates, the claims
    that restate it, and the claims it disputes or that dispute it."""

    claim: ClaimView
    alerts: list[AlertView]
    outlets: list[Outlet]
    original: ClaimView | None
    repeats: list[ClaimView]
    disputes: list[ClaimView]
    disputed_by: list[ClaimView]


@dataclass(frozen=True)
class Bucket:
    """Claims of one ``type`` in one lane (a topic, or an actor) on one day."""

    lane: str
    day: date
    type: str
    count: int


@dataclass(frozen=True)
class StanceRun:
    """Consecutive claims of one actor on one topic taking the same stance."""

    lane: str
    stance: str
    start: datetime
    end: datetime
    claims: int
    first_claim: int


@dataclass(frozen=True)
class Mark:
    """An event a timeline marks: an alert of ``kind`` (a stance change, a dispute by this
    actor, a silence broken) or ``disputed`` (another actor denied this actor's claim)."""

    lane: str
    kind: str
    said_at: datetime
    claim_id: int
    alert_id: int | None
    label: str


@dataclass(frozen=True)
class Timeline:
    lanes: list[str]  # busiest first; "" (claims with no watched topic) last
    counts: dict[str, int]  # claims per lane
    buckets: list[Bucket]
    stances: list[StanceRun]
    marks: list[Mark]
    start: date | None
    end: date | None
    bin_days: int = 1  # each bucket counts this many days from its ``day``


@dataclass(frozen=True)
class Cell:
    """Claims by one actor of one type on a topic, and when the latest was said."""

    actor: str
    actor_name: str
    type: str
    count: int
    latest: datetime


@dataclass(frozen=True)
class Count:
    ident: str
    name: str
    claims: int
    latest: datetime | None


@dataclass(frozen=True)
class FeedRowView:
    name: str
    url: str
    last_poll: datetime | None
    last_success: datetime | None
    failures: int
    last_error: str | None
    items: int


@dataclass(frozen=True)
class ChannelRowView:
    name: str
    delivered: int
    pending: int
    failed: int
    last_error: str | None
    last_error_at: datetime | None
    last_success_at: datetime | None


@dataclass(frozen=True)
class OperatorAlert:
    id: int
    kind: str
    message: str
    created_at: datetime


@dataclass(frozen=True)
class Filter:
    """What a list is narrowed to; every field None means everything. ``since`` and ``until``
    are dates the claim was said (both inclusive); ``q`` is looked for, case-insensitively, in
    the sentence and the article's title; ``after`` keeps alerts with a higher id (those
    raised since a visit)."""

    actor: str | None = None
    topic: str | None = None
    type: str | None = None
    kind: str | None = None
    severity: str | None = None
    feed: str | None = None
    since: date | None = None
    until: date | None = None
    q: str | None = None
    after: int | None = None


class Reader:
    """Read-only queries over one store. ``names`` maps actor ids to display names."""

    def __init__(self, url: str, names: dict[str, str] | None = None) -> None:
        self.url = url
        self.names = names or {}
        self.engine = read_only_engine(url)
        try:
            with self.engine.connect() as conn:
                have = {c["name"] for c in inspect(conn).get_columns("claim")}
                alert_have = {c["name"] for c in inspect(conn).get_columns("alert")}
        except Exception as exc:
            self.engine.dispose()
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise ReaderError(f"cannot read the store: {first[:200]}") from exc
        if not have:
            self.engine.dispose()
            raise ReaderError("the store has no claim table yet: `claimwatch run` creates it")
        # the model's columns the database has, and the optional ones it may have
        self._claim = [c for c in CLAIM.c if c.name in have]
        self._outlet_cache: tuple[float, list[str]] | None = None
        self._have = frozenset(have)
        # under a rule's min_confidence (the alert-precision work): absent in older stores
        self._possible = ALERT.c.possible if "possible" in alert_have else literal(False)
        self._claim += [
            _optional(name)
            for name in OPTIONAL_CLAIM_COLUMNS
            if name in have and name not in CLAIM.c
        ]

    def close(self) -> None:
        self.engine.dispose()

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(select(literal(1)))

    # --- shared pieces -----------------------------------------------------------------------
    def _claim_select(self) -> Select[Any]:
        return select(
            *self._claim,
            ARTICLE.c.feed,
            ARTICLE.c.link,
            ARTICLE.c.title,
            ARTICLE.c.published,
        ).select_from(CLAIM.join(ARTICLE, ARTICLE.c.id == CLAIM.c.article_id))

    def _view(self, m: RowMapping) -> ClaimView:
        have = self._have  # columns an older store lacks read as None (a missing key's
        # fallback in SQLAlchemy costs more than the rest of the row: a CSV reads 60,000)

        def value(name: str) -> Any:
            return m[name] if name in have else None

        def span(name: str) -> Span | None:
            lo, hi = value(f"{name}_start"), value(f"{name}_end")
            return Span(int(lo), int(hi)) if lo is not None and hi is not None else None

        actor = m["actor"]
        confidence = value("confidence")
        return ClaimView(
            id=m["id"],
            actor=actor,
            actor_name=self.names.get(actor or "", actor or ""),
            type=m["type"],
            topics=[t for t in (m["topics"] or "").split(",") if t],
            speaker=m["speaker"] or "",
            cue=m["cue"] or "",
            content=m["content"] or "",
            sentence=m["sentence"] or "",
            resolution=m["resolution"] or "",
            said_at=as_utc(m["said_at"]),
            feed=m["feed"],
            link=m["link"],
            title=m["title"],
            published=as_utc(m["published"]) if m["published"] else None,
            repeat_of=value("repeat_of"),
            speaker_span=span("speaker"),
            cue_span=span("cue"),
            content_span=span("content"),
            confidence=float(confidence) if confidence is not None else None,
            confidence_why=value("confidence_why"),
        )

    def _alert_view(self, m: RowMapping) -> AlertView:
        return AlertView(
            id=m["alert_id"],
            kind=m["alert_kind"],
            rule=m["alert_rule"],
            severity=m["alert_severity"],
            topics=[t for t in (m["alert_topics"] or "").split(",") if t],
            detail=m["alert_detail"] or "",
            digest=bool(m["alert_digest"]),
            created_at=as_utc(m["alert_created_at"]),
            previous=[int(i) for i in json.loads(m["alert_previous"] or "[]")],
            claim=self._view(m),
            possible=bool(m["alert_possible"]),
        )

    def _alert_select(self) -> Select[Any]:
        a = ALERT.c
        return (
            select(
                a.id.label("alert_id"),
                a.kind.label("alert_kind"),
                a.rule.label("alert_rule"),
                a.severity.label("alert_severity"),
                a.topics.label("alert_topics"),
                a.detail.label("alert_detail"),
                a.digest.label("alert_digest"),
                a.created_at.label("alert_created_at"),
                a.previous.label("alert_previous"),
                self._possible.label("alert_possible"),
                *self._claim,
                ARTICLE.c.feed,
                ARTICLE.c.link,
                ARTICLE.c.title,
                ARTICLE.c.published,
            )
            .select_from(
                ALERT.join(CLAIM, CLAIM.c.id == ALERT.c.claim_id).join(
                    ARTICLE, ARTICLE.c.id == CLAIM.c.article_id
                )
            )
            .where(ALERT.c.claim_id.is_not(None))
        )

    def _claims_by_id(self, ids: Sequence[int]) -> dict[int, ClaimView]:
        if not ids:
            return {}
        with self.engine.connect() as conn:
            rows = conn.execute(self._claim_select().where(CLAIM.c.id.in_(list(ids)))).mappings()
            return {r["id"]: self._view(r) for r in rows}

    @staticmethod
    def _said_range(f: Filter, said_at: Any) -> list[ColumnElement[bool]]:
        out: list[ColumnElement[bool]] = []
        if f.since is not None:
            out.append(said_at >= datetime.combine(f.since, time(), UTC))
        if f.until is not None:
            out.append(said_at < datetime.combine(f.until + timedelta(days=1), time(), UTC))
        return out

    @staticmethod
    def _text(q: str | None) -> list[ColumnElement[bool]]:
        if not q or not q.strip():
            return []
        needle = q.strip()
        return [
            or_(
                CLAIM.c.sentence.icontains(needle, autoescape=True),
                ARTICLE.c.title.icontains(needle, autoescape=True),
            )
        ]

    # --- alerts ----------------------------------------------------------------------------------
    def alerts(self, f: Filter, *, limit: int = 50, before: int | None = None) -> list[AlertView]:
        """Alerts on claims matching ``f``, newest first, with ids below ``before``."""
        q = self._alert_select()
        conditions = self._alert_filter(f)
        if before is not None:
            conditions.append(ALERT.c.id < before)
        q = q.where(*conditions).order_by(ALERT.c.id.desc()).limit(limit)
        with self.engine.connect() as conn:
            return [self._alert_view(m) for m in conn.execute(q).mappings()]

    def _unindexed(self, column: Any) -> Any:
        """``column`` as SQLite's planner may not look it up by index (a unary +, SQLite's
        documented way to steer it): lists of alerts walk the alerts newest first and stop
        after a page, which costs the same for any actor, feed or range, where a walk of the
        claims of a busy actor (70,000) costs a second. Other databases plan by statistics."""
        if self.engine.dialect.name != "sqlite":
            return column
        return UnaryExpression(column, operator=operators.custom_op("+"), type_=column.type)

    def _alert_filter(self, f: Filter) -> list[ColumnElement[bool]]:
        c: list[ColumnElement[bool]] = []
        if f.actor:
            c.append(self._unindexed(CLAIM.c.actor) == f.actor)
        if f.topic:
            padded = literal(",") + cast(ALERT.c.topics, String) + literal(",")
            c.append(padded.contains(f",{f.topic},", autoescape=True))
        if f.type:
            c.append(CLAIM.c.type == f.type)
        if f.kind:
            c.append(ALERT.c.kind == f.kind)
        if f.severity:
            c.append(ALERT.c.severity == f.severity)
        if f.feed:
            c.append(self._unindexed(ARTICLE.c.feed) == f.feed)
        if f.after is not None:
            c.append(ALERT.c.id > f.after)
        return c + self._said_range(f, self._unindexed(CLAIM.c.said_at)) + self._text(f.q)

    def count_alerts(self, f: Filter) -> int:
        """How many alerts match ``f`` (for "N new since your last visit": keep ``f.after``
        set, so that only the alerts after it are counted)."""
        q = (
            select(func.count())
            .select_from(
                ALERT.join(CLAIM, CLAIM.c.id == ALERT.c.claim_id).join(
                    ARTICLE, ARTICLE.c.id == CLAIM.c.article_id
                )
            )
            .where(*self._alert_filter(f))
        )
        with self.engine.connect() as conn:
            return int(conn.execute(q).scalar_one())

    def latest_alert_id(self) -> int:
        """The highest alert id on a claim, 0 when there is none."""
        with self.engine.connect() as conn:
            q = select(func.max(ALERT.c.id)).where(ALERT.c.claim_id.is_not(None))
            return int(conn.execute(q).scalar_one() or 0)

    def alert(self, alert_id: int) -> AlertDetail | None:
        """One alert with its outlets, the earlier claims it differs from, and deliveries."""
        with self.engine.connect() as conn:
            m = conn.execute(self._alert_select().where(ALERT.c.id == alert_id)).mappings().first()
            if m is None:
                return None
            view = self._alert_view(m)
            deliveries = [
                Delivery(
                    d["channel"],
                    d["status"],
                    d["attempts"],
                    as_utc(d["sent_at"]) if d["sent_at"] else None,
                    d["last_error"],
                    d["deferred"] or "",
                )
                for d in conn.execute(
                    select(DELIVERY).where(DELIVERY.c.alert_id == alert_id).order_by(DELIVERY.c.id)
                ).mappings()
            ]
        earlier = self._claims_by_id(view.previous)
        previous = sorted(
            (earlier[i] for i in view.previous if i in earlier), key=lambda c: (c.said_at, c.id)
        )
        return AlertDetail(view, self._outlets(view.claim), previous, deliveries)

    def _outlets(self, claim: ClaimView) -> list[Outlet]:
        first = Outlet(claim.feed, claim.link, claim.said_at)
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(OUTLET.c.outlet, OUTLET.c.link, OUTLET.c.said_at)
                .where(OUTLET.c.claim_id == claim.id)
                .order_by(OUTLET.c.said_at, OUTLET.c.id)
            ).all()
        return [first, *(Outlet(o, link, as_utc(when)) for o, link, when in rows)]

    # --- claims ----------------------------------------------------------------------------------
    def claim(self, claim_id: int) -> ClaimDetail | None:
        found = self._claims_by_id([claim_id])
        if claim_id not in found:
            return None
        claim = found[claim_id]
        with self.engine.connect() as conn:
            alerts = [
                self._alert_view(m)
                for m in conn.execute(
                    self._alert_select().where(ALERT.c.claim_id == claim_id).order_by(ALERT.c.id)
                ).mappings()
            ]
            repeat_ids = list(
                conn.execute(
                    select(CLAIM.c.id).where(CLAIM.c.repeat_of == claim_id).order_by(CLAIM.c.id)
                ).scalars()
            )
            disputes = list(
                conn.execute(
                    select(DISPUTE.c.disputed_id).where(DISPUTE.c.claim_id == claim_id)
                ).scalars()
            )
            disputed_by = list(
                conn.execute(
                    select(DISPUTE.c.claim_id).where(DISPUTE.c.disputed_id == claim_id)
                ).scalars()
            )
        root = claim.repeat_of
        others = self._claims_by_id(
            [*repeat_ids, *disputes, *disputed_by, *([root] if root else [])]
        )

        def pick(ids: list[int]) -> list[ClaimView]:
            return sorted((others[i] for i in ids if i in others), key=lambda c: (c.said_at, c.id))

        return ClaimDetail(
            claim=claim,
            alerts=alerts,
            outlets=self._outlets(claim),
            original=others.get(root) if root else None,
            repeats=pick(repeat_ids),
            disputes=pick(disputes),
            disputed_by=pick(disputed_by),
        )

    def _claim_filter(self, f: Filter) -> list[ColumnElement[bool]]:
        c: list[ColumnElement[bool]] = []
        if f.actor:
            c.append(CLAIM.c.actor == f.actor)
        if f.topic:
            c.append(exists().where(KEY.c.claim_id == CLAIM.c.id, KEY.c.topic == f.topic))
        if f.type:
            c.append(CLAIM.c.type == f.type)
        if f.feed:
            c.append(ARTICLE.c.feed == f.feed)
        if f.kind or f.severity:
            alert = [ALERT.c.claim_id == CLAIM.c.id]
            if f.kind:
                alert.append(ALERT.c.kind == f.kind)
            if f.severity:
                alert.append(ALERT.c.severity == f.severity)
            c.append(exists().where(*alert))
        return c + self._said_range(f, CLAIM.c.said_at) + self._text(f.q)

    def claims(
        self, f: Filter, *, limit: int = 50, before: int | None = None, watched: bool = True
    ) -> list[ClaimView]:
        """Claims matching ``f``, newest said first (then highest id), after the claim
        ``before`` in that order. ``watched``: only claims by a watchlist actor.

        With a topic, the claim keys lead (their index on (topic, said_at), or on (actor,
        topic, said_at)); else the claims' own (actor, said_at) or (said_at)."""
        if f.topic:
            said, ident = KEY.c.said_at, KEY.c.claim_id
            q = select(
                *self._claim, ARTICLE.c.feed, ARTICLE.c.link, ARTICLE.c.title, ARTICLE.c.published
            ).select_from(
                KEY.join(CLAIM, CLAIM.c.id == KEY.c.claim_id).join(
                    ARTICLE, ARTICLE.c.id == CLAIM.c.article_id
                )
            )
            conditions = [KEY.c.topic == f.topic]
            if f.actor:
                conditions.append(KEY.c.actor == f.actor)
            conditions += self._claim_filter(replace(f, topic=None, actor=None))
        else:
            said, ident = CLAIM.c.said_at, CLAIM.c.id
            q = self._claim_select()
            conditions = self._claim_filter(f)
            if watched and not f.actor:
                conditions.append(CLAIM.c.actor.is_not(None))
        if before is not None:
            with self.engine.connect() as conn:
                at = conn.execute(
                    select(CLAIM.c.said_at).where(CLAIM.c.id == before)
                ).scalar_one_or_none()
            if at is not None:
                conditions.append(tuple_(said, ident) < tuple_(at, before))
        q = q.where(*conditions).order_by(said.desc(), ident.desc()).limit(limit)
        with self.engine.connect() as conn:
            return [self._view(m) for m in conn.execute(q).mappings()]

    def iter_claims(
        self, f: Filter, *, watched: bool = True, batch: int = 1000
    ) -> Iterator[ClaimView]:
        """Every claim matching ``f``, in the order of ``claims``, read ``batch`` at a time."""
        before: int | None = None
        while True:
            page = self.claims(f, limit=batch, before=before, watched=watched)
            yield from page
            if len(page) < batch:
                return
            before = page[-1].id

    # --- timelines -------------------------------------------------------------------------------
    def timeline(
        self, *, actor: str | None = None, topic: str | None = None, f: Filter, bins: int = 60
    ) -> Timeline:
        """Claims by ``actor`` (lanes: its topics) or on ``topic`` (lanes: the actors), counted
        per lane, type and stretch of days (at most ``bins`` stretches over the range, counted
        by the database: a busy actor's 70,000 claims come back as a few thousand counts); the
        stances taken; and the events to mark."""
        assert (actor is None) != (topic is None), "an actor's timeline or a topic's"
        lane_col = KEY.c.topic if actor else KEY.c.actor
        where: list[ColumnElement[bool]] = (
            [KEY.c.actor == actor] if actor else [KEY.c.topic == topic]
        )
        if f.type:
            where.append(KEY.c.type == f.type)
        if actor and f.topic:
            where.append(KEY.c.topic == f.topic)
        if topic and f.actor:
            where.append(KEY.c.actor == f.actor)
        # the stances from the partial index of the claim keys that take one (few: on the
        # busiest topic, 3,000 in 4.5 years), not from a year of all the topic's claims
        stance_where = [*where, *self._said_range(f, self._unindexed(KEY.c.said_at))]
        where += self._said_range(f, KEY.c.said_at)
        with self.engine.connect() as conn:
            first, last = f.since, f.until
            if first is None or last is None:
                low, high = self._range(conn, actor, where)
                first, last = first or low, last or high
            if first is None or last is None:  # no claim at all
                return Timeline([], {}, [], [], [], None, None)
            width = max(1, math.ceil(((last - first).days + 1) / bins))
            bucket, width = self._bucket(KEY.c.said_at, first, width)
            q = select(lane_col, KEY.c.type, bucket, func.count())
            if actor:  # its keys of each (topic, type) a range of the index by day
                pairs = self._pairs(actor)
                q = q.select_from(
                    pairs.join(KEY, and_(KEY.c.topic == pairs.c.topic, KEY.c.type == pairs.c.type))
                )
            q = q.where(*where).group_by(lane_col, KEY.c.type, bucket)
            days: dict[Any, date] = {}  # a stretch's number (or date) -> its first day
            buckets = []
            for lane, t, b, n in conn.execute(q).all():
                day = days.get(b)
                if day is None:
                    day = days[b] = (
                        first + timedelta(days=int(b) * width)
                        if isinstance(b, (int, float, Decimal))
                        else _day(b)
                    )
                buckets.append(Bucket(lane, day, t, int(n)))
            stance_q = (
                select(lane_col, KEY.c.stance, KEY.c.said_at, KEY.c.claim_id)
                .where(*stance_where, KEY.c.stance != "")
                .order_by(lane_col, KEY.c.said_at, KEY.c.claim_id)
            )
            stance_rows = conn.execute(stance_q).all()
        counts: dict[str, int] = {}
        for b in buckets:
            counts[b.lane] = counts.get(b.lane, 0) + b.count
        lanes = sorted(counts, key=lambda k: (k == "", -counts[k], k))  # no topic: last
        marks = self._marks(actor=actor, topic=topic, f=f)
        return Timeline(
            lanes=lanes,
            counts=counts,
            buckets=buckets,
            stances=_runs(stance_rows),
            marks=[m for m in marks if m.lane in counts],
            start=first,
            end=last,
            bin_days=width,
        )

    @staticmethod
    def _pairs(actor: str) -> Any:
        """The (topic, type) pairs of ``actor``'s claim keys, found by a loose index scan (a
        seek per pair, where SQLite would walk all of a busy actor's 70,000 keys to find the
        15,000 of a year: its index on (actor, topic, type, said_at) ranges by day only
        within a pair); the last row's ``type`` is null."""
        k = KEY.alias("k")
        first_topic = select(func.min(k.c.topic).label("topic")).where(k.c.actor == actor)
        topics = first_topic.cte("topics", recursive=True)
        next_topic = select(func.min(k.c.topic)).where(
            k.c.actor == actor, k.c.topic > topics.c.topic
        )
        topics = topics.union_all(
            select(next_topic.scalar_subquery()).where(topics.c.topic.is_not(None))
        )
        first_type = select(func.min(k.c.type)).where(
            k.c.actor == actor, k.c.topic == topics.c.topic
        )
        pairs = (
            select(topics.c.topic, first_type.scalar_subquery().label("type"))
            .where(topics.c.topic.is_not(None))
            .cte("pairs", recursive=True)
        )
        next_type = select(func.min(k.c.type)).where(
            k.c.actor == actor, k.c.topic == pairs.c.topic, k.c.type > pairs.c.type
        )
        return pairs.union_all(
            select(pairs.c.topic, next_type.scalar_subquery()).where(pairs.c.type.is_not(None))
        )

    def _range(
        self, conn: Connection, actor: str | None, where: list[ColumnElement[bool]]
    ) -> tuple[date | None, date | None]:
        """The first and last day of the claim keys under ``where`` (for an actor alone, from
        the claims, whose index on (actor, said_at) answers at once). Two queries: SQLite
        reads min() or max() alone off an index, but both at once by a scan."""
        if actor is not None and len(where) == 1:
            column, conditions = CLAIM.c.said_at, [CLAIM.c.actor == actor]
        else:
            column, conditions = KEY.c.said_at, where
        low = conn.execute(select(func.min(column)).where(*conditions)).scalar_one_or_none()
        high = conn.execute(select(func.max(column)).where(*conditions)).scalar_one_or_none()
        if low is None or high is None:
            return None, None
        return _datetime(low).date(), _datetime(high).date()

    def span(
        self, *, actor: str | None = None, topic: str | None = None
    ) -> tuple[date | None, date | None]:
        """The first and last day ``actor`` spoke (on ``topic``), or anyone on ``topic``."""
        where: list[ColumnElement[bool]] = []
        if actor:
            where.append(KEY.c.actor == actor)
        if topic:
            where.append(KEY.c.topic == topic)
        with self.engine.connect() as conn:
            return self._range(conn, actor, where)

    def _bucket(self, said_at: Any, first: date, width: int) -> tuple[Any, int]:
        """The number of the ``width``-day stretch from ``first`` that ``said_at`` falls in,
        in the database's own date arithmetic, and ``width``; where we know none, its date,
        and 1."""
        epoch = datetime.combine(first, time(), UTC).timestamp()
        if self.engine.dialect.name == "sqlite":
            days = func.julianday(said_at) - (2440587.5 + epoch / 86400)
            return cast(days / width, Integer), width
        if self.engine.dialect.name == "postgresql":
            return func.floor((extract("epoch", said_at) - epoch) / (86400 * width)), width
        return func.date(said_at), 1

    def _marks(self, *, actor: str | None, topic: str | None, f: Filter) -> list[Mark]:
        """Alerts of the kinds a timeline marks, and denials by others of ``actor``'s claims."""
        out: list[Mark] = []
        q = (
            select(
                ALERT.c.id,
                ALERT.c.kind,
                ALERT.c.detail,
                ALERT.c.topics,
                CLAIM.c.id,
                CLAIM.c.actor,
                CLAIM.c.said_at,
                CLAIM.c.type,
            )
            .select_from(ALERT.join(CLAIM, CLAIM.c.id == ALERT.c.claim_id))
            # from the alerts: those of the marked kinds are few (a tenth of the alerts, which
            # are a fiftieth of the claims), where an actor's claims in a year can be 15,000
            .where(
                ALERT.c.kind.in_(MARKED_KINDS),
                *self._said_range(f, self._unindexed(CLAIM.c.said_at)),
            )
        )
        if actor:
            q = q.where(self._unindexed(CLAIM.c.actor) == actor)
        else:
            padded = literal(",") + cast(ALERT.c.topics, String) + literal(",")
            q = q.where(padded.contains(f",{topic},", autoescape=True))
        with self.engine.connect() as conn:
            for alert_id, kind, detail, topics, claim_id, who, said_at, ctype in conn.execute(q):
                lanes = [t for t in (topics or "").split(",") if t] if actor else [who]
                label = detail or f"{kind}: {ctype}"
                for lane in lanes or [""]:
                    out.append(Mark(lane, kind, as_utc(said_at), claim_id, alert_id, label))
            # another actor denying this actor's claim, on the topic of the claim denied
            mine = CLAIM.alias("mine")
            theirs = CLAIM.alias("theirs")
            dq = (
                select(
                    DISPUTE.c.actor,
                    theirs.c.id,
                    theirs.c.said_at,
                    mine.c.id,
                    mine.c.topics,
                    mine.c.actor,
                    ALERT.c.id,
                )
                .select_from(
                    DISPUTE.join(mine, mine.c.id == DISPUTE.c.disputed_id)
                    .join(theirs, theirs.c.id == DISPUTE.c.claim_id)
                    .outerjoin(
                        ALERT,  # by claim, not by kind: one claim has one alert
                        and_(
                            ALERT.c.claim_id == theirs.c.id,
                            self._unindexed(ALERT.c.kind) == "dispute",
                        ),
                    )
                )
                .where(*self._said_range(f, self._unindexed(theirs.c.said_at)))  # from the disputes
            )
            if actor:
                dq = dq.where(self._unindexed(mine.c.actor) == actor)  # disputes are few
            else:
                padded = literal(",") + cast(mine.c.topics, String) + literal(",")
                dq = dq.where(padded.contains(f",{topic},", autoescape=True))
            for denier, their_id, said_at, _mine_id, topics, owner, alert_id in conn.execute(dq):
                lanes = [t for t in (topics or "").split(",") if t] if actor else [owner]
                name = self.names.get(denier, denier)
                for lane in lanes or [""]:
                    out.append(
                        Mark(
                            lane,
                            "disputed",
                            as_utc(said_at),
                            their_id,
                            alert_id,
                            f"denied by {name}",
                        )
                    )
        return sorted(out, key=lambda m: (m.said_at, m.claim_id))

    def topic_matrix(self, topic: str, f: Filter) -> list[Cell]:
        """Who said what on ``topic``: claims per actor and type, and the latest one's date."""
        where = [KEY.c.topic == topic, *self._said_range(f, KEY.c.said_at)]
        q = (
            select(KEY.c.actor, KEY.c.type, func.count(), func.max(KEY.c.said_at))
            .where(*where)
            .group_by(KEY.c.actor, KEY.c.type)
        )
        with self.engine.connect() as conn:
            return [
                Cell(a, self.names.get(a, a), t, int(n), as_utc(_datetime(latest)))
                for a, t, n, latest in conn.execute(q).all()
            ]

    # --- indexes of actors and topics ---------------------------------------------------------
    def actor_counts(self) -> list[Count]:
        """Claims per watched actor and the latest one's date, busiest first."""
        q = (
            select(CLAIM.c.actor, func.count(), func.max(CLAIM.c.said_at))
            .where(CLAIM.c.actor.is_not(None))
            .group_by(CLAIM.c.actor)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(q).all()
        out = [Count(a, self.names.get(a, a), int(n), as_utc(_datetime(t))) for a, n, t in rows]
        return sorted(out, key=lambda c: (-c.claims, c.ident))

    def actor_counts_of(self, actors: Sequence[str]) -> list[Count]:
        """``actor_counts`` for these actors only (those with claims), in id order."""
        return self._counts_of(CLAIM, CLAIM.c.actor, actors, self.names)

    def topic_counts_of(self, topics: Sequence[str]) -> list[Count]:
        """``topic_counts`` for these topics only (those with claims), in id order."""
        return self._counts_of(KEY, KEY.c.topic, topics, {})

    def _counts_of(
        self, table: Table, column: Any, idents: Sequence[str], names: dict[str, str]
    ) -> list[Count]:
        """Rows of ``table`` per value of ``column`` and the latest ``said_at``, as two
        subqueries: a count of the value's index entries and a seek to its latest day (count
        and max in one pass compare every date: the busiest actor's 63,000, 5.4 -> 1.3 ms)."""
        out = []
        with self.engine.connect() as conn:
            for ident in sorted(set(idents)):
                n = select(func.count()).select_from(table).where(column == ident)
                latest = select(func.max(table.c.said_at)).where(column == ident)
                count, when = conn.execute(
                    select(n.scalar_subquery(), latest.scalar_subquery())
                ).one()
                if count:
                    label = names.get(ident, ident)
                    out.append(Count(ident, label, int(count), as_utc(_datetime(when))))
        return out

    def topic_counts(self) -> list[Count]:
        """Claims by watched actors per topic and the latest one's date, busiest first."""
        q = (
            select(KEY.c.topic, func.count(), func.max(KEY.c.said_at))
            .where(KEY.c.topic != "")
            .group_by(KEY.c.topic)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(q).all()
        out = [Count(t, t, int(n), as_utc(_datetime(w))) for t, n, w in rows]
        return sorted(out, key=lambda c: (-c.claims, c.ident))

    def outlets_seen(self, limit: int = 200) -> list[str]:
        """The feeds stored articles came from (for suggestions in a filter), most used first;
        counted at most every ``OUTLETS_TTL`` seconds (it reads every article)."""
        now = _clock.monotonic()
        if self._outlet_cache is not None and now - self._outlet_cache[0] < OUTLETS_TTL:
            return self._outlet_cache[1][:limit]
        q = (
            select(ARTICLE.c.feed, func.count())
            .group_by(ARTICLE.c.feed)
            .order_by(func.count().desc())
            .limit(1000)
        )
        with self.engine.connect() as conn:
            feeds = [feed for feed, _ in conn.execute(q).all()]
        self._outlet_cache = (now, feeds)
        return feeds[:limit]

    # --- feeds and channels -------------------------------------------------------------------
    def feeds(self) -> list[FeedRowView]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(FEED).order_by(FEED.c.id)).mappings().all()
        return [
            FeedRowView(
                r["name"] or r["url"],
                r["url"],
                as_utc(r["last_poll"]) if r["last_poll"] else None,
                as_utc(r["last_success"]) if r["last_success"] else None,
                int(r["failures"] or 0),
                r["last_error"],
                int(r["items"] or 0),
            )
            for r in rows
        ]

    def outbox_counts(self) -> dict[str, dict[str, int]]:
        """Deliveries per channel and status ("pending", "sent", "failed")."""
        q = select(DELIVERY.c.channel, DELIVERY.c.status, func.count()).group_by(
            DELIVERY.c.channel, DELIVERY.c.status
        )
        out: dict[str, dict[str, int]] = {}
        with self.engine.connect() as conn:
            for channel, status, n in conn.execute(q).all():
                out.setdefault(channel, {})[status] = int(n)
        return out

    def channels(self) -> list[ChannelRowView]:
        """Every channel the outbox or the channel state names: delivered, pending, failed."""
        counts = self.outbox_counts()
        with self.engine.connect() as conn:
            states = {r["name"]: r for r in conn.execute(select(CHANNEL)).mappings().all()}
        out = []
        for name in sorted(set(counts) | set(states)):
            state = states.get(name)
            n = counts.get(name, {})
            out.append(
                ChannelRowView(
                    name,
                    n.get("sent", 0),
                    n.get("pending", 0),
                    n.get("failed", 0),
                    state["last_error"] if state else None,
                    as_utc(state["last_error_at"]) if state and state["last_error_at"] else None,
                    as_utc(state["last_success_at"])
                    if state and state["last_success_at"]
                    else None,
                )
            )
        return out

    def operator_alerts(self, limit: int = 20) -> list[OperatorAlert]:
        """claimwatch's own alerts (a feed or channel failing, a crash), newest first."""
        q = (
            select(ALERT.c.id, ALERT.c.kind, ALERT.c.message, ALERT.c.created_at)
            .where(ALERT.c.claim_id.is_(None))
            .order_by(ALERT.c.id.desc())
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [
                OperatorAlert(i, k, msg, as_utc(when)) for i, k, msg, when in conn.execute(q).all()
            ]


def _optional(name: str) -> Any:
    from sqlalchemy import column

    return column(name, _selectable=CLAIM)


def _datetime(value: Any) -> datetime:
    """``max(said_at)``: SQLite gives the stored text back, PostgreSQL a datetime."""
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def _runs(rows: Sequence[Any]) -> list[StanceRun]:
    """Consecutive stance claims per lane as runs of one stance, oldest first."""
    out: list[StanceRun] = []
    for lane, stance, said_at, claim_id in rows:
        when = as_utc(_datetime(said_at))
        last = out[-1] if out else None
        if last is not None and last.lane == lane and last.stance == stance:
            out[-1] = StanceRun(lane, stance, last.start, when, last.claims + 1, last.first_claim)
        else:
            out.append(StanceRun(lane, stance, when, when, 1, claim_id))
    return out
