"""What was said: the content of a verb cue, as a character span of its paragraph.

The content is the cue's clause or object ("said that ...", "described it as ...", "accused X
of ..."), else the clause the cue hangs off ('"X is true," he said'); a content inside a quote,
or a quote beside the cue, is the whole quote. "said that A and that B" and "X, she said, and Y"
are two contents of one cue.
"""

from __future__ import annotations

import re
from itertools import pairwise
from typing import TYPE_CHECKING

from .lexicon import NEEDS_CLAUSE, SPEECH_ACTS
from .subjects import rejoined, with_owner
from .syntax import chars, largest_run, marked, trim, when

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

Offsets = tuple[int, int]

# Cues whose prepositional object says what was claimed ("described it as", "accused X of").
# Written by hand.
PREP_CUES = frozenset(
    "describe accuse blame warn criticise criticize call condemn charge talk speak appeal insist "
    "tell ask write comment complain testify brief inform".split()
)
_FINITE = frozenset({"VBD", "VBZ", "VBP"})
_CONTENT_PREPS = frozenset("as of for about on against to".split())
_CONTENT_DEPS = frozenset({"ccomp", "xcomp", "dobj", "oprd", "attr", "acomp", "dative"})


def parts(verb: Token, typed: str, phrase: list[Token]) -> list[Token]:
    """The tokens heading what ``verb`` says: its clause, object or complement, the objects of
    the prepositions that carry a claim ("described it as", "accused X of", "called for"), the
    complement of a multiword cue's last word, and what a demand asks for."""
    lemma = verb.lemma_.lower()
    kids = list(verb.children)
    out = [c for c in kids if c.dep_ in _CONTENT_DEPS and c not in phrase]
    if lemma in PREP_CUES:  # "described it as", "accused X of", "called for"
        objects = [c for c in kids if c.dep_ == "dobj"]
        for c in [*kids, *(g for o in objects for g in o.children)]:  # "accused X [of Y]"
            if (
                c.dep_ == "prep"
                and c not in phrase
                and c.lower_ in _CONTENT_PREPS
                and c.i > verb.i  # "As sanctions bite, X called for ...": not what
                and not when(c)
            ):
                out.append(c)
    for p in phrase:
        out.extend(g for g in p.children if g.dep_ in ("pobj", "pcomp", "xcomp", "ccomp"))
        # "expressed concerns that ...": the clause of the phrase's noun
        out.extend(g for g in p.children if g.dep_ == "acl" and marked(g, "that"))
    if typed == "demand" or lemma in ("call", "ask", "tell"):
        # "appealed to viewers to support his country": what was asked for
        out.extend(
            c
            for c in kids
            if c.dep_ == "advcl" and any(g.dep_ == "aux" and g.lower_ == "to" for g in c.children)
        )
    return out


def said_parts(verb: Token, found: list[Token], quotes: list[Offsets]) -> list[Token]:
    """Of ``found``, the parts that say something for this cue: 'Mr. Putin declared that A: "B,"
    he said' leaves A to "declared"; "said" needs a clause ("told reporters" says nothing); a
    bare "blames Kiev" says no what; the subject of a passive with an agent is what was
    disputed."""
    lemma = verb.lemma_.lower()
    kids = list(verb.children)
    out = list(found)
    spoken = [
        p
        for p in out
        if p.dep_ == "ccomp"
        and p.i < verb.i
        and p.lemma_.lower() in SPEECH_ACTS
        and any(c.dep_ == "nsubj" and c.pos_ == "PROPN" for c in p.children)
        and not any(a <= p.idx < b for a, b in quotes)
    ]
    # "Zelenskiy said A and the regional governor said B": the parser hangs the second report
    # on the first cue; it is the governor's claim, not part of Zelenskiy's
    spoken += [
        p
        for p in out
        if p.dep_ == "ccomp"
        and p.i > verb.i
        and p.lemma_.lower() in ("say", "tell", "add", "state")
        and any(t.dep_ == "cc" for t in p.doc[verb.i + 1 : p.left_edge.i])
        and any(c.dep_ == "nsubj" and c.pos_ in ("PROPN", "NOUN") for c in p.children)
        and not any(a <= p.idx < b for a, b in quotes)
    ]
    if spoken and len(spoken) < len(out):
        out = [p for p in out if p not in spoken]
    if lemma in NEEDS_CLAUSE:
        out = [p for p in out if p.dep_ in ("ccomp", "xcomp") or p.lower_ == "about" or _clause(p)]
    elif lemma in ("accuse", "blame"):
        # "blames Kiev" says no what; "blamed EU sanctions for worsening ..." does
        reason = any(p.dep_ == "prep" and p.lower_ == "for" for p in out)
        out = [p for p in out if p.dep_ in ("ccomp", "prep") or (reason and p.dep_ == "dobj")]
    passive = [c for c in kids if c.dep_ == "nsubjpass"]
    if passive and any(c.dep_ == "agent" for c in kids):
        out.append(passive[0])  # "Moscow's claims were disputed by a source"
    return out


def _clause(p: Token) -> bool:
    """ "said the killings added to evidence": a clause parsed as an object, its verb even as a
    bare participle ("the killings added"), but not one with an agent ("the words written by
    ...")."""
    return p.dep_ == "dobj" and any(
        c.dep_ in ("acl", "relcl")
        and (
            c.tag_ in _FINITE
            or (
                c.dep_ == "acl"
                and c.tag_ == "VBN"
                and not any(g.dep_ in ("agent", "aux") for g in c.children)
            )
        )
        for c in p.children
    )


def span(
    doc: Doc, verb: Token, found: list[Token], attributions: bool
) -> tuple[Offsets | None, list[Offsets]]:
    """The content's span in the paragraph, and the spans of further claims of the same cue
    ("that A and that B", "X, she said, and Y"; not in ``attributions`` mode, PolNeAR's one
    content per cue)."""
    after = [p for p in found if p.i > verb.i]
    if after:
        # "Here is a round-up of the day's headlines: Zelenskiy said Russia ...": a clause that
        # a colon ends before the cue's sentence starts is not what was said
        found = [
            p
            for p in found
            if p.i > verb.i or not any(t.text == ":" for t in doc[p.right_edge.i : verb.i])
        ]
    if found:
        return _of_parts(doc, verb, found, attributions)
    kids = list(verb.children)
    out: Offsets | None = None
    also: list[Offsets] = []
    if (
        verb.dep_ in ("parataxis", "ccomp", "advcl", "conj")
        and verb.head.i != verb.i
        and not any(c.dep_ in ("dobj", "dative", "oprd") for c in kids)
        # 'X, as he said, is Y': an "as" clause says the clause it hangs on; another marker
        # ("because he said", "if she says") does not
        and all(c.lower_ == "as" and verb.dep_ == "advcl" for c in kids if c.dep_ == "mark")
        and (verb.dep_ != "conj" or verb.i > verb.head.i)
        and not any(c.dep_ == "cc" and verb.head.i < c.i < verb.i for c in verb.head.children)
    ):
        out, also = _host(doc, verb, attributions)
    if (
        out is None
        and verb.tag_ == "VBG"
        and verb.dep_ == "advcl"
        and verb.head.i > verb.i
        and verb.right_edge.i < verb.head.i
        and not any(c.dep_ in ("dobj", "ccomp", "xcomp") for c in kids)
    ):
        # "..., while claiming the draft treaty is being discussed": the parser hung the
        # clause claimed above its cue
        out = chars(doc, trim(doc, range(verb.right_edge.i + 1, verb.head.right_edge.i + 1)))
    return out, also


def _of_parts(
    doc: Doc, verb: Token, found: list[Token], attributions: bool
) -> tuple[Offsets, list[Offsets]]:
    """The span from the first part to the last, ended before a ", saying ..." or ", with X
    calling ..." that belongs to someone else, and split at each further "that" clause."""
    lo = min(p.left_edge.i for p in found)
    hi = max(p.right_edge.i for p in found)
    for t in doc[lo : hi + 1]:  # ", saying ..." belongs to the main clause, not here
        if t.tag_ == "VBG" and t.dep_ == "advcl" and doc[t.i - 1].text == "," and t.i > lo:
            hi = min(hi, t.i - 2)
        # "warned that A, and threatened to B": B is a claim of its own (``rejoined``)
        if t.i > lo and rejoined(t) is verb:
            stop = next(
                (c.i for c in t.head.children if c.dep_ == "cc" and c.i < t.i), t.left_edge.i
            )
            hi = min(hi, stop - 1)
        # ", with his spokesman calling it ...": the one "with" names speaks next
        if t.lower_ == "with" and t.i > lo and doc[t.i - 1].text == ",":
            k = t.right_edge.i + 1  # the word after the "with" phrase (and its comma)
            k += k < len(doc) - 1 and doc[k].is_punct
            nxt = doc[min(k, len(doc) - 1)]
            owner = with_owner(nxt) if nxt.lemma_.lower() in SPEECH_ACTS else None
            if owner is not None and owner.head.i == t.i:
                hi = min(hi, t.i - 2)
    also: list[Offsets] = []
    split = _that_clauses(found, lo, hi)
    # (not in PolNeAR's scheme, one content per cue, nor in ", saying that ...", which
    # restates the claim before it)
    if split and not attributions and verb.dep_ != "advcl":
        edges = [c.left_edge.i for c in split] + [hi + 1]
        also = [chars(doc, trim(doc, range(a, b))) for a, b in pairwise(edges)]
        hi = edges[0] - 1
    return chars(doc, trim(doc, range(lo, hi + 1))), also


def _host(doc: Doc, verb: Token, attributions: bool) -> tuple[Offsets | None, list[Offsets]]:
    """'X is true, he said': the content is the clause the cue hangs off; "X was needed, she
    said, and Y" is two."""
    head = verb.head
    rest = [x for x in head.subtree if not (verb.left_edge.i <= x.i <= verb.right_edge.i)]
    run = largest_run(rest)
    before = [x for x in rest if x.i < verb.left_edge.i and not x.is_punct]
    after = [x for x in rest if x.i > verb.right_edge.i and not x.is_punct]
    also: list[Offsets] = []
    if len(before) > 2 and len(after) > 2:  # "X, she said, and Y": both sides
        run = [rest[0].i, rest[-1].i]
        second = None if attributions else _and_clause(doc, verb, after, rest)
        if second is not None:  # "X was needed, she said, and Y": a claim each
            run = [rest[0].i, before[-1].i]
            also = [second]
    if not run:
        return None, also
    return chars(doc, trim(doc, range(run[0], run[-1] + 1))), also


def _that_clauses(found: list[Token], lo: int, hi: int) -> list[Token]:
    """'said that A and that B': the clauses after the first, each opened by its own "that",
    within the content's tokens ``lo`` to ``hi``."""
    return [
        c
        for p in found
        if p.dep_ == "ccomp"
        for c in p.children
        if c.dep_ == "conj" and lo < c.left_edge.i and c.right_edge.i <= hi and marked(c, "that")
    ]


def _and_clause(doc: Doc, verb: Token, after: list[Token], rest: list[Token]) -> Offsets | None:
    """'X was needed, she said, and Y': the span of Y when "and" joins it right after the cue
    and it is a clause with a subject of its own (not "..., he said, and is dancing to ...")."""
    said = next((x for x in after if x.dep_ != "cc"), after[-1])  # what follows the cue
    gap = doc[verb.i + 1 : said.i]
    if not any(t.lower_ == "and" and t.dep_ == "cc" for t in gap) or not all(
        t.is_punct or t.dep_ == "cc" for t in gap
    ):
        return None
    heads = [x for x in after if not after[0].i <= x.head.i <= after[-1].i and x.dep_ != "cc"]
    if not any(c.dep_ in ("nsubj", "nsubjpass", "expl") for h in heads for c in h.children):
        return None
    return chars(doc, trim(doc, range(gap[-1].i, rest[-1].i + 1)))


def stretch_to_quote(
    text: str, verb: Token, found: Offsets | None, quotes: list[Offsets]
) -> tuple[Offsets | None, bool]:
    """A content inside a quote, or a quote right beside the cue, is the whole quote; a quote
    on each side ('"A," she said, "B."') makes one content of both. Returns the span and
    whether it is a quotation."""
    v_start, v_end = verb.idx, verb.idx + len(verb)
    inside = before = after = None
    for q_start, q_end in quotes:
        if q_start <= v_start < q_end:
            continue  # the cue is inside this quote
        if found and q_start < found[1] and found[0] < q_end:
            inside = (min(q_start, found[0]), max(q_end, found[1]))
            continue
        # '"...," he said' and 'he said: "..."': the quote touches the cue's clause
        gap_before, gap_after = text[q_end:v_start], text[v_end:q_start]
        near = 0 <= v_start - q_end <= 60 and (found is None or found[1] <= q_end + 2)
        if near and re.fullmatch(r"[\s,]*[\w'’. -]{0,45}\s*", gap_before):
            before = (q_start, q_end)
        elif (
            after is None
            and 0 <= q_start - v_end <= 40
            and re.fullmatch(r"[\s:,]*([\w'’ ]{0,30}[,:])?\s*", gap_after)
        ):
            after = (q_start, q_end)
    first = inside or before
    if first and after and first[1] <= v_start:
        return (first[0], after[1]), True
    if first or after:
        return first or after, True
    return found, False
