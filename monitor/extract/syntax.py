"""Small questions about a parse, shared by the stages: the tokens of a phrase, its character
span, whether a preposition heads a time, whether a clause opens with a marker."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from .structure import QUOTE_CLOSE, QUOTE_OPEN

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

# Relations that end a speaker's phrase ("Trump, who said ...": not the relative clause).
NOT_SPEAKER = ("relcl", "punct", "cc", "advcl", "acl", "parataxis", "conj")
# Words that make a preposition's phrase a time, not what was said ("on Friday", "on 10 March").
# Written by hand.
_TIME_WORDS = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday january february march april may "
    "june july august september october november december day days night morning afternoon "
    "evening weekend week month year today yesterday tomorrow occasion eve anniversary".split()
)


def when(prep: Token) -> bool:
    """Whether ``prep`` heads a time ("on Friday", "on 10 March", "on Tuesday night")."""
    return (
        prep.dep_ == "prep"
        and prep.lower_ in ("on", "in", "at", "during", "over", "since", "until", "by")
        and any(g.dep_ == "pobj" and (g.lower_ in _TIME_WORDS or g.like_num) for g in prep.children)
    )


def marked(clause: Token, word: str) -> bool:
    """Whether ``clause`` opens with the marker ``word`` ("that A", "for Russians to show")."""
    return any(c.dep_ == "mark" and c.lower_ == word for c in clause.children)


def subtree_span(tok: Token, skip: Iterable[str] = ("relcl", "punct", "cc")) -> range:
    """The token range of ``tok`` and its dependents, without relative clauses."""
    lo = hi = tok.i
    skipped = set(skip)
    for child in tok.children:
        if child.dep_ in skipped:
            continue
        lo = min(lo, child.left_edge.i)
        hi = max(hi, child.right_edge.i)
    return range(lo, hi + 1)


def trim(doc: Doc, r: range) -> range:
    """Drop punctuation and conjunctions at the edges of a span (quote marks stay)."""
    lo, hi = r.start, r.stop - 1
    while lo < hi and (
        (doc[lo].is_punct and doc[lo].text not in QUOTE_OPEN) or doc[lo].dep_ in ("cc", "mark")
    ):
        lo += 1
    while hi > lo and (
        (doc[hi].is_punct and doc[hi].text not in QUOTE_CLOSE) or doc[hi].dep_ == "cc"
    ):
        hi -= 1
    return range(lo, hi + 1)


def chars(doc: Doc, r: range) -> tuple[int, int]:
    return doc[r.start].idx, doc[r.stop - 1].idx + len(doc[r.stop - 1])


def largest_run(tokens: list[Token]) -> list[int]:
    """The longest run of consecutive token indices."""
    best: list[int] = []
    run: list[int] = []
    for i in sorted(t.i for t in tokens):
        if run and i != run[-1] + 1:
            best, run = max(best, run, key=len), []
        run.append(i)
    return max(best, run, key=len)
