"""One article's pass: its paragraphs come in parsed, in order; each sentence's cues become
drafts, quotes are given to the claims they continue, speakers are resolved against what the
article said before; at the end each draft becomes a claim with its type and topics."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import replace
from typing import TYPE_CHECKING

from ..model import Claim, Span
from . import explain, quotes
from .actors import ActorIndex
from .cues import CueFinder
from .draft import Discourse, Draft
from .nlp import Candidates
from .speakers import Speakers
from .structure import paragraphs
from .structure import quotes as quoted_stretches
from .topics import TopicMatcher
from .types import claim_type

if TYPE_CHECKING:
    from spacy.tokens import Doc


class ArticleRun:
    """The extraction of one article ``text``, with ``index`` for its publication day."""

    def __init__(
        self,
        text: str,
        index: ActorIndex,
        finder: CueFinder,
        topics: TopicMatcher,
        candidates: Candidates,
    ) -> None:
        self.text = text
        self.index = index
        self.finder = finder
        self.topics = topics
        self.candidates = candidates
        self.discourse = Discourse()
        self.speakers = Speakers(index, self.discourse)
        self.paragraphs = paragraphs(text)
        self.paragraph_starts = [start for start, _ in self.paragraphs]
        self.drafts: list[Draft] = []
        self.notes: list[explain.Note] = []  # why sentences naming a watched party hold none

    def paragraph(self, j: int, doc: Doc) -> None:
        """Take in the parse of paragraph ``j`` (paragraphs come in order)."""
        offset, para = self.paragraphs[j]
        self.drafts.extend(self._paragraph(offset, para, self.candidates(doc, para)))

    def claims(self) -> list[Claim]:
        """The article's claims, once every paragraph is in."""
        attributions = self.finder.attributions
        out: list[tuple[Draft, Claim]] = []
        for d in self.drafts:
            if d.content is None and not d.continued and not attributions:
                note = explain.says_nothing(self.index, d, self.text)
                if note is not None:
                    self.notes.append(note)
                continue
            claim = self._finish(d)
            if out and not attributions and d.participle:
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

    def _paragraph(self, offset: int, para: str, doc: Doc) -> list[Draft]:
        """The drafts of one paragraph (at ``offset`` in the article), speakers resolved."""
        spans = quoted_stretches(para)
        sents = list(doc.sents)
        found: list[tuple[int, Draft]] = []
        reasons: dict[int, list[str]] = {}
        for s_idx, sent in enumerate(sents):
            drafts, reasons[s_idx] = self.finder.sentence(doc, sent, spans, offset)
            found += [(s_idx, d) for d in drafts]
        carried, spans = quotes.carry_open_quote(para, spans, self.discourse)
        kept = quotes.own_words(found, self.finder.attributions)
        drafts = quotes.continue_quotes(para, offset, spans, [d for _, d in kept], carried)
        kept = [(s, d) for s, d in kept if d in drafts]
        quotes.leave_open(para, offset, spans, drafts, carried, self.discourse)
        claimed = [(d.content[0], d.content[1]) for d in drafts if d.content]
        claimed += [span for d in drafts for span in d.continued]
        claimed += [span for d in [carried] if d is not None for span in d.continued]
        out: list[Draft] = []
        by_sentence: dict[int, list[Draft]] = {}
        for s_idx, d in kept:
            by_sentence.setdefault(s_idx, []).append(d)
        names = list(self.index.find(para))  # watched names, paragraph offsets
        for s_idx, sent in enumerate(sents):
            self.discourse.sentence_no += 1
            made = by_sentence.get(s_idx, [])
            named = [n for n in names if sent.start_char <= n[0] < sent.end_char]
            start = offset + sent.start_char
            self.discourse.sentence_spans[self.discourse.sentence_no] = (
                start,
                offset + sent.end_char,
            )
            for d in made:
                d.sentence_no = self.discourse.sentence_no
                self.speakers.speaker(offset, para, doc, d)
            self.speakers.remember_names(offset, sent, made, spans, named)
            out.extend(made)
            if named and not made and not any(a <= start < b for a, b in claimed):
                self.notes.append(
                    explain.unclaimed(self.index, offset, sent, named, reasons[s_idx])
                )
        return out

    def _finish(self, d: Draft) -> Claim:
        """The claim a draft makes: its spans in the article, its type and topics."""
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
        ctype, key = claim_type(d, content, text, self.index)
        spans = self.discourse.sentence_spans
        before = [spans.get(d.sentence_no - back, (0, 0)) for back in (1, 2)]
        k = bisect_right(self.paragraph_starts, d.sentence[0]) - 1
        paragraph = self.paragraphs[max(k, 0)][1]
        return Claim(
            type=ctype,
            speaker=d.speaker,
            cue=cue,
            content=content,
            sentence=Span(sent_lo, sent_hi, text[sent_lo:sent_hi]),
            actor=d.actor,
            topics=self.topics.of_claim(text, content, d.sentence, before, paragraph),
            resolution=d.resolution,
            key=key,
            cue_reason=d.how,
        )


def _merged(first: Claim, second: Claim, text: str) -> Claim:
    """One claim whose content runs over both (the second restates the first)."""
    parts = [c for c in (first.content, second.content) if c is not None]
    lo, hi = min(c.start for c in parts), max(c.end for c in parts)
    topics = first.topics + tuple(t for t in second.topics if t not in first.topics)
    return replace(first, content=Span(lo, hi, text[lo:hi]), topics=topics)
