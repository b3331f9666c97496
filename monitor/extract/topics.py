"""Topics: the watchlist topics whose keywords a claim's own words name, else those the story
around it names without ambiguity.

A topic given only a description ("Drone and missile strikes") is found by the phrases its
description names. A weak keyword ("talks", "port") counts only when no other topic's keyword
does. Where a claim's own words name no topic, the gold, and a reader, take one from the story
around it: the sentence that reports it, the sentences before when it speaks of "the
incident", then its paragraph (unambiguous keywords only). Each of these steps was measured
on Guardian dev (README, "What did not help").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..config import Watchlist, phrase_pattern
from ..model import Span
from .structure import REPORTER_TAIL

if TYPE_CHECKING:
    from spacy.language import Language

TOPIC_CHARS = 250  # topic words count in this much of a long quote
_WORD = re.compile(r"\w+")
# Nouns of a topic description that say too little alone to find the topic ("and their
# effects"), and modifiers that say nothing of it; written by hand from the scorer's watchlist.
_VAGUE_NOUNS = frozenset(
    "claim denial effect presence control safety threat issue support other part party side way "
    "thing matter question case kind type form role use war leader region plant supply deal "
    "delivery".split()
)
_VAGUE_MODIFIERS = frozenset("other such same various several many new".split())
# A definite description that points back to what the story has just told.
_ANAPHOR = re.compile(
    r"\b(the|these|those|this|that|such) (incident|accusations?|claims?|allegations?|attacks?"
    r"|strikes?|reports?|remarks|comments|charges?|issue|matter|plan|proposal|idea|move|decision"
    r"|deal|talks|story|events?)\b",
    re.I,
)


class TopicMatcher:
    """Every topic's keywords in one pattern, a named group per topic: one pass per text."""

    def __init__(self, watchlist: Watchlist, nlp: Language) -> None:
        self.keywords = {
            ident: t.keywords or described_keywords(nlp, t.description) or [ident]
            for ident, t in watchlist.topics.items()
        }
        groups = [
            f"(?P<t{n}>" + "|".join(phrase_pattern(k) for k in keywords) + ")"
            for n, keywords in enumerate(self.keywords.values())
        ] + [
            f"(?P<w{n}>" + "|".join(phrase_pattern(k) for k in t.weak_keywords) + ")"
            for n, t in enumerate(watchlist.topics.values())
            if t.weak_keywords
        ]
        self.ids = list(watchlist.topics)
        self._pattern = re.compile("|".join(groups), re.I) if groups else None
        # the pattern is tried only where a word can start a keyword: a long alternation tried
        # at every character costs more than everything else the rules do
        self._firsts, self._prefixes = _keyword_starts(
            k
            for ident, t in watchlist.topics.items()
            for k in [*self.keywords[ident], *t.weak_keywords]
        )

    def __call__(self, text: str, strong_only: bool = False) -> tuple[str, ...]:
        """The topics whose keywords occur in ``text``, in watchlist order; a weak keyword
        counts only when no other topic's keyword does, and not at all with ``strong_only``."""
        if self._pattern is None:
            return ()
        strong: set[int] = set()
        weak: set[int] = set()
        firsts, prefixes, pattern = self._firsts, self._prefixes, self._pattern
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
        return tuple(self.ids[n] for n in sorted(strong))

    def story(self, paragraphs: list[str]) -> Counter[str]:
        """How many paragraphs of a story name each topic by an unambiguous keyword: what the
        story is about, against which a claim's own keywords are read."""
        return Counter(t for para in paragraphs for t in self(para, strong_only=True))

    def in_story(
        self, topics: tuple[str, ...], basis: str, story: Counter[str], spoken: bool
    ) -> tuple[str, ...]:
        """A claim's topics as the story reads them: in a speaker's own words (``spoken``: a
        transcript, an interview), a topic found by a weak keyword alone ("peace", "deal")
        counts only in a story that names it unambiguously somewhere; of
        several topics, those the story names at least half as often as its main one of them
        ("we want peace" in a story about Iran is about Iran, not peace talks)."""
        if basis == "content-weak" and spoken:
            topics = tuple(t for t in topics if story[t])
        if len(topics) > 1:
            top = max(story[t] for t in topics)
            topics = tuple(t for t in topics if story[t] * 2 >= top)
        return topics

    def of_claim(
        self,
        text: str,
        content: Span | None,
        sentence: tuple[int, int],
        before: list[tuple[int, int]],
        paragraph: str,
    ) -> tuple[tuple[str, ...], str]:
        """A claim's topics, and where they were found: in what was claimed (the start of a
        long quote: "content", or "content-weak" by weak keywords alone); else, by the
        unambiguous keywords, in the sentence that reports it ("sentence"), in the ``before``
        sentences (nearest first) when it speaks of "the incident" or "the accusations"
        ("anaphor"), or in its ``paragraph`` ("paragraph"); "none". Offsets are the article
        ``text``'s."""
        lo, hi = (content.start, content.end) if content else sentence
        own = REPORTER_TAIL.split(text[lo : min(hi, lo + TOPIC_CHARS)])[0]  # not ", despite ..."
        topics = self(own)
        if topics:
            return topics, "content" if self(own, strong_only=True) else "content-weak"
        if content is not None:
            topics = self(text[sentence[0] : sentence[1]], strong_only=True)
            if topics:
                return topics, "sentence"
        if _ANAPHOR.search(text[sentence[0] : sentence[1]]):
            for lo, hi in before:
                topics = topics or self(text[lo:hi], strong_only=True)
            if topics:
                return topics, "anaphor"
        topics = self(paragraph, strong_only=True)
        return topics, "paragraph" if topics else "none"


def described_keywords(nlp: Language, description: str) -> list[str]:
    """The things a topic's description names: each noun phrase's head noun with the
    word before it ("missile strike", "war crime") and the head alone unless it says
    little by itself ("claims", "effects"); names of places and people are left out."""
    if not description.strip():
        return []
    doc = nlp(description)
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
