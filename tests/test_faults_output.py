"""Faults from the field: output a reader can trust (issue 15).

Every value that enters a message is escaped once for its channel, links are http(s) only,
and control and bidirectional characters never reach a reader; through a real Slack-shaped
receiver, a real SMTP server, the terminal channel and the CLI.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from xml.sax.saxutils import escape

from conftest import cli, write_config
from servers import FeedServer, HttpReceiver, SmtpServer, json_url, mailto_url, slack_redirect

HOSTILE = "Zelensky said that <!channel> *everyone* must act & <https://evil.example|click> now."
CONTROL = "\x1b\x07\u202e"  # start a terminal sequence, ring the bell, read right to left


def rss(text: str, link: str, title: str = "story") -> str:
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item>'
        f"<title>{escape(title)}</title><guid>g1</guid><link>{escape(link)}</link>"
        f"<description>{escape(html.escape(text))}</description></item></channel></rss>"
    )


def test_slack_gets_every_value_escaped_once(tmp_path: Path) -> None:
    """The field's case: the entry link and an operator alert carrying a server's words
    reached the payload raw, while article text was escaped twice."""
    with FeedServer() as feeds, HttpReceiver() as slack_hook, HttpReceiver() as hook:
        hook.status = 404
        hook.response_body = b"<!channel> see <https://evil.example|status page>"
        feeds.set("/rss", rss(HOSTILE, "https://news.example/a?x=<!here>&y=(1)|2"))
        with slack_redirect(slack_hook) as url:
            config = write_config(
                tmp_path,
                feeds=[{"name": "wire", "url": feeds.url("/rss")}],
                channels=[
                    {"name": "slack", "url": url, "operator": True},
                    {"name": "hook", "url": json_url(hook)},
                ],
            )
            cli("run", "--once", "--config", str(config))
        payloads = [json.dumps(r.json) for r in slack_hook.requests]
    assert len(payloads) >= 2  # the alert, and the operator's "channel hook is failing"
    everything = "\n".join(payloads)
    for raw in ("<!channel>", "<!here>", "<https://evil.example|"):
        assert raw not in everything
    assert "&amp;lt;" not in everything  # escaped once, not twice
    assert "&lt;!channel&gt;" in payloads[0]
    assert any("channel hook is failing" in p for p in payloads)


def test_links_are_http_only_and_control_characters_never_shown(tmp_path: Path) -> None:
    """The field's case (a javascript: link as an href; ESC, BEL and U+202E in subjects, HTML,
    the terminal and `claims`), and a data: link with U+2066 and U+200F."""
    cases = [
        ("javascript:alert(document.cookie)", CONTROL),
        ("data:text/html,<script>alert(1)</script>", "\u2066\u200f"),
    ]
    for n, (link, junk) in enumerate(cases):
        folder = tmp_path / str(n)
        folder.mkdir()
        text = f"Zelensky said{junk} that Ukraine{junk} would never give up Crimea."
        with FeedServer() as feeds, SmtpServer() as smtp:
            feeds.set("/rss", rss(text, link, title=f"title{junk}"))
            config = write_config(
                folder,
                feeds=[{"name": "wire", "url": feeds.url("/rss")}],
                channels=[{"name": "mail", "url": mailto_url(smtp)}, {"url": "stdout://"}],
            )
            shown = cli("run", "--once", "--config", str(config)).stdout
            (message,) = smtp.wait_for(1)
        html = message.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
        plain = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
        claims = cli("claims", "--actor", "zelensky", "--config", str(config)).stdout
        assert "Ukraine would never give up Crimea" in claims
        for out in (str(message["Subject"]), html, plain, shown, claims):
            assert not any(c in out for c in junk), repr(out)
        assert link.split(":")[0] + ":" not in html + plain + shown  # no such link, anywhere
