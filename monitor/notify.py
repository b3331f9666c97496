"""Deliver queued alerts through Apprise channels, from the durable outbox.

Each (alert, channel) row is sent, then marked sent; a failure is recorded with its reason and
retried with exponential backoff and jitter, so a mail server that is down for an hour loses
nothing. A channel that fails stops only its own queue (keeping its alerts in order), never
the others'. Channel URLs carry secrets: only ``Channel.masked`` is ever logged or shown.
"""

from __future__ import annotations

import contextvars
import html
import logging
import random
import re
import string
import sys
import threading
import urllib.parse
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import apprise
from apprise.decorators import notify as apprise_plugin

from .config import ChannelConfig, DigestConfig, Watchlist, parse_clock
from .model import Alert, printable
from .rules import channel_names
from .store import Pending, Store, as_utc, utcnow

log = logging.getLogger("claimwatch.notify")
# Apprise's own log lines are captured per send (see Channel.send) and reported, masked, by us.
logging.getLogger("apprise").propagate = False
logging.getLogger("apprise").setLevel(logging.DEBUG)  # so each send's result keeps its reason
_KNOWN_SECRETS: set[str] = set()

MAX_ATTEMPTS = 12
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=2)
MAX_RETRY_AFTER = timedelta(days=1)  # a Retry-After further off is honoured only this far

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


# --- what the wire said during one send ------------------------------------------------------
class Wire:
    """What one send saw on the wire, from the protocol clients Apprise drives (``smtplib``
    for email, ``requests`` for webhooks), recorded per thread while ``Channel.send`` runs:
    every SMTP reply code, how many messages the SMTP server took, and each HTTP response's
    status and Retry-After. ``on_accepted`` runs as soon as the SMTP server has taken every
    message of the send, before the QUIT that Apprise then sends: the outbox records the
    delivery one round trip earlier, which is what the duplicate window is made of."""

    def __init__(self, on_accepted: Callable[[], None] | None = None) -> None:
        self.smtp_codes: list[int] = []
        self.smtp_taken = 0  # messages the SMTP server answered 250 to, after their data
        self.http: list[tuple[int, str]] = []  # (status, Retry-After) of each response
        self.on_accepted = on_accepted
        self.accepted = False  # the SMTP server took every message; on_accepted has run
        self.error: Exception | None = None  # what on_accepted raised, if it did

    def smtp_done(self) -> bool:
        """Every message taken and no command refused: the send has succeeded."""
        return self.smtp_taken > 0 and not any(code >= 400 for code in self.smtp_codes)

    def accept(self) -> None:
        if self.accepted:
            return
        self.accepted = True
        if self.on_accepted is not None:
            try:
                self.on_accepted()
            except Exception as exc:  # the store failed: the caller records the send again
                self.error = exc


# A context variable, not a thread-local: Apprise runs a send on its own worker threads, in a
# copy of the caller's context (``apprise.submit_with_context``), so the taps still find it.
_WIRE: contextvars.ContextVar[Wire | None] = contextvars.ContextVar("claimwatch_wire", default=None)


def _wire() -> Wire | None:
    return _WIRE.get()


def _tap_the_wire() -> None:
    """Wrap the few protocol calls ``Wire`` needs, once; they behave exactly as before."""
    import smtplib

    import requests.adapters

    if getattr(smtplib.SMTP, "_claimwatch_tapped", False):
        return
    getreply, data, quit_ = smtplib.SMTP.getreply, smtplib.SMTP.data, smtplib.SMTP.quit
    send = requests.adapters.HTTPAdapter.send

    def tapped_getreply(self: smtplib.SMTP) -> tuple[int, bytes]:
        code, message = getreply(self)
        wire = _wire()
        if wire is not None:
            wire.smtp_codes.append(code)
        return code, message

    def tapped_data(self: smtplib.SMTP, msg: Any) -> tuple[int, bytes]:
        code, message = data(self, msg)
        wire = _wire()
        if wire is not None and code == 250:
            wire.smtp_taken += 1
        return code, message

    def tapped_quit(self: smtplib.SMTP) -> tuple[int, bytes]:
        wire = _wire()
        if wire is not None and wire.smtp_done():
            wire.accept()  # recorded before QUIT goes out, not after its answer comes back
        return quit_(self)

    def tapped_send(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        response = send(self, request, *args, **kwargs)
        wire = _wire()
        if wire is not None:
            wire.http.append((response.status_code, response.headers.get("Retry-After", "")))
        return response

    smtplib.SMTP.getreply = tapped_getreply  # type: ignore[method-assign]
    smtplib.SMTP.data = tapped_data  # type: ignore[method-assign]
    smtplib.SMTP.quit = tapped_quit  # type: ignore[method-assign]
    requests.adapters.HTTPAdapter.send = tapped_send  # type: ignore[method-assign]
    smtplib.SMTP._claimwatch_tapped = True  # type: ignore[attr-defined]


class DeliveryError(Exception):
    """A send that failed; ``permanent`` says whether retrying can help."""

    def __init__(self, reason: str, permanent: bool, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.retry_after = retry_after  # seconds the channel asked us to wait (Retry-After)


# schemes whose host and path are addresses, not credentials
_HOST_SCHEMES = frozenset("mailto mailtos json jsons xml xmls form forms stdout".split())
_SECRET_PARAM = re.compile(r"pass|token|key|secret|auth|sig|webhook|cred", re.I)


def secrets_of(url: str) -> list[str]:
    """The parts of an Apprise URL that may be credentials: the password, query values named
    like secrets (``?token=``, ``?apikey=``), and for token-based services (Slack, Telegram,
    ...) the host and the long path segments."""
    from .config import url_secrets

    parts = urllib.parse.urlsplit(url)
    found = [parts.password or "", *url_secrets(url)]
    found += [v for k, v in urllib.parse.parse_qsl(parts.query) if _SECRET_PARAM.search(k)]
    if parts.scheme not in _HOST_SCHEMES:  # slack://TOKEN_A/TOKEN_B/..., tgram://BOTTOKEN/...
        found.append(parts.hostname or "")
        found += [seg for seg in parts.path.split("/") if len(seg) >= 8]
    return sorted({s for s in found if len(s) >= 4}, key=len, reverse=True)


def remember_secrets(secrets: Sequence[str]) -> None:
    """Secrets that every later ``mask`` and every log line must hide, whatever channel."""
    _KNOWN_SECRETS.update(secrets)


def _has_substituted() -> bool:
    from .config import substituted_secrets

    return bool(substituted_secrets())


class SecretFilter(logging.Filter):
    """Masks every known secret in log records, whoever logs them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _KNOWN_SECRETS or _has_substituted():
            message = record.getMessage()
            masked = mask(message, ())
            if masked != message:
                record.msg, record.args = masked, None
        return True


def mask(text: str, secrets: Sequence[str]) -> str:
    """``text`` with the given secrets, and every secret of a configured channel, as ****."""
    from .config import substituted_secrets

    for secret in sorted(
        {*secrets, *_KNOWN_SECRETS, *substituted_secrets()}, key=len, reverse=True
    ):
        text = text.replace(secret, "****")
        quoted = urllib.parse.quote(secret, safe="")
        if quoted != secret:
            text = text.replace(quoted, "****")
    return text


class Channel:
    """One configured Apprise URL, with its delivery settings."""

    def __init__(
        self, name: str, config: ChannelConfig, templates: dict[str, string.Template] | None = None
    ) -> None:
        self.name = name
        self.config = config
        self.tags = tuple(config.tags)
        self.zone = ZoneInfo(config.timezone)
        self.templates = templates
        self.lock = threading.Lock()  # one delivery at a time per channel
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

    def send(self, title: str, body: str, on_accepted: Callable[[], None] | None = None) -> None:
        """Send one message; raise ``DeliveryError`` with a secret-free reason on failure.

        ``on_accepted`` is called once the channel has taken the message, as early as its
        protocol tells (for email, on the server's 250 to the message, before QUIT); a send
        the server took is a success even if something after it failed."""
        fmt = {"html": apprise.NotifyFormat.HTML, "markdown": apprise.NotifyFormat.MARKDOWN}.get(
            self.format, apprise.NotifyFormat.TEXT
        )
        # A fresh instance per message: Apprise sleeps between sends on one instance (5.5 s for
        # email), which would hold a whole queue back; pacing is the outbox's job.
        sender = apprise.Apprise()
        sender.add(self._url)
        # The reason for a failure is only logged at DEBUG; the result keeps this call's own
        # log lines, so concurrent sends on other channels do not mix in.
        wire = Wire(on_accepted)
        token = _WIRE.set(wire)
        try:
            result = sender.notify(body=body, title=title, body_format=fmt, log_level=logging.DEBUG)
        finally:
            _WIRE.reset(token)
        if wire.smtp_done() or wire.accepted:
            wire.accept()  # for a server that closed before QUIT: record it now
            if wire.error is not None:
                raise wire.error
            return
        if result:
            if on_accepted is not None:
                on_accepted()
            return
        logs = "\n".join(f"{e.level} {e.message}" for service in result for e in service.logs())
        permanent, wait = classify(wire)
        raise DeliveryError(_reason(logs, self._secrets), permanent=permanent, retry_after=wait)


def classify(wire: Wire) -> tuple[bool, float | None]:
    """Whether a failed send is permanent, and the seconds the server asked us to wait.

    By the protocol's own codes, never by words in a message: SMTP 4xx is transient and 5xx
    permanent (RFC 5321 4.2.1, so ``454 4.7.0 Temporary authentication failure`` is retried);
    HTTP 408, 425, 429 and 5xx are transient, any other answer Apprise counted as a failure
    (another 4xx, a 3xx it does not follow, a 2xx whose body said no) is permanent (RFC 9110
    15.5). A send that got no answer at all (refused, timed out) is transient. ``Retry-After``
    (seconds or an HTTP date) comes with a 429 or 503."""
    from .fetch import retry_after

    if wire.http:
        status, after = wire.http[-1]
        transient = status in (408, 425, 429) or status >= 500
        return not transient, retry_after(after) if after else None
    refused = [code for code in wire.smtp_codes if code >= 400]
    if refused:
        return refused[-1] >= 500, None
    return False, None


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


_tap_the_wire()


def build_channels(
    configs: Sequence[ChannelConfig], templates: dict[str, string.Template] | None = None
) -> list[Channel]:
    names = channel_names(configs)
    return [Channel(name, cfg, templates) for name, cfg in zip(names, configs, strict=True)]


# --- how an alert reads -------------------------------------------------------------------------
TEMPLATE_FILES = {"text": "text.txt", "html": "email.html", "markdown": "slack.md"}
KIND_TEXT = {
    "new": "new",
    "dispute": "dispute",
    "stance-change": "stance change",
    "silence-broken": "silence broken",
}


def load_templates(override: Path | None = None) -> dict[str, string.Template]:
    """The packaged templates, each replaced by a file of the same name in ``override``."""
    packaged = resources.files("monitor") / "templates"
    out = {}
    for fmt, name in TEMPLATE_FILES.items():
        user = override / name if override else None
        text = (
            user.read_text(encoding="utf-8")
            if user and user.is_file()
            else (packaged / name).read_text(encoding="utf-8")
        )
        out[fmt] = string.Template(text)
    return out


_DEFAULT_TEMPLATES: dict[str, string.Template] = {}


def headline(alert: Alert) -> str:
    """``Zelensky demands the presence of American troops``, ``Lavrov accuses: the incident
    ... state terrorism``: who, the type as a verb, and the heart of what was said."""
    parts = alert.actor_name.split()
    person = not alert.actor_name.endswith(("government", "Union")) and alert.actor_name != "Nato"
    who = parts[-1] if person and len(parts) > 1 else alert.actor_name
    if alert.heart and alert.heart_verb:  # "Zelensky criticised Amnesty over the report"
        return printable(f"{who} {alert.heart}")
    if alert.heart:  # the claim's own heart, as extraction found it
        joint = " " if alert.heart_object else ": "
        return f"{who} {VERBS.get(alert.type, 'says')}{joint}{alert.heart}"
    what = re.sub(r"\s+", " ", alert.content or alert.sentence).strip(" ,.;:")
    if what.count('"') % 2 or (what[:1] in "\"“'" and what[-1:] in "\"”'"):
        what = what.strip("\"“”'").strip(" ,.;:")
    if len(what) > 80:
        what = what[:77].rsplit(" ", 1)[0] + "…"
    return printable(f"{who} {VERBS.get(alert.type, 'says')}: {what}")


def safe_link(link: str) -> str:
    """An ``http(s)`` link as it may be shown and followed; anything else (``javascript:``,
    ``data:``, ``file:``) is no link at all."""
    link = printable(link).strip()
    return link if re.match(r"(?i)^https?://", link) else ""


def _escape_markdown(text: str) -> str:
    """Text for Apprise's CommonMark input to Slack: every character that could become markup,
    a link or a mention is backslash-escaped, once; Apprise turns ``\\<`` into ``&lt;`` and
    ``&`` into ``&amp;`` itself (escaping them here showed ``&lt;!channel&gt;``)."""
    return re.sub(r"([\\`*_~\[\]|<>()#!])", r"\\\1", printable(text))


def _markdown_link(link: str) -> str:
    """A link as a CommonMark destination: percent-encoded wherever it could end the link or
    open markup (parentheses, angle brackets, ``|``, spaces)."""
    return urllib.parse.quote(safe_link(link), safe=":/?#@!$&'*+,;=%~-._")


def _values(alert: Alert, fmt: str) -> dict[str, str]:
    when = alert.published.strftime("%Y-%m-%d %H:%M UTC") if alert.published else "date unknown"
    link = safe_link(alert.link)
    plain = {
        "headline": headline(alert),
        "sentence": alert.sentence.strip(),
        "actor": alert.actor,
        "actor_name": alert.actor_name,
        "resolution": alert.resolution or alert.speaker,
        "speaker": alert.speaker,
        "type": alert.type,
        "kind": alert.kind,
        "kind_text": KIND_TEXT.get(alert.kind, alert.kind),
        "topics": _topics(alert),
        "detail": alert.detail,
        "title": alert.title or link,
        "link": link,
        "feed": alert.feed,
        "published": when,
        "outlets": ", ".join(alert.outlets) or alert.feed,
        "rule": alert.rule or "(unnamed)",
        "severity": alert.severity,
        "id": str(alert.id),
        "confidence": _confidence(alert),
    }
    plain = {k: printable(v) for k, v in plain.items()}
    previous = [
        {k: safe_link(v) if k == "link" else printable(v) for k, v in p.items()}
        for p in alert.previous
    ]
    if fmt == "html":
        values = {k: html.escape(v, quote=True) for k, v in plain.items()}
        values["detail_suffix"] = f" ({values['detail']})" if alert.detail else ""
        values["earlier"] = "".join(
            f"<p><b>Earlier:</b> {html.escape(p['actor'])} ({html.escape(p['type'])}, "
            f"{html.escape(p['date'])}): “{html.escape(p['sentence'])}” "
            f'<a href="{html.escape(p["link"], quote=True)}">{html.escape(p["feed"])}</a></p>'
            for p in previous
        )
        return values
    if fmt == "markdown":
        values = {k: _escape_markdown(v) for k, v in plain.items()}
        values["link"] = _markdown_link(plain["link"])
        values["detail_suffix"] = f" ({values['detail']})" if alert.detail else ""
        values["earlier"] = "".join(
            f"\nEarlier: {_escape_markdown(p['actor'])} ({p['type']}, {p['date']}): "
            f"“{_escape_markdown(p['sentence'])}”"
            for p in previous
        )
        return values
    values = dict(plain)
    values["detail_suffix"] = f" ({alert.detail})" if alert.detail else ""
    values["earlier"] = "\n".join(
        f"Earlier: {p['actor']} ({p['type']}, {p['date']}): “{p['sentence']}” {p['link']}"
        for p in previous
    )
    return values


def _topics(alert: Alert) -> str:
    """The topics the alert is new on, then the claim's others: "energy (also sanctions)"."""
    also = [t for t in alert.claim_topics if t not in alert.topics]
    shown = ", ".join(alert.topics) or "no watched topic"
    return f"{shown} (also {', '.join(also)})" if also else shown


def _confidence(alert: Alert) -> str:
    """ "0.72 (+ the speaker named; - a future tense)", and "possible" when under the rule's
    minimum."""
    if alert.confidence is None:
        return "not known"
    why = f" ({alert.confidence_why})" if alert.confidence_why else ""
    possible = "possible, " if alert.possible else ""
    return f"{possible}{alert.confidence:.2f}{why}"


def render(
    alert: Alert, fmt: str, templates: dict[str, string.Template] | None = None
) -> tuple[str, str]:
    """The title and body of an alert in a channel's format (text, html or markdown)."""
    if alert.operator:  # its text may carry a server's words (a feed's error): escaped too
        content = printable(alert.content)
        text = {"html": html.escape(content), "markdown": _escape_markdown(content)}.get(
            fmt, content
        )
        return f"claimwatch: {content[:120]}", text + "\n"
    if templates is None:
        if not _DEFAULT_TEMPLATES:
            _DEFAULT_TEMPLATES.update(load_templates())
        templates = _DEFAULT_TEMPLATES
    body = templates.get(fmt, templates["text"]).safe_substitute(_values(alert, fmt))
    body = re.sub(r"\n{3,}", "\n\n", body).strip() + "\n"
    return headline(alert), body


def render_digest(
    alerts: Sequence[Alert], fmt: str, templates: dict[str, string.Template] | None = None
) -> tuple[str, str]:
    """One message for many alerts: each one's headline, sentence and link, oldest first."""
    kinds = Counter(KIND_TEXT.get(a.kind, a.kind) for a in alerts)
    summary = ", ".join(f"{n} {k}" for k, n in kinds.most_common())
    title = f"claimwatch digest: {len(alerts)} alert{'s' * (len(alerts) != 1)} ({summary})"
    parts = []
    for alert in alerts:
        if alert.operator:
            parts.append(render(alert, fmt)[1].strip())
            continue
        v = _values(alert, fmt)
        if alert.possible:  # under the rule's min_confidence: shown, but said to be unsure
            v["headline"] = f"Possible: {v['headline']} (confidence {alert.confidence:.2f})"
        if fmt == "html":
            parts.append(
                f"<h3>{v['headline']}</h3><blockquote>“{v['sentence']}”</blockquote>"
                f"<p>{v['kind_text']}{v['detail_suffix']} · {v['topics']} · "
                f'<a href="{v["link"]}">{v["title"]}</a> · {v["outlets"]}</p>'
            )
        elif fmt == "markdown":
            parts.append(
                f"**{v['headline']}**\n> {v['sentence']}\n"
                f"{v['kind_text']} · [{v['title']}]({v['link']})"
            )
        else:
            parts.append(
                f"{v['headline']}\n  “{v['sentence']}”\n  {v['kind_text']}{v['detail_suffix']}"
                f" · {v['topics']} · {v['link']}"
            )
    sep = "\n" if fmt == "html" else "\n\n"
    return title, sep.join(parts) + "\n"


# --- the delivery loop --------------------------------------------------------------------------
CHANNEL_FAILING_AFTER = 3  # consecutive failed sends before operators are told


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    deferred: int = 0
    digests: int = 0

    def add(self, other: DeliveryReport) -> None:
        for name in ("sent", "retrying", "failed", "deferred", "digests"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


OnFailing = Callable[[str, str], None]  # (channel, reason): a channel has started failing


def backoff(attempts: int) -> timedelta:
    """Exponential, capped, with full jitter so retries of many alerts do not arrive together."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * (2 ** max(0, attempts - 1)))
    return timedelta(seconds=random.uniform(ceiling.total_seconds() / 2, ceiling.total_seconds()))


def in_quiet_hours(now: datetime, quiet: str | None, zone: ZoneInfo) -> bool:
    """Whether ``now`` falls in a ``"22:00-07:00"`` range of the channel's local time."""
    if not quiet:
        return False
    start, _, end = quiet.partition("-")
    local = now.astimezone(zone).time()
    begin, finish = time(*parse_clock(start)), time(*parse_clock(end))
    if begin <= finish:
        return begin <= local < finish
    return local >= begin or local < finish


def digest_due(last: datetime | None, config: DigestConfig, now: datetime, zone: ZoneInfo) -> bool:
    """Whether a digest time has passed since the last digest went out."""
    if last is None:
        return True
    last = as_utc(last)
    local = now.astimezone(zone)
    if config.every == "hourly":
        slot = local.replace(minute=0, second=0, microsecond=0)
        return last < slot
    at = time(*parse_clock(config.at))
    slot_utc = daily_slot(local.date(), at, zone)
    if slot_utc > now:
        slot_utc = daily_slot(local.date() - timedelta(days=1), at, zone)
    return last < slot_utc


def daily_slot(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The moment (UTC) of the daily time ``at`` on ``day`` in ``zone``: its first occurrence
    when the clocks go back and it happens twice (PEP 495's fold 0), the first moment after it
    when they go forward and it does not happen at all (02:30 in Paris on the last Sunday of
    March is 03:00, the end of the gap). One slot a day, so one digest a day."""
    wall = datetime.combine(day, at)
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) == wall:
        return first  # the time exists (the first of two, if it happens twice)
    # in a gap: fold 0 and fold 1 bracket the transition; the first moment whose wall clock
    # reads ``at`` or later is the transition itself
    lo, hi = sorted((wall.replace(tzinfo=zone, fold=1).astimezone(UTC), first))
    while hi - lo > timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        if mid.astimezone(zone).replace(tzinfo=None) >= wall:
            hi = mid
        else:
            lo = mid
    return hi.replace(microsecond=0)


def deliver(
    store: Store,
    channels: Sequence[Channel],
    watchlist: Watchlist,
    now: datetime | None = None,
    on_failing: OnFailing | None = None,
    guard: Callable[[], bool] | None = None,
) -> DeliveryReport:
    """Send what is due on every channel, each in its own thread: a slow or failing channel
    holds up only itself. A channel already being delivered by another thread is skipped.

    ``guard``, when given, is asked before each send whether this run may still send (the
    distributed mode: the channel's lock is still held); when it says no, the channel's
    delivery stops there, its rows left pending for whoever holds the lock now."""
    report = DeliveryReport()
    names = {ident: a.name for ident, a in watchlist.actors.items()}
    when = now or utcnow()

    def one(channel: Channel) -> DeliveryReport:
        if not channel.lock.acquire(blocking=False):
            return DeliveryReport()
        try:
            return _deliver_channel(store, channel, names, when, on_failing, guard)
        finally:
            channel.lock.release()

    if channels:
        with ThreadPoolExecutor(max_workers=min(8, len(channels))) as pool:
            for part in pool.map(one, channels):
                report.add(part)
    return report


def _deferral(channel: Channel, alert: Alert, store: Store, now: datetime) -> str:
    """Why an alert waits for the channel's digest rather than going now ("" if it does not)."""
    if alert.operator:
        return ""  # operators hear of failures at once, whatever the channel's settings
    cfg = channel.config
    if cfg.mode == "digest":
        return "digest channel"
    if alert.possible:
        return "possible (under the rule's min_confidence)"
    if alert.digest:
        return "digest rule"
    if in_quiet_hours(now, cfg.quiet_hours, channel.zone):
        return "quiet hours"
    if (
        cfg.rate_limit
        and store.sent_immediately_since(channel.name, now - timedelta(hours=1)) >= cfg.rate_limit
    ):
        return "rate limit"
    return ""


def _deliver_channel(
    store: Store,
    channel: Channel,
    names: dict[str, str],
    now: datetime,
    on_failing: OnFailing | None,
    guard: Callable[[], bool] | None = None,
) -> DeliveryReport:
    report = DeliveryReport()

    def lost() -> bool:
        if guard is None or guard():
            return False
        log.warning("channel %s: its lock was lost: delivery stopped here", channel.name)
        return True

    for item in store.pending(channel.name, names, now, deferred=False):
        reason = _deferral(channel, item.alert, store, now)
        if reason:
            store.defer(item.delivery_id, reason)
            report.deferred += 1
            log.info("alert %s: held for the %s digest (%s)", item.alert.id, channel.name, reason)
            continue
        title, body = render(item.alert, channel.format, channel.templates)
        if lost():
            return report
        outcome = _send(store, channel, [item], title, body, report, on_failing, digest=False)
        if outcome == "retry":
            break  # keep this channel's alerts in order: the rest wait for this one
    if in_quiet_hours(now, channel.config.quiet_hours, channel.zone):
        return report
    state = store.channel_state(channel.name)
    if state.next_digest_attempt and as_utc(state.next_digest_attempt) > now:
        return report
    if not digest_due(state.last_digest_at, channel.config.digest, now, channel.zone):
        return report
    held = store.pending(channel.name, names, now, deferred=True)
    if not held:
        store.mark_digest_sent(channel.name, now)
        return report
    title, body = render_digest([h.alert for h in held], channel.format, channel.templates)
    if lost():
        return report
    if _send(store, channel, held, title, body, report, on_failing, digest=True) == "sent":
        report.digests += 1
    return report


def _send(
    store: Store,
    channel: Channel,
    items: Sequence[Pending],
    title: str,
    body: str,
    report: DeliveryReport,
    on_failing: OnFailing | None,
    *,
    digest: bool,
) -> str:
    """Send one message for ``items`` and record the outcome: sent, failed (for good) or retry."""
    ids = [i.delivery_id for i in items]
    what = f"digest of {len(ids)} alerts" if digest else f"alert {items[0].alert.id}"

    def accepted() -> None:  # the moment the channel took it, before anything else happens
        store.mark_sent(channel.name, ids, digest=digest)

    try:
        channel.send(title, body, on_accepted=accepted)
    except DeliveryError as err:
        attempts = max(i.attempts for i in items) + 1
        permanent = err.permanent or attempts >= MAX_ATTEMPTS
        wait = backoff(attempts)
        if err.retry_after:  # the channel said when: never sooner, at most a day off
            wait = max(wait, min(timedelta(seconds=err.retry_after), MAX_RETRY_AFTER))
        retry_at = None if permanent else utcnow() + wait
        failures = store.mark_failed(channel.name, ids, err.reason, retry_at, digest=digest)
        if permanent:
            report.failed += len(ids)
            log.error("%s: channel %s failed for good: %s", what, channel.name, err.reason)
        else:
            report.retrying += len(ids)
            log.warning(
                "%s: channel %s failed (attempt %d), retrying after %s: %s",
                what,
                channel.name,
                attempts,
                retry_at.isoformat(timespec="seconds") if retry_at else "-",
                err.reason,
            )
        if on_failing and (permanent or failures == CHANNEL_FAILING_AFTER):
            on_failing(channel.name, err.reason)
        return "failed" if permanent else "retry"
    report.sent += len(ids)
    log.info("%s: delivered to %s", what, channel.name)
    return "sent"


def test_channel(channel: Channel) -> None:
    """Send a test message; raises ``DeliveryError`` with the channel's real answer."""
    stamp = utcnow().isoformat(timespec="seconds")
    channel.send(
        "claimwatch test",
        f"This is a test message from claimwatch ({stamp}) to channel {channel.name}.",
    )
