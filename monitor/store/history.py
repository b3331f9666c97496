"""Claims in, history out: writing an article with its claims and alerts, and the lookups the
diff makes of what each actor said before (``Batch``, inside one transaction)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, select

from ..model import Article, Claim, Span
from .tables import AlertRow, ArticleRow, ClaimKey, ClaimRow, DeliveryRow, DisputeRow, OutletRow

_NO_SPAN = Span(0, 0, "")


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
    possible: bool = False  # under every matching rule's min_confidence: digest, "possible"


def _claim_identity(actor: str | None, ctype: str, content: str, sentence: str) -> tuple[str, ...]:
    """What makes two claims of one article the same claim, whatever the spacing or case."""
    words = " ".join(re.findall(r"\w+", (content or sentence).lower()))
    return (actor or "", ctype, words)


def _offsets(claim: Claim) -> dict[str, int | None]:
    """Where speaker, cue and content lie in the claim's sentence (``ClaimRow.speaker_start``
    and the rest): offsets into the sentence text; None for a part absent or outside it."""
    out: dict[str, int | None] = {}
    base, length = claim.sentence.start, len(claim.sentence.text)
    for name, span in (("speaker", claim.speaker), ("cue", claim.cue), ("content", claim.content)):
        inside = span is not None and 0 <= span.start - base <= span.end - base <= length
        out[f"{name}_start"] = span.start - base if span is not None and inside else None
        out[f"{name}_end"] = span.end - base if span is not None and inside else None
    return out


def stored_claim(c: ClaimRow, a: ArticleRow, stance: str = "") -> StoredClaim:
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

    def __init__(self, session: Session, dry_run: bool = False) -> None:
        self.session = session
        self.dry_run = dry_run  # rolled back at the end: ``claimwatch try``
        self.channels: set[str] = set()  # channels that got outbox rows in this transaction

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
                # a transcript's or round-up's claim is spoken by the one its label names
                speaker=(claim.speaker or claim.label or _NO_SPAN).text,
                cue=claim.cue.text if claim.cue else "",
                content=claim.content.text if claim.content else "",
                sentence=claim.sentence.text,
                resolution=claim.resolution,
                start=claim.extent[0],
                end=claim.extent[1],
                said_at=said_at,
                confidence=claim.confidence,
                confidence_why=claim.confidence_why,
                heart=claim.heart,
                heart_object=claim.heart_object,
                heart_verb=claim.heart_verb,
                **_offsets(claim),
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
        return [stored_claim(c, a, stance) for c, a, stance in self.session.exec(q).all()]

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
                possible=a.possible,
            )
            self.session.add(row)
            self.session.flush()
            assert row.id is not None
            for channel in a.channels:
                self.session.add(DeliveryRow(alert_id=row.id, channel=channel))
                self.channels.add(channel)
            ids.append(row.id)
        return ids
