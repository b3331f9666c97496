"""The polling policy: when to poll a feed next, when it counts as failing, how many at once.

Plain functions and classes with no I/O, so the pipeline (``run --once``) and the daemon share
one policy and tests can check it without a clock or a network:

- ``next_delay``: the feed's interval, raised (never lowered) by RSS ``<ttl>`` and
  ``Cache-Control: max-age``; after failures, exponential backoff up to a cap; never sooner
  than a ``Retry-After``; plus a little positive jitter so feeds drift apart.
- ``health``: the failing / recovered transitions the operator is told about once each.
- ``Limiter``: at most K requests at once per origin and M overall (``fetch`` takes a slot for
  every request, feed or article page, so the limits hold whoever asks).
- ``run_all``: poll many feeds on a few threads, the next pick preferring an origin with a free
  slot, so one slow site does not hold every worker.
"""

from __future__ import annotations

import random
import threading
import urllib.parse
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

DAY = 86400.0

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Policy:
    """The knobs of ``next_delay`` and ``health`` (``config.PollingConfig`` fills them)."""

    failure_threshold: int = 5  # consecutive failures after which a feed is failing
    backoff_cap: float = 6 * 3600.0  # the longest wait between two tries of a failing feed
    max_interval: float = DAY  # ttl, max-age or Retry-After never push the next poll further
    jitter: float = 0.1  # up to this fraction of the delay is added at random


def next_delay(
    interval: float,
    *,
    failures: int,
    policy: Policy,
    retry_after: float | None = None,
    max_age: float | None = None,
    ttl_minutes: int | None = None,
    rand: Callable[[], float] = random.random,
) -> float:
    """Seconds until the next poll of a feed polled every ``interval`` seconds.

    ``failures`` is the count of consecutive failures including this poll (0 after a success).
    Hints from the server only ever make polling less frequent: a feed cannot ask to be polled
    more often than its configured interval.
    """
    base = float(interval)
    if failures <= 0:
        hint = max(max_age or 0.0, (ttl_minutes or 0) * 60.0)
        base = max(base, min(hint, policy.max_interval))
    else:
        cap = max(policy.backoff_cap, base)
        base = min(cap, base * 2.0 ** min(failures - 1, 30))
    if retry_after is not None and retry_after > 0:
        base = max(base, min(retry_after, policy.max_interval))
    return base + base * policy.jitter * rand()


@dataclass(frozen=True)
class Health:
    """A feed's state after one poll, and whether it just changed."""

    failures: int
    failing: bool
    became_failing: bool  # this poll made it failing: raise the operator alert once
    recovered: bool  # it was failing and this poll succeeded


def health(before: int, after: int, threshold: int) -> Health:
    """Compare consecutive-failure counts before and after a poll against ``threshold``."""
    was, now = before >= threshold, after >= threshold
    return Health(after, now, now and not was, was and not now)


def origin(url: str) -> str:
    """What the per-host limit counts: scheme, host and port (``http://127.0.0.1:8001``)."""
    parts = urllib.parse.urlsplit(url)
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:  # a malformed port: count it as its own origin, fetch will reject it
        port = None
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


class Limiter:
    """At most ``per_host`` requests at once to one origin and ``overall`` in all."""

    def __init__(self, per_host: int, overall: int) -> None:
        if per_host < 1 or overall < 1:
            raise ValueError("limits must be at least 1")
        self.per_host = per_host
        self.overall = overall
        self._active: dict[str, int] = {}
        self._total = 0
        self._cond = threading.Condition()
        self.peak_total = 0  # the most requests seen at once, for tests and the benchmark
        self.peak_host = 0

    def _free(self, key: str) -> bool:
        return self._total < self.overall and self._active.get(key, 0) < self.per_host

    def busy(self, url: str) -> bool:
        """True when a request to ``url`` would have to wait now."""
        with self._cond:
            return not self._free(origin(url))

    @contextmanager
    def slot(self, url: str) -> Iterator[None]:
        """Hold one request slot for ``url``'s origin, waiting for one to free up."""
        key = origin(url)
        with self._cond:
            self._cond.wait_for(lambda: self._free(key))
            self._active[key] = self._active.get(key, 0) + 1
            self._total += 1
            self.peak_total = max(self.peak_total, self._total)
            self.peak_host = max(self.peak_host, self._active[key])
        try:
            yield
        finally:
            with self._cond:
                self._total -= 1
                left = self._active[key] - 1
                if left:
                    self._active[key] = left
                else:
                    del self._active[key]
                self._cond.notify_all()


def run_all(
    items: Sequence[T],
    fn: Callable[[T], R],
    *,
    url: Callable[[T], str],
    limiter: Limiter,
    workers: int,
) -> list[R]:
    """``fn`` over ``items`` on ``workers`` threads; results in the order of ``items``.

    Items are taken round-robin by origin, skipping origins whose slots are all taken while
    another has room, so the threads spread over sites instead of queueing on one. ``fn``
    should not raise; if it does, the first exception is raised after every item is done.
    """
    queues: OrderedDict[str, deque[int]] = OrderedDict()
    for i, item in enumerate(items):
        queues.setdefault(origin(url(item)), deque()).append(i)
    results: dict[int, R] = {}
    errors: list[BaseException] = []
    lock = threading.Lock()

    def take() -> int | None:
        with lock:
            if not queues:
                return None
            chosen = next((k for k in queues if not limiter.busy(k)), next(iter(queues)))
            queue = queues.pop(chosen)
            index = queue.popleft()
            if queue:
                queues[chosen] = queue  # to the back: the next pick tries another origin
            return index

    def work() -> None:
        while (index := take()) is not None:
            try:
                result = fn(items[index])
            except BaseException as exc:  # kept and re-raised once the others are done
                with lock:
                    errors.append(exc)
                continue
            with lock:
                results[index] = result

    threads = [
        threading.Thread(target=work, name=f"poll-{n}", daemon=True)
        for n in range(max(1, min(workers, len(items))))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return [results[i] for i in range(len(items))]
