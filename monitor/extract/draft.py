"""The plain data the extraction stages hand each other: a claim being built, and the state
that lives across sentences of one article."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from ..model import Span

if TYPE_CHECKING:
    from spacy.tokens import Token


@dataclass
class Draft:
    """A claim being built: the cue and its speaker token found in a sentence, the content as
    article character offsets, then the speaker's span and actor once resolved."""

    cue: tuple[int, int] | None  # char offsets in the article
    cue_lemma: str
    speaker_tok: Token | None
    content: tuple[int, int] | None
    type_hint: str  # the type the cue itself gives ("denied"), else ""
    sentence: tuple[int, int]
    how: str = ""  # why this is a cue, for --explain
    finite: bool = False  # the cue is a finite verb ("criticised"), not "to call", "vowing"
    source: str = "verb"  # the kind of cue: verb, noun, according-to; assertion (no cue)
    speaker: Span | None = None
    actor: str | None = None
    resolution: str = ""
    basis: str = "none"  # how the speaker was resolved, as a code (``Resolution.basis``)
    person: bool = False
    quote: bool = False  # the content is a quotation that may go on
    participle: bool = False  # ", calling it ...": may restate the claim before it
    sentence_no: int = 0
    continued: list[tuple[int, int]] = field(default_factory=list)  # quotes that go on with it
    also: list[tuple[int, int]] = field(default_factory=list)  # "and that B": its own claim
    label: tuple[int, int] | None = None  # the transcript label or header naming the speaker
    assertion: bool = False  # said in a turn or answer, with no cue: kept if typed or on a topic
    about: tuple[int, int] | None = None  # a round-up entry's "On X:": what the quote is about


class Resolution(NamedTuple):
    """Who a speaker mention stands for: the actor id (None: no watched actor), how that was
    decided (shown by ``--explain`` and in alerts), and whether it is a person ("he" may be
    them later) rather than a group ("they")."""

    actor: str | None
    how: str
    person: bool
    basis: str = "none"  # how, as a code the confidence table knows ("name", "pronoun-2", ...)


@dataclass
class Mention:
    """A party seen in the article, for resolving later pronouns and roles."""

    start: int
    text: str
    actor: str | None
    person: bool
    sentence: int
    speaker: bool  # a speaker or a grammatical subject: what "he" most often points back to


@dataclass
class Discourse:
    """What one article has told so far, as later sentences need it: the parties named (for
    "he", "the president"), the sentence count, where each sentence lies, and the claim whose
    quote may go on in the next paragraph."""

    mentions: list[Mention] = field(default_factory=list)
    sentence_no: int = 0
    sentence_spans: dict[int, tuple[int, int]] = field(default_factory=dict)
    open_quote: Draft | None = None  # the claim an uncued quote would continue
    owner: Resolution | None = None  # who speaks in this transcript turn, answer or entry
    interviewee: Resolution | None = None  # who answers an interview, once the lead named them
