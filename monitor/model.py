"""The plain data that flows between the pipeline stages.

Stages exchange these immutable records, never sessions or URLs they do not need, so each stage
can be tested on data alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Span:
    """A character span of the article text; ``end`` is exclusive."""

    start: int
    end: int
    text: str

    def as_json(self) -> dict[str, int | str]:
        return {"start": self.start, "end": self.end, "text": self.text}


@dataclass(frozen=True)
class Article:
    """One feed entry, reduced to what extraction and alerts need."""

    key: str  # stable identity: guid, else link, else content hash
    feed: str
    link: str
    title: str
    text: str
    published: datetime | None = None


@dataclass(frozen=True)
class Claim:
    """Something an actor is reported to have said, with the evidence for it in the text."""

    type: str
    speaker: Span | None
    cue: Span | None
    content: Span | None
    sentence: Span
    actor: str | None = None
    topics: tuple[str, ...] = ()
    resolution: str = ""  # how the speaker was resolved, for --explain and alerts
    stances: tuple[tuple[str, str], ...] = ()  # (topic, stance) where the watchlist defines one
    key: Span | None = None  # the sentence of the content that decided the type, if not the cue
    cue_reason: str = ""  # why the cue was taken for one, for --explain
    # the transcript label, interview lead or round-up header that names the speaker, where the
    # sentence itself names none ("THE PRESIDENT:" above an answer): not part of ``extent``
    label: Span | None = None
    # how likely the actor, type and topics are all right (0..1, calibrated on the gold sets:
    # see ``monitor/extract/confidence.py``), and why
    confidence: float = 1.0
    confidence_why: str = ""
    # what an alert's headline gives after "<speaker> <verb>": the heart of what was said, and
    # whether it follows the verb itself ("demands the presence of ...") or a colon; with
    # ``heart_verb`` it opens on the speaker's own verb ("criticised Amnesty over the report")
    # and follows the speaker alone
    heart: str = ""
    heart_object: bool = False
    heart_verb: bool = False
    # how each part was decided, as codes ("speaker:pronoun-1", "type:cue", "topic:paragraph")
    basis: tuple[str, ...] = ()

    @property
    def extent(self) -> tuple[int, int]:
        """The character range from the first of speaker, cue and content to the last."""
        parts = [p for p in (self.speaker, self.cue, self.content) if p is not None] or [
            self.sentence
        ]
        return min(p.start for p in parts), max(p.end for p in parts)


@dataclass(frozen=True)
class Alert:
    """A stored claim that a rule made worth telling a user about."""

    id: int
    kind: str
    severity: str
    actor: str
    actor_name: str
    type: str
    topics: tuple[str, ...]
    sentence: str
    speaker: str
    resolution: str
    content: str
    link: str
    title: str
    feed: str
    published: datetime | None
    rule: str
    detail: str = ""
    outlets: list[str] = field(default_factory=list)
    previous: list[dict[str, str]] = field(default_factory=list)
    operator: bool = False  # claimwatch's own alert (a failing feed or channel), not a claim
    digest: bool = False  # its rule sends it in the channels' digests
    possible: bool = False  # its claim is less sure than the rule asks: in the digest, marked
    confidence: float | None = None  # how likely its actor, type and topics are right
    confidence_why: str = ""
    heart: str = ""  # the claim's heart for the headline (``Claim.heart``); "" before 0003
    claim_topics: tuple[str, ...] = ()  # all the claim's topics (``topics``: those it is new on)
    heart_object: bool = False
    heart_verb: bool = False  # the heart opens on the speaker's own verb (``Claim.heart_verb``)


# C0 controls but tab and newline, DEL, C1 controls (ESC [ starts a terminal sequence), and the
# bidirectional controls that reorder what is shown (U+202E makes "gpj.exe" read "exe.jpg")
_UNSHOWN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` without control and bidirectional formatting characters: every value shown,
    in a message, on a terminal or in ``claims``, passes here."""
    return _UNSHOWN.sub("", text)
