"""Run the pipeline on a schedule until SIGTERM or SIGINT, as a systemd service.

Each feed is a job at its own interval (with jitter, so a thousand feeds do not fire in the same
second); a delivery job retries the outbox. SIGHUP reloads the configuration: a valid one
replaces the running one without a restart (feed state lives in the store), an invalid one is
logged, problem by problem, and the old one keeps running. On a stop signal the scheduler
finishes the polls in hand, the outbox gets one last delivery, and the process exits 0, within
``stop_timeout``. systemd hears READY, STATUS, WATCHDOG, RELOADING and STOPPING (service.py).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import queue
import signal
import threading
import time
import weakref
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from apscheduler.events import EVENT_JOB_EXECUTED, JobExecutionEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.interval import IntervalTrigger

from . import logs
from .config import Config, ConfigError, FeedConfig, load_config
from .health import HealthServer, MeteredMonitor, Metrics
from .notify import mask
from .pipeline import Monitor, failure_reason
from .service import Heartbeat, Notifier, heartbeat_seconds
from .store import Store, utcnow

if TYPE_CHECKING:
    from .web.server import WebServer
    from .workers import Queue

log = logging.getLogger("claimwatch.daemon")

DELIVERY_INTERVAL_SECONDS = 30
WORKERS = 4


def _tick(monitor: Monitor, feed: FeedConfig) -> float | None:
    """Poll one feed; returns the seconds until the policy wants it polled again."""
    try:
        report = monitor.poll(feed)
        if report.alerts:
            monitor.deliver()
        return report.next_poll or None
    except Exception:  # a bug in one poll must not stop the schedule; log it whole
        log.exception("feed %s: poll failed", feed.label)
        return None


def _rescheduler(scheduler: BaseScheduler) -> Callable[[JobExecutionEvent], None]:
    """Move a feed's next run to when its poll said (ttl, max-age, Retry-After, backoff).

    A listener rather than a call inside ``_tick``: the scheduler sets the job's next run from
    the interval trigger when it starts the job, so this change always lands after that one;
    the trigger's interval stays as the fallback when a poll gives no answer. The change is
    made from a thread of its own: ``shutdown(wait=True)`` holds the job-store lock while it
    waits for running jobs, and a listener waiting for that lock would wait for ever."""

    def listener(event: JobExecutionEvent) -> None:
        if not event.job_id.startswith("feed:") or not isinstance(event.retval, (int, float)):
            return
        when = utcnow() + timedelta(seconds=event.retval)

        def move() -> None:
            # JobLookupError: a reload removed the feed; SchedulerNotRunningError: stopping
            with contextlib.suppress(JobLookupError, SchedulerNotRunningError):
                scheduler.modify_job(event.job_id, next_run_time=when)

        threading.Thread(target=move, name="claimwatch-reschedule", daemon=True).start()

    return listener


def _defer_poll(monitor: Monitor, queue: Queue, feed: FeedConfig) -> float | None:
    """The distributed mode's tick: queue a poll of ``feed`` for the workers, unless the policy
    the last poll recorded (backoff, Retry-After, ttl, max-age) wants it later; returns the
    seconds until then, so the feed's job moves there (``_rescheduler``)."""
    try:
        due = monitor.next_due(feed)
        wait = (due - utcnow()).total_seconds()
        if wait > 1:
            return wait
        if not queue.defer_poll(monitor.store.engine, feed.key):
            log.info("feed %s: its last poll still waits for a worker", feed.label)
    except Exception as exc:  # the store is away: the next tick tries again
        log.error("feed %s: cannot queue its poll: %s", feed.label, failure_reason(exc))
    return None


def _defer_rounds(monitor: Monitor, queue: Queue) -> None:
    """The distributed mode's delivery round: one small write (for /healthz), then a delivery
    job per channel, so that retries and digests that fall due with time go out."""
    try:
        monitor.store.probe_write()
        queue.defer_rounds(monitor.store.engine, [c.name for c in monitor.channels])
    except Exception as exc:
        log.error("delivery round failed: %s", failure_reason(exc))


def _deliver(monitor: Monitor) -> None:
    """The delivery round; first one small write, so /healthz knows whether the store takes
    writes even while no feed is due."""
    try:
        monitor.store.probe_write()
        monitor.deliver()
    except Exception as exc:  # one line each round: the store's own words, not a traceback
        log.error("delivery round failed: %s", failure_reason(exc))
        log.debug("delivery round failed", exc_info=True)


def schedule(monitor: Monitor, queue: Queue | None = None) -> BackgroundScheduler:
    """A scheduler with one job per feed, first run now, and the delivery job; with ``queue``
    (the distributed mode) the jobs queue polls and deliveries for the workers instead."""
    workers = max(WORKERS, monitor.config.polling.max_concurrent)
    scheduler = BackgroundScheduler(
        executors={"default": ThreadPoolExecutor(workers)},
        # a poll missed (a suspend, a long pause, a busy pool) runs once, at once, however late:
        # misfire_grace_time=None is APScheduler's "no matter how late", coalesce makes it once
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        timezone="UTC",
    )
    scheduler.add_listener(_rescheduler(scheduler), EVENT_JOB_EXECUTED)
    for feed in monitor.config.feeds:
        scheduler.add_job(
            _tick if queue is None else _defer_poll,
            IntervalTrigger(seconds=feed.interval, jitter=max(1, min(60, feed.interval // 10))),
            args=[monitor, feed] if queue is None else [monitor, queue, feed],
            id=f"feed:{feed.key}",
            name=feed.label,
            next_run_time=monitor.next_due(feed),  # now, or later if a Retry-After says so
        )
    scheduler.add_job(  # first at start: what a crash left in the outbox goes out at once
        _deliver if queue is None else _defer_rounds,
        IntervalTrigger(seconds=DELIVERY_INTERVAL_SECONDS),
        args=[monitor] if queue is None else [monitor, queue],
        id="deliver",
        next_run_time=utcnow(),
    )
    return scheduler


HEARTBEAT_JOB = "heartbeat"  # the daemon's own job; a reload leaves it alone
WATCH_SECONDS = 1.0  # how often the main thread looks at signals and watched files


def run(config: Config) -> int:
    """Poll on schedule until SIGTERM or SIGINT, reloading on SIGHUP; returns the exit status."""
    signals: queue.SimpleQueue[int] = queue.SimpleQueue()  # put() is safe in a signal handler
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):  # before the slow start-up
        signal.signal(sig, lambda signum, _frame: signals.put(signum))
    return Daemon(config, signals).run()


class Daemon:
    """One ``claimwatch run``: the scheduler, the health endpoint, and systemd's view of both.

    The main thread only waits for signals (and, if asked, for the configuration files to
    change); the scheduler's threads do the work, and its heartbeat job pings systemd's
    watchdog, so a scheduler that stops ticking gets the process restarted."""

    def __init__(self, config: Config, signals: queue.SimpleQueue[int]) -> None:
        logs.apply_config(config.log_format)
        self.config = config
        self.signals = signals
        self.notifier = Notifier()
        self.heartbeat = Heartbeat(heartbeat_seconds())
        self.metrics = Metrics(self._queue_length)
        if config.workers.mode == "procrastinate":
            os.environ["PGAPPNAME"] = "claimwatch scheduler"  # its connections say whose
        self.monitor: Monitor = MeteredMonitor(config, self.metrics)
        self.queue: Queue | None = None
        if config.workers.mode == "procrastinate":
            from .workers import Queue

            self.queue = Queue(config)
            self.queue.attach(self.monitor)
        self.scheduler = schedule(self.monitor, self.queue)
        self.health: HealthServer | None = None
        self.web: WebServer | None = None
        self.gate = _Gate()
        for job in self.scheduler.get_jobs():
            self.scheduler.modify_job(job.id, func=self.gate.wrap(job.func))
        self._status = ""
        self._files = _signature(config)

    def run(self) -> int:
        self.scheduler.add_executor(ThreadPoolExecutor(1), HEARTBEAT_JOB)  # never behind polls
        self.scheduler.add_job(
            self._beat,
            IntervalTrigger(seconds=self.heartbeat.period),
            id=HEARTBEAT_JOB,
            executor=HEARTBEAT_JOB,
            next_run_time=utcnow(),
        )
        self._serve_health(self.config)
        self._serve_web(self.config)
        log.info(
            "started: %d feeds, %d channels, database %s",
            len(self.config.feeds),
            len(self.monitor.channels),
            self.monitor.store.engine.url.render_as_string(hide_password=True),
        )
        if self.monitor.store.mark_running(os.getpid()):
            log.warning("the last run did not stop cleanly (crash or kill): telling the operators")
            self.monitor.operator_alert(
                "crash", "claimwatch started after an unclean stop (a crash, a kill or a power cut)"
            )
        self._status = self._status_line()
        self.notifier.ready(self._status)  # the configuration is loaded and the store open
        self.scheduler.start()
        changed: tuple[tuple[int, int], ...] | None = None
        while True:
            try:
                signum = self.signals.get(timeout=WATCH_SECONDS)
            except queue.Empty:
                if self.config.reload_on_change:
                    files = _signature(self.config)
                    if files != self._files and files == changed:  # settled for a second
                        self._files = files
                        self.reload("the configuration files changed")
                    changed = files
                continue
            if signum == signal.SIGHUP:
                self.reload("SIGHUP")
                continue
            return self.stop(signal.Signals(signum).name)

    # --- the scheduler's heartbeat --------------------------------------------------------------
    def _beat(self) -> None:
        self.heartbeat.beat()
        self.notifier.watchdog()
        line = self._status_line()
        if line != self._status:
            self._status = line
            self.notifier.status(line)

    def _queue_length(self) -> dict[str, int]:
        monitor = self.monitor
        return {name: 0 for name in monitor.channel_tags} | monitor.store.queue_length()

    def _status_line(self) -> str:
        feeds = len(self.config.feeds)
        doing = "scheduling" if self.queue is not None else "polling"
        try:
            queued = sum(self._queue_length().values())
        except Exception as exc:
            return f"{doing} {feeds} feeds; the store is not answering: {type(exc).__name__}"
        return f"{doing} {feeds} feeds, {queued} alerts queued"

    # --- SIGHUP ----------------------------------------------------------------------------------
    def reload(self, why: str) -> bool:
        """Swap in the configuration on disk if it is valid; else keep running the old one."""
        log.info("reloading %s (%s)", self.config.path, why)
        self.notifier.reloading()
        try:
            config = load_config(self.config.path)
            drops = _drops(self.config, config)
            if drops:
                for problem in drops:
                    log.error("reload refused: %s", problem)
                return self._refused("; ".join(drops))
            monitor = self._successor(config)
        except ConfigError as err:
            for problem in err.problems:
                log.error("reload refused: %s", problem)
            return self._refused(f"{len(err.problems)} problems in the configuration")
        except Exception as exc:  # a channel Apprise rejects, a database that will not open
            log.error("reload refused: %s", mask(str(exc), ()))
            return self._refused(type(exc).__name__)
        # Swap between polls: jobs due now wait at the gate (the heartbeat goes on) until those
        # in hand are done, so the old and the new monitor never work at the same time.
        old = self.monitor
        self.gate.hold()
        try:
            if not self.gate.wait_idle(self.config.stop_timeout):
                monitor.close()
                return self._refused(
                    f"work in hand still running after {self.config.stop_timeout}s"
                )
            added, removed = self._adopt(monitor)
            self.monitor, self.config = monitor, config
        finally:
            if self.monitor is monitor:
                self.gate.release(old, monitor)
            else:
                self.gate.release()
        self._files = _signature(config)
        old.close()
        for feed in removed:
            self.metrics.forget_feed(feed)
        logs.apply_config(config.log_format)
        if config.health != old.config.health:
            self._serve_health(config)
        if config != old.config:  # names, topics, feeds or channels the pages show
            self._serve_web(config)
        log.info(
            "reloaded: %d feeds (%d added, %d removed), %d channels",
            len(config.feeds),
            len(added),
            len(removed),
            len(monitor.channels),
        )
        self._status = self._status_line()
        self.notifier.ready(self._status)
        return True

    def _refused(self, why: str) -> bool:
        log.error("reload refused (%s): still running the previous configuration", why)
        self._status = f"{self._status_line()}; reload refused: {why}"
        self.notifier.ready(self._status)
        return False

    def _successor(self, config: Config) -> Monitor:
        """A monitor for ``config``; the spaCy pipeline is reused when the watchlist is the same
        (the two monitors never run at once: see ``reload``)."""
        old = self.monitor
        same_watchlist = config.watchlist == old.config.watchlist
        monitor = MeteredMonitor(
            config, self.metrics, old.loaded_extractor if same_watchlist else None
        )
        if self.queue is not None:
            self.queue.config = config
            self.queue.attach(monitor)
        return monitor

    def _adopt(self, monitor: Monitor) -> tuple[list[str], list[str]]:
        """Point the running scheduler at ``monitor``'s jobs, as ``schedule`` defines them.

        Jobs that stay keep their next run time; new feeds are polled now; removed ones stop.
        Returns the names of the feeds added and removed."""
        wanted = {job.id: job for job in schedule(monitor, self.queue).get_jobs()}
        running = {job.id: job for job in self.scheduler.get_jobs() if job.id != HEARTBEAT_JOB}
        added, removed = [], []
        for job_id, job in running.items():
            if job_id not in wanted:
                self.scheduler.remove_job(job_id)
                removed.append(job.name)
        for job_id, job in wanted.items():
            if job_id in running:
                self.scheduler.modify_job(job_id, args=job.args, kwargs=job.kwargs, name=job.name)
                if _trigger_key(job.trigger) != _trigger_key(running[job_id].trigger):
                    self.scheduler.reschedule_job(job_id, trigger=job.trigger)
                continue
            options = {
                key: getattr(job, key)
                for key in ("executor", "misfire_grace_time", "coalesce", "max_instances")
                if hasattr(job, key)
            }
            self.scheduler.add_job(
                self.gate.wrap(job.func),
                job.trigger,
                args=job.args,
                kwargs=job.kwargs,
                id=job_id,
                name=job.name,
                next_run_time=getattr(job, "next_run_time", None) or utcnow(),
                **options,
            )
            added.append(job.name)
        return added, removed

    def _serve_health(self, config: Config) -> None:
        if self.health is not None:
            self.health.stop()
            self.health = None
        if config.health is None:
            return
        server = HealthServer(config.health.listen, self.metrics, self.heartbeat, self._store)
        try:
            host, port = server.start()
        except OSError as exc:
            log.error(
                "health endpoint: cannot listen on %s: %s", config.health.listen, exc.strerror
            )
            return
        self.health = server
        log.info("health endpoint on http://%s:%d/healthz and /metrics", host, port)

    def _serve_web(self, config: Config) -> None:
        """The dashboard (``web:``), on its own read-only engine; a problem is logged, and
        polling goes on without it."""
        if self.web is not None:
            self.web.stop()
            self.web = None
        if config.web is None:
            return
        from .web.server import WebError, WebServer  # FastAPI is loaded only when asked for

        server = WebServer(config)
        try:
            url = server.start()
        except WebError as exc:
            log.error("web: %s", exc)
            return
        self.web = server
        log.info("web: dashboard on %s (read-only)", url)

    def _store(self) -> Store:
        return self.monitor.store

    # --- SIGTERM ---------------------------------------------------------------------------------
    def stop(self, signame: str) -> int:
        """Finish the polls and the delivery in hand, within ``stop_timeout``; exit 0.

        The scheduler is paused and its jobs awaited here, not in ``shutdown(wait=True)``: that
        waits while holding the job-store lock, which a finishing job's listener (the polling
        policy's reschedule) needs, and the two would wait for each other for ever."""
        log.info("received %s: finishing the work in hand", signame)
        self.notifier.stopping()
        if self.health is not None:
            self.health.stopping = True
        deadline = time.monotonic() + self.config.stop_timeout
        self.gate.close()  # no new poll starts; those in hand go on
        self.scheduler.pause()
        finished = self._wait(self.gate.wait_idle, deadline)
        self.scheduler.shutdown(wait=False)
        if finished and self.queue is None:  # the workers deliver in the distributed mode
            delivered = threading.Event()

            def last_delivery() -> None:
                try:
                    self.monitor.deliver()
                except Exception:
                    log.exception("last delivery failed")
                delivered.set()

            threading.Thread(target=last_delivery, name="claimwatch-stop", daemon=True).start()
            finished = self._wait(delivered.wait, deadline)
        self.monitor.store.mark_stopped()  # a controlled stop, even when work was cut short
        if not finished:
            # whatever was cut short is redone at the next start: each article is one
            # transaction, and an outbox row is marked sent only once the channel took it
            log.warning(
                "stopped with work still in hand after %ds; it is redone at the next start",
                round(self.config.stop_timeout - max(0.0, deadline - time.monotonic())),
            )
            logging.shutdown()
            os._exit(0)  # the pool's threads are not daemons: a normal exit would wait on them
        if self.health is not None:
            self.health.stop()
        if self.web is not None:
            self.web.stop()
        self.monitor.close()
        self.notifier.close()
        log.info("stopped")
        # the heartbeat may still be running: the exit waits for it, but not past the deadline
        guard = threading.Timer(max(1.0, deadline - time.monotonic()), os._exit, args=(0,))
        guard.daemon = True
        guard.start()
        return 0

    def _wait(self, until: Callable[[float], bool], deadline: float) -> bool:
        """Wait for ``until`` to be true, up to ``deadline`` or a second stop signal."""
        while not until(min(0.2, max(0.0, deadline - time.monotonic()))):
            if time.monotonic() >= deadline:
                return False
            try:
                again = self.signals.get_nowait()
            except queue.Empty:
                continue
            if again != signal.SIGHUP:
                log.warning("received %s again: not waiting any longer", signal.Signals(again).name)
                return False
        return True


class _Gate:
    """Every scheduled job (but the heartbeat) passes here: a reload holds new starts while the
    work in hand finishes, and a stop closes it, so that waiting for "the work in hand" means
    exactly the jobs running now. A job released after a reload runs on the new monitor even
    if it was queued with the old one; a job that reaches a closed gate is skipped (it runs at
    the next start)."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._running = 0
        self._state = "open"  # open | held | closed
        # a retired monitor -> the one that replaced it, for as long as a queued job holds it
        self._successors: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()

    def wrap(self, func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def gated(*args: Any, **kwargs: Any) -> Any:
            with self._changed:
                self._changed.wait_for(lambda: self._state != "held")
                if self._state == "closed":
                    return None
                args = tuple(self._current(a) for a in args)
                self._running += 1
            try:
                return func(*args, **kwargs)
            finally:
                with self._changed:
                    self._running -= 1
                    self._changed.notify_all()

        return gated

    def _current(self, arg: Any) -> Any:
        try:
            return self._successors.get(arg, arg)
        except TypeError:  # not weakly referable (a FeedConfig, an int): never a monitor
            return arg

    def hold(self) -> None:
        with self._changed:
            self._state = "held"

    def release(self, old: Monitor | None = None, new: Monitor | None = None) -> None:
        with self._changed:
            if old is not None and new is not None:
                for retired, successor in list(self._successors.items()):
                    if successor is old:
                        self._successors[retired] = new
                self._successors[old] = new
            self._state = "open"
            self._changed.notify_all()

    def close(self) -> None:
        with self._changed:
            self._state = "closed"
            self._changed.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: self._running == 0, timeout)


def _drops(old: Config, new: Config) -> list[str]:
    """What a reload must not do, read as a file emptied or half written rather than meant:
    drop every feed, every channel or every actor, or move to another database (which
    needs a restart, so that nothing queued in the old one is forgotten)."""
    problems = []
    if new.database != old.database:
        problems.append(f"{new.path}: the database changed: restart claimwatch to change it")
    if new.workers.mode != old.workers.mode:
        problems.append(f"{new.path}: workers.mode changed: restart claimwatch to change it")
    for what, before, after in (
        ("feed", old.feeds, new.feeds),
        ("channel", old.channels, new.channels),
        ("actor", old.watchlist.actors, new.watchlist.actors),
    ):
        if before and not after:
            where = new.watchlist_path if what == "actor" else new.path
            problems.append(
                f"{where}: every {what} would be dropped ({len(before)} now): an emptied or "
                "half-written file? (to stop claimwatch, stop the service)"
            )
    return problems


def _signature(config: Config) -> tuple[tuple[int, int], ...]:
    """What changes when the main file or the watchlist is written (mtime and size)."""
    out = []
    for path in (config.path, config.watchlist_path):
        try:
            st = path.stat()
            out.append((st.st_mtime_ns, st.st_size))
        except OSError:
            out.append((0, -1))
    return tuple(out)


def _trigger_key(trigger: object) -> tuple[str, str, object]:
    return type(trigger).__name__, str(trigger), getattr(trigger, "jitter", None)
