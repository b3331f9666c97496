"""``claimwatch status``: per feed and per channel, what the store says happened."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from conftest import DEMO_FEED, cli, write_config
from servers import SMTP_PERMANENT_FAILURE, FeedServer, SmtpServer, mailto_url

RSS = {"Content-Type": "application/rss+xml"}


def test_status_after_a_run(tmp_path: Path, feeds: FeedServer, smtp: SmtpServer) -> None:
    password = "never-shown-8d1f"
    feeds.set("/world", DEMO_FEED.read_bytes(), headers=RSS)
    with SmtpServer(username="cw", password=password) as refusing:
        refusing.fail = SMTP_PERMANENT_FAILURE
        config = write_config(
            tmp_path,
            feeds=[
                {"name": "world", "url": feeds.url("/world")},
                {"name": "gone", "url": feeds.url("/missing")},
            ],
            channels=[
                {"name": "desk", "url": mailto_url(smtp)},
                {"name": "dead", "url": mailto_url(refusing, user="cw", password=password)},
            ],
        )
        result = cli("run", "--once", "--config", str(config))
        assert result.exit_code == 1, result.output  # a feed and a channel failed

    data = yaml.safe_load(config.read_text())
    data["feeds"] = data["feeds"][:1]  # "gone" is no longer configured; its record stays
    config.write_text(yaml.safe_dump(data, sort_keys=False))

    out = cli("status", "--config", str(config), "--json")
    assert out.exit_code == 0, out.output
    status = json.loads(out.stdout)
    feeds_by_name = {f["name"]: f for f in status["feeds"]}
    world, gone = feeds_by_name["world"], feeds_by_name["gone"]
    assert (world["configured"], world["items"], world["failures"]) == (True, 1, 0)
    assert world["last_poll"] and world["last_success"] == world["last_poll"]
    assert world["last_error"] is None
    assert (gone["configured"], gone["items"], gone["failures"]) == (False, 0, 1)
    assert gone["last_success"] is None and "404" in gone["last_error"]

    # alerts delivered: one message each, and the "possible" ones (under the rule's
    # min_confidence) together in one digest
    import sqlite3

    with sqlite3.connect(tmp_path / "claimwatch.sqlite") as db:
        alerts, possible = db.execute(
            "select count(*), sum(possible) from alert where claim_id is not null"
        ).fetchone()
    assert alerts > 0
    assert len(smtp.messages) == alerts - possible + (1 if possible else 0)
    channels = {c["name"]: c for c in status["channels"]}
    desk, dead = channels["desk"], channels["dead"]
    assert (desk["delivered"], desk["pending"], desk["failed"]) == (alerts, 0, 0)
    assert desk["last_error"] is None
    assert (dead["delivered"], dead["pending"], dead["failed"]) == (0, 0, alerts)
    assert "554" in dead["last_error"] and dead["last_error_at"]

    table = cli("status", "--config", str(config))
    assert table.exit_code == 0
    lines = table.stdout.splitlines()
    assert lines[0].split() == [
        "FEED",
        "LAST",
        "POLL",
        "(UTC)",
        "LAST",
        "SUCCESS",
        "ITEMS",
        "ERRORS",
        "LAST",
        "ERROR",
    ]
    assert any(line.startswith("gone (not configured)") and "404" in line for line in lines)
    desk_line = next(line for line in lines if line.startswith("desk "))
    assert desk_line.split()[1:5] == [str(alerts), "0", "0", "-"]
    assert password not in table.stdout and password not in out.stdout


def test_status_without_a_database_creates_none(tmp_path: Path) -> None:
    config = write_config(tmp_path, feeds=[])
    result = cli("status", "--config", str(config))
    assert result.exit_code == 1
    assert f"no database at {tmp_path / 'claimwatch.sqlite'} yet" in result.stderr
    assert not (tmp_path / "claimwatch.sqlite").exists()
