"""Benchmark a polling cycle of 1,000 feeds in the distributed mode with 1, 2 and 4 workers,
against the single-process default (SQLite, threads) in the same run.

    .venv/bin/python bench/workers.py [--feeds 1000] [--sites 50] [--slow 1.0] [--new 4]
                                      [--workers 1,2,4] [--concurrency 8]

The feeds are bench/poll.py's, served by its server process on ``--sites`` ports of
127.0.0.1: most unchanged (304), 5% with ``--new`` new items each (extracted by the real
spaCy pipeline), 2% answering after ``--slow`` seconds, 3% with 500, 2% with 429. Each store
starts from the same state, "every item of the feeds read before" (one cold pass of fetch,
parse and store without extraction, made once per database kind and copied for each run: a
PostgreSQL template database, a SQLite file), so every run polls the same 1,000 feeds and
extracts the same new articles.

- ``threads, SQLite`` is ``claimwatch run``'s default: ``Monitor.poll_many`` in one process.
- ``threads, PostgreSQL`` is the same process on PostgreSQL (what the store alone costs).
- ``N workers`` is the distributed mode: N ``claimwatch worker --concurrency C`` processes;
  the cycle is one ``poll_feed`` job per feed, deferred at once (what the scheduler does when
  every feed is due), and ends when the ``polls`` queue has nothing waiting or running.

Each run polls twice: a mixed cycle (the new articles) and a quiet one (nothing new: 304s,
errors, the slow feeds). Reported per cycle: its wall time, new articles extracted per
second, the CPU seconds of the polling processes (PostgreSQL's own not included), and its
ratio to the single-process default's same cycle. The machine is shared: compare the ratios,
measured in one run.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import poll  # noqa: E402  (bench/poll.py: the feeds and their server)

PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
EXE = str(Path(sys.executable).parent / "claimwatch")
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Run:
    """One measured cycle: what ran it, how long it took, what it read, what CPU it used."""

    label: str
    wall: float
    articles: int
    cpu: float

    @property
    def rate(self) -> float:
        return self.articles / self.wall if self.wall else 0.0


def pg(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as con:
        con.execute(sql)  # type: ignore[arg-type]


def write_config(
    folder: Path, database: str, urls: list[str], workers: bool, concurrency: int
) -> Path:
    import yaml

    data: dict[str, object] = {
        "database": database,
        "watchlist": str(poll.WATCHLIST),
        "feeds": [{"name": f"f{i}", "url": u} for i, u in enumerate(urls)],
        "channels": [{"name": "terminal", "url": "stdout://"}],
    }
    if workers:
        data["workers"] = {"mode": "procrastinate", "concurrency": concurrency}
    path = folder / f"claimwatch-{uuid.uuid4().hex[:6]}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def prime(config_path: Path) -> int:
    """Every item of every feed recorded as read (no extraction), validators kept: the state
    after an earlier cycle. Returns the articles recorded."""
    from monitor import poller
    from monitor.config import FeedConfig, load_config
    from monitor.pipeline import Monitor

    mon = Monitor(load_config(config_path))

    def one(cfg: FeedConfig) -> int:
        return poll.read_once(mon, cfg)

    done = poller.run_all(
        mon.config.feeds, one, url=lambda f: f.url, limiter=mon.limiter, workers=16
    )
    mon.close()
    return sum(done)


def articles(database: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(database)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("select count(*) from article")).scalar_one())
    finally:
        engine.dispose()


def threads_run(label: str, config_path: Path) -> list[Run]:
    """The single-process cycles, mixed then quiet: ``Monitor.poll_many`` over every feed."""
    from monitor.config import load_config
    from monitor.pipeline import Monitor

    config = load_config(config_path)
    mon = Monitor(config)
    mon.extractor.extract("Zelensky said on Monday that talks went on.", None)  # spaCy loaded
    runs = []
    for cycle in ("mixed", "quiet"):
        before = articles(config.database)
        cpu0, wall0 = time.process_time(), time.perf_counter()
        mon.poll_many(config.feeds)
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        runs.append(Run(f"{label}, {cycle}", wall, articles(config.database) - before, cpu))
    mon.close()
    return runs


def cpu_of(pids: list[int]) -> float:
    """CPU seconds (user + system) the processes have used so far."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / TICKS


def workers_run(n: int, concurrency: int, config_path: Path, logs: Path) -> list[Run]:
    """The distributed cycles, mixed then quiet: ``n`` worker processes, one poll job per
    feed deferred at once."""
    from sqlalchemy import create_engine, text

    from monitor.config import load_config
    from monitor.workers import POLL_QUEUE, Queue

    config = load_config(config_path)
    subprocess.run([EXE, "migrate", "--config", str(config_path)], check=True, capture_output=True)
    engine = create_engine(config.database)
    procs = []
    for i in range(n):
        with (logs / f"worker{n}-{i}.log").open("wb") as log:
            procs.append(
                subprocess.Popen(
                    [EXE, "worker", "--config", str(config_path)],
                    stdout=subprocess.DEVNULL,
                    stderr=log,
                    start_new_session=True,
                )
            )

    def count(sql: str) -> int:
        with engine.connect() as conn:
            return int(conn.execute(text(sql)).scalar_one())

    try:
        deadline = time.monotonic() + 120
        while count("select count(*) from procrastinate_workers") < n:
            assert time.monotonic() < deadline, "the workers did not start"
            assert all(p.poll() is None for p in procs), "a worker exited"
            time.sleep(0.2)
        time.sleep(1.0)  # every worker listening
        queue = Queue(config)
        runs = []
        for cycle in ("mixed", "quiet"):
            before = articles(config.database)
            cpu0, wall0 = cpu_of([p.pid for p in procs]), time.perf_counter()
            for feed in config.feeds:
                queue.defer_poll(engine, feed.key)
            busy = (
                "select count(*) from procrastinate_jobs "
                f"where queue_name = '{POLL_QUEUE}' and status in ('todo', 'doing')"
            )
            while count(busy):
                time.sleep(0.05)
            wall = time.perf_counter() - wall0
            cpu = cpu_of([p.pid for p in procs]) - cpu0
            label = f"{n} worker{'s' * (n > 1)} x {concurrency}, {cycle}"
            runs.append(Run(label, wall, articles(config.database) - before, cpu))
            time.sleep(1.0)  # the deliveries the cycle queued, done
        failed = count(
            f"select count(*) from procrastinate_jobs where queue_name = '{POLL_QUEUE}' "
            "and status = 'failed'"
        )
        if failed:
            print(f"  ({failed} poll jobs failed: see {logs})")
        return runs
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(60)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        engine.dispose()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--feeds", type=int, default=1000)
    ap.add_argument("--sites", type=int, default=50)
    ap.add_argument("--slow", type=float, default=1.0, help="seconds the slow feeds take")
    ap.add_argument("--new", type=int, default=4, help="new items in each 'new' feed")
    ap.add_argument("--workers", default="1,2,4", help="worker counts to measure")
    ap.add_argument("--concurrency", type=int, default=8, help="jobs at once per worker")
    args = ap.parse_args()
    logging.basicConfig(level=logging.ERROR)
    server = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "bench" / "poll.py"),
            "--serve",
            f"--feeds={args.feeds}",
            f"--sites={args.sites}",
            f"--slow={args.slow}",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None and server.stdin is not None
    ports = json.loads(server.stdout.readline())
    feeds = poll.plan(args.feeds, args.sites)
    urls = [f"http://127.0.0.1:{ports[f.site]}{f.path}" for f in feeds]

    def at_cycle(n: int) -> None:
        urllib.request.urlopen(f"http://127.0.0.1:{ports[0]}/_cycle/{n}").read()

    template = f"claimwatch_bench_{uuid.uuid4().hex[:8]}"
    made: list[str] = []
    runs: list[Run] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        try:
            new = sum(f.kind == "new" for f in feeds)
            print(
                f"{len(feeds)} feeds on {args.sites} sites (127.0.0.1); {new} feeds with "
                f"{args.new} new items each, {sum(f.kind == 'slow' for f in feeds)} slow "
                f"({args.slow:.1f} s), {sum(f.kind.startswith('error') for f in feeds)} failing; "
                f"{os.cpu_count()} CPUs"
            )
            # the primed stores: a SQLite file and a PostgreSQL template, read at cycle 0
            at_cycle(0)
            lite = folder / "primed.sqlite"
            t0 = time.perf_counter()
            n = prime(write_config(folder, f"sqlite:///{lite}", urls, False, 1))
            pg(f'create database "{template}"')
            made.append(template)
            prime(write_config(folder, PG_URL.format(name=template), urls, False, 1))
            print(f"primed: {n} articles read before, twice, in {time.perf_counter() - t0:.0f} s")
            at_cycle(args.new)

            def fresh_pg() -> str:
                name = f"claimwatch_bench_{uuid.uuid4().hex[:8]}"
                pg(f'create database "{name}" template "{template}"')
                made.append(name)
                return PG_URL.format(name=name)

            def fresh_lite() -> str:
                path = folder / f"{uuid.uuid4().hex[:6]}.sqlite"
                shutil.copy(lite, path)
                return f"sqlite:///{path}"

            measured = [
                lambda: threads_run(
                    "threads, SQLite (default)", write_config(folder, fresh_lite(), urls, False, 1)
                ),
                lambda: threads_run(
                    "threads, PostgreSQL", write_config(folder, fresh_pg(), urls, False, 1)
                ),
            ]
            for n in (int(x) for x in args.workers.split(",")):
                measured.append(
                    lambda n=n: workers_run(  # type: ignore[misc]
                        n,
                        args.concurrency,
                        write_config(folder, fresh_pg(), urls, True, args.concurrency),
                        folder,
                    )
                )
            for measure in measured:
                for run in measure():
                    runs.append(run)
                    print_run(run, runs[0] if run.label.endswith("mixed") else runs[1])
        finally:
            for name in made:
                pg(f'drop database if exists "{name}" with (force)')
            server.stdin.close()
            server.wait(10)
    print()
    print(
        "| run | mixed cycle (s) | new articles/s | CPU (s) | quiet cycle (s) | CPU (s) "
        "| mixed vs default | quiet vs default |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for mixed, quiet in zip(runs[::2], runs[1::2], strict=True):
        print(
            f"| {mixed.label.rsplit(', ', 1)[0]} | {mixed.wall:.1f} | {mixed.rate:.1f} | "
            f"{mixed.cpu:.1f} | {quiet.wall:.1f} | {quiet.cpu:.1f} | "
            f"{mixed.wall / runs[0].wall:.2f}x | {quiet.wall / runs[1].wall:.2f}x |"
        )
    return 0


def print_run(run: Run, base: Run) -> None:
    print(
        f"{run.label}: cycle {run.wall:.2f} s, {run.articles} new articles "
        f"({run.rate:.1f}/s), CPU {run.cpu:.1f} s; {run.wall / base.wall:.2f}x the default's "
        "cycle",
        flush=True,
    )


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
