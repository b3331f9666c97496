"""The claim type: what the cue itself says ("denied" is a denial, "called for" a demand), else
what its content says, sentence by sentence ("a complete fabrication" is a denial whatever verb
introduced it).

Types are those of ``../shared/eval/watchlist.yaml``; when two fit, the more specific wins
(GUIDELINES.md). The phrase tables below were written by hand from those definitions and the
2022 articles; a denial anywhere in a content decides it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..model import Span
from .actors import ActorIndex
from .draft import Draft
from .lexicon import HOSTILE_FORMS, HOSTILE_VERBS
from .structure import REPORTER_TAIL, sentences
from .syntax import marked

if TYPE_CHECKING:
    from spacy.tokens import Token

_DENIAL = re.compile(
    r"\b(fabricat\w*|fake|lies?|lying|liars?|untrue|not true"
    r"|false(ly)?(?![- ]flag)(?! (equivalen\w*|dichotomy|choice|sense|start|hope))|baseless"
    r"|groundless|no evidence|no proof|nonsense|propaganda|hoax|absurd|disinformation"
    r"|misinformation|no truth|staged|fiction|not responsible|nothing to do with|no basis|unfounded"
    r"|no indication|no (connection|link|role|part) (to|with|in)"
    r"|in no way|cannot in any way|not the case|push(ed)? back (\w+ )*on the premise"
    r"|(?<!should have )(?<!should )never (happened|attacked|struck|targeted"
    r"|carried out))\b",
    re.I,
)
_THREAT_WORDS = re.compile(
    r"\b(retaliat\w*|consequences|pay a (heavy |high )?price|reprisals?|punish\w*|wipe out"
    r"|let them try|held accountable|hold \w+ accountable|will be (destroyed|crushed)"
    r"|respond (harshly|decisively|forcefully|with force)|not hesitate"
    r"|wrath|face (the )?(full )?(force|weight|might) of|overwhelming force|or else"
    r"|(will|would|'ll|’ll) (be )?(pay|regret)\b|make (them|him|her|you) pay"
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
    r"|(was|were) (carried out|orchestrated|ordered) by"
    # misconduct named outright: "they want to cheat", "massive fraud", "a nuclear-armed bully"
    r"|corrupt\w*|fraud\w*|cheat\w*|bull(y|ies|ied|ying)|rigged|scam\w*|brib\w*|kickbacks?"
    r"|rip(ped|ping)? (us |them |people )?off|tak(e|en|ing|es) advantage of|unfair(ly)?"
    r"|incompeten\w*|disgrace\w*|(his|her|their|its) fault|abus(e|ed|es|ing)\b"
    r"|condemn\w*|denounc\w*|undermin\w*|affront|unacceptable|illegitimate|anti-democratic"
    r"|nasty|stupid|blam(e|es|ed|ing)\b|mess(ed)? (it |them |things )?up|defy\w*|defian\w*"
    r"|savage\w*|treat\w* (us |them |him |her )?(very )?(badly|unfairly|poorly))\b",
    re.I,
)
_OFFER = re.compile(
    r"\b(ready|willing|willingness|open to|prepared to|offer\w*|stands? ready|happy to"
    r"|(do not|don't|don’t|not) (reject|rule out|object|oppose)|could help"
    r"|can help|is possible|are possible)\b",
    re.I,
)
_DEMAND = re.compile(
    r"\b((must|should)(?!\s+(expect|anticipate)\b)|(?<!the )(?<!a )need(s|ed)? to|needs"
    r"|needed|ha(ve|s|d) to(?! say\b)|ought to"
    r"|urg\w+|demand\w*|calls? (for|on)|called (for|on)|insists? on|require[sd]?"
    r"|it is (vital|essential|imperative|necessary)|let us|let's"
    r"|(it['’]s|it is) (high )?time (for|to)\b|the (answer|solution) is to)\b",
    re.I,
)
# "Biden should have never allowed them to go up", "other Presidents should've done this
# job": a reproach for what was not done, an accusation, not a demand (by hand, from the
# accusation definition: "attributes wrongdoing ... to another party")
_REPROACH = re.compile(
    r"\b(should|shouldn['’]t|ought to)(\s+not|\s+never)?\s+have(\s+never)?\s+\w+"
    r"|\bshould['’]ve\s+\w+",
    re.I,
)
_SELF_REPROACH = re.compile(r"\b(i|we)\s+(should|shouldn['’]t|ought)", re.I)
_REPORTED = re.compile(r"\b(said|say|says|told|claimed|hear|heard)\b( that)?\s", re.I)
_INNER_QUOTE = re.compile(r"(?<!\w)[‘'][^‘’']{2,}[’'](?!\w)")
_SELF_FUTURE = re.compile(r"^\W*(that\s+)?(he|she)\s+(will|would|shall|was going to)\b", re.I)
_GROUP_FUTURE = re.compile(
    r"^\W*(that\s+)?(it|they)\s+(will|would|shall|(was|were) going to)\b", re.I
)
_FUTURE = re.compile(r"(\s+and\s+\w+)?\s+(will|would|shall|is going to)\b", re.I)
_WANTS = re.compile(r"\s+(wants|needs|demands|expects|insists on|calls for)\b", re.I)
# The speaker's own wish or need to act: "we want to talk to the Iranians" is willingness (an
# offer); "we need to have a credible deterrent" is their own business (a statement), not a
# demand on others. By hand, from the offer and demand definitions.
_OWN_WANT = re.compile(
    r"\b(we|i)\s+(\w+\s+)?(want|wish|would like|['’]d like)\s+to\s+(?!be\b)", re.I
)
_OWN_NEED = re.compile(r"\b(we|i)\s+(\w+\s+)?(need|have|had)\s+to\s", re.I)
_FIRST_PERSON_WANT = re.compile(r"\b(we|i)\s+(want|need|ask|expect|call|demand)\b", re.I)
_PREDICTION = re.compile(
    r"\b((?<!their )(?<!its )(?<!his )(?<!her )(?<!own )(?<!the )(?<!political )(?<!good )"
    r"(?<!free )will(?!\s*([.,;:!?”\"]|$))|won't|won’t|would(?! not)|shall|going to|soon"
    r"|expects?|expected|predicts?|forecasts?|(should|must) (expect|anticipate)"
    r"|within (a |the next )?(days?|weeks?|months?|years?)"
    r"|in the coming|set to|on track to|could(?!\s+not|n['’]t)|maybe|perhaps"
    r"|(very )?close to (an? )?(agreement|deal|breakthrough))",
    re.I,
)
# Modals that, in a speaker's own words, mostly suppose rather than forecast ("I could stop
# that in one day", "their taxes would be cut in half"); by hand, from the prediction
# definition ("forecasts an outcome")
_SUPPOSING = frozenset({"would", "could"})
# A warned-of cost for whoever does something: "firms risk losing access if they help Russia"
_CONDITIONAL_COST = re.compile(
    r"\b(risks?|risking|would (lose|face|be (cut off|barred|punished|sanctioned))|will (lose|face"
    r"|be (cut off|barred|punished|sanctioned)))\b.{0,120}\b(if|unless|should they)\b"
    r"|\b(if|unless)\b.{0,120}\b(risks?|would (lose|face)|will (lose|face)|be (cut off|barred"
    r"|punished|sanctioned))\b",
    re.I | re.S,
)
_IF_CLAUSE = re.compile(r"\b(?:if|unless|should they)\b", re.I)
_TIMING = re.compile(r"\b(soon|within|by (the end|next)|next (week|month|year)|shortly)\b", re.I)
_BENEFIT = re.compile(
    r"\b(ensure|guarantee|provide|help|allow|support|supply|send|deliver|donate|discuss|consider"
    r"|negotiate|meet|release|exchange|resume|facilitate|protect|rebuild|assist|cooperate|open"
    r"|talk(?=\s+(?:to|with)\b)|engage)\w*\b",
    re.I,
)
# A content that opens on a typed verb: "he expected ...", "they denied ..."
_NESTED_CUE = re.compile(
    r"^\W*(?:that\s+)?(?:he|she|they|it|we|i|\w+)\s+(?:had\s+|has\s+|would\s+)?(expect\w*"
    r"|den(?:y|ied|ies)\w*|accus\w*|threaten\w*|urg\w*|demand\w*|predict\w*|confirm\w*"
    r"|offer\w*)\b",
    re.I,
)
# The speaker's own future act: "we will", "I'll", "our forces would" (not "I believe the
# Europeans will": the modal must be the first person's)
_OWN_ACTION = re.compile(
    r"\b(?:we|i)(?:['’]ll|['’]d\b|['’](?:m|re) (?:going to|gonna)\b"
    r"|(?:\s+(?:\w+ly|also|still|never|just|then|too|all|both))*"
    r"\s+(?:will|would|shall|are going to|am going to|are gonna|am gonna)\b)"
    r"|\bour\s+\w+(?:\s+\w+)?\s+(?:will|would|shall|are going to)\b",
    re.I,
)
_IMPERATIVE_FIRST = re.compile(
    r"^[“\"«]?\s*(let|do|don['’]t|stop|give|fill|support|help|send|"
    r"come|end|close|protect|save|act|join|keep)\b",
    re.I,
)


def cue_type(verb: Token, typed: str, cue: list[Token], said: list[Token]) -> str:
    """The type a verb cue gives its claim ("" when the content must decide): ``typed`` from
    the lexicon; "called for"/"called on" demand; "charging that ..." accuses (not a price, not
    a court's charge)."""
    lemma = verb.lemma_.lower()
    if lemma == "call" and (
        any(x.lower_ == "for" for x in cue + said)
        # "called on X to ...", not "called a strike on a maternity hospital genocide"
        or any(x.lower_ == "on" and x.i == verb.i + 1 for x in cue + said)
        or any(marked(p, "for") for p in said)  # "called for X to": "for" as the clause's
    ):
        return "demand"
    if lemma == "charge" and any(c.dep_ == "ccomp" for c in verb.children):
        return "accusation"
    if lemma == "confirm" and any(c.dep_ == "neg" for c in verb.children):
        return "statement"  # "could not confirm that ...": no confirmation
    if typed == "denial" and lemma in _REJECT_VERBS and _proposal(said):
        # "rejected the peace plan": a proposal turned down is no denial (a denial says a
        # claim is false); what it is, the content says
        return ""
    return typed


# Verbs that deny a claim but only turn down a proposal ("rejected the plan")
_REJECT_VERBS = frozenset("reject dismiss rebuff repudiate".split())
# What is proposed rather than claimed, or weighed rather than asserted: turning one down or
# belittling it ("dismissed the importance of the first grain shipment") is not a denial.
# Written by hand from the claim type definitions ("denial: the speaker rejects a claim or
# accusation as false").
_PROPOSALS = frozenset(
    "proposal proposals plan plans offer offers demand demands request requests call calls idea "
    "ideas deal deals ultimatum ultimatums terms condition conditions invitation invitations bid "
    "bids resolution resolutions draft truce ceasefire talks negotiations initiative initiatives "
    "framework appeal appeals suggestion suggestions option options package importance "
    "significance relevance value chance chances possibility prospect prospects".split()
)


def _proposal(said: list[Token]) -> bool:
    """Whether what was rejected is a proposal (its head noun), not a claim."""
    return any(
        p.dep_ in ("dobj", "nsubjpass") and p.lemma_.lower() in _PROPOSALS for p in said
    ) or (any(p.dep_ in ("dobj", "nsubjpass") and p.lower_ in _PROPOSALS for p in said))


def claim_type(
    d: Draft, content: Span | None, text: str, index: ActorIndex
) -> tuple[str, Span | None, str]:
    """The claim type, the sentence of the content that decided it (None: the cue did), and
    the rule that decided it ("cue", "denial-words", "plain", ...).

    The first sentence of the content that says more than a statement decides; a denial
    anywhere wins; words quoted from others ('called the reports 'fake'') do not count."""
    if d.type_hint:
        return d.type_hint, None, "cue"
    if content is None:
        return "statement", None, "no-content"
    decided: tuple[str, Span | None, str] = ("statement", None, "plain")
    for lo, hi in sentences(content):
        piece = REPORTER_TAIL.split(text[lo:hi])[0]
        ctype, rule = _type_of(_INNER_QUOTE.sub("…", piece), d, index)
        if ctype == "denial":
            return ctype, Span(lo, hi, piece), rule
        if ctype != "statement" and decided[0] == "statement":
            decided = (ctype, Span(lo, hi, piece), rule)
    return decided


def _type_of(body: str, d: Draft, index: ActorIndex) -> tuple[str, str]:
    """One sentence's type: the most specific kind of claim its wording signals, and the rule
    that decided it (a code the confidence table knows). A question ("Would you like to say
    something?") asserts nothing, so it is a statement."""
    if body.rstrip("”\"’' )").endswith("?"):
        return "statement", "question"
    cue = d.cue_lemma
    nested = _NESTED_CUE.match(body)
    if nested:  # 'said he expected ...', 'said they denied ...'
        return _nested_type(nested.group(1)), "nested-cue"
    if _DENIAL.search(body) or (cue in ("call", "describe") and _CLAIM_REJECTED.search(body)):
        return "denial", "denial-words"
    own_side = {d.actor, index.actor(d.actor).part_of} if d.actor else set()
    named = list(index.find(body))
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
        return "threat", "threat-words"
    if cue in ("describe", "call", "accuse", "charge") and _WRONGDOING.search(body):
        return "accusation", "labelled-wrong"
    reproach = _REPROACH.search(body)
    if reproach and not _SELF_REPROACH.search(body[max(0, reproach.start() - 12) : reproach.end()]):
        return "accusation", "reproach"
    offer = _OFFER.search(body)
    demand = _DEMAND.search(body)
    own_need = _OWN_NEED.search(body)
    if demand and own_need and own_need.start() <= demand.start() < own_need.end():
        demand = _DEMAND.search(body, own_need.end())  # "we need to have ...": not a demand
    if (offer and not (demand and demand.start() < offer.start())) or (
        own and _BENEFIT.search(_IF_CLAUSE.split(body)[0])  # not "... if the US delivered"
    ):
        return "offer", "offer-words"
    wish = _OWN_WANT.search(body)
    if wish and not demand and _BENEFIT.match(body, wish.end()):  # "we want to talk to ..."
        return "offer", "own-wish"
    own_intent = own and not _TIMING.search(body)  # "Russia would not respond": a stance
    if demand and _REPORTED.search(body[: demand.start()]):
        demand = None  # "Everyone said Russia must be isolated": someone else's demand
    first_want = _FIRST_PERSON_WANT.search(body)
    if first_want and (
        (own_need and first_want.start() == own_need.start())
        or (wish and first_want.start() == wish.start())  # "I want to award ...": their own act
    ):
        first_want = None
    if (
        demand
        or first_want
        or any(_WANTS.match(body[e:]) for e in own_named)  # "Kyiv wants American troops"
        or _IMPERATIVE_FIRST.match(body.strip())
    ):
        return "demand", "demand-words"
    if _WRONGDOING.search(body) or _hostile_act(body, named, own_side, index):
        return "accusation", "wrongdoing"
    if cue in ("promise", "pledge", "vow"):
        return "offer", "promise"
    forecast = _PREDICTION.search(body)
    if forecast and d.assertion:  # spoken: "I could buy one", "it would be great" suppose
        forecast = next(
            (m for m in _PREDICTION.finditer(body) if m.group(0).lower() not in _SUPPOSING), None
        )
    if (forecast and not own_intent) or (cue == "warn" and not own):
        # (a warning of what one's own side will or will not do is a stance, not a forecast)
        return "prediction", "future"
    if cue == "confirm" or (cue == "say" and body.lower().startswith(("yes", "“yes"))):
        return "confirmation", "confirm"
    return "statement", "plain"


def _hostile_act(
    body: str, named: list[tuple[int, int, str]], own: set[str | None], index: ActorIndex
) -> bool:
    """Another party named as doing something hostile: "Ukraine had attacked ...",
    "Ukrainian drones had attacked ..."."""
    parties = [(s, ident) for s, _, ident in named]
    for m in re.finditer(r"\b[A-Z][a-z]+\b", body):
        country = index.country(m.group(0))
        if country:
            parties.append((m.start(), country))
    for s, ident in parties:
        if ident in own:
            continue
        words = re.findall(r"[a-z]+", body[s : s + 100].lower())[1:9]
        if any(w in HOSTILE_FORMS or w in HOSTILE_VERBS or w in _BLAME for w in words):
            return True
    return False


# What another party named just before is blamed for: "Putin had made a historic error",
# "the west did not use the G20 ...": "failed", "It's Biden's fault". Written by hand from the
# accusation definition ("attributes wrongdoing ... to another party").
_DETERMINERS = frozenset("the a an its their his her our these those this that newly".split())
_BLAME = frozenset(
    "mistake mistakes error errors blunder blunders fault failed failure fails lied lies stole "
    "stolen cheat cheated cheating corrupt incompetent irresponsible reckless uninhabited "
    "uninhabitable abandoned betrayed squandered wasted sabotaged".split()
)


def _hostile(body: str) -> bool:
    """A hostile act named in the text ("strike", "destroyed") that is not pinned on another
    party by the word before it ("Russian torture", "enemy shelling")."""
    words = re.findall(r"[\w’']+", body)
    for before, word in zip(["", *words], words, strict=False):
        low = word.lower()
        if (
            (low in HOSTILE_VERBS or low in HOSTILE_FORMS)
            and not (before[:1].isupper() and before.lower() not in ("we", "i", "our"))
            and before.lower() not in ("enemy", "their", "enemy's", "enemy’s")
            # "the occupied territories", "a destroyed bridge": a state, not an act
            and not (low.endswith("ed") and before.lower() in _DETERMINERS)
        ):
            return True
    return False


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
