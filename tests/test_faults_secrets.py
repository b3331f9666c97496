"""Faults from the field: secrets (issue 15). Substituted values are URL-encoded where they
land and no secret, in a channel's, a feed's or the database's URL, is ever shown."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from conftest import cli, write_config
from servers import FeedServer, HttpReceiver, SmtpServer, mailto_url

PASSWORD = "p@ss#w/rd%41-xyz"  # every character that breaks a URL written raw


def test_a_substituted_password_with_reserved_characters_works_and_never_shows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The field's case: a mail password with @ # / %, by ${VAR} into the channel URL."""
    monkeypatch.setenv("CW_PASSWORD", PASSWORD)
    with SmtpServer(username="alerts", password=PASSWORD) as smtp:
        url = mailto_url(smtp, user="alerts", password="X").replace(":X@", ":${CW_PASSWORD}@")
        config = write_config(tmp_path, feeds=[], channels=[{"name": "mail", "url": url}])
        check = cli("check", "--config", str(config))
        sent = cli("--log-level", "debug", "test-notify", "--config", str(config))
        assert sent.stdout.strip() == "mail: ok", sent.output  # the password did work
        assert smtp.wait_for(1)
    for out in (check.output, sent.output):
        assert PASSWORD not in out and "rd%41" not in out and "ss#w" not in out
    assert "****" in check.stdout


def test_a_database_password_with_reserved_characters_is_encoded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another instance: the database URL (its password read by SQLAlchemy as given)."""
    from sqlalchemy.engine import make_url

    from monitor.config import load_config

    monkeypatch.setenv("CW_DB_PASSWORD", PASSWORD)
    config = write_config(tmp_path, feeds=[])
    config.write_text(
        config.read_text().replace(
            f"sqlite:///{tmp_path / 'claimwatch.sqlite'}",
            "postgresql+psycopg://claimwatch:${CW_DB_PASSWORD}@db.example:5432/cw",
        )
    )
    url = make_url(load_config(config).database)
    assert (url.host, url.password, url.database) == ("db.example", PASSWORD, "cw")
    check = cli("check", "--config", str(config))
    assert PASSWORD not in check.output and "db.example" in check.output


def test_tokens_in_feed_and_webhook_urls_never_show(tmp_path: Path) -> None:
    """The field's case (a feed's ?apikey= and a webhook's path token in logs, status, the
    database and /metrics) and a feed's user:password."""
    from monitor.config import load_config
    from monitor.health import MeteredMonitor, Metrics

    token, apikey, basic = "hk9X2mQ7Lw3Zt5Rb8Yc1", "K3y-abcdef123456", "s3cr3t-pw"
    with FeedServer() as feeds, HttpReceiver() as hook:
        feeds.set("/rss", (Path(__file__).parent.parent / "seeds" / "demo-feed.xml").read_bytes())
        hook.status = 500
        config = write_config(
            tmp_path,
            feeds=[
                {"url": feeds.url(f"/rss?apikey={apikey}")},
                {"url": feeds.url("/rss").replace("//", f"//reader:{basic}@") + "?b=1"},
            ],
            channels=[{"name": "hook", "url": f"json://127.0.0.1:{hook.port}/hooks/{token}"}],
        )
        outputs = [
            cli("--log-level", "debug", "run", "--once", "--config", str(config)).output,
            cli("status", "--config", str(config)).output,
            cli("status", "--json", "--config", str(config)).output,
            cli("check", "--config", str(config)).output,
            cli("outbox", "--config", str(config)).output,
        ]
        metrics = Metrics(lambda: {})
        mon = MeteredMonitor(load_config(config), metrics)
        try:
            mon.poll(mon.config.feeds[0])
        finally:
            mon.close()
        outputs.append(metrics.exposition().decode())
    with sqlite3.connect(tmp_path / "claimwatch.sqlite") as con:
        outputs.append("\n".join(str(line) for line in con.iterdump()))
    everything = "\n".join(outputs)
    for secret in (token, apikey, basic):
        assert secret not in everything
    assert "apikey=****" in everything
