"""Prove the loopback test servers work, and pin down Apprise's behaviour.

The Apprise tests double as executable documentation of apprise 2.3.0:
which URL formats reach our servers, the exact JSON body it posts, and what
``Apprise.notify()`` reports (and where the reason text lives) on failure.

Each test uses a fresh ``apprise.Apprise()`` on purpose: a plugin instance
throttles repeated sends (``request_rate_per_sec``, 5.5 s for email), so
reusing one object for two notifications would make a test sleep.
"""

from __future__ import annotations

import contextlib
import io
import logging
import smtplib
import socket
from collections.abc import Iterator

import apprise
import feedparser
import httpx
import pytest

# tests/ has no __init__.py, so pytest's default import mode puts tests/ on
# sys.path and the helper module imports by its plain name.
from servers import (
    SLACK_WEBHOOK_TOKENS,
    SMTP_PERMANENT_FAILURE,
    SMTP_TRANSIENT_FAILURE,
    FeedServer,
    HttpReceiver,
    SmtpServer,
    json_url,
    mailto_url,
    slack_redirect,
)

RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel>
  <title>Example News</title><link>http://example.org/</link>
  <description>test</description>
  <item><title>Claim one</title><link>http://example.org/1</link>
    <guid>urn:1</guid></item>
</channel></rss>
"""

SECRET = "s3cr3t-Pa55:w/rd"  # ':' and '/' prove the URL quoting is right
# the feeds, smtp and receiver fixtures come from conftest.py


@pytest.fixture
def smtp_auth() -> Iterator[SmtpServer]:
    with SmtpServer(username="alerts", password=SECRET) as server:
        yield server


def _notify(
    url: str,
    body: str = "Body text",
    title: str = "Subject line",
    notify_type: apprise.NotifyType = apprise.NotifyType.INFO,
    log_level: int | None = None,
) -> apprise.AppriseResult:
    """Send one notification through a fresh Apprise object."""
    apobj = apprise.Apprise()
    assert apobj.add(url), f"apprise rejected URL {url}"
    return apobj.notify(body, title=title, notify_type=notify_type, log_level=log_level)


def _apprise_log(level: int = logging.DEBUG) -> contextlib.AbstractContextManager[io.StringIO]:
    """``apprise.LogCapture`` (untyped): the "apprise" log as text while active.

    It lowers the "apprise" logger to ``level`` for the block, which is what
    makes DEBUG records exist at all, then restores it.
    """
    return apprise.LogCapture(level=level)  # type: ignore[no-untyped-call]


def _port_closed(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


# --------------------------------------------------------------------------
# FeedServer
# --------------------------------------------------------------------------


def test_feed_server_serves_mutable_routes_and_records(feeds: FeedServer) -> None:
    feeds.set("/rss", RSS, headers={"Content-Type": "application/rss+xml"})
    with httpx.Client() as client:
        first = client.get(feeds.url("/rss?page=1"), headers={"X-Probe": "1"})
        feeds.set("/rss", "gone", status=410)
        second = client.get(feeds.url("/rss"))
        missing = client.get(feeds.url("/nope"))

    assert first.status_code == 200
    assert first.content == RSS
    assert first.headers["content-type"] == "application/rss+xml"
    assert (second.status_code, second.text) == (410, "gone")
    assert missing.status_code == 404

    paths = [(r.method, r.path) for r in feeds.requests]
    assert paths == [("GET", "/rss?page=1"), ("GET", "/rss"), ("GET", "/nope")]
    assert feeds.requests[0].headers["x-probe"] == "1"  # case-insensitive


def test_feed_server_conditional_get(feeds: FeedServer) -> None:
    feeds.set("/rss", RSS, headers={"ETag": '"v1"'})
    with httpx.Client() as client:
        fresh = client.get(feeds.url("/rss"), headers={"If-None-Match": '"v1"'})
        stale = client.get(feeds.url("/rss"), headers={"If-None-Match": '"v0"'})
    assert fresh.status_code == 304
    assert fresh.content == b""
    assert fresh.headers["etag"] == '"v1"'
    assert stale.status_code == 200
    assert stale.content == RSS


def test_feedparser_reads_from_feed_server(feeds: FeedServer) -> None:
    feeds.set("/rss", RSS, headers={"Content-Type": "application/rss+xml"})
    parsed = feedparser.parse(feeds.url("/rss"))
    assert parsed.bozo == 0
    assert [e.title for e in parsed.entries] == ["Claim one"]


def test_feed_server_context_manager_closes_port() -> None:
    with FeedServer() as server:
        port = server.port
        assert not _port_closed(port)
    assert _port_closed(port)
    with pytest.raises(RuntimeError):
        server.url("/")


# --------------------------------------------------------------------------
# HttpReceiver
# --------------------------------------------------------------------------


def test_http_receiver_records_posts_and_fails_on_demand(
    receiver: HttpReceiver,
) -> None:
    ok = httpx.post(receiver.url("/a/b"), json={"x": 1})
    receiver.status = 500
    bad = httpx.post(receiver.url("/c"), content=b"not json")

    assert (ok.status_code, ok.content) == (200, b"ok")
    assert bad.status_code == 500
    first, second = receiver.wait_for(2, timeout=2)
    assert (first.method, first.path, first.json) == ("POST", "/a/b", {"x": 1})
    assert first.headers["Content-Type"] == "application/json"
    assert (second.body, second.json) == (b"not json", None)


def test_wait_for_times_out(receiver: HttpReceiver, smtp: SmtpServer) -> None:
    with pytest.raises(TimeoutError):
        receiver.wait_for(1, timeout=0.1)
    with pytest.raises(TimeoutError):
        smtp.wait_for(1, timeout=0.1)


# --------------------------------------------------------------------------
# SmtpServer (plain smtplib, no Apprise)
# --------------------------------------------------------------------------


def _smtplib_send(server: SmtpServer, login: tuple[str, str] | None = None) -> None:
    with smtplib.SMTP(server.host, server.port, timeout=5) as client:
        if login:
            client.login(*login)
        client.sendmail(
            "a@example.org",
            ["b@example.org"],
            "From: a@example.org\r\nTo: b@example.org\r\n"
            "Subject: =?utf-8?q?caf=C3=A9?=\r\n\r\nhello\r\n",
        )


def test_smtp_server_collects_email_messages(smtp: SmtpServer) -> None:
    _smtplib_send(smtp)
    (msg,) = smtp.wait_for(1, timeout=2)
    assert msg["Subject"] == "café"  # policy.default decodes RFC 2047
    assert msg.get_content().strip() == "hello"
    (delivery,) = smtp.deliveries
    assert delivery.mail_from == "a@example.org"
    assert delivery.rcpt_tos == ("b@example.org",)
    assert delivery.login is None


@pytest.mark.parametrize(
    "reply, code", [(SMTP_TRANSIENT_FAILURE, 451), (SMTP_PERMANENT_FAILURE, 554)]
)
def test_smtp_server_can_reject(smtp: SmtpServer, reply: str, code: int) -> None:
    smtp.fail = reply
    with pytest.raises(smtplib.SMTPDataError) as info:
        _smtplib_send(smtp)
    assert info.value.smtp_code == code
    assert smtp.messages == []
    smtp.fail = None
    _smtplib_send(smtp)
    assert len(smtp.wait_for(1, timeout=2)) == 1


def test_smtp_server_requires_auth(smtp_auth: SmtpServer) -> None:
    with pytest.raises(smtplib.SMTPSenderRefused) as refused:
        _smtplib_send(smtp_auth)
    assert refused.value.smtp_code == 530
    with pytest.raises(smtplib.SMTPAuthenticationError):
        _smtplib_send(smtp_auth, ("alerts", "wrong"))
    _smtplib_send(smtp_auth, ("alerts", SECRET))

    assert smtp_auth.wait_for(1, timeout=2)
    assert smtp_auth.deliveries[0].login == "alerts"
    # smtplib falls back from PLAIN to LOGIN after a 535; none stores a password.
    assert [(a.mechanism, a.login, a.success) for a in smtp_auth.auth_attempts] == [
        ("PLAIN", "alerts", False),
        ("LOGIN", "alerts", False),
        ("PLAIN", "alerts", True),
    ]


# --------------------------------------------------------------------------
# Apprise -> our servers
# --------------------------------------------------------------------------


def test_mailto_url_delivers_through_apprise(smtp: SmtpServer) -> None:
    url = mailto_url(smtp, to="analyst@example.org")
    assert url == (
        f"mailto://127.0.0.1:{smtp.port}/?smtp=127.0.0.1&mode=insecure"
        "&from=claimwatch%40example.org&to=analyst%40example.org"
    )
    result = _notify(url, body="Claim X is false", title="Claim alert")
    assert result, list(result.logs())

    (msg,) = smtp.wait_for(1, timeout=2)
    assert msg["From"] == "claimwatch@example.org"
    assert msg["To"] == "analyst@example.org"
    assert msg["Subject"] == "Claim alert"
    # Apprise defaults to HTML email: multipart/alternative, text + html.
    assert msg.get_content_type() == "multipart/alternative"
    plain = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    assert plain is not None and html is not None
    assert plain.get_content().strip() == "Claim X is false"
    assert "Claim X is false" in html.get_content()
    (delivery,) = smtp.deliveries
    assert delivery.mail_from == "claimwatch@example.org"
    assert delivery.rcpt_tos == ("analyst@example.org",)


def test_mailto_url_display_name(smtp: SmtpServer) -> None:
    url = mailto_url(smtp, from_addr="Claim Watch <cw@example.org>")
    assert _notify(url)
    (msg,) = smtp.wait_for(1, timeout=2)
    assert msg["From"] == "Claim Watch <cw@example.org>"
    assert smtp.deliveries[0].mail_from == "cw@example.org"


def test_mailto_url_with_auth_uses_password_but_never_logs_it(
    smtp_auth: SmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    url = mailto_url(smtp_auth, user="alerts", password=SECRET)
    caplog.set_level(1)  # everything, including apprise's TRACE level
    with _apprise_log(level=1) as captured:
        result = _notify(url, log_level=1)

    assert result
    assert smtp_auth.wait_for(1, timeout=2)
    # The server only accepts the exact password, so it was really used.
    assert [(a.login, a.success) for a in smtp_auth.auth_attempts] == [("alerts", True)]
    assert smtp_auth.deliveries[0].login == "alerts"
    assert "alerts" in captured.getvalue()  # the capture did see the login
    assert SECRET not in captured.getvalue()
    assert all(SECRET not in entry.message for entry in result.logs())
    assert all(SECRET not in r.getMessage() for r in caplog.records)


def test_mailto_url_without_credentials_is_refused(smtp_auth: SmtpServer) -> None:
    assert not _notify(mailto_url(smtp_auth))
    assert smtp_auth.messages == []


def test_json_url_payload_shape(receiver: HttpReceiver) -> None:
    url = json_url(receiver, "/hook")
    assert url == f"json://127.0.0.1:{receiver.port}/hook"
    assert _notify(
        url,
        body="Claim X is false",
        title="Claim alert",
        notify_type=apprise.NotifyType.WARNING,
    )

    (req,) = receiver.wait_for(1, timeout=2)
    assert (req.method, req.path) == ("POST", "/hook")
    assert req.headers["Content-Type"] == "application/json"
    assert req.headers["User-Agent"] == "Apprise"
    assert req.json == {
        "version": "1.0",
        "title": "Claim alert",
        "message": "Claim X is false",
        "attachments": [],
        "type": "warning",
    }


def test_slack_redirect(receiver: HttpReceiver) -> None:
    from apprise.plugins.slack import NotifySlack

    original = NotifySlack.webhook_url
    with slack_redirect(receiver) as url:
        assert url == "slack://{}/{}/{}".format(*SLACK_WEBHOOK_TOKENS)
        assert _notify(url, body="Claim X is false", title="Claim alert")
    assert NotifySlack.webhook_url == original  # patch undone

    (req,) = receiver.wait_for(1, timeout=2)
    assert req.method == "POST"
    assert req.path == "/services/{}/{}/{}".format(*SLACK_WEBHOOK_TOKENS)
    assert req.json is not None
    attachment = req.json["attachments"][0]
    assert (attachment["title"], attachment["text"]) == (
        "Claim alert",
        "Claim X is false",
    )


def test_slack_needs_literal_ok_body(receiver: HttpReceiver) -> None:
    """Slack webhook mode treats any body other than b"ok" as failure."""
    receiver.response_body = b"{}"
    with slack_redirect(receiver) as url:
        assert not _notify(url)
    assert len(receiver.requests) == 1


# --------------------------------------------------------------------------
# Failures: what notify() returns and where the reason is
# --------------------------------------------------------------------------


@pytest.fixture
def apprise_at_warning() -> Iterator[None]:
    """Apprise's logger as a fresh process has it (claimwatch.notify lowers it to DEBUG)."""
    logger = logging.getLogger("apprise")
    level = logger.level
    logger.setLevel(logging.WARNING)
    yield
    logger.setLevel(level)


@pytest.mark.parametrize(
    "reply, reason",
    [
        (SMTP_TRANSIENT_FAILURE, "(451, b'4.3.0 Temporary local problem (test)')"),
        (SMTP_PERMANENT_FAILURE, "(554, b'5.7.1 Message rejected (test)')"),
    ],
)
@pytest.mark.usefixtures("apprise_at_warning")
def test_smtp_failure_result_and_reason(smtp: SmtpServer, reply: str, reason: str) -> None:
    smtp.fail = reply
    url = mailto_url(smtp)

    # Default: a falsy AppriseResult; its logs hold only a generic WARNING.
    result = _notify(url)
    assert not result
    assert result.status is apprise.AppriseResultStatus.FAILURE
    assert [r.status for r in result] == [apprise.AppriseResultStatus.FAILURE]
    assert [(e.level, e.message) for e in result.logs()] == [
        ("WARNING", 'Sending email to "analyst@example.org" failed.')
    ]

    # The SMTP reply is logged at DEBUG only.  notify(log_level=DEBUG) alone
    # is not enough: the "apprise" logger must also be at DEBUG, which
    # LogCapture(level=DEBUG) arranges for the duration of the block.
    quiet = _notify(url, log_level=logging.DEBUG)
    assert all("Socket Exception" not in e.message for e in quiet.logs())
    with _apprise_log() as captured:
        result = _notify(url, log_level=logging.DEBUG)
    assert not result
    expected = f"Socket Exception: {reason}"
    assert expected in captured.getvalue()
    assert ("DEBUG", expected) in [(e.level, e.message) for e in result.logs()]
    assert smtp.messages == []


@pytest.mark.parametrize(
    "status, text", [(404, "Page not found."), (500, "Internal server error.")]
)
@pytest.mark.usefixtures("apprise_at_warning")
def test_http_failure_result_and_reason(receiver: HttpReceiver, status: int, text: str) -> None:
    receiver.status = status
    receiver.response_body = b"hook disabled by admin"

    result = _notify(json_url(receiver))
    assert not result
    assert result.status is apprise.AppriseResultStatus.FAILURE
    # The status code and its standard phrase come at WARNING level...
    assert [(e.level, e.message) for e in result.logs()] == [
        ("WARNING", f"Failed to send JSON POST notification: {text}, error={status}.")
    ]
    # ...the response body only at DEBUG (logger level lowered as above).
    with _apprise_log() as captured:
        assert not _notify(json_url(receiver))
    assert "Response Details:\r\nb'hook disabled by admin'" in captured.getvalue()
    assert len(receiver.requests) == 2
