"""The whole product once: a feed on a real HTTP server, real SMTP, a real JSON receiver."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from conftest import DEMO_FEED, cli, write_config
from servers import FeedServer, HttpReceiver, SmtpServer, json_url, mailto_url

LINK = "https://example.org/claimwatch-demo/zelensky-us-troops"

# What the user must be told about the seed article (issue: the demo's alerts).
REQUIRED = [
    ("Zelensky denies", "complete fabrication"),
    ("Zelensky demands the presence of American troops", "We want the presence of American"),
    ("Lavrov accuses", "state terrorism"),
    ("Lavrov threatened retaliatory attacks", "retaliatory attacks"),
    ("Trump says", "more cautious about the possibility of sending US troops"),
]


def _serve_seed(feeds: FeedServer) -> str:
    feeds.set("/world.xml", DEMO_FEED.read_bytes(), headers={"Content-Type": "application/rss+xml"})
    return feeds.url("/world.xml")


def _alert_count(config: Path) -> int:
    """Alerts sent one by one (not those held as "possible" for the digest)."""
    with sqlite3.connect(config.parent / "claimwatch.sqlite") as db:
        return int(db.execute("select count(*) from alert where not possible").fetchone()[0])


def _possible(config: Path) -> int:
    """Alerts whose claim is under the rule's min_confidence: one digest carries them."""
    with sqlite3.connect(config.parent / "claimwatch.sqlite") as db:
        return int(db.execute("select count(*) from alert where possible").fetchone()[0])


def test_email_per_alert_and_nothing_twice(
    tmp_path: Path, feeds: FeedServer, smtp: SmtpServer
) -> None:
    config = write_config(
        tmp_path,
        feeds=[{"name": "world", "url": _serve_seed(feeds)}],
        channels=[{"name": "desk", "url": mailto_url(smtp)}],
    )
    result = cli("run", "--once", "--config", str(config))
    assert result.exit_code == 0, result.output
    alerts = _alert_count(config)
    assert alerts >= len(REQUIRED) - 1 and _possible(config) >= 1
    messages = smtp.wait_for(alerts + 1)  # and one digest of the possible ones
    assert len(messages) == alerts + 1
    digests = [m for m in messages if str(m["Subject"]).startswith("claimwatch digest")]
    assert len(digests) == 1

    mails = []
    for msg in messages:
        text = msg.get_body(preferencelist=("plain",))
        html = msg.get_body(preferencelist=("html",))
        body = (text or html).get_content()  # type: ignore[union-attr]
        mails.append((str(msg["Subject"]), body))
        if msg in digests:  # the digest links each article from its HTML part
            assert LINK in html.get_content()  # type: ignore[union-attr]
            continue
        assert LINK in body
        assert "Speaker:" in body or "Speaker<" in body
    for subject_start, sentence_part in REQUIRED:
        hits = [
            b
            for s, b in mails
            if (s.startswith(subject_start) or subject_start in b) and sentence_part in b
        ]
        assert hits, f"no email {subject_start!r} quoting {sentence_part!r}"

    again = cli("run", "--once", "--config", str(config))
    assert again.exit_code == 0, again.output
    assert _alert_count(config) == alerts
    assert len(smtp.messages) == alerts + 1  # nothing sent twice


def test_json_channel_gets_the_same_alerts(
    tmp_path: Path, feeds: FeedServer, smtp: SmtpServer, receiver: HttpReceiver
) -> None:
    config = write_config(
        tmp_path,
        feeds=[{"name": "world", "url": _serve_seed(feeds)}],
        channels=[
            {"name": "desk", "url": mailto_url(smtp)},
            {"name": "hook", "url": json_url(receiver)},
        ],
    )
    assert cli("run", "--once", "--config", str(config)).exit_code == 0
    alerts = _alert_count(config) + 1  # and the digest of the possible ones
    posts = receiver.wait_for(alerts)
    assert len(posts) == alerts
    smtp.wait_for(alerts)
    titles = sorted(p.json["title"] for p in posts)
    assert titles == sorted(str(m["Subject"]) for m in smtp.messages)
    for post in posts:
        assert post.json["type"] == "info"
        assert LINK in post.json["message"]
    for subject_start, sentence_part in REQUIRED:
        assert any(
            subject_start in p.json["title"] + p.json["message"]
            and sentence_part in p.json["message"]
            for p in posts
        ), subject_start


def test_demo_config_prints_alerts_once(tmp_path: Path) -> None:
    """The README's demo: the seed feed file, alerts on the terminal, silence the second time."""
    config = tmp_path / "demo.yaml"
    config.write_text(
        (DEMO_FEED.parent / "claimwatch.yaml")
        .read_text()
        .replace("sqlite:///../.state/demo.sqlite", f"sqlite:///{tmp_path / 'demo.sqlite'}")
        .replace("../config/watchlist.yaml", str(DEMO_FEED.parent.parent / "config/watchlist.yaml"))
        .replace("file:demo-feed.xml", f"file:{DEMO_FEED}")
    )
    first = cli("run", "--once", "--config", str(config))
    assert first.exit_code == 0, first.output
    for subject_start, sentence_part in REQUIRED:
        assert any(subject_start in line for line in first.stdout.splitlines()), subject_start
        assert sentence_part in first.stdout
    assert "Possible: Zelensky demands the presence of American troops" in first.stdout
    second = cli("run", "--once", "--config", str(config))
    assert second.exit_code == 0
    assert second.stdout == ""
    assert "0 alerts" in second.stderr
