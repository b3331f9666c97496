#!/usr/bin/env python3
"""Score the extractor on the public evaluation sets with ../shared/eval/score.py.

Runs ``Extractor`` in process (the same code and output as ``claimwatch extract --jsonl``)
over PolNeAR dev (score.py brat), the seed article, Guardian dev and claimwatch's own hand-made
gold (``tools/gold/``: six NYT articles; seven Guardian and NYT articles; fifteen texts of
2025-26 in seven formats with their annotator's watchlist; nine more kept blind) with score.py
claims, each article with its real publication date from its folder's ``index.jsonl``, and
prints one summary line per set, then one per format (wire, interview, briefing...) where a set
has several. Predictions and full score JSON go to ``--out``.

Usage:
    .venv/bin/python tools/evaluate.py [--shared ../shared] [--out /tmp/cw-eval]
        [--sets polnear seed guardian nyt mixed news2025 blind2025 blind2026c blind2026d]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import alert_eval  # noqa: E402  (tools/ is on the path)
from polnear_baseline import score as score_brat  # noqa: E402

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


def _score(args: list[str], out: Path) -> dict[str, Any]:
    subprocess.run(
        [sys.executable, *args, "--json", str(out)], check=True, capture_output=True, text=True
    )
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return result


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--watchlist", type=Path, default=ROOT / "config/watchlist.yaml")
    ap.add_argument("--out", type=Path, default=Path("/tmp/cw-eval"))
    ap.add_argument(
        "--sets", nargs="+", default=["polnear", "seed", "guardian", "nyt", "mixed", "news2025"]
    )
    ap.add_argument(
        "--alerts",
        action="store_true",
        help="replay each set with a rule on every watched actor and judge the alerts",
    )
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
    recent = _index(args.shared / "data/articles-2025")
    for spec in _sets(ROOT, args.shared, out):
        if spec.name not in args.sets:
            continue
        stems = sorted({json.loads(x)["doc"] for x in spec.gold.read_text().splitlines() if x})
        folder = out / f"{spec.name}-text"  # the set's articles, linked into one folder
        folder.mkdir(exist_ok=True)
        for s in stems:
            link = folder / f"{s}.txt"
            if not link.exists():
                link.symlink_to(spec.find(s))
        day = {s: recent[s]["day"] if s in recent else dates.get(s, SEED_DATE) for s in stems}
        docs = [(s, folder / f"{s}.txt", day[s]) for s in stems]
        set_ex = ex if spec.watchlist is None else Extractor(load_watchlist(spec.watchlist), ex.nlp)
        _write(set_ex, docs, out / f"{spec.name}.jsonl")
        r = _score_claims(score, folder, spec.gold, out / f"{spec.name}.jsonl", out, spec.name)
        print(f"{spec.name}: {_line(r)}")
        if args.alerts:
            wl = load_watchlist(spec.watchlist) if spec.watchlist else watchlist
            published = _published(args.shared)
            entries = alert_eval.entries_for(stems, folder, published)
            fmts = {s: recent[s]["format"] for s in stems if s in recent}
            res = alert_eval.evaluate(spec.name, spec.gold, entries, wl, set_ex, fmts)
            print(f"{spec.name} alerts: {res.line()}; wrong: {res.wrong()}")
            floors = " · ".join(res.at(f) for f in (0.3, 0.4, 0.5, 0.6, 0.7))
            print(f"  precision at min_confidence {floors}")
            for fmt, part in res.by_format.items() if len(res.by_format) > 1 else []:
                print(f"  {fmt}: {part.line()}")
        formats = sorted({recent[s]["format"] for s in stems if s in recent})
        for fmt in formats if len(formats) > 1 else []:
            keep = {s for s in stems if recent.get(s, {}).get("format") == fmt}
            part = f"{spec.name}-{fmt}"
            _subset(spec.gold, out / f"{part}.gold.jsonl", keep)
            _subset(out / f"{spec.name}.jsonl", out / f"{part}.jsonl", keep)
            r = _score_claims(
                score, folder, out / f"{part}.gold.jsonl", out / f"{part}.jsonl", out, part
            )
            print(f"  {fmt} ({len(keep)} texts, {r['gold_claims']} claims): {_line(r)}")


@dataclass(frozen=True)
class _Set:
    name: str
    gold: Path
    find: Callable[[str], Path]  # a doc's text file
    watchlist: Path | None = None  # None: the one given with --watchlist


def _sets(root: Path, shared: Path, out: Path) -> list[_Set]:
    ev, gold, articles = shared / "eval/gold", root / "tools/gold", shared / "data/articles"

    def in_folder(folder: Path) -> Callable[[str], Path]:
        return lambda s: folder / f"{s}.txt"

    def anywhere(folder: Path) -> Callable[[str], Path]:
        return lambda s: next(folder.rglob(f"{s}.txt"))

    return [
        _Set("seed", ev / "seed.jsonl", in_folder(shared / "seeds")),
        _Set("guardian", ev / "guardian-dev.jsonl", in_folder(articles / "guardian")),
        # claimwatch's own: 6 NYT articles annotated by hand to GUIDELINES.md (tools/gold/)
        _Set("nyt", gold / "nyt-2022.jsonl", in_folder(articles / "nyt")),
        # and 7 Guardian and NYT articles, annotated the same way later
        _Set("mixed", gold / "mixed-2022.jsonl", anywhere(articles)),
        # 15 texts of 2025-26 in seven formats, with the annotator's own watchlist
        _Set(
            "news2025",
            gold / "news-2025.jsonl",
            anywhere(shared / "data/articles-2025"),
            gold / "news-2025.watchlist.yaml",
        ),
        # 9 more, kept blind through the transcripts and alert-precision work, then scored
        _Set(
            "blind2025",
            gold / "blind-2025.jsonl",
            anywhere(shared / "data/articles-2025"),
            gold / "blind-2025.watchlist.yaml",
        ),
        # 12 more of those texts by a third annotator, scored blind once, then development
        _Set(
            "blind2026c",
            gold / "blind-2026c.jsonl",
            anywhere(shared / "data/articles-2025"),
            gold / "blind-2026c.watchlist.yaml",
        ),
        # 12 more by a fourth annotator, kept blind: not in the default --sets
        _Set(
            "blind2026d",
            gold / "blind-2026d.jsonl",
            anywhere(shared / "data/articles-2025"),
            gold / "blind-2026d.watchlist.yaml",
        ),
    ]


def _published(shared: Path) -> dict[str, datetime]:
    """doc -> publication time, from both article folders' index.jsonl."""
    out = {}
    for folder in ("articles", "articles-2025"):
        for line in (shared / "data" / folder / "index.jsonl").read_text("utf-8").splitlines():
            row = json.loads(line)
            when = datetime.fromisoformat(row["published"].replace("Z", "+00:00"))
            out[row["doc"]] = when if when.tzinfo else when.replace(tzinfo=UTC)
    return out


def _index(folder: Path) -> dict[str, dict[str, Any]]:
    """doc -> {"day": publication date, "format": ...} from a folder's index.jsonl."""
    out = {}
    for line in (folder / "index.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        out[row["doc"]] = {"day": date.fromisoformat(row["published"][:10]), **row}
    return out


def _subset(src: Path, dst: Path, docs: set[str]) -> None:
    rows = [x for x in src.read_text(encoding="utf-8").splitlines() if x]
    dst.write_text("".join(x + "\n" for x in rows if json.loads(x)["doc"] in docs), "utf-8")


def _score_claims(
    score: str, folder: Path, gold: Path, pred: Path, out: Path, name: str
) -> dict[str, Any]:
    args = [score, "claims", "--text", str(folder), "--gold", str(gold), "--pred", str(pred)]
    return _score(args, out / f"{name}.score.json")


def _line(r: dict[str, Any]) -> str:
    t = r["topics"]
    return (
        f"recall {r['recall_any']:.3f} · actor {r['recall_actor']:.3f} · "
        f"actor+type {r['recall_actor_type']:.3f} · watched precision "
        f"{r['watched_precision']:.3f} · topic F1 {t['f1']:.3f} "
        f"(P {t['precision']:.3f} R {t['recall']:.3f})"
    )


if __name__ == "__main__":
    main()
