"""Claim extraction on small articles of our own, each with the claims expected beside it.

Every ``tests/data/extract/NAME.txt`` has a ``NAME.yaml`` saying what it tests (``description``),
the publication date, and the claims expected: actor, type, speaker and cue text, a piece of the
content (``content_is``: all of it), topics that must be among the claim's, and a piece of the
speaker's resolution.
``exact: true`` means no other claim by a watched actor may be found (``claims: []`` then says
the article holds none at all).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import DATA, WATCHLIST

from monitor.config import Topic, load_watchlist
from monitor.extract import Extractor
from monitor.model import Claim

FIXTURES = sorted((DATA / "extract").glob("*.yaml"))


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor(load_watchlist(WATCHLIST))


def _load(path: Path) -> tuple[str, dict[str, Any]]:
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert spec.get("description"), f"{path.name} must say what it tests"
    return path.with_suffix(".txt").read_text(encoding="utf-8"), spec


def _matches(claim: Claim, want: dict[str, Any]) -> bool:
    if "label" in want:  # said where the layout names the speaker: no speaker, no cue
        label = claim.label.text if claim.label is not None else None
        return (
            claim.actor == want["actor"]
            and claim.speaker is None
            and claim.cue is None
            and label == want["label"]
            and want["content"] in (claim.content.text if claim.content else "")
        )
    return (
        claim.actor == want["actor"]
        and claim.speaker is not None
        and claim.speaker.text == want["speaker"]
        and claim.cue is not None
        and claim.cue.text == want["cue"]
    )


@pytest.mark.parametrize("spec_path", FIXTURES, ids=lambda p: p.stem)
def test_fixture(extractor: Extractor, spec_path: Path) -> None:
    text, spec = _load(spec_path)
    published = spec.get("published")
    claims = extractor.extract(text, published if isinstance(published, date) else None)
    shown = "\n".join(
        f"  {c.actor} {c.type} speaker={c.speaker and c.speaker.text!r} "
        f"cue={c.cue and c.cue.text!r} content={c.content and c.content.text!r} {c.topics}"
        for c in claims
    )
    for want in spec["claims"]:
        found = [c for c in claims if _matches(c, want)]
        assert found, f"missing {want}\nfound:\n{shown}"
        # one cue can report two claims ("that A and that B"): the content tells them apart
        claim = next(
            (c for c in found if c.content and want["content"] in c.content.text), found[0]
        )
        assert claim.type == want["type"], f"{want}\nfound:\n{shown}"
        assert claim.content is not None and want["content"] in claim.content.text, shown
        if "content_is" in want:  # the whole content, where its edges are the point
            assert claim.content.text == want["content_is"], shown
        assert set(want.get("topics", [])) <= set(claim.topics), shown
        if "topics_only" in want:
            assert set(claim.topics) == set(want["topics_only"]), shown
        assert want.get("resolution", "").lower() in claim.resolution.lower(), claim.resolution
        parts = (claim.content, claim.label) if "label" in want else (claim.speaker, claim.cue)
        for part in (*parts, claim.content):  # spans point into the text
            if part is not None or "label" not in want:
                assert part is not None and text[part.start : part.end] == part.text
    if spec.get("exact"):
        extra = [
            c
            for c in claims
            if (c.actor or not spec["claims"]) and not any(_matches(c, w) for w in spec["claims"])
        ]
        assert not extra, f"unexpected claims:\n{shown}"


def test_fixtures_are_there() -> None:
    """The parametrized test above would pass vacuously without its data."""
    assert len(FIXTURES) >= 10
    assert all(p.with_suffix(".txt").is_file() for p in FIXTURES)


def test_explain_says_why_a_sentence_holds_no_claim(extractor: Extractor) -> None:
    text = (DATA / "extract" / "reporters_voice.txt").read_text(encoding="utf-8")
    claims, notes = extractor.explain(text, date(2022, 6, 1))
    assert claims == []
    assert [n.sentence.text for n in notes] == [line for line in text.splitlines() if line]
    assert notes[0].text.startswith("names Russian government, Ukrainian government")
    assert "'launched'" in notes[0].text


def test_explain_says_why_a_cue_without_content_is_no_claim(extractor: Extractor) -> None:
    text = "Kremlin officials weighed in on Tuesday."
    claims, notes = extractor.explain(text, date(2022, 8, 5))
    assert claims == []
    assert [n.text for n in notes] == ["'weighed' by Russian government says nothing: no claim"]
    every = Extractor(extractor.watchlist, extractor.nlp, attributions=True).extract(text)
    assert [c.actor for c in every] == ["russia"]  # PolNeAR's scheme keeps it


def test_attribution_mode_keeps_beliefs_and_plans(extractor: Extractor) -> None:
    """PolNeAR counts plans and findings; claimwatch's claims are what someone said."""
    text = "Emmanuel Macron sought to engage directly with Vladimir Putin, officials said."
    plain = [c.cue.text for c in extractor.extract(text) if c.cue]
    every = Extractor(extractor.watchlist, extractor.nlp, attributions=True).extract(text)
    assert "sought" not in plain
    assert "sought" in [c.cue.text for c in every if c.cue]


def test_many_articles_at_once_match_one_by_one(extractor: Extractor) -> None:
    texts = [p.read_text(encoding="utf-8") for p in sorted((DATA / "extract").glob("*.txt"))]
    together = list(extractor.extract_many((t, date(2022, 6, 1)) for t in ["", *texts]))
    assert together[0] == []
    assert together[1:] == [extractor.extract(t, date(2022, 6, 1)) for t in texts]


def test_memoised_attributes_are_the_models_own(extractor: Extractor) -> None:
    """POS, morphology and lemmas from the memo equal the attribute ruler's and lemmatizer's,
    two-word patterns ("There is", "gonna") included, cold and warm."""
    text = (
        "There is no evidence, they said. We are gonna win, and it's going to be hard. "
        "Zelensky said the attacks were a complete fabrication; there were no drones. "
        # one word under relations the memo puts in one class, and in others it tells apart
        "It hit it, and they did it; they did not go. I know that that is true, and that was "
        "him. Which drones did you see? We have had enough, have we not? Let's go."
    )
    import spacy

    from monitor.extract import MODEL

    nlp = extractor.nlp
    stock = spacy.load(MODEL, exclude=["ner"])(text)  # the model as shipped, lemma lists and all
    fresh = Extractor(extractor.watchlist, nlp)
    for _ in range(2):  # the first pass fills the memo, the second reads it
        doc = fresh.memoised_attributes(nlp(text, disable=["attribute_ruler", "lemmatizer"]))
        assert [(t.pos_, str(t.morph), t.lemma_) for t in doc] == [
            (t.pos_, str(t.morph), t.lemma_) for t in stock
        ]


def test_memo_changes_no_claim(extractor: Extractor) -> None:
    plain = Extractor(extractor.watchlist, extractor.nlp, memoise=False)
    for path in sorted((DATA / "extract").glob("*.txt"))[:6]:
        text = path.read_text(encoding="utf-8")
        assert extractor.extract(text, date(2022, 6, 1)) == plain.extract(text, date(2022, 6, 1))


def test_blas_runs_on_one_thread(extractor: Extractor) -> None:
    """The parse's matrix products are small: a BLAS thread per core only contends with the
    other processes of a shared machine (bench/extract.py --contended)."""
    from threadpoolctl import threadpool_info

    blas = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
    assert blas, "numpy's BLAS is not loaded"
    assert all(pool["num_threads"] == 1 for pool in blas), blas


def test_lemmatizer_looks_words_up_in_sets(extractor: Extractor) -> None:
    """The model ships its known words per part of speech as lists; looked up in them, the
    lemmatizer took half of a cold run's POS and lemma time (bench/extract.py)."""
    index = extractor.nlp.get_pipe("lemmatizer").lookups.get_table("lemma_index")
    assert index and all(isinstance(words, frozenset) for words in index.values())


def test_a_topic_with_only_a_description_is_found_by_what_it_names() -> None:
    """No keywords: the description's phrases stand in ("missile strike", "strike"), and words
    that say little alone ("claims", "effects") and hyphenated modifiers ("post-war") do not."""
    watchlist = load_watchlist(WATCHLIST).model_copy(
        update={
            "topics": {
                "strikes": Topic(description="Drone and missile strikes, claims and denials"),
                "guarantees": Topic(description="Post-war security guarantees and their effects"),
            }
        }
    )
    ex = Extractor(watchlist)
    assert set(ex.topic_keywords["strikes"]) >= {"drone", "missile", "strike"}
    assert "claim" not in ex.topic_keywords["strikes"]
    assert "security guarantee" in ex.topic_keywords["guarantees"]
    assert not {"effect", "post guarantee"} & set(ex.topic_keywords["guarantees"])
    (claim,) = ex.extract("Zelensky said Russian missiles had hit a school in Kharkiv.")
    assert claim.topics == ("strikes",)


def test_a_paragraph_over_spacys_limit_is_read_in_pieces(extractor: Extractor) -> None:
    """One line of 1.2 million characters (spaCy refuses more than 1,000,000 in one text):
    the claims at its start and at its end are both found, at their offsets. Long words keep
    the parse cheap; the pieces are what is tested."""
    first = "Zelensky said that the talks had failed. "
    last = "Peskov said the Kremlin would not negotiate."
    filler = " ".join("x" * 999 for _ in range(1200)) + ". "
    text = first + filler + last
    assert "\n" not in text and len(text) > 1_200_000
    claims = extractor.extract(text, date(2025, 6, 1))
    found = {(c.actor, c.content.text if c.content else "") for c in claims}
    assert ("zelensky", "the talks had failed") in found
    assert ("peskov", "the Kremlin would not negotiate") in found
    for c in claims:
        assert c.content is not None and text[c.content.start : c.content.end] == c.content.text
