"""Delivery: every alert once, in order, through failures; digests, limits, quiet hours,
operator alerts, test-notify, and secrets that never show."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
from conftest import DATA, cli, write_config
from servers import (
    SMTP_PERMANENT_FAILURE,
    SMTP_TRANSIENT_FAILURE,
    FeedServer,
    HttpReceiver,
    SmtpServer,
    json_url,
    mailto_url,
    slack_redirect,
)

WATCHLIST = DATA / "replay" / "watchlist.yaml"
EXE = str(Path(sys.executable).parent / "claimwatch")

STORIES = [
    "Donald Trump said on Monday that he was cautious about sending American troops to Ukraine.",
    "Russia's defence ministry said that Ukraine had attacked a fuel depot with drones.",
    "Ukraine's foreign ministry denied the claim about the drone attack, calling it a fabrication.",
    "Zelensky said that Ukraine was open to new talks with Moscow.",
]


def rss(stories: list[str], prefix: str = "story") -> bytes:
    items = "".join(
        f"<item><title>{prefix} {n}</title><link>https://news.example/{prefix}/{n}</link>"
        f"<guid>{prefix}-{n}</guid><pubDate>Mon, 03 Mar 2025 0{n}:00:00 GMT</pubDate>"
        f"<description>{escape(text)}</description></item>"
        for n, text in enumerate(stories)
    )
    head = '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
    return f"{head}{items}</channel></rss>".encode()


def setup(
    tmp_path: Path, feeds: FeedServer, channels: list[dict[str, Any]], stories: list[str] = STORIES
) -> Path:
    feeds.set("/rss", rss(stories))
    return write_config(
        tmp_path,
        feeds=[{"name": "wire", "url": feeds.url("/rss")}],
        channels=channels,
        watchlist=WATCHLIST,
    )


def db_rows(config: Path, query: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(config.parent / "claimwatch.sqlite") as con:
        return list(con.execute(query))


def alert_titles(config: Path) -> list[str]:
    """The alerts' subjects in alert order, as the store renders them."""
    from monitor.config import load_config
    from monitor.notify import headline
    from monitor.store import Store

    loaded = load_config(config)
    names = {ident: a.name for ident, a in loaded.watchlist.actors.items()}
    store = Store(loaded.database)
    ids = [
        r[0] for r in db_rows(config, "select id from alert where claim_id is not null order by id")
    ]
    titles = [headline(a) for a in store.alerts(ids, names)]
    store.close()
    return titles


def test_mail_server_down_then_back_delivers_all_in_order(
    tmp_path: Path, feeds: FeedServer, smtp: SmtpServer
) -> None:
    config = setup(tmp_path, feeds, [{"name": "mail", "url": mailto_url(smtp)}])
    smtp.fail = SMTP_TRANSIENT_FAILURE
    assert cli("run", "--once", "--config", str(config)).exit_code == 0
    assert smtp.messages == []
    listing = cli("outbox", "--config", str(config)).stdout
    assert "mail: pending (retry at" in listing
    assert "451" in listing  # the server's own reason is kept

    smtp.fail = None
    assert "requeued" in cli("outbox", "--config", str(config), "--retry").stdout
    assert cli("run", "--once", "--config", str(config)).exit_code == 0
    titles = alert_titles(config)
    assert len(titles) >= 4
    got = smtp.wait_for(len(titles))
    assert [str(m["Subject"]) for m in got] == titles  # every alert, once, in order
    assert "outbox empty" in cli("outbox", "--config", str(config)).stdout


def test_permanent_failure_is_recorded_not_retried(
    tmp_path: Path, feeds: FeedServer, smtp: SmtpServer
) -> None:
    config = setup(tmp_path, feeds, [{"name": "mail", "url": mailto_url(smtp)}])
    smtp.fail = SMTP_PERMANENT_FAILURE
    assert cli("run", "--once", "--config", str(config)).exit_code == 1  # failed: cron can tell
    failed = db_rows(config, "select count(*) from delivery where status = 'failed'")[0][0]
    assert failed == len(alert_titles(config))
    smtp.fail = None
    assert cli("run", "--once", "--config", str(config)).exit_code == 0
    assert smtp.messages == []  # not retried by itself
    listing = cli("outbox", "--config", str(config)).stdout
    assert "mail: failed, 1 attempts" in listing and "554" in listing
    cli("outbox", "--config", str(config), "--retry")
    cli("run", "--once", "--config", str(config))
    assert len(smtp.wait_for(failed)) == failed


def test_failing_channel_does_not_hold_back_the_others(
    tmp_path: Path, feeds: FeedServer, smtp: SmtpServer, receiver: HttpReceiver
) -> None:
    receiver.status = 500
    config = setup(
        tmp_path,
        feeds,
        [
            {"name": "hook", "url": json_url(receiver)},
            {"name": "mail", "url": mailto_url(smtp)},
        ],
    )
    assert cli("run", "--once", "--config", str(config)).exit_code == 0
    n = len(alert_titles(config))
    assert len(smtp.wait_for(n)) == n
    assert len(receiver.requests) == 1  # tried once, then waits: order is kept for its queue
    pending = db_rows(
        config, "select count(*) from delivery where channel='hook' and status='pending'"
    )
    assert pending[0][0] == n


def test_operator_hears_of_a_failing_channel(
    tmp_path: Path, feeds: FeedServer, receiver: HttpReceiver
) -> None:
    with HttpReceiver() as ops:
        receiver.status = 404  # a webhook that is gone: permanent
        config = setup(
            tmp_path,
            feeds,
            [
                {"name": "hook", "url": json_url(receiver)},
                {
                    "name": "ops",
                    "url": json_url(ops, "/ops"),
                    "operator": True,
                    "tags": ["operator"],
                },
            ],
        )
        assert cli("run", "--once", "--config", str(config)).exit_code == 1  # failed: cron can tell
        messages = [r.json["title"] for r in ops.wait_for(1)]
        assert any(t.startswith("claimwatch: channel hook is failing: ") for t in messages)
        assert any("404" in t for t in messages)


def test_test_notify_reports_the_real_outcome(
    tmp_path: Path, smtp: SmtpServer, receiver: HttpReceiver
) -> None:
    config = write_config(
        tmp_path,
        feeds=[],
        watchlist=WATCHLIST,
        channels=[
            {"name": "mail", "url": mailto_url(smtp)},
            {"name": "hook", "url": json_url(receiver)},
        ],
    )
    ok = cli("test-notify", "--config", str(config))
    assert ok.exit_code == 0, ok.output
    assert ok.stdout.splitlines() == ["mail: ok", "hook: ok"]
    assert smtp.wait_for(1)[0]["Subject"] == "claimwatch test"

    receiver.status = 404
    bad = cli("test-notify", "--config", str(config), "hook")
    assert bad.exit_code == 1
    assert bad.stdout.startswith("hook: FAILED (permanent): ")
    assert "404" in bad.stdout
    unknown = cli("test-notify", "--config", str(config), "nope")
    assert unknown.exit_code == 2


def test_digest_channel_sends_one_message(
    tmp_path: Path, feeds: FeedServer, smtp: SmtpServer
) -> None:
    config = setup(
        tmp_path,
        feeds,
        [
            {
                "name": "mail",
                "url": mailto_url(smtp),
                "mode": "digest",
                "digest": {"every": "daily", "at": "00:00"},
            },
        ],
    )
    assert cli("run", "--once", "--config", str(config)).exit_code == 0
    n = len(alert_titles(config))
    (digest,) = smtp.wait_for(1)
    assert str(digest["Subject"]).startswith(f"claimwatch digest: {n} alerts (")
    body = digest.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    for title in alert_titles(config):
        assert title in body
    # the next alerts wait for tomorrow's digest
    feeds.set("/rss", rss(["Zelensky said that Ukraine wants American troops."], "late"))
    cli("run", "--once", "--config", str(config))
    time.sleep(0.5)
    assert len(smtp.messages) == 1
    assert "held for digest: digest channel" in cli("outbox", "--config", str(config)).stdout


def test_rate_limit_rolls_the_rest_into_a_digest(
    tmp_path: Path, feeds: FeedServer, smtp: SmtpServer
) -> None:
    config = setup(tmp_path, feeds, [{"name": "mail", "url": mailto_url(smtp), "rate_limit": 2}])
    assert cli("run", "--once", "--config", str(config)).exit_code == 0
    n = len(alert_titles(config))
    got = smtp.wait_for(3)
    subjects = [str(m["Subject"]) for m in got]
    assert subjects[:2] == alert_titles(config)[:2]
    assert subjects[2].startswith(f"claimwatch digest: {n - 2} alert")
    assert len(subjects) == 3


def test_quiet_hours_hold_alerts(tmp_path: Path, feeds: FeedServer, smtp: SmtpServer) -> None:
    config = setup(
        tmp_path,
        feeds,
        [
            {
                "name": "mail",
                "url": mailto_url(smtp),
                "quiet_hours": "00:00-23:59",
                "timezone": "Europe/Paris",
            },
        ],
    )
    assert cli("run", "--once", "--config", str(config)).exit_code == 0
    time.sleep(0.5)
    assert smtp.messages == []
    assert "held for digest: quiet hours" in cli("outbox", "--config", str(config)).stdout


def test_templates_can_be_overridden(tmp_path: Path, feeds: FeedServer) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "text.txt").write_text("CUSTOM [$kind_text] $actor_name: $sentence <$link>\n")
    config = setup(tmp_path, feeds, [{"name": "term", "url": "stdout://"}], STORIES[:1])
    text = config.read_text() + "templates: templates\n"
    config.write_text(text)
    result = cli("run", "--once", "--config", str(config))
    assert result.exit_code == 0, result.output
    assert "CUSTOM [new] Donald Trump: Donald Trump said on Monday" in result.stdout
    assert "<https://news.example/story/0>" in result.stdout


def test_slack_message_is_escaped(
    tmp_path: Path, feeds: FeedServer, receiver: HttpReceiver
) -> None:
    hostile = ["Zelensky said that <!channel> *everyone* must act & <https://evil.example|click>."]
    with slack_redirect(receiver) as url:
        config = setup(tmp_path, feeds, [{"name": "slack", "url": url}], hostile)
        assert cli("run", "--once", "--config", str(config)).exit_code == 0
    (post,) = receiver.wait_for(1)
    payload = str(post.json)
    assert "<!channel>" not in payload
    assert "<https://evil.example|click>" not in payload
    assert "https://news.example/story/0" in payload  # our own link survives


def test_secrets_never_show(
    tmp_path: Path, feeds: FeedServer, receiver: HttpReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    password = "s3cret-Pa55word-xyz"
    with (
        SmtpServer(username="alerts", password=password) as smtp,
        slack_redirect(receiver) as slack,
    ):
        monkeypatch.setenv("CW_SMTP_PASSWORD", password)
        mail = mailto_url(smtp, user="alerts", password="PLACEHOLDER").replace(
            "PLACEHOLDER", "${CW_SMTP_PASSWORD}"
        )
        token = slack.split("://", 1)[1].split("/")[-1]
        receiver.status = 500  # slack fails: its error goes to the log and the outbox
        config = setup(
            tmp_path,
            feeds,
            [
                {"name": "mail", "url": mail},
                {"name": "slack", "url": slack},
            ],
        )
        outputs = []
        for args in (
            ["check"],
            ["--log-level", "debug", "run", "--once"],
            ["outbox"],
            ["test-notify"],
            ["status"],
        ):
            result = (
                cli(*args, "--config", str(config))
                if args[0] != "--log-level"
                else cli(*args[:3], "--config", str(config), *args[3:])
            )
            outputs.append(result.output)
        assert len(smtp.wait_for(2)) >= 2  # the password did work
    everything = "\n".join(outputs) + "\n".join(
        str(r) for r in db_rows(config, "select last_error from delivery")
    )
    assert password not in everything
    assert token not in everything
    assert "****" in everything


def test_sigkill_anywhere_loses_nothing(
    tmp_path: Path, feeds: FeedServer, smtp: SmtpServer, receiver: HttpReceiver
) -> None:
    """Kill -9 mid-delivery, start again: every alert arrives; at most one twice (the window
    between a send and its record)."""
    stories = STORIES + [
        f"Zelensky said on day {n} that Ukraine wants {n} more air defence systems."
        for n in range(6)
    ]
    config = setup(
        tmp_path,
        feeds,
        [
            {"name": "mail", "url": mailto_url(smtp)},
            {"name": "ops", "url": json_url(receiver), "operator": True},
        ],
        stories,
    )
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}

    def start() -> subprocess.Popen[str]:
        return subprocess.Popen(
            [EXE, "run", "--config", str(config)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )

    smtp.delay = 0.3  # slow enough that the kill lands with alerts still queued
    proc = start()
    try:
        smtp.wait_for(2, timeout=60)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=10)
        queued = db_rows(config, "select count(*) from delivery where status = 'pending'")[0][0]
        assert queued > 0, "the kill came too late to test anything"
        smtp.delay = 0.0
        proc = start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            total = db_rows(config, "select count(*) from alert where claim_id is not null")[0][0]
            if total and len({str(m["Subject"]) for m in smtp.messages}) >= total:
                break
            time.sleep(0.3)
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    titles = alert_titles(config)
    subjects = [str(m["Subject"]) for m in smtp.messages]
    assert sorted(set(subjects)) == sorted(set(titles))
    assert len(subjects) <= len(titles) + 1
    # the restart after the kill told the operators
    crash = "claimwatch: claimwatch started after an unclean stop"
    assert any(str(r.json["title"]).startswith(crash) for r in receiver.requests)


def test_operator_hears_of_a_failing_feed_and_its_recovery(
    tmp_path: Path, feeds: FeedServer, receiver: HttpReceiver
) -> None:
    config = setup(tmp_path, feeds, [{"name": "ops", "url": json_url(receiver), "operator": True}])
    config.write_text(config.read_text() + "polling: {failure_threshold: 2}\n")
    feeds.set("/rss", b"oops", status=500)
    for _ in range(2):
        assert cli("run", "--once", "--config", str(config)).exit_code == 1  # failed: cron can tell
    (failing,) = receiver.wait_for(1)
    assert failing.json["title"] == (
        "claimwatch: feed wire is failing: 2 polls in a row failed "
        "(last: HTTP 500 Internal Server Error)"
    )
    feeds.set("/rss", rss(STORIES[:1]))
    assert cli("run", "--once", "--config", str(config)).exit_code == 0
    titles = [r.json["title"] for r in receiver.wait_for(2)]
    assert "claimwatch: feed wire recovered after 2 failed polls" in titles
