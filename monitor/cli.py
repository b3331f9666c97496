"""The ``claimwatch`` command: thin wrappers that parse options and call the library."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from . import __version__, logs
from .config import Config, ConfigError, config_path, load_config, load_watchlist
from .model import Claim

if TYPE_CHECKING:
    from .extract import Note

CONFIG_HELP = (
    "Main configuration file [default: $CLAIMWATCH_CONFIG, else /etc/claimwatch/claimwatch.yaml]."
)
# the example watchlist of a clone or an editable install, for `extract` with no configuration
EXAMPLE_WATCHLIST = Path(__file__).resolve().parents[1] / "config" / "watchlist.yaml"
config_option = click.option(
    "--config", "config_file", metavar="FILE", default=None, help=CONFIG_HELP
)


def _load(config_file: str | None, channel_secrets: bool = True) -> Config:
    path = config_path(config_file)
    try:
        return load_config(path, channel_secrets)
    except ConfigError as err:
        for problem in err.problems:
            click.echo(problem, err=True)
        raise SystemExit(1) from err


class _Group(click.Group):
    """The command group; a database whose schema this release cannot use is one clear line."""

    def invoke(self, ctx: click.Context) -> object:
        from .store.migrate import SchemaError

        try:
            return super().invoke(ctx)
        except SchemaError as err:
            click.echo(f"claimwatch: {err}", err=True)
            raise SystemExit(1) from err


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="claimwatch")
@click.option(
    "--log-level",
    default="info",
    type=click.Choice(["debug", "info", "warning", "error"], case_sensitive=False),
    help="Least severe log messages shown.",
)
@click.option(
    "--log-format",
    type=click.Choice(logs.FORMATS),
    default=None,
    help="One event per line as text, or as JSON [default: the configuration's log_format, "
    "else text].",
)
def main(log_level: str, log_format: str | None) -> None:
    """Watch news feeds for what named people and governments say, and alert on what changed."""
    logs.setup(log_level, log_format)


@main.command()
@config_option
@click.option("--once", is_flag=True, help="Poll every feed once, deliver, and exit.")
def run(config_file: str | None, once: bool) -> None:
    """Poll the feeds and send alerts: as a daemon until SIGTERM, or --once."""
    from . import daemon
    from .pipeline import Monitor
    from .store import StoreError

    config = _load(config_file)
    problem = database_problem(config.database)
    if problem:  # one line; no restart loop where waiting will not help
        click.echo(problem, err=True)
        waiting_helps = any(w in problem.lower() for w in ("connection refused", "timeout"))
        raise SystemExit(1 if waiting_helps else EX_CONFIG)
    distributed = config.workers.mode == "procrastinate"
    if once and distributed:
        click.echo(
            f"{config.path}: workers.mode is procrastinate: `run --once` would poll and deliver "
            "beside the workers; run `claimwatch run` (the scheduler) and `claimwatch worker`",
            err=True,
        )
        raise SystemExit(EX_CONFIG)
    try:
        if distributed:
            _queue_ready(config)
        if not once:
            raise SystemExit(daemon.run(config))
        logs.apply_config(config.log_format)
        monitor = Monitor(config)
    except StoreError as err:  # one line, and no restart loop when waiting cannot help
        click.echo(str(err), err=True)
        raise SystemExit(1 if err.transient else EX_CONFIG) from err
    try:
        reports = monitor.run_once()
    finally:
        monitor.close()
    failed = [r for r in reports if r.error]
    articles = sum(r.articles for r in reports)
    alerts = sum(len(r.alerts) for r in reports)
    click.echo(
        f"polled {len(reports)} feeds ({len(failed)} failed): {articles} new articles, "
        f"{sum(r.claims for r in reports)} claims, {alerts} alerts",
        err=True,
    )
    undelivered = monitor.last_delivery.failed
    if failed or undelivered:  # so that cron, or whatever runs it, can tell
        names = ", ".join(r.feed for r in failed)
        click.echo(
            f"failed: {len(failed)} feeds{f' ({names})' if names else ''}, "
            f"{undelivered} deliveries failed for good",
            err=True,
        )
        raise SystemExit(1)


def _queue_ready(config: Config) -> None:
    """Make Procrastinate's tables when the database has none (as a new database is made at
    start); raises ``SchemaError`` when they were made by an older procrastinate."""
    from .store import migrate
    from .workers import schema_state

    with migrate.locked(config.database) as conn:
        schema_state(conn, create=True)


@main.command()
@config_option
@click.option(
    "--concurrency",
    type=click.IntRange(min=1),
    default=None,
    help="Jobs run at once [default: the configuration's workers.concurrency, else 4].",
)
def worker(config_file: str | None, concurrency: int | None) -> None:
    """Run polls and deliveries from the queue (workers.mode: procrastinate) until SIGTERM.

    Start any number, on any machine that reaches the database; `claimwatch run` (one per
    deployment) queues the polls. The jobs in hand finish before it exits 0."""
    from .store import StoreError
    from .workers import run_worker

    config = _load(config_file)
    if config.workers.mode != "procrastinate":
        click.echo(
            f"{config.path}: workers.mode is {config.workers.mode}: `claimwatch run` polls "
            "by itself; set workers: {mode: procrastinate} and a PostgreSQL database to run "
            "workers",
            err=True,
        )
        raise SystemExit(EX_CONFIG)
    problem = database_problem(config.database)
    if problem:
        click.echo(problem, err=True)
        waiting_helps = any(w in problem.lower() for w in ("connection refused", "timeout"))
        raise SystemExit(1 if waiting_helps else EX_CONFIG)
    try:
        _queue_ready(config)
        raise SystemExit(run_worker(config, concurrency))
    except StoreError as err:
        click.echo(str(err), err=True)
        raise SystemExit(1 if err.transient else EX_CONFIG) from err


@main.command()
@config_option
def check(config_file: str | None) -> None:
    """Validate the configuration and print a summary, secrets masked."""
    from .notify import mask, secrets_of
    from .rules import channel_names

    config = _load(config_file)
    problem = database_problem(config.database)
    if problem:
        click.echo(problem, err=True)
        raise SystemExit(1)
    wl = config.watchlist
    click.echo(f"configuration: {config.path} (valid)")
    click.echo(f"database:      {_masked_db(config.database)}")
    click.echo(
        f"watchlist:     {config.watchlist_path}: {len(wl.actors)} actors, "
        f"{len(wl.topics)} topics, {len(wl.rules)} rules"
    )
    click.echo(f"feeds ({len(config.feeds)}):")
    for feed in config.feeds:
        click.echo(f"  {feed.label}: {mask(feed.url, ())} every {_duration(feed.interval)}")
    click.echo(f"channels ({len(config.channels)}):")
    for name, ch in zip(channel_names(config.channels), config.channels, strict=True):
        tags = f" tags: {', '.join(ch.tags)}" if ch.tags else ""
        click.echo(f"  {name}: {mask(ch.url, secrets_of(ch.url))}{tags}")
    for rule in wl.rules:
        parts = [
            f"{k}={','.join(v)}"
            for k, v in (("actors", rule.actors), ("topics", rule.topics), ("types", rule.types))
            if v
        ]
        click.echo(
            f"rule {rule.name or '(unnamed)'}: {' '.join(parts) or 'every claim'} [{rule.severity}]"
        )


@main.command()
@config_option
@click.option("--json", "as_json", is_flag=True, help="One JSON document instead of tables.")
def status(config_file: str | None, as_json: bool) -> None:
    """Show, from the store, each feed's last poll, last success, errors and items, and each
    channel's delivered, pending and failed alerts with its last error; with workers.mode
    procrastinate, each worker (alive, jobs in hand, last heartbeat) and the queues' depths."""
    from .health import StatusError, open_store, status_json, status_text
    from .health import status as read_status
    from .store import StoreError

    config = _load(config_file, channel_secrets=False)
    try:
        store = open_store(config.database)
    except (StatusError, StoreError) as err:
        click.echo(str(err), err=True)
        raise SystemExit(1) from err
    try:
        feeds, channels = read_status(config, store)
        queue = None
        if config.workers.mode == "procrastinate":
            from .workers import queue_status

            queue = queue_status(store.engine, config.workers.stalled_after)
    finally:
        store.close()
    if as_json:
        doc = json.loads(status_json(feeds, channels))
        if queue is not None:
            doc.update(queue.as_json())
        click.echo(json.dumps(doc, indent=2, ensure_ascii=False))
    else:
        click.echo(status_text(feeds, channels) + (f"\n\n{queue.as_text()}" if queue else ""))


@main.command()
@config_option
@click.option(
    "--check", is_flag=True, help="Only say whether revisions are waiting (exit 1 if so)."
)
def migrate(config_file: str | None, check: bool) -> None:
    """Bring the database's schema up to this release (Alembic revisions, in one transaction).

    Processes apply revisions marked safe at start on their own; the others wait for this
    command, run with every claimwatch process stopped and the database backed up."""
    from .store import make_engine, migrate

    config = _load(config_file)
    where = _masked_db(config.database)
    if check:
        engine = make_engine(config.database)
        queue: str | None = None
        try:
            with engine.connect() as conn:
                now = migrate.state(conn)
                if config.workers.mode == "procrastinate":
                    from .workers import pending_schema

                    queue = pending_schema(conn)
        finally:
            engine.dispose()
        if queue:
            click.echo(f"{where}: {queue}")
        if now.up_to_date and not queue:
            click.echo(f"{where}: schema at {now.head}, up to date")
            return
        if not now.up_to_date:
            click.echo(f"{where}: schema at {now.current or '(none)'}; waiting:")
        for rev in now.pending:
            safe = "applied at start" if rev.safe_on_start else "needs `claimwatch migrate`"
            click.echo(f"  {rev.id}: {rev.message} ({safe})")
        raise SystemExit(1)
    before, after = migrate.upgrade(config.database)
    if before == after:
        click.echo(f"{where}: schema at {after}, up to date")
    else:
        click.echo(f"{where}: schema upgraded from {before or '(before migrations)'} to {after}")
    if config.workers.mode == "procrastinate":  # the queue's tables, in one transaction too
        from .workers import apply_schema

        with migrate.locked(config.database) as conn:
            click.echo(f"{where}: {apply_schema(conn)}")


@main.command()
@config_option
@click.option(
    "--listen",
    metavar="HOST:PORT",
    help="Where to serve [default: the configuration's web.listen, else 127.0.0.1:8080]. An "
    "address other than loopback needs web.token.",
)
def web(config_file: str | None, listen: str | None) -> None:
    """Serve the dashboard and its API (read-only) over the store, until SIGINT/SIGTERM."""
    from .web import WebError, serve

    config = _load(config_file)
    logs.apply_config(config.log_format)
    try:
        raise SystemExit(serve(config, listen))
    except WebError as err:
        click.echo(str(err), err=True)
        raise SystemExit(1) from err


EX_CONFIG = 78  # sysexits.h: the unit's RestartPreventExitStatus= keeps systemd from looping


def database_problem(url: str) -> str | None:
    """Why ``run`` could not open and write the database, in one line; None when it can.

    Nothing is created: a SQLite file that does not exist yet is fine where its folder can
    be made and written."""
    import sqlite3

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        path = Path(url[len("sqlite:///") :].split("?", 1)[0])
        folder = next((p for p in [path.parent, *path.parent.parents] if p.exists()), None)
        if not path.exists():
            if folder is None or not folder.is_dir() or not os.access(folder, os.W_OK):
                return f"database {url}: cannot create it: {folder} is not a writable folder"
            return None
        try:  # a write lock taken and let go: refused on a read-only file or file system
            con = sqlite3.connect(f"file:{path}?{url.partition('?')[2]}", uri=True, timeout=1)
            try:
                con.execute("BEGIN IMMEDIATE")
                con.execute("ROLLBACK")
            finally:
                con.close()
        except sqlite3.Error as exc:
            return f"database {url}: cannot write to it: {exc}"
        return None
    if url.startswith("sqlite"):
        return None
    try:
        engine = create_engine(url)
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        finally:
            engine.dispose()
    except Exception as exc:
        orig = getattr(exc, "orig", None) or exc
        shown = make_url(url).render_as_string(hide_password=True)
        return f"database {shown}: {' '.join(str(orig).split())[:300]}"
    return None


def _masked_db(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _duration(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


@main.command()
@config_option
@click.option(
    "--watchlist",
    "watchlist_file",
    metavar="FILE",
    help="Watchlist YAML [default: the one --config names; with no configuration at all, the "
    "example config/watchlist.yaml of a clone].",
)
@click.option(
    "--published",
    metavar="YYYY-MM-DD",
    help="Publication date of the articles (decides who holds a role).",
)
@click.option(
    "--jsonl", "as_jsonl", is_flag=True, help="One JSON object per claim, in score.py's format."
)
@click.option(
    "--explain",
    is_flag=True,
    help="Show each claim's sentence with speaker, cue and content marked, how the speaker was "
    "resolved and the type decided, and why sentences naming a watched party hold no claim.",
)
@click.option(
    "--attributions",
    is_flag=True,
    help="Also beliefs, plans and findings ('a poll shows', 'sought to'), as PolNeAR counts them.",
)
@click.argument("articles", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
def extract(
    config_file: str | None,
    watchlist_file: str | None,
    published: str | None,
    as_jsonl: bool,
    explain: bool,
    attributions: bool,
    articles: tuple[str, ...],
) -> None:
    """Print the claims found in plain-text ARTICLES."""
    from .extract import Extractor
    from .model import printable

    unconfigured = not (watchlist_file or config_file or os.environ.get("CLAIMWATCH_CONFIG"))
    if unconfigured and not config_path(None).exists() and EXAMPLE_WATCHLIST.exists():
        # no configuration yet (a clone, a first try): the example watchlist beside the package
        click.echo(f"no {config_path(None)}: using the example {EXAMPLE_WATCHLIST}", err=True)
        watchlist_file = str(EXAMPLE_WATCHLIST)
    if watchlist_file:
        try:
            watchlist = load_watchlist(Path(watchlist_file))
        except ConfigError as err:
            for problem in err.problems:
                click.echo(problem, err=True)
            raise SystemExit(1) from err
    else:
        watchlist = _load(config_file, channel_secrets=False).watchlist
    day = _date(published)
    if day is None:
        day = datetime.now(UTC).date()
        click.echo(
            f"no --published date: the articles are read as published today, {day}, for who "
            "holds a role",
            err=True,
        )
    extractor = Extractor(watchlist, attributions=attributions)
    for name in articles:
        path = Path(name)
        text = path.read_text(encoding="utf-8")
        if explain:
            claims, notes = extractor.explain(text, day)
            shown = [(c.extent[0], _explain(path.stem, c, text)) for c in claims]
            shown += [(n.sentence.start, _explain_note(path.stem, n)) for n in notes]
            for _, block in sorted(shown, key=lambda item: item[0]):
                click.echo(printable(block))
            continue
        for claim in extractor.extract(text, day):
            if as_jsonl:  # JSON escapes control characters itself
                click.echo(json.dumps(claim_json(path.stem, claim), ensure_ascii=False))
            else:
                click.echo(printable(_line(claim)))


def claim_json(doc: str, claim: Claim) -> dict[str, object]:
    """A claim in the prediction format of ``score.py``."""

    def span(s: object) -> object:
        return s.as_json() if s is not None else None  # type: ignore[attr-defined]

    return {
        "doc": doc,
        "speaker": span(claim.speaker),
        "cue": span(claim.cue),
        "content": span(claim.content),
        "actor": claim.actor,
        "type": claim.type,
        "topics": list(claim.topics),
    }


def _line(claim: Claim) -> str:
    who = claim.actor or f"({claim.speaker.text if claim.speaker else '?'})"
    topics = ",".join(claim.topics) or "-"
    content = claim.content.text if claim.content else ""
    return f"{who}\t{claim.type}\t{topics}\t{claim.cue.text if claim.cue else ''}\t{content}"


def _explain(doc: str, claim: Claim, text: str) -> str:
    s = claim.sentence
    marks = []
    for part, (open_, close) in (
        (claim.speaker, ("[S ", "]")),
        (claim.cue, ("[C ", "]")),
        (claim.content, ("[Q ", "]")),
    ):
        if part is not None and s.start <= part.start and part.end <= s.end:
            marks.append((part.start, open_))
            marks.append((part.end, close))
    out = text[s.start : s.end]
    for pos, mark in sorted(marks, key=lambda m: m[0], reverse=True):
        out = out[: pos - s.start] + mark + out[pos - s.start :]
    typed = (
        f"decided by: {claim.key.text.strip()}"
        if claim.key
        else "nothing in it says more than a statement"
        if claim.type == "statement"
        else "from the cue"
    )
    return (
        f"{doc}: {claim.actor or '(unwatched)'} {claim.type} on {', '.join(claim.topics) or '-'}\n"
        f"  {out.strip()}\n  speaker: {claim.resolution or '-'}\n"
        f"  cue: {claim.cue_reason or '-'}\n  type: {typed}\n"
        f"  confidence: {claim.confidence:.2f} ({claim.confidence_why or '-'})\n"
    )


def _explain_note(doc: str, note: Note) -> str:
    """A sentence that names a watched party but holds no claim, and why."""
    return f"{doc}: no claim\n  {note.sentence.text.strip()}\n  {note.text}\n"


def _names(config: Config) -> dict[str, str]:
    return {ident: a.name for ident, a in config.watchlist.actors.items()}


@main.command(name="try")
@config_option
@click.option("--published", metavar="YYYY-MM-DD", help="Publication date of a plain-text article.")
@click.argument("source")
def try_(config_file: str | None, published: str | None, source: str) -> None:
    """Show the claims in SOURCE and what each would raise, writing nothing.

    SOURCE is a plain-text article, a feed file, or the URL of a feed (every entry is tried).
    Run it after editing the watchlist."""
    from .model import printable
    from .pipeline import Monitor, trial_articles

    config = _load(config_file, channel_secrets=False)
    try:
        articles = trial_articles(source, _date(published))
    except ValueError as err:
        raise click.ClickException(str(err)) from err
    today = datetime.now(UTC).date()
    for i, article in enumerate(articles):
        if article.published is None:
            click.echo(
                f"{article.title or article.key}: no date given or found: read as published "
                f"today, {today}, for who holds a role (give --published to say otherwise)",
                err=True,
            )
            articles[i] = replace(
                article, published=datetime.combine(today, datetime.min.time(), UTC)
            )
    if config.database.startswith("sqlite:///") and not Path(config.database[10:]).exists():
        click.echo("no database yet: the claims are compared with an empty history", err=True)
        config = replace(config, database="sqlite://")  # in memory: try creates no file
    monitor = Monitor(config, channels=False)
    try:
        for article in articles:
            click.echo(printable(f"== {article.title or article.key}"))
            for line in monitor.trial(article):
                click.echo(printable(line))
    finally:
        monitor.close()


def _date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as err:
        raise click.BadParameter(
            f"expected YYYY-MM-DD, got {value!r}", param_hint="--published"
        ) from err


@main.command()
@config_option
@click.option("--actor", required=True, help="Actor id from the watchlist.")
@click.option("--topic", help="Topic id (default: every topic).")
def claims(config_file: str | None, actor: str, topic: str | None) -> None:
    """Print an actor's stored claims, oldest first."""
    from .model import printable
    from .store import Store

    config = _load(config_file, channel_secrets=False)
    if actor not in config.watchlist.actors:
        raise click.BadParameter(f"unknown actor {actor!r}", param_hint="--actor")
    if topic is not None and topic not in config.watchlist.topics:
        raise click.BadParameter(f"unknown topic {topic!r}", param_hint="--topic")
    store = Store(config.database)
    try:
        for c in store.claims_of(actor, topic):
            said = c.said_at.strftime("%Y-%m-%d")
            repeat = f" (repeats #{c.repeat_of})" if c.repeat_of else ""
            topics = ",".join(c.topics) or "-"
            click.echo(printable(f"#{c.id} {said} {c.type:<12} {topics:<30} {c.feed}{repeat}"))
            click.echo(f"    {printable(c.sentence.strip())}")
    finally:
        store.close()


@main.command()
@config_option
@click.option(
    "--index",
    "index_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help='JSONL of {"doc", "source", "published", "title", "path"} (path relative to it).',
)
@click.option(
    "--database",
    default="sqlite://",
    show_default=True,
    help="Where the replay stores claims (default: in memory; never the live database).",
)
@click.option("--out", type=click.File("w"), help="Write each alert as a JSON line here.")
@click.option("--limit", type=int, help="Replay only the first N articles.")
def replay(
    config_file: str | None, index_file: str, database: str, out: object, limit: int | None
) -> None:
    """Feed time-ordered articles through the pipeline with their own dates as the clock,
    and write the alerts it would send (none is sent)."""
    from dataclasses import replace as dc_replace

    from .pipeline import Monitor
    from .replay import read_index, summarise
    from .replay import replay as run_replay

    config = _load(config_file)
    if database == config.database:
        raise click.BadParameter(
            "replay must not write to the live database", param_hint="--database"
        )
    try:
        entries = read_index(Path(index_file))[:limit]
    except ValueError as err:
        raise click.ClickException(str(err)) from err
    monitor = Monitor(dc_replace(config, database=database, channels=[]))
    try:
        report = summarise(run_replay(monitor, entries, out))  # type: ignore[arg-type]
    finally:
        monitor.close()
    kinds = ", ".join(f"{n} {k}" for k, n in sorted(report.alerts.items())) or "none"
    click.echo(
        f"replayed {report.articles} articles: {report.claims} claims "
        f"({report.watched_claims} by watched actors), {report.repeats} repeats, "
        f"{report.outlets_added} outlets added; alerts: {kinds}",
        err=True,
    )


@main.command()
@config_option
@click.option("--channel", help="Only this channel.")
@click.option("--retry", is_flag=True, help="Requeue failed deliveries and retry waiting ones now.")
def outbox(config_file: str | None, channel: str | None, retry: bool) -> None:
    """List pending and failed deliveries with their last error."""
    import difflib

    from .rules import channel_names
    from .store import Store

    config = _load(config_file, channel_secrets=False)
    store = Store(config.database)
    try:
        if channel is not None:  # as test-notify: a name that is not a channel is an error
            known = set(channel_names(config.channels)) | set(store.outbox_counts())
            if channel not in known:
                close = difflib.get_close_matches(channel, sorted(known), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise click.BadParameter(
                    f"no channel named {channel!r}{hint}", param_hint="--channel"
                )
        if retry:
            click.echo(f"requeued {store.requeue(channel)} deliveries")
            return
        items = store.outbox(channel)
        for item in items:
            state = item.status
            if item.deferred:
                state += f" (held for digest: {item.deferred})"
            elif item.status == "pending" and item.attempts:
                state += f" (retry at {item.next_attempt:%Y-%m-%d %H:%M:%S})"
            click.echo(f"#{item.alert_id} {item.channel}: {state}, {item.attempts} attempts")
            click.echo(f"    {item.summary}")
            if item.last_error:
                click.echo(f"    last error: {item.last_error}")
        unrouted = 0 if channel else store.unrouted()
        if unrouted:
            click.echo(
                f"{unrouted} alerts were queued for no channel (their rules named tags no "
                "channel had) and were never sent"
            )
        elif not items:
            click.echo("outbox empty: every alert was delivered")
    finally:
        store.close()


@main.command(name="test-notify")
@config_option
@click.argument("channel", required=False)
def test_notify(config_file: str | None, channel: str | None) -> None:
    """Send a test message through each channel (or CHANNEL) and report what really happened."""
    from .notify import DeliveryError, build_channels, test_channel

    config = _load(config_file)
    channels = build_channels(config.channels)
    if channel:
        channels = [c for c in channels if c.name == channel]
        if not channels:
            raise click.BadParameter(f"no channel named {channel!r}", param_hint="CHANNEL")
    failed = 0
    for ch in channels:
        try:
            test_channel(ch)
        except DeliveryError as err:
            failed += 1
            kind = "permanent" if err.permanent else "transient"
            click.echo(f"{ch.name}: FAILED ({kind}): {err.reason}")
        else:
            click.echo(f"{ch.name}: ok")
    if failed:
        raise SystemExit(1)
