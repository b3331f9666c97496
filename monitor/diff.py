"""What each stored claim changes, compared with what the store already holds.

Kinds of change:
- ``new``: the first claim of this type by this actor on this topic (ever, or within the
  watchlist's ``diff.new_window_days``);
- ``repeat``: the actor restating a stored claim (same type and topic, mostly the same words),
  for instance another outlet's copy of a wire story: stored and linked, never alerted; a
  copy from another outlet adds that outlet as a source of the original;
- ``stance-change``: the actor's stance on a topic differs from the last one it took;
- ``dispute``: a denial of what another actor asserted or accused on the topic recently;
- ``silence-broken``: the actor speaks on a topic after a silence (reported with its length;
  rules with ``silence_days`` decide which silences matter).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from .config import DiffSettings
from .model import Article
from .store import Recorded, StoredClaim, as_utc

ASSERTIVE = ("accusation", "statement", "confirmation", "prediction", "threat")
_RECENT = 20  # earlier claims of one key compared for repeats


NamesSide = Callable[[str, str], bool]


class History(Protocol):
    """What the diff reads from the store; ``store.Batch`` implements it inside a transaction."""

    def same(
        self,
        actor: str,
        topic: str,
        ctype: str,
        *,
        before: int,
        since: datetime | None,
        limit: int,
    ) -> list[StoredClaim]: ...

    def latest_stance(self, actor: str, topic: str, *, before: int) -> StoredClaim | None: ...

    def last_spoke(self, actor: str, topic: str, *, before: int) -> StoredClaim | None: ...

    def asserted_by_others(
        self, topic: str, types: tuple[str, ...], *, actor: str, since: datetime, limit: int = 20
    ) -> list[StoredClaim]: ...

    def disputed_by(self, actor: str, claim_id: int) -> bool: ...


@dataclass(frozen=True)
class Change:
    """One thing a claim changed; ``topics`` are the topics on which it changed it."""

    recorded: Recorded
    kind: str
    topics: tuple[str, ...]
    previous: tuple[StoredClaim, ...] = ()
    detail: str = ""
    silent_days: int = 0


@dataclass(frozen=True)
class Repeat:
    claim_id: int
    original: StoredClaim
    article: Article


@dataclass
class Analysis:
    changes: list[Change] = field(default_factory=list)
    repeats: list[Repeat] = field(default_factory=list)
    disputes: list[tuple[int, str, int]] = field(default_factory=list)  # (claim, actor, disputed)


def words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", text.lower()))


def similarity(a: str, b: str) -> float:
    """Word overlap (Jaccard) of two claims' text: high for a restatement or a wire copy."""
    wa, wb = words(a), words(b)
    if not wa or not wb:
        return 0.0
    return len(wa & wb) / len(wa | wb)


def _text(claim_content: str, sentence: str) -> str:
    return claim_content or sentence


def analyse(
    recorded: list[Recorded],
    history: History,
    settings: DiffSettings,
    min_silence_days: int | None = None,
    names_side: NamesSide | None = None,
) -> Analysis:
    """Classify each just-stored claim; claims with no watched actor change nothing.
    ``names_side(text, actor)`` tells a denial which earlier claims were made against its
    speaker's side (``Extractor.names_side``)."""
    out = Analysis()
    disputed: set[tuple[str, int]] = set()  # (actor, claim) disputed earlier in this article
    for rec in recorded:
        claim = rec.claim
        actor = claim.actor
        if actor is None:
            continue
        text = _text(claim.content.text if claim.content else "", claim.sentence.text)
        topics = claim.topics or ("",)
        original = _repeat_of(rec, actor, topics, text, history, settings)
        if original is not None:
            out.repeats.append(Repeat(rec.id, original, rec.article))
            continue
        since = (
            rec.said_at - timedelta(days=settings.new_window_days)
            if settings.new_window_days
            else None
        )
        fresh = tuple(
            t
            for t in topics
            if not history.same(actor, t, claim.type, before=rec.id, since=since, limit=1)
        )
        if fresh:
            out.changes.append(Change(rec, "new", tuple(t for t in fresh if t)))
        for topic, stance in claim.stances:
            before = history.latest_stance(actor, topic, before=rec.id)
            if before is not None and before.stance != stance:
                detail = f"{before.stance} → {stance} on {topic}"
                out.changes.append(Change(rec, "stance-change", (topic,), (before,), detail))
        if claim.type == "denial" and actor not in {a for a, _ in disputed}:
            # one dispute per actor per article: a denial repeated in the same article
            # (a quote, then its paraphrase) answers the same claim, not a second one
            found = _disputed(rec, actor, topics, history, settings, disputed, names_side)
            if found is not None:
                topic, target = found
                disputed.add((actor, target.repeat_of or target.id))
                out.disputes.append((rec.id, actor, target.repeat_of or target.id))
                detail = f"disputes an earlier {target.type}"
                out.changes.append(
                    Change(rec, "dispute", (topic,) if topic else (), (target,), detail)
                )
        if min_silence_days:
            for topic in claim.topics:
                last = history.last_spoke(actor, topic, before=rec.id)
                if last is None:
                    continue
                gap = (as_utc(rec.said_at) - as_utc(last.said_at)).days
                if gap >= min_silence_days:
                    out.changes.append(
                        Change(
                            rec,
                            "silence-broken",
                            (topic,),
                            (last,),
                            f"first on {topic} in {gap} days",
                            silent_days=gap,
                        )
                    )
    return out


def _repeat_of(
    rec: Recorded,
    actor: str,
    topics: tuple[str, ...],
    text: str,
    history: History,
    settings: DiffSettings,
) -> StoredClaim | None:
    """The stored claim this one restates, if any (its own original, if that was a repeat)."""
    since = rec.said_at - timedelta(days=settings.repeat_window_days)
    best: tuple[float, StoredClaim] | None = None
    for topic in topics:
        for earlier in history.same(
            actor, topic, rec.claim.type, before=rec.id, since=since, limit=_RECENT
        ):
            score = similarity(text, _text(earlier.content, earlier.sentence))
            if score >= settings.repeat_similarity and (best is None or score > best[0]):
                best = (score, earlier)
    if best is None:
        return None
    return best[1]


# Words that say nothing of what a claim is about: function words, reporting words, the
# parties of a conflict and their offices (they name who, not what). Written by hand.
_PLAIN = frozenset(
    """about after again against also been before being between both could does during each
    even from further have having here into itself just like made make many more most much must
    only other over said says saying same should since some such than that their them then there
    these they this those through under very want were what when where which while will with
    would your year years week weeks today yesterday told tells claim claims claimed denied
    denies deny denial accused accuses accusation accusations statement statements report
    reports reported according officials official president minister ministry government
    spokesman spokeswoman spokesperson forces military country countries people ukraine
    ukrainian ukrainians russia russian russians kyiv kiev moscow kremlin united states
    american western west europe european""".split()
)
_POINTS_BACK = re.compile(
    r"\b(the|these|those|such|its|their|his|her|that|this) (claims?|accusations?|allegations?"
    r"|charges?|reports?|account|version|assertions?|story|stories)\b",
    re.I,
)
_QUOTED = re.compile(r"[“\"‘']([^”\"’']{8,})[”\"’']")
# "disputes Russia's account of Sunday's attack", "rejected Russian claims": the denial names
# whose account it answers
_ACCOUNT_OF = re.compile(
    r"\b([A-Z][\w.-]*(?:\s+[A-Z][\w.-]*){0,3})(?:['’]s)?\s+(?:own\s+)?(?:account|accounts"
    r"|claims?|version|allegations?|accusations?|assertions?|story)\b"
)


def salient(text: str) -> set[str]:
    """The words that say what a claim is about: the event, the place, the object (words of
    four letters or more, less ``_PLAIN``, with possessive, plural and tense endings
    dropped)."""
    out = set()
    for w in re.findall(r"[a-z][a-z0-9’'-]{3,}", text.lower()):
        if w in _PLAIN:
            continue
        w = re.sub(r"['’]s$", "", w)
        # "attacked", "drones", "strikes", "boxes": "attack", "drone", "strike", "box"
        stem = re.sub(r"(?<=[sxz])es$|(?<=[cs]h)es$|(?<!s)s$|ing$|ed$", "", w)
        w = stem if len(stem) >= 4 else w
        if w not in _PLAIN:
            out.add(w)
    return out


def _quotes_from(denial: str, told: str) -> bool:
    """Whether the denial quotes words the other claim said ("the 'attack on residential
    houses'")."""
    return any(q.lower() in told.lower() for q in _QUOTED.findall(denial))


def _disputed(
    rec: Recorded,
    actor: str,
    topics: tuple[str, ...],
    history: History,
    settings: DiffSettings,
    already: set[tuple[str, int]],
    names_side: NamesSide | None = None,
) -> tuple[str, StoredClaim] | None:
    """The recent assertion by another side that this denial negates (``answers``: the event
    or object named in both, the words the denial quotes, or in its own article the claim
    made against the denier's side), else None: a plain denial, with no link. Ranked: one in
    the same article first, one made against the denier's side before one that is not,
    accusations before other assertions, the newest first; above all, one by a party the
    denial's sentence names."""
    since = rec.said_at - timedelta(days=settings.dispute_window_days)
    text = _text(rec.claim.content.text if rec.claim.content else "", rec.claim.sentence.text)

    said_against: dict[int, bool] = {}  # asked by both the filter and the ranking

    def against(t: StoredClaim) -> bool:
        """Whether what ``t`` says (its sentence less its speaker) names the denier's side."""
        if t.id not in said_against:
            told = t.sentence.replace(t.speaker, "") if t.speaker else t.sentence
            said_against[t.id] = names_side is not None and names_side(told, actor)
        return said_against[t.id]

    def answers(t: StoredClaim) -> bool:
        """A claim the denial negates: one whose event or object the denial names too, or
        whose words it quotes; in the same article, a denial that only points back ("Kyiv
        denied the accusations") answers the claim made against the denier's side."""
        same_article = t.article_key == rec.article.key
        told = t.sentence.replace(t.speaker, "") if t.speaker else t.sentence
        shared = salient(text) & salient(f"{t.content} {told}")
        if len(shared) >= (1 if same_article else 2) or _quotes_from(text, told):
            return True
        return same_article and bool(_POINTS_BACK.search(text)) and against(t)

    denial_sentence = rec.claim.sentence.text

    def named(t: StoredClaim) -> bool:
        """Whether the denial's own sentence names the party that made ``t`` ("rebutting
        Russia's claim", "dismissed Moscow's account"): the account it answers, where several
        parties told one event their own way."""
        return (
            names_side is not None and t.actor is not None and names_side(denial_sentence, t.actor)
        )

    def rank(t: StoredClaim) -> tuple[int, bool]:
        same = t.article_key == rec.article.key
        return -(4 * named(t) + 2 * same + against(t)), t.type != "accusation"

    # the parties whose account the denial names ("disputes Russia's account"): then it
    # answers one of theirs or, when none of theirs is known, no claim at all
    owners = [m.group(1) for m in _ACCOUNT_OF.finditer(denial_sentence)]

    def owned(t: StoredClaim) -> bool:
        if not owners or names_side is None or t.actor is None:
            return True
        return any(names_side(owner, t.actor) for owner in owners)

    for topic in topics:
        if not topic:
            continue
        candidates = [
            t
            for t in history.asserted_by_others(topic, ASSERTIVE, actor=actor, since=since)
            if answers(t)
            and (actor, t.repeat_of or t.id) not in already
            and not history.disputed_by(actor, t.repeat_of or t.id)
            and not (names_side is not None and names_side(t.speaker, actor))  # its own side
            and owned(t)
        ]
        candidates.sort(key=rank)  # stable: the newest first within a rank
        if candidates:
            return topic, candidates[0]
    return None
