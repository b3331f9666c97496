"""Extraction speed and peak memory over the 397 articles of ../shared/data/articles/.

Each variant runs in a fresh process (so its peak RSS is its own), loads the model once, and
extracts every article; the table gives articles per second (model loading excluded), peak
resident memory of the main process and of its parse workers, and both as ratios against the
baseline of the same run:

  baseline       the simplest way: the stock pipeline (NER included) on every paragraph, the
                 model's attribute ruler and lemmatizer on every word, one article at a time
  claimwatch     what ``Monitor.poll`` runs: ``Extractor().extract`` one article at a time
                 (NER left out, numpy's BLAS, POS and lemmas memoised per distinct word, tag
                 and relation), from a cold start
  claimwatch-warm  the same, timed on a second pass over the articles: a long-running daemon's
                 memo of POS and lemmas is warm
  claimwatch-blas-per-core  the same cold run with BLAS on a thread per core (numpy's default;
                 claimwatch pins it to one), to show what the pin is for under ``--contended``
  batch          ``Extractor().extract_many`` over all articles in one parse stream
  batch-2proc    the same with ``n_process=2``: two parse workers, extraction in this process

It then splits a cold run of the default extractor into the parse (tok2vec, tagger, parser), the
memoised POS and lemmas, and the extraction rules, to show what dominates the cost.

    .venv/bin/python bench/extract.py [--articles ../shared/data/articles] [--limit N] [--repeat N]
        [--contended]

``--contended`` keeps one core busy with another process for the whole run, as a shared
machine or a daemon beside other services would.

On a shared machine, ``--repeat 3`` keeps each variant's fastest round.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from monitor.config import load_watchlist
from monitor.extract import MODEL, Extractor

ROOT = Path(__file__).resolve().parents[1]
VARIANTS = (
    "baseline",
    "claimwatch",
    "claimwatch-warm",
    "claimwatch-blas-per-core",
    "batch",
    "batch-2proc",
)


def _texts(folder: Path, limit: int) -> list[str]:
    paths = sorted(folder.glob("*/*.txt"))
    return [p.read_text(encoding="utf-8") for p in paths[: limit or None]]


def run_variant(name: str, folder: Path, limit: int) -> dict[str, float]:
    """Time one variant in this process; return its figures."""
    import spacy

    texts = _texts(folder, limit)
    watchlist = load_watchlist(ROOT / "config" / "watchlist.yaml")
    t0 = time.perf_counter()
    if name == "baseline":
        extractor = Extractor(watchlist, spacy.load(MODEL), memoise=False)
    else:
        extractor = Extractor(watchlist)
    if name == "claimwatch-blas-per-core":
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=os.cpu_count(), user_api="blas")
    load = time.perf_counter() - t0
    if name == "claimwatch-warm":
        for t in texts:
            extractor.extract(t)
    t0 = time.perf_counter()
    if name in ("baseline", "claimwatch", "claimwatch-warm", "claimwatch-blas-per-core"):
        claims = sum(len(extractor.extract(t)) for t in texts)
    else:
        workers = 2 if name == "batch-2proc" else 1
        claims = sum(len(c) for c in extractor.extract_many(((t, None) for t in texts), workers))
    seconds = time.perf_counter() - t0
    out = {
        "articles": len(texts),
        "claims": claims,
        "load_s": load,
        "seconds": seconds,
        "main_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "worker_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }
    if name == "claimwatch":
        out.update(_breakdown(extractor, texts))
    return out


def _breakdown(extractor: Extractor, texts: list[str]) -> dict[str, float]:
    """Where the default extractor's time goes, from a second run on a freshly loaded model
    (a cold memo and lemmatizer, as in the timed run) with the memoised POS and lemmas and the
    rules timed as they run; the parse is the rest."""
    from monitor.extract import load_nlp
    from monitor.extract.article import ArticleRun

    fresh = Extractor(extractor.watchlist, load_nlp.__wrapped__())
    spent = {"attributes_s": 0.0, "rules_s": 0.0}

    def timed(fn: Any, key: str) -> Any:
        def run(*args: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return fn(*args)
            finally:
                spent[key] += time.perf_counter() - t0

        return run

    fresh.memoised_attributes = timed(fresh.memoised_attributes, "attributes_s")  # type: ignore[method-assign]
    fresh._claims = timed(fresh._claims, "rules_s")  # type: ignore[method-assign]
    paragraph = ArticleRun.paragraph
    ArticleRun.paragraph = timed(paragraph, "rules_s")  # type: ignore[method-assign]
    t0 = time.perf_counter()
    for text in texts:
        fresh.extract(text)
    total = time.perf_counter() - t0
    ArticleRun.paragraph = paragraph  # type: ignore[method-assign]
    return {**spent, "parse_s": total - sum(spent.values()), "breakdown_total_s": total}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=Path, default=ROOT.parent / "shared" / "data" / "articles")
    ap.add_argument("--limit", type=int, default=0, help="only the first N articles")
    ap.add_argument(
        "--repeat", type=int, default=1, help="run each variant N times, keep the fastest"
    )
    ap.add_argument(
        "--contended", action="store_true", help="keep one core busy with a spinning process"
    )
    ap.add_argument("--variant", choices=VARIANTS, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if not args.articles.is_dir():
        sys.exit(f"{args.articles}: no such folder (the shared data is not beside this clone)")
    if args.variant:  # a child run: print its figures as JSON
        print(json.dumps(run_variant(args.variant, args.articles, args.limit)))
        return
    results: dict[str, dict[str, float]] = {}
    spinner = (
        subprocess.Popen([sys.executable, "-c", "while True: pass"]) if args.contended else None
    )
    try:
        _rounds(args, results)
    finally:
        if spinner is not None:
            spinner.kill()
    _report(args, results)


def _rounds(args: argparse.Namespace, results: dict[str, dict[str, float]]) -> None:
    for _ in range(args.repeat):  # rounds over all variants, so a busy spell hits them alike
        for name in VARIANTS:
            cmd = [sys.executable, __file__, "--variant", name, "--articles", str(args.articles)]
            cmd += ["--limit", str(args.limit)]
            done = subprocess.run(cmd, capture_output=True, text=True, check=True)
            run = json.loads(done.stdout.strip().splitlines()[-1])
            if name not in results or run["seconds"] < results[name]["seconds"]:
                results[name] = run


def _report(args: argparse.Namespace, results: dict[str, dict[str, float]]) -> None:
    base = results["baseline"]
    base_rate = base["articles"] / base["seconds"]
    print(
        f"{base['articles']} articles, model loaded once per variant, "
        f"fastest of {args.repeat} round(s){', one core kept busy' * args.contended}\n"
    )
    print("| variant | articles/s | x baseline | claims | peak MB main (+ worker) | load s |")
    print("|---|---|---|---|---|---|")
    for name, r in results.items():
        rate = r["articles"] / r["seconds"]
        worker = f" + {r['worker_mb']:.0f} per worker" if name == "batch-2proc" else ""
        print(
            f"| {name} | {rate:.1f} | {rate / base_rate:.2f} | {r['claims']} | "
            f"{r['main_mb']:.0f}{worker} ({r['main_mb'] / base['main_mb']:.2f}x) | "
            f"{r['load_s']:.1f} |"
        )
    d = results["claimwatch"]
    total = d["breakdown_total_s"]
    print(
        f"\nclaimwatch's {total:.1f} s (a second, instrumented cold run): parse (tok2vec, "
        f"tagger, parser, and spaCy's own overhead) {d['parse_s']:.1f} s "
        f"({d['parse_s'] / total:.0%}), memoised POS and lemmas {d['attributes_s']:.1f} s "
        f"({d['attributes_s'] / total:.0%}), extraction rules {d['rules_s']:.1f} s "
        f"({d['rules_s'] / total:.0%})"
    )


if __name__ == "__main__":
    main()
