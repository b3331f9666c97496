"""A claim's stance toward each topic whose watchlist entry defines stances.

The watchlist names the stances and the phrases that express them (``supportive: [want,
welcome]``, ``cautious: [cautious, rule out]``); the stance is the one whose phrases occur most
in the claim's sentence. A sentence that expresses none has no stance, so stance changes are
only ever raised between two claims that each took a side.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache

from .config import Topic, Watchlist, phrase_pattern
from .model import Claim


def _compiled(topic: Topic) -> tuple[tuple[str, re.Pattern[str]], ...]:
    return _compile(tuple((name, tuple(phrases)) for name, phrases in topic.stances.items()))


@lru_cache(maxsize=256)
def _compile(
    stances: tuple[tuple[str, tuple[str, ...]], ...],
) -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple(
        (name, re.compile("|".join(phrase_pattern(p) for p in phrases), re.I))
        for name, phrases in stances
        if phrases
    )


def stance_on(text: str, topic: Topic) -> str | None:
    """The stance ``text`` takes on ``topic``, or None when it takes none (or a tie)."""
    counts = sorted(((len(rx.findall(text)), name) for name, rx in _compiled(topic)), reverse=True)
    if not counts or counts[0][0] == 0 or (len(counts) > 1 and counts[1][0] == counts[0][0]):
        return None
    return counts[0][1]


def with_stances(claim: Claim, watchlist: Watchlist) -> Claim:
    """The claim with a stance on each of its topics that defines stances."""
    stances = []
    for ident in claim.topics:
        topic = watchlist.topics.get(ident)
        if topic is not None and topic.stances:
            found = stance_on(claim.sentence.text, topic)
            if found:
                stances.append((ident, found))
    return replace(claim, stances=tuple(stances)) if stances else claim
