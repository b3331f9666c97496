"""``claimwatch run`` as systemd runs it: notify datagrams, SIGHUP reloads, SIGTERM, /healthz.

Every test here starts a real ``claimwatch run`` process and talks to it the way systemd and
an operator do: a notify socket the test binds, signals, the HTTP endpoint, the log lines.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

import pytest
import yaml
from conftest import DEMO_FEED, ROOT, WATCHLIST, write_config
from prometheus_client.parser import text_string_to_metric_families
from servers import SMTP_TRANSIENT_FAILURE, FeedServer, SmtpServer, mailto_url

EXE = str(Path(sys.executable).parent / "claimwatch")
UNIT = ROOT / "systemd" / "claimwatch.service"
RSS = {"Content-Type": "application/rss+xml"}
HEALTHY = "ok: scheduler ticking, store answering\n"


# --- the test's side of a running daemon --------------------------------------------------------
class Daemon:
    """A ``claimwatch run`` process; its stderr goes to a file the test reads as it grows."""

    def __init__(self, config: Path, env: dict[str, str] | None = None, *args: str) -> None:
        self.log = config.parent / "daemon.log"
        base = {
            k: v
            for k, v in os.environ.items()
            if k not in ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "JOURNAL_STREAM")
        }
        with self.log.open("w") as err:
            self.proc = subprocess.Popen(
                [EXE, *args, "run", "--config", str(config)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=err,
                env={**base, "PYTHONFAULTHANDLER": "1", **(env or {})},
            )

    def __enter__(self) -> Daemon:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def text(self) -> str:
        return self.log.read_text()

    def wait_log(self, pattern: str, timeout: float = 30) -> re.Match[str]:
        """The first match of ``pattern`` in the log, waiting for it to appear."""
        deadline = time.monotonic() + timeout
        while True:
            m = re.search(pattern, self.text(), re.M)
            if m:
                return m
            assert self.proc.poll() is None, f"daemon exited {self.proc.returncode}:\n{self.text()}"
            assert time.monotonic() < deadline, f"no {pattern!r} in:\n{self.text()}"
            time.sleep(0.05)

    def signal(self, sig: signal.Signals) -> None:
        self.proc.send_signal(sig)

    def exit_code(self, timeout: float = 30) -> int:
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.send_signal(signal.SIGABRT)  # faulthandler prints every thread's stack
            self.proc.wait(10)
            pytest.fail(f"still running {timeout}s after the signal:\n{self.text()}")

    def health_url(self) -> str:
        # the host may be masked: notify.secrets_of takes a mailto URL's smtp=127.0.0.1 for one
        m = self.wait_log(r"health endpoint on http://\S+:(\d+)/healthz")
        return f"http://127.0.0.1:{m.group(1)}"


class NotifySocket:
    """The service manager's end of ``$NOTIFY_SOCKET``: a datagram socket the test binds."""

    def __init__(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="cw-", dir="/tmp")  # a Unix socket path is short
        self.path = os.path.join(self.dir, "notify")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.received: list[dict[str, str]] = []

    def close(self) -> None:
        self.sock.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def wait_for(self, done: Callable[[dict[str, str]], bool], timeout: float = 30) -> None:
        """Read datagrams until one satisfies ``done``."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"timed out; received {self.received}"
            self.sock.settimeout(remaining)
            data = self.sock.recv(4096).decode()
            message = dict(line.split("=", 1) for line in data.splitlines())
            self.received.append(message)
            if done(message):
                return


@pytest.fixture
def notify_socket() -> Iterator[NotifySocket]:
    sock = NotifySocket()
    yield sock
    sock.close()


class GatedFeed:
    """A feed server that holds each response until the test opens the gate: a poll "in hand"."""

    def __init__(self, body: bytes) -> None:
        self.arrived = threading.Event()
        self.gate = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.arrived.set()
                owner.gate.wait(60)
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/feed.xml"

    def close(self) -> None:
        self.gate.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def configure(
    directory: Path,
    feeds: list[dict[str, Any]],
    channels: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> Path:
    """conftest's config file plus the service keys (health, stop_timeout, ...)."""
    path = write_config(directory, feeds, channels)
    data = yaml.safe_load(path.read_text())
    data.update(extra)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def metrics(base: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of /metrics, keyed by (name, sorted labels)."""
    status, text = get(base + "/metrics")
    assert status == 200
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def sql(config: Path, query: str) -> list[tuple[Any, ...]]:
    with contextlib.closing(sqlite3.connect(config.parent / "claimwatch.sqlite")) as db:
        return db.execute(query).fetchall()


def second_feed() -> bytes:
    """The demo feed's article under another id: a different feed with an article of its own."""
    return DEMO_FEED.read_bytes().replace(b"claimwatch-demo:", b"claimwatch-demo-b:")


# --- systemd's notify protocol ------------------------------------------------------------------
def test_notify_ready_status_watchdog_stopping(
    tmp_path: Path, feeds: FeedServer, smtp: SmtpServer, notify_socket: NotifySocket
) -> None:
    """READY after start-up, STATUS with the queue, WATCHDOG from the scheduler, STOPPING."""
    smtp.fail = SMTP_TRANSIENT_FAILURE  # the alerts stay queued, so STATUS has a count to show
    feeds.set("/world", DEMO_FEED.read_bytes(), headers=RSS)
    config = configure(
        tmp_path,
        feeds=[{"name": "world", "url": feeds.url("/world"), "interval": "1h"}],
        channels=[{"name": "desk", "url": mailto_url(smtp)}],
    )
    env = {"NOTIFY_SOCKET": notify_socket.path, "WATCHDOG_USEC": "2000000"}  # beats every 0.5 s
    with Daemon(config, env) as daemon:
        notify_socket.wait_for(lambda m: "READY" in m)
        assert notify_socket.received[0]["READY"] == "1"  # nothing before READY
        assert notify_socket.received[0]["STATUS"] == "polling 1 feeds, 0 alerts queued"
        notify_socket.wait_for(
            lambda m: (
                m.get("STATUS", "").endswith("alerts queued")
                and not m["STATUS"].endswith(" 0 alerts queued")
            )
        )
        started = time.monotonic()
        notify_socket.wait_for(lambda m: sum("WATCHDOG" in r for r in notify_socket.received) >= 6)
        # six pings in about three seconds: the 2 s watchdog is fed well within its period
        assert time.monotonic() - started < 10
        daemon.signal(signal.SIGTERM)
        notify_socket.wait_for(lambda m: m.get("STOPPING") == "1")
        assert daemon.exit_code() == 0, daemon.text()
    status = [m["STATUS"] for m in notify_socket.received if "STATUS" in m]
    queued = int(re.findall(r"polling 1 feeds, (\d+) alerts queued", " ".join(status))[-1])
    assert queued == sql(config, "select count(*) from delivery where status = 'pending'")[0][0]
    assert queued > 0
    assert {m.get("WATCHDOG") for m in notify_socket.received if "WATCHDOG" in m} == {"1"}


# --- SIGHUP -------------------------------------------------------------------------------------
BROKEN = """\
database: sqlite:///{db}
watchlist: {watchlist}
feeds:
  - name: a
    url: {url}
    interval: soon
colour: blue
"""


def test_reload_refuses_a_broken_file_then_applies_a_good_one(
    tmp_path: Path, feeds: FeedServer, smtp: SmtpServer, notify_socket: NotifySocket
) -> None:
    feeds.set("/a", DEMO_FEED.read_bytes(), headers=RSS)
    feeds.set("/r", second_feed().replace(b"demo-b:", b"demo-r:"), headers=RSS)
    feeds.set("/b", second_feed(), headers=RSS)
    channels = [{"name": "desk", "url": mailto_url(smtp)}]
    health = {"listen": "127.0.0.1:0"}
    a = {"name": "a", "url": feeds.url("/a"), "interval": "1h"}
    r = {"name": "r", "url": feeds.url("/r"), "interval": "1h"}
    b = {"name": "b", "url": feeds.url("/b"), "interval": "1h"}
    config = configure(tmp_path, [a, r], channels, health=health)
    good = config.read_text()
    with Daemon(config, {"NOTIFY_SOCKET": notify_socket.path}) as daemon:
        base = daemon.health_url()
        daemon.wait_log(r"feed r: new article")
        daemon.wait_log(r"feed a: new article")

        config.write_text(
            BROKEN.format(db=tmp_path / "claimwatch.sqlite", watchlist=WATCHLIST, url=a["url"])
        )
        daemon.signal(signal.SIGHUP)
        daemon.wait_log(r"reload refused \(2 problems in the configuration\)")
        log = daemon.text()
        assert f"reload refused: {config}:6: feeds.0.interval: expected a duration" in log
        assert f"reload refused: {config}:7: colour: unknown key" in log
        notify_socket.wait_for(lambda m: "reload refused" in m.get("STATUS", ""))
        assert {"RELOADING": "1"}.items() <= next(
            m for m in notify_socket.received if "RELOADING" in m
        ).items()
        assert daemon.proc.poll() is None
        assert get(base + "/healthz")[0] == 200

        data = yaml.safe_load(good)
        data["feeds"] = [a, b]  # r removed, b added
        config.write_text(yaml.safe_dump(data, sort_keys=False))
        daemon.signal(signal.SIGHUP)
        daemon.wait_log(r"reloaded: 2 feeds \(1 added, 1 removed\), 1 channels")
        daemon.wait_log(r"feed b: new article")
        # a kept its place in the schedule (polled once, at start); b was polled at once
        assert [q.path for q in feeds.requests].count("/a") == 1
        assert [q.path for q in feeds.requests].count("/b") == 1
        samples = metrics(base)
        assert samples[("claimwatch_polls_total", (("feed", "b"),))] == 1
        assert not any(dict(labels).get("feed") == "r" for _, labels in samples)
        daemon.signal(signal.SIGTERM)
        assert daemon.exit_code() == 0, daemon.text()
    # the state of every feed, removed or not, is still in the store
    assert sorted(n for (n,) in sql(config, "select name from feed")) == ["a", "b", "r"]
    assert sql(config, "select count(*) from article")[0][0] == 3
    alerts = sql(config, "select count(*) from alert where not possible")[0][0]
    assert len(smtp.wait_for(alerts)) == alerts


def test_reload_on_change(tmp_path: Path, feeds: FeedServer) -> None:
    """With ``reload_on_change``, writing the file is enough: no signal needed."""
    feeds.set("/a", DEMO_FEED.read_bytes(), headers=RSS)
    feeds.set("/b", second_feed(), headers=RSS)
    a = {"name": "a", "url": feeds.url("/a"), "interval": "1h"}
    b = {"name": "b", "url": feeds.url("/b"), "interval": "1h"}
    config = configure(tmp_path, [a], reload_on_change=True)
    with Daemon(config) as daemon:
        daemon.wait_log(r"feed a: new article")
        data = yaml.safe_load(config.read_text())
        data["feeds"] = [a, b]
        config.write_text(yaml.safe_dump(data, sort_keys=False))
        daemon.wait_log(r"reloading .* \(the configuration files changed\)")
        daemon.wait_log(r"feed b: new article")
        daemon.signal(signal.SIGTERM)
        assert daemon.exit_code() == 0, daemon.text()


# --- SIGTERM ------------------------------------------------------------------------------------
def test_sigterm_finishes_the_poll_in_hand(tmp_path: Path, smtp: SmtpServer) -> None:
    gated = GatedFeed(DEMO_FEED.read_bytes())
    try:
        config = configure(
            tmp_path,
            feeds=[{"name": "slow", "url": gated.url, "interval": "1h"}],
            channels=[{"name": "desk", "url": mailto_url(smtp)}],
        )
        with Daemon(config) as daemon:
            assert gated.arrived.wait(30), daemon.text()
            daemon.signal(signal.SIGTERM)
            daemon.wait_log(r"received SIGTERM: finishing the work in hand")
            time.sleep(0.5)
            assert daemon.proc.poll() is None  # still waiting for the feed
            gated.gate.set()
            assert daemon.exit_code() == 0, daemon.text()
            log = daemon.text()
    finally:
        gated.close()
    assert "feed slow: new article" in log
    assert log.rstrip().endswith("stopped")
    alerts = sql(config, "select count(*) from alert where not possible")[0][0]
    digested = sql(
        config,
        "select count(*) from delivery join alert on alert.id = delivery.alert_id"
        " where alert.possible and delivery.status = 'sent'",
    )[0][0]
    assert alerts > 0
    # ... and the delivery in hand: one message an alert, and the digest of the possible ones
    # if its time had come
    assert len(smtp.messages) == alerts + (1 if digested else 0)
    unsent = "select count(*) from delivery join alert on alert.id = delivery.alert_id"
    assert sql(config, unsent + " where delivery.status != 'sent' and not alert.possible") == [(0,)]


def test_sigterm_waits_at_most_stop_timeout(tmp_path: Path) -> None:
    gated = GatedFeed(DEMO_FEED.read_bytes())
    try:
        config = configure(tmp_path, feeds=[{"name": "stuck", "url": gated.url}], stop_timeout="2s")
        with Daemon(config) as daemon:
            assert gated.arrived.wait(30), daemon.text()
            daemon.signal(signal.SIGTERM)
            sent = time.monotonic()
            assert daemon.exit_code() == 0, daemon.text()
            waited = time.monotonic() - sent
            log = daemon.text()
    finally:
        gated.close()
    assert re.search(
        r"stopped with work still in hand after [23]s; it is redone at the next", log
    ), log
    assert 1.5 < waited < 20, (waited, log)
    assert sql(config, "select count(*) from article") == [(0,)]  # nothing half-written


# --- /healthz and /metrics ----------------------------------------------------------------------
def test_health_metrics_and_json_logs(tmp_path: Path, feeds: FeedServer) -> None:
    password = "pw-" + uuid.uuid4().hex  # handed in as a credential file, as LoadCredential does
    secret = tmp_path / "smtp-password"
    secret.write_text(password + "\n")
    with SmtpServer(username="cw", password=password) as smtp:
        feeds.set("/world", DEMO_FEED.read_bytes(), headers=RSS)
        url = mailto_url(smtp, user="cw", password="PLACEHOLDER").replace(
            "PLACEHOLDER", "${file:" + str(secret) + "}"
        )
        config = configure(
            tmp_path,
            feeds=[{"name": "world", "url": feeds.url("/world"), "interval": "1h"}],
            channels=[{"name": "desk", "url": url}],
            health={"listen": "127.0.0.1:0"},
        )
        with Daemon(config, None, "--log-format", "json") as daemon:
            base = daemon.health_url()
            alerts = 0
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                alerts = (
                    sql(config, "select count(*) from alert where not possible")[0][0]
                    if "feed world" in (daemon.text())
                    else 0
                )
                if alerts and len(smtp.messages) == alerts:
                    break
                time.sleep(0.1)
            assert alerts and len(smtp.messages) == alerts, daemon.text()
            assert get(base + "/healthz") == (200, HEALTHY)
            assert get(base + "/nothing")[0] == 404
            deadline = time.monotonic() + 10  # the deliveries are counted as the send returns
            while True:
                samples = metrics(base)
                sent = samples.get(("claimwatch_deliveries_total", (("outcome", "sent"),)), 0)
                if sent == alerts or time.monotonic() > deadline:
                    break
                time.sleep(0.1)
            metrics_text = get(base + "/metrics")[1]
            daemon.signal(signal.SIGTERM)
            assert daemon.exit_code() == 0
            log = daemon.text()

    world = (("feed", "world"),)
    assert samples[("claimwatch_polls_total", world)] == 1
    assert samples.get(("claimwatch_poll_errors_total", world), 0) == 0
    assert samples[("claimwatch_articles_total", world)] == 1
    claims = sql(config, "select count(*) from claim")[0][0]
    assert samples[("claimwatch_claims_total", world)] == claims
    by_kind = dict(sql(config, "select kind, count(*) from alert group by kind"))
    for kind, n in by_kind.items():
        assert samples[("claimwatch_alerts_total", (("kind", kind),))] == n
    assert samples[("claimwatch_deliveries_total", (("outcome", "sent"),))] == alerts
    desk = (("channel", "desk"),)
    assert samples[("claimwatch_delivery_latency_seconds_count", desk)] == alerts
    held = sql(config, "select count(*) from alert where possible")[0][0]  # for the digest
    assert samples[("claimwatch_queue_length", desk)] == held
    assert "process_resident_memory_bytes" in metrics_text

    events = [json.loads(line) for line in log.splitlines()]  # every line is one JSON event
    assert all({"time", "level", "logger", "message"} <= e.keys() for e in events)
    queued = [e for e in events if re.match(r"alert \d+: queued", e["message"])]
    assert len(queued) == alerts + held
    assert all(e["feed"] == "world" and e["actor"] and e["kind"] for e in queued)
    delivered = [e for e in events if "delivered to desk" in e["message"]]
    assert len(delivered) == alerts
    assert all(isinstance(e["alert"], int) for e in delivered)
    assert {e["feed"] for e in events if e["message"].startswith("feed world:")} == {"world"}
    assert password not in log and password not in metrics_text


def _postgres() -> Any:
    psycopg = pytest.importorskip("psycopg")
    try:
        return psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True)
    except psycopg.OperationalError as exc:
        pytest.skip(f"no PostgreSQL on 127.0.0.1:5432: {exc}")


def test_healthz_fails_while_the_store_does_not_answer(tmp_path: Path, feeds: FeedServer) -> None:
    """A real PostgreSQL database refuses connections for a while: 503, then 200 again."""
    admin = _postgres()
    name = "cw_health_" + uuid.uuid4().hex[:12]
    admin.execute(f"CREATE DATABASE {name}")
    try:
        feeds.set("/world", DEMO_FEED.read_bytes(), headers=RSS)
        config = configure(
            tmp_path,
            feeds=[{"name": "world", "url": feeds.url("/world"), "interval": "1h"}],
            health={"listen": "127.0.0.1:0"},
        )
        data = yaml.safe_load(config.read_text())
        data["database"] = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
        config.write_text(yaml.safe_dump(data))
        with Daemon(config) as daemon:
            base = daemon.health_url()
            daemon.wait_log(r"feed world: new article")
            assert get(base + "/healthz")[0] == 200

            admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS false")
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )
            body = _until(lambda: get(base + "/healthz"), lambda r: r[0] == 503)[1]
            assert "store: not answering" in body, body

            admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS true")
            _until(lambda: get(base + "/healthz"), lambda r: r == (200, HEALTHY))
            assert daemon.proc.poll() is None
            daemon.signal(signal.SIGTERM)
            assert daemon.exit_code() == 0, daemon.text()
    finally:
        admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS true")
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


def _until(get_value: Callable[[], Any], ok: Callable[[Any], bool], timeout: float = 20) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = get_value()
        if ok(value) or time.monotonic() > deadline:
            assert ok(value), value
            return value
        time.sleep(0.2)


# --- the unit file ------------------------------------------------------------------------------
needs_systemd_analyze = pytest.mark.skipif(
    shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed here"
)


@needs_systemd_analyze
def test_unit_scores_at_most_1_5() -> None:
    out = subprocess.run(
        ["systemd-analyze", "security", "--offline=yes", str(UNIT)],
        capture_output=True,
        text=True,
        check=False,
    )
    m = re.search(r"Overall exposure level for claimwatch\.service: (\d+\.\d+)", out.stdout)
    assert m, out.stdout + out.stderr
    assert float(m.group(1)) <= 1.5, out.stdout


@needs_systemd_analyze
def test_unit_verifies_clean(tmp_path: Path) -> None:
    """``systemd-analyze verify`` on the unit exactly as shipped, in a root laid out as the
    README's install leaves a machine: the unit in /etc/systemd/system, claimwatch in
    /opt/claimwatch/bin, and the system's own units and /bin/kill beside them. verify checks
    that ExecStart's program exists, so the root is what makes the shipped path checkable."""
    root = tmp_path / "root"
    (root / "etc/systemd/system").mkdir(parents=True)
    (root / "opt/claimwatch/bin").mkdir(parents=True)
    (root / "bin").mkdir()
    (root / "usr/lib/systemd").mkdir(parents=True)
    shutil.copy2(UNIT, root / "etc/systemd/system/claimwatch.service")
    shutil.copy2(EXE, root / "opt/claimwatch/bin/claimwatch")
    shutil.copy2(shutil.which("kill") or "/bin/kill", root / "bin/kill")
    shutil.copytree("/usr/lib/systemd/system", root / "usr/lib/systemd/system", symlinks=True)
    out = subprocess.run(
        ["systemd-analyze", "verify", f"--root={root}", "claimwatch.service"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (out.returncode, out.stdout + out.stderr) == (0, "")
    unit = UNIT.read_text()
    for directive in (
        "Type=notify",
        "WatchdogSec=",
        "ExecReload=/bin/kill -HUP $MAINPID",
        "ProtectSystem=strict",
        "LoadCredential=",
        "SystemCallFilter=@system-service",
        "CapabilityBoundingSet=\n",
    ):
        assert directive in unit


# --- the pieces, in-process -----------------------------------------------------------------------
def test_healthz_needs_the_scheduler_to_tick(tmp_path: Path) -> None:
    """/healthz turns 503 when the heartbeat stops: before the first beat and after a silence."""
    from monitor.health import HealthServer, Metrics
    from monitor.service import Heartbeat
    from monitor.store import Store

    store = Store(f"sqlite:///{tmp_path / 'claimwatch.sqlite'}")
    heartbeat = Heartbeat(period=0.2)
    server = HealthServer("127.0.0.1:0", Metrics(store.queue_length), heartbeat, lambda: store)
    host, port = server.start()
    try:
        base = f"http://{host}:{port}"
        assert get(base + "/healthz") == (503, "scheduler: not started\n")
        heartbeat.beat()
        assert get(base + "/healthz")[0] == 200
        time.sleep(0.7)  # more than three periods without a beat
        status, body = get(base + "/healthz")
        assert status == 503 and body.startswith("scheduler: no tick for "), body
    finally:
        server.stop()
        store.close()


def test_notifier_speaks_to_abstract_sockets_and_knows_its_watchdog() -> None:
    from monitor.service import Notifier, heartbeat_seconds, watchdog_seconds

    name = "claimwatch-test-" + uuid.uuid4().hex
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as manager:
        manager.bind("\0" + name)
        manager.settimeout(5)
        notifier = Notifier({"NOTIFY_SOCKET": "@" + name})
        assert notifier.ready("polling 3 feeds, 0 alerts queued")
        assert manager.recv(4096) == b"READY=1\nSTATUS=polling 3 feeds, 0 alerts queued"
        notifier.close()
    assert not Notifier({}).watchdog()  # outside systemd: nothing to tell, nothing fails
    me = str(os.getpid())
    assert watchdog_seconds({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": me}) == 30
    assert watchdog_seconds({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"}) is None
    assert watchdog_seconds({}) is None
    assert heartbeat_seconds({"WATCHDOG_USEC": "8000000"}) == 2  # four beats per period
    assert heartbeat_seconds({}) == 5


def test_health_listen_is_validated_with_its_line(tmp_path: Path) -> None:
    from monitor.config import ConfigError, load_config

    config = configure(tmp_path, feeds=[], health={"listen": "localhost"})
    with pytest.raises(ConfigError) as err:
        load_config(config)
    line = config.read_text().splitlines().index("  listen: localhost") + 1
    assert err.value.problems == [
        f"{config}:{line}: health.listen: expected HOST:PORT such as 127.0.0.1:9464, "
        "got 'localhost'"
    ]


def test_reload_waits_for_the_poll_in_hand(tmp_path: Path, feeds: FeedServer) -> None:
    """The new configuration takes over between polls: the one in hand finishes on the old."""
    gated = GatedFeed(DEMO_FEED.read_bytes())
    feeds.set("/b", second_feed(), headers=RSS)
    slow = {"name": "slow", "url": gated.url, "interval": "1h"}
    b = {"name": "b", "url": feeds.url("/b"), "interval": "1h"}
    try:
        config = configure(tmp_path, [slow])
        with Daemon(config) as daemon:
            assert gated.arrived.wait(30), daemon.text()
            data = yaml.safe_load(config.read_text())
            data["feeds"] = [slow, b]
            config.write_text(yaml.safe_dump(data, sort_keys=False))
            daemon.signal(signal.SIGHUP)
            daemon.wait_log(r"reloading .* \(SIGHUP\)")
            time.sleep(1)
            assert "reloaded" not in daemon.text()  # waiting for the poll of "slow"
            gated.gate.set()
            daemon.wait_log(r"reloaded: 2 feeds \(1 added, 0 removed\)")
            daemon.wait_log(r"feed b: new article")
            daemon.signal(signal.SIGTERM)
            assert daemon.exit_code() == 0, daemon.text()
            log = daemon.text()
    finally:
        gated.close()
    assert log.index("feed slow: new article") < log.index("reloaded: 2 feeds")
    assert sql(config, "select name, failures, items from feed order by name") == [
        ("b", 0, 1),
        ("slow", 0, 1),
    ]


# --- the worker's template unit (workers: {mode: procrastinate}) ---------------------------------
WORKER_UNIT = ROOT / "systemd" / "claimwatch-worker@.service"


@needs_systemd_analyze
def test_worker_unit_scores_at_most_1_5() -> None:
    out = subprocess.run(
        ["systemd-analyze", "security", "--offline=yes", str(WORKER_UNIT)],
        capture_output=True,
        text=True,
        check=False,
    )
    m = re.search(r"Overall exposure level for claimwatch-worker@\S*: (\d+\.\d+)", out.stdout)
    assert m, out.stdout + out.stderr
    assert float(m.group(1)) <= 1.5, out.stdout


@needs_systemd_analyze
def test_worker_unit_verifies_clean_as_instances(tmp_path: Path) -> None:
    """``systemd-analyze verify`` on two instances of the template as shipped, in a root laid
    out as the README's install leaves a machine (see ``test_unit_verifies_clean``)."""
    root = tmp_path / "root"
    (root / "etc/systemd/system").mkdir(parents=True)
    (root / "opt/claimwatch/bin").mkdir(parents=True)
    (root / "usr/lib/systemd").mkdir(parents=True)
    shutil.copy2(WORKER_UNIT, root / "etc/systemd/system/claimwatch-worker@.service")
    shutil.copy2(EXE, root / "opt/claimwatch/bin/claimwatch")
    shutil.copytree("/usr/lib/systemd/system", root / "usr/lib/systemd/system", symlinks=True)
    out = subprocess.run(
        [
            "systemd-analyze",
            "verify",
            f"--root={root}",
            "claimwatch-worker@1.service",
            "claimwatch-worker@2.service",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (out.returncode, out.stdout + out.stderr) == (0, "")
    unit = WORKER_UNIT.read_text()
    assert "ExecStart=/opt/claimwatch/bin/claimwatch worker --config " in unit
    for directive in ("Type=notify", "WatchdogSec=", "ProtectSystem=strict", "LoadCredential="):
        assert directive in unit
    assert "StateDirectory=" not in unit  # a worker keeps nothing on its machine


def test_credentials_are_read_under_any_units_name(tmp_path: Path) -> None:
    """``${credential:NAME}`` reads systemd's $CREDENTIALS_DIRECTORY, which is named after the
    unit (claimwatch.service, claimwatch-worker@2.service): one configuration serves both."""
    import monitor.notify  # noqa: F401  (registers stdout://)
    from monitor.config import ConfigError, load_config

    creds = tmp_path / "creds"
    creds.mkdir()
    (creds / "secret_db").write_text("p@ss/w%rd\n", encoding="utf-8")
    config = tmp_path / "claimwatch.yaml"
    config.write_text(
        "database: postgresql+psycopg://cw:${credential:secret_db}@db.example/claimwatch\n"
        f"watchlist: {ROOT / 'config' / 'watchlist.yaml'}\n"
        "channels: [{url: 'stdout://'}]\n",
        encoding="utf-8",
    )
    os.environ["CREDENTIALS_DIRECTORY"] = str(creds)
    try:
        loaded = load_config(config)
    finally:
        del os.environ["CREDENTIALS_DIRECTORY"]
    assert loaded.database == "postgresql+psycopg://cw:p%40ss%2Fw%25rd@db.example/claimwatch"
    with pytest.raises(ConfigError) as err:
        load_config(config)
    assert err.value.problems == [
        f"{config}:1: database: ${{credential:secret_db}}: no systemd credentials here "
        "($CREDENTIALS_DIRECTORY is not set)"
    ]
