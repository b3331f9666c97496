"""The README's pictures of the dashboard: an alert page and an actor's timeline, taken by
headless Chromium (Debian's, driven by Playwright) from ``claimwatch web`` serving a store: the
one of ``--config``, else the replay of the 397 real articles of ../shared/data/articles/
through the example watchlist (made once, kept at ``--store``).

    .venv/bin/python tools/screenshots.py [--out docs] [--only alert|timeline]
        [--config FILE | --store /tmp/claimwatch-shots.sqlite] [--alert ID] [--actor ID]

Without --alert, the latest dispute whose earlier claim is another actor's; without --actor,
the actor with the most alerts that are not firsts. The README's: `make demo`, then
`tools/screenshots.py --only alert --config seeds/claimwatch.yaml --alert 2` (Zelensky's
"he described as a complete fabrication"), and `tools/screenshots.py --only timeline`.
"""

from __future__ import annotations

import argparse
import dataclasses
import sqlite3
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
INDEX = ROOT.parent / "shared" / "data" / "articles" / "index.jsonl"
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def config_for(store: Path) -> Path:
    path = store.with_suffix(".yaml")
    data = {
        "database": f"sqlite:///{store}",
        "watchlist": str(ROOT / "config" / "watchlist.yaml"),
        "feeds": [],
    }
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def fill(store: Path) -> None:
    from monitor.config import load_config
    from monitor.pipeline import Monitor
    from monitor.replay import read_index, replay, summarise

    if not INDEX.is_file():
        sys.exit(f"no {INDEX}")
    monitor = Monitor(load_config(config_for(store)))
    try:
        report = summarise(replay(monitor, read_index(INDEX)))
    finally:
        monitor.close()
    print(f"replayed {report.articles} articles: {report.claims} claims", file=sys.stderr)


def pick(store: Path) -> tuple[int, str]:
    con = sqlite3.connect(store)
    try:
        (alert,) = con.execute(
            "select a.id from alert a join claim c on c.id = a.claim_id "
            "join claim p on p.id = json_extract(a.previous, '$[0]') "
            "where a.kind = 'dispute' and p.actor != c.actor order by a.id desc limit 1"
        ).fetchone()
        (actor,) = con.execute(
            "select c.actor from alert a join claim c on c.id = a.claim_id "
            "where a.kind != 'new' group by c.actor order by count(*) desc limit 1"
        ).fetchone()
    finally:
        con.close()
    return int(alert), str(actor)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, default=ROOT / "docs")
    ap.add_argument("--store", type=Path, default=Path("/tmp/claimwatch-shots.sqlite"))
    ap.add_argument("--alert", type=int)
    ap.add_argument("--actor")
    ap.add_argument("--width", type=int, default=1400)
    ap.add_argument("--config", type=Path, help="serve this configuration's store instead")
    ap.add_argument("--only", choices=("alert", "timeline"))
    args = ap.parse_args()

    from playwright.sync_api import sync_playwright

    from monitor.config import WebConfig, load_config
    from monitor.web import WebServer

    if args.config is not None:
        config = load_config(args.config)
        store = Path(config.database[len("sqlite:///") :])
    else:
        if not args.store.is_file():
            fill(args.store)
        config, store = load_config(config_for(args.store)), args.store
    alert, actor = pick(store)
    alert, actor = args.alert or alert, args.actor or actor
    server = WebServer(dataclasses.replace(config, web=WebConfig(listen="127.0.0.1:0")))
    base = server.start().rstrip("/")
    args.out.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": args.width, "height": 900})
            if args.only in (None, "alert"):
                page.goto(f"{base}/alerts/{alert}")
                height = page.locator("main").bounding_box()["height"]  # type: ignore[index]
                page.set_viewport_size({"width": args.width, "height": int(height) + 60})
                page.screenshot(path=str(args.out / "alert.png"))
                print(f"{args.out / 'alert.png'}: alert {alert}")
            if args.only in (None, "timeline"):
                page.set_viewport_size({"width": args.width, "height": 900})
                page.goto(f"{base}/actors/{actor}")
                box = page.locator("figure#timeline").bounding_box()
                assert box is not None
                page.set_viewport_size(
                    {"width": args.width, "height": int(box["y"] + box["height"]) + 16}
                )
                page.screenshot(path=str(args.out / "timeline.png"))
                print(f"{args.out / 'timeline.png'}: {actor}")
            browser.close()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
