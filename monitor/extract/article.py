"""One article's pass: its paragraphs come in parsed, in order; each sentence's cues become
drafts, quotes are given to the claims they continue, speakers are resolved against what the
article said before; at the end each draft becomes a claim with its type and topics."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from dataclasses import replace
from typing import TYPE_CHECKING

from ..model import Claim, Span
from . import assertions, explain, quotes
from .actors import ActorIndex
from .confidence import confidence
from .cues import CueFinder
from .draft import Discourse, Draft, Mention, Resolution
from .heart import heart
from .lexicon import FIRST_PERSON, GROUP_PRONOUNS
from .nlp import Candidates
from .speakers import Speakers
from .structure import Role, layout, paragraphs, sentences
from .structure import quotes as quoted_stretches
from .topics import TopicMatcher
from .types import claim_type

if TYPE_CHECKING:
    from spacy.tokens import Doc


# A round-up entry's own heading: "- On the talks in Riyadh: “...”"
_ABOUT = re.compile(r"\W*On\s+([^:“\"]{2,160}):")


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
        raw = paragraphs(text)
        self.roles = layout(raw)
        # what is parsed: a transcript turn without its label ("THE PRESIDENT: ")
        self.paragraphs = [
            (o + r.body, p[r.body :]) for (o, p), r in zip(raw, self.roles, strict=True)
        ]
        self.labels = [
            (raw[r.label_paragraph][0] + r.label[0], raw[r.label_paragraph][0] + r.label[1])
            if r.label is not None
            else None
            for r in self.roles
        ]
        self.paragraph_starts = [start for start, _ in self.paragraphs]
        self.drafts: list[Draft] = []
        self.notes: list[explain.Note] = []  # why sentences naming a watched party hold none
        self._story: Counter[str] | None = None  # the topics the whole story names

    def paragraph(self, j: int, doc: Doc) -> None:
        """Take in the parse of paragraph ``j`` (paragraphs come in order)."""
        offset, para = self.paragraphs[j]
        doc = self.candidates(doc, para)
        role = self.roles[j]
        if role.kind in ("question", "aside"):  # no claims; names seen stay for "he" later
            self._quiet(offset, para, doc)
            return
        lead = self.speakers.lead(role.label_text) if role.kind == "lead" else None
        owner = lead[0] if lead else self._owner(role)
        self.discourse.owner = owner
        if role.kind == "answer" and owner is not None:
            # the reporter's "he added" in an answer is the interviewee, not the last named
            self.discourse.mentions.append(
                Mention(
                    offset,
                    "the interviewee",
                    owner.actor,
                    True,
                    self.discourse.sentence_no + 1,
                    True,
                )
            )
        drafts = self._paragraph(offset, para, doc)
        if owner is not None:
            label = self.labels[j]
            if lead and role.label:  # the name, not the whole lead-in
                lo, hi = lead[1]
                label = (offset + role.label[0] + lo, offset + role.label[0] + hi)
            drafts = self._attributed(offset, para, doc, role, owner, drafts, label)
        self.discourse.owner = None
        self.drafts.extend(drafts)

    def _owner(self, role: Role) -> Resolution | None:
        """Who speaks in a paragraph by the layout: a label's or header's actor, else (an
        answer, a key moment) the interviewee; None for prose (and a round-up's lead-in, which
        ``Speakers.lead`` reads with where its name lies)."""
        if role.kind in ("turn", "entry") and role.label_text:
            return self.speakers.label(role.label_text)
        if role.kind in ("answer", "entry"):
            return self.speakers.interviewee()
        return None

    def _kind(
        self, offset: int, span: tuple[int, int], owner: Resolution
    ) -> tuple[str, tuple[str, ...]] | None:
        """What a sentence of a speaker's own says: its type and the topics its words name;
        None for a plain one (a statement on nothing watched, or a question)."""
        lo, hi = offset + span[0], offset + span[1]
        said = self.text[lo:hi]
        if said.rstrip("”\"’' ").endswith("?"):
            return None
        probe = Draft(None, "", None, (lo, hi), "", (lo, hi), actor=owner.actor)
        probe.person = owner.person
        ctype, _, _ = claim_type(probe, Span(lo, hi, said), self.text, self.index)
        topics = self.topics(said)
        return None if ctype == "statement" and not topics else (ctype, topics)

    def _quiet(self, offset: int, para: str, doc: Doc) -> None:
        """A question or an aside: counted as sentences, its watched names remembered, but no
        claim, and no quote runs on through it."""
        self.discourse.open_quote = None
        names = list(self.index.find(para))
        for sent in doc.sents:
            self.discourse.sentence_no += 1
            start = offset + sent.start_char
            self.discourse.sentence_spans[self.discourse.sentence_no] = (
                start,
                offset + sent.end_char,
            )
            named = [n for n in names if sent.start_char <= n[0] < sent.end_char]
            self.speakers.remember_names(offset, sent, [], [], named)

    def _attributed(
        self,
        offset: int,
        para: str,
        doc: Doc,
        role: Role,
        owner: Resolution,
        drafts: list[Draft],
        label: tuple[int, int] | None,
    ) -> list[Draft]:
        """A turn, answer or entry: its cue claims (reported speech, "I said"), less the vague
        ones (``_vague``), whose sentences the speaker's own points hold; then those points."""
        drafts = [d for d in drafts if not _vague(d)]
        if role.kind == "lead" and role.label:  # the lead-in's verb is the owner, said once
            lead_end = offset + role.label[1]
            drafts = [d for d in drafts if d.cue is None or d.cue[0] >= lead_end]
        for d in drafts:  # "I said ...", "we told them ...": the speaker's own point
            if d.speaker_tok is not None and d.speaker_tok.lower_ in FIRST_PERSON:
                d.assertion = True
        entry = role.kind in ("entry", "lead")
        regions = quoted_stretches(para) if entry else [(0, len(para))]
        about: tuple[int, int] | None = None
        if role.kind == "lead" and role.label:
            about = role.label
        elif entry and (on := _ABOUT.match(para)):
            about = on.span(1)
        covered = [(a - offset, b - offset) for d in drafts if d.content for a, b in [d.sentence]]
        kind = {"turn": "a transcript turn", "answer": "an interview answer"}.get(
            role.kind, "a round-up quote"
        )
        made = [
            Draft(
                cue=None,
                cue_lemma="",
                speaker_tok=None,
                content=(offset + s, offset + e),
                type_hint="",
                sentence=(offset + s, offset + e),
                how=f"said in {kind}",
                actor=owner.actor,
                resolution=owner.how,
                basis=owner.basis,
                person=owner.person,
                sentence_no=self.discourse.sentence_no,
                label=label,
                assertion=True,
                about=(offset + about[0], offset + about[1]) if about else None,
            )
            for s, e in assertions.points(
                list(doc.sents), regions, covered, lambda span: self._kind(offset, span, owner)
            )
        ]
        return sorted(drafts + made, key=lambda d: d.sentence[0])

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
            if d.assertion and not self._worth(claim):
                continue  # small talk, a plan, or a statement on nothing watched
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
        carried = quotes.carry_open_quote(self.discourse)
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

    def _worth(self, claim: Claim) -> bool:
        """Whether a point a speaker made in their own words is a claim: any typed one; a
        statement only where its own words name a watched topic or another watched party
        (small talk names neither)."""
        said = claim.content.text if claim.content else ""
        if claim.type != "statement":
            return True
        return bool(self.topics(said)) or any(
            ident != claim.actor for _, _, ident in self.index.find(said)
        )

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
        ctype, key, type_basis = claim_type(d, content, text, self.index)
        spans = self.discourse.sentence_spans
        before = [spans.get(d.sentence_no - back, (0, 0)) for back in (1, 2)]
        k = bisect_right(self.paragraph_starts, d.sentence[0]) - 1
        paragraph = self.paragraphs[max(k, 0)][1]
        topics, topic_basis = self.topics.of_claim(text, content, d.sentence, before, paragraph)
        if self._story is None:
            self._story = self.topics.story([p for _, p in self.paragraphs])
        topics = self.topics.in_story(topics, topic_basis, self._story, d.assertion)
        if d.about:  # a round-up's "On the talks in Riyadh:" says what the quote is about
            more = self.topics(text[d.about[0] : d.about[1]])
            topics = tuple(t for t in self.topics.ids if t in topics or t in more)
            topic_basis = topic_basis if topic_basis.startswith("content") else "about"
        source = "assertion" if d.assertion and d.cue is None else d.source
        basis = (
            f"source:{source}",
            f"speaker:{d.basis}",
            f"type:{type_basis}",
            f"type-is:{ctype}",
            f"topic:{topic_basis}",
            f"topics:{min(len(topics), 2)}",
            f"length:{_length(content)}",
            f"words:{'quoted' if content and content.text.lstrip()[:1] in _QUOTES else 'reported'}",
            f"cue-is:{d.cue_lemma or 'none'}",
        )
        p, why = confidence(basis)
        # the speaker's own verb opens the headline where it says the type itself ("denied",
        # "urged", "accused") or the claim is a plain statement ("thanked Ireland")
        says_type = d.finite and (type_basis == "cue" or ctype == "statement")
        said, follows, own_verb = heart(
            text, content, key, ctype, cue if says_type else None, d.cue_lemma
        )
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
            label=Span(d.label[0], d.label[1], text[d.label[0] : d.label[1]]) if d.label else None,
            basis=basis,
            confidence=p,
            confidence_why=why,
            heart=said,
            heart_object=follows,
            heart_verb=own_verb,
        )


_QUOTES = frozenset("\"“‘'«")


def _length(content: Span | None) -> str:
    """The content's length as a basis code: its sentences, 1, 2-3 or 4+ (a long answer's
    type and topics are the least sure)."""
    n = len(sentences(content)) if content else 0
    return "1" if n <= 1 else "2-3" if n <= 3 else "4+"


def _vague(d: Draft) -> bool:
    """A cue in a speaker's own words with no one behind it: no subject, "they say", "it
    was said", a pronoun resolved to no one, a common noun that is no watched party ("people
    are saying", "history repeats itself", "our view has been clear"). The speaker's own point
    holds that sentence."""
    tok = d.speaker_tok
    if tok is None or tok.lower_ in GROUP_PRONOUNS:
        return True
    return d.actor is None and (
        (tok.pos_ == "PRON" and tok.lower_ not in FIRST_PERSON) or tok.pos_ == "NOUN"
    )


def _merged(first: Claim, second: Claim, text: str) -> Claim:
    """One claim whose content runs over both (the second restates the first)."""
    parts = [c for c in (first.content, second.content) if c is not None]
    lo, hi = min(c.start for c in parts), max(c.end for c in parts)
    topics = first.topics + tuple(t for t in second.topics if t not in first.topics)
    return replace(first, content=Span(lo, hi, text[lo:hi]), topics=topics)
