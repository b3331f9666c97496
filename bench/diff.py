"""How the diff's cost grows with the store: fill it to 1,000,000 claims, time it at each size.

Every history query the diff makes walks an index on (actor, topic, type, said_at) or
(topic, type, said_at), so the cost per claim should not grow with the store. This fills a
SQLite store with synthetic claims (40 actors x 13 topics x 8 types, spread over two years) and,
at 1k, 100k and 1M claims, times ``store.record`` + ``diff.analyse`` for the same 300 new
claims in transactions that are rolled back. It prints the query plans too: a SCAN of
claim_key would mean a lookup that grows with the store.

    .venv/bin/python bench/diff.py [--sizes 1000,100000,1000000] [--db /tmp/cw-bench.sqlite]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, text

from monitor import diff
from monitor.config import CLAIM_TYPES, DiffSettings
from monitor.model import Article, Claim, Span
from monitor.store import ArticleRow, ClaimKey, ClaimRow, Store

ACTORS = [f"actor{i}" for i in range(40)]
TOPICS = [f"topic{i}" for i in range(13)]
TYPES = list(CLAIM_TYPES)
START = datetime(2024, 1, 1, tzinfo=UTC)
WORDS = "the minister said troops talks drones strike peace deal border sanctions gas".split()


def fill(store: Store, upto: int, have: int, rng: random.Random) -> None:
    """Add synthetic claims (ten per article) until the store holds ``upto``."""
    chunk = 20_000
    with store.engine.begin() as con:
        while have < upto:
            n = min(chunk, upto - have)
            ids = sorted({cid // 10 + 1 for cid in range(have + 1, have + n + 1)})
            articles = [
                {
                    "id": i,
                    "key": f"bench:{i}",
                    "feed": "bench",
                    "link": "",
                    "title": "",
                    "fetched_at": START,
                }
                for i in ids
            ]
            con.execute(insert(ArticleRow).prefix_with("OR IGNORE"), articles)
            claims, keys = [], []
            for i in range(n):
                cid = have + i + 1
                when = START + timedelta(minutes=cid)  # a claim a minute: two years at 1M
                actor, topic, ctype = rng.choice(ACTORS), rng.choice(TOPICS), rng.choice(TYPES)
                sentence = " ".join(rng.choices(WORDS, k=12))
                claims.append(
                    {
                        "id": cid,
                        "article_id": cid // 10 + 1,
                        "actor": actor,
                        "type": ctype,
                        "topics": topic,
                        "sentence": sentence,
                        "content": sentence,
                        "said_at": when,
                    }
                )
                keys.append(
                    {
                        "claim_id": cid,
                        "actor": actor,
                        "topic": topic,
                        "type": ctype,
                        "stance": rng.choice(["", "", "for", "against"]),
                        "said_at": when,
                    }
                )
            con.execute(insert(ClaimRow), claims)
            con.execute(insert(ClaimKey), keys)
            have += n


def probe_claims(rng: random.Random, count: int) -> list[Claim]:
    out = []
    for _ in range(count):
        sentence = " ".join(rng.choices(WORDS, k=12))
        span = Span(0, len(sentence), sentence)
        out.append(
            Claim(
                type=rng.choice(TYPES),
                speaker=None,
                cue=None,
                content=span,
                sentence=span,
                actor=rng.choice(ACTORS),
                topics=(rng.choice(TOPICS),),
                stances=((TOPICS[0], "for"),),
            )
        )
    return out


def time_diff(store: Store, claims: list[Claim], when: datetime) -> list[float]:
    """Seconds per claim for record + analyse, each claim in a rolled-back transaction."""
    settings = DiffSettings()
    out = []
    for n, claim in enumerate(claims):
        article = Article(
            key=f"probe:{n}:{time.monotonic_ns()}",
            feed="probe",
            link="",
            title="",
            text=claim.sentence.text,
            published=when,
        )
        with store.batch(dry_run=True) as batch:
            t0 = time.perf_counter()
            recorded = batch.record(article, [claim])
            diff.analyse(recorded, batch, settings, min_silence_days=30)
            out.append(time.perf_counter() - t0)
    return out


def plans(store: Store) -> list[str]:
    """SQLite's plan for each history query shape: SEARCH (index) is good, SCAN is not."""
    queries = {
        "same actor/topic/type": "select * from claim_key where actor='actor1' and topic='topic1' "
        "and type='denial' and claim_id < 99999999 and said_at >= '2024-01-01' "
        "order by said_at desc limit 20",
        "latest stance": "select * from claim_key where actor='actor1' and topic='topic1' and "
        "stance != '' and claim_id < 99999999 order by said_at desc limit 1",
        "asserted by others": "select * from claim_key where topic='topic1' and type='accusation' "
        "and said_at >= '2025-01-01' and actor != 'actor1' order by said_at desc limit 20",
    }
    out = []
    with store.engine.connect() as con:
        for name, q in queries.items():
            detail = "; ".join(r[-1] for r in con.execute(text("explain query plan " + q)))
            out.append(f"  {name}: {detail}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="1000,100000,1000000")
    ap.add_argument("--db", default="/tmp/claimwatch-bench-diff.sqlite")
    ap.add_argument("--probes", type=int, default=300)
    args = ap.parse_args()
    Path(args.db).unlink(missing_ok=True)
    store = Store(f"sqlite:///{args.db}")
    rng = random.Random(7)
    probes = probe_claims(random.Random(11), args.probes)
    have = 0
    results: dict[int, float] = {}
    for size in (int(s) for s in args.sizes.split(",")):
        t0 = time.perf_counter()
        fill(store, size, have, rng)
        have = size
        with store.engine.connect() as con:
            con.execute(text("analyze"))
        filled = time.perf_counter() - t0
        when = START + timedelta(minutes=size + 1)
        time_diff(store, probes[:30], when)  # warm the caches and the ORM first
        times = time_diff(store, probes, when)
        results[size] = statistics.median(times)
        print(
            f"{size:>9,} claims (filled in {filled:5.1f}s): diff median "
            f"{results[size] * 1e6:7.0f} µs/claim, p90 "
            f"{statistics.quantiles(times, n=10)[-1] * 1e6:7.0f} µs",
            flush=True,
        )
    base = results[min(results)]
    print(
        "ratio to the smallest store: "
        + ", ".join(f"{size:,}: {t / base:.2f}x" for size, t in results.items())
    )
    print("query plans:")
    print("\n".join(plans(store)))
    store.close()


if __name__ == "__main__":
    main()
