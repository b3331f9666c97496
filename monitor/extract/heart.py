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


def heart(text: str, content: Span | None, key: Span | None, ctype: str) -> tuple[str, bool]:
    """The words a headline gives after its verb, and whether they follow the verb itself
    (True: "demands the presence of ...") rather than a colon ("denies: the story ...")."""
    if key is not None:
        said = key.text
    elif content is not None:
        lo, hi = sentences(content)[0]
        said = text[lo:hi]
    else:
        return "", False
    said = _trim(re.sub(r"\s+", " ", said))
    while (shorter := _FILLER.sub("", said, count=1)) != said:
        said = _trim(shorter)
    wanted = _WANT.match(said) if ctype == "demand" else None
    follows = wanted is not None
    if wanted is not None:
        said = _trim(wanted.group("what"))
    if len(said) > MAX_CHARS:
        said = said[:MAX_CHARS].rsplit(" ", 1)[0].rstrip(_EDGES) + "…"
    return said, follows


def _trim(said: str) -> str:
    """Without punctuation at its ends, nor quote marks that enclose the whole of it."""
    said = said.strip(_EDGES)
    while len(said) > 1 and said[0] in _QUOTES and said[-1] in _QUOTES:
        said = said[1:-1].strip(_EDGES)
    if said[:1] in _QUOTES and sum(said.count(q) for q in _QUOTES) % 2:
        said = said[1:].strip(_EDGES)  # an opening mark whose quote ends past the heart
    return said
