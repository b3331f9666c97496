"""How likely a claim is to be right (its actor, type and topics all), from how each was
decided: P(right | basis) by a logistic regression whose weights ``tools/calibrate.py`` learned
on claimwatch's gold sets (``monitor/data/confidence.tsv``; the calibration table is in the
README). The reasons shown are the decisions that raised or lowered it most.
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path

TABLE = Path(__file__).parent.parent / "data" / "confidence.tsv"

# What each basis code means to a reader, for the "why" of a confidence.
_WORDS = {
    "source:assertion": "said in the speaker's own words, without a cue",
    "source:verb": "a reporting verb",
    "source:noun": "a noun that carries the claim",
    "source:according-to": "'according to'",
    "speaker:name": "the speaker named",
    "speaker:label": "a transcript label",
    "speaker:office": "a label naming an office",
    "speaker:interviewee": "the interviewee",
    "speaker:first-person": "'I' or 'we' of a turn",
    "speaker:role": "a title resolved to its holder",
    "speaker:title-of": "an office of a named country",
    "speaker:described": "a description of the person last named",
    "speaker:institution": "an institution speaking for its government",
    "speaker:demonym": "a nationality's government",
    "speaker:official": "an unnamed official",
    "speaker:possessive": "'its'/'their' resolved",
    "speaker:government-of": "a leader's administration",
    "speaker:pronoun-0": "a pronoun, antecedent in the same sentence",
    "speaker:pronoun-1": "a pronoun, antecedent 1 sentence back",
    "speaker:pronoun-2": "a pronoun, antecedent 2 sentences back",
    "speaker:pronoun-3": "a pronoun, antecedent 3 sentences back",
    "type:cue": "type from the cue word",
    "type:denial-words": "denial wording",
    "type:threat-words": "threat wording",
    "type:labelled-wrong": "a wrong named",
    "type:wrongdoing": "harm pinned on another party",
    "type:reproach": "a reproach for what was not done",
    "type:own-wish": "the speaker's own wish to act",
    "type:demand-words": "demand wording",
    "type:offer-words": "offer wording",
    "type:future": "a future tense",
    "type:promise": "a promise",
    "type:confirm": "a confirmation",
    "type:nested-cue": "a typed verb inside the content",
    "type:plain": "no type wording",
    "topic:content": "topic from the claim's own words",
    "topic:content-weak": "topic from an ambiguous word",
    "topic:sentence": "topic from the reporting sentence",
    "topic:anaphor": "topic from the sentences before",
    "topic:paragraph": "topic from the paragraph",
    "topic:about": "topic from the round-up's heading",
    "topic:none": "no topic",
    "topics:2": "several topics",
    "length:1": "a one-sentence content",
    "length:2-3": "a content of two or three sentences",
    "length:4+": "a long content (four sentences or more)",
    "words:quoted": "the speaker's words quoted",
    "words:reported": "the speaker's words reported",
}


def _words(code: str) -> str:
    """What a basis code means to a reader ("" for none)."""
    if code.startswith("cue-is:"):
        lemma = code.split(":", 1)[1]
        return f"the cue '{lemma}'" if lemma != "none" else "no cue"
    return _WORDS.get(code, "")


@lru_cache(maxsize=1)
def weights(table: Path = TABLE) -> dict[str, float]:
    """The learned weights: basis code -> weight, and "(bias)"."""
    out = {}
    for line in table.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#") and not line.startswith("code\t"):
            code, weight = line.split("\t")
            out[code] = float(weight)
    return out


def confidence(basis: tuple[str, ...]) -> tuple[float, str]:
    """P(right) of a claim decided as ``basis`` says (0..1, two decimals), and why: each part's
    decision (the speaker, the type, the topics, the cue) with whether it raised (+) or
    lowered (-) the confidence, strongest first."""
    w = weights()
    z = w.get("(bias)", 0.0) + sum(w.get(code, 0.0) for code in basis)
    p = round(1 / (1 + math.exp(-z)), 2)
    parts: dict[str, tuple[float, str]] = {}  # part -> (net weight, words)
    for code in basis:
        part = code.split(":")[0].removesuffix("-is").removesuffix("s")  # topics -> topic
        weight, words = parts.get(part, (0.0, ""))
        parts[part] = (weight + w.get(code, 0.0), words or _words(code))
        if code == "topics:2":
            parts[part] = (parts[part][0], _WORDS[code])
    shown = sorted(
        (v for v in parts.values() if v[1] and abs(v[0]) > 0.1), key=lambda v: -abs(v[0])
    )
    return p, "; ".join(f"{'+' if v > 0 else '-'} {words}" for v, words in shown)
