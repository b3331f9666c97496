"""The distributed mode (``workers: {mode: procrastinate}``) as real processes: a scheduler
(``claimwatch run``) and workers (``claimwatch worker``) over a real PostgreSQL, a feed server
and an SMTP server on loopback.

The corpus is made so that every article holds exactly one claim that is new (one actor, one
topic, ``prediction``), so every article raises one alert; a template override puts each
alert's id in its message, so the SMTP server's messages can be counted per alert.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, cli
from servers import FeedServer, SmtpServer, mailto_url

EXE = str(Path(sys.executable).parent / "claimwatch")

NAMES = [
    "Alvarez",
    "Brandt",
    "Castellano",
    "Dumont",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Horvath",
    "Ivanova",
    "Jansen",
    "Kowalski",
    "Lindqvist",
    "Moreau",
    "Novak",
    "Olsen",
    "Petrov",
]
TOPICS = {  # topic id: (keyword, what is said)
    "troops": ("troop", "troops would be sent to the border within weeks"),
    "sanctions": ("sanction", "new sanctions on the banks would be imposed soon"),
    "energy": ("gas", "gas supplies to the region would be cut this winter"),
}
ALERT_ID = re.compile(r"alert-id:(\d+)")


def watchlist(path: Path) -> Path:
    """A watchlist of the corpus' 16 ministers and 3 topics; every new claim alerts at once."""
    data = {
        "actors": {n.lower(): {"name": f"Minister {n}", "aliases": [n]} for n in NAMES},
        "topics": {t: {"description": t, "keywords": [kw]} for t, (kw, _) in TOPICS.items()},
        "rules": [{"name": "everything", "min_confidence": 0}],
    }
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def articles() -> list[tuple[str, str]]:
    """(guid, text) of the 48 articles: one claim each, each new."""
    return [
        (f"{name.lower()}-{topic}", f"Minister {name} said on Monday that {said}.")
        for name in NAMES
        for topic, (_, said) in TOPICS.items()
    ]


def rss(items: list[tuple[str, str]]) -> str:
    entries = "".join(
        f"<item><title>{guid}</title><guid isPermaLink='false'>{guid}</guid>"
        f"<link>https://news.example/{guid}</link><description>{text}</description>"
        "<pubDate>Tue, 10 Feb 2026 09:30:00 GMT</pubDate></item>"
        for guid, text in items
    )
    head = "<?xml version='1.0'?><rss version='2.0'><channel><title>t</title>"
    return f"{head}{entries}</channel></rss>"


def templates(folder: Path) -> Path:
    """The packaged templates with each alert's id on their first line."""
    folder.mkdir()
    for source in (ROOT / "monitor" / "templates").iterdir():
        (folder / source.name).write_text(
            f"alert-id:$id\n{source.read_text(encoding='utf-8')}", encoding="utf-8"
        )
    return folder


@dataclass
class Deployment:
    """A configuration of the distributed mode and the processes started on it."""

    config: Path
    pg_url: str
    feeds: FeedServer
    smtp: SmtpServer
    logs: Path
    procs: dict[str, subprocess.Popen[bytes]]

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("ab")
        proc = subprocess.Popen(
            [EXE, *args, "--config", str(self.config)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=os.environ | {"PYTHONUNBUFFERED": "1"},
        )
        log.close()
        self.procs[name] = proc
        return proc

    def scheduler(self) -> subprocess.Popen[bytes]:
        return self.start("scheduler", "run")

    def worker(self, name: str, concurrency: int = 2) -> subprocess.Popen[bytes]:
        return self.start(name, "worker", "--concurrency", str(concurrency))

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(encoding="utf-8", errors="replace")

    def query(self, sql: str) -> list[tuple[object, ...]]:
        from sqlalchemy import create_engine, text

        engine = create_engine(self.pg_url)
        try:
            with engine.connect() as conn:
                return [tuple(row) for row in conn.execute(text(sql)).all()]
        finally:
            engine.dispose()

    def count(self, sql: str) -> int:
        return int(self.query(sql)[0][0])  # type: ignore[call-overload]

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture
def deployment(
    tmp_path: Path, pg_url: str, feeds: FeedServer, smtp: SmtpServer
) -> Iterator[Deployment]:
    corpus = articles()  # procrastinate is a dev dependency: its absence fails, never skips
    per_feed = 12
    for n in range(len(corpus) // per_feed):
        feeds.set(f"/feed{n}", rss(corpus[n * per_feed : (n + 1) * per_feed]))
    config = tmp_path / "claimwatch.yaml"
    data = {
        "database": pg_url,
        "watchlist": str(watchlist(tmp_path / "watchlist.yaml")),
        "templates": str(templates(tmp_path / "templates")),
        "workers": {"mode": "procrastinate", "heartbeat": "1s", "stalled_after": "3s"},
        "stop_timeout": "20s",
        "feeds": [
            {"name": f"feed{n}", "url": feeds.url(f"/feed{n}"), "interval": "10s"}
            for n in range(len(corpus) // per_feed)
        ],
        "channels": [{"name": "desk", "url": mailto_url(smtp)}],
    }
    config.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    logs = tmp_path / "logs"
    logs.mkdir()
    d = Deployment(config, pg_url, feeds, smtp, logs, {})
    try:
        yield d
    finally:
        d.stop()


def delivered(messages: list[EmailMessage]) -> Counter[int]:
    """How many messages the SMTP server took for each alert id."""
    found: Counter[int] = Counter()
    for message in messages:
        ids = {int(m) for m in ALERT_ID.findall(message.as_string())}
        assert len(ids) == 1, message.as_string()[:500]
        found.update(ids)
    return found


def wait_until(what: str, check: object, timeout: float, *procs: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + timeout
    assert callable(check)
    while not check():
        for proc in procs:
            assert proc.poll() is None, f"{proc.args} exited {proc.returncode} while waiting"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.25)


def settled(d: Deployment, articles_expected: int) -> bool:
    """Every article stored and every delivery recorded as sent."""
    stored = d.count("select count(*) from article")
    unsent = d.count("select count(*) from delivery where status <> 'sent'")
    alerts = d.count("select count(*) from alert")
    return stored == articles_expected and alerts == articles_expected and unsent == 0


# --- the configuration ---------------------------------------------------------------------------
def test_procrastinate_mode_needs_postgresql_with_file_and_line(tmp_path: Path) -> None:
    config = tmp_path / "claimwatch.yaml"
    wl = ROOT / "config" / "watchlist.yaml"
    head = f"database: sqlite:///{tmp_path / 'x.sqlite'}\nwatchlist: {wl}\n"
    config.write_text(
        head + "channels: [{url: 'stdout://'}]\nworkers:\n  mode: procrastinate\n",
        encoding="utf-8",
    )
    result = cli("check", "--config", str(config))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{config}:5: workers.mode: procrastinate needs a PostgreSQL database (database: "
        "postgresql+psycopg://user@host/claimwatch); the queue lives there"
    ]
    config.write_text(
        head + "workers:\n  mode: procrastinate\n  heartbeat: 10s\n  stalled_after: 15s\n"
        "  concurency: 2\n",
        encoding="utf-8",
    )
    lines = cli("check", "--config", str(config)).stderr.splitlines()
    assert lines == [f"{config}:7: workers.concurency: unknown key; did you mean 'concurrency'?"]
    config.write_text(config.read_text().replace("  concurency: 2\n", ""), encoding="utf-8")
    lines = cli("check", "--config", str(config)).stderr.splitlines()
    assert lines == [
        f"{config}:3: workers: stalled_after (15s) must be at least twice heartbeat (10s), or "
        "a live worker's jobs would be taken from it"
    ]


def test_worker_refuses_the_single_machine_mode(tmp_path: Path) -> None:
    config = tmp_path / "claimwatch.yaml"
    config.write_text(
        f"watchlist: {ROOT / 'config' / 'watchlist.yaml'}\nchannels: [{{url: 'stdout://'}}]\n",
        encoding="utf-8",
    )
    result = cli("worker", "--config", str(config))
    assert result.exit_code == 78
    assert "workers.mode is threads" in result.stderr


# --- the processes -------------------------------------------------------------------------------
def test_scheduler_and_two_workers_store_every_article_once_and_send_every_alert_once(
    deployment: Deployment,
) -> None:
    d = deployment
    migrated = cli("migrate", "--config", str(d.config))
    assert migrated.exit_code == 0, migrated.output
    assert "procrastinate" in migrated.stdout and "its tables made" in migrated.stdout
    scheduler = d.scheduler()
    workers = [d.worker("worker1"), d.worker("worker2")]
    total = len(articles())
    wait_until("every article and alert", lambda: settled(d, total), 120, scheduler, *workers)
    d.smtp.wait_for(total, timeout=10)
    time.sleep(1.5)  # a duplicate would arrive about now
    sent = delivered(d.smtp.messages)
    alert_ids = {int(row[0]) for row in d.query("select id from alert")}  # type: ignore[call-overload]
    assert set(sent) == alert_ids
    assert max(sent.values()) == 1, sent.most_common(3)
    assert d.count("select count(distinct key) from article") == total
    # the polls ran in the workers, each article read once, none in the scheduler
    read = [len(re.findall(r"new article", d.log(w))) for w in ("worker1", "worker2")]
    assert sum(read) == total, read
    assert "new article" not in d.log("scheduler")
    status = cli("status", "--config", str(d.config))
    assert re.search(r"^WORKER +ALIVE +JOBS +LAST HEARTBEAT", status.stdout, re.M), status.stdout
    assert len(re.findall(r"^\d+ +yes ", status.stdout, re.M)) == 2, status.stdout
    assert re.search(r"^polls +\d+ +\d+ +0$", status.stdout, re.M), status.stdout
    doc = json.loads(cli("status", "--json", "--config", str(d.config)).stdout)
    assert [w["alive"] for w in doc["workers"]] == [True, True]
    assert {q["queue"] for q in doc["queues"]} == {"polls", "deliveries"}


# --- faults: workers killed, connections cut ------------------------------------------------------
def lock_holders(d: Deployment, names: dict[int, str]) -> list[tuple[str, int]]:
    """(what, pid) of the worker processes holding a claimwatch advisory lock now: ``what`` is
    the lock's name (``feed:URL`` or ``deliver:CHANNEL``), found from ``names`` (key -> name)."""
    from monitor.workers import _LOCK_CLASS

    rows = d.query(
        "select a.application_name, l.objid::bigint from pg_locks l "
        "join pg_stat_activity a on a.pid = l.pid "
        f"where l.locktype = 'advisory' and l.granted and l.classid::bigint = {_LOCK_CLASS} "
        "and a.application_name like 'claimwatch worker %'"
    )
    out = []
    for app, objid in rows:
        name = names.get(int(objid))  # type: ignore[call-overload]
        if name is not None:
            out.append((name, int(str(app).rsplit(":", 1)[1])))
    return out


def lock_names(d: Deployment) -> dict[int, str]:
    """The advisory lock keys of the deployment's feeds and channel, as pg_locks shows them."""
    from monitor.config import load_config
    from monitor.workers import _lock_key

    config = load_config(d.config)
    names = [f"feed:{f.key}" for f in config.feeds] + ["deliver:desk"]
    return {_lock_key(n) & 0xFFFF_FFFF: n for n in names}


def check_everything_once(d: Deployment, what: str, capsys: pytest.CaptureFixture[str]) -> int:
    """Every article stored once and every alert delivered at least once; returns the alerts
    delivered more than once (reported)."""
    total = len(articles())
    assert d.count("select count(*) from article") == total
    assert d.count("select count(distinct key) from article") == total
    assert d.count("select count(*) from claim") == total  # no article's claims stored twice
    time.sleep(1.5)  # a late duplicate would arrive about now
    sent = delivered(d.smtp.messages)
    alert_ids = {int(row[0]) for row in d.query("select id from alert")}  # type: ignore[call-overload]
    assert len(alert_ids) == total
    assert set(sent) == alert_ids, sorted(alert_ids - set(sent))
    twice = sum(n - 1 for n in sent.values())
    with capsys.disabled():
        print(
            f"\n[{what}] {total} articles stored once, {total} alerts delivered; {twice} "
            f"duplicate messages ({sorted(i for i, n in sent.items() if n > 1)})"
        )
    return twice


def test_workers_killed_mid_poll_and_mid_delivery_lose_nothing(
    deployment: Deployment, capsys: pytest.CaptureFixture[str]
) -> None:
    """SIGKILL a worker while it holds a feed's poll, then while it holds the channel's
    delivery, at a random moment inside each, several times; a new worker replaces each.
    Nothing is lost; a duplicate is possible only for a message the SMTP server had taken when
    its sender died (the send/record window), so at most one per kill mid-delivery."""
    import random

    d = deployment
    d.smtp.delay = 0.15  # each message takes a while: a delivery is there to be cut
    assert cli("migrate", "--config", str(d.config)).exit_code == 0
    slots = {"worker1": d.worker("worker1"), "worker2": d.worker("worker2")}
    wait_until(
        "two workers",
        lambda: d.count("select count(*) from procrastinate_workers") == 2,
        30,
        *slots.values(),
    )
    scheduler = d.scheduler()
    names = lock_names(d)
    rng = random.Random()
    kills: Counter[str] = Counter()
    started = time.monotonic()
    for kind in ["feed", "deliver"] * 4:
        if time.monotonic() - started > 35:
            break
        deadline = time.monotonic() + 8
        target = None
        live = {p.pid: slot for slot, p in slots.items() if p.poll() is None}
        while target is None and time.monotonic() < deadline:
            held = [pid for name, pid in lock_holders(d, names) if name.startswith(kind)]
            target = next((pid for pid in held if pid in live), None)
            if target is None:
                time.sleep(0.02)
        if target is None:
            continue  # nothing of that kind in hand now
        time.sleep(rng.uniform(0, 0.2))  # a random point inside it
        os.kill(target, signal.SIGKILL)
        slot = live[target]
        slots[slot].wait()
        kills[kind] += 1
        slots[slot] = d.worker(slot)  # a new worker takes the slot; the old one's jobs wait
    total = len(articles())
    wait_until("every article and alert", lambda: settled(d, total), 90, scheduler)
    assert kills["feed"] >= 1 and kills["deliver"] >= 1, kills
    twice = check_everything_once(
        d, f"{kills['feed']} kills mid-poll, {kills['deliver']} mid-delivery", capsys
    )
    assert twice <= kills["deliver"], (twice, kills)
    log = d.log("worker1") + d.log("worker2")
    assert "of a silent worker: put back in the queue" in log


def test_workers_reconnect_after_their_connections_are_terminated(
    deployment: Deployment, capsys: pytest.CaptureFixture[str]
) -> None:
    """pg_terminate_backend on every connection of the workers, several times while they poll
    and deliver: they connect again and finish, the same processes, losing nothing."""
    d = deployment
    d.smtp.delay = 0.1
    assert cli("migrate", "--config", str(d.config)).exit_code == 0
    workers = [d.worker("worker1"), d.worker("worker2")]
    wait_until(
        "two workers",
        lambda: d.count("select count(*) from procrastinate_workers") == 2,
        30,
        *workers,
    )
    scheduler = d.scheduler()
    d.smtp.wait_for(1, timeout=30)  # under load: polls and deliveries are going on
    cut = 0
    for _ in range(4):
        cut += d.count(
            "select count(pg_terminate_backend(pid)) from pg_stat_activity "
            "where application_name like 'claimwatch worker %'"
        )
        time.sleep(1.5)
    assert cut >= 8
    total = len(articles())
    wait_until("every article and alert", lambda: settled(d, total), 90, scheduler, *workers)
    twice = check_everything_once(d, f"{cut} connections terminated in 4 rounds", capsys)
    assert twice <= 4, twice  # a round cuts at most the one delivery in flight
    # the same two processes, connected again; both alive in the queue
    assert all(w.poll() is None for w in workers)
    wait_until(
        "both workers heartbeating",
        lambda: (
            len(re.findall(r"^\d+ +yes ", cli("status", "--config", str(d.config)).stdout, re.M))
            >= 2
        ),
        30,
        *workers,
    )


# --- in-process: the scheduler's tick and the transactional outbox --------------------------------
def _in_process(d: Deployment) -> tuple[object, object]:
    """The deployment's monitor with its queue attached, as a worker or the scheduler has it."""
    from monitor.config import load_config
    from monitor.pipeline import Monitor
    from monitor.workers import Queue

    assert cli("migrate", "--config", str(d.config)).exit_code == 0
    config = load_config(d.config)
    monitor = Monitor(config)
    queue = Queue(config)
    queue.attach(monitor)
    return monitor, queue


def test_each_delivery_job_is_deferred_in_the_transaction_that_stores_its_alert(
    deployment: Deployment,
) -> None:
    """PostgreSQL's xmin names the transaction that wrote a row: every article's alert, its
    outbox row and the delivery job that wakes a worker for it were written by one."""
    from monitor.pipeline import Monitor

    d = deployment
    monitor, _ = _in_process(d)
    assert isinstance(monitor, Monitor)
    try:
        report = monitor.poll(monitor.config.feeds[0])  # no worker runs: the jobs stay queued
        assert report.error is None and report.articles == 12 and len(report.alerts) == 12
        monitor.store.queue_operator("test", "an operator alert: the same rule", ["desk"])
    finally:
        monitor.close()
    deliveries = d.query("select xmin::text from delivery where channel = 'desk'")
    jobs = d.query(
        "select xmin::text, args->>'channel', lock from procrastinate_jobs "
        "where task_name = 'claimwatch.deliver_channel'"
    )
    assert len(deliveries) == 13
    assert {x for (x,) in deliveries} == {x for x, _, _ in jobs}  # one job per transaction
    assert len(jobs) == 13 and {(c, lock) for _, c, lock in jobs} == {("desk", "deliver:desk")}


def test_the_scheduler_queues_a_feed_once_and_honours_its_backoff(
    deployment: Deployment, capsys: pytest.CaptureFixture[str]
) -> None:
    """A due feed's tick queues one poll (a second tick finds it waiting: its queueing lock);
    a feed whose last poll failed is not queued until its backoff is over."""
    from monitor.daemon import _defer_poll
    from monitor.pipeline import Monitor
    from monitor.workers import Queue

    d = deployment
    d.feeds.set("/feed1", "boom", status=503)
    monitor, queue = _in_process(d)
    assert isinstance(monitor, Monitor) and isinstance(queue, Queue)
    good, failing = monitor.config.feeds[0], monitor.config.feeds[1]
    try:
        assert _defer_poll(monitor, queue, good) is None
        assert _defer_poll(monitor, queue, good) is None  # already waiting: not queued again
        report = monitor.poll(failing)
        assert report.error is not None and report.next_poll > 10
        wait = _defer_poll(monitor, queue, failing)
    finally:
        monitor.close()
    assert wait is not None and report.next_poll - 5 < wait <= report.next_poll
    polls = d.query(
        "select args->>'feed', queueing_lock from procrastinate_jobs "
        "where task_name = 'claimwatch.poll_feed'"
    )
    assert polls == [(good.key, f"feed:{good.key}")]
