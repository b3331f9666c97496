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


def test_the_model_loads_only_when_an_article_is_read(tmp_path: Path) -> None:
    """A Monitor that only reads its store (status, outbox, a scheduler that queues polls for
    workers) never loads spaCy's model; the first article to extract loads it, once; a poll that
    finds nothing new does not."""
    from monitor.config import load_config
    from monitor.pipeline import Monitor

    with FeedServer() as feeds:
        feeds.set("/rss", DEMO_FEED.read_bytes())
        config = write_config(tmp_path, feeds=[{"name": "demo", "url": feeds.url("/rss")}])
        mon = Monitor(load_config(config))
        try:
            assert mon.loaded_extractor is None
            assert mon.store.queue_length() == {}  # the store answers without the model
            assert mon.loaded_extractor is None
            first = mon.poll(mon.config.feeds[0])
            assert first.error is None and first.articles == 1
            loaded = mon.loaded_extractor
            assert loaded is not None and mon.extractor is loaded  # loaded once, kept
        finally:
            mon.close()
        quiet = Monitor(load_config(config))
        try:
            assert quiet.poll(quiet.config.feeds[0]).articles == 0  # nothing new: no model
            assert quiet.loaded_extractor is None
        finally:
            quiet.close()
