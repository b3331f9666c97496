"""Who a speaker is: a name or alias of the watchlist, a pronoun ("he", "they") resolved to the
party last named, a role ("the president", "Russia's top diplomat") to its holder on the day,
an official or an institution ("Ukrainian forces", "a source close to Macron") to the
government it speaks for. Every decision is written down (``Resolution.how``) for
``--explain`` and alerts.

The state it reads and writes across sentences (the parties named so far) is the article's
``Discourse``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ..model import Span
from .actors import DEMONYMS, ActorIndex
from .draft import Discourse, Draft, Mention, Resolution
from .lexicon import FIRST_PERSON, GROUP_PRONOUNS, PERSON_PRONOUNS
from .syntax import NOT_SPEAKER, chars, subtree_span, trim

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

# The tables below were written by hand while reading the 2022 war articles and the NYT and
# mixed gold sets' misses (tools/gold/README.md).
# Heads of a speaker phrase that speak for the party named in it ("Ukrainian forces", "a
# source close to Macron", "Zelensky's office"); a person head ("a Ukrainian soldier") does not.
INSTITUTION_HEADS = frozenset(
    "source sources official officials aide aides spokesman spokeswoman spokesperson adviser "
    "advisor advisers advisors office ministry ministries people insider insiders diplomat "
    "diplomats authorities authority forces force military army navy government administration "
    "command staff embassy intelligence services service department agency defence defense "
    "representative representatives envoy delegation leadership mission presidency cabinet "
    "troops guard headquarters".split()
)
# Words of a news outlet's name ("The Moscow Times", "Agence France-Presse", "Kyiv Independent")
MEDIA_NAMES = frozenset(
    "times post independent presse press news newswire radio television tv newspaper "
    "journal herald gazette tribune telegraph observer daily mirror broadcasting".split()
)
# Heads that make a person's name the government's: "the Biden administration".
GOVERNMENT_HEADS = frozenset("administration government cabinet".split())
# Offices whose unnamed holder speaks for their country ("Russia's defence minister said").
OFFICIAL_ROLES = frozenset(
    "minister president premier chancellor spokesman spokeswoman spokesperson envoy ambassador "
    "diplomat commander prosecutor adviser advisor aide secretary".split()
)
# Nouns of a topic description that say too little alone to find the topic ("and their effects")
# Newsroom names for an office: "Russia's top diplomat" is its foreign minister.
_TITLE_SYNONYMS = {
    "top diplomat": "foreign minister",
    "chief diplomat": "foreign minister",
    "foreign secretary": "foreign minister",
}
_NOT_IN_OFFICE = frozenset("former ex opposition exiled late then".split())
# Heads of a definite description that names a person already in the story ("the diplomat").
PERSON_ROLES = frozenset(
    "diplomat minister president leader chancellor premier politician statesman spokesman "
    "spokeswoman envoy chief head secretary commander ambassador veteran official".split()
)
_MAX_BACK = 3  # sentences a pronoun may reach back to its antecedent
_MAX_ROLE_BACK = 12  # sentences "the president" may reach back to the president last named


# How far into a round-up line's lead-in its subject may start ("Secretary of State Marco
# Rubio": four words of title). By hand.
LEAD_WORDS = 5


class Speakers:
    """Resolves the speakers of one article, sentence after sentence, against ``index`` (the
    watchlist on the article's day) and what ``discourse`` has seen so far."""

    def __init__(self, index: ActorIndex, discourse: Discourse) -> None:
        self.index = index
        self.discourse = discourse

    def speaker(self, offset: int, para: str, doc: Doc, d: Draft) -> None:
        """Set the speaker span, actor and resolution of ``d``, found in paragraph ``para``
        (at ``offset`` in the article), and remember the mention."""
        tok = d.speaker_tok
        if tok is None:
            d.resolution = "no speaker in the sentence"
            return
        r = trim(doc, subtree_span(tok, NOT_SPEAKER))
        if tok.dep_ == "poss":
            r = range(r.start, min(r.stop, tok.i + 1))
        s, e = chars(doc, r)
        if para[s:e].endswith(("'s", "’s")):
            e -= 2
        d.speaker = Span(offset + s, offset + e, para[s:e])
        d.actor, d.resolution, d.person, d.basis = self._resolve(tok, para[s:e], s)
        self.discourse.mentions.append(
            Mention(offset + s, para[s:e], d.actor, d.person, self.discourse.sentence_no, True)
        )
        if d.person and any(
            c.dep_ == "conj" and c.lower_ in INSTITUTION_HEADS for c in tok.children
        ):
            # "Mr. Zelensky and his aides have appealed ...": a later "they" is his camp
            group = para[s : chars(doc, trim(doc, subtree_span(tok)))[1]]
            self.discourse.mentions.append(
                Mention(offset + s, group, d.actor, False, self.discourse.sentence_no, True)
            )

    def label(self, text: str) -> Resolution:
        """Who a transcript label ("THE PRESIDENT", "MS. LEAVITT") or a round-up header
        ("Secretary of State Marco Rubio on ABC This Week") names: a watched name or alias in
        it, else the one holder of the office it names on the day ("the president")."""
        name = re.sub(r"\s+on\s+.*$", "", text.strip().rstrip(":"))  # "... on Face the Nation"
        shown = f'"{text.strip()}"'
        matches = list(self.index.find(name))
        if matches:
            ident = matches[-1][2]
            actor = self.index.actor(ident)
            return Resolution(ident, f"{shown} → {actor.name}", actor.kind == "person", "name")
        office = re.sub(
            r"^(the|mr|ms|mrs|dr|madam|mister)\.?\s+", "", " ".join(name.lower().split())
        )
        holder = self.index.holder(office)
        if holder is not None:
            actor = self.index.actor(holder)
            return Resolution(
                holder, f"{shown} → {actor.name} (the {office} on the day)", True, "office"
            )
        return Resolution(None, f"{shown}: names no watched actor", True, "none")

    def lead(self, text: str) -> tuple[Resolution, tuple[int, int]] | None:
        """Who a round-up line's lead-in names as its subject ("President Trump underscored
        ...", "Secretary of State Marco Rubio detailed ..."), and where the name lies in
        ``text``: a watched name or alias among its first words (``LEAD_WORDS``); None when it
        opens on no one watched."""
        for start, end, ident in self.index.find(text):
            if len(text[:start].split()) > LEAD_WORDS:
                break
            actor = self.index.actor(ident)
            how = f'"{text[start:end]}" leads the quote → {actor.name}'
            return Resolution(ident, how, actor.kind == "person", "label"), (start, end)
        return None

    def interviewee(self) -> Resolution:
        """Who answers in an interview whose answers name no speaker: the first person the
        lead names as a speaker or subject ("Zelensky tells the BBC", "In an interview with
        Politico, Trump said ...", "MP Ravi Karunanayake in an interview with the Daily Mirror
        said ..."), watched or not, so that an unwatched interviewee's answers are no one's."""
        if self.discourse.interviewee is None:
            first = next((m for m in self.discourse.mentions if m.person and m.speaker), None)
            if first is None:
                self.discourse.interviewee = Resolution(None, "no interviewee named", True, "none")
            else:
                name = self.index.actor(first.actor).name if first.actor else "no watched actor"
                how = f'the interviewee → {name} ("{first.text}", named in the lead)'
                self.discourse.interviewee = Resolution(first.actor, how, True, "interviewee")
        return self.discourse.interviewee

    def _resolve(self, tok: Token, text: str, start: int) -> Resolution:
        """The actor a speaker mention stands for, how that was decided, and if it is a person.
        ``text`` is the mention's text and ``start`` its offset in the paragraph."""
        low = tok.lower_
        owner = self.discourse.owner
        if owner is not None and tok.pos_ == "PRON" and low in FIRST_PERSON:
            # "I said", "we told them" in a transcript turn or an answer: its speaker
            return Resolution(
                owner.actor, f'"{text}": the speaker, {owner.how}', owner.person, "first-person"
            )
        if tok.pos_ == "PRON" and (low in PERSON_PRONOUNS or low in GROUP_PRONOUNS):
            return self._pronoun(low, text)
        matches = list(self.index.find(text))
        tokens = [t for t in tok.subtree if start <= t.idx < start + len(text)]
        own = [tok, *(c for c in tok.children if c.dep_ in ("compound", "flat", "amod"))]
        if any(t.pos_ == "PROPN" and t.lower_ in MEDIA_NAMES for t in own) or (
            tok.pos_ == "NOUN" and tok.lower_ in ("news", "media", "press", "newspapers")
        ):  # "according to Ukraine news", "Russian media": the outlets, not the government
            # "Agence France-Presse", "The Kyiv Independent": a newsroom, not a government (not
            # "Karunanayake in an interview with Daily Mirror": only the phrase's own words)
            return Resolution(None, f'"{text}": a news outlet', False, "outlet")
        named = self._named(tok, text, start, matches, tokens)
        if named is not None:
            return named
        # "Russia's top diplomat", "the Kremlin's spokesman": an office before a body
        owned = any(c.dep_ == "poss" for c in tok.children)
        role = self._role(tok, text) if owned else None
        if role is not None:
            return role
        single = tok.tag_ in ("NN", "NNP")  # "a source" is "he" later, "officials" are "they"
        institution = self._institution(tok, text, matches, tokens, single)
        if institution is not None:
            return institution
        role = None if owned else self._role(tok, text)  # (an owned one was tried above)
        if role is not None:
            return role
        official = self._official(tok, tokens, matches, text, start)
        if official is not None:
            return official
        if matches:
            name = self.index.actor(matches[-1][2]).name
            return Resolution(
                None, f'"{text}": names {name} but does not speak for them', single, "unwatched"
            )
        return Resolution(None, f'"{text}": not on the watchlist', single, "unwatched")

    def _named(
        self,
        tok: Token,
        text: str,
        start: int,
        matches: list[tuple[int, int, str]],
        tokens: list[Token],
    ) -> Resolution | None:
        """A speaker whose head (or apposition) is a name: the actor of a watched name ("the
        Biden administration": the government), or no one for a name not on the watchlist."""
        appos = [t for t in tok.children if t.dep_ == "appos"][:1]  # "X, an aide to Y, Z": X
        # "The head of the Commission, Ursula von der Leyen, said": the closing apposition
        last = max((t.i for t in tokens if not t.is_punct), default=tok.i)
        if tok.pos_ != "PROPN":  # (not "Podolyak, an adviser to the president, Zelenskiy")
            appos += [t for t in tokens if t.dep_ == "appos" and t.i == last]
        heads = [tok, *appos, *(t for t in tok.children if t.dep_ in ("compound", "flat"))]
        in_head = [m for m in matches if any(m[0] <= t.idx - start < m[1] for t in heads)]
        if in_head:
            ident = in_head[-1][2]
            actor = self.index.actor(ident)
            if tok.lemma_.lower() in GOVERNMENT_HEADS and actor.part_of:
                # "the Biden administration" is the US government, not Biden
                body = self.index.actor(actor.part_of).name
                how = f'"{text}" → {body} ({actor.name}\'s {tok.lower_})'
                return Resolution(actor.part_of, how, False, "government-of")
            return Resolution(ident, f'"{text}" → {actor.name}', actor.kind == "person", "name")
        if any(
            t.pos_ == "PROPN"
            and t.text[:1].isupper()
            and t.lower_ not in INSTITUTION_HEADS
            and t.dep_ != "compound"
            for t in heads[:1] + appos
        ):
            single = tok.tag_ in ("NN", "NNP")
            return Resolution(None, f'"{text}": a name not on the watchlist', single, "unwatched")
        return None

    def _institution(
        self,
        tok: Token,
        text: str,
        matches: list[tuple[int, int, str]],
        tokens: list[Token],
        single: bool,
    ) -> Resolution | None:
        """'Ukrainian forces', 'a source close to Macron', 'its ministry': a head that speaks
        for the party named beside it, by name, demonym or possessive pronoun."""
        if not (tok.lower_ in INSTITUTION_HEADS or tok.lemma_.lower() in INSTITUTION_HEADS):
            return None
        if matches:
            ident = matches[0][2]
            actor = self.index.actor(ident)
            if actor.kind == "person":
                if actor.part_of:
                    body = self.index.actor(actor.part_of).name
                    how = f'"{text}" → {body} (speaks for {actor.name})'
                    return Resolution(actor.part_of, how, single, "institution")
                return Resolution(
                    ident, f'"{text}" → {actor.name} (speaks for them)', single, "institution"
                )
            return Resolution(ident, f'"{text}" → {actor.name}', single, "institution")
        for t in tokens:
            country = self.index.country(t.lower_)
            if country:
                name = self.index.actor(country).name
                return Resolution(country, f'"{text}" → {name} ({t.text})', single, "demonym")
        for t in tokens:
            if t.dep_ == "poss" and t.lower_ in ("its", "their"):
                group, how, _, _ = self._pronoun(t.lower_, t.text)
                if group and self.index.actor(group).kind == "institution":
                    return Resolution(group, f'"{text}": {how}', single, "possessive")
        return None

    def _official(
        self,
        tok: Token,
        tokens: list[Token],
        matches: list[tuple[int, int, str]],
        text: str,
        start: int,
    ) -> Resolution | None:
        """'Russia's defence minister', 'a Ukrainian presidential adviser', not named and not
        on the watchlist: an official speaks for the government of the country named."""
        if tok.lemma_.lower() not in OFFICIAL_ROLES or any(
            t.lower_ in _NOT_IN_OFFICE for t in tokens
        ):
            return None
        for t in tokens:
            if t.i >= tok.i:
                break
            named = [ident for a, _, ident in matches if 0 <= a - (t.idx - start) < len(t.text)]
            country = named[0] if named else self.index.country(t.lower_)
            if country and self.index.actor(country).kind == "institution":
                name = self.index.actor(country).name
                how = f'"{text}" → {name} (an official of it, not named)'
                return Resolution(country, how, True, "official")
        return None

    def _pronoun(self, low: str, text: str) -> Resolution:
        want_person = low in PERSON_PRONOUNS
        recent = [
            m
            for m in self.discourse.mentions
            if self.discourse.sentence_no - m.sentence <= _MAX_BACK and m.person == want_person
        ]
        # speakers and subjects first: the name in an object or a quote is rarely "he"
        ranked = [m for m in recent if m.speaker] or recent
        if ranked:
            m = ranked[-1]
            name = self.index.actor(m.actor).name if m.actor else "an unwatched speaker"
            back = self.discourse.sentence_no - m.sentence
            how = f'"{text}" → {name} ("{m.text}", {_back(back)})'
            return Resolution(m.actor, how, want_person, f"pronoun-{min(back, _MAX_BACK)}")
        how = f'"{text}": no antecedent within {_MAX_BACK} sentences'
        return Resolution(None, how, want_person, "none")

    def _role(self, tok: Token, text: str) -> Resolution | None:
        """'the president', 'its foreign minister': the holder of the title last named."""
        if tok.pos_ != "NOUN" or tok.tag_ == "NNS":
            return None
        words = [
            t.lower_
            for t in tok.subtree
            if (t.i <= tok.i and t.dep_ in ("amod", "compound")) or t.i == tok.i
        ]
        poss = [t for t in tok.children if t.dep_ == "poss"]
        det = [t for t in tok.children if t.dep_ == "det" and t.lower_ == "the"]
        if not (poss or det):
            return None
        title = " ".join(words)
        title = _TITLE_SYNONYMS.get(title, title)
        holders = self.index.titles.get(title)
        if not holders:
            return self._described(tok, text, words) if det else None
        if poss and poss[0].lower_ in ("its", "their", "his", "her"):
            group, _, _, _ = self._pronoun(poss[0].lower_, poss[0].text)
            holders = {
                h for h in holders if group and (h == group or self.index.actor(h).part_of == group)
            } or holders
        elif poss:  # "Russia's top diplomat": the one holder of that country's office
            named = [i for _, _, i in self.index.find(poss[0].text) if i not in holders]
            ours = {h for h in holders if named and self.index.actor(h).part_of == named[0]}
            if len(ours) == 1:
                (ident,) = ours
                actor = self.index.actor(ident)
                how = f'"{text}" → {actor.name} ({poss[0].text}\'s {title})'
                return Resolution(ident, how, True, "title-of")
        for m in reversed(self.discourse.mentions):
            back = self.discourse.sentence_no - m.sentence
            if back > _MAX_ROLE_BACK:
                break
            if m.actor in holders:
                actor = self.index.actor(m.actor)
                how = f'"{text}" → {actor.name} (the {title} last named: "{m.text}", {_back(back)})'
                return Resolution(m.actor, how, True, "role")
        return None

    def _described(self, tok: Token, text: str, words: list[str]) -> Resolution | None:
        """'the veteran Russian diplomat': the person last named as a speaker or subject,
        of that nationality when one is given."""
        if tok.lower_ not in PERSON_ROLES:
            return None
        country = next((DEMONYMS[w] for w in words if w in DEMONYMS), None)
        group = self.index.countries.get(country or "")
        for m in reversed(self.discourse.mentions):
            back = self.discourse.sentence_no - m.sentence
            if back > _MAX_BACK:
                break
            if not (m.person and m.speaker and m.actor):
                continue
            actor = self.index.actor(m.actor)
            if group and group not in (m.actor, actor.part_of):
                continue
            how = f'"{text}" → {actor.name} (the person last named: "{m.text}", {_back(back)})'
            return Resolution(m.actor, how, True, "described")
        return None

    def remember_names(
        self,
        offset: int,
        sent: Any,
        drafts: list[Draft],
        quotes: list[tuple[int, int]],
        names: list[tuple[int, int, str]],
    ) -> None:
        """Named subjects that are not speakers can still be what a later "he" refers to."""
        spoken = [(d.speaker.start, d.speaker.end) for d in drafts if d.speaker]
        para = sent.doc.user_data["text"]
        named = [(offset + s, offset + e) for s, e, _ in names]
        for at, e, ident in names:
            if any(a <= offset + at < b for a, b in spoken) or any(a < at < b for a, b in quotes):
                continue
            span = sent.doc.char_span(at, e, alignment_mode="expand")
            head = span.root if span is not None else None
            while head is not None and head.dep_ in ("compound", "appos", "flat", "poss"):
                head = head.head
            subject = head is not None and head.dep_ in ("nsubj", "nsubjpass")
            person = self.index.actor(ident).kind == "person"
            self.discourse.mentions.append(
                Mention(offset + at, para[at:e], ident, person, self.discourse.sentence_no, subject)
            )
        for i in sent.doc.user_data["subjects"]:  # passive agents' objects and subjects
            if not sent.start <= i < sent.end:
                continue
            tok = sent.doc[i]
            if tok.dep_ == "pobj" and tok.head.dep_ == "agent":
                # the agent of a passive is its logical subject: "disputed by a source"
                r = trim(sent.doc, subtree_span(tok, NOT_SPEAKER))
                s, e = chars(sent.doc, r)
                if any(a <= offset + s < b for a, b in spoken):
                    continue
                text = para[s:e]
                actor, _, person, _ = self._resolve(tok, text, s)
                if actor is not None:
                    self.discourse.mentions.append(
                        Mention(offset + s, text, actor, person, self.discourse.sentence_no, True)
                    )
            elif tok.dep_ == "nsubj" and tok.tag_ in ("NN", "NNP") and tok.head.dep_ == "ROOT":
                # a named subject off the watchlist: a later "he" may be them
                at = offset + tok.idx
                if (
                    not any(
                        t.pos_ == "PROPN" and t.dep_ in ("nsubj", "appos", "compound")
                        for t in (tok, *tok.children)
                    )
                    or any(a <= at < b for a, b in spoken + named)
                    or any(a < tok.idx < b for a, b in quotes)
                ):
                    continue
                self.discourse.mentions.append(
                    Mention(at, tok.text, None, True, self.discourse.sentence_no, True)
                )
        self.discourse.mentions.sort(key=lambda m: (m.sentence, m.start))


def _back(n: int) -> str:
    return "same sentence" if n == 0 else f"{n} sentence{'s' * (n > 1)} back"
