"""The duplicate window of delivery: how long a message the mail server has accepted stays
unrecorded in the outbox, and how many kills during delivery send a message twice.

A message is marked sent only once the channel accepted it, so a crash between the server
taking it and the store recording it sends it again at the next start: that gap is the window.
This measures it against a real SMTP server (aiosmtpd) on 127.0.0.1, which notes the moment
it takes each message (before it sends its ``250`` reply, as a real server writes its queue
file first); the outbox notes when it marked the row sent (``delivery.sent_at``, stamped just
before the commit). ``--reply-ms`` makes the server wait that long between taking a message
and replying, as a busy server does; ``--quit-ms`` delays its answer to QUIT, as the round
trip to a server across a network does.

Then ``--kills`` times a delivery run (``claimwatch run --once`` over a pre-filled outbox of
``--alerts`` operator alerts) is SIGKILLed at a uniformly random moment while it sends, and
started again until the outbox is empty; the duplicates the server received are counted.

    .venv/bin/python bench/delivery_window.py [--alerts 40] [--reply-ms 0] [--quit-ms 0]
        [--kills 20]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from servers import _Controller  # noqa: E402  (port 0 without a probe of port 0)

EXE = str(Path(sys.executable).parent / "claimwatch")


class Recorder:
    """aiosmtpd handler: (subject, time taken) of every message, then the reply after a wait."""

    def __init__(self, reply_ms: float, quit_ms: float) -> None:
        self.reply = reply_ms / 1000
        self.quit = quit_ms / 1000
        self.taken: list[tuple[str, float]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content or b""
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        subject = next((ln[9:] for ln in text.splitlines() if ln.startswith("Subject: ")), "")
        with self.lock:
            self.taken.append((subject.strip(), time.time()))
        if self.reply:
            await asyncio.sleep(self.reply)
        return "250 Message accepted for delivery"

    async def handle_QUIT(self, server: Any, session: Any, envelope: Any) -> str:
        if self.quit:  # the round trip of QUIT to a server across a network
            await asyncio.sleep(self.quit)
        return "221 Bye"


def configure(folder: Path, port: int) -> Path:
    url = (
        f"mailto://127.0.0.1:{port}/?smtp=127.0.0.1&mode=insecure"
        "&from=cw%40example.org&to=desk%40example.org"
    )
    watchlist = folder / "watchlist.yaml"
    watchlist.write_text("actors: {}\nrules: []\n")
    config = folder / "claimwatch.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "database": f"sqlite:///{folder / 'cw.sqlite'}",
                "watchlist": str(watchlist),
                "channels": [{"name": "mail", "url": url, "operator": True}],
            }
        )
    )
    return config


def fill(config: Path, n: int) -> None:
    from monitor.config import load_config
    from monitor.store import Store

    store = Store(load_config(config).database)
    for i in range(n):
        store.queue_operator("bench", f"bench message {i:04d}", ["mail"])
    store.close()


def sent_at(config: Path) -> dict[str, float]:
    import sqlite3

    rows = sqlite3.connect(config.parent / "cw.sqlite").execute(
        "select alert.message, delivery.sent_at from delivery join alert "
        "on alert.id = delivery.alert_id where delivery.status = 'sent'"
    )
    return {
        f"claimwatch: {m}": datetime.fromisoformat(s).replace(tzinfo=UTC).timestamp()
        for m, s in rows
    }


def run_once(config: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [EXE, "run", "--once", "--config", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--alerts", type=int, default=40)
    parser.add_argument("--reply-ms", type=float, default=0.0)
    parser.add_argument("--quit-ms", type=float, default=0.0)
    parser.add_argument("--kills", type=int, default=20)
    args = parser.parse_args()
    recorder = Recorder(args.reply_ms, args.quit_ms)
    controller = _Controller(recorder, hostname="127.0.0.1", port=0, server_hostname="bench")
    controller.start()
    port = controller.port
    try:
        # 1. the window, message by message
        with tempfile.TemporaryDirectory() as tmp:
            config = configure(Path(tmp), port)
            fill(config, args.alerts)
            start = time.monotonic()
            run_once(config).wait()
            took = time.monotonic() - start
            marks = sent_at(config)
            windows = [(marks[s] - t) * 1000 for s, t in recorder.taken if s in marks]
        stamps = sorted(t for _, t in recorder.taken)
        cycle = (stamps[-1] - stamps[0]) / max(1, len(stamps) - 1) * 1000
        q = statistics.quantiles(windows, n=20)
        print(
            f"window (server took it -> outbox marked it sent), {len(windows)} messages, "
            f"server reply after {args.reply_ms:g} ms, QUIT after {args.quit_ms:g} ms: "
            f"median {statistics.median(windows):.1f} ms, p95 {q[-1]:.1f} ms, "
            f"max {max(windows):.1f} ms; one message every {cycle:.0f} ms "
            f"(the run took {took:.1f} s with start-up)"
        )
        # 2. kills at random moments of a delivery run
        duplicates = 0
        rng = random.Random(1)
        for k in range(args.kills):
            recorder.taken.clear()
            with tempfile.TemporaryDirectory() as tmp:
                config = configure(Path(tmp), port)
                fill(config, args.alerts)
                proc = run_once(config)
                while not recorder.taken:  # the run is sending
                    time.sleep(0.001)
                # killed from another process: a thread of this one would wake when the server
                # thread lets go of the GIL, which is just after it takes a message
                delay = rng.uniform(0, cycle * args.alerts / 1000)  # within the sending
                subprocess.run(["sh", "-c", f"sleep {delay:.4f}; kill -9 {proc.pid}"], check=False)
                proc.wait()
                run_once(config).wait()
                counts = Counter(s for s, _ in recorder.taken)
                lost = args.alerts - len(counts)
                assert lost == 0, f"kill {k}: {lost} alerts lost"
                duplicates += sum(n - 1 for n in counts.values())
        print(f"{args.kills} SIGKILLs at random moments of delivery: {duplicates} duplicates")
    finally:
        controller.stop()


if __name__ == "__main__":
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    main()
