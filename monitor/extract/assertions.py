"""What a speaker asserts where the layout, not a cue, names them: the points of a transcript
turn, an interview answer or a round-up quote, a sentence or a few each.

A user wants an alert for a point that denies, threatens, demands, offers, predicts, accuses
or confirms, or that speaks of a watched topic; ``ArticleRun.claims`` keeps those (small talk
and statements on nothing watched are no claims). A point is the sentences that say one thing:
plain ones ("Right?", "He shouldn't have allowed that.") carry on the point before them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable
from typing import Any

Offsets = tuple[int, int]

_MAX_SENTENCES = 4  # a point runs over at most this many sentences
# "No comment" in a briefing's words: a sentence that declines to say is no claim and carries
# no point on ("I'm not going to get into that", "I'd refer you to the Pentagon"). Written by
# hand from White House and State Department briefings.
_DEFLECTION = re.compile(
    r"\b(?:i|we)(?:['’]m| am|['’]re| are| will| would|['’]ll|['’]d)? (?:not|never|n['’]t)"
    r"(?: going to| gonna| be able to| in a position to| at liberty to)? (?:get into|go into"
    r"|go beyond|speak (?:to|for|about)|talk about|comment|get ahead|discuss|characteri[sz]e"
    r"|detail|preview|read out|confirm or deny|weigh in|speculate)"
    r"|\b(?:i|we) (?:do not|don['’]t) have (?:any|anything)(?: more| further| additional| new)?"
    r" (?:comment|detail|details|update|information|announcement|readout|to add|to share|for you)"
    r"|\b(?:i|we)(?:['’]d| would)? (?:refer|point|direct) you to"
    r"|\b(?:i|we)['’]ll (?:let|leave it to) .{1,60}\b(?:speak|talk|comment|describe|address)"
    r"|\byou(?:['’]d| would|['’]ll| will)? (?:have|need|want) to (?:ask|talk to|check with|go to)"
    r"|\b(?:that|this) is (?:a question )?(?:better )?(?:put|directed|posed) to"
    r"|\bi['’]m not (?:at liberty|qualified|in a position)",
    re.I,
)
_WORD = re.compile(r"\w+")


def points(
    sents: list[Any],
    regions: list[Offsets],
    covered: list[Offsets],
    describe: Callable[[Offsets], Hashable | None],
) -> list[Offsets]:
    """The points made in ``regions`` of a paragraph (paragraph offsets): its sentences
    (``sents``, spaCy spans) clipped to the regions, leaving out those that overlap
    ``covered`` (claims a cue found there, reported speech included), those that only
    decline to say ("I'm not going to get into that") and those cut off ("lead to a —"),
    grouped by what they say. ``describe(span)`` gives a sentence's kind (its type and
    topics), or None for a plain one (a statement on nothing watched, a question, "Right?"):
    a plain sentence carries on
    the point before it, a sentence of the same kind carries it on, another kind starts a new
    point; a point ends with its region, or after ``_MAX_SENTENCES``."""
    out: list[tuple[Offsets, Hashable | None, int]] = []  # span, kind, sentences
    for sent in sents:
        for lo, hi in regions:
            s, e = max(sent.start_char, lo), min(sent.end_char, hi)
            text = sent.doc.user_data["text"][s:e]
            s += len(text) - len(text.lstrip())
            e -= len(text) - len(text.rstrip())
            if e - s < 2 or not _WORD.search(text) or any(a < e and s < b for a, b in covered):
                continue
            if _DEFLECTION.search(text):
                continue  # declining to say is no claim
            if text.strip().rstrip("”\"’' .").endswith(("—", "–", "--")):
                continue  # "That's going to really lead to a —": cut off, it says nothing
            kind = describe((s, e))
            if out:
                (start, end), current, size = out[-1]
                joined = end >= s - 3 and size < _MAX_SENTENCES
                if joined and (kind is None or current is None or _carries(kind, current)):
                    out[-1] = ((start, e), current if kind is None else kind, size + 1)
                    continue
            out.append(((s, e), kind, 1))
    return [span for span, _, _ in out]


def _carries(kind: Hashable, current: Hashable) -> bool:
    """Whether a sentence of ``kind`` goes on with a point of ``current`` kind: the same, or
    the same type with no topic of its own ("Europe has to pay for the weapons. They have to
    step up.")."""
    if kind == current:
        return True
    if isinstance(kind, tuple) and isinstance(current, tuple) and len(kind) == len(current) == 2:
        return bool(kind[0] == current[0] and not kind[1])
    return False
