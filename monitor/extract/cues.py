"""Which words report speech: the cue lexicon learned from PolNeAR, and the decision, word by
word, that a verb, a "be" phrase, a noun or "according to" introduces a claim here, with the
reason when it does not (``--explain`` shows both).

A verb is a cue when the statistics learned from PolNeAR's training split
(``tools/learn_cues.py``) say that the verb, in its syntactic frame, introduces an attribution
often enough, or when it names a speech act claimwatch types (deny, threaten, urge...).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import content
from .draft import Draft
from .lexicon import (
    ATTITUDE_VERBS,
    CUE_NOUNS,
    HOSTILE_VERBS,
    NEEDS_CLAUSE,
    NOUN_TYPES,
    SPEECH_ACTS,
    VERB_TYPES,
)
from .speakers import INSTITUTION_HEADS, PERSON_ROLES
from .structure import QUOTE_OPEN
from .subjects import subject
from .syntax import chars, largest_run, marked, subtree_span, trim, when
from .types import cue_type

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

DATA = Path(__file__).parent.parent / "data"
# A verb is a cue when P(cue | lemma, frame) reaches this. Learned on polnear-train; F1 on
# polnear-dev is flat between 0.3 and 0.45, so the value is not a fine-tuned one.
CUE_THRESHOLD = 0.4
MIN_CUE_COUNT = 3  # a learned lemma or phrase needs this many training cues to count
_SMOOTHING = 3.0  # pseudo-counts pulling a rare frame toward its lemma's overall precision
_PHRASE_DEPS = frozenset({"prt", "prep", "agent", "dobj", "acomp", "oprd", "dative"})
# "dismissed two senior officials" removes people from office; it rejects no claim (by hand)
_FIRING_VERBS = frozenset("dismiss sack fire remove oust".split())
_PEOPLE = (
    PERSON_ROLES
    | INSTITUTION_HEADS
    | frozenset("head chief prosecutor general people staff".split())
)


@dataclass(frozen=True)
class CueModel:
    """Cue statistics learned from PolNeAR's training split (counts only, no text).

    ``lemmas``: (lemma, POS) -> precision; ``frames``: (lemma, frame key) -> (cues, occurrences);
    ``phrases``: (head lemma, POS, parts) -> precision for multiword cues ("point out")."""

    lemmas: dict[tuple[str, str], float]
    frames: dict[tuple[str, str], tuple[int, int]]
    phrases: dict[tuple[str, str], list[tuple[tuple[str, ...], float]]]

    @classmethod
    def load(cls, folder: Path = DATA) -> CueModel:
        lemmas = {}
        for row in _tsv(folder / "cues.tsv"):
            if int(row[2]) >= MIN_CUE_COUNT:
                lemmas[(row[0], row[1])] = float(row[4])
        frames = {(r[0], r[1]): (int(r[2]), int(r[3])) for r in _tsv(folder / "cue_frames.tsv")}
        phrases: dict[tuple[str, str], list[tuple[tuple[str, ...], float]]] = {}
        for row in _tsv(folder / "cue_phrases.tsv"):
            if int(row[4]) >= MIN_CUE_COUNT and row[3]:
                parts = tuple(row[3].split())
                phrases.setdefault((row[1], row[2]), []).append((parts, float(row[6])))
        return cls(lemmas, frames, phrases)

    def verb(self, tok: Token, quoted: bool | None = None) -> float:
        """P(cue | lemma, frame), each finer frame smoothed toward the coarser estimate.

        ``quoted``: whether the sentence has a double quote mark (computed if not given)."""
        lemma = tok.lemma_.lower()
        p = self.lemmas.get((lemma, "VERB"), 0.0)
        if p == 0.0:
            return 0.0
        for level in frame_levels(tok, quoted):
            c, occ = self.frames.get((lemma, level), (0, 0))
            p = (c + _SMOOTHING * p) / (occ + _SMOOTHING)
        return p

    def phrase(self, tok: Token) -> tuple[float, list[Token]]:
        """The best multiword cue headed by ``tok`` ("point out", "issue a statement")."""
        options = self.phrases.get((tok.lemma_.lower(), tok.pos_))
        if not options:
            return 0.0, []
        kids = {
            c.lemma_.lower(): c
            for c in tok.children
            if c.dep_ in _PHRASE_DEPS and not when(c)  # "called him on Friday": no "call on"
        }
        best: tuple[float, list[Token]] = (0.0, [])
        for parts, p in options:
            if p > best[0] and all(x in kids for x in parts):
                best = (p, [kids[x] for x in parts])
        return best


def _tsv(path: Path) -> Iterator[list[str]]:
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        if line:
            yield line.split("\t")


def verb_frame(tok: Token, quoted: bool | None = None) -> tuple[str, str, str]:
    """A verb's frame: (complement, subject kind, quote in sentence); shared with learn_cues.

    complement: ccomp > xcomp > dobj > none, or 'parataxis' ('"...," he said'); subject: pers
    (PROPN/PRON), noun, or nosubj; quote: 'q' if the sentence has a double quote mark."""
    deps = {c.dep_ for c in tok.children}
    comp = next((d for d in ("ccomp", "xcomp", "dobj") if d in deps), "none")
    if tok.dep_ == "parataxis":
        comp = "parataxis"
    subj = next((c for c in tok.children if c.dep_ == "nsubj"), None)
    kind = "nosubj" if subj is None else ("pers" if subj.pos_ in ("PROPN", "PRON") else "noun")
    if quoted is None:
        quoted = any(t.text in '"“”' for t in tok.sent)
    quote = "q" if quoted else "-"
    return comp, kind, quote


def frame_levels(tok: Token, quoted: bool | None = None) -> list[str]:
    """Frame keys from coarse to fine: 'ccomp', 'ccomp|pers', 'ccomp|pers|q'."""
    comp, kind, quote = verb_frame(tok, quoted)
    return [comp, f"{comp}|{kind}", f"{comp}|{kind}|{quote}"]


@lru_cache(maxsize=1)
def cue_model() -> CueModel:
    """The model of ``monitor/data/``, loaded once per process."""
    return CueModel.load()


@dataclass(frozen=True)
class CueFinder:
    """The cues of a sentence, each as a draft claim with its speaker token and content.

    ``attributions``: also beliefs, plans and findings ("sought to", "a poll shows"), as PolNeAR
    counts them; by default only what someone said, wrote or declared."""

    model: CueModel
    threshold: float = CUE_THRESHOLD
    attributions: bool = False

    def sentence(
        self, doc: Doc, sent: Any, quotes: list[tuple[int, int]], offset: int
    ) -> tuple[list[Draft], list[str]]:
        """The drafts of ``sent`` (a cue with two contents gives two), and why each word that
        looked like a cue is not one. ``offset``: the paragraph's start in the article."""
        drafts: list[Draft] = []
        reasons: list[str] = []
        quoted = any(c in doc.user_data["text"][sent.start_char : sent.end_char] for c in '"“”')
        for i in doc.user_data["candidates"]:  # verbs, auxiliaries and nouns only
            if not sent.start <= i < sent.end:
                continue
            tok = doc[i]
            found = self._cue(doc, sent, tok, quotes, offset, quoted, reasons)
            if isinstance(found, Draft):
                drafts.append(found)
                drafts.extend(replace(found, content=c, also=[], continued=[]) for c in found.also)
            elif found:
                reasons.append(f"{tok.text!r}: {found}")
        return drafts, reasons

    def _cue(
        self,
        doc: Doc,
        sent: Any,
        tok: Token,
        quotes: list[tuple[int, int]],
        offset: int,
        quoted: bool,
        reasons: list[str],
    ) -> Draft | str | None:
        """A draft when ``tok`` is a cue; else why not (a string), or None when it never looked
        like one."""
        model, t = self.model, self.threshold
        pos = tok.pos_
        lemma = tok.lemma_.lower()
        if lemma == "accord" and tok.i + 1 < len(doc) and doc[tok.i + 1].lower_ == "to":
            return _according_to(doc, sent, tok, offset)
        if pos == "VERB" and _phrasal(tok):
            how = f"{lemma!r} {_phrasal(tok)!r} is a speech act"
            parts = [c for c in tok.children if c.dep_ == "prt"]
            return self._verb(doc, sent, tok, quotes, offset, parts, how)
        if pos == "VERB":
            p = model.verb(tok, quoted)
            pp, parts = model.phrase(tok)
            if parts and not any(c.dep_ in ("ccomp", "xcomp", "dobj") for c in tok.children):
                p = pp  # "talking about": the phrase is the more specific evidence
            if lemma not in SPEECH_ACTS and max(p, pp) < t:
                if p > 0:
                    reasons.append(f"{tok.text!r}: P(cue | {lemma!r}, frame) = {p:.2f} < {t}")
                return None
            how = (
                f"{lemma!r} is a speech-act verb"
                if lemma in SPEECH_ACTS and max(p, pp) < t
                else f"P(cue | {lemma!r}, frame) = {max(p, pp):.2f}"
            )
            return self._verb(doc, sent, tok, quotes, offset, parts if pp >= t else [], how)
        if pos == "AUX" and lemma == "be":
            pp, parts = model.phrase(tok)
            if pp < t or not parts or parts[0].pos_ != "ADJ":
                return None
            if not self.attributions and parts[0].lemma_.lower() not in _STANCES:
                # "was able to shell the defenders": a capacity, not something said
                return "a state, not something said"
            how = f"P(cue | 'be {parts[0].lemma_}') = {pp:.2f}"
            return self._verb(doc, sent, tok, quotes, offset, parts, how)
        if pos == "NOUN" and tok.lower_ in CUE_NOUNS:
            return _noun_cue(doc, sent, tok, offset)
        return None

    def _verb(
        self,
        doc: Doc,
        sent: Any,
        verb: Token,
        quotes: list[tuple[int, int]],
        offset: int,
        phrase: list[Token],
        how: str,
    ) -> Draft | str:
        """A verb cue's draft (``phrase``: the other words of a multiword cue), or why the
        verb says nothing here."""
        lemma = verb.lemma_.lower()
        typed = VERB_TYPES.get(lemma, "")
        why = self._not_speech(verb, typed)
        if why:
            return why
        found = content.parts(verb, typed, phrase)
        why = _not_a_call_for(verb, phrase, found)
        if why:
            return why
        found = content.said_parts(verb, found, quotes)
        span, also = content.span(doc, verb, found, self.attributions)
        stretched, quote = content.stretch_to_quote(doc.user_data["text"], verb, span, quotes)
        if stretched != span:
            also = []  # a quote is one claim, however its clauses run
        span = stretched
        if span is None and (lemma in NEEDS_CLAUSE or lemma in SPEECH_ACTS or lemma == "be"):
            return "no clause, quote or object says what"  # "was not clear"
        if span is not None and _EMPTY.fullmatch(doc.user_data["text"][span[0] : span[1]]):
            return "its object says nothing: a pronoun"  # "he said it", "is that"
        cue_toks = sorted([verb, *[c for c in verb.children if c.dep_ == "prt"], *phrase], key=_i)
        cue = (offset + cue_toks[0].idx, offset + cue_toks[-1].idx + len(cue_toks[-1]))
        lo = min(sent.start_char, span[0]) if span else sent.start_char
        hi = max(sent.end_char, span[1]) if span else sent.end_char
        return Draft(
            cue=cue,
            cue_lemma=lemma,
            speaker_tok=subject(verb),
            content=(offset + span[0], offset + span[1]) if span else None,
            type_hint=cue_type(verb, typed, cue_toks, found),
            sentence=(offset + lo, offset + hi),
            how=how,
            quote=quote,
            participle=verb.tag_ == "VBG" and verb.dep_ == "advcl",
            finite=verb.tag_ in ("VBD", "VBZ", "VBP")
            or (verb.tag_ == "VBN" and any(c.lemma_ == "have" for c in verb.children)),
            also=[(offset + a, offset + b) for a, b in also],
        )

    def _not_speech(self, verb: Token, typed: str) -> str:
        """Why a verb that can report speech does not here ("" when it may)."""
        lemma = verb.lemma_.lower()
        kids = list(verb.children)
        if not self.attributions:
            if lemma in ATTITUDE_VERBS:
                return "a belief, plan or finding, not something said"
            if lemma in HOSTILE_VERBS:
                return "an act, not something said"  # "Russia attacked Kyiv"
        if lemma in _FIRING_VERBS and any(
            c.dep_ == "dobj" and c.lemma_.lower() in _PEOPLE for c in kids
        ):
            return "removing someone from office, not rejecting a claim"
        if lemma == "claim" and any(
            c.dep_ == "dobj" and c.lemma_.lower() in ("life", "lives", "victim") for c in kids
        ):
            return "a toll taken, not a claim"  # "has claimed the lives of"
        if any(c.dep_ == "neg" for c in kids) and typed != "denial" and lemma in NEEDS_CLAUSE:
            return "negated: saying nothing is no claim"  # "did not comment"
        if any(c.dep_ == "dobj" and _nothing_given(c) for c in kids):
            return "gave no details: nothing said"  # "offered no further details"
        if verb.dep_ == "pcomp" and verb.head.lower_ == "without":
            return "negated: saying nothing is no claim"  # "without saying how many"
        if verb.dep_ in ("amod", "compound"):
            return "used as an adjective"  # "the claimed attack"
        if (
            lemma in ("ask", "question")
            and verb.tag_ == "VBN"
            and verb.dep_ in ("advcl", "ccomp", "conj")
            and not any(c.dep_ in ("nsubj", "nsubjpass") for c in kids)
        ):
            return "a question put to the speaker"  # "When asked about it, ..."
        if verb.dep_ == "acl" and not any(c.dep_ in ("ccomp", "xcomp") for c in kids):
            return "describes a noun"  # "a report released on Saturday"
        if (
            not self.attributions
            and verb.tag_ == "VBG"
            and verb.dep_ == "advcl"
            and lemma not in SPEECH_ACTS
            and verb.head.lemma_.lower() not in SPEECH_ACTS
        ):
            # "Ukraine hopes to bring weapons forward, pointing to a critical point": the
            # reporter's reading of an act, not something anyone said
            return "a participle of the reporter's own sentence"
        return ""


# "offered no further details", "gave few details", "provided little explanation": an object
# that says nothing was said (by hand)
_SAID_NOTHING = frozenset("detail details explanation explanations comment information".split())


def _nothing_given(obj: Token) -> bool:
    """Whether a cue's object says that nothing was said: "no (further) details"."""
    return obj.lemma_.lower() in _SAID_NOTHING and any(
        c.lower_ in ("no", "few", "little") for c in obj.children
    )


# A content of pronouns alone says nothing of what was said ("said it", "said that", "is that")
_EMPTY = re.compile(r"\W*(?:(?:it|that|this|so|is|was|them|these|those|there)\W*)+", re.I)


# "X was clear that ...", "is adamant": the states of mind "be" + adjective reports as
# something said; others ("was able to", "is likely to") are states, not speech. By hand.
_STANCES = frozenset(
    "clear adamant confident certain sure optimistic pessimistic convinced firm unequivocal "
    "emphatic categorical explicit insistent open keen eager determined".split()
)
# Phrasal verbs that report speech whatever their parts say alone ("ruled out a ground
# presence", "lashed out at critics"). Written by hand.
_PHRASAL_ACTS = frozenset({("rule", "out"), ("lash", "out"), ("hit", "back"), ("speak", "out")})


def _phrasal(tok: Token) -> str:
    """The particle that makes ``tok`` a phrasal speech act, or ""."""
    lemma = tok.lemma_.lower()
    return next(
        (c.lower_ for c in tok.children if c.dep_ == "prt" and (lemma, c.lower_) in _PHRASAL_ACTS),
        "",
    )


def _i(tok: Token) -> int:
    return tok.i


def _not_a_call_for(verb: Token, phrase: list[Token], found: list[Token]) -> str:
    """Why "call" is a call on the phone or a name given, not a call for anything ("" when it
    may be a claim)."""
    if verb.lemma_.lower() != "call" or phrase:
        return ""
    if (
        not any(p.dep_ in ("oprd", "prep", "ccomp") for p in found)
        # 'called such an idea "completely illegal"': the label, parsed as the object's
        and not any(t.text in QUOTE_OPEN for p in found for t in p.subtree if t.i > p.i)
        # "called for Russians to show ...": "for" parsed as the clause's own
        and not any(marked(p, "for") for p in found)
    ):
        return "a call, not a call for anything"  # "called him"
    if not any(p.dep_ == "dobj" for p in found) and [p.pos_ for p in found if p.dep_ == "oprd"] == [
        "PROPN"
    ]:
        return "a phone call, not a claim"  # "Biden called Zelensky"
    return ""


def _according_to(doc: Doc, sent: Any, tok: Token, offset: int) -> Draft | None:
    to = doc[tok.i + 1]
    objs = [c for c in to.children if c.dep_ == "pobj"]
    if not objs:
        return None
    speaker = objs[0]
    phrase = subtree_span(speaker)
    # "X, according to Bessent, which will amount to Y": the speaker's relative clause is not
    # what was said
    stop = max(phrase.stop, speaker.right_edge.i + 1)
    gov = tok.head
    rest = [x for x in gov.subtree if not (tok.i <= x.i < stop)]
    if gov.i == tok.i:  # "according to X" is the sentence's root
        rest = [x for x in sent if not (tok.i <= x.i < stop)]
    run = largest_run(rest)
    if not run or len(run) < 2:
        return None
    r = trim(doc, range(run[0], run[-1] + 1))
    span = chars(doc, r)
    # "Here is a round-up of the day's headlines: Russia has lost ..., according to X": what X
    # said starts after the colon that introduces it
    said = doc.user_data["text"][span[0] : span[1]]
    colon = said.rfind(": ")
    if colon > 0 and not any(q in said[:colon] for q in '"“”') and len(said[colon:].split()) > 3:
        span = (span[0] + colon + 2, span[1])
    return Draft(
        cue=(offset + tok.idx, offset + to.idx + len(to)),
        cue_lemma="according to",
        speaker_tok=speaker,
        content=(offset + span[0], offset + span[1]),
        type_hint="",
        sentence=(offset + sent.start_char, offset + sent.end_char),
        how="'according to' names a source",
        source="according-to",
    )


def _noun_cue(doc: Doc, sent: Any, noun: Token, offset: int) -> Draft | None:
    owners = [c for c in noun.children if c.dep_ == "poss"]
    clauses = [c for c in noun.children if c.dep_ in ("acl", "ccomp", "relcl")]
    lemma = noun.lemma_.lower()
    clauses = [
        c
        for c in clauses
        if marked(c, "that")
        or (c.tag_ == "VBD" and c.dep_ != "relcl")
        # "his threats to resort to ...", "Kyiv's demand to ...", "his claim to be willing":
        # what is threatened, asked, claimed
        or (c.tag_ == "VB" and any(g.lower_ == "to" for g in c.children))
    ]
    if lemma in NOUN_TYPES and not clauses:
        # "Kyiv's call for a ceasefire", "his demands for ..."
        clauses = [c for c in noun.children if c.dep_ == "prep" and c.lower_ in ("for", "of")]
    if not owners or not clauses:
        return None
    r = trim(doc, range(clauses[0].left_edge.i, clauses[0].right_edge.i + 1))
    span = chars(doc, r)
    return Draft(
        cue=(offset + noun.idx, offset + noun.idx + len(noun)),
        cue_lemma=lemma,
        speaker_tok=owners[0],
        content=(offset + span[0], offset + span[1]),
        type_hint=NOUN_TYPES.get(lemma, ""),
        sentence=(offset + sent.start_char, offset + sent.end_char),
        how=f"{noun.text!r} with an owner and a clause",
        source="noun",
    )
