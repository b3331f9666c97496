"""What one poison article costs: time and peak memory of reading it within its budget.

Each case runs in a process of its own (peak resident memory is per process), through
``Monitor.extract``, the call the pipeline makes for every article: the text bounded to
``MAX_ARTICLE_CHARS``, paragraphs over ``MAX_PARAGRAPH_CHARS`` cut at sentence ends, pieces of
``PIECE_CHARS`` extracted under the lock one at a time, ``ARTICLE_SECONDS`` and ``MAX_CLAIMS``.
The baseline is the longest real article of ``../shared/data/articles`` (read whole, as
before); ``--unbounded`` also runs the poison cases the old way, ``Extractor.extract`` on the
whole text (minutes: the field measured 279 s and 999 MB for the 5 MB case).

    .venv/bin/python bench/poison.py [--unbounded]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARTICLES = ROOT.parent / "shared" / "data" / "articles"


def soup(size: int) -> str:
    words = "Zelensky said Russia denied troops Kyiv threatened the strike Putin warned".split()
    lines, total, n = [], 0, 0
    while total < size:
        line = " ".join(words[(n * 7 + k) % len(words)] for k in range(3 + n % 6))
        lines.append(line)
        total += len(line) + 1
        n += 1
    return "\n".join(lines)


def text_of(case: str) -> str:
    if case == "longest-real-article":
        return max((p.read_text(encoding="utf-8") for p in ARTICLES.glob("*/*.txt")), key=len)
    if case == "5-MB-of-short-lines":
        return soup(5_000_000)
    if case == "a-1.1-M-character-paragraph":
        return "Zelensky said that Russia would never win the war. " * 21_000
    raise ValueError(case)


def child(case: str, unbounded: bool) -> None:
    from monitor.config import load_config
    from monitor.model import Article
    from monitor.pipeline import Monitor

    config = load_config(ROOT / "seeds" / "claimwatch.yaml")
    monitor = Monitor(config)
    monitor.extractor.extract("Zelensky said so.")  # the model loaded before the clock starts
    text = text_of(case)
    start = time.monotonic()
    if unbounded:
        claims, note = monitor.extractor.extract(text), "whole text"
    else:
        claims, note = monitor.extract(Article("k", "f", "", "t", text))
    took = time.monotonic() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "case": case,
                "chars": len(text),
                "seconds": round(took, 1),
                "peak_mb": round(peak),
                "claims": len(claims),
                "note": note,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--unbounded", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.unbounded)
        return
    cases = ["longest-real-article", "5-MB-of-short-lines", "a-1.1-M-character-paragraph"]
    runs = [(c, False) for c in cases] + [(c, True) for c in cases[1:] if args.unbounded]
    base = None
    for case, unbounded in runs:
        cmd = [sys.executable, __file__, "--child", case] + ["--unbounded"] * unbounded
        out = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
        base = base or out
        print(
            f"{case + (' (unbounded)' if unbounded else ''):<44} {out['chars']:>10,} chars "
            f"{out['seconds']:>7.1f} s  peak {out['peak_mb']:>5} MB "
            f"(x{out['peak_mb'] / base['peak_mb']:.2f})  {out['claims']:>5} claims  {out['note']}"
        )


if __name__ == "__main__":
    main()
