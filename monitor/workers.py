"""The distributed mode (``workers: {mode: procrastinate}``): one scheduler, any number of workers.

``claimwatch run`` keeps APScheduler for each feed's interval and backoff but, instead of
polling, defers a ``poll_feed`` job; ``claimwatch worker`` processes (any number, on any
machine) run the jobs through the same pipeline as the single-machine mode (``Monitor.poll``:
fetch, parse, extract, store, diff, rules, one article per transaction; ``notify.deliver``).
The queue is Procrastinate's, in the PostgreSQL database the store uses:

- ``claimwatch.poll_feed(feed=KEY)`` on queue ``polls``, with lock and queueing lock
  ``feed:KEY``: at most one poll of a feed waits and at most one runs, so a slow feed is never
  polled twice at once.
- ``claimwatch.deliver_channel(channel=NAME)`` on queue ``deliveries``, with lock
  ``deliver:NAME`` (a channel's jobs run one at a time, in the order they were deferred). It is
  deferred in the very transaction that writes the alert and its outbox rows (the
  transactional outbox: an alert cannot be decided and stored without its wake-up), and by the
  scheduler every ``DELIVERY_ROUND_SECONDS`` per channel (queueing lock ``deliver:NAME``) for
  what falls due with time: retries after their backoff, digests, the end of quiet hours. The
  outbox table stays the record of truth (order per channel, retries, permanent failures,
  digests); a job only wakes a worker to deliver that channel's due rows.

Crashes: each worker heartbeats every ``workers.heartbeat`` seconds; every worker sweeps, as
often, for jobs left ``doing`` by a worker silent for ``workers.stalled_after`` (a SIGKILL, a
machine lost) and puts them back in the queue. Whatever such a job had done is kept (an
article is one transaction; an outbox row is marked sent the moment the channel took it), and
the rest is redone. A job runs under a PostgreSQL advisory lock on the feed or channel, held by
the worker's own connection (so released when the worker dies): a job retried while its first
run somehow goes on (a worker that lost the database for longer than ``stalled_after``) cannot
poll that feed or deliver that channel a second time at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import signal
import socket
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine, make_url

from .config import Config, FeedConfig

if TYPE_CHECKING:
    import procrastinate

    from .pipeline import Monitor

log = logging.getLogger("claimwatch.workers")
# procrastinate logs every job deferred and run at INFO: a line or two per feed per cycle.
# claimwatch's own lines say what each poll and delivery did; procrastinate's problems remain
logging.getLogger("procrastinate").setLevel(logging.WARNING)

POLL_QUEUE = "polls"
DELIVERY_QUEUE = "deliveries"
POLL_TASK = "claimwatch.poll_feed"
DELIVERY_TASK = "claimwatch.deliver_channel"
DELIVERY_ROUND_SECONDS = 30  # the scheduler wakes every channel this often (retries, digests)
LOCK_WAIT_SECONDS = 60.0  # a delivery waits this long for another run on its channel to end
RECONNECT_SECONDS = (1, 2, 5, 10, 30)  # waits between a worker's tries to reach the queue
_LOCK_CLASS = 0x636C_6D77  # advisory locks: ("clmw", a hash of the feed or channel)


def conninfo(database: str) -> str:
    """The libpq URI Procrastinate connects with, from the store's SQLAlchemy URL
    (``postgresql+psycopg://user:pw@host:5432/db`` -> ``postgresql://user:pw@host:5432/db``)."""
    url = make_url(database).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _lock_key(name: str) -> int:
    """A stable signed 32-bit key for ``name`` (the advisory lock's second half)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big", signed=True)


class Held:
    """An advisory lock taken (or not) by ``advisory_lock``: true when taken; ``still()``
    asks the database whether the connection that holds it is still there."""

    def __init__(self, conn: Connection, key: int) -> None:
        self.conn, self.key, self.taken = conn, key, False

    def __bool__(self) -> bool:
        return self.taken

    def still(self) -> bool:
        """Whether the lock is still held: False once its connection was cut (a restart,
        pg_terminate_backend), when another run may have taken the lock since."""
        if not self.taken:
            return False
        try:
            held = self.conn.execute(
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                    "AND pid = pg_backend_pid() AND classid::bigint = :c AND objid::bigint = :k"
                ),
                {"c": _LOCK_CLASS, "k": self.key & 0xFFFF_FFFF},
            ).scalar_one()
            self.conn.commit()
        except Exception:
            self.taken = False
            return False
        self.taken = bool(held)
        return self.taken


@contextlib.contextmanager
def advisory_lock(engine: Engine, name: str, wait: float = 0.0) -> Iterator[Held]:
    """Hold PostgreSQL's session advisory lock for ``name`` on a connection of its own while
    the block runs; the ``Held`` it yields is false when another session held the lock for
    longer than ``wait`` seconds. The lock goes with the connection: a killed process, or a
    connection the server cut, releases it (``Held.still`` tells)."""
    conn = engine.connect()
    held = Held(conn, _lock_key(name))
    try:
        deadline = time.monotonic() + wait
        while True:
            held.taken = bool(
                conn.execute(
                    text("SELECT pg_try_advisory_lock(:c, :k)"), {"c": _LOCK_CLASS, "k": held.key}
                ).scalar_one()
            )
            conn.commit()
            if held.taken or time.monotonic() >= deadline:
                break
            time.sleep(0.2)
        yield held
    finally:
        try:
            if held.taken:
                conn.execute(
                    text("SELECT pg_advisory_unlock(:c, :k)"), {"c": _LOCK_CLASS, "k": held.key}
                )
                conn.commit()
            conn.close()
        except Exception:  # the connection died: so did its lock; never pool it again
            conn.invalidate()
            conn.close()


def _defer_once(engine: Engine, task: Any, lock: str, **kwargs: str) -> bool:
    """Defer ``task`` with ``kwargs`` in a transaction of its own, holding ``lock`` as both its
    lock and its queueing lock; False when a job with that queueing lock already waits."""
    import procrastinate.exceptions

    try:
        with engine.begin() as conn:
            task.configure(connection=_driver(conn), lock=lock, queueing_lock=lock).defer(**kwargs)
    except procrastinate.exceptions.AlreadyEnqueued:
        return False
    return True


def _driver(conn: Connection) -> Any:
    """The psycopg connection under an SQLAlchemy one, in the same transaction."""
    return conn.connection.driver_connection


class Queue:
    """The Procrastinate side of one configuration: its tasks, deferring into the store's own
    transactions, and (in a worker) running them on ``monitor``.

    Two apps share the task definitions: ``deferrer`` (a synchronous connector that is never
    opened: every job is deferred on a connection the caller passes, inside its transaction)
    and, in a worker, ``app`` (the asynchronous connector the worker fetches jobs with)."""

    def __init__(self, config: Config) -> None:
        """Raises ``ImportError`` when procrastinate is not installed (``claimwatch[workers]``)."""
        import procrastinate

        self.config = config
        self.monitor: Monitor | None = None  # set in a worker: the tasks run on it
        self._by_key: tuple[Config, dict[str, FeedConfig]] | None = None
        self.deferrer = procrastinate.App(
            connector=procrastinate.SyncPsycopgConnector(conninfo=conninfo(config.database))
        )
        retry = procrastinate.RetryStrategy(max_attempts=3, wait=2)
        self.poll_task = self.deferrer.task(name=POLL_TASK, queue=POLL_QUEUE, retry=retry)(
            self._poll
        )
        self.delivery_task = self.deferrer.task(
            name=DELIVERY_TASK, queue=DELIVERY_QUEUE, retry=retry
        )(self._deliver)

    # --- deferring ----------------------------------------------------------------------------
    def attach(self, monitor: Monitor) -> None:
        """Make every outbox write of ``monitor``'s store defer its channels' delivery jobs in
        the same transaction (``Store.on_queued``)."""
        monitor.store.on_queued = self.wake

    def wake(self, conn: Connection, channels: Sequence[str]) -> None:
        """Defer one delivery job per channel on ``conn``, inside its open transaction: the
        jobs exist exactly when the outbox rows they announce do."""
        raw = _driver(conn)
        for channel in sorted(set(channels)):
            self.delivery_task.configure(connection=raw, lock=f"deliver:{channel}").defer(
                channel=channel
            )

    def defer_poll(self, engine: Engine, feed_key: str) -> bool:
        """Queue a poll of the feed; False when one is already waiting (its queueing lock)."""
        return _defer_once(engine, self.poll_task, f"feed:{feed_key}", feed=feed_key)

    def defer_rounds(self, engine: Engine, channels: Sequence[str]) -> int:
        """Wake every channel (retries and digests due by time); returns how many jobs were
        queued (a channel whose round already waits gets none)."""
        return sum(
            _defer_once(engine, self.delivery_task, f"deliver:{channel}", channel=channel)
            for channel in channels
        )

    # --- the tasks, run by a worker -----------------------------------------------------------
    def _running(self) -> Monitor:
        if self.monitor is None:
            raise RuntimeError("a claimwatch job ran outside `claimwatch worker`")
        return self.monitor

    def _poll(self, feed: str) -> None:
        """``poll_feed``: one poll of the feed whose key is ``feed`` (skipped when the
        configuration no longer has it, or another run polls it now)."""
        monitor = self._running()
        found = self._feeds(monitor).get(feed)
        if found is None:
            log.info("poll of a feed no longer configured skipped: %s", feed)
            return
        with advisory_lock(monitor.store.engine, f"feed:{feed}") as got:
            if not got:
                log.info("feed %s: being polled by another run: skipped", found.label)
                return
            monitor.poll(found)

    def _feeds(self, monitor: Monitor) -> dict[str, FeedConfig]:
        """The monitor's feeds by key, made once per configuration (a feed's key masks its
        URL: computing it for each of 1,000 feeds at every job cost 6.5 ms a poll)."""
        if self._by_key is None or self._by_key[0] is not monitor.config:
            self._by_key = (monitor.config, {f.key: f for f in monitor.config.feeds})
        return self._by_key[1]

    def _deliver(self, channel: str) -> None:
        """``deliver_channel``: send the channel's due outbox rows, under its advisory lock."""
        monitor = self._running()
        channels = [c for c in monitor.channels if c.name == channel]
        if not channels:
            log.info("delivery to a channel no longer configured skipped: %s", channel)
            return
        with advisory_lock(monitor.store.engine, f"deliver:{channel}", LOCK_WAIT_SECONDS) as got:
            if not got:  # another run delivers it now; the next round picks up what it missed
                log.warning("channel %s: still delivered by another run: skipped", channel)
                return
            # each send first makes sure the lock is still ours: a connection cut under it
            # lets another run take the channel, and two runs would send the same rows
            monitor.deliver_channels(channels, guard=got.still)

    # --- the worker ---------------------------------------------------------------------------
    def worker_app(self) -> procrastinate.App:
        """The app a worker runs: the same tasks on an asynchronous connector whose pool
        checks each connection before use (a connection the server dropped is replaced)."""
        import procrastinate

        connector = procrastinate.PsycopgConnector(
            conninfo=conninfo(self.config.database),
            min_size=1,
            max_size=self.config.workers.concurrency + 4,
            reconnect_timeout=30,
        )
        return self.deferrer.with_connector(connector)


# --- the schema ----------------------------------------------------------------------------------
def _version_tuple(text_: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text_.split(".")[:3] if p.isdigit())


def _installed() -> str:
    import importlib.metadata

    return importlib.metadata.version("procrastinate")


def _made_by(conn: Connection) -> str | None:
    """The procrastinate version that made the queue's tables (None: no tables; "": tables
    that do not say)."""
    has = conn.execute(text("SELECT to_regclass('procrastinate_jobs') IS NOT NULL")).scalar_one()
    if not has:
        return None
    made = conn.execute(
        text("SELECT obj_description('procrastinate_jobs'::regclass, 'pg_class')")
    ).scalar_one()
    return str(made or "").removeprefix("procrastinate ").strip()


def pending_schema(conn: Connection) -> str | None:
    """What ``claimwatch migrate`` would do to the queue's tables, in one line; None when
    nothing (they are those of the installed procrastinate)."""
    made, installed = _made_by(conn), _installed()
    if made is None:
        return f"procrastinate {installed}: its tables are missing (made at start, or by migrate)"
    if made and _version_tuple(made) >= _version_tuple(installed):
        return None
    return f"procrastinate {made or '(unknown)'} -> {installed}: its migrations wait"


def schema_state(conn: Connection, *, create: bool) -> None:
    """At start: make the queue's tables when the database has none (``create``), as a new
    database is made; raises ``SchemaError`` when an older procrastinate made them (its
    migrations wait for ``claimwatch migrate``) or, without ``create``, when they are missing."""
    from .store.migrate import SchemaError

    waiting = pending_schema(conn)
    if waiting is None:
        return
    if create and _made_by(conn) is None:
        log.info("%s", apply_schema(conn))
        return
    raise SchemaError(
        f"{waiting}: stop every claimwatch process, back the database up, and run "
        "`claimwatch migrate`"
    )


def apply_schema(conn: Connection) -> str:
    """Make or upgrade Procrastinate's tables in ``conn``'s transaction (the caller holds the
    migration lock); returns what was done, in one line.

    A database without them gets Procrastinate's whole schema; one made by an older
    procrastinate gets the migration scripts procrastinate ships for each later version, in
    order. The version that made the tables is kept as the comment on ``procrastinate_jobs``.
    Raises ``SchemaError`` for tables that do not say which version made them."""
    from pathlib import Path

    from procrastinate.schema import SchemaManager

    from .store.migrate import SchemaError

    installed, made = _installed(), _made_by(conn)
    if made is None:
        _driver(conn).execute(SchemaManager.get_schema())  # as written: no placeholders
        _stamp(conn, installed)
        return f"procrastinate {installed}: its tables made"
    if not made:
        raise SchemaError(
            "procrastinate's tables exist but do not say which version made them: apply its "
            "migrations by hand (see `procrastinate schema --migrations-path`), then "
            f"COMMENT ON TABLE procrastinate_jobs IS 'procrastinate {installed}'"
        )
    if _version_tuple(made) >= _version_tuple(installed):
        return f"procrastinate {installed}: its tables up to date"
    applied = 0
    for script in sorted(Path(SchemaManager.get_migrations_path()).glob("*.sql")):
        version = _version_tuple(script.name.split("_", 1)[0])
        if _version_tuple(made) < version <= _version_tuple(installed):
            _driver(conn).execute(script.read_text(encoding="utf-8"))
            applied += 1
    _stamp(conn, installed)
    return f"procrastinate {made} -> {installed}: {applied} of its migration scripts applied"


def _stamp(conn: Connection, version: str) -> None:
    conn.exec_driver_sql(f"COMMENT ON TABLE procrastinate_jobs IS 'procrastinate {version}'")


# --- what `claimwatch status` shows --------------------------------------------------------------
@dataclass(frozen=True)
class WorkerState:
    """One registered worker: Procrastinate's id, its last heartbeat (UTC), whether it is
    alive (heartbeat within ``stalled_after``) and the jobs it has in hand."""

    id: int
    last_heartbeat: datetime
    alive: bool
    jobs: int


@dataclass(frozen=True)
class QueueDepth:
    """Jobs of one queue by state: waiting (``todo``), running (``doing``), ``failed``."""

    queue: str
    waiting: int
    running: int
    failed: int


def worker_states(engine: Engine, stalled_after: int) -> list[WorkerState]:
    """Every registered worker, oldest first (from Procrastinate's tables)."""
    q = text(
        """SELECT w.id, w.last_heartbeat,
                  w.last_heartbeat >= now() - make_interval(secs => :stalled) AS alive,
                  (SELECT count(*) FROM procrastinate_jobs j
                    WHERE j.worker_id = w.id AND j.status = 'doing') AS jobs
             FROM procrastinate_workers w ORDER BY w.id"""
    )
    with engine.connect() as conn:
        return [
            WorkerState(int(i), hb, bool(alive), int(jobs))
            for i, hb, alive, jobs in conn.execute(q, {"stalled": stalled_after}).all()
        ]


def queue_depths(engine: Engine) -> list[QueueDepth]:
    """Jobs per queue and state (both of claimwatch's queues, even when empty)."""
    q = text(
        """SELECT queue_name,
                  count(*) FILTER (WHERE status = 'todo'),
                  count(*) FILTER (WHERE status = 'doing'),
                  count(*) FILTER (WHERE status = 'failed')
             FROM procrastinate_jobs GROUP BY queue_name"""
    )
    with engine.connect() as conn:
        rows = {name: (int(a), int(b), int(c)) for name, a, b, c in conn.execute(q).all()}
    names = [POLL_QUEUE, DELIVERY_QUEUE, *sorted(set(rows) - {POLL_QUEUE, DELIVERY_QUEUE})]
    return [QueueDepth(n, *rows.get(n, (0, 0, 0))) for n in names]


@dataclass(frozen=True)
class QueueStatus:
    """The distributed mode's part of ``claimwatch status``: the workers and the queues
    (``schema`` False when the queue's tables are not made yet)."""

    schema: bool
    workers: list[WorkerState]
    queues: list[QueueDepth]

    def as_json(self) -> dict[str, Any]:
        """``{"workers": [{"id", "alive", "jobs", "last_heartbeat" (ISO 8601, UTC)}],
        "queues": [{"queue", "waiting", "running", "failed"}]}``."""
        return {
            "workers": [
                {
                    "id": w.id,
                    "alive": w.alive,
                    "jobs": w.jobs,
                    "last_heartbeat": w.last_heartbeat.isoformat(),
                }
                for w in self.workers
            ],
            "queues": [dict(vars(q)) for q in self.queues],
        }

    def as_text(self) -> str:
        """Two aligned tables; times are UTC."""
        from .health import _table

        if not self.schema:
            return "WORKERS: the queue's tables are not made yet (`claimwatch migrate`)"
        rows = [
            [
                str(w.id),
                "yes" if w.alive else "NO (silent)",
                str(w.jobs),
                w.last_heartbeat.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
            ]
            for w in self.workers
        ]
        workers = (
            _table(["WORKER", "ALIVE", "JOBS", "LAST HEARTBEAT (UTC)"], rows, numeric={2})
            if rows
            else "WORKERS: none registered (start `claimwatch worker`)"
        )
        depths = [[q.queue, str(q.waiting), str(q.running), str(q.failed)] for q in self.queues]
        return (
            workers
            + "\n\n"
            + _table(["QUEUE", "WAITING", "RUNNING", "FAILED"], depths, numeric={1, 2, 3})
        )


def queue_status(engine: Engine, stalled_after: int) -> QueueStatus:
    """The workers and queues, read from Procrastinate's tables (nothing is written)."""
    with engine.connect() as conn:
        if _made_by(conn) is None:
            return QueueStatus(False, [], [])
    return QueueStatus(True, worker_states(engine, stalled_after), queue_depths(engine))


# --- claimwatch worker -------------------------------------------------------------------------
def run_worker(config: Config, concurrency: int | None = None) -> int:
    """Run polls and deliveries from the queue until SIGTERM or SIGINT; returns the exit
    status (0). The jobs in hand finish first, for at most ``stop_timeout`` seconds.

    When the database goes away (a restart, ``pg_terminate_backend``) the worker stops
    fetching, lets its jobs in hand end, and connects again (waits of 1 s growing to 30 s)."""
    from . import logs
    from .pipeline import Monitor

    logs.apply_config(config.log_format)
    n = concurrency or config.workers.concurrency
    # every connection of this process says whose it is (pg_stat_activity, pg_locks)
    os.environ["PGAPPNAME"] = f"claimwatch worker {socket.gethostname()}:{os.getpid()}"
    monitor = Monitor(config)
    queue = Queue(config)
    queue.attach(monitor)
    queue.monitor = monitor
    try:
        return asyncio.run(_work(queue, n))
    finally:
        monitor.close()


async def _work(queue: Queue, concurrency: int) -> int:
    from .service import Notifier

    config = queue.config
    loop = asyncio.get_running_loop()
    loop.set_default_executor(ThreadPoolExecutor(concurrency + 2, "claimwatch-job"))
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    notifier = Notifier()
    name = f"{socket.gethostname()}:{os.getpid()}"
    tries = 0
    while not stop.is_set():
        app = queue.worker_app()
        try:
            async with app.open_async():
                log.info(
                    "worker %s: running up to %d jobs at once from queues %s, %s",
                    name,
                    concurrency,
                    POLL_QUEUE,
                    DELIVERY_QUEUE,
                )
                notifier.ready(f"worker: up to {concurrency} jobs at once")
                tries = 0
                running = asyncio.create_task(
                    app.run_worker_async(
                        queues=[POLL_QUEUE, DELIVERY_QUEUE],
                        name=name,
                        concurrency=concurrency,
                        install_signal_handlers=False,
                        update_heartbeat_interval=config.workers.heartbeat,
                        stalled_worker_timeout=config.workers.stalled_after,
                        shutdown_graceful_timeout=config.stop_timeout,
                        delete_jobs="successful",
                        fetch_job_polling_interval=config.workers.heartbeat,
                    )
                )
                sweeper = asyncio.create_task(_sweep(app, config, notifier))
                stopping = asyncio.create_task(stop.wait())
                await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
                sweeper.cancel()
                stopping.cancel()
                if stop.is_set() and not running.done():
                    log.info("worker %s: stopping: finishing the jobs in hand", name)
                    notifier.stopping()
                    running.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await running  # raises what stopped the worker, if anything did
                if not stop.is_set():
                    raise ConnectionError("the worker stopped by itself (lost the database?)")
        except Exception as exc:  # the queue's errors, psycopg's, a pool timing out: retried
            if stop.is_set():
                break
            log.debug("worker %s: stopped by", name, exc_info=True)
            wait = RECONNECT_SECONDS[min(tries, len(RECONNECT_SECONDS) - 1)]
            tries += 1
            notifier.watchdog()  # waiting for the database is no hang (waits < WatchdogSec)
            log.warning(
                "worker %s: lost the queue (%s); connecting again in %d s",
                name,
                _one_line(exc),
                wait,
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), wait)
    log.info("worker %s: stopped", name)
    notifier.close()
    return 0


async def _sweep(app: procrastinate.App, config: Config, notifier: Any) -> None:
    """Every ``heartbeat`` seconds: put back in the queue the jobs of workers silent for
    ``stalled_after`` seconds (killed, or cut from the database), and ping systemd's watchdog.

    A stalled poll whose feed already has a poll waiting is closed as failed instead (the
    waiting one does its work); every worker sweeps, and a job another one put back first is
    left alone."""
    import procrastinate.exceptions
    from procrastinate.jobs import Status

    manager = app.job_manager
    while True:
        notifier.watchdog()
        try:
            stalled = await manager.get_stalled_jobs(
                seconds_since_heartbeat=config.workers.stalled_after
            )
            for job in stalled:
                assert job.id is not None
                try:
                    await manager.retry_job(job)
                    log.warning(
                        "job %d (%s %s) of a silent worker: put back in the queue",
                        job.id,
                        job.task_name,
                        job.task_kwargs,
                    )
                except procrastinate.exceptions.UniqueViolation:
                    await manager.finish_job_by_id_async(job.id, Status.FAILED, delete_job=False)
                    log.warning(
                        "job %d (%s %s) of a silent worker: closed, the same job waits already",
                        job.id,
                        job.task_name,
                        job.task_kwargs,
                    )
                except procrastinate.exceptions.ConnectorException:
                    continue  # another worker put it back first
        except Exception as exc:  # the database is away: the worker's own loop notices
            log.debug("stalled-job sweep failed: %s", _one_line(exc))
        await asyncio.sleep(config.workers.heartbeat)


def _one_line(exc: BaseException) -> str:
    cause = exc.__cause__ or exc
    return " ".join(f"{type(cause).__name__}: {cause}".split())[:200]
