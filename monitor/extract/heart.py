"""The heart of a claim: the few words an alert's headline gives after the speaker and the
verb, so that it reads as the claim ("Zelensky demands the presence of American troops", not
"Zelensky demands: Of course, we are discussing this with President Trump ...").

It is the sentence of the content that decided the type (else the content's first sentence),
without the talk around it ("Of course,", "Look,", "I think"); a first person's want ("We want
X", "we need X") becomes what is demanded, to follow the verb itself.
"""

from __future__ import annotations

import re

from ..model import Span
from .structure import sentences

MAX_CHARS = 100  # a headline's claim is cut at a word boundary past this

# Words that open a spoken or reported sentence without saying anything of the claim.
# Written by hand from transcripts and quotes.
_FILLER = re.compile(
    r"^(?:of course|look|well|so|and|but|yes|no|now|again|frankly|honestly|obviously|"
    r"you know|i mean|i think|i believe|we think|we believe|i would say|i'd say|i must say|"
    r"that|as|also|in fact|indeed|first|firstly|second|secondly|finally)\b[,:]?\s+",
    re.I,
)
# "We want the presence of American troops": what a first person wants is what is demanded
_WANT = re.compile(
    r"^(?:we|i)\s+(?:also\s+|really\s+|still\s+)?(?:want|need|demand|call for|ask for|insist on|"
    r"expect)\s+(?!to\b)(?P<what>.+)$",
    re.I,
)
_EDGES = " ,.;:-–—…"
_QUOTES = "\"“”‘’'«»"


# Verbs that only say that something was said: their content, not the verb, is the heart
# ("Zelensky predicts: Russia would step up attacks"). Others carry the claim themselves and
# open the heart ("Zelensky criticised Amnesty over the report"). By hand.
_SAYING = frozenset(
    "say tell add state note claim write post announce comment explain report reply answer "
    "respond declare stress emphasise emphasize insist argue suggest".split()
)
# between the verb and its content: nothing, or a word that joins them ("called for ...",
# "warned that ...", "spoke of ..."); not a party ("accused Ukraine of ..." keeps its colon)
_OWN_VERB_GAP = re.compile(r"\s*(?:(?:for|on|to|that|of|with|about|against|out)\s+)?")


def heart(
    text: str,
    content: Span | None,
    key: Span | None,
    ctype: str,
    cue: Span | None = None,
    cue_lemma: str = "",
) -> tuple[str, bool, bool]:
    """The words a headline gives after the speaker, whether they follow the type's verb
    itself (True: "demands the presence of ...") rather than a colon ("denies: the story ..."),
    and whether they open on the speaker's own verb ("criticised Amnesty over the report",
    "denied responsibility", "urged Ukraine's allies to do more": a cue that carries the claim,
    its object or clause right after it); then the headline is the speaker and the heart."""
    if (
        cue is not None
        and content is not None
        and cue_lemma
        and cue_lemma not in _SAYING
        and cue.end <= content.start
        and _OWN_VERB_GAP.fullmatch(text, cue.end, content.start)
        and text[content.start : content.start + 1] not in _QUOTES
    ):
        lo, hi = sentences(content)[0]
        said = re.sub(r"\s+", " ", text[cue.start : hi]).strip(_EDGES)
        if len(said) > MAX_CHARS:
            said = said[:MAX_CHARS].rsplit(" ", 1)[0].rstrip(_EDGES) + "…"
        return said, False, True
    if key is not None:
        said = key.text
    elif content is not None:
        lo, hi = sentences(content)[0]
        said = text[lo:hi]
    else:
        return "", False, False
    said = _trim(re.sub(r"\s+", " ", said))
    while (shorter := _FILLER.sub("", said, count=1)) != said:
        said = _trim(shorter)
    wanted = _WANT.match(said) if ctype == "demand" else None
    follows = wanted is not None
    if wanted is not None:
        said = _trim(wanted.group("what"))
    if len(said) > MAX_CHARS:
        said = said[:MAX_CHARS].rsplit(" ", 1)[0].rstrip(_EDGES) + "…"
    return said, follows, False


def _trim(said: str) -> str:
    """Without punctuation at its ends, nor quote marks that enclose the whole of it."""
    said = said.strip(_EDGES)
    while len(said) > 1 and said[0] in _QUOTES and said[-1] in _QUOTES:
        said = said[1:-1].strip(_EDGES)
    if said[:1] in _QUOTES and sum(said.count(q) for q in _QUOTES) % 2:
        said = said[1:].strip(_EDGES)  # an opening mark whose quote ends past the heart
    if said[-1:] in _QUOTES and sum(said.count(q) for q in _QUOTES) % 2:
        said = said[:-1].strip(_EDGES)  # a closing mark whose quote opened before it
    return said
