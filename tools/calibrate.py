#!/usr/bin/env python3
"""Learn how likely a claim is to be right from how it was decided, and show the calibration.

Every claim carries ``basis``: codes for how its speaker was resolved (named, a pronoun two
sentences back, a transcript label...), how its type was decided (the cue word, denial words,
a future tense...), where its topics came from (its own words, its paragraph...), what kind
of cue it had and which, how long its content is and whether it is quoted. On claimwatch's gold
sets (``TRAIN``: the seed, Guardian dev, NYT, mixed and three 2025-26 sets, each with its own
watchlist and dates), a watched claim is *right* when a gold claim it covers (the
scorer's rule) has its actor and type and its topics are among the gold's; a claim no gold
claim confirms is wrong. A logistic regression on the codes (one-hot, L2, fitted by Newton's
method) gives P(right | basis); its weights go to ``monitor/data/confidence.tsv``, which
``monitor/extract/confidence.py`` reads.

The calibration table is measured honestly: each document's claims are scored by a model
fitted without that document (five folds of documents), then binned by confidence.

Usage:
    .venv/bin/python tools/calibrate.py [--shared ../shared] [--write]
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import numpy

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

from evaluate import _sets  # noqa: E402

from monitor.config import load_watchlist  # noqa: E402
from monitor.extract import Extractor, load_nlp  # noqa: E402
from monitor.model import Claim  # noqa: E402

TRAIN = ("seed", "guardian", "nyt", "mixed", "news2025", "blind2025", "blind2026c")
FOLDS = 5  # the calibration table scores each document with a model fitted without it
L2 = 2.0  # the ridge on every weight but the bias: codes seen a few times stay near 0
TABLE = ROOT / "monitor/data/confidence.tsv"


def dated(shared: Path) -> dict[str, date]:
    out = {}
    for folder in ("articles", "articles-2025"):
        for line in (shared / "data" / folder / "index.jsonl").read_text("utf-8").splitlines():
            row = json.loads(line)
            when = datetime.fromisoformat(row["published"].replace("Z", "+00:00"))
            out[row["doc"]] = (when if when.tzinfo else when.replace(tzinfo=UTC)).date()
    return out


def right(c: Claim, rows: list[dict[str, object]], text: str) -> bool:
    """Whether a gold claim the claim covers has its actor and type, its topics among them."""
    parts = [p for p in (c.speaker, c.cue, c.content) if p is not None] or [c.sentence]
    lo, hi = min(p.start for p in parts), max(p.end for p in parts)
    for g in rows:
        evidence = str(g["evidence"])
        at = text.find(evidence)
        ev = (at, at + len(evidence))
        covers = (lo <= ev[0] and ev[1] <= hi) or max(0, min(hi, ev[1]) - max(lo, ev[0])) >= 0.5 * (
            ev[1] - ev[0]
        )
        topics = set(g.get("topics") or [])  # type: ignore[arg-type]
        if covers and g["actor"] == c.actor and g["type"] == c.type and set(c.topics) <= topics:
            return True
    return False


def examples(shared: Path) -> dict[str, list[tuple[tuple[str, ...], bool]]]:
    """Per training document ("set/doc"): (basis, right) of every watched claim."""
    days = dated(shared)
    nlp = load_nlp()
    out: dict[str, list[tuple[tuple[str, ...], bool]]] = {}
    for spec in _sets(ROOT, shared, Path("/tmp")):
        if spec.name not in TRAIN:
            continue
        wl = load_watchlist(spec.watchlist or ROOT / "config/watchlist.yaml")
        ex = Extractor(wl, nlp)
        gold: dict[str, list[dict[str, object]]] = {}
        for line in spec.gold.read_text("utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                gold.setdefault(row["doc"], []).append(row)
        for doc, golds in sorted(gold.items()):
            text = spec.find(doc).read_text("utf-8")
            out[f"{spec.name}/{doc}"] = [
                (c.basis, right(c, golds, text))
                for c in ex.extract(text, days.get(doc, date(2025, 12, 30)))
                if c.actor
            ]
    return out


def fit(rows: list[tuple[tuple[str, ...], bool]]) -> dict[str, float]:
    """Weights of a logistic regression on the basis codes (and a bias), L2 on the codes."""
    codes = sorted({c for basis, _ in rows for c in basis})
    col = {c: i + 1 for i, c in enumerate(codes)}
    x = numpy.zeros((len(rows), len(codes) + 1))
    x[:, 0] = 1.0
    for n, (basis, _) in enumerate(rows):
        for c in basis:
            x[n, col[c]] = 1.0
    y = numpy.array([float(ok) for _, ok in rows])
    w = numpy.zeros(x.shape[1])
    ridge = numpy.full(x.shape[1], L2)
    ridge[0] = 0.0
    for _ in range(50):  # Newton's method: a few steps converge on this small problem
        p = 1 / (1 + numpy.exp(-x @ w))
        grad = x.T @ (p - y) + ridge * w
        hess = (x * (p * (1 - p))[:, None]).T @ x + numpy.diag(ridge)
        step = numpy.linalg.solve(hess, grad)
        w -= step
        if numpy.abs(step).max() < 1e-8:
            break
    return {"(bias)": float(w[0]), **{c: float(w[col[c]]) for c in codes}}


def predict(weights: dict[str, float], basis: tuple[str, ...]) -> float:
    z = weights["(bias)"] + sum(weights.get(c, 0.0) for c in basis)
    return float(1 / (1 + numpy.exp(-z)))


def calibration(data: dict[str, list[tuple[tuple[str, ...], bool]]]) -> list[str]:
    """The table: each document's claims scored by a model fitted without it (five folds of
    documents, every set in each), binned by confidence."""
    scored: list[tuple[float, bool]] = []
    docs = sorted(data)
    for fold in range(FOLDS):
        held = set(docs[fold::FOLDS])
        weights = fit([r for d in docs if d not in held for r in data[d]])
        scored += [(predict(weights, basis), ok) for d in held for basis, ok in data[d]]
    lines = ["| confidence | claims | right | share right |", "| --- | --- | --- | --- |"]
    edges = [0.0, 0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0001]
    for lo, hi in itertools.pairwise(edges):
        inside = [ok for p, ok in scored if lo <= p < hi]
        if inside:
            share = sum(inside) / len(inside)
            lines.append(
                f"| {lo:.1f}-{min(hi, 1):.1f} | {len(inside)} | {sum(inside)} | {share:.2f} |"
            )
    for floor in (0.3, 0.4, 0.5, 0.6, 0.7):
        kept = [ok for p, ok in scored if p >= floor]
        share = sum(kept) / len(kept) if kept else 0.0
        lines.append(
            f"at min_confidence {floor}: {len(kept)} of {len(scored)} claims kept, "
            f"{share:.2f} right; {sum(kept)} of {sum(ok for _, ok in scored)} right ones kept"
        )
    return lines


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--write", action="store_true", help=f"write the weights to {TABLE}")
    args = ap.parse_args(argv)
    data = examples(args.shared)
    for name in TRAIN:
        rows = [r for d, rs in data.items() if d.startswith(name + "/") for r in rs]
        print(f"{name}: {len(rows)} watched claims, {sum(ok for _, ok in rows)} right")
    print("\n".join(calibration(data)))
    weights = fit([r for rows in data.values() for r in rows])
    for code, w in sorted(weights.items(), key=lambda kv: kv[1]):
        print(f"  {w:+.2f} {code}")
    if args.write:
        with TABLE.open("w", encoding="utf-8") as fh:
            fh.write(
                "# P(claim right | how it was decided): logistic-regression weights on the "
                "basis codes,\n# learned by tools/calibrate.py on the gold sets "
                f"{', '.join(TRAIN)}.\ncode\tweight\n"
            )
            for code, w in sorted(weights.items()):
                fh.write(f"{code}\t{w:.4f}\n")
        print(f"written: {TABLE}")


if __name__ == "__main__":
    main()
