"""``claimwatch run`` as a real process: it polls on schedule and stops cleanly on a signal."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import DEMO_FEED, write_config
from servers import FeedServer, SmtpServer, mailto_url

EXE = str(Path(sys.executable).parent / "claimwatch")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_daemon_polls_then_exits_zero_on_signal(
    tmp_path: Path, feeds: FeedServer, smtp: SmtpServer, sig: signal.Signals
) -> None:
    feeds.set("/rss", DEMO_FEED.read_bytes())
    config = write_config(
        tmp_path,
        feeds=[{"name": "world", "url": feeds.url("/rss"), "interval": "10s"}],
        channels=[{"name": "desk", "url": mailto_url(smtp)}],
    )
    proc = subprocess.Popen(
        [EXE, "run", "--config", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        smtp.wait_for(5, timeout=60)  # the first poll runs at start
        deadline = time.monotonic() + 30
        while len(feeds.requests) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)  # ... and the feed is polled again at its interval
        assert len(feeds.requests) >= 2
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert f"received {sig.name}: finishing the work in hand" in err
    assert "stopped" in err
    sent = len(smtp.messages)
    assert sent >= 5
    # the conditional GET of the second poll found nothing new: no alert twice
    assert len({m["Subject"] for m in smtp.messages}) == sent
