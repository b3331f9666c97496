"""Logging: one event per line, with its level, feed, actor, alert and channel, never a secret.

Lines go to stderr. Under systemd (stderr is the journal's stream) each line starts with the
syslog priority (``<3>``) so that journald records the level, and carries no timestamp, since
the journal adds its own. ``json`` writes one JSON object per line for log shippers. Newlines
inside a message or a traceback are escaped, so an event never spans lines. Every line passes
through ``notify.SecretFilter`` and is masked again whole, tracebacks included.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from datetime import UTC, datetime
from typing import TextIO

from .notify import SecretFilter, mask

FORMATS = ("text", "json")
FIELDS = ("feed", "actor", "alert", "channel", "kind")  # set with ``extra=`` or by convention
_PRIORITY = {"DEBUG": 7, "INFO": 6, "WARNING": 4, "ERROR": 3, "CRITICAL": 2}
# Most messages begin "feed %s: ..." or "alert %s: channel %s ...": the argument after such a
# word is that field, so lines logged without ``extra=`` still get their ids in JSON.
_CONVENTION = re.compile(r"\b(feed|alert|channel|actor) %[sdr]")
_IN_TEXT = (  # ids with no spaces, found in the text when the format string does not show them
    ("alert", re.compile(r"^alert (\d+)\b")),
    ("channel", re.compile(r"\b(?:channel|delivered to) ([\w.@-]+)")),
)
_SPEC = re.compile(r"(?<!%)%[-#0 +]*\d*(?:\.\d+)?[sdrifegxXc]")
_cli_format: str | None = None


def journal_stream(stream: TextIO) -> bool:
    """Whether ``stream`` is the one systemd connected to the journal (``$JOURNAL_STREAM``)."""
    value = os.environ.get("JOURNAL_STREAM", "")
    if ":" not in value:
        return False
    try:
        st = os.fstat(stream.fileno())
    except (OSError, ValueError):
        return False
    return value == f"{st.st_dev}:{st.st_ino}"


def fields_of(record: logging.LogRecord) -> dict[str, object]:
    """The ids a record carries: given with ``extra=``, else read from the message."""
    found: dict[str, object] = {}
    args = record.args if isinstance(record.args, tuple) else ()
    if isinstance(record.msg, str) and args:
        for m in _CONVENTION.finditer(record.msg):
            index = len(_SPEC.findall(record.msg[: m.start(0) + len(m.group(1)) + 1]))
            if index < len(args):
                found[m.group(1)] = args[index]
    text = record.getMessage()
    for name, pattern in _IN_TEXT:
        hit = pattern.search(text)
        if name not in found and hit:
            found[name] = int(hit.group(1)) if name == "alert" else hit.group(1)
    for name in FIELDS:
        value = getattr(record, name, None)
        if value is not None:
            found[name] = value
    return found


def _one_line(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")


class TextFormatter(logging.Formatter):
    """``LEVEL logger: message``, with a timestamp unless the journal adds one."""

    def __init__(self, journal: bool) -> None:
        super().__init__("%(levelname)s %(name)s: %(message)s")
        self.journal = journal

    def format(self, record: logging.LogRecord) -> str:
        line = _one_line(super().format(record))
        if self.journal:
            return f"<{_PRIORITY.get(record.levelname, 6)}>{mask(line, ())}"
        stamp = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        return f"{stamp}.{int(record.msecs):03d}Z {mask(line, ())}"


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the ids, any exception."""

    def __init__(self, journal: bool) -> None:
        super().__init__()
        self.journal = journal

    def format(self, record: logging.LogRecord) -> str:
        event: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        event.update(fields_of(record))
        if record.exc_info:
            event["exception"] = self.formatException(record.exc_info)
        line = mask(json.dumps(event, ensure_ascii=False, default=str), ())
        return f"<{_PRIORITY.get(record.levelname, 6)}>{line}" if self.journal else line


def setup(level: str = "info", fmt: str | None = None, stream: TextIO | None = None) -> None:
    """Log to stderr at ``level``; ``fmt`` given here (the command line) outranks the config's."""
    global _cli_format
    _cli_format = fmt
    _install(level.upper(), fmt or "text", stream or sys.stderr)


def apply_config(fmt: str) -> None:
    """Switch to the configuration's ``log_format`` unless the command line chose one."""
    if _cli_format is not None:
        return
    root = logging.getLogger()
    handler = root.handlers[0] if root.handlers else None
    current = "json" if isinstance(getattr(handler, "formatter", None), JsonFormatter) else "text"
    if fmt != current:
        stream = getattr(handler, "stream", None) or sys.stderr
        _install(logging.getLevelName(root.level), fmt, stream)


def _install(level: str, fmt: str, stream: TextIO) -> None:
    if fmt not in FORMATS:
        raise ValueError(f"log format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    journal = journal_stream(stream)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter(journal) if fmt == "json" else TextFormatter(journal))
    handler.addFilter(SecretFilter())
    logging.basicConfig(level=getattr(logging, level), handlers=[handler], force=True)
    # their INFO lines repeat ours (one per job, one per request, with the feed's full URL)
    for name in ("apscheduler", "httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
