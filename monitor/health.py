"""Observing a running claimwatch: Prometheus metrics, ``/healthz``, and ``claimwatch status``.

Counters are updated where the pipeline's reports are produced (``MeteredMonitor`` wraps
``Monitor.poll`` and ``Monitor.deliver``); the queue length is read from the outbox at scrape
time, so it is right even after a restart. The HTTP endpoint is off unless the configuration
has a ``health:`` section, and it listens where that says (loopback by default): it has no
authentication and shows no secret.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from .config import Config, FeedConfig, host_port
from .extract import Extractor
from .notify import DeliveryReport, mask, remember_secrets, secrets_of
from .pipeline import Monitor, PollReport
from .rules import channel_names
from .service import Heartbeat
from .store import Store, StoreError, utcnow

log = logging.getLogger("claimwatch.health")
alert_log = logging.getLogger("claimwatch.pipeline")  # one line per alert queued, after the poll's

# seconds from an alert being queued to a channel accepting it: immediate sends take a second
# or two; a retry after backoff takes minutes to hours
LATENCY_BUCKETS = (0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 4 * 3600, 24 * 3600)


class _QueueCollector(Collector):
    """``claimwatch_queue_length{channel}``: pending outbox rows, read when scraped."""

    def __init__(self, queue: Callable[[], dict[str, int]]) -> None:
        self.queue = queue

    def describe(self) -> Iterable[GaugeMetricFamily]:
        return [GaugeMetricFamily("claimwatch_queue_length", "", labels=["channel"])]

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "claimwatch_queue_length",
            "Deliveries waiting in the outbox (due now or retrying later)",
            labels=["channel"],
        )
        try:
            lengths = self.queue()
        except Exception as exc:  # the store is down: /healthz says so; the rest still scrapes
            log.debug("queue length unavailable: %s", exc)
            return
        for channel, n in sorted(lengths.items()):
            family.add_metric([channel], n)
        yield family


class Metrics:
    """The daemon's Prometheus metrics, in a registry of its own."""

    def __init__(self, queue: Callable[[], dict[str, int]]) -> None:
        # *_created series only double what Prometheus stores itself
        disable_created_metrics()  # type: ignore[no-untyped-call]
        self.registry = CollectorRegistry()
        for collector in (ProcessCollector, PlatformCollector, GCCollector):
            collector(registry=self.registry)
        r = self.registry
        self.polls = Counter("claimwatch_polls", "Feed polls", ["feed"], registry=r)
        self.poll_errors = Counter(
            "claimwatch_poll_errors",
            "Feed polls that failed to fetch or parse",
            ["feed"],
            registry=r,
        )
        self.articles = Counter("claimwatch_articles", "New articles read", ["feed"], registry=r)
        self.claims = Counter(
            "claimwatch_claims", "Claims found in new articles", ["feed"], registry=r
        )
        self.alerts = Counter("claimwatch_alerts", "Alerts queued", ["kind"], registry=r)
        self.deliveries = Counter(
            "claimwatch_deliveries",
            "Outbox sends: sent, retrying (will be tried again) or failed (for good)",
            ["outcome"],
            registry=r,
        )
        self.latency = Histogram(
            "claimwatch_delivery_latency_seconds",
            "From an alert being queued to a channel accepting it",
            ["channel"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        r.register(_QueueCollector(queue))
        # one delivery measured at a time, across reloads: each sent row is observed once
        self.delivery_lock = threading.Lock()

    def observe_poll(self, report: PollReport, kinds: Iterable[str]) -> None:
        self.polls.labels(report.feed).inc()
        if report.error:
            self.poll_errors.labels(report.feed).inc()
        self.articles.labels(report.feed).inc(report.articles)
        self.claims.labels(report.feed).inc(report.claims)
        for kind in kinds:
            self.alerts.labels(kind).inc()

    def observe_delivery(
        self, report: DeliveryReport, latencies: Iterable[tuple[str, float]]
    ) -> None:
        for outcome in ("sent", "retrying", "failed"):
            self.deliveries.labels(outcome).inc(getattr(report, outcome))
        for channel, seconds in latencies:
            self.latency.labels(channel).observe(seconds)

    def forget_feed(self, feed: str) -> None:
        """Drop a removed feed's series, so /metrics lists only configured feeds."""
        for metric in (self.polls, self.poll_errors, self.articles, self.claims):
            with contextlib.suppress(KeyError):  # never polled
                metric.remove(feed)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class MeteredMonitor(Monitor):
    """A ``Monitor`` whose polls and deliveries update ``Metrics`` and log each alert queued."""

    def __init__(
        self, config: Config, metrics: Metrics, extractor: Extractor | None = None
    ) -> None:
        super().__init__(config, extractor)
        self.metrics = metrics

    def poll(self, feed: FeedConfig) -> PollReport:
        report = super().poll(feed)
        kinds: list[str] = []
        if report.alerts:
            names = {ident: a.name for ident, a in self.config.watchlist.actors.items()}
            try:
                alerts = self.store.alerts(report.alerts, names)
            except Exception as exc:  # the alerts are queued; only this log line is lost
                log.warning(
                    "feed %s: cannot read back alerts %s: %s", feed.label, report.alerts, exc
                )
                alerts = []
            for alert in alerts:
                kinds.append(alert.kind)
                alert_log.info(
                    "alert %s: queued: %s %s by %s on %s (feed %s, rule %s, %s)",
                    alert.id,
                    alert.kind,
                    alert.type,
                    alert.actor,
                    ",".join(alert.topics) or "-",
                    alert.feed,
                    alert.rule,
                    alert.severity,
                    extra={
                        "alert": alert.id,
                        "actor": alert.actor,
                        "feed": alert.feed,
                        "kind": alert.kind,
                    },
                )
        self.metrics.observe_poll(report, kinds)
        return report

    def deliver(self) -> DeliveryReport:
        with self.metrics.delivery_lock:
            try:
                mark: int | None = self.store.outbox_mark()
            except Exception:  # the delivery below meets the same problem and reports it
                mark = None
            since = utcnow()
            report = super().deliver()
            latencies: list[tuple[str, float]] = []
            if mark is not None:
                try:
                    latencies = self.store.sent_since(mark, since)
                except Exception as exc:
                    log.debug("delivery latency unavailable: %s", exc)
            self.metrics.observe_delivery(report, latencies)
        return report


# --- /healthz and /metrics ---------------------------------------------------------------------
class HealthServer:
    """``/healthz`` (200 while the scheduler ticks and the store answers and takes writes: none
    failed in the last ``WRITE_FAILURE_SECONDS``) and ``/metrics``."""

    def __init__(
        self, listen: str, metrics: Metrics, heartbeat: Heartbeat, store: Callable[[], Store]
    ) -> None:
        self.listen = listen
        self.metrics = metrics
        self.heartbeat = heartbeat
        self.store = store
        self.stopping = False
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def health(self) -> tuple[bool, str]:
        """Whether the daemon is healthy, and a line per check saying why."""
        problems = []
        if self.stopping:
            problems.append("daemon: stopping")
        if not self.heartbeat.alive():
            age = self.heartbeat.age()
            problems.append(
                "scheduler: not started" if age is None else f"scheduler: no tick for {age:.0f}s"
            )
        try:
            store = self.store()
            store.ping()
        except Exception as exc:
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            problems.append(f"store: not answering: {mask(first, ())[:200]}")
        else:
            refused = store.writes.problem()
            if refused and store.writes.disconnected:
                # it answers again after the connection failed: does it take writes? (a write
                # that goes through clears the log)
                with contextlib.suppress(Exception):  # recorded by the write log itself
                    store.probe_write()
                refused = store.writes.problem()
            if refused:
                problems.append(f"store: not taking writes: {mask(refused, ())}")
        if problems:
            return False, "\n".join(problems) + "\n"
        return True, "ok: scheduler ticking, store answering\n"

    def start(self) -> tuple[str, int]:
        """Bind and serve in a thread; returns the address (the port, when 0 was asked)."""
        host, port = host_port(self.listen)
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                if path == "/healthz":
                    ok, text = owner.health()
                    self._send(200 if ok else 503, text.encode(), "text/plain; charset=utf-8")
                elif path == "/metrics":
                    self._send(200, owner.metrics.exposition(), CONTENT_TYPE_LATEST)
                else:
                    self._send(404, b"not found: try /healthz or /metrics\n", "text/plain")

            do_HEAD = do_GET

            def _send(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # a scrape every few seconds is not an event worth a log line

        server_class = type(
            "HealthHTTPServer",
            (ThreadingHTTPServer,),
            {"daemon_threads": True, "address_family": _family(host)},
        )
        self._httpd = server_class((host, port), Handler)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="claimwatch-health", daemon=True
        )
        self._thread.start()
        bound = self._httpd.server_address
        return str(bound[0]), int(bound[1])

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None


def _family(host: str) -> int:
    import socket

    return socket.AF_INET6 if ":" in host else socket.AF_INET


# --- claimwatch status ----------------------------------------------------------------------------
@dataclass(frozen=True)
class FeedStatus:
    name: str
    url: str
    configured: bool
    last_poll: datetime | None
    last_success: datetime | None
    failures: int  # consecutive failed polls; 0 after a success
    last_error: str | None
    items: int  # new articles read, all time
    last_notice: str | None = None  # the last article its budget cut short, and why
    last_notice_at: datetime | None = None


@dataclass(frozen=True)
class ChannelStatus:
    name: str
    configured: bool
    delivered: int
    pending: int
    failed: int
    last_error: str | None
    last_error_at: datetime | None


class StatusError(Exception):
    """The store cannot be read for ``claimwatch status``; the message says why, in one line."""


def open_store(database: str) -> Store:
    """The store at ``database``, refusing to create a SQLite file that does not exist: run as
    root before the service ever ran, ``status`` would leave a file the service cannot write."""
    if database.startswith("sqlite:///") and database != "sqlite:///:memory:":
        path = Path(database[len("sqlite:///") :])
        if not path.is_file():
            raise StatusError(f"no database at {path} yet: `claimwatch run` creates it")
        try:
            return Store(database)
        except StoreError:  # a file this user, or this file system, may not write: read it
            for flags in ("mode=ro", "immutable=1"):
                try:
                    return Store(f"sqlite:///file:{path}?{flags}&uri=true")
                except StoreError:
                    continue
            raise
    return Store(database)


def status(config: Config, store: Store) -> tuple[list[FeedStatus], list[ChannelStatus]]:
    """Per feed and per channel, what the store knows; configured ones first, in config order."""
    for channel in config.channels:  # so that every secret of a channel URL is masked below
        remember_secrets(secrets_of(channel.url))
    rows = {row.url: row for row in store.feeds()}
    feeds = []
    for feed in config.feeds:
        row = rows.pop(feed.key, None)
        feeds.append(
            FeedStatus(
                feed.label,
                mask(feed.url, ()),
                True,
                row.last_poll if row else None,
                row.last_success if row else None,
                row.failures if row else 0,
                _masked(row.last_error if row else None),
                row.items if row else 0,
                _masked(row.last_notice if row else None),
                row.last_notice_at if row else None,
            )
        )
    for row in rows.values():
        feeds.append(
            FeedStatus(
                row.name or row.url,
                row.url,
                False,
                row.last_poll,
                row.last_success,
                row.failures,
                _masked(row.last_error),
                row.items,
                _masked(row.last_notice),
                row.last_notice_at,
            )
        )
    counts, states = store.outbox_counts(), store.channel_states()
    configured = list(channel_names(config.channels))
    names = configured + sorted(set(counts) - set(configured))
    channels = [
        ChannelStatus(
            name,
            name in configured,
            counts.get(name, {}).get("sent", 0),
            counts.get(name, {}).get("pending", 0),
            counts.get(name, {}).get("failed", 0),
            _masked(states[name].last_error) if name in states else None,
            states[name].last_error_at if name in states else None,
        )
        for name in names
    ]
    return feeds, channels


def _masked(text: str | None) -> str | None:
    return mask(text, ()) if text else text


def status_json(feeds: list[FeedStatus], channels: list[ChannelStatus]) -> str:
    def plain(obj: Any) -> dict[str, Any]:
        return {
            k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in asdict(obj).items()
        }

    return json.dumps(
        {"feeds": [plain(f) for f in feeds], "channels": [plain(c) for c in channels]},
        indent=2,
        ensure_ascii=False,
    )


def status_text(feeds: list[FeedStatus], channels: list[ChannelStatus]) -> str:
    """Two aligned tables; times are UTC."""

    def when(value: datetime | None) -> str:
        return value.strftime("%Y-%m-%d %H:%M:%S") if value else "never"

    feed_rows = [
        [
            f.name + ("" if f.configured else " (not configured)"),
            when(f.last_poll),
            when(f.last_success),
            str(f.items),
            str(f.failures),
            f.last_error if f.failures and f.last_error else "-",
        ]
        for f in feeds
    ]
    channel_rows = [
        [
            c.name + ("" if c.configured else " (not configured)"),
            str(c.delivered),
            str(c.pending),
            str(c.failed),
            f"{when(c.last_error_at)}: {c.last_error}" if c.last_error else "-",
        ]
        for c in channels
    ]
    notices = [
        f"  {f.name}: {when(f.last_notice_at)}: {f.last_notice}" for f in feeds if f.last_notice
    ]
    return (
        _table(
            ["FEED", "LAST POLL (UTC)", "LAST SUCCESS", "ITEMS", "ERRORS", "LAST ERROR"],
            feed_rows,
            numeric={3, 4},
        )
        + ("\n\narticles read only in part (the last of each feed):\n" + "\n".join(notices))
        * bool(notices)
        + "\n\n"
        + _table(
            ["CHANNEL", "DELIVERED", "PENDING", "FAILED", "LAST ERROR"],
            channel_rows,
            numeric={1, 2, 3},
        )
    )


def _table(header: list[str], rows: list[list[str]], numeric: set[int]) -> str:
    if not rows:
        return f"{header[0]}: none configured"
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = []
    for row in [header, *rows]:
        cells = [
            cell.rjust(widths[i]) if i in numeric else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)
