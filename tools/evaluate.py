#!/usr/bin/env python3
"""Score the extractor on the public evaluation sets with ../shared/eval/score.py.

Runs ``Extractor`` in process (the same code and output as ``claimwatch extract --jsonl``)
over PolNeAR dev (score.py brat), the seed article, Guardian dev and claimwatch's own hand-made
gold (six NYT articles; seven Guardian and NYT articles) with score.py claims, each news article
with its real publication date from ``data/articles/index.jsonl``, and prints one summary line
per set. Predictions and full
score JSON go to ``--out``.

Usage:
    .venv/bin/python tools/evaluate.py [--shared ../shared] [--out /tmp/cw-eval]
        [--sets polnear seed guardian nyt mixed]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from polnear_baseline import score as score_brat  # noqa: E402  (tools/ is on the path)

from monitor.cli import claim_json  # noqa: E402
from monitor.config import load_watchlist  # noqa: E402
from monitor.extract import Extractor  # noqa: E402

SEED_DATE = date(2025, 12, 30)  # the seed article's date (it speaks of "US President Trump")


def _dates(shared: Path) -> dict[str, date]:
    out = {}
    for line in (shared / "data/articles/index.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        out[row["doc"]] = date.fromisoformat(row["published"][:10])
    return out


def _write(ex: Extractor, docs: list[tuple[str, Path, date | None]], pred: Path) -> float:
    t0 = time.perf_counter()
    with pred.open("w", encoding="utf-8") as fh:
        for stem, path, day in docs:
            for claim in ex.extract(path.read_text(encoding="utf-8"), day):
                fh.write(json.dumps(claim_json(stem, claim), ensure_ascii=False) + "\n")
    return time.perf_counter() - t0


def _score(args: list[str], out: Path) -> dict[str, object]:
    subprocess.run(
        [sys.executable, *args, "--json", str(out)], check=True, capture_output=True, text=True
    )
    result: dict[str, object] = json.loads(out.read_text(encoding="utf-8"))
    return result


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--watchlist", type=Path, default=ROOT / "config/watchlist.yaml")
    ap.add_argument("--out", type=Path, default=Path("/tmp/cw-eval"))
    ap.add_argument("--sets", nargs="+", default=["polnear", "seed", "guardian", "nyt", "mixed"])
    args = ap.parse_args(argv)
    ev, out = args.shared / "eval", args.out
    out.mkdir(parents=True, exist_ok=True)
    watchlist = load_watchlist(args.watchlist)
    ex = Extractor(watchlist)
    score = str(ev / "score.py")
    if "polnear" in args.sets:
        dev = ev / "polnear-dev"
        docs = [(p.stem, p, None) for p in sorted((dev / "text").glob("*.txt"))]
        # PolNeAR counts beliefs, plans and findings too: claimwatch extract --attributions
        secs = _write(Extractor(watchlist, ex.nlp, attributions=True), docs, out / "polnear.jsonl")
        r = score_brat(out / "polnear.jsonl", dev, ev / "score.py")
        a, s = r["attribution"], r["source"]  # type: ignore[index]
        print(
            f"polnear-dev: attribution F1 {a['f1']:.3f} (P {a['precision']:.3f} "
            f"R {a['recall']:.3f}) · source F1 {s['f1']:.3f} (P {s['precision']:.3f} "
            f"R {s['recall']:.3f}) · content F1 {r['content_token_f1']:.3f} · "
            f"{len(docs) / secs:.1f} articles/s"
        )
    dates = _dates(args.shared)
    golds = {
        "seed": (ev / "gold/seed.jsonl", args.shared / "seeds"),
        "guardian": (ev / "gold/guardian-dev.jsonl", args.shared / "data/articles/guardian"),
        # claimwatch's own: 6 NYT articles annotated by hand to GUIDELINES.md (tools/gold/)
        "nyt": (ROOT / "tools/gold/nyt-2022.jsonl", args.shared / "data/articles/nyt"),
        # and 7 Guardian and NYT articles, annotated the same way later (tools/gold/)
        "mixed": (ROOT / "tools/gold/mixed-2022.jsonl", out / "mixed-text"),
    }
    for name, (gold, folder) in golds.items():
        if name not in args.sets:
            continue
        stems = sorted({json.loads(x)["doc"] for x in gold.read_text().splitlines() if x.strip()})
        if name == "mixed":  # articles of two outlets: one folder of links for score.py
            folder.mkdir(exist_ok=True)
            for s in stems:
                link = folder / f"{s}.txt"
                if not link.exists():
                    link.symlink_to(next((args.shared / "data/articles").glob(f"*/{s}.txt")))
        docs = [(s, folder / f"{s}.txt", dates.get(s, SEED_DATE)) for s in stems]
        _write(ex, docs, out / f"{name}.jsonl")
        r = _score(
            [
                score,
                "claims",
                "--text",
                str(folder),
                "--gold",
                str(gold),
                "--pred",
                str(out / f"{name}.jsonl"),
            ],
            out / f"{name}.score.json",
        )
        t = r["topics"]
        print(
            f"{name}: recall {r['recall_any']:.3f} · actor {r['recall_actor']:.3f} · "
            f"actor+type {r['recall_actor_type']:.3f} · watched precision "
            f"{r['watched_precision']:.3f} · topic F1 {t['f1']:.3f} "  # type: ignore[index]
            f"(P {t['precision']:.3f} R {t['recall']:.3f})"  # type: ignore[index]
        )


if __name__ == "__main__":
    main()
