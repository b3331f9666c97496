"""The distributed mode (``workers: {mode: procrastinate}``) as real processes: a scheduler
(``claimwatch run``) and workers (``claimwatch worker``) over a real PostgreSQL, a feed server
and an SMTP server on loopback.

The corpus is made so that every article holds exactly one claim that is new (one actor, one
topic, ``prediction``), so every article raises one alert; a template override puts each
alert's id in its message, so the SMTP server's messages can be counted per alert.
"""

from __future__ import annotations

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
    pytest.importorskip("procrastinate")
    corpus = articles()
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
