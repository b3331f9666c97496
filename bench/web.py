"""How fast the dashboard answers with 1,000,000 claims in the store, against a bare SQL query
of the same rows in the same run.

The store is made of real claims: the 397 articles of ../shared/data/articles/ replayed through
the example watchlist (4,277 claims, their claim keys, alerts, outlets and disputes; made once
and kept as the template), copied until the store holds the number of claims asked for, each
copy a week later than the one before (1M claims: 234 copies, about four and a half years, some
22,000 alerts). Then ``claimwatch web`` serves it on loopback (uvicorn in a thread, as the daemon
runs it) and each page is fetched over HTTP; the baseline runs the SQL that reads the rows the
page shows, with the sqlite3 module and nothing around it. Both are timed warm (median and 90th
percentile of ``--repeat`` tries); the ratio is page / bare SQL.

    .venv/bin/python bench/web.py [--claims 1000000] [--db /tmp/claimwatch-bench-web.sqlite]
        [--repeat 15] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import httpx
import yaml

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
WATCHLIST = ROOT / "config" / "watchlist.yaml"
TABLES = ("article", "claim", "claim_key", "alert", "outlet", "dispute", "delivery")
WEEK = timedelta(days=7)
STAMP = "%Y-%m-%d %H:%M:%S.%f"


def _config(directory: Path, database: Path) -> Path:
    path = directory / f"{database.stem}.yaml"
    data = {"database": f"sqlite:///{database}", "watchlist": str(WATCHLIST), "feeds": []}
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def make_template(path: Path) -> None:
    """Replay the 397 real articles into ``path`` (about a minute, done once)."""
    from monitor.config import load_config
    from monitor.pipeline import Monitor
    from monitor.replay import read_index, replay, summarise

    index = SHARED / "data" / "articles" / "index.jsonl"
    if not index.is_file():
        sys.exit(f"no {index}: the template store is made from ../shared's articles")
    monitor = Monitor(load_config(_config(path.parent, path)))
    try:
        report = summarise(replay(monitor, read_index(index)))
    finally:
        monitor.close()
    print(
        f"template: {report.articles} articles, {report.claims} claims, "
        f"{sum(report.alerts.values())} alerts",
        flush=True,
    )


def _shift(value: str | None, by: timedelta) -> str | None:
    if value is None:
        return None
    return (datetime.fromisoformat(value) + by).strftime(STAMP)


def grow(template: Path, db: Path, claims: int) -> None:
    """Copy the template's rows into ``db`` until it holds ``claims`` claims."""
    from monitor.store import Store

    Store(f"sqlite:///{db}").close()  # the schema, with every index the application makes
    src = sqlite3.connect(template)
    dst = sqlite3.connect(db)
    dst.execute("pragma journal_mode=wal")
    dst.execute("pragma synchronous=off")
    rows: dict[str, tuple[list[str], list[tuple[object, ...]]]] = {}
    for table in TABLES:
        cur = src.execute(f'select * from "{table}" order by id')
        rows[table] = ([d[0] for d in cur.description], cur.fetchall())
    top = {t: max((r[0] for r in rows[t][1]), default=0) for t in TABLES}
    per_copy = len(rows["claim"][1])
    copies = -(-claims // per_copy)
    times = {
        "said_at",
        "published",
        "fetched_at",
        "created_at",
        "sent_at",
        "next_attempt",
        "queued_at",
    }
    refs = {
        "article_id": "article",
        "claim_id": "claim",
        "repeat_of": "claim",
        "disputed_id": "claim",
        "alert_id": "alert",
    }
    t0 = time.perf_counter()
    for k in range(copies):
        by = WEEK * k
        for table in TABLES:
            columns, data = rows[table]
            if table == "claim" and k == copies - 1:
                data = data[: claims - per_copy * k]
                keep = {r[0] for r in data}
            out = []
            for row in data:
                values = list(row)
                for i, name in enumerate(columns):
                    v = values[i]
                    if v is None:
                        continue
                    if name == "id":
                        values[i] = v + top[table] * k
                    elif name in refs:
                        values[i] = v + top[refs[name]] * k
                    elif name in times:
                        values[i] = _shift(v, by)
                    elif table == "article" and name == "key":
                        values[i] = f"{v}#{k}"
                    elif table == "alert" and name == "previous":
                        values[i] = json.dumps([p + top["claim"] * k for p in json.loads(v)])
                out.append(values)
            if k == copies - 1 and table != "claim" and table != "article":
                ref = "claim_id" if "claim_id" in columns else None
                if ref:
                    at = columns.index(ref)
                    out = [v for v in out if v[at] is None or v[at] - top["claim"] * k in keep]
                if table == "delivery":
                    alive = {r[0] for r in dst.execute("select id from alert")}
                    at = columns.index("alert_id")
                    out = [v for v in out if v[at] in alive]
            names = ", ".join(f'"{c}"' for c in columns)
            marks = ", ".join("?" for _ in columns)
            dst.executemany(f'insert into "{table}" ({names}) values ({marks})', out)
        dst.commit()
        if k % 20 == 0:
            print(f"  copy {k + 1}/{copies} ({time.perf_counter() - t0:.0f}s)", flush=True)
    dst.commit()  # no ANALYZE: the store as the daemon leaves it
    counts = {t: dst.execute(f'select count(*) from "{t}"').fetchone()[0] for t in TABLES}
    print("store: " + ", ".join(f"{n:,} {t}" for t, n in counts.items()), flush=True)
    src.close()
    dst.close()


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float, float, float]:
    """Median, best and 90th percentile of ``fn``'s wall time, and the median CPU time this
    process spent on it (the server's thread and the client's: what other load on a shared
    machine inflates least), in seconds, after two warm-up calls."""
    fn()
    fn()
    times, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return (
        statistics.median(times),
        min(times),
        statistics.quantiles(times, n=10)[-1],
        statistics.median(cpu),
    )


ALERT_ROWS = (
    "select a.*, c.*, r.feed, r.link, r.title, r.published from alert a "
    "join claim c on c.id = a.claim_id join article r on r.id = c.article_id "
    "where a.claim_id is not null {where} order by a.id desc limit 51"
)
CLAIM_ROWS = (
    "select c.*, r.feed, r.link, r.title, r.published from claim c "
    "join article r on r.id = c.article_id where {where} "
    "order by c.said_at desc, c.id desc limit 51"
)
TIMELINE = (
    "select {lane}, type, date(said_at), count(*) from claim_key where {where} "
    "group by {lane}, type, date(said_at)"
)
# the year up to the latest claim, which a timeline shows unless asked for another range
YEAR = (
    "said_at >= (select datetime(max(said_at), '-364 days', 'start of day') from claim "
    "where actor = ?)"
)
TOPIC_YEAR = (
    "said_at >= (select datetime(max(said_at), '-364 days', 'start of day') from claim_key "
    "where topic = ?)"
)


def first_day(con: sqlite3.Connection, actor: str) -> str:
    (first,) = con.execute("select min(said_at) from claim where actor = ?", (actor,)).fetchone()
    return str(first)[:10]


def cases(con: sqlite3.Connection) -> list[tuple[str, str, list[tuple[str, tuple[object, ...]]]]]:
    """(what, URL path, the bare SQL of the rows it shows) for each page measured."""
    actor = con.execute(
        "select actor from claim where actor is not null group by actor order by count(*) desc"
    ).fetchone()[0]
    quiet = con.execute(
        "select actor from claim where actor is not null group by actor "
        "having count(*) > 500 order by count(*) limit 1"
    ).fetchone()[0]
    topic = con.execute(
        "select topic from claim_key where topic != '' group by topic order by count(*) desc"
    ).fetchone()[0]
    alert_id, previous = con.execute(
        "select id, previous from alert where kind = 'dispute' order by id desc limit 1"
    ).fetchone()
    ids = json.loads(previous) or [0]
    one_alert = [
        (ALERT_ROWS.format(where="and a.id = ?"), (alert_id,)),
        (
            "select c.*, r.feed, r.link, r.title, r.published from claim c join article r "
            f"on r.id = c.article_id where c.id in ({', '.join('?' for _ in ids)})",
            tuple(ids),
        ),
        (
            "select * from outlet where claim_id = (select claim_id from alert where id = ?)",
            (alert_id,),
        ),
        ("select * from delivery where alert_id = ?", (alert_id,)),
    ]
    return [
        ("alerts, newest", "/alerts", [(ALERT_ROWS.format(where=""), ())]),
        (
            f"alerts of {actor}",
            f"/alerts?actor={actor}",
            [(ALERT_ROWS.format(where="and +c.actor = ?"), (actor,))],  # the alerts lead
        ),
        (
            f"alerts on {topic}",
            f"/alerts?topic={topic}",
            [(ALERT_ROWS.format(where="and ',' || a.topics || ',' like ?"), (f"%,{topic},%",))],
        ),
        (
            "alerts, text search",
            "/alerts?q=ceasefire",
            [(ALERT_ROWS.format(where="and lower(c.sentence) like '%ceasefire%'"), ())],
        ),
        ("one alert", f"/alerts/{alert_id}", one_alert),
        (
            f"actor page: {actor} (busiest)",
            f"/actors/{actor}",
            [
                (TIMELINE.format(lane="topic", where=f"actor = ? and {YEAR}"), (actor, actor)),
                (CLAIM_ROWS.format(where="c.actor = ?"), (actor,)),
            ],
        ),
        (
            f"actor page: {actor}, all years",
            f"/actors/{actor}?since={first_day(con, actor)}",
            [
                (TIMELINE.format(lane="topic", where="actor = ?"), (actor,)),
                (CLAIM_ROWS.format(where="c.actor = ?"), (actor,)),
            ],
        ),
        (
            f"actor page: {quiet}",
            f"/actors/{quiet}",
            [
                (TIMELINE.format(lane="topic", where=f"actor = ? and {YEAR}"), (quiet, quiet)),
                (CLAIM_ROWS.format(where="c.actor = ?"), (quiet,)),
            ],
        ),
        (
            f"topic page: {topic}",
            f"/topics/{topic}",
            [
                (
                    TIMELINE.format(lane="actor", where=f"topic = ? and {TOPIC_YEAR}"),
                    (topic, topic),
                ),
                (
                    "select c.*, r.feed, r.link, r.title, r.published from claim_key k "
                    "join claim c on c.id = k.claim_id join article r on r.id = c.article_id "
                    "where k.topic = ? order by k.said_at desc, k.claim_id desc limit 51",
                    (topic,),
                ),
            ],
        ),
        (
            "claims, newest",
            "/claims",
            [(CLAIM_ROWS.format(where="c.actor is not null"), ())],
        ),
        ("feeds", "/feeds", [("select * from feed", ())]),
    ]


def plans(con: sqlite3.Connection, sql: str, args: tuple[object, ...]) -> str:
    return "; ".join(r[-1] for r in con.execute("explain query plan " + sql, args))


def _load(load: tuple[float, float, float] | None = None) -> str:
    return ", ".join(f"{x:.2f}" for x in (load or os.getloadavg()))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--claims", type=int, default=1_000_000)
    ap.add_argument("--db", type=Path, default=Path("/tmp/claimwatch-bench-web.sqlite"))
    ap.add_argument("--template", type=Path, default=Path("/tmp/claimwatch-bench-template.sqlite"))
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--keep", action="store_true", help="reuse --db if it exists")
    ap.add_argument("--plans", action="store_true", help="print SQLite's query plans too")
    args = ap.parse_args()

    if not args.template.is_file():
        make_template(args.template)
    if not (args.keep and args.db.is_file()):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{args.db}{suffix}").unlink(missing_ok=True)
        t0 = time.perf_counter()
        grow(args.template, args.db, args.claims)
        print(f"filled in {time.perf_counter() - t0:.0f}s", flush=True)

    from monitor.config import load_config
    from monitor.web import WebServer

    load = os.getloadavg()  # what else ran on the machine, said with the figures
    server = WebServer(load_config(_config(args.db.parent, args.db)))
    base = server.start().rstrip("/")
    con = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
    print(
        f"\n{'page':<34} {'rows':>5} {'page ms':>8} {'best':>6} {'p90':>6} {'CPU ms':>7} "
        f"{'bare SQL ms':>11} {'ratio':>6} {'CPU ratio':>9}"
    )
    worst = 0.0
    try:
        with httpx.Client(timeout=60) as client:
            for what, path, queries in cases(con):
                url = base + quote(path, safe="/?=&")

                def fetch(url: str = url) -> object:
                    response = client.get(url)
                    response.raise_for_status()
                    return response

                def bare(queries: list[tuple[str, tuple[object, ...]]] = queries) -> int:
                    return sum(len(con.execute(sql, a).fetchall()) for sql, a in queries)

                rows = bare()
                page, best, page90, page_cpu = timed(fetch, args.repeat)
                sql, _, _, sql_cpu = timed(bare, args.repeat)
                worst = max(worst, page)
                print(
                    f"{what:<34} {rows:>5} {page * 1e3:>8.1f} {best * 1e3:>6.1f} "
                    f"{page90 * 1e3:>6.1f} "
                    f"{page_cpu * 1e3:>7.1f} {sql * 1e3:>11.2f} {page / sql:>5.1f}x "
                    f"{page_cpu / max(sql_cpu, 1e-6):>8.1f}x",
                    flush=True,
                )
                if args.plans:
                    for q, a in queries:
                        print(f"    {plans(con, q, a)}")
            actor = cases(con)[1][2][0][1][0]
            t0 = time.perf_counter()
            response = client.get(f"{base}/api/claims.csv?actor={actor}")
            csv_s = time.perf_counter() - t0
            lines = response.text.count("\r\n") - 1
            t0 = time.perf_counter()
            n = len(
                con.execute(
                    CLAIM_ROWS.format(where="c.actor = ?").replace(" limit 51", ""), (actor,)
                ).fetchall()
            )
            bare_s = time.perf_counter() - t0
            print(
                f"CSV of {actor}'s {lines:,} claims: {csv_s:.2f}s ({lines / csv_s:,.0f} rows/s); "
                f"bare SQL of the {n:,} rows {bare_s:.2f}s ({csv_s / bare_s:.1f}x)"
            )
    finally:
        server.stop()
        con.close()
    print(f"slowest page median: {worst * 1e3:.0f} ms (the issue's bound: 200 ms)")
    print(f"load average (1, 5, 15 min): {_load(load)} before the pages, {_load()} after")
    if not args.keep:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{args.db}{suffix}").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
