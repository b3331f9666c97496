"""Tell systemd what the daemon is doing: the ``sd_notify`` protocol over ``$NOTIFY_SOCKET``.

The protocol is a few ``KEY=value`` lines in one datagram on a Unix socket, so it is written
here rather than pulled in as a dependency. Outside systemd (no ``NOTIFY_SOCKET``) every call
does nothing. ``Heartbeat`` is what the scheduler's own loop beats: systemd's watchdog and
``/healthz`` both read it, so a scheduler that stops ticking is noticed and restarted.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Mapping

log = logging.getLogger("claimwatch.service")

HEARTBEAT_SECONDS = 5.0  # how often the scheduler beats; /healthz allows three missed beats


class Notifier:
    """Sends state changes to the service manager, when there is one."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        env = os.environ if env is None else env
        address = env.get("NOTIFY_SOCKET", "")
        if address.startswith("@"):  # an abstract socket: a leading NUL instead of "@"
            address = "\0" + address[1:]
        self.address = address if address.startswith(("/", "\0")) else ""
        self._socket: socket.socket | None = None
        self._lock = threading.Lock()
        self._failed = False
        if address and not self.address:
            log.warning("NOTIFY_SOCKET %r is not a Unix socket path: not notifying", address)

    @property
    def enabled(self) -> bool:
        return bool(self.address)

    def notify(self, **fields: str | int) -> bool:
        """Send ``KEY=value`` lines (``ready=1`` becomes ``READY=1``); True when sent."""
        if not self.address:
            return False
        message = "\n".join(f"{k.upper()}={v}" for k, v in fields.items()).encode("utf-8")
        with self._lock:
            try:
                if self._socket is None:
                    self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                self._socket.sendto(message, self.address)
            except OSError as exc:
                if not self._failed:  # once: a manager that went away must not flood the log
                    log.warning("cannot notify the service manager: %s", exc.strerror or exc)
                self._failed = True
                return False
        self._failed = False
        return True

    def ready(self, status: str) -> bool:
        return self.notify(ready=1, status=status)

    def reloading(self) -> bool:
        # MONOTONIC_USEC lets systemd >= 253 (Type=notify-reload) match this to its request
        return self.notify(
            reloading=1, monotonic_usec=time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
        )

    def stopping(self) -> bool:
        return self.notify(stopping=1, status="stopping: finishing the work in hand")

    def status(self, text: str) -> bool:
        return self.notify(status=text)

    def watchdog(self) -> bool:
        return self.notify(watchdog=1)

    def close(self) -> None:
        with self._lock:
            if self._socket is not None:
                self._socket.close()
                self._socket = None


def watchdog_seconds(env: Mapping[str, str] | None = None) -> float | None:
    """systemd's ``WatchdogSec=`` for this process, or None when no watchdog is armed."""
    env = os.environ if env is None else env
    usec, pid = env.get("WATCHDOG_USEC", ""), env.get("WATCHDOG_PID", "")
    if not usec.isdigit() or int(usec) == 0:
        return None
    if pid and pid != str(os.getpid()):  # meant for another process of the service
        return None
    return int(usec) / 1_000_000


def heartbeat_seconds(env: Mapping[str, str] | None = None) -> float:
    """How often to beat: every few seconds, and at least four times per watchdog period."""
    watchdog = watchdog_seconds(env)
    return HEARTBEAT_SECONDS if watchdog is None else min(HEARTBEAT_SECONDS, watchdog / 4)


class Heartbeat:
    """When the scheduler's loop last ran its heartbeat job."""

    def __init__(self, period: float) -> None:
        self.period = period
        self._last: float | None = None

    def beat(self) -> None:
        self._last = time.monotonic()

    def age(self) -> float | None:
        """Seconds since the last beat; None before the first."""
        return None if self._last is None else time.monotonic() - self._last

    def alive(self) -> bool:
        """The scheduler has beaten within three periods."""
        age = self.age()
        return age is not None and age < 3 * self.period
