#!/usr/bin/env python3
"""Write, or compare against, every claim the extractor finds in the shared articles.

A refactoring of ``monitor/extract/`` must not change one claim: this tool extracts the 397
articles of ``data/articles/`` and the 61 of ``data/articles-2025/`` (each with its publication
date) and PolNeAR dev in attribution mode, and writes one JSON line per claim with every field
of ``Claim`` (spans, actor, type, topics, stances, resolution, the deciding sentence, the cue's
reason) and one per ``--explain`` note. ``--check`` compares with a saved file and prints the
first differences; it exits 1 when any line differs.

Usage:
    .venv/bin/python tools/claims_snapshot.py --save /tmp/claims-before.jsonl
    .venv/bin/python tools/claims_snapshot.py --check /tmp/claims-before.jsonl
"""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import json
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from monitor.config import load_watchlist  # noqa: E402
from monitor.extract import Extractor  # noqa: E402


def _articles(shared: Path) -> Iterator[tuple[str, Path, date | None]]:
    for folder in ("articles", "articles-2025"):
        base = shared / "data" / folder
        for line in (base / "index.jsonl").read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            path = base / row["path"] if "path" in row else None
            if path is None or not path.exists():
                path = next(base.rglob(f"{row['doc']}.txt"))
            yield f"{folder}/{row['doc']}", path, date.fromisoformat(row["published"][:10])


def lines(shared: Path, watchlist: Path) -> Iterator[str]:
    """The snapshot, one JSON line per claim or note, in a fixed order."""
    ex = Extractor(load_watchlist(watchlist))
    for doc, path, day in _articles(shared):
        claims, notes = ex.explain(path.read_text(encoding="utf-8"), day)
        for claim in claims:
            yield json.dumps({"doc": doc, **dataclasses.asdict(claim)}, ensure_ascii=False)
        for note in notes:
            yield json.dumps({"doc": doc, "note": dataclasses.asdict(note)}, ensure_ascii=False)
    polnear = Extractor(ex.watchlist, ex.nlp, attributions=True)
    for path in sorted((shared / "eval/polnear-dev/text").glob("*.txt")):
        for claim in polnear.extract(path.read_text(encoding="utf-8")):
            yield json.dumps({"doc": f"polnear/{path.stem}", **dataclasses.asdict(claim)})


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--watchlist", type=Path, default=ROOT / "config/watchlist.yaml")
    group = ap.add_mutually_exclusive_group(required=True)
    group.add_argument("--save", type=Path)
    group.add_argument("--check", type=Path)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    now = list(lines(args.shared, args.watchlist))
    secs = time.perf_counter() - t0
    if args.save:
        args.save.write_text("\n".join(now) + "\n", encoding="utf-8")
        print(f"{len(now)} lines written to {args.save} in {secs:.1f} s")
        return 0
    before = args.check.read_text(encoding="utf-8").splitlines()
    if before == now:
        print(f"identical: {len(now)} lines ({secs:.1f} s)")
        return 0
    diff = list(difflib.unified_diff(before, now, "before", "now", n=0, lineterm=""))
    print("\n".join(diff[:40]))
    print(f"DIFFERENT: {sum(d[:1] in '+-' for d in diff[2:])} lines changed")
    return 1


if __name__ == "__main__":
    sys.exit(main())
