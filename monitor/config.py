"""Load and validate the main configuration and the watchlist.

Every problem is reported as ``file:line: key.path: message`` so that a user editing YAML by
hand is pointed at the line to fix, and all problems are reported at once, not the first only.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import os
import re
import typing
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

# --- defaults, in one place -------------------------------------------------------------------
DEFAULT_CONFIG_PATH = Path("/etc/claimwatch/claimwatch.yaml")
DEFAULT_INTERVAL_SECONDS = 900
MIN_INTERVAL_SECONDS = 10
DEFAULT_DATABASE_FILE = "claimwatch.sqlite"
CLAIM_TYPES = (
    "statement",
    "denial",
    "confirmation",
    "accusation",
    "threat",
    "demand",
    "offer",
    "prediction",
)
SEVERITIES = ("low", "normal", "high")
# rules: a claim less likely to be right than this goes to the digest marked "possible"
# (chosen from tools/calibrate.py's cross-validated calibration table: README, "Alerts worth
# reading": claims over 0.5 are right about 0.59 of the time in every bin above it, so a higher
# floor holds back right claims and buys no precision)
DEFAULT_MIN_CONFIDENCE = 0.5
DEFAULT_DISPUTE_WINDOW_DAYS = 14  # a denial disputes assertions at most this old
DEFAULT_REPEAT_SIMILARITY = 0.6  # word overlap above which a claim restates an earlier one
DEFAULT_REPEAT_WINDOW_DAYS = 30  # wire copies of one story arrive within this time
DEFAULT_DIGEST_AT = "08:00"  # daily digests go out at this time in the channel's time zone
DEFAULT_MAX_PER_HOST = 2  # polling: requests at once to one site (scheme, host, port)
DEFAULT_MAX_CONCURRENT = 16  # polling: requests at once in all
DEFAULT_FAILURE_THRESHOLD = 5  # polling: consecutive failures before a feed is "failing"
DEFAULT_BACKOFF_CAP_SECONDS = 6 * 3600  # polling: the longest wait between tries of a bad feed
DEFAULT_STOP_TIMEOUT_SECONDS = 60  # on SIGTERM, how long the work in hand may take (< systemd's)
DEFAULT_HEALTH_LISTEN = "127.0.0.1:9464"  # /healthz and /metrics, when `health:` is present
DEFAULT_WEB_LISTEN = "127.0.0.1:8080"  # the dashboard and API (`claimwatch web`, `web:`)
MIN_WEB_TOKEN_CHARS = 16  # a token anyone can guess protects nothing
DEFAULT_WORKER_HEARTBEAT_SECONDS = 10  # workers: how often a worker says it is alive
DEFAULT_STALLED_AFTER_SECONDS = 30  # workers: silent this long, a worker is dead; jobs retried
DEFAULT_WORKER_CONCURRENCY = 4  # workers: jobs one `claimwatch worker` runs at once

ClaimType = Literal[
    "statement", "denial", "confirmation", "accusation", "threat", "demand", "offer", "prediction"
]
ChangeKind = Literal["new", "stance-change", "dispute", "silence-broken"]


def state_dir() -> Path:
    """Where the default database lives: systemd's StateDirectory, else the XDG state home."""
    if os.environ.get("STATE_DIRECTORY"):
        return Path(os.environ["STATE_DIRECTORY"].split(":")[0])
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "claimwatch"


def config_path(given: str | None) -> Path:
    """The --config value, else $CLAIMWATCH_CONFIG, else the system-wide file."""
    return Path(given or os.environ.get("CLAIMWATCH_CONFIG") or DEFAULT_CONFIG_PATH)


class ConfigError(Exception):
    """A configuration that cannot be used; ``problems`` holds one ``file:line: ...`` each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = sorted(problems, key=_file_line)


def _file_line(problem: str) -> tuple[str, int]:
    m = re.match(r"^(.*?):(\d+): ", problem)
    return (m.group(1), int(m.group(2))) if m else (problem.split(":", 1)[0], 0)


# --- YAML with line numbers ---------------------------------------------------------------------
Loc = tuple[str | int, ...]


@dataclass
class _Located:
    data: Any
    lines: dict[Loc, int]
    path: Path

    def line(self, loc: Loc) -> int:
        """The line of the deepest key of ``loc`` that exists in the file."""
        for n in range(len(loc), -1, -1):
            if loc[:n] in self.lines:
                return self.lines[loc[:n]]
        return 1


def _construct(node: yaml.Node, loc: Loc, lines: dict[Loc, int], loader: yaml.SafeLoader) -> Any:
    """Build plain data from a composed node, remembering the line of every key and item."""
    lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if isinstance(key, (dict, list)):
                key = str(key)
            out[key] = _construct(value_node, (*loc, key), lines, loader)
            lines[(*loc, key)] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(item, (*loc, i), lines, loader) for i, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def _load_yaml(path: Path) -> _Located:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError([f"{path}: cannot read: {exc.strerror or exc}"]) from exc
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise ConfigError([f"{path}:{line}: invalid YAML: {_yaml_words(exc)}"]) from exc
    lines: dict[Loc, int] = {}
    data = _construct(node, (), lines, yaml.SafeLoader("")) if node is not None else {}
    return _Located(data, lines, path)


def _yaml_words(exc: yaml.MarkedYAMLError) -> str:
    """PyYAML's message as a person would say it."""
    problem = str(exc.problem or exc)
    if "'\\t'" in problem or "\t" in problem:
        return "a tab character: YAML is indented with spaces only"
    if "mapping values are not allowed here" in problem:
        return (
            "a colon followed by a space inside a value (put the value in quotes), or a key "
            "indented further than the one before it"
        )
    if "could not find expected ':'" in problem:
        return "a line that is neither `key: value` nor a list item (`- value`): a missing colon?"
    if "found duplicate anchor" in problem or "found undefined alias" in problem:
        return f"{problem} (a value starting with & or * needs quotes)"
    return problem


_ENV = re.compile(r"\$\{([^}]*)\}")
_SECRETS: set[str] = set()  # every value substituted into a URL, as given and as encoded


def substituted_secrets() -> frozenset[str]:
    """The values ``${VAR}`` and ``${file:...}`` put into URLs: masked wherever shown."""
    return frozenset(_SECRETS)


_SECRET_PARAM = re.compile(r"pass|token|key|secret|auth|sig|webhook|cred", re.I)


def url_secrets(url: str) -> list[str]:
    """What in any URL may be a credential: the password, query values named like secrets
    (``?apikey=``, ``?token=``) and path segments that look like tokens (16 characters or more
    mixing letters and digits, as webhooks carry them)."""
    try:
        parts = urllib.parse.urlsplit(url)
        found = [parts.password or ""]
    except ValueError:
        return []
    found += [v for k, v in urllib.parse.parse_qsl(parts.query) if _SECRET_PARAM.search(k)]
    found += [
        seg
        for seg in parts.path.split("/")
        if len(seg) >= 16 and re.search(r"[A-Za-z]", seg) and re.search(r"\d", seg)
    ]
    return [v for v in found if len(v) >= 4]


def masked_url(url: str) -> str:
    """``url`` with its credentials (``url_secrets``) as ``****``."""
    for secret in sorted(url_secrets(url), key=len, reverse=True):
        url = url.replace(secret, "****").replace(urllib.parse.quote(secret, safe=""), "****")
    return url


def _is_url_field(loc: Loc) -> bool:
    return loc == ("database",) or (
        len(loc) == 3 and loc[0] in ("feeds", "channels") and loc[2] == "url"
    )


def _url_part(template: str, pos: int) -> str:
    """Where position ``pos`` of a URL template lies: userinfo, host, path or query."""
    m = re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", template)
    if not m:
        return "path" if template.startswith("file:") else "none"
    opaque = _ENV.sub(lambda t: "x" * len(t.group(0)), template)  # ${...} is no delimiter
    end = min((i for i in (opaque.find(c, m.end()) for c in "/?#") if i != -1), default=len(opaque))
    if pos < end:
        at = opaque.rfind("@", m.end(), end)
        return "userinfo" if at != -1 and pos < at else "host"
    query = opaque.find("?", m.end())
    return "query" if query != -1 and pos > query else "path"


def _encoded(value: str, part: str) -> str:
    """``value`` as it must be written where it lands in a URL (RFC 3986): in the userinfo or
    a query, every reserved character encoded (a password with ``@ # / %``); in the path,
    all but ``/``; in the host, as given (``slack://${SLACK_WEBHOOK}`` is a whole token)."""
    if part in ("userinfo", "query"):
        return urllib.parse.quote(value, safe="")
    if part == "path":
        return urllib.parse.quote(value, safe="/")
    return value


def _substitute(located: _Located, channel_secrets: bool = True) -> list[str]:
    """Replace ``${VAR}``, ``${file:/path}`` and ``${credential:NAME}`` (the file NAME in
    systemd's ``$CREDENTIALS_DIRECTORY``, whatever the unit is called: the scheduler's and
    each worker's) in every string, so secrets stay out of files.

    In a URL (a feed's, a channel's, the database's) the value is URL-encoded for the part
    it lands in, and remembered as a secret, so that it is masked wherever a URL is shown."""
    problems: list[str] = []

    def one(value: str, loc: Loc) -> str:
        url = _is_url_field(loc)
        if not channel_secrets and loc[:1] == ("channels",) and loc[-1:] == ("url",):
            return value  # a command that sends nothing needs no channel's secret

        def repl(m: re.Match[str]) -> str:
            ref = m.group(1)
            if ref.startswith("credential:"):  # systemd's credentials, under any unit's name
                folder = os.environ.get("CREDENTIALS_DIRECTORY")
                if not folder:
                    where = f"{located.path}:{located.line(loc)}: {_dotted(loc)}"
                    problems.append(
                        f"{where}: ${{{ref}}}: no systemd credentials here "
                        "($CREDENTIALS_DIRECTORY is not set)"
                    )
                    return ""
                ref = f"file:{Path(folder) / ref[len('credential:') :]}"
            if ref.startswith("file:"):
                try:
                    found = Path(ref[5:]).read_text(encoding="utf-8").strip()
                except OSError as exc:
                    where = f"{located.path}:{located.line(loc)}: {_dotted(loc)}"
                    problems.append(f"{where}: cannot read secret file {ref[5:]}: {exc.strerror}")
                    return ""
            elif ref not in os.environ:
                where = f"{located.path}:{located.line(loc)}: {_dotted(loc)}"
                problems.append(f"{where}: environment variable {ref} is not set")
                return ""
            else:
                found = os.environ[ref]
            if not url:
                return found
            written = _encoded(found, _url_part(value, m.start()))
            _SECRETS.update(v for v in (found, written) if len(v) >= 4)
            return written

        return _ENV.sub(repl, value)

    def walk(value: Any, loc: Loc) -> Any:
        if isinstance(value, str):
            return one(value, loc)
        if isinstance(value, dict):
            return {k: walk(v, (*loc, k)) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, (*loc, i)) for i, v in enumerate(value)]
        return value

    located.data = walk(located.data, ())
    return problems


def _dotted(loc: Loc) -> str:
    return ".".join(str(p) for p in loc) or "(top)"


_MESSAGES = {
    "list_type": "expected a list",
    "dict_type": "expected a mapping",
    "model_type": "expected a mapping",
    "string_type": "expected a string",
    "int_type": "expected an integer",
    "int_parsing": "expected an integer",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "date_type": "expected a date (YYYY-MM-DD)",
    "date_from_datetime_parsing": "expected a date (YYYY-MM-DD)",
    "date_parsing": "expected a date (YYYY-MM-DD)",
    "missing": "required",
    "extra_forbidden": "unknown key",
}


def _problems(
    err: ValidationError, located: _Located, model: type[BaseModel] | None = None
) -> list[str]:
    out = []
    for e in err.errors():
        loc = tuple(p for p in e["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        msg = _MESSAGES.get(e["type"])
        if e["type"] == "literal_error":
            msg = f"expected {e.get('ctx', {}).get('expected', '')}, got {e['input']!r}"
        elif msg is None:
            msg = str(e["msg"]).removeprefix("Value error, ")
        if e["type"] == "extra_forbidden" and model is not None:
            known = _known_keys(model, loc[:-1])
            close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
            if close:
                msg += f"; did you mean {close[0]!r}?"
            elif known:
                msg += f" (known here: {', '.join(known)})"
        out.append(f"{located.path}:{located.line(loc)}: {_dotted(loc)}: {msg}")
    return out


def _known_keys(model: type[BaseModel], loc: Loc) -> list[str]:
    """The keys the model at ``loc`` (inside ``model``) accepts, aliases as written."""
    current: Any = model
    for part in loc:
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = next((f for n, f in current.model_fields.items() if part in (n, f.alias)), None)
            if field is None:
                return []
            current = field.annotation
        else:  # list[X], dict[str, X], X | None: what the index or id holds
            args = [a for a in typing.get_args(current) if a is not type(None)]
            current = args[-1] if args else None
        while typing.get_origin(current) is not None and not (
            isinstance(current, type) and issubclass(current, BaseModel)
        ):
            if isinstance(part, (int,)) or typing.get_origin(current) in (list, dict):
                break
            args = [a for a in typing.get_args(current) if a is not type(None)]
            current = args[0] if args else None
    if typing.get_origin(current) is not None:
        args = [a for a in typing.get_args(current) if a is not type(None)]
        current = args[0] if len(args) == 1 else current
    if isinstance(current, type) and issubclass(current, BaseModel):
        return sorted(f.alias or n for n, f in current.model_fields.items())
    return []


# --- the watchlist --------------------------------------------------------------------------------
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Role(_Strict):
    """A title that names an actor only for a period ("US president")."""

    title: str
    from_: date | None = Field(default=None, alias="from")
    until: date | None = None

    def holds_on(self, day: date | None) -> bool:
        if day is None:  # no date known: a role counts only if it is still held
            return self.until is None
        return (self.from_ is None or self.from_ <= day) and (
            self.until is None or day < self.until
        )


class Actor(_Strict):
    name: str
    aliases: list[str] = []
    roles: list[Role] = []
    kind: Literal["person", "institution"] = "person"
    part_of: str | None = None  # the institution "a source close to" this person speaks for


class Topic(_Strict):
    description: str = ""
    keywords: list[str] = []
    # words that often mean something else ("talks", "civilians", "port"): they count only when
    # no other topic's keyword is in the claim
    weak_keywords: list[str] = []
    # stance name -> phrases that express it ("supportive": [want, welcome, send troops])
    stances: dict[str, list[str]] = {}


class Rule(_Strict):
    """Which changes alert: every listed filter must match; an empty filter matches all."""

    name: str = ""
    actors: list[str] = []
    topics: list[str] = []
    types: list[ClaimType] = []
    changes: list[ChangeKind] = ["new", "stance-change", "dispute"]
    silence_days: int | None = Field(default=None, ge=1)  # enables "silence-broken"
    severity: Literal["low", "normal", "high"] = "normal"
    channels: list[str] = []  # Apprise tags; empty means every channel
    digest: bool = False  # True: collected into the channels' next digest, not sent at once
    # a claim less likely than this to be right (its confidence) goes to the digest, marked
    # "possible", rather than out at once
    min_confidence: float = Field(default=DEFAULT_MIN_CONFIDENCE, ge=0, le=1)


class DiffSettings(_Strict):
    """How claims are compared with what is stored."""

    new_window_days: int | None = Field(default=None, ge=1)  # None: new means never before
    dispute_window_days: int = Field(default=DEFAULT_DISPUTE_WINDOW_DAYS, ge=1)
    repeat_window_days: int = Field(default=DEFAULT_REPEAT_WINDOW_DAYS, ge=1)
    repeat_similarity: float = Field(default=DEFAULT_REPEAT_SIMILARITY, gt=0, le=1)


class Watchlist(_Strict):
    actors: dict[str, Actor] = {}
    topics: dict[str, Topic] = {}
    rules: list[Rule] = [Rule(name="default")]
    diff: DiffSettings = DiffSettings()
    # what each claim type means, for the people who edit the file (as ../eval/watchlist.yaml
    # writes it); the types themselves are claimwatch's
    claim_types: dict[ClaimType, str] = {}

    @field_validator("topics", mode="before")
    @classmethod
    def _topic_shorthand(cls, value: Any) -> Any:
        """``id: description`` is accepted for a topic with no keywords."""
        if isinstance(value, dict):
            return {k: {"description": v} if isinstance(v, str) else v for k, v in value.items()}
        return value


def _unknown_ids(located: _Located) -> list[str]:
    """Rules and ``part_of`` must name ids the watchlist defines: a typo would silence a rule.

    Checked on the raw data, so these problems are reported along with any others."""
    data = located.data if isinstance(located.data, dict) else {}

    def part(key: str, kind: type) -> Any:
        value = data.get(key)
        return value if isinstance(value, kind) else kind()

    actors, topics, rules = part("actors", dict), part("topics", dict), part("rules", list)
    refs: list[tuple[Loc, str, str]] = []
    for ident, actor in actors.items():
        if isinstance(actor, dict) and isinstance(actor.get("part_of"), str):
            refs.append((("actors", ident, "part_of"), "actor", actor["part_of"]))
    for i, rule in enumerate(rules):
        for field in ("actors", "topics"):
            values = rule.get(field) if isinstance(rule, dict) else None
            for j, value in enumerate(values if isinstance(values, list) else []):
                refs.append((("rules", i, field, j), field[:-1], str(value)))
    known = {"actor": actors, "topic": topics}
    return [
        f"{located.path}:{located.line(loc)}: {_dotted(loc)}: unknown {kind} {value!r}"
        for loc, kind, value in refs
        if value not in known[kind]
    ]


# --- the main file ---------------------------------------------------------------------------
_DURATION = re.compile(r"^\s*(\d+)\s*([smhd]?)\s*$")
_UNIT = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(value: Any) -> int:
    """Seconds from ``90``, ``"90s"``, ``"15m"``, ``"2h"`` or ``"1d"``."""
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 900, 15m or 1h")
    if isinstance(value, int):
        return value
    m = _DURATION.match(str(value))
    if not m:
        raise ValueError(f"expected a duration such as 900, 15m or 1h, got {value!r}")
    return int(m.group(1)) * _UNIT[m.group(2)]


class FeedConfig(_Strict):
    url: str
    name: str = ""
    interval: int = DEFAULT_INTERVAL_SECONDS
    fetch_article: bool = False  # entries with only a summary: read the article page itself

    @field_validator("interval", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> int:
        seconds = parse_duration(value)
        if seconds < MIN_INTERVAL_SECONDS:
            raise ValueError(f"must be at least {MIN_INTERVAL_SECONDS} seconds")
        return seconds

    @field_validator("url")
    @classmethod
    def _scheme(cls, value: str) -> str:
        if not re.match(r"^(https?://|file:)", value):
            raise ValueError(f"expected an http://, https:// or file: URL, got {value!r}")
        return value

    @property
    def label(self) -> str:
        """How logs, status and metrics name the feed: its name, else its URL masked."""
        return self.name or masked_url(self.url)

    @property
    def key(self) -> str:
        """The feed's identity in the store: its URL, with any credential in it masked and a
        hash of the whole to tell two such feeds apart (a token never reaches the database)."""
        masked = masked_url(self.url)
        if masked == self.url:
            return self.url
        return f"{masked}#{hashlib.sha256(self.url.encode()).hexdigest()[:16]}"


_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def parse_clock(value: str) -> tuple[int, int]:
    """``"07:30"`` as (7, 30)."""
    m = _CLOCK.match(value.strip())
    if not m:
        raise ValueError(f"expected a time of day such as 08:00, got {value!r}")
    return int(m.group(1)), int(m.group(2))


class DigestConfig(_Strict):
    """When a channel's digest goes out: every hour, or daily at a time of day."""

    every: Literal["hourly", "daily"] = "hourly"
    at: str = DEFAULT_DIGEST_AT

    @field_validator("at")
    @classmethod
    def _clock(cls, value: str) -> str:
        parse_clock(value)
        return value


class ChannelConfig(_Strict):
    url: str
    name: str = ""
    tags: list[str] = []
    mode: Literal["immediate", "digest"] = "immediate"
    digest: DigestConfig = DigestConfig()  # also collects what rate limits and quiet hours defer
    rate_limit: int | None = Field(default=None, ge=1)  # immediate alerts per hour at most
    quiet_hours: str | None = None  # "22:00-07:00": immediate alerts wait for the next digest
    timezone: str = "UTC"  # of `digest.at` and `quiet_hours`
    operator: bool = False  # receives claimwatch's own alerts (failing feeds and channels)

    @field_validator("quiet_hours")
    @classmethod
    def _quiet(cls, value: str | None) -> str | None:
        if value is not None:
            start, _, end = value.partition("-")
            if not end:
                raise ValueError(f"expected a range such as 22:00-07:00, got {value!r}")
            parse_clock(start)
            parse_clock(end)
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as err:
            raise ValueError(f"unknown time zone {value!r}") from err
        return value

    @field_validator("url")
    @classmethod
    def _apprise_url(cls, value: str) -> str:
        if "://" not in value:
            raise ValueError("expected an Apprise URL such as mailto://... or slack://...")
        return value


class HealthConfig(_Strict):
    """The optional HTTP endpoint (``/healthz``, ``/metrics``); it has no authentication."""

    listen: str = DEFAULT_HEALTH_LISTEN

    @field_validator("listen")
    @classmethod
    def _host_port(cls, value: str) -> str:
        host_port(value)
        return value


def host_port(value: str) -> tuple[str, int]:
    """``("127.0.0.1", 9464)`` from ``127.0.0.1:9464``, ``[::1]:9464`` or ``localhost:0``."""
    m = re.match(r"^(?:\[([0-9A-Fa-f:.]+)\]|([^:\[\]]+)):(\d{1,5})$", value.strip())
    if not m or int(m.group(3)) > 65535:
        raise ValueError(f"expected HOST:PORT such as 127.0.0.1:9464, got {value!r}")
    return m.group(1) or m.group(2), int(m.group(3))


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an address or ``localhost``) is reachable from this machine only."""
    import ipaddress

    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name: it may resolve to anything
        return False


class WebConfig(_Strict):
    """The read-only dashboard and API (``claimwatch web``, or served by the daemon).

    It listens on loopback unless told otherwise; any other address needs ``token``, which
    every request must then carry (a header, or the cookie the login form sets)."""

    listen: str = DEFAULT_WEB_LISTEN
    token: str | None = None

    @field_validator("listen")
    @classmethod
    def _host_port(cls, value: str) -> str:
        host_port(value)
        return value

    @field_validator("token")
    @classmethod
    def _token(cls, value: str | None) -> str | None:
        if not value:  # absent, or an unset ${VAR} (reported as such)
            return None
        if len(value) < MIN_WEB_TOKEN_CHARS:
            raise ValueError(
                f"too short: use at least {MIN_WEB_TOKEN_CHARS} random characters "
                "(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')"
            )
        return value

    @model_validator(mode="after")
    def _token_off_loopback(self) -> WebConfig:
        host, _ = host_port(self.listen)
        if self.token is None and not is_loopback(host):
            raise ValueError(
                f"listen {self.listen} is not a loopback address: set web.token "
                "(e.g. token: ${CLAIMWATCH_WEB_TOKEN}) or listen on 127.0.0.1"
            )
        return self


class PollingConfig(_Strict):
    """How politely feeds are polled: concurrency limits and what counts as a failing feed."""

    max_per_host: int = Field(default=DEFAULT_MAX_PER_HOST, ge=1)
    max_concurrent: int = Field(default=DEFAULT_MAX_CONCURRENT, ge=1)
    failure_threshold: int = Field(default=DEFAULT_FAILURE_THRESHOLD, ge=1)
    backoff_cap: int = DEFAULT_BACKOFF_CAP_SECONDS
    # hosts that article links and redirects may reach though loopback or private
    allow_hosts: list[str] = []

    @field_validator("backoff_cap", mode="before")
    @classmethod
    def _cap(cls, value: Any) -> int:
        seconds = parse_duration(value)
        if seconds < MIN_INTERVAL_SECONDS:
            raise ValueError(f"must be at least {MIN_INTERVAL_SECONDS} seconds")
        return seconds


class WorkersConfig(_Strict):
    """Where polls and deliveries run: ``threads`` in the one ``claimwatch run`` process (the
    default), or ``procrastinate``: ``run`` schedules, and any number of ``claimwatch worker``
    processes on any machine poll and deliver, through a Procrastinate queue in the
    PostgreSQL ``database``. Durations in seconds (or ``10s``, ``1m``)."""

    mode: Literal["threads", "procrastinate"] = "threads"
    heartbeat: int = DEFAULT_WORKER_HEARTBEAT_SECONDS  # seconds between a worker's heartbeats
    stalled_after: int = DEFAULT_STALLED_AFTER_SECONDS  # silent this long: dead, jobs retried
    concurrency: int = Field(default=DEFAULT_WORKER_CONCURRENCY, ge=1)  # per worker process

    @field_validator("heartbeat", "stalled_after", mode="before")
    @classmethod
    def _seconds(cls, value: Any) -> int:
        seconds = parse_duration(value)
        if seconds < 1:
            raise ValueError("must be at least 1 second")
        return seconds

    @model_validator(mode="after")
    def _heartbeats_before_stalling(self) -> WorkersConfig:
        if self.stalled_after < 2 * self.heartbeat:
            raise ValueError(
                f"stalled_after ({self.stalled_after}s) must be at least twice heartbeat "
                f"({self.heartbeat}s), or a live worker's jobs would be taken from it"
            )
        return self


class MainFile(_Strict):
    database: str = ""
    watchlist: str = "watchlist.yaml"
    templates: str = ""  # a folder of alert templates overriding the packaged ones
    feeds: list[FeedConfig] = []
    channels: list[ChannelConfig] = []
    polling: PollingConfig = PollingConfig()
    health: HealthConfig | None = None  # absent: no HTTP endpoint
    web: WebConfig | None = None  # absent: the daemon serves no dashboard
    workers: WorkersConfig = WorkersConfig()
    log_format: Literal["text", "json"] = "text"
    stop_timeout: int = DEFAULT_STOP_TIMEOUT_SECONDS
    reload_on_change: bool = False  # reload when the main file or the watchlist changes

    @field_validator("stop_timeout", mode="before")
    @classmethod
    def _stop_duration(cls, value: Any) -> int:
        seconds = parse_duration(value)
        if seconds < 1:
            raise ValueError("must be at least 1 second")
        return seconds


@dataclass(frozen=True)
class Config:
    """The validated configuration: the main file with its watchlist loaded and paths resolved."""

    path: Path
    database: str
    feeds: list[FeedConfig]
    channels: list[ChannelConfig]
    watchlist: Watchlist
    watchlist_path: Path
    polling: PollingConfig = dataclasses.field(default_factory=PollingConfig)
    health: HealthConfig | None = None
    web: WebConfig | None = None
    workers: WorkersConfig = dataclasses.field(default_factory=WorkersConfig)
    log_format: str = "text"
    stop_timeout: int = DEFAULT_STOP_TIMEOUT_SECONDS
    reload_on_change: bool = False
    templates: Path | None = None


def _validate(
    model: type[_Strict], located: _Located, channel_secrets: bool = True
) -> tuple[Any, list[str]]:
    problems = _substitute(located, channel_secrets)
    if not isinstance(located.data, dict):
        return None, [*problems, f"{located.path}:1: (top): expected a mapping"]
    try:
        return model.model_validate(located.data), problems
    except ValidationError as err:
        return None, problems + _problems(err, located, model)


def load_watchlist(path: Path) -> Watchlist:
    """Validate a watchlist file on its own (``claimwatch extract`` needs no main file)."""
    return _located_watchlist(path)[0]


def _located_watchlist(path: Path) -> tuple[Watchlist, _Located]:
    located = _load_yaml(path)
    wl, problems = _validate(Watchlist, located)
    problems += _unknown_ids(located)
    if problems:
        raise ConfigError(problems)
    assert isinstance(wl, Watchlist)
    return wl, located


def _unrouted(
    main: MainFile, located: _Located, watchlist: Watchlist, wl_located: _Located
) -> list[str]:
    """Rules whose alerts no channel would receive: a tag no channel has, or no channel at all.

    Such an alert would be stored and never sent while ``outbox`` reports nothing pending, so
    the configuration is refused instead. A configuration with no feed raises no alert."""
    if not main.feeds or not watchlist.rules:
        return []
    tags = {tag for channel in main.channels for tag in channel.tags}
    names = {channel.name for channel in main.channels if channel.name}
    problems = []
    for i, rule in enumerate(watchlist.rules):
        label = repr(rule.name) if rule.name else f"#{i + 1}"
        if not main.channels:
            where = f"{located.path}:{located.line(('channels',))}: channels"
            problems.append(
                f"{where}: no channel is configured, so every alert of rule {label} would be "
                "stored and sent nowhere (add one; `url: stdout://` prints to the terminal)"
            )
            break
        for j, tag in enumerate(rule.channels):
            if tag in tags:
                continue
            hint = ""
            if tag in names:
                hint = f"; channel {tag!r} has that name: give it `tags: [{tag}]`"
            elif close := difflib.get_close_matches(tag, sorted(tags), n=1):
                hint = f"; did you mean {close[0]!r}?"
            loc: Loc = ("rules", i, "channels", j)
            problems.append(
                f"{wl_located.path}:{wl_located.line(loc)}: {_dotted(loc)}: no channel has the "
                f"tag {tag!r}, so rule {label} would send those alerts nowhere "
                f"(tags: {', '.join(sorted(tags)) or 'none'}){hint}"
            )
    return problems


def resolve_database(value: str, base: Path) -> str:
    """An SQLAlchemy URL; a relative SQLite path is taken relative to the config file."""
    if not value:
        return f"sqlite:///{state_dir() / DEFAULT_DATABASE_FILE}"
    prefix = "sqlite:///"
    if value.startswith(prefix) and value != "sqlite:///:memory:":
        path = Path(value[len(prefix) :])
        if not path.is_absolute():
            return prefix + str((base / path).resolve())
    return value


def load_config(path: Path, channel_secrets: bool = True) -> Config:
    """Load the main file and its watchlist, reporting every problem in both files at once.

    ``channel_secrets=False`` is for the commands that send nothing (``try``, ``extract``,
    ``claims``, ``status``, ``outbox``): channels' URLs are kept as written, ``${VAR}`` and
    all, so that they run where the channels' secrets are not set; such URLs are not checked."""
    located = _load_yaml(path)
    main, problems = _validate(MainFile, located, channel_secrets)
    base = path.resolve().parent
    watchlist: Watchlist | None = None
    raw = located.data.get("watchlist") if isinstance(located.data, dict) else None
    wl_path = (base / (raw if isinstance(raw, str) else "watchlist.yaml")).resolve()
    if main is not None:
        names = [f.label for f in main.feeds]
        for i, label in enumerate(names):
            if label in names[:i]:
                problems.append(
                    f"{path}:{located.line(('feeds', i))}: feeds.{i}: "
                    f"duplicate feed {label!r} (give each a distinct name)"
                )
    if main is not None and channel_secrets:
        problems.extend(_channel_problems(main, located, skip=" ".join(problems)))
    if main is not None:
        problems.extend(_workers_problems(main, located))
    if isinstance(located.data, dict):  # the watchlist's problems too, with the main file's
        try:
            watchlist, wl_located = _located_watchlist(wl_path)
        except ConfigError as err:
            problems.extend(err.problems)
        else:
            if main is not None:
                problems.extend(_unrouted(main, located, watchlist, wl_located))
    if problems:
        raise ConfigError(problems)
    assert main is not None and watchlist is not None
    feeds = [f.model_copy(update={"url": _resolve_file_url(f.url, base)}) for f in main.feeds]
    for f in feeds:  # a token in a feed's URL is masked wherever it could be shown
        _SECRETS.update(url_secrets(f.url))
    return Config(
        path=path,
        database=resolve_database(main.database, base),
        feeds=feeds,
        channels=list(main.channels),
        watchlist=watchlist,
        watchlist_path=wl_path,
        polling=main.polling,
        health=main.health,
        web=main.web,
        workers=main.workers,
        log_format=main.log_format,
        stop_timeout=main.stop_timeout,
        reload_on_change=main.reload_on_change,
        templates=(base / main.templates).resolve() if main.templates else None,
    )


def _workers_problems(main: MainFile, located: _Located) -> list[str]:
    """``workers.mode: procrastinate`` needs a PostgreSQL ``database`` (the queue lives there)
    and the ``workers`` extra installed."""
    if main.workers.mode != "procrastinate":
        return []
    where = f"{located.path}:{located.line(('workers', 'mode'))}: workers.mode"
    problems = []
    if not main.database.startswith(("postgresql://", "postgresql+psycopg://", "postgres://")):
        problems.append(
            f"{where}: procrastinate needs a PostgreSQL database (database: "
            "postgresql+psycopg://user@host/claimwatch); the queue lives there"
        )
    import importlib.util

    if importlib.util.find_spec("procrastinate") is None:
        problems.append(
            f"{where}: procrastinate is not installed: pip install 'claimwatch[workers]'"
        )
    return problems


def _channel_problems(main: MainFile, located: _Located, skip: str = "") -> list[str]:
    """What ``run`` would otherwise fail on at start or reload: two channels with one name
    (given, or made from the scheme), an Apprise URL Apprise cannot use."""
    import apprise

    problems = []
    seen: dict[str, int] = {}
    for n, channel in enumerate(main.channels):
        name = channel.name or f"{channel.url.split('://', 1)[0]}-{n + 1}"
        where = f"{located.path}:{located.line(('channels', n))}: channels.{n}"
        if name in seen:
            problems.append(
                f"{where}: duplicate channel name {name!r} (also channels.{seen[name]}): give "
                "each a distinct name"
            )
        seen.setdefault(name, n)
        if f"channels.{n}.url:" in skip:  # already said: a secret that is not set
            continue
        if apprise.Apprise.instantiate(channel.url) is None:
            scheme = channel.url.split("://", 1)[0]
            problems.append(
                f"{located.path}:{located.line(('channels', n, 'url'))}: channels.{n}.url: "
                f"Apprise cannot use this {scheme}:// URL (see its wiki for the form it takes)"
            )
    return problems


def _resolve_file_url(url: str, base: Path) -> str:
    """``file:feed.xml`` is relative to the config file; ``file:///abs`` stays as it is."""
    if url.startswith("file:") and not url.startswith("file://"):
        return (base / url[len("file:") :]).resolve().as_uri()
    return url


def phrase_pattern(phrase: str) -> str:
    """A watchlist keyword or stance phrase as a regex: its words with their inflections
    ("troop" matches "troops"); a trailing ``*`` makes a prefix ("peacekeep*")."""
    if phrase.endswith("*"):
        return r"\b" + re.escape(phrase[:-1]) + r"\w*"
    body = re.escape(phrase).replace(r"\ ", r"\s+")
    return r"\b" + body + r"(?:s|es|ed|d|ing)?\b"


def iter_aliases(actor: Actor, day: date | None) -> Iterator[str]:
    """The names an actor goes by in an article published on ``day``."""
    yield actor.name
    yield from actor.aliases
    for role in actor.roles:
        if role.holds_on(day):
            yield role.title
