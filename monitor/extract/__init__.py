"""Split an article into attributed claims: who said what, with which cue, on which topic.

Pure: text and watchlist in, claims out. ``Extractor`` is the one entry; the modules are its
decisions, in the order an article walks them:

- ``nlp``: the spaCy pipeline, loaded once, its POS and lemmas memoised per word;
- ``structure``: paragraphs, quoted stretches, the sentences of a content;
- ``cues``: which words report speech (learned from PolNeAR, plus the speech acts typed);
- ``subjects``: which token speaks for a cue; ``content``: what it says;
- ``quotes``: which claim an uncued quote continues, across sentences and paragraphs;
- ``speakers``: who a speaker is (names, pronouns, roles, institutions), against ``actors``,
  the watchlist as patterns for the article's day;
- ``types``: the claim type, from the cue else the content; ``topics``: the watchlist topics;
- ``explain``: why a sentence naming a watched party holds no claim.

``article`` runs them over one article; ``draft`` holds the plain data they pass; ``lexicon``
and ``syntax`` are the word lists and parse helpers they share.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from typing import TYPE_CHECKING

from ..config import Watchlist
from ..model import Claim
from ..stance import with_stances
from .actors import ActorIndex, names_side
from .article import ArticleRun
from .cues import CUE_THRESHOLD, CueFinder, cue_model
from .explain import Note
from .nlp import MODEL, CachedAttributes, Candidates, load_nlp
from .topics import TopicMatcher

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

__all__ = ["MODEL", "Extractor", "Note", "load_nlp"]


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
            CachedAttributes(self.nlp.get_pipe("attribute_ruler"), self.nlp.get_pipe("lemmatizer"))
            if memoise and len(self._slow) == 2
            else None
        )
        self.finder = CueFinder(cue_model(), CUE_THRESHOLD, attributions)
        self.candidates = Candidates(self.nlp)
        self.topics = TopicMatcher(watchlist, self.nlp)
        self.topic_keywords = self.topics.keywords  # each topic's keywords, as matched
        self._indexes: dict[date | None, ActorIndex] = {}

    def memoised_attributes(self, doc: Doc) -> Doc:
        """POS, morphology and lemmas for a doc parsed without the attribute ruler and
        lemmatizer (as ``extract`` parses), from the memo where it has them."""
        return self._attributes(doc) if self._attributes is not None else doc

    def _index(self, published: date | None) -> ActorIndex:
        if published not in self._indexes:
            self._indexes[published] = ActorIndex(self.watchlist, published)
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

    def start(self, text: str, published: date | None = None) -> Extraction:
        """An extraction of ``text`` to advance a few paragraphs at a time (``Extraction``),
        for a caller that bounds its time or lets other work run between the steps."""
        return Extraction(self, text, published)

    def names_side(self, text: str, actor: str) -> bool:
        """Whether ``text`` names ``actor``'s side: the actor, the institution it belongs to or
        one of that institution's people, by name, alias or demonym ("Ukrainian forces")."""
        return names_side(self._index(None), text, actor)

    def topics_of(self, text: str, strong_only: bool = False) -> tuple[str, ...]:
        """The watchlist topics whose keywords occur in ``text``, in watchlist order; a weak
        keyword ("talks", "port") counts only when no other topic's keyword does, and not at
        all with ``strong_only``."""
        return self.topics(text, strong_only)

    def _runs(
        self, articles: Iterable[tuple[str, date | None]], n_process: int = 1, batch_size: int = 64
    ) -> Iterator[ArticleRun]:
        runs: list[ArticleRun | None] = [
            ArticleRun(t, self._index(day), self.finder, self.topics, self.candidates)
            for t, day in articles
        ]
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

        def hand_out(k: int) -> ArticleRun:
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

    def _claims(self, run: ArticleRun) -> list[Claim]:
        return [with_stances(claim, self.watchlist) for claim in run.claims()]


class Extraction:
    """One article's extraction, advanced a few paragraphs at a time; what lives across
    paragraphs (the parties named, a transcript's speaker, an interview's interviewee) is kept
    between the steps, so the claims are those ``Extractor.extract`` finds, however the
    steps were cut. ``claims()`` may be called early: it gives the claims of what was read."""

    def __init__(self, extractor: Extractor, text: str, published: date | None) -> None:
        self.extractor = extractor
        self.run = ArticleRun(
            text,
            extractor._index(published),
            extractor.finder,
            extractor.topics,
            extractor.candidates,
        )
        self.next = 0  # the next paragraph to read

    @property
    def done(self) -> bool:
        return self.next >= len(self.run.paragraphs)

    @property
    def position(self) -> int:
        """The character of the article reading has reached."""
        paragraphs = self.run.paragraphs
        return paragraphs[self.next][0] if not self.done else len(self.run.text)

    @property
    def found(self) -> int:
        """Claims (and cues not yet judged) found so far: a cheap count for a budget."""
        return len(self.run.drafts)

    def advance(self, chars: int) -> None:
        """Parse and read the next paragraphs, up to ``chars`` characters (one at least)."""
        ex, paragraphs = self.extractor, self.run.paragraphs
        batch: list[int] = []
        size = 0
        while self.next + len(batch) < len(paragraphs):
            length = len(paragraphs[self.next + len(batch)][1])
            if batch and size + length > chars:
                break
            batch.append(self.next + len(batch))
            size += length
        texts = [paragraphs[j][1] for j in batch]
        docs = ex.nlp.pipe(texts, disable=ex._slow if ex._attributes else [])
        for j, doc in zip(batch, docs, strict=True):
            self.run.paragraph(j, ex.memoised_attributes(doc))
            self.next = j + 1

    def claims(self) -> list[Claim]:
        """The claims of what has been read."""
        return self.extractor._claims(self.run)
