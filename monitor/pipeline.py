"""The pipeline: fetch → parse → extract → store → diff → rules → outbox, then deliver.

``Monitor.poll`` is the one function that calls the stages in order; ``run --once`` and every
scheduler tick share it. Each article is one transaction, so a crash mid-feed keeps what was
done and redoes the rest on the next poll.
"""

from __future__ import annotations

import logging
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from . import diff, fetch, parse, poller, rules
from .config import Config, FeedConfig
from .extract import Extractor
from .extract.structure import MAX_PARAGRAPH
from .model import Article, Claim
from .notify import Channel, DeliveryReport, build_channels, deliver, load_templates, mask
from .store import Batch, FeedRow, QueuedAlert, Recorded, Store, StoredArticle, utcnow

log = logging.getLogger("claimwatch.pipeline")

# --- the budget of one article ----------------------------------------------------------------
# The extractor's cost grows faster than the text: on this machine a paragraph of 10,000
# characters takes 1.3 s and one of 50,000 takes 21 s (200,000: 524 s and 834 MB); an article
# of 25,000 characters of short lines takes 3.4 s and one of 200,000 takes 44 s. So an article
# is bounded, the extractor reads a long paragraph in pieces (``extract.structure
# .MAX_PARAGRAPH``), and it reads an article a few paragraphs at a time, taking the extraction
# lock for each step; no real article of the 397 in ../shared/ comes near (the longest is 24,916
# characters, its longest paragraph 7,524), so they are read in one step, as before.
MAX_ARTICLE_CHARS = 200_000  # text beyond this is not read (a 5 MB "article" is not news)
PIECE_CHARS = 25_000  # read in one step, holding the extraction lock; whole paragraphs
ARTICLE_SECONDS = 30.0  # no further step is started once an article has taken this long
MAX_CLAIMS = 500  # the longest real articles hold about 100; word soup holds thousands


class FairLock:
    """A lock handed to its waiters in the order they asked: one article's next step waits
    behind the steps other feeds asked for meanwhile (``threading.Lock`` makes no promise)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._next = 0  # the next ticket to hand out
        self._serving = 0  # the ticket that holds the lock

    def __enter__(self) -> None:
        with self._cond:
            ticket = self._next
            self._next += 1
            self._cond.wait_for(lambda: self._serving == ticket)

    def __exit__(self, *exc: object) -> None:
        with self._cond:
            self._serving += 1
            self._cond.notify_all()


def bounded_text(text: str) -> tuple[str, str]:
    """``text`` within the size budget (cut at a line end before ``MAX_ARTICLE_CHARS``), and a
    note saying what was cut or read in pieces ("" if nothing)."""
    notes = []
    longest = max((len(line) for line in text.split("\n")), default=0)
    if len(text) > MAX_ARTICLE_CHARS:
        cut = text.rfind("\n", 0, MAX_ARTICLE_CHARS)
        whole, text = len(text), text[: cut if cut > 0 else MAX_ARTICLE_CHARS]
        notes.append(f"read the first {len(text):,} of {whole:,} characters")
    if longest > MAX_PARAGRAPH:
        notes.append(f"a paragraph of {longest:,} characters read in pieces")
    return text, "; ".join(notes)


@dataclass(frozen=True)
class Ingested:
    """What one article did to the store: its claims, what changed, the alerts queued."""

    recorded: list[Recorded]
    analysis: diff.Analysis
    alerts: list[QueuedAlert]
    alert_ids: list[int]
    outlets_added: int = 0


@dataclass
class PollReport:
    feed: str
    articles: int = 0
    claims: int = 0
    alerts: list[int] = field(default_factory=list)
    error: str | None = None
    not_modified: bool = False
    edited: int = 0  # of ``articles``, those read again because the publisher changed them
    failures: int = 0  # consecutive failures after this poll
    became_failing: bool = False  # this poll made the feed failing: tell the operator
    recovered: bool = False  # the feed was failing and this poll succeeded
    next_poll: float = 0.0  # seconds until the policy wants this feed polled again
    moved_to: str | None = None  # permanent redirects led here
    notices: list[str] = field(default_factory=list)  # articles the budget cut short


class Monitor:
    """A configuration at work: its store, extractor and channels, built once."""

    def __init__(
        self, config: Config, extractor: Extractor | None = None, *, channels: bool = True
    ) -> None:
        """``channels=False``: no channel is built (``try``: nothing is sent, and the channels'
        secrets need not be set); their names and tags still decide where alerts would go."""
        self.config = config
        self.store = Store(config.database)
        # loaded on first use: a scheduler that only queues polls (workers: procrastinate), and
        # commands that only read the store, never pay for spaCy's model (~200 MB)
        self._extractor = extractor
        self._loading = threading.Lock()
        self.channels: list[Channel] = (
            build_channels(config.channels, load_templates(config.templates)) if channels else []
        )
        self.channel_tags = rules.channel_names(config.channels)
        self._write = threading.Lock()  # one writer at a time keeps SQLite free of lock errors
        self._operator_queued = False
        self._extracting = FairLock()  # spaCy gains nothing from threads: one piece at a time
        polling = config.polling
        self.policy = poller.Policy(
            failure_threshold=polling.failure_threshold, backoff_cap=polling.backoff_cap
        )
        self.limiter = poller.Limiter(polling.max_per_host, polling.max_concurrent)
        self.fetcher = fetch.Fetcher(
            limiter=self.limiter, allow_hosts=frozenset(polling.allow_hosts)
        )
        self._took: dict[str, float] = {}  # how long each feed's last request took
        self._unrecorded: dict[str, int] = {}  # failed polls the store could not record yet
        self.last_delivery = DeliveryReport()  # what run_once's delivery did

    @property
    def extractor(self) -> Extractor:
        """The configuration's extractor, loaded (spaCy's model with it) on first use, once
        even when several poll threads ask at the same time."""
        if self._extractor is None:
            with self._loading:
                if self._extractor is None:
                    self._extractor = Extractor(self.config.watchlist)
        return self._extractor

    @property
    def loaded_extractor(self) -> Extractor | None:
        """The extractor if it is loaded yet, else None (a reload hands it on without loading)."""
        return self._extractor

    def close(self) -> None:
        self.fetcher.close()
        self.store.close()

    def poll(self, feed: FeedConfig) -> PollReport:
        """Poll one feed and queue the alerts its new or edited articles raise; never raises.

        A poll that fails, for any reason (the feed, a stage raising, a store that refuses a
        write), is a failure: counted, recorded with a one-line reason, and logged. When the
        store cannot even record that, the count is kept here and recorded with the next poll
        the store takes. The report says when to poll the feed next and whether it just became
        failing or recovered (the operator alert); each transition is logged once."""
        report = PollReport(feed.label)
        state: FeedRow | None = None
        got = fetch.Fetched(feed.url, 0)
        problem: str | None = None
        ttl: int | None = None
        try:
            with self._write:
                state = self.store.feed_state(feed.key, feed.label)
            ttl = state.ttl
            got = self.fetcher.fetch(
                state.fetch_url or feed.url,
                etag=state.etag,
                last_modified=state.last_modified,
                trusted=_host(feed.url) or "",  # the host the operator named, as it is
            )
            report.not_modified, report.moved_to = got.not_modified, got.moved_to
            self._took[feed.url] = got.elapsed
            problem = got.error
            if problem is None and got.body is not None:
                parsed = parse.parse(got.body, url=got.url, feed=feed.label, headers=got.headers)
                problem, ttl = parsed.error, parsed.ttl
                if problem is None:
                    self._read_articles(feed, parsed, report)
        except Exception as exc:  # a stage or the store raised: this poll failed, say why
            problem = failure_reason(exc)
            log.debug("feed %s: poll failed", feed.label, exc_info=True)
        unrecorded = self._unrecorded.get(feed.url, 0)
        before = (state.failures if state is not None else 0) + unrecorded
        delay = poller.next_delay(
            feed.interval,
            failures=0 if problem is None else before + 1,
            policy=self.policy,
            retry_after=got.retry_after,
            max_age=got.max_age,
            ttl_minutes=ttl,
        )
        try:
            with self._write:
                after = self.store.record_fetch(
                    feed.key,
                    got,
                    items=report.articles,
                    error=mask(problem, ()) if problem else None,  # no token of a URL in it
                    next_poll=utcnow() + timedelta(seconds=delay),
                    ttl=ttl,
                    notice="; ".join(report.notices) or None,
                    unrecorded=unrecorded,
                )
            self._unrecorded.pop(feed.url, None)
        except Exception as exc:  # the store refuses even that: keep the count here
            reason = failure_reason(exc)
            problem = problem or reason
            self._unrecorded[feed.url] = unrecorded + 1
            after = before + 1
            log.error("feed %s: the store cannot record this poll: %s", feed.label, reason)
        health = poller.health(before, after, self.policy.failure_threshold)
        report.error, report.next_poll, report.failures = problem, delay, after
        report.became_failing, report.recovered = health.became_failing, health.recovered
        if problem:
            log.warning("feed %s: %s", feed.label, problem)
        if got.moved_to and problem is None:
            log.warning(
                "feed %s: moved permanently to %s; polling it there from now on "
                "(update the configuration)",
                feed.label,
                got.moved_to,
            )
        if health.became_failing:
            log.warning(
                "feed %s: FAILING after %d consecutive failures (last: %s); "
                "retrying in %s until it recovers",
                feed.label,
                after,
                problem,
                _duration(delay),
            )
            self.operator_alert(
                "feed-failing",
                f"feed {feed.label} is failing: {after} polls in a row failed (last: {problem})",
            )
        elif health.recovered:
            log.warning("feed %s: recovered after %d consecutive failures", feed.label, before)
            self.operator_alert(
                "feed-recovered", f"feed {feed.label} recovered after {before} failed polls"
            )
        return report

    def _read_articles(
        self, feed: FeedConfig, parsed: parse.ParsedFeed, report: PollReport
    ) -> None:
        """Extract and store the entries not read before, and those edited since they were."""
        for note in parsed.notes:
            log.warning("feed %s: %s", feed.label, note)
        articles = parsed.articles
        stored = self.store.stored_articles([a.key for a in articles])
        articles, rekeyed = _apart_from_other_feeds(feed, articles, stored)
        if rekeyed:
            stored |= self.store.stored_articles(rekeyed)
        summary_only = parsed.summary_only | {
            a.key
            for a, b in zip(articles, parsed.articles, strict=True)
            if b.key in parsed.summary_only
        }
        done: set[str] = set()
        legacy: dict[str, str] = {}
        for article in articles:
            if article.key in done:  # a feed listing one entry twice is read once
                continue
            done.add(article.key)
            digest = parse.content_hash(article)
            found = stored.get(article.key)
            before = found.content_hash if found else None
            if before == "":  # stored before hashes were kept: remember it, do not re-read
                legacy[article.key] = digest
                continue
            if before == digest:
                continue
            if feed.fetch_article and article.link and article.key in summary_only:
                article = self._with_page(feed, article)
            claims, notice = self.extract(article)
            if notice:
                notice = f"article {article.title[:60]!r}: {notice}"
                log.warning("feed %s: %s", feed.label, notice)
                report.notices.append(notice)
            with self._write, self.store.batch() as batch:
                ingested = self.ingest(batch, article, claims)
                batch.set_content_hash(article.key, digest)
            report.articles += 1
            report.edited += before is not None
            report.claims += len(ingested.recorded)
            report.alerts += ingested.alert_ids
            log.info(
                "feed %s: %s article %r: %d claims, %d alerts",
                feed.label,
                "edited" if before is not None else "new",
                article.title[:60],
                len(ingested.recorded),
                len(ingested.alert_ids),
            )
        if legacy:
            with self._write, self.store.batch() as batch:
                for key, digest in legacy.items():
                    batch.set_content_hash(key, digest)

    def extract(self, article: Article) -> tuple[list[Claim], str]:
        """The claims of ``article`` within its budget of size and time, and a note of what
        the budget left unread or what went wrong ("" when it was read whole).

        The text is bounded (``bounded_text``) and read a few paragraphs at a time
        (``Extractor.start``), taking the extraction lock for one step at a time, so other
        feeds' articles go on between them; no step is started after ``ARTICLE_SECONDS``. An
        extractor that raises costs this article the rest of its text, never the feed's other
        articles."""
        published = article.published.date() if article.published else None
        text, note = bounded_text(article.text)
        notes = [note] if note else []
        job = self.extractor.start(text, published)
        start = time.monotonic()
        while not job.done:
            if time.monotonic() - start > ARTICLE_SECONDS:
                notes.append(
                    f"stopped after {ARTICLE_SECONDS:.0f} s at character {job.position:,} of "
                    f"{len(text):,}"
                )
                break
            try:
                with self._extracting:
                    job.advance(PIECE_CHARS)
            except Exception as exc:  # a bug or a limit of the extractor: this article only
                notes.append(
                    f"extraction failed at character {job.position:,}: {type(exc).__name__}: "
                    f"{_one_line(exc)}"
                )
                break
            if job.found > MAX_CLAIMS:
                break
        try:
            claims = job.claims()
        except Exception as exc:  # as above: the article's claims are lost, nothing else
            notes.append(f"extraction failed: {type(exc).__name__}: {_one_line(exc)}")
            claims = []
        if len(claims) > MAX_CLAIMS:
            notes.append(f"kept the first {MAX_CLAIMS} of its claims (more is not news)")
            claims = claims[:MAX_CLAIMS]
        return claims, "; ".join(notes)

    def _with_page(self, feed: FeedConfig, article: Article) -> Article:
        """The article with its page's main text, when the feed carried only a summary."""
        # a link comes from the feed's content: http(s) to a public address, or the feed's
        # own host, or a host the operator allows by name
        if article.link.startswith(("http://", "https://")):
            got = self.fetcher.fetch(
                article.link, accept=fetch.PAGE_ACCEPT, trusted=_host(feed.url)
            )
        else:
            got = fetch.Fetched(article.link, 0, error="refused: not an http(s) link")
        kind = got.content_type.split(";")[0].strip().lower()
        if got.error or got.body is None or (kind and "html" not in kind):
            log.info(
                "feed %s: article page %s: %s; keeping the summary",
                feed.label,
                article.link,
                got.error or f"not a page ({kind or 'no body'})",
            )
            return article
        text = parse.page_text(got.body, got.url)
        return replace(article, text=text) if len(text) > len(article.text) else article

    def poll_many(self, feeds: list[FeedConfig]) -> list[PollReport]:
        """Poll ``feeds`` concurrently under the per-host and overall limits (``run --once``)."""

        def one(feed: FeedConfig) -> PollReport:
            try:
                return self.poll(feed)
            except Exception as exc:  # a bug in one poll must not lose the others' reports
                log.exception("feed %s: poll failed", feed.label)
                return PollReport(feed.label, error=f"internal error: {type(exc).__name__}")

        # the feeds that took longest last time start first, so a slow one is not the tail
        order = sorted(range(len(feeds)), key=lambda i: -self._took.get(feeds[i].url, 0.0))
        done = poller.run_all(
            [feeds[i] for i in order],
            one,
            url=lambda f: f.url,
            limiter=self.limiter,
            workers=self.config.polling.max_concurrent,
        )
        reports: list[PollReport] = [PollReport("")] * len(feeds)
        for i, report in zip(order, done, strict=True):
            reports[i] = report
        return reports

    def next_due(self, feed: FeedConfig) -> datetime:
        """When the policy last asked for ``feed`` to be polled (now if that has passed), so a
        restart still honours a Retry-After or a backoff."""
        with self._write:
            due = self.store.feed_state(feed.key, feed.label).next_poll
        now = utcnow()
        if due is None:
            return now
        due = due if due.tzinfo else due.replace(tzinfo=UTC)
        return min(max(due, now), now + timedelta(seconds=self.policy.max_interval))

    def ingest(self, batch: Batch, article: Article, claims: list[Claim]) -> Ingested:
        """Store → diff → rules → outbox for one article, inside the caller's transaction.

        Shared by polling, ``try`` (in a transaction that is rolled back) and ``replay``."""
        wl = self.config.watchlist
        recorded = batch.record(article, claims)
        analysis = diff.analyse(
            recorded, batch, wl.diff, rules.min_silence_days(wl), self.extractor.names_side
        )
        outlets = 0
        for repeat in analysis.repeats:
            if batch.mark_repeat(repeat.claim_id, repeat.original, repeat.article):
                outlets += 1
                if batch.dry_run:
                    continue  # ``try`` writes nothing, and says nothing that sounds like it
                log.info(
                    "claim %d repeats claim %d: outlet %s added",
                    repeat.claim_id,
                    repeat.original.id,
                    repeat.article.feed,
                )
        for claim_id, actor, disputed in analysis.disputes:
            batch.mark_dispute(claim_id, actor, disputed)
        alerts = rules.select(analysis.changes, wl, self.channel_tags)
        return Ingested(recorded, analysis, alerts, batch.queue(alerts), outlets)

    def trial(self, article: Article) -> list[str]:
        """What each claim of ``article`` would raise against the store, in a transaction that
        is rolled back: nothing is written."""
        claims, notice = self.extract(article)
        article = replace(article, key=f"try:{article.key}")  # never clashes with a stored one
        with self._write, self.store.batch(dry_run=True) as batch:
            ing = self.ingest(batch, article, claims)
        alerts = {a.claim_id: a for a in ing.alerts}
        repeats = {r.claim_id: r for r in ing.analysis.repeats}
        changes: dict[int, list[str]] = {}
        for change in ing.analysis.changes:
            changes.setdefault(change.recorded.id, []).append(change.kind)
        lines = []
        for rec in ing.recorded:
            c = rec.claim
            stance = "".join(f" [{t}: {s}]" for t, s in c.stances)
            who = c.actor or f"(unwatched: {c.speaker.text if c.speaker else 'no speaker'})"
            lines.append(f"- {who} {c.type} on {', '.join(c.topics) or '-'}{stance}")
            lines.append(f"    {c.sentence.text.strip()}")
            if c.actor is not None:
                lines.append(f"    confidence {c.confidence:.2f}: {c.confidence_why or '-'}")
            if c.actor is None:
                verdict = "no alert: the speaker is not on the watchlist"
            elif rec.id in repeats:
                verdict = f"repeat of stored claim #{repeats[rec.id].original.id}: no alert"
            elif rec.id in alerts:
                a = alerts[rec.id]
                to = ", ".join(a.channels) or "no channel"
                verdict = f"ALERT {a.kind} ({a.severity}, rule {a.rule!r}) to {to}"
                if a.possible:
                    verdict = f"POSSIBLE {a.kind} (under the rule's min_confidence): digest of {to}"
            elif rec.id in changes:
                verdict = f"{', '.join(changes[rec.id])}, but no rule matches: no alert"
            else:
                verdict = "nothing new: no alert"
            lines.append(f"    → {verdict}")
        if notice:
            lines.append(f"(within the budget of one article: {notice})")
        return lines or ["(no claims found)"]

    def deliver(self) -> DeliveryReport:
        """Send what is due; each channel is locked while it delivers, so nothing goes twice."""
        return self.deliver_channels(self.channels)

    def deliver_channels(
        self, channels: list[Channel], guard: Callable[[], bool] | None = None
    ) -> DeliveryReport:
        """Send what is due on ``channels`` only (a worker's delivery job: one channel); each
        send waits for ``guard()`` to say the channel is still this run's (``notify.deliver``)."""
        return deliver(
            self.store,
            channels,
            self.config.watchlist,
            on_failing=self._channel_failing,
            guard=guard,
        )

    def operator_alert(self, kind: str, message: str, *, exclude: str = "") -> int | None:
        """Queue claimwatch's own alert for the operator channels (durable, like any alert);
        None when there is no operator channel, or the store refuses the write (logged)."""
        targets = [c.name for c in self.channels if c.config.operator and c.name != exclude]
        try:
            with self._write:
                alert_id = self.store.queue_operator(kind, message, targets)
        except Exception as exc:
            log.error("cannot queue the operator alert %r: %s", message, failure_reason(exc))
            return None
        self._operator_queued = alert_id is not None
        if alert_id is None:
            log.warning("no operator channel for: %s", message)
        return alert_id

    def _channel_failing(self, channel: str, reason: str) -> None:
        self.operator_alert(
            "channel-failing", f"channel {channel} is failing: {reason}", exclude=channel
        )

    def run_once(self) -> list[PollReport]:
        """Poll every feed once, then deliver everything due (``last_delivery`` says how)."""
        reports = self.poll_many(self.config.feeds)
        self.last_delivery = self.deliver()
        if self._operator_queued:  # a channel failed during delivery: tell the operators now
            self._operator_queued = False
            self.last_delivery.add(self.deliver())
        return reports


def _apart_from_other_feeds(
    feed: FeedConfig, articles: list[Article], stored: dict[str, StoredArticle]
) -> tuple[list[Article], list[str]]:
    """Entries whose identity another feed's stored article already holds, with another link
    (two sites numbering their guids from 1): each is given its own identity, as
    ``parse.distinct_identities`` does inside one document. Returns the articles and the new
    keys to look up."""
    out, rekeyed = [], []
    for article in articles:
        found = stored.get(article.key)
        link = parse.clean_link(article.link)
        if found and found.feed != feed.label and link and parse.clean_link(found.link) != link:
            log.warning(
                "feed %s: entry %r shares the identity %r with an article of feed %s that has "
                "another link: read as an article of its own",
                feed.label,
                article.title[:60],
                article.key[:120],
                found.feed,
            )
            article = replace(article, key=f"{article.key}|{link}")
            rekeyed.append(article.key)
        out.append(article)
    return out, rekeyed


def trial_articles(source: str, published: date | None = None) -> list[Article]:
    """The articles ``claimwatch try`` looks at: a text file, a feed file, or a feed URL."""
    path = Path(source)
    if source.startswith(("http://", "https://")) or (path.is_file() and _looks_like_feed(path)):
        url = source if "://" in source else path.resolve().as_uri()
        got = fetch.fetch(url)
        if got.error or got.body is None:
            raise ValueError(f"{source}: {got.error or 'nothing fetched'}")
        parsed = parse.parse(got.body, url=got.url, feed="try", headers=got.headers)
        if parsed.error:
            raise ValueError(f"{source}: {parsed.error}")
        return parsed.articles
    if not path.is_file():
        raise ValueError(f"{source}: no such file, and not an http(s) URL")
    when = datetime.combine(published, datetime.min.time(), UTC) if published else None
    text = path.read_text(encoding="utf-8")
    return [
        Article(key=f"try:{path}", feed="try", link="", title=path.name, text=text, published=when)
    ]


def _looks_like_feed(path: Path) -> bool:
    with path.open("rb") as fh:
        head = fh.read(512).lstrip().lower()
    return head.startswith(b"<?xml") or b"<rss" in head or b"<feed" in head or b"<rdf" in head


def _host(url: str) -> str | None:
    """The host of a configured URL, trusted whatever its address; None for file: URLs."""
    if not url.startswith(("http://", "https://")):
        return None
    return (urllib.parse.urlsplit(url).hostname or "").lower()


def failure_reason(exc: BaseException) -> str:
    """One line for an exception that failed a poll: the database's own words for a store
    error ("store: database is locked"), else the exception's type and message."""
    from sqlalchemy.exc import DBAPIError, SQLAlchemyError

    if isinstance(exc, DBAPIError) and exc.orig is not None:
        return f"store: {_one_line(exc.orig)}"
    if isinstance(exc, SQLAlchemyError):
        return f"store: {type(exc).__name__}: {_one_line(exc)}"
    return f"internal error: {type(exc).__name__}: {_one_line(exc)}"


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:200] or "no detail"


def _duration(seconds: float) -> str:
    """``90`` → ``1m30s``: how long until the next try, as an operator reads it."""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return "".join(f"{v}{u}" for v, u in ((hours, "h"), (minutes, "m"), (secs, "s")) if v) or "0s"
