"""Quotes across sentences and paragraphs: which claim an uncued quote continues, which cues
are the quoted speaker's own words rather than new claims, and the quote left open at the end
of a paragraph that the next one carries on.

Offsets: ``quotes`` are paragraph offsets; draft spans are article offsets (``offset`` is the
paragraph's start in the article).
"""

from __future__ import annotations

from .draft import Discourse, Draft
from .lexicon import GROUP_PRONOUNS, PERSON_PRONOUNS
from .structure import QUOTE_CLOSE, QUOTE_OPEN

Offsets = tuple[int, int]


def carry_open_quote(
    para: str, quotes: list[Offsets], discourse: Discourse
) -> tuple[Draft | None, list[Offsets]]:
    """The claim the last paragraph left open (taken off ``discourse``), and this paragraph's
    quotes: a quote left unclosed runs on into this paragraph up to its closing mark, unless
    this paragraph opens a quote of its own."""
    carried, unclosed = discourse.open_quote, discourse.unclosed
    discourse.open_quote = None
    discourse.unclosed = False
    if carried is not None and unclosed and para.lstrip()[:1] not in QUOTE_OPEN:
        close = min((para.find(c) for c in "”»" if c in para), default=-1)
        quotes = [(0, close + 1 if close >= 0 else len(para))] + [
            q for q in quotes if q[0] > close >= 0
        ]
    return carried, quotes


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
    """The claim whose quote reaches the end of the paragraph may go on in the next one: note
    it on ``discourse``, and whether its quote mark was left unclosed."""
    last = drafts[-1] if drafts else carried if quotes and quotes[0][0] <= 2 else None
    if last is None or not (last.quote or last.continued):
        return
    ends = max([last.content[1] if last.content else 0, *(b for _, b in last.continued)])
    if ends - offset >= len(para.rstrip()) - 2:
        discourse.open_quote = last
        discourse.unclosed = (
            para.rstrip()[-1:] not in QUOTE_CLOSE
            and bool(quotes)
            and (para.count("“") > para.count("”"))
        )


def same_speaker(outer: Draft, inner: Draft) -> bool:
    """Whether a nested cue's speaker is the outer claim's: none of its own, or a pronoun. (A
    nested cue naming the outer speaker again, "Putin ... claiming ... and daring ...", is a
    claim of its own.)"""
    a, b = outer.speaker_tok, inner.speaker_tok
    return b is None or (
        a is not None and b.pos_ == "PRON" and b.lower_ in PERSON_PRONOUNS | GROUP_PRONOUNS
    )


def inside(cue: Offsets | None, spans: list[Offsets], offset: int) -> bool:
    """Whether a cue (article offsets) lies inside one of a paragraph's spans."""
    return cue is not None and any(a < cue[0] - offset < b for a, b in spans)
