"""Word lists shared by the stages: which verbs and nouns report speech, which report beliefs
or acts instead, and the type a cue word gives its claim.

The learned part of the cue lexicon is data (``monitor/data/cues.tsv``, ``cue_frames.tsv``,
``cue_phrases.tsv``, counts from PolNeAR's training split, written by ``tools/learn_cues.py``).
The lists here were written by hand, from the claim type definitions of
``../shared/eval/watchlist.yaml`` and while reading the 2022 war articles; each says what it
decides. Lemmas are spaCy's, in lower case.
"""

from __future__ import annotations

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
# Cues that need a clause or a quote to be a claim at all: "told reporters" says nothing, and
# "Russia maintains maximalist demands", "asserted control", "declared martial law", "pressed
# its claim" are a writer's characterisation or an act, not something said.
NEEDS_CLAUSE = frozenset(
    "say tell add note explain write report reply respond comment maintain assert declare "
    "stress emphasise emphasize underline underscore press".split()
)
# Acts, not speech: "Russia attacked Kyiv" is no claim; in a claim, they make threats and
# accusations ("we will strike", "Ukraine had attacked ...").
HOSTILE_VERBS = frozenset(
    "attack strike shell bomb kill invade escalate sabotage provoke violate destroy target "
    "launch fire seize occupy annex torture execute murder loot blackmail deport kidnap "
    "rape massacre block blockade hit".split()
)
# Their inflected forms as they appear in text, where no parse is at hand.
HOSTILE_FORMS = frozenset(
    "attacked attacking attacks struck striking strikes shelled shelling bombed bombing killed "
    "killing invaded escalated escalating sabotaged provoked violated destroyed destroying "
    "targeted targeting launched fired seized occupied annexed tortured executed murdered looted "
    "blocked deported kidnapped raped hitting hits".split()
)
# Pronouns for a person ("he" resolves to persons only) and for a group or an institution.
PERSON_PRONOUNS = frozenset("he him his she her".split())
GROUP_PRONOUNS = frozenset("they them their it its".split())
# The speaker's own pronouns: in a transcript turn or an interview answer they are its speaker.
FIRST_PERSON = frozenset("i me my we us our".split())
