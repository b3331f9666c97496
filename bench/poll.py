"""Benchmark one polling cycle of 1,000 feeds against a local server, and parse overhead.

    .venv/bin/python bench/poll.py [--feeds 1000] [--sites 50] [--slow 1.0] [--rounds 1]

A separate process serves the feeds on ``--sites`` ports of 127.0.0.1 (one port = one site,
so the per-host limit applies as it would across real publishers), with keep-alive and
conditional GET. The 200 real documents of ``../shared/data/feeds/real`` are among the feeds
when present; the rest are generated news feeds of 15 items. In the measured cycle most feeds
are unchanged (304), 5% have one new item (extracted by the real spaCy pipeline), 2% answer
after ``--slow`` seconds, 3% answer 500 and 2% answer 429 with Retry-After.

The store is first brought to "everything read before" by one cold pass of fetch → parse →
store through the same ``Monitor`` (articles recorded without extraction, which on 20,000
articles would take an hour and is not what a steady-state cycle does); that pass is timed too.

Reported: the wall time of the cycle, CPU seconds per feed (this process only; the server is
another process), peak RSS during the cycle, and the same for a second, quiet cycle; then,
over the real feeds, claimwatch's fetch+parse stage against bare ``feedparser.parse`` on the
same bytes in the same run (``feedparser`` defaults, and with the options parse uses).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT.parent / "shared" / "data" / "feeds" / "real"
WATCHLIST = ROOT / "config" / "watchlist.yaml"
sys.path.insert(0, str(ROOT))

if TYPE_CHECKING:
    from monitor.config import FeedConfig
    from monitor.pipeline import Monitor

KINDS = ("unchanged", "new", "slow", "error500", "error429")


@dataclass(frozen=True)
class Feed:
    index: int
    site: int
    kind: str
    real: str | None  # file name in ../shared/data/feeds/real, else a generated feed

    @property
    def path(self) -> str:
        return f"/f{self.index}"


def plan(n_feeds: int, n_sites: int) -> list[Feed]:
    """The same feeds in the server and the client: what each one is and how it behaves."""
    reals = sorted(p.name for p in REAL.iterdir()) if REAL.is_dir() else []
    rng = random.Random(1000)  # the same plan every run, the odd ones spread over the sites
    feeds = []
    for i in range(n_feeds):
        draw = rng.random()
        kind = (
            "new"
            if draw < 0.05
            else "slow"
            if draw < 0.07
            else "error500"
            if draw < 0.10
            else "error429"
            if draw < 0.12
            else "unchanged"
        )
        real = reals[i] if i < len(reals) and kind in ("unchanged", "slow") else None
        feeds.append(Feed(i, i % n_sites, kind, real))
    return feeds


PARAGRAPHS = [
    "Officials in {city} said the talks would continue through the week, with a further round "
    "expected before the end of the month, according to two people familiar with the matter.",
    "The ministry declined to comment on the details, but a spokesman said the government "
    "remained committed to a negotiated settlement and to the security of its partners.",
    "Analysts said the announcement was unlikely to change the course of the negotiations, "
    "which have stalled over the question of guarantees and the presence of foreign troops.",
]
CITIES = ["Kyiv", "Moscow", "Washington", "Brussels", "Geneva", "Ankara", "Warsaw", "Paris"]


def item(feed: int, n: int, quote: bool = False) -> str:
    city = CITIES[(feed + n) % len(CITIES)]
    text = " ".join(p.format(city=city) for p in PARAGRAPHS)
    if quote:
        text = (
            f"Zelensky said on Tuesday that Ukraine wants the presence of American troops in "
            f"{city}. Lavrov threatened retaliatory attacks on any foreign troops. {text}"
        )
    return (
        f"<item><title>Story {n} from feed {feed}: talks in {city}</title>"
        f"<guid isPermaLink='false'>bench-{feed}-{n}</guid>"
        f"<link>https://site{feed % 97}.example.org/{feed}/{n}?utm_source=rss</link>"
        f"<pubDate>Tue, 10 Feb 2026 {n % 24:02d}:00:00 GMT</pubDate>"
        f"<description>&lt;p&gt;{text}&lt;/p&gt;</description></item>"
    )


def document(feed: Feed, cycle: int) -> bytes:
    if feed.real:
        return (REAL / feed.real).read_bytes()
    items = [item(feed.index, n) for n in range(15)]
    if feed.kind == "new":
        items = [item(feed.index, 100 + c, quote=True) for c in range(cycle, 0, -1)] + items
    return (
        f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
        f"<title>Bench feed {feed.index}</title><link>https://example.org/{feed.index}</link>"
        f"{''.join(items)}</channel></rss>"
    ).encode()


# --- the server process ---------------------------------------------------------------------------
async def serve(feeds: list[Feed], n_sites: int, slow: float) -> None:
    by_path = {f.path: f for f in feeds}
    cycle = {"n": 0}
    docs: dict[tuple[int, int], bytes] = {}

    def body(feed: Feed) -> tuple[bytes, str]:
        n = cycle["n"] if feed.kind == "new" else 0
        if (feed.index, n) not in docs:
            docs[(feed.index, n)] = document(feed, n)
        return docs[(feed.index, n)], f'"{feed.index}-{n}"'

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                path = lines[0].split(" ")[1]
                headers = {
                    k.strip().lower(): v.strip()
                    for k, _, v in (line.partition(":") for line in lines[1:] if line)
                }
                status, extra, payload = 200, "", b""
                if path.startswith("/_cycle/"):
                    cycle["n"] = int(path.rsplit("/", 1)[1])
                elif (feed := by_path.get(path)) is None:
                    status, payload = 404, b"not found"
                elif feed.kind == "error500":
                    status, payload = 500, b"internal error"
                elif feed.kind == "error429":
                    status, extra, payload = 429, "Retry-After: 120\r\n", b"slow down"
                else:
                    if feed.kind == "slow":
                        await asyncio.sleep(slow)
                    payload, etag = body(feed)
                    extra = f"ETag: {etag}\r\nContent-Type: application/xml\r\n"
                    if headers.get("if-none-match") == etag:
                        status, payload = 304, b""
                reason = {200: "OK", 304: "Not Modified", 404: "Not Found"}.get(status, "Error")
                length = f"Content-Length: {len(payload)}\r\n\r\n"
                writer.write(f"HTTP/1.1 {status} {reason}\r\n{extra}{length}".encode() + payload)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    servers = [await asyncio.start_server(handle, "127.0.0.1", 0) for _ in range(n_sites)]
    ports = [s.sockets[0].getsockname()[1] for s in servers]
    print(json.dumps(ports), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until closed


# --- the client ----------------------------------------------------------------------------------
def read_once(mon: Monitor, cfg: FeedConfig) -> int:
    """Read one feed as a poll would, recording every item as read without extracting it and
    keeping the feed's validators: the state after an earlier cycle (``cfg``: one of ``mon``'s
    feeds). Returns the items read."""
    from monitor import parse

    state = mon.store.feed_state(cfg.key, cfg.label)
    got = mon.fetcher.fetch(cfg.url, etag=state.etag)
    items, error = 0, got.error
    if got.body is not None and error is None:
        parsed = parse.parse(got.body, url=got.url, feed=cfg.label, headers=got.headers)
        error = parsed.error
        with mon._write, mon.store.batch() as batch:
            for article in {a.key: a for a in parsed.articles}.values():
                batch.record(article, [])
                batch.set_content_hash(article.key, parse.content_hash(article))
        items = len(parsed.articles)
    with mon._write:
        mon.store.record_fetch(cfg.key, got, items=items, error=error)
    return items


def peak_rss_reset() -> None:
    """Make VmHWM (peak RSS) start again from the current RSS (Linux)."""
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--feeds", type=int, default=1000)
    ap.add_argument("--sites", type=int, default=50)
    ap.add_argument("--slow", type=float, default=1.0, help="seconds the slow feeds take")
    ap.add_argument("--rounds", type=int, default=1, help="rounds of the parse comparison")
    ap.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    feeds = plan(args.feeds, args.sites)
    if args.serve:
        asyncio.run(serve(feeds, args.sites, args.slow))
        return 0

    import logging

    import feedparser
    import yaml

    from monitor import parse, poller
    from monitor.config import load_config
    from monitor.pipeline import Monitor

    logging.basicConfig(level=logging.ERROR)  # one line per failing feed would drown the figures
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", *sys.argv[1:]],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None and server.stdin is not None
    ports = json.loads(server.stdout.readline())

    def url(feed: Feed) -> str:
        return f"http://127.0.0.1:{ports[feed.site]}{feed.path}"

    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "claimwatch.yaml"
        config.write_text(
            yaml.safe_dump(
                {
                    "database": f"sqlite:///{tmp}/bench.sqlite",
                    "watchlist": str(WATCHLIST),
                    "feeds": [{"name": f"f{f.index}", "url": url(f)} for f in feeds],
                    # a configuration must route its alerts somewhere; none is sent in a cycle
                    "channels": [{"name": "terminal", "url": "stdout://"}],
                }
            )
        )
        mon = Monitor(load_config(config))
        polling = mon.config.polling
        counts = {k: sum(f.kind == k for f in feeds) for k in KINDS}
        print(
            f"{len(feeds)} feeds on {args.sites} sites (127.0.0.1, one port each), "
            f"{sum(f.real is not None for f in feeds)} of them real documents; "
            f"limits: {polling.max_per_host} per site, {polling.max_concurrent} overall"
        )
        print("measured cycle: " + ", ".join(f"{v} {k}" for k, v in counts.items()))

        # --- prime: everything read once, as after an earlier poll -----------------------------
        def prime(cfg: FeedConfig) -> int:
            return read_once(mon, cfg)

        start = time.perf_counter()
        primed = poller.run_all(
            mon.config.feeds,
            prime,
            url=lambda f: f.url,
            limiter=mon.limiter,
            workers=polling.max_concurrent,
        )
        print(
            f"cold pass (full GET + parse + store, no extraction): {sum(primed)} articles in "
            f"{time.perf_counter() - start:.1f} s"
        )

        # --- the measured cycles ----------------------------------------------------------------
        def cycle(n: int, label: str) -> None:
            import urllib.request

            urllib.request.urlopen(f"http://127.0.0.1:{ports[0]}/_cycle/{n}").read()
            peak_rss_reset()
            base_rss = peak_rss_mb()
            cpu0, wall0 = time.process_time(), time.perf_counter()
            reports = mon.poll_many(mon.config.feeds)
            wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
            peak = peak_rss_mb()
            grew = max(0.0, peak - base_rss)
            new = sum(r.articles for r in reports)
            print(
                f"{label}: wall {wall:.2f} s, CPU {cpu:.2f} s = {1000 * cpu / len(feeds):.2f} ms "
                f"per feed, peak RSS {peak:.0f} MB (+{grew:.0f} MB over the cycle); "
                f"{sum(r.not_modified for r in reports)} not modified, {new} new articles "
                f"({sum(r.claims for r in reports)} claims), "
                f"{sum(r.error is not None for r in reports)} errors"
            )

        cycle(1, "cycle 1 (mixed)")
        # what bounds it: the new articles' extraction, measured alone on the same texts
        texts = [document(f, 1) for f in feeds if f.kind == "new"]
        arts = [parse.parse(t, url="https://e.org/", feed="x").articles[0] for t in texts]
        t0 = time.perf_counter()
        for a in arts:
            mon.extractor.extract(a.text, a.published.date() if a.published else None)
        print(
            f"  of which extraction of the {len(arts)} new articles alone: "
            f"{time.perf_counter() - t0:.2f} s; slowest single feed: {args.slow:.1f} s"
        )
        cycle(1, "cycle 2 (quiet: nothing new)")

        # --- overhead of the fetch+parse stage over bare feedparser, real feeds ------------------
        reals = [f for f in feeds if f.real]
        if reals:
            bodies = {f.index: (REAL / f.real).read_bytes() for f in reals if f.real}
            totals: dict[str, list[float]] = {"cw": [], "fetch": [], "fp": [], "fp_same": []}
            for _ in range(args.rounds):
                fetching = 0.0
                t0 = time.perf_counter()
                for f in reals:
                    t1 = time.perf_counter()
                    got = mon.fetcher.fetch(url(f))
                    fetching += time.perf_counter() - t1
                    assert got.body is not None and got.body == bodies[f.index]
                    parse.parse(got.body, url=got.url, feed="x", headers=got.headers)
                totals["cw"].append(time.perf_counter() - t0)
                totals["fetch"].append(fetching)
                t0 = time.perf_counter()
                for f in reals:
                    feedparser.parse(io.BytesIO(bodies[f.index]))
                totals["fp"].append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                for f in reals:
                    feedparser.parse(
                        io.BytesIO(bodies[f.index]),
                        sanitize_html=False,
                        resolve_relative_uris=False,
                    )
                totals["fp_same"].append(time.perf_counter() - t0)
            cw, fp, same = (statistics.median(totals[k]) for k in ("cw", "fp", "fp_same"))
            size = sum(map(len, bodies.values())) / 1e6
            print(
                f"real feeds ({len(reals)}, {size:.0f} MB), median of {args.rounds}: "
                f"claimwatch fetch+parse {cw:.2f} s; bare feedparser.parse {fp:.2f} s "
                f"(ratio {cw / fp:.2f}); feedparser with parse's options {same:.2f} s "
                f"(ratio {cw / same:.2f}: the overhead claimwatch adds, fetch over HTTP included; "
                f"the HTTP fetch alone {statistics.median(totals['fetch']):.2f} s)"
            )
        mon.close()
    server.stdin.close()
    server.wait(10)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
