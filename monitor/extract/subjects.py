"""Which token speaks for a cue: the verb's subject, the agent of a passive, the subject of the
verb a participle hangs on, or the one a ", with X calling ..." names."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Token


# Verbs that make their object do what follows ("led Zelensky to call for", "prompted Moscow to
# warn"), not speech acts whose object is told what to do. By hand.
_CAUSATIVES = frozenset("lead prompt cause force spur push drive compel move inspire".split())


def _accused(verb: Token) -> bool:
    """'accused of ...' with no one accused between: the passive, whatever the tag ("Russia
    accused of shelling", a headline's; "stood accused of")."""
    return (
        verb.lemma_.lower() in ("accuse", "suspect")
        and not any(c.dep_ in ("dobj", "dative") for c in verb.children)
        and any(c.dep_ == "prep" and c.lower_ == "of" and c.i == verb.i + 1 for c in verb.children)
    )


def subject(verb: Token) -> Token | None:
    """The verb's subject, the agent of a passive, or the subject of the verb it hangs on.

    A participle climbs further ("after telling his counterparts that ...", "repeating the
    rhetoric that ..." hang off the verb whose subject speaks)."""
    if (
        verb.tag_ == "VBG"
        and verb.dep_ == "conj"
        and verb.head.tag_ != "VBG"
        and not any(c.dep_ in ("nsubj", "aux") for c in verb.children)
        and any(c.dep_ in ("nsubj", "aux") for c in verb.head.children)
    ):
        # "claiming Moscow has barely started its campaign and daring the west to ...": a
        # participle cannot join a clause with its own subject; it joins the participle above
        above = next((a for a in verb.head.ancestors if a.tag_ == "VBG"), None)
        if above is not None:
            return subject(above)
    if verb.tag_ == "VBG" and verb.dep_ == "conj" and verb.head.tag_ == "VBG":
        return subject(verb.head)  # "calling it X and saying Y": one subject
    if _accused(verb):
        # "Russia (stood) accused of shelling ...": the subject is the one accused; the accuser
        # is the agent, if any
        agent = next((c for c in verb.children if c.dep_ == "agent"), None)
        return next((g for g in agent.children if g.dep_ == "pobj"), None) if agent else None
    if verb.dep_ == "xcomp" and verb.head.lemma_.lower() in _CAUSATIVES:
        # "leading the Ukrainian president to call for ...": the object of the verb above says
        # it, not its subject (a causative's object control; "urged Kyiv to reject" is the
        # urging's content, not Kyiv's claim)
        obj = next((c for c in verb.head.children if c.dep_ == "dobj" and c.i < verb.i), None)
        if obj is not None:
            return obj
    outer = rejoined(verb)
    if outer is not None:
        return subject(outer)
    owner = with_owner(verb)
    if owner is not None:
        return owner
    tok = verb
    participle = verb.tag_ in ("VBG", "VBN")
    root = verb.sent.root
    if (
        verb.tag_ == "VBG"
        and verb.dep_ == "advcl"
        and verb.i > 0
        and verb.doc[verb.i - 1].text == ","
        and root.pos_ == "VERB"
        and root.i != verb.i
    ):
        tok = root  # "Lavrov denied X was Y, saying Z": the main clause's subject says Z
    for _ in range(6):
        for c in tok.children:
            if c.dep_ == "agent":
                objs = [g for g in c.children if g.dep_ == "pobj"]
                if objs:
                    return objs[0]
        for c in tok.children:
            if c.dep_ == "nsubj":
                if c.tag_ in ("WP", "WDT") and tok.dep_ == "relcl":
                    return tok.head  # "Trump, who said ..." -> Trump
                if c.lower_ in ("it", "there", "that", "this", "which", "what"):
                    return None  # "it was reported", "that means"
                return c
        csubj = [c for c in tok.children if c.dep_ == "csubj"]
        if tok is verb and csubj and tok.i > 1:
            # "Discussing the talks, Lavrov, said": a name misparsed into the clause
            prev = next(
                (t for t in reversed(tok.doc[csubj[0].left_edge.i : tok.i]) if not t.is_punct),
                None,
            )
            if (
                prev is not None
                and prev.pos_ == "PROPN"
                and prev.i in range(csubj[0].left_edge.i, csubj[0].right_edge.i + 1)
            ):
                return prev
        if tok is verb and any(c.dep_ in ("nsubjpass", "csubj") for c in tok.children):
            return None  # "was quoted as saying": the speaker is not the subject
        climb: tuple[str, ...] = ("conj", "advcl", "xcomp", "pcomp")
        if participle:
            climb += ("prep", "agent", "pobj", "dobj")
        if tok.dep_ in climb and tok.head is not tok:
            tok = tok.head
            continue
        if participle and tok.dep_ == "acl" and tok.head.pos_ in ("NOUN", "PROPN"):
            return tok.head  # "officials, speaking on condition of anonymity, said"
        return None
    return None


def rejoined(verb: Token) -> Token | None:
    """The speech verb a second one joins when the parser hung it inside the first one's
    clause: in "Lavrov warned that deliveries would prolong the war, and threatened to strike
    ...", "threatened" (a speech act with no subject of its own, after "and") joins "warned",
    not "prolong"; None otherwise."""
    from .lexicon import SPEECH_ACTS

    if (
        verb.dep_ != "conj"
        or verb.lemma_.lower() not in SPEECH_ACTS
        or any(c.dep_ in ("nsubj", "nsubjpass") for c in verb.children)
        or not any(c.dep_ == "cc" and c.i < verb.i for c in verb.head.children)
    ):
        return None
    clause = verb.head
    while clause.dep_ == "conj":
        clause = clause.head
    outer = clause.head
    if clause.dep_ in ("ccomp", "xcomp") and outer.lemma_.lower() in SPEECH_ACTS:
        return outer
    return None


def with_owner(verb: Token) -> Token | None:
    """Who a "with" names as the one doing participle ``verb``: ", with Putin's spokesperson,
    Dmitry Peskov, calling the claims ...", "with Peskov calling ...", however the parser hung
    the participle; not "an interview with Reuters, noting ...", whose comma ends the "with"."""
    if verb.tag_ != "VBG" or verb.dep_ != "advcl" or verb.i < 2:
        return None
    comma = verb.doc[verb.i - 1].is_punct
    before = verb.doc[verb.i - 2] if comma else verb.doc[verb.i - 1]
    owner = next(
        (a for a in [before, *before.ancestors] if a.dep_ == "pobj" and a.head.lower_ == "with"),
        None,
    )
    if owner is None or owner.head.i > verb.i or owner.right_edge.i < before.i:
        return None
    if comma and not any(c.dep_ == "appos" for c in owner.children):
        return None
    return owner
