"""A real store for the dashboard's tests: the replay scenes (a stance change, a dispute, a
wire story in three outlets, a silence broken, an article full of markup), two feeds polled
over HTTP (one good, one failing) and two channels (one taking alerts, one refusing them)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import yaml
from conftest import DATA, DEMO_FEED, write_config
from servers import FeedServer, HttpReceiver, json_url

from monitor.config import Config, load_config
from monitor.pipeline import Monitor
from monitor.replay import read_index, replay

SCENES = DATA / "replay"
WATCHLIST = SCENES / "watchlist.yaml"
HOSTILE = (
    'Trump threatened that drones <script>alert("x")</script> would strike & "burn" '
    "<img src=x onerror=alert(1)> Moscow.\n"
)
HOSTILE_TITLE = "<b onmouseover=alert(1)>Evil</b> & co"

# (scene, outlet, published): every change kind, oldest first
SEQUENCE = [
    ("talks-early", "reuters", "2025-01-01T09:00:00Z"),
    ("talks-late", "reuters", "2025-03-01T09:00:00Z"),
    ("troops-cautious", "reuters", "2025-03-03T09:00:00Z"),
    ("depot-accusation", "tass", "2025-03-03T10:00:00Z"),
    ("depot-denial", "kyiv-independent", "2025-03-04T09:00:00Z"),
    ("wire-a", "nyt", "2025-03-04T10:00:00Z"),
    ("wire-b", "guardian", "2025-03-04T11:00:00Z"),
    ("wire-c", "ap", "2025-03-04T12:00:00Z"),
    ("troops-welcome", "reuters", "2025-03-07T09:00:00Z"),
    ("hostile", "evil-outlet", "2025-03-08T09:00:00Z"),
]


@dataclass(frozen=True)
class WebStore:
    config: Config
    path: Path  # the SQLite file (PostgreSQL: the directory of the configuration)
    alerts: dict[str, int]  # scene -> the id of the alert it raised (the last one, if several)


def build(
    directory: Path,
    feeds: FeedServer,
    good: HttpReceiver,
    bad: HttpReceiver,
    database: str | None = None,
) -> WebStore:
    """Fill a store (SQLite in ``directory``, else ``database``) the way claimwatch does, and
    return its config."""
    feeds.set("/world", DEMO_FEED.read_bytes(), headers={"Content-Type": "application/rss+xml"})
    feeds.set("/broken", b"oops", status=500)
    config_path = write_config(
        directory,
        feeds=[
            {"name": "world", "url": feeds.url("/world")},
            {"name": "broken", "url": feeds.url("/broken")},
        ],
        channels=[
            {"name": "desk", "url": json_url(good)},
            {"name": "gone", "url": json_url(bad)},
        ],
        watchlist=WATCHLIST,
    )
    data = yaml.safe_load(config_path.read_text())
    data["polling"] = {"failure_threshold": 2}
    if database:
        data["database"] = database
    config_path.write_text(yaml.safe_dump(data, sort_keys=False))
    config = load_config(config_path)

    hostile = directory / "hostile.txt"
    hostile.write_text(HOSTILE, encoding="utf-8")
    index = directory / "index.jsonl"
    with index.open("w") as fh:
        for n, (doc, outlet, when) in enumerate(SEQUENCE):
            path = hostile if doc == "hostile" else SCENES / f"{doc}.txt"
            row = {
                "doc": f"{doc}-{n}",
                "source": outlet,
                "published": when,
                "title": HOSTILE_TITLE if doc == "hostile" else doc.replace("-", " "),
                "path": str(path),
                "link": f"https://{outlet}.example/{doc}",
            }
            fh.write(json.dumps(row) + "\n")
    alerts: dict[str, int] = {}
    monitor = Monitor(config)
    try:
        for step in replay(monitor, read_index(index)):
            for alert_id in step.ingested.alert_ids:
                alerts[step.entry.doc.rsplit("-", 1)[0]] = alert_id
        for feed in config.feeds:
            monitor.poll(feed)
        monitor.poll(config.feeds[1])  # failing twice: "failing"
        monitor.deliver()
    finally:
        monitor.close()
    path = Path(config.database[len("sqlite:///") :]) if database is None else directory
    return WebStore(config, path, alerts)
