"""The outbox: one delivery row per (alert, channel), what each channel has delivered and
failed, and the alerts as a channel shows them (``Outbox``, mixed into ``Store``)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, col, select

from ..model import Alert
from .history import StoredClaim, stored_claim
from .tables import (
    AlertRow,
    ArticleRow,
    ChannelState,
    ClaimRow,
    DeliveryRow,
    OutletRow,
    as_utc,
    utcnow,
)


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


class Outbox:
    """Reading and updating the outbox; ``Store`` provides the engine."""

    engine: Engine
    on_queued: Callable[[Connection, Sequence[str]], None] | None

    def pending(
        self, channel: str, names: dict[str, str], now: datetime, *, deferred: bool
    ) -> list[Pending]:
        """A channel's pending deliveries, oldest alert first: those due to be sent at once,
        or (``deferred``) those waiting for its digest.

        The immediate queue is a queue: it stops at the first delivery not due yet (a retry
        waiting out its backoff), so no later alert overtakes it and the channel's alerts
        arrive in the order they were raised."""
        with Session(self.engine) as s:
            if not deferred:
                head = (
                    select(DeliveryRow.id, DeliveryRow.next_attempt)
                    .where(
                        DeliveryRow.channel == channel,
                        DeliveryRow.status == "pending",
                        DeliveryRow.deferred == "",
                    )
                    .order_by(col(DeliveryRow.alert_id))
                )
                due = []
                for delivery_id, next_attempt in s.exec(head).all():
                    if as_utc(next_attempt) > now:
                        break
                    due.append(delivery_id)
                if not due:
                    return []
            q = _pending_query(channel)
            if deferred:
                q = q.where(DeliveryRow.deferred != "")
            else:
                q = q.where(col(DeliveryRow.id).in_(due))
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

    def unrouted(self) -> int:
        """Alerts about claims with no delivery row: queued for no channel at all."""
        q = (
            select(func.count())
            .select_from(AlertRow)
            .outerjoin(DeliveryRow, col(DeliveryRow.alert_id) == col(AlertRow.id))
            .where(col(AlertRow.claim_id).is_not(None), col(DeliveryRow.id).is_(None))
        )
        with Session(self.engine) as s:
            return int(s.exec(q).one())

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
            if rows and self.on_queued is not None:
                s.flush()
                self.on_queued(s.connection(), sorted({row.channel for row in rows}))
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
            if self.on_queued is not None:
                s.flush()
                self.on_queued(s.connection(), channels)
            s.commit()
            return row.id

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
        earlier = {c.id: stored_claim(c, a) for c, a in s.exec(q).all() if c.id is not None}
    claim_ids = [c.id for _, c, _ in rows if c is not None]
    outlets: dict[int, list[str]] = {}
    if claim_ids:
        for o in s.exec(select(OutletRow).where(col(OutletRow.claim_id).in_(claim_ids))).all():
            outlets.setdefault(o.claim_id, []).append(o.outlet)
    views = []
    for al, c, a in rows:
        if c is None or a is None:  # claimwatch's own alert to its operators
            views.append(_operator_view(al))
            continue
        assert c.id is not None
        prev = [earlier[i] for i in json.loads(al.previous) if i in earlier]
        views.append(_claim_view(al, c, a, names, prev, outlets.get(c.id, [])))
    return views


def _operator_view(al: AlertRow) -> Alert:
    """claimwatch's own alert (a failing feed or channel) as a channel shows it."""
    assert al.id is not None
    return Alert(
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


def _claim_view(
    al: AlertRow,
    c: ClaimRow,
    a: ArticleRow,
    names: dict[str, str],
    prev: list[StoredClaim],
    outlets: list[str],
) -> Alert:
    """An alert about a claim as a channel shows it, with the earlier claims it differs from
    and the other outlets that carried it."""
    assert al.id is not None
    return Alert(
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
        possible=al.possible,
        confidence=c.confidence,
        confidence_why=c.confidence_why or "",
        heart=c.heart or "",
        claim_topics=tuple(t for t in c.topics.split(",") if t),
        heart_object=bool(c.heart_object),
        heart_verb=bool(c.heart_verb),
        outlets=[a.feed, *outlets],
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


def _pending_query(channel: str) -> Any:
    return (
        select(DeliveryRow, AlertRow, ClaimRow, ArticleRow)
        .join(AlertRow, col(AlertRow.id) == col(DeliveryRow.alert_id))
        .outerjoin(ClaimRow, col(ClaimRow.id) == col(AlertRow.claim_id))
        .outerjoin(ArticleRow, col(ArticleRow.id) == col(ClaimRow.article_id))
        .where(DeliveryRow.channel == channel, DeliveryRow.status == "pending")
        .order_by(col(DeliveryRow.alert_id))
    )
