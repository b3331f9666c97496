#!/usr/bin/env python3
"""Dependency-pattern attribution baseline on PolNeAR, scored with score.py brat.

Variants:
  plain  every VERB whose (lemma, VERB) precision in cues.tsv is >= t is a cue;
         source = subtree of its nsubj (or of the pobj of its passive 'agent');
         content = subtree of its first ccomp, else xcomp, else dobj child.
  frame  plus, but a verb is a cue when P(cue | lemma, frame) >= t, frame being
         (complement, subject kind, quote in sentence) from monitor.extract.cues.verb_frame;
         needs --frames FILE written by learn_cues.py --frames.
  plus   plain, and: subject inherited from the governing verb for conj/advcl/xcomp
         cues; "according to X" (source X, content = rest of the clause); a cue
         with no complement that hangs off its content (parataxis/ccomp/advcl, as
         in '"...," he said') gets the governing clause as content; any POS
         (nouns like 'claim', 'criticism') with precision >= t is a cue too.

Usage:
    .venv/bin/python tools/polnear_baseline.py [--dev DIR] [--lexicon monitor/data/cues.tsv]
        [--thresholds 0.2 0.3 0.4 0.5] [--variants plain plus frame] [--frames FILE]
        [--out-dir /tmp]
Writes /tmp/polnear_<variant>_t<t>.jsonl and prints a table of score.py results.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from learn_cues import Frames, Lexicon, frame_precision, load_nlp, read_frames, read_lexicon

SCORER = Path("/work/shared/eval/score.py")
COMP_DEPS = ("ccomp", "xcomp", "dobj")
INHERIT_DEPS = ("conj", "advcl", "xcomp")
Span = dict[str, int] | None
Prediction = dict[str, Span]


def char_span(tokens: list[Any]) -> Span:
    """Char span {"start", "end"} covering a list of tokens (None if empty)."""
    tokens = [t for t in tokens if not (t.is_punct or t.is_space)] or tokens
    if not tokens:
        return None
    lo = min(tokens, key=lambda t: t.i)
    hi = max(tokens, key=lambda t: t.i)
    return {"start": lo.idx, "end": hi.idx + len(hi.text)}


def subtree(tok: Any) -> list[Any]:
    """Tokens of a token's contiguous subtree."""
    return list(tok.doc[tok.left_edge.i : tok.right_edge.i + 1])


def largest_run(doc: Any, idx: set[int]) -> list[Any]:
    """Longest contiguous run of token indices in `idx`, skipping punctuation at the ends."""
    best: list[int] = []
    run: list[int] = []
    for i in sorted(idx):
        if run and i != run[-1] + 1:
            best, run = max(best, run, key=len), []
        run.append(i)
    best = max(best, run, key=len)
    return [doc[i] for i in best]


def direct_subject(v: Any) -> Any:
    """nsubj of v, else the pobj of its passive agent ('by X'), else None."""
    for c in v.children:
        if c.dep_ == "nsubj":
            return c
    for c in v.children:
        if c.dep_ == "agent":
            for g in c.children:
                if g.dep_ == "pobj":
                    return g
    return None


def inherited_subject(v: Any) -> Any:
    """Subject of v, climbing conj/advcl/xcomp heads when v has none; 'who'/'that' -> antecedent."""
    cur = v
    for _ in range(4):
        s = direct_subject(cur)
        if s is not None:
            if s.tag_ in ("WP", "WDT") and cur.dep_ == "relcl" and cur.head.i != cur.i:
                return cur.head
            return s
        if cur.dep_ in INHERIT_DEPS and cur.head.i != cur.i:
            cur = cur.head
        else:
            return None
    return None


def complement(v: Any) -> Any:
    """First ccomp, else xcomp, else dobj child of v."""
    for dep in COMP_DEPS:
        for c in v.children:
            if c.dep_ == dep:
                return c
    return None


def predict_plain(doc: Any, lex: Lexicon, t: float) -> list[Prediction]:
    """The plain oracle: lexicon verbs, nsubj source, ccomp/xcomp/dobj content."""
    out = []
    for tok in doc:
        if tok.pos_ != "VERB" or lex.get((tok.lemma_.lower(), "VERB"), (0, 0, 0.0))[2] < t:
            continue
        s, c = direct_subject(tok), complement(tok)
        out.append(
            {
                "cue": char_span([tok]),
                "speaker": char_span(subtree(s)) if s is not None else None,
                "content": char_span(subtree(c)) if c is not None else None,
            }
        )
    return out


def predict_plus(
    doc: Any, lex: Lexicon, t: float, frames: Frames | None = None
) -> list[Prediction]:
    """The plain oracle with subject inheritance, 'according to', parataxis quotes and noun cues.

    With `frames`, a verb is a cue when P(cue | lemma, frame) >= t instead of P(cue | lemma).
    """
    out = []
    for tok in doc:
        key = (tok.lemma_.lower(), tok.pos_)
        if tok.pos_ in ("PUNCT", "AUX", "ADP", "PRON", "DET"):
            continue
        if frames is not None and tok.pos_ == "VERB" and key != ("accord", "VERB"):
            if frame_precision(tok, lex, frames) < t:
                continue
        elif lex.get(key, (0, 0, 0.0))[2] < t:
            continue
        cue = [tok] + [c for c in tok.children if c.dep_ == "prt"]
        src = cont = None
        if key == ("accord", "VERB"):
            to = next((c for c in tok.children if c.dep_ == "prep" and c.lower_ == "to"), None)
            obj = (
                next((c for c in to.children if c.dep_ == "pobj"), None) if to is not None else None
            )
            if to is not None:
                cue.append(to)
            src = subtree(obj) if obj is not None else None
            gov = tok.head if tok.head.i != tok.i else tok
            rest = {x.i for x in subtree(gov)} - {x.i for x in subtree(tok)}
            cont = largest_run(doc, rest) or None
        elif tok.pos_ == "VERB":
            s, c = inherited_subject(tok), complement(tok)
            src = subtree(s) if s is not None else None
            if c is not None:
                cont = subtree(c)
            elif tok.dep_ in ("parataxis", "ccomp", "advcl") and tok.head.i != tok.i:
                rest = {x.i for x in subtree(tok.head)} - {x.i for x in subtree(tok)}
                cont = largest_run(doc, rest) or None
        else:  # noun / adjective cues: "his claim that ...", "criticism of X"
            poss = next((c for c in tok.children if c.dep_ == "poss"), None)
            src = subtree(poss) if poss is not None else None
            arg = next(
                (c for c in tok.children if c.dep_ in ("acl", "prep", "ccomp", "relcl")), None
            )
            cont = subtree(arg) if arg is not None else None
        out.append(
            {
                "cue": char_span(cue),
                "speaker": char_span(src) if src else None,
                "content": char_span(cont) if cont else None,
            }
        )
    return out


PREDICTORS = {"plain": predict_plain, "plus": predict_plus, "frame": predict_plus}


def score(pred: Path, dev: Path, scorer: Path = SCORER) -> dict[str, Any]:
    """Run score.py brat on a prediction file and return its JSON result."""
    subprocess.run(
        [
            sys.executable,
            str(scorer),
            "brat",
            "--text",
            str(dev / "text"),
            "--ann",
            str(dev / "attributions"),
            "--pred",
            str(pred),
            "--json",
            str(pred.with_suffix(".score.json")),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(pred.with_suffix(".score.json").read_text())
    return result


def main(argv: list[str] | None = None) -> None:
    """Parse the dev texts once, predict for each variant and threshold, score, print a table."""
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--dev", type=Path, default=Path("/work/shared/eval/polnear-dev"))
    ap.add_argument(
        "--lexicon",
        type=Path,
        default=Path(__file__).resolve().parents[1] / "monitor/data/cues.tsv",
    )
    ap.add_argument("--thresholds", type=float, nargs="+", default=[0.2, 0.3, 0.4, 0.5])
    ap.add_argument("--variants", nargs="+", default=["plain", "plus"], choices=sorted(PREDICTORS))
    ap.add_argument(
        "--frames",
        type=Path,
        default=None,
        help="frames TSV from learn_cues.py --frames (needed for the 'frame' variant)",
    )
    ap.add_argument("--out-dir", type=Path, default=Path("/tmp"))
    args = ap.parse_args(argv)
    lex = read_lexicon(args.lexicon)
    frames = read_frames(args.frames) if args.frames else None
    if "frame" in args.variants and frames is None:
        ap.error("the 'frame' variant needs --frames")
    stems = sorted(p.stem for p in (args.dev / "text").glob("*.txt"))
    texts = [(args.dev / "text" / f"{s}.txt").read_text(encoding="utf-8") for s in stems]
    nlp = load_nlp(("ner",))
    t0 = time.time()
    docs = list(nlp.pipe(texts, batch_size=16))
    print(f"parsed {len(docs)} dev articles in {time.time() - t0:.1f}s", file=sys.stderr)
    print("| variant | t | predictions | attribution P / R / F1 | source P / R / F1 | content F1 |")
    print("|---|---|---|---|---|---|")
    for variant in args.variants:
        for t in args.thresholds:
            path = args.out_dir / f"polnear_{variant}_t{t:g}.jsonl"
            with path.open("w", encoding="utf-8") as fh:
                for stem, doc in zip(stems, docs, strict=True):
                    extra = {"frames": frames} if variant == "frame" else {}
                    for p in PREDICTORS[variant](doc, lex, t, **extra):
                        fh.write(
                            json.dumps(
                                {"doc": stem, **p, "actor": None, "type": "statement", "topics": []}
                            )
                            + "\n"
                        )
            r = score(path, args.dev)
            a, s = r["attribution"], r["source"]
            att = f"{a['precision']:.3f} / {a['recall']:.3f} / **{a['f1']:.3f}**"
            src = f"{s['precision']:.3f} / {s['recall']:.3f} / **{s['f1']:.3f}**"
            print(
                f"| {variant} | {t:g} | {a['pred']} | {att} | {src} "
                f"| {r['content_token_f1']:.3f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
