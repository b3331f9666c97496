"""Why there is no claim: the notes ``claimwatch extract --explain`` prints for a sentence that
names a watched party yet holds no claim of its own, and for a cue that says nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..model import Span
from .actors import ActorIndex
from .draft import Draft


@dataclass(frozen=True)
class Note:
    """Why a sentence naming a watched party yielded no claim, for ``--explain``."""

    sentence: Span
    text: str


def unclaimed(
    index: ActorIndex, offset: int, sent: Any, named: list[tuple[int, int, str]], reasons: list[str]
) -> Note:
    """Why ``sent`` (at ``offset`` in the article), which names the ``named`` watched parties,
    holds no claim of its own: the reasons each word that looked like a cue was not one, else
    the reporter's own voice."""
    said = sent.doc.user_data["text"][sent.start_char : sent.end_char]
    who = ", ".join(sorted({index.actor(i).name for _, _, i in named}))
    why = "; ".join(reasons) or "no reporting verb (the reporter's own voice)"
    span = Span(offset + sent.start_char, offset + sent.end_char, said)
    return Note(span, f"names {who} but holds no claim: {why}")


def says_nothing(index: ActorIndex, d: Draft, text: str) -> Note | None:
    """ "Kyiv pleaded", "critics weighed in": a cue by a watched actor with nothing said to
    compare or alert on (None when no watched actor spoke)."""
    if not (d.actor and d.cue):
        return None
    lo, hi = d.sentence
    cue = text[d.cue[0] : d.cue[1]]
    why = f"{cue!r} by {index.actor(d.actor).name} says nothing: no claim"
    return Note(Span(lo, hi, text[lo:hi]), why)
