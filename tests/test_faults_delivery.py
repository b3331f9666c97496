"""Faults from the field: delivery that gives up, or hammers (issue 15).

A failed send is classified by the protocol's own codes, never by the words of a message, and
a channel's Retry-After is honoured; through a real SMTP server and a real HTTP receiver.
"""

from __future__ import annotations

import email.utils
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import cli, write_config
from servers import FeedServer, HttpReceiver, SmtpServer, json_url, mailto_url

# a claim sure enough (confidence 0.77) to be sent at once, not held for the digest as
# "possible": these tests are about sending one message
STORY = (
    "Zelensky denied that Ukraine had attacked the fuel depot with drones, calling the claim a "
    "complete fabrication."
)
RSS = (
    '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>s</title>'
    f"<guid>g1</guid><link>https://news.example/1</link><description>{STORY}</description>"
    "</item></channel></rss>"
)


def run(tmp_path: Path, channel: dict[str, Any]) -> list[tuple[str, int, str, str]]:
    """Poll the one-story feed once and deliver to ``channel``; the outbox rows after."""
    with FeedServer() as feeds:
        feeds.set("/rss", RSS)
        config = write_config(
            tmp_path, feeds=[{"name": "wire", "url": feeds.url("/rss")}], channels=[channel]
        )
        cli("run", "--once", "--config", str(config))
    with sqlite3.connect(tmp_path / "claimwatch.sqlite") as con:
        return list(con.execute("select status, attempts, next_attempt, last_error from delivery"))


@pytest.mark.parametrize(
    ("reply", "status"),
    [
        ("454 4.7.0 Temporary authentication failure", "pending"),  # the field's case
        ("421 4.7.0 Try again later, unauthorized sender rate", "pending"),
        ("550 5.1.1 Mailbox not found; temporary problem, try again", "failed"),
    ],
)
def test_smtp_failures_are_classified_by_their_code(
    tmp_path: Path, reply: str, status: str
) -> None:
    with SmtpServer() as smtp:
        smtp.fail = reply
        ((got, attempts, _, error),) = run(tmp_path, {"name": "mail", "url": mailto_url(smtp)})
    assert (got, attempts) == (status, 1)
    assert reply[:3] in error


@pytest.mark.parametrize(
    ("code", "body", "status"),
    [
        (503, b"Forbidden: webhook not found, unauthorized", "pending"),
        (408, b"invalid token", "pending"),
        (410, b"temporarily moved, try again later", "failed"),
    ],
)
def test_http_failures_are_classified_by_their_status(
    tmp_path: Path, code: int, body: bytes, status: str
) -> None:
    with HttpReceiver(status=code, response_body=body) as hook:
        ((got, attempts, _, _),) = run(tmp_path, {"name": "hook", "url": json_url(hook)})
        assert len(hook.requests) == 1
    assert (got, attempts) == (status, 1)


@pytest.mark.parametrize(
    ("code", "retry_after", "seconds"),
    [
        (429, "600", 600),  # the field's case: retried after 40 s
        (503, "in two hours", 7200),  # an HTTP date two hours off
    ],
)
def test_retry_after_is_honoured(tmp_path: Path, code: int, retry_after: str, seconds: int) -> None:
    value = retry_after
    if not retry_after.isdigit():
        value = email.utils.format_datetime(datetime.now(UTC) + timedelta(seconds=seconds), True)
    with HttpReceiver(status=code) as hook:
        hook.response_headers["Retry-After"] = value
        before = datetime.now(UTC)
        ((got, _, next_attempt, _),) = run(tmp_path, {"name": "hook", "url": json_url(hook)})
    wait = datetime.fromisoformat(next_attempt).replace(tzinfo=UTC) - before
    assert got == "pending"
    assert timedelta(seconds=seconds - 60) < wait < timedelta(seconds=seconds * 1.2 + 60)
