"""Deliver queued alerts through Apprise channels, from the durable outbox.

Each (alert, channel) row is sent, then marked sent; a failure is recorded with its reason and
retried with exponential backoff and jitter, so a mail server that is down for an hour loses
nothing. A channel that fails stops only its own queue (keeping its alerts in order), never
the others'. Channel URLs carry secrets: only ``Channel.masked`` is ever logged or shown.
"""

from __future__ import annotations

import logging
import random
import re
import sys
import urllib.parse
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import apprise
from apprise.decorators import notify as apprise_plugin

from .config import ChannelConfig, Watchlist
from .model import Alert
from .rules import channel_names
from .store import Store, utcnow

log = logging.getLogger("claimwatch.notify")
# Apprise's own log lines are captured per send (see Channel.send) and reported, masked, by us.
logging.getLogger("apprise").propagate = False
_KNOWN_SECRETS: set[str] = set()

MAX_ATTEMPTS = 12
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=2)
_PERMANENT = re.compile(
    r"\b(400|401|403|404|405|410|422|535|550|553|554)\b|unauthori[sz]ed|forbidden|"
    r"authentication|not found|invalid (token|webhook|url)",
    re.I,
)

VERBS = {
    "statement": "says",
    "denial": "denies",
    "confirmation": "confirms",
    "accusation": "accuses",
    "threat": "threatens",
    "demand": "demands",
    "offer": "offers",
    "prediction": "predicts",
}


@apprise_plugin(on="stdout", name="Terminal")  # type: ignore[untyped-decorator, no-untyped-call]
def _stdout(body: str, title: str, notify_type: str, *args: Any, **kwargs: Any) -> bool:
    """``stdout://``: print alerts to the terminal, for the demo and for trying a watchlist."""
    sys.stdout.write(f"{title}\n{body}\n\n")
    sys.stdout.flush()
    return True


class DeliveryError(Exception):
    """A send that failed; ``permanent`` says whether retrying can help."""

    def __init__(self, reason: str, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


def secrets_of(url: str) -> list[str]:
    """The parts of an Apprise URL that may be credentials: the password, and for token-based
    services (Slack, Telegram, ...) the long host and path segments and query values."""
    parts = urllib.parse.urlsplit(url)
    found = [parts.password or ""]
    found += [seg for seg in parts.path.split("/") if len(seg) >= 8]
    found += [v for _, v in urllib.parse.parse_qsl(parts.query) if len(v) >= 8 and "@" not in v]
    if parts.scheme not in ("mailto", "mailtos", "json", "jsons", "xml", "xmls", "stdout"):
        found.append(parts.hostname or "")  # slack://TOKEN_A/..., tgram://BOTTOKEN/...
    return sorted({s for s in found if len(s) >= 4}, key=len, reverse=True)


def remember_secrets(secrets: Sequence[str]) -> None:
    """Secrets that every later ``mask`` and every log line must hide, whatever channel."""
    _KNOWN_SECRETS.update(secrets)


class SecretFilter(logging.Filter):
    """Masks every known secret in log records, whoever logs them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _KNOWN_SECRETS:
            message = record.getMessage()
            masked = mask(message, ())
            if masked != message:
                record.msg, record.args = masked, None
        return True


def mask(text: str, secrets: Sequence[str]) -> str:
    """``text`` with the given secrets, and every secret of a configured channel, as ****."""
    for secret in sorted({*secrets, *_KNOWN_SECRETS}, key=len, reverse=True):
        text = text.replace(secret, "****")
        quoted = urllib.parse.quote(secret, safe="")
        if quoted != secret:
            text = text.replace(quoted, "****")
    return text


class Channel:
    """One configured Apprise URL."""

    def __init__(self, name: str, config: ChannelConfig) -> None:
        self.name = name
        self.tags = tuple(config.tags)
        self._url = config.url
        self._secrets = secrets_of(config.url)
        remember_secrets(self._secrets)
        if apprise.Apprise.instantiate(config.url) is None:
            raise ValueError(f"channel {name}: not a URL Apprise understands: {self.masked}")
        self.format = "html" if config.url.startswith(("mailto", "mailtos")) else "text"
        if config.url.startswith(("slack", "discord", "matrix", "tgram")):
            self.format = "markdown"

    @property
    def masked(self) -> str:
        return mask(self._url, self._secrets)

    def send(self, title: str, body: str) -> None:
        """Send one message; raise ``DeliveryError`` with a secret-free reason on failure."""
        fmt = {"html": apprise.NotifyFormat.HTML, "markdown": apprise.NotifyFormat.MARKDOWN}.get(
            self.format, apprise.NotifyFormat.TEXT
        )
        # A fresh instance per message: Apprise sleeps between sends on one instance (5.5 s for
        # email), which would hold a whole queue back; pacing is the outbox's job.
        sender = apprise.Apprise()
        sender.add(self._url)
        capture = apprise.LogCapture  # untyped in Apprise
        with capture(level=logging.DEBUG, fmt="%(levelname)s %(message)s") as captured:  # type: ignore[no-untyped-call]
            ok = sender.notify(body=body, title=title, body_format=fmt)
            logs = captured.getvalue()
        if not ok:
            raise DeliveryError(_reason(logs, self._secrets), permanent=_is_permanent(logs))


def _reason(logs: str, secrets: Sequence[str]) -> str:
    """The most telling lines of Apprise's log for a failed send, without secrets."""
    lines = [ln.strip() for ln in logs.splitlines() if ln.strip()]
    detail = [
        ln.split(" ", 1)[1]
        for ln in lines
        if re.search(r"Exception|error=|Response Details|refused|timed out", ln, re.I)
    ]
    warnings = [ln.split(" ", 1)[1] for ln in lines if ln.startswith(("WARNING", "ERROR"))]
    picked = list(dict.fromkeys(warnings[-1:] + detail[-2:]))
    text = " ".join(" ".join(picked).split()) or "the channel refused the message"
    return mask(text, secrets)[:400]


def _is_permanent(logs: str) -> bool:
    return bool(_PERMANENT.search(logs))


def build_channels(configs: Sequence[ChannelConfig]) -> list[Channel]:
    names = channel_names(configs)
    return [Channel(name, cfg) for name, cfg in zip(names, configs, strict=True)]


# --- how an alert reads -------------------------------------------------------------------------
def headline(alert: Alert) -> str:
    """``Zelensky denies: the story ... is a complete fabrication`` — who said what, first."""
    who = (
        alert.actor_name.split()[-1]
        if " " in alert.actor_name
        and alert.actor_name.split()[0][0].isupper()
        and _is_person(alert)
        else alert.actor_name
    )
    what = alert.content or alert.sentence
    what = re.sub(r"\s+", " ", what).strip(" \"“”'")
    if len(what) > 80:
        what = what[:77].rsplit(" ", 1)[0] + "…"
    return f"{who} {VERBS.get(alert.type, 'says')}: {what}"


def _is_person(alert: Alert) -> bool:
    return not alert.actor_name.endswith(("government", "Union")) and alert.actor_name != "Nato"


def _facts(alert: Alert) -> list[tuple[str, str]]:
    topics = ", ".join(alert.topics) or "(no watched topic)"
    when = alert.published.strftime("%Y-%m-%d %H:%M UTC") if alert.published else "date unknown"
    return [
        ("Speaker", f"{alert.actor_name} ({alert.actor}) — {alert.resolution}"),
        ("Claim", f"{alert.type}, {alert.kind} on {topics}"),
        ("Article", f"{alert.title} ({alert.feed}, {when})"),
        ("Link", alert.link or "(none)"),
        ("Rule", f"{alert.rule} [{alert.severity}]"),
    ]


def render_text(alert: Alert) -> str:
    lines = [f"“{alert.sentence.strip()}”", ""]
    lines += [f"{k}: {v}" for k, v in _facts(alert)]
    for prev in alert.previous:
        lines.append(
            f"Earlier: {prev['type']} on {prev['date']}: “{prev['sentence']}” {prev['link']}"
        )
    return "\n".join(lines)


def render_html(alert: Alert) -> str:
    """HTML whose plain-text rendering (Apprise derives the text part) reads like render_text."""
    from html import escape

    facts = "".join(f"<p><b>{escape(k)}:</b> {escape(v)}</p>" for k, v in _facts(alert))
    earlier = "".join(
        f"<p><b>Earlier:</b> {escape(p['type'])} on {escape(p['date'])}: "
        f'“{escape(p["sentence"])}” <a href="{escape(p["link"], quote=True)}">'
        f"{escape(p['link'])}</a></p>"
        for p in alert.previous
    )
    return f"<blockquote>“{escape(alert.sentence.strip())}”</blockquote>{facts}{earlier}"


def render_markdown(alert: Alert) -> str:
    def esc(s: str) -> str:
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    link = f"<{alert.link}|{esc(alert.title)}>" if alert.link else esc(alert.title)
    return (
        f"> {esc(alert.sentence.strip())}\n*{esc(alert.actor_name)}* · {alert.type} · "
        f"{esc(', '.join(alert.topics) or 'no topic')} · {link}"
    )


def render(alert: Alert, fmt: str) -> tuple[str, str]:
    body = {"html": render_html, "markdown": render_markdown}.get(fmt, render_text)(alert)
    return headline(alert), body


# --- the delivery loop --------------------------------------------------------------------------
@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def backoff(attempts: int) -> timedelta:
    """Exponential, capped, with full jitter so retries of many alerts do not arrive together."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * (2 ** max(0, attempts - 1)))
    return timedelta(seconds=random.uniform(ceiling.total_seconds() / 2, ceiling.total_seconds()))


def deliver(
    store: Store, channels: Sequence[Channel], watchlist: Watchlist, now: datetime | None = None
) -> DeliveryReport:
    """Send every due outbox row, one thread per channel."""
    report = DeliveryReport()
    if not channels:
        return report
    names = {ident: a.name for ident, a in watchlist.actors.items()}
    with ThreadPoolExecutor(max_workers=min(8, len(channels))) as pool:
        for part in pool.map(lambda ch: _deliver_channel(store, ch, names, now), channels):
            report.sent += part.sent
            report.retrying += part.retrying
            report.failed += part.failed
    return report


def _deliver_channel(
    store: Store, channel: Channel, names: dict[str, str], now: datetime | None
) -> DeliveryReport:
    report = DeliveryReport()
    for delivery_id, attempts, alert in store.due(channel.name, names, now or utcnow()):
        title, body = render(alert, channel.format)
        try:
            channel.send(title, body)
        except DeliveryError as err:
            permanent = err.permanent or attempts + 1 >= MAX_ATTEMPTS
            retry_at = None if permanent else utcnow() + backoff(attempts + 1)
            store.mark_failed(delivery_id, err.reason, retry_at)
            if permanent:
                report.failed += 1
                log.error(
                    "alert %s: channel %s failed for good: %s", alert.id, channel.name, err.reason
                )
                continue
            report.retrying += 1
            log.warning(
                "alert %s: channel %s failed (attempt %d), retrying at %s: %s",
                alert.id,
                channel.name,
                attempts + 1,
                retry_at,
                err.reason,
            )
            break  # keep this channel's alerts in order: the rest wait for this one
        store.mark_sent(delivery_id)
        report.sent += 1
        log.info("alert %s: delivered to %s", alert.id, channel.name)
    return report
