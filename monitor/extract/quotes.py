"""Quotes across sentences and paragraphs: which claim an uncued quote continues, which cues
are the quoted speaker's own words rather than new claims, and the quote left open at the end
of a paragraph that the next one carries on.

Offsets: ``quotes`` are paragraph offsets; draft spans are article offsets (``offset`` is the
paragraph's start in the article).
"""

from __future__ import annotations

from .draft import Discourse, Draft
from .lexicon import GROUP_PRONOUNS, PERSON_PRONOUNS, VERB_TYPES
from .structure import QUOTE_CLOSE

Offsets = tuple[int, int]


def carry_open_quote(discourse: Discourse) -> Draft | None:
    """The claim the last paragraph left open (taken off ``discourse``): a paragraph that opens
    with a quote mark carries it on. A quote mark never closed ends at its paragraph: a next
    paragraph with no quote mark of its own is the reporter again."""
    carried = discourse.open_quote
    discourse.open_quote = None
    return carried


def own_words(found: list[tuple[int, Draft]], attributions: bool) -> list[tuple[int, Draft]]:
    """``found`` (sentence index, draft) without the cues that belong to another claim: a cue
    inside another claim's quote is the quoted speaker's own words; and (not in PolNeAR's
    ``attributions`` scheme) a cue inside another claim's content with the same speaker is
    part of that claim ("accused X of pressing ...", "said he had not discussed ...")."""
    kept = [
        (s, d)
        for s, d in found
        if not any(
            o is not d and o.quote and o.content and inside(d.cue, [o.content], 0) for _, o in found
        )
    ]
    if attributions:
        return kept
    return [
        (s, d)
        for s, d in kept
        if not any(
            o is not d
            and o.content
            and same_speaker(o, d)
            and o.content[0] <= (d.cue or (0, 0))[0] < o.content[1]
            for _, o in kept
        )
    ]


def continue_quotes(
    para: str, offset: int, quotes: list[Offsets], drafts: list[Draft], carried: Draft | None
) -> list[Draft]:
    """A quote that opens a sentence with no cue of its own continues the claim before it (in
    this paragraph, else the one carried over); the cues inside it are the quote's words.
    Returns the drafts left."""
    for q in quotes:
        owned = any(
            d.content
            and not inside(d.cue, [q], offset)
            and d.content[0] - offset < q[1]
            and q[0] < d.content[1] - offset
            for d in drafts
        )
        if owned or para[: q[0]].rstrip()[-1:] not in ("", ".", "!", "?", *QUOTE_CLOSE):
            continue
        earlier = [d for d in drafts if d.sentence[1] - offset <= q[0] + 1]
        owner = earlier[-1] if earlier else carried if q[0] <= 2 else None
        if owner is None:
            continue
        owner.continued.append((offset + q[0], offset + q[1]))
        drafts = [d for d in drafts if not inside(d.cue, [q], offset)]
    return drafts


def leave_open(
    para: str,
    offset: int,
    quotes: list[Offsets],
    drafts: list[Draft],
    carried: Draft | None,
    discourse: Discourse,
) -> None:
    """The claim whose quote reaches the end of the paragraph may go on in the next one, if
    that one opens with a quote mark: note it on ``discourse``."""
    last = drafts[-1] if drafts else carried if quotes and quotes[0][0] <= 2 else None
    if last is None or not (last.quote or last.continued):
        return
    ends = max([last.content[1] if last.content else 0, *(b for _, b in last.continued)])
    if ends - offset >= len(para.rstrip()) - 2:
        discourse.open_quote = last


def same_speaker(outer: Draft, inner: Draft) -> bool:
    """Whether a nested cue's speaker is the outer claim's: none of its own, a pronoun, or the
    very subject of the outer cue when the nested verb is no typed speech act ("accused Russia
    of mocking the truce": the mocking is what was accused). A typed act of the same speaker
    is a claim of its own ("Putin ... claiming ... and daring the west")."""
    a, b = outer.speaker_tok, inner.speaker_tok
    return (
        b is None
        or (a is not None and b.pos_ == "PRON" and b.lower_ in PERSON_PRONOUNS | GROUP_PRONOUNS)
        or (a is not None and a.i == b.i and inner.cue_lemma not in VERB_TYPES)
    )


def inside(cue: Offsets | None, spans: list[Offsets], offset: int) -> bool:
    """Whether a cue (article offsets) lies inside one of a paragraph's spans."""
    return cue is not None and any(a < cue[0] - offset < b for a, b in spans)
