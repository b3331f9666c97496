"""Run the pipeline on a schedule until SIGTERM or SIGINT.

Each feed is a job at its own interval (with jitter, so a thousand feeds do not fire in the same
second); a delivery job retries the outbox. On a stop signal the scheduler finishes the polls
in hand, the outbox gets one last delivery, and the process exits 0.
"""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from .config import FeedConfig
from .pipeline import Monitor
from .store import utcnow

log = logging.getLogger("claimwatch.daemon")

DELIVERY_INTERVAL_SECONDS = 30
WORKERS = 4


def _tick(monitor: Monitor, feed: FeedConfig) -> None:
    try:
        report = monitor.poll(feed)
        if report.alerts:
            monitor.deliver()
    except Exception:  # a bug in one poll must not stop the schedule; log it whole
        log.exception("feed %s: poll failed", feed.label)


def _deliver(monitor: Monitor) -> None:
    try:
        monitor.deliver()
    except Exception:
        log.exception("delivery failed")


def schedule(monitor: Monitor) -> BackgroundScheduler:
    """A scheduler with one job per feed, first run now, and the delivery job."""
    scheduler = BackgroundScheduler(
        executors={"default": ThreadPoolExecutor(WORKERS)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        timezone="UTC",
    )
    now = utcnow()
    for feed in monitor.config.feeds:
        scheduler.add_job(
            _tick,
            IntervalTrigger(seconds=feed.interval, jitter=max(1, min(60, feed.interval // 10))),
            args=[monitor, feed],
            id=f"feed:{feed.url}",
            name=feed.label,
            next_run_time=now,
        )
    scheduler.add_job(
        _deliver, IntervalTrigger(seconds=DELIVERY_INTERVAL_SECONDS), args=[monitor], id="deliver"
    )
    return scheduler


def run(monitor: Monitor) -> int:
    """Poll on schedule until a stop signal; returns the exit status."""
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("received %s: finishing the work in hand", signal.Signals(signum).name)
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, on_signal)
    scheduler = schedule(monitor)
    scheduler.start()
    log.info(
        "started: %d feeds, %d channels, database %s",
        len(monitor.config.feeds),
        len(monitor.channels),
        monitor.store.engine.url.render_as_string(hide_password=True),
    )
    while not stop.wait(1.0):
        pass
    scheduler.shutdown(wait=True)
    monitor.deliver()
    log.info("stopped")
    return 0
