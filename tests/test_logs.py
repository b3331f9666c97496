"""Log lines: one event per line, the level for journald, ids as JSON fields, no secrets."""

from __future__ import annotations

import json
import logging
import os
import sys
import uuid
from pathlib import Path

import pytest

from monitor import logs
from monitor.notify import remember_secrets


def _record(
    level: int, msg: str, *args: object, exc: bool = False, **extra: object
) -> logging.LogRecord:
    exc_info = None
    if exc:
        try:
            raise RuntimeError("line one\nline two")
        except RuntimeError:
            exc_info = sys.exc_info()
    record = logging.LogRecord("claimwatch.test", level, __file__, 1, msg, args, exc_info)
    record.__dict__.update(extra)
    return record


def test_text_keeps_each_event_on_one_line_and_masks_secrets() -> None:
    secret = "tok-" + uuid.uuid4().hex
    remember_secrets([secret])
    record = _record(logging.ERROR, "feed %s: failed at %s\nsecond line", "world", secret, exc=True)
    line = logs.TextFormatter(journal=False).format(record)
    assert "\n" not in line
    assert "ERROR claimwatch.test: feed world: failed at ****\\nsecond line" in line
    assert "RuntimeError: line one\\nline two" in line  # the traceback, on the same line
    assert secret not in line


def test_journal_gets_the_priority_and_no_timestamp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with (tmp_path / "journal").open("w") as stream:
        st = os.fstat(stream.fileno())
        monkeypatch.setenv("JOURNAL_STREAM", f"{st.st_dev}:{st.st_ino}")
        assert logs.journal_stream(stream)
        formatter = logs.TextFormatter(journal=logs.journal_stream(stream))
        assert formatter.format(_record(logging.WARNING, "slow")) == (
            "<4>WARNING claimwatch.test: slow"
        )
        monkeypatch.setenv("JOURNAL_STREAM", "1:2")  # another stream: not the journal
        assert not logs.journal_stream(stream)


def test_json_carries_the_ids() -> None:
    formatter = logs.JsonFormatter(journal=False)
    event = json.loads(formatter.format(_record(logging.INFO, "feed %s: %d new", "world news", 3)))
    assert event["feed"] == "world news" and event["level"] == "info"
    assert event["message"] == "feed world news: 3 new"
    event = json.loads(
        formatter.format(_record(logging.WARNING, "%s: channel %s failed", "alert 17", "desk"))
    )
    assert (event["alert"], event["channel"]) == (17, "desk")
    event = json.loads(
        formatter.format(
            _record(logging.INFO, "queued", alert=4, actor="zelensky", feed="w", kind="new")
        )
    )
    assert {k: event[k] for k in ("alert", "actor", "feed", "kind")} == {
        "alert": 4,
        "actor": "zelensky",
        "feed": "w",
        "kind": "new",
    }
    event = json.loads(formatter.format(_record(logging.ERROR, "boom", exc=True)))
    assert "RuntimeError: line one\nline two" in event["exception"]


def test_the_command_line_format_outranks_the_configuration() -> None:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        logs.setup("info", "json")
        logs.apply_config("text")
        assert isinstance(root.handlers[0].formatter, logs.JsonFormatter)
        logs.setup("info", None)
        logs.apply_config("json")
        assert isinstance(root.handlers[0].formatter, logs.JsonFormatter)
        logs.apply_config("text")
        assert isinstance(root.handlers[0].formatter, logs.TextFormatter)
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
