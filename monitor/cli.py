"""The ``claimwatch`` command: thin wrappers that parse options and call the library."""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import date
from pathlib import Path

import click

from . import __version__
from .config import Config, ConfigError, config_path, load_config, load_watchlist
from .model import Claim

CONFIG_HELP = (
    "Main configuration file [default: $CLAIMWATCH_CONFIG, else /etc/claimwatch/claimwatch.yaml]."
)
config_option = click.option(
    "--config", "config_file", metavar="FILE", default=None, help=CONFIG_HELP
)


def _setup_logging(level: str) -> None:
    # under systemd the journal adds its own timestamps
    fmt = "%(levelname)s %(name)s: %(message)s"
    if not os.environ.get("JOURNAL_STREAM"):
        fmt = "%(asctime)s " + fmt
    from .notify import SecretFilter

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(fmt))
    handler.addFilter(SecretFilter())
    logging.basicConfig(level=getattr(logging, level.upper()), handlers=[handler], force=True)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


def _load(config_file: str | None) -> Config:
    path = config_path(config_file)
    try:
        return load_config(path)
    except ConfigError as err:
        for problem in err.problems:
            click.echo(problem, err=True)
        raise SystemExit(1) from err


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="claimwatch")
@click.option(
    "--log-level",
    default="info",
    type=click.Choice(["debug", "info", "warning", "error"], case_sensitive=False),
    help="Least severe log messages shown.",
)
def main(log_level: str) -> None:
    """Watch news feeds for what named people and governments say, and alert on what changed."""
    _setup_logging(log_level)


@main.command()
@config_option
@click.option("--once", is_flag=True, help="Poll every feed once, deliver, and exit.")
def run(config_file: str | None, once: bool) -> None:
    """Poll the feeds and send alerts: as a daemon until SIGTERM, or --once."""
    from . import daemon
    from .pipeline import Monitor

    config = _load(config_file)
    monitor = Monitor(config)
    try:
        if once:
            reports = monitor.run_once()
            failed = [r for r in reports if r.error]
            articles = sum(r.articles for r in reports)
            alerts = sum(len(r.alerts) for r in reports)
            click.echo(
                f"polled {len(reports)} feeds ({len(failed)} failed): {articles} new articles, "
                f"{sum(r.claims for r in reports)} claims, {alerts} alerts",
                err=True,
            )
            return
        raise SystemExit(daemon.run(monitor))
    finally:
        monitor.close()


@main.command()
@config_option
def check(config_file: str | None) -> None:
    """Validate the configuration and print a summary, secrets masked."""
    from .notify import mask, secrets_of
    from .rules import channel_names

    config = _load(config_file)
    wl = config.watchlist
    click.echo(f"configuration: {config.path} (valid)")
    click.echo(f"database:      {_masked_db(config.database)}")
    click.echo(
        f"watchlist:     {config.watchlist_path}: {len(wl.actors)} actors, "
        f"{len(wl.topics)} topics, {len(wl.rules)} rules"
    )
    click.echo(f"feeds ({len(config.feeds)}):")
    for feed in config.feeds:
        click.echo(f"  {feed.label}: {feed.url} every {_duration(feed.interval)}")
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
    help="Watchlist YAML [default: the one --config names].",
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
    help="Show each claim's sentence with speaker, cue and content marked.",
)
@click.argument("articles", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
def extract(
    config_file: str | None,
    watchlist_file: str | None,
    published: str | None,
    as_jsonl: bool,
    explain: bool,
    articles: tuple[str, ...],
) -> None:
    """Print the claims found in plain-text ARTICLES."""
    from .extract import Extractor

    if watchlist_file:
        try:
            watchlist = load_watchlist(Path(watchlist_file))
        except ConfigError as err:
            for problem in err.problems:
                click.echo(problem, err=True)
            raise SystemExit(1) from err
    else:
        watchlist = _load(config_file).watchlist
    day = None
    if published:
        try:
            day = date.fromisoformat(published)
        except ValueError as err:
            raise click.BadParameter(
                f"expected YYYY-MM-DD, got {published!r}", param_hint="--published"
            ) from err
    extractor = Extractor(watchlist)
    for name in articles:
        path = Path(name)
        text = path.read_text(encoding="utf-8")
        for claim in extractor.extract(text, day):
            if as_jsonl:
                click.echo(json.dumps(claim_json(path.stem, claim), ensure_ascii=False))
            else:
                click.echo(_explain(path.stem, claim, text) if explain else _line(claim))


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
    return (
        f"{doc}: {claim.actor or '(unwatched)'} {claim.type} on {', '.join(claim.topics) or '-'}\n"
        f"  {out.strip()}\n  speaker: {claim.resolution or '-'}\n"
    )
