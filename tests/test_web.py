"""The dashboard and API through FastAPI's test client, over a real SQLite store filled by a
replay, real polls and real deliveries (tests/webstore.py)."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import httpx
import pytest
import yaml
from conftest import cli, write_config
from fastapi.testclient import TestClient
from servers import FeedServer, HttpReceiver
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from webstore import HOSTILE_TITLE, WATCHLIST, WebStore, build

from monitor.config import ConfigError, load_config
from monitor.store.reader import ClaimView, Reader, ReaderError, Span
from monitor.web import create_app
from monitor.web.auth import SESSION_COOKIE
from monitor.web.present import csv_rows, marked, word_diff

LOCAL = "http://127.0.0.1:8080"
TOKEN = "correct-horse-battery-staple-42"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebStore]:
    directory = tmp_path_factory.mktemp("web")
    with FeedServer() as feeds, HttpReceiver() as good, HttpReceiver(status=404) as bad:
        yield build(directory, feeds, good, bad)


@pytest.fixture(scope="module")
def client(store: WebStore) -> Iterator[TestClient]:
    app = create_app(store.config)
    with TestClient(app, base_url=LOCAL) as c:
        yield c
    app.state.reader.close()


def _dump(path: Path) -> list[str]:
    con = sqlite3.connect(path)
    try:
        return list(con.iterdump())
    finally:
        con.close()


def _rows(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr[ >].*?</tr>", body, re.S)


def _alert_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<td class="when"><a href="/alerts/(\d+)"', html)]


# --- alerts ----------------------------------------------------------------------------------
def test_alerts_newest_first(client: TestClient, store: WebStore) -> None:
    page = client.get("/alerts")
    assert page.status_code == 200
    ids = _alert_ids(page.text)
    assert ids == sorted(ids, reverse=True)
    assert set(store.alerts.values()) <= set(ids)
    assert "Donald Trump" in page.text and "stance-change" in page.text


def test_alert_filters_are_in_the_url(client: TestClient, store: WebStore) -> None:
    trump = client.get("/alerts?actor=trump&type=&kind=&severity=")
    assert trump.status_code == 200
    rows = _rows(trump.text)
    assert rows and all("/actors/trump" in r for r in rows)
    assert '<option value="trump" selected>' in trump.text  # the form shows the filter
    disputes = client.get("/alerts", params={"kind": "dispute", "topic": "drone-strikes"})
    ids = _alert_ids(disputes.text)
    assert store.alerts["depot-denial"] in ids
    assert all("k-dispute" in r for r in _rows(disputes.text))
    found = client.get("/alerts", params={"q": "FUEL DEPOT"})  # case-insensitive, sentence
    assert _alert_ids(found.text) == [store.alerts["depot-accusation"]]
    dated = client.get("/alerts", params={"since": "2025-03-04", "until": "2025-03-04"})
    assert sorted(_alert_ids(dated.text)) == sorted(
        [store.alerts["depot-denial"], store.alerts["wire-a"]]
    )
    by_feed = client.get("/alerts", params={"feed": "tass"})
    assert _alert_ids(by_feed.text) == [store.alerts["depot-accusation"]]


def test_alerts_page_on(client: TestClient) -> None:
    everything = _alert_ids(client.get("/alerts").text)
    first = client.get("/alerts", params={"limit": 3})
    ids = _alert_ids(first.text)
    assert ids == everything[:3]
    older = re.search(r'<p class="pager"><a href="([^"]+)">older alerts', first.text)
    assert older is not None
    second = client.get(older.group(1).replace("&amp;", "&"))
    assert _alert_ids(second.text) == everything[3:6]


def test_an_invalid_filter_is_a_clear_error(client: TestClient) -> None:
    page = client.get("/alerts", params={"type": "rumour", "since": "yesterday"})
    assert page.status_code == 400
    assert "type:" in page.text and "since:" in page.text
    api = client.get("/api/alerts", params={"type": "rumour"})
    assert api.status_code == 422
    assert api.json()["detail"][0]["loc"] == ["query", "type"]


def test_new_since_my_last_visit(client: TestClient, store: WebStore) -> None:
    client.cookies.clear()
    first = client.get("/alerts")
    assert "new since your last visit</a>" not in first.text  # a first visit: nothing new
    cookie = first.cookies["claimwatch_visit"]
    baseline, latest, _ = (int(x) for x in cookie.split("."))
    assert baseline == latest == max(_alert_ids(first.text))
    # an hour later, after a visit that saw only the first four alerts
    client.cookies.clear()
    client.cookies.set("claimwatch_visit", f"2.4.{int(time.time()) - 3600}")
    later = client.get("/alerts")
    fresh = sum(1 for i in _alert_ids(later.text) if i > 4)
    assert f"<b>{fresh}</b> new since your last visit" in later.text
    assert later.text.count('<tr class="unseen">') == fresh
    only = client.get("/alerts?new=1")
    assert sorted(_alert_ids(only.text)) == list(range(5, latest + 1))
    # the same visit, reloaded: still the same alerts are new
    again = client.get("/alerts?new=1")
    assert _alert_ids(again.text) == _alert_ids(only.text)
    client.cookies.clear()


# --- one alert ---------------------------------------------------------------------------------
def test_alert_page_marks_the_sentence(client: TestClient, store: WebStore) -> None:
    page = client.get(f"/alerts/{store.alerts['troops-welcome']}")
    assert page.status_code == 200
    html = page.text
    assert '<mark class="speaker">Trump</mark>' in html
    assert '<mark class="cue">said</mark>' in html
    assert '<mark class="content">he would welcome American troops in Ukraine' in html
    assert "<b>everything</b>" in html  # the rule that fired
    assert "opposed → supportive on foreign-troops" in html
    assert "reuters" in html


def test_alert_page_shows_the_earlier_claim_side_by_side(
    client: TestClient, store: WebStore
) -> None:
    html = client.get(f"/alerts/{store.alerts['troops-welcome']}").text
    earlier = html.split('<article class="side earlier">', 1)[1].split("</article>", 1)[0]
    this = html.split('<article class="side this">', 1)[1].split("</article>", 1)[0]
    assert "2025-03-03 09:00" in earlier and "2025-03-07 09:00" in this
    cautious = re.search(r'href="/claims/(\d+)" class="claim-link"', earlier)
    assert cautious is not None
    assert "<del>was cautious about sending</del>" in earlier  # what changed, word by word
    assert "<ins>would welcome</ins>" in this
    claim = client.get(f"/claims/{cautious.group(1)}")
    assert "he was cautious about sending American troops" in claim.text
    assert f'href="/alerts/{store.alerts["troops-cautious"]}"' in claim.text


def test_dispute_shows_both_sides(client: TestClient, store: WebStore) -> None:
    html = client.get(f"/alerts/{store.alerts['depot-denial']}").text
    assert "denies what Russian government claimed" in html
    earlier = html.split('<article class="side earlier">', 1)[1].split("</article>", 1)[0]
    assert "Russian government" in earlier and "accusation" in earlier
    assert "attacked a fuel depot" in earlier
    assert 'href="https://tass.example/depot-accusation"' in earlier


def test_wire_story_lists_its_outlets(client: TestClient, store: WebStore) -> None:
    html = client.get(f"/alerts/{store.alerts['wire-a']}").text
    outlets = html.split('<ul class="outlets">', 1)[1].split("</ul>", 1)[0]
    assert re.findall(r">(\w+)</a>", outlets) == ["nyt", "guardian", "ap"]
    assert "Carried by 3 outlets" in html


def test_deliveries_on_the_alert_page(client: TestClient, store: WebStore) -> None:
    html = client.get(f"/alerts/{store.alerts['wire-a']}").text
    assert '<span class="state st-sent">sent</span>' in html
    assert '<span class="state st-failed">failed</span>' in html
    assert "Page not found" in html


def test_unknown_alert_and_claim_are_404(client: TestClient) -> None:
    assert client.get("/alerts/999999").status_code == 404
    assert client.get("/claims/999999").status_code == 404
    assert client.get("/api/alerts/999999").json() == {"detail": "no alert 999999"}
    assert client.get("/actors/nobody").status_code == 404


# --- marks and confidence -------------------------------------------------------------------
def _claim(**kw: object) -> ClaimView:
    base: dict[str, object] = dict(
        id=1,
        actor="zelensky",
        actor_name="Volodymyr Zelensky",
        type="statement",
        topics=[],
        speaker="he",
        cue="said",
        content="he would go",
        sentence="Asked about it, he said he would go.",
        resolution="",
        said_at=datetime(2025, 1, 1, tzinfo=UTC),
        feed="f",
        link="",
        title="",
        published=None,
    )
    base.update(kw)
    return ClaimView(**base)  # type: ignore[arg-type]


def test_marks_use_recorded_offsets() -> None:
    claim = _claim(speaker_span=Span(16, 18), cue_span=Span(19, 23), content_span=Span(24, 35))
    assert marked(claim) == [
        ("", "Asked about it, "),
        ("speaker", "he"),
        ("", " "),
        ("cue", "said"),
        ("", " "),
        ("content", "he would go"),
        ("", "."),
    ]


def test_marks_without_offsets_find_the_texts() -> None:
    """A claim stored before offsets were kept: the speaker is the "he" before the cue, not
    the one inside the content."""
    assert marked(_claim()) == marked(
        _claim(speaker_span=Span(16, 18), cue_span=Span(19, 23), content_span=Span(24, 35))
    )


def test_offsets_are_recorded_with_each_claim(store: WebStore) -> None:
    con = sqlite3.connect(store.path)
    try:
        rows = con.execute(
            "select sentence, speaker, speaker_start, speaker_end, cue, cue_start, cue_end, "
            "content, content_start, content_end from claim"
        ).fetchall()
    finally:
        con.close()
    assert rows
    for sentence, *parts in rows:
        for text_, start, end in zip(parts[0::3], parts[1::3], parts[2::3], strict=True):
            if start is not None:
                assert sentence[start:end] == text_
    assert sum(1 for r in rows if r[2] is not None) >= len(rows) * 0.9


def test_confidence_is_shown_when_the_store_has_it(store: WebStore, tmp_path: Path) -> None:
    """The alert-precision work adds ``confidence`` and ``confidence_why`` to claims (and
    ``possible`` to alerts under a rule's minimum): the alert page shows them where a claim has
    them, and nothing where it has not."""
    copy = tmp_path / "store.sqlite"
    shutil.copy(store.path, copy)
    claim_id = store.alerts["troops-welcome"]
    con = sqlite3.connect(copy)
    have = {r[1] for r in con.execute("pragma table_info(claim)")}
    if "confidence" not in have:
        con.execute("alter table claim add column confidence float")
    if "confidence_why" not in have:
        con.execute("alter table claim add column confidence_why varchar")
    (cid,) = con.execute("select claim_id from alert where id = ?", (claim_id,)).fetchone()
    con.execute(
        "update claim set confidence = 0.83, confidence_why = ? where id = ?",
        ("named speaker, cue 'said' (P 0.97), topic keyword 'troops'", cid),
    )
    con.execute("update claim set confidence = null, confidence_why = null where id != ?", (cid,))
    con.execute("update alert set possible = 1 where id = ?", (claim_id,))  # under min_confidence
    con.commit()
    con.close()
    config = load_config(store.config.path)
    app = create_app(config, Reader(f"sqlite:///{copy}"))
    with TestClient(app, base_url=LOCAL) as c:
        html = c.get(f"/alerts/{claim_id}").text
        assert "<dt>Confidence</dt>" in html
        assert "<b>0.83</b>" in html and 'value="0.83"' in html
        assert "named speaker, cue &#39;said&#39; (P 0.97)" in html
        assert '<span class="kind possible"' in html
        other = c.get(f"/alerts/{store.alerts['troops-cautious']}").text
        assert "<dt>Confidence</dt>" not in other
        assert c.get(f"/api/alerts/{claim_id}").json()["alert"]["claim"]["confidence"] == 0.83
    app.state.reader.close()


def test_no_confidence_row_in_a_store_without_it(client: TestClient, store: WebStore) -> None:
    html = client.get(f"/alerts/{store.alerts['troops-welcome']}").text
    reader = client.app.state.reader  # type: ignore[attr-defined]
    if not any(getattr(c, "name", "") == "confidence" for c in reader._claim):
        assert "<dt>Confidence</dt>" not in html


# --- actor and topic pages ------------------------------------------------------------------
def test_actor_timeline(client: TestClient, store: WebStore) -> None:
    page = client.get("/actors/trump")
    assert page.status_code == 200
    svg = page.text.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert ">foreign-troops<" in svg and ">drone-strikes<" in svg  # a lane per topic
    change = store.alerts["troops-welcome"]
    assert f'<a href="/alerts/{change}" class="mark">' in svg
    assert "07 Mar 2025: stance change: opposed → supportive on foreign-troops" in svg
    assert "<title>opposed: 1 claim from 03 Mar 2025 to 03 Mar 2025</title>" in svg
    assert "<title>supportive: 1 claim from 07 Mar 2025 to 07 Mar 2025</title>" in svg
    # one bar per day over March (over all ten months, a bar counts several days)
    march = client.get("/actors/trump?since=2025-03-01&until=2025-03-31").text
    svg_march = march.split("<svg", 1)[1].split("</svg>", 1)[0]
    bar = re.search(r'<a href="([^"]+)"><title>03 Mar 2025: 1 claim \(1 statement\)<', svg_march)
    assert bar is not None
    assert bar.group(1).startswith("/actors/trump?topic=foreign-troops&amp;since=2025-03-03")
    assert "<title>07 Mar 2025: 1 claim (1 statement)</title>" in svg_march
    assert "(a bar: 6 days)" in page.text and "<title>03 Mar–08 Mar 2025: 2 claims" in svg
    # the range shown: all of it here (less than a year), with shorter ones offered
    assert '<p class="ranges">Timeline 2025-03-03 to 2025-12-30' in page.text
    assert "<b>all</b>" in page.text and ">30 days</a>" in page.text
    # the table below: Trump's claims, newest first; the bar leads to its days' claims
    table = page.text.split('id="claims"', 1)[1]
    dates = re.findall(r'<td class="when"><a href="/claims/\d+">([\d\- :]+)</a>', table)
    assert dates == sorted(dates, reverse=True) and len(dates) >= 3
    day = client.get(bar.group(1).replace("&amp;", "&"))
    day_table = day.text.split('id="claims"', 1)[1]
    assert re.findall(r'<td class="when"><a href="/claims/\d+">([\d\- :]+)</a>', day_table) == [
        "2025-03-03 09:00"
    ]


def test_actor_timeline_marks_a_dispute_both_ways(client: TestClient, store: WebStore) -> None:
    ukraine = client.get("/actors/ukraine").text
    assert f'<a href="/alerts/{store.alerts["depot-denial"]}" class="mark">' in ukraine
    assert (
        "04 Mar 2025: denies another side&#x27;s claim: disputes an earlier accusation" in ukraine
    )
    russia = client.get("/actors/russia").text
    assert "denied by another side: denied by Ukrainian government" in russia


def test_actor_svg_on_its_own(client: TestClient) -> None:
    svg = client.get("/actors/trump/timeline.svg")
    assert svg.headers["content-type"] == "image/svg+xml"
    assert svg.text.startswith('<svg xmlns="http://www.w3.org/2000/svg"')


def test_topic_page_who_said_what(client: TestClient, store: WebStore) -> None:
    page = client.get("/topics/drone-strikes")
    assert page.status_code == 200
    matrix = page.text.split('<table class="list matrix">', 1)[1].split("</table>", 1)[0]
    russia = next(r for r in re.findall(r"<tr>.*?</tr>", matrix, re.S) if "Russian government" in r)
    assert "type=accusation" in russia
    svg = page.text.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert ">Russian government<" in svg and ">Ukrainian government<" in svg
    assert f'<a href="/alerts/{store.alerts["depot-denial"]}" class="mark">' in svg


def test_actor_and_topic_indexes(client: TestClient) -> None:
    actors = client.get("/actors").text
    assert "Donald Trump" in actors and "US government" in actors
    topics = client.get("/topics").text
    assert 'href="/topics/peace-talks"' in topics


# --- feeds and channels -----------------------------------------------------------------------
def test_feeds_failing_first(client: TestClient) -> None:
    page = client.get("/feeds")
    rows = _rows(page.text)
    assert "broken" in rows[0] and "st-failing" in rows[0]
    assert "HTTP 500 Internal Server Error" in rows[0]
    assert "world" in rows[1] and "st-ok" in rows[1]
    feeds = client.get("/api/feeds").json()
    assert [(f["name"], f["state"], f["failures"]) for f in feeds] == [
        ("broken", "failing", 2),
        ("world", "ok", 0),
    ]


def test_channels(client: TestClient, store: WebStore) -> None:
    channels = {c["name"]: c for c in client.get("/api/channels").json()}
    alerts = channels["desk"]["delivered"]
    assert alerts >= len(store.alerts)
    assert (channels["desk"]["pending"], channels["desk"]["failed"]) == (0, 0)
    assert (channels["gone"]["delivered"], channels["gone"]["failed"]) == (0, alerts)
    assert "404" in channels["gone"]["last_error"]
    page = client.get("/channels").text
    rows = _rows(page)
    assert "gone" in rows[0] and "Page not found" in rows[0]  # failing channels first


# --- API, CSV, Atom ----------------------------------------------------------------------------
def test_openapi_document(client: TestClient) -> None:
    doc = client.get("/api/openapi.json").json()
    paths = set(doc["paths"])
    assert {
        "/api/alerts",
        "/api/alerts/{alert_id}",
        "/api/claims",
        "/api/claims.csv",
        "/api/claims/{claim_id}",
        "/api/actors",
        "/api/actors/{actor}",
        "/api/topics",
        "/api/topics/{topic}",
        "/api/feeds",
        "/api/channels",
    } <= paths
    assert not any(p.startswith(("/alerts", "/actors/")) for p in paths)  # pages are not API
    params = {p["name"] for p in doc["paths"]["/api/alerts"]["get"]["parameters"]}
    assert {"actor", "topic", "type", "kind", "severity", "feed", "since", "until", "q"} <= params


def test_api_alerts_and_paging(client: TestClient, store: WebStore) -> None:
    first = client.get("/api/alerts", params={"limit": 2, "actor": "zelensky"}).json()
    assert [a["claim"]["actor"] for a in first["alerts"]] == ["zelensky", "zelensky"]
    assert first["next"].startswith("/api/alerts?")
    second = client.get(first["next"]).json()
    ids = [a["id"] for a in first["alerts"] + second["alerts"]]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == len(ids)
    detail = client.get(f"/api/alerts/{store.alerts['depot-denial']}").json()
    assert detail["alert"]["kind"] == "dispute"
    assert [p["actor"] for p in detail["previous"]] == ["russia"]
    assert detail["outlets"][0]["outlet"] == "kyiv-independent"


def test_api_claims_actor_topic(client: TestClient) -> None:
    claims = client.get("/api/claims", params={"actor": "trump", "topic": "foreign-troops"}).json()
    assert {c["actor"] for c in claims["claims"]} == {"trump"}
    assert all("foreign-troops" in c["topics"] for c in claims["claims"])
    actor = client.get("/api/actors/trump").json()
    assert actor["actor"]["name"] == "Donald Trump"
    assert "foreign-troops" in actor["timeline"]["lanes"]
    assert {s["stance"] for s in actor["timeline"]["stances"]} == {"opposed", "supportive"}
    topic = client.get("/api/topics/drone-strikes").json()
    assert {c["actor"] for c in topic["matrix"]} >= {"russia", "ukraine"}


def test_csv_export_of_a_filtered_list(client: TestClient) -> None:
    response = client.get("/api/claims.csv", params={"actor": "zelensky", "type": "demand"})
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="claims-zelensky-demand.csv"' in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert rows and {(r["actor"], r["type"]) for r in rows} == {("zelensky", "demand")}
    assert rows[0]["link"].startswith("https://")
    everything = list(csv.DictReader(io.StringIO(client.get("/api/claims.csv?everyone=1").text)))
    watched = list(csv.DictReader(io.StringIO(client.get("/api/claims.csv").text)))
    assert len(everything) > len(watched) > len(rows)
    assert all(r["actor"] for r in watched)


def test_csv_cells_are_never_formulas() -> None:
    claim = _claim(content='=HYPERLINK("http://evil.example","click")', speaker="+1", cue="-")
    text_ = "".join(csv_rows([claim]))
    (row,) = list(csv.DictReader(io.StringIO(text_)))
    assert row["content"] == '\'=HYPERLINK("http://evil.example","click")'
    assert (row["speaker"], row["cue"]) == ("'+1", "'-")


def test_atom_feed_with_filters(client: TestClient, store: WebStore) -> None:
    response = client.get("/alerts.atom", params={"actor": "trump"})
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.title == "claimwatch alerts: Donald Trump"
    links = [e.link for e in feed.entries]
    assert f"{LOCAL}/alerts/{store.alerts['troops-welcome']}" in links
    assert all(e.author == "Donald Trump" for e in feed.entries)
    everything = feedparser.parse(client.get("/alerts.atom").content)
    assert len(everything.entries) > len(feed.entries)


def test_word_diff() -> None:
    old, new = word_diff("he was cautious about it", "he would welcome it")
    assert ("del", "was cautious about") in old and ("ins", "would welcome") in new
    assert "".join(t for _, t in old) == "he was cautious about it"


# --- security -------------------------------------------------------------------------------
def test_article_text_is_escaped_everywhere(client: TestClient) -> None:
    alert = client.get("/api/alerts", params={"q": "script"}).json()["alerts"]
    assert len(alert) == 1
    alert_id, claim_id = alert[0]["id"], alert[0]["claim"]["id"]
    pages = [
        "/alerts",
        f"/alerts/{alert_id}",
        f"/claims/{claim_id}",
        "/claims",
        "/actors/trump",
        "/topics/drone-strikes",
    ]
    for path in pages:
        html = client.get(path).text
        assert "<script" not in html and "<img" not in html and "<b onmouseover" not in html
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html or (
            "&lt;script&gt;" in html
        ), path
    claim_page = client.get(f"/claims/{claim_id}").text
    assert "&lt;b onmouseover=alert(1)&gt;Evil&lt;/b&gt; &amp; co" in claim_page
    svg = client.get("/actors/trump/timeline.svg").text
    assert "<script" not in svg
    atom = client.get("/alerts.atom").text
    assert "<script" not in atom and "<img" not in atom
    assert "&amp;lt;script&amp;gt;" in atom  # in the HTML content: escaped text, escaped again
    entry = next(e for e in feedparser.parse(atom).entries if "script" in e.summary)
    assert "&lt;script&gt;" in entry.summary  # text in the HTML content, never markup
    assert HOSTILE_TITLE in entry.summary.replace("&lt;", "<").replace("&gt;", ">").replace(
        "&amp;", "&"
    )


def test_no_script_and_a_strict_policy(client: TestClient, store: WebStore) -> None:
    for path in ("/alerts", f"/alerts/{store.alerts['wire-a']}", "/actors/trump", "/feeds"):
        response = client.get(path)
        assert "<script" not in response.text
        policy = response.headers["content-security-policy"]
        assert "default-src 'none'" in policy and "script-src" not in policy
        assert response.headers["x-content-type-options"] == "nosniff"


def test_no_page_writes_to_the_store(client: TestClient, store: WebStore) -> None:
    before = _dump(store.path)
    paths = ["/", "/alerts", "/alerts?new=1", "/claims", "/actors", "/topics", "/feeds"]
    paths += ["/channels", "/alerts.atom", "/api/alerts", "/api/claims.csv", "/login"]
    paths += [f"/alerts/{i}" for i in store.alerts.values()]
    paths += ["/actors/trump", "/actors/zelensky", "/topics/drone-strikes", "/api/actors/trump"]
    for path in paths:
        assert client.get(path).status_code == 200, path
    assert client.post("/logout", follow_redirects=False).status_code == 303
    assert _dump(store.path) == before
    reader = client.app.state.reader  # type: ignore[attr-defined]
    with pytest.raises(OperationalError, match="readonly"), reader.engine.begin() as conn:
        conn.execute(text("delete from alert"))


def test_a_token_is_required_when_configured(store: WebStore) -> None:
    app = create_app(store.config, token=TOKEN)
    with TestClient(app, base_url="https://claims.example") as c:
        page = c.get("/alerts?actor=trump", follow_redirects=False)
        assert page.status_code == 303
        assert page.headers["location"] == "/login?next=%2Falerts%3Factor%3Dtrump"
        api = c.get("/api/alerts")
        assert api.status_code == 401 and "Bearer" in api.headers["www-authenticate"]
        assert c.get("/alerts.atom").status_code == 401
        assert c.get("/api/alerts", headers={"Authorization": "Bearer wrong"}).status_code == 401
        bearer = {"Authorization": f"Bearer {TOKEN}"}
        assert c.get("/api/alerts", headers=bearer).status_code == 200
        assert c.get("/alerts.atom", auth=("reader", TOKEN)).status_code == 200  # feed readers
        assert c.get("/alerts.atom", auth=("reader", "nope")).status_code == 401
        assert c.get("/static/style.css").status_code == 200  # the login form's style
        wrong = c.post("/login", data={"token": "guess", "next": "/feeds"})
        assert wrong.status_code == 401 and "not right" in wrong.text
        assert SESSION_COOKIE not in c.cookies
        login = c.post("/login", data={"token": TOKEN, "next": "/feeds"}, follow_redirects=False)
        assert login.status_code == 303 and login.headers["location"] == "/feeds"
        cookie = login.headers["set-cookie"]
        assert TOKEN not in cookie and "HttpOnly" in cookie and "Secure" in cookie
        assert c.get("/feeds").status_code == 200  # the cookie is the session
        assert "Log out" in c.get("/alerts").text
        assert c.post("/logout", follow_redirects=False).status_code == 303
        c.cookies.clear()
        assert c.get("/feeds", follow_redirects=False).status_code == 303
        away = c.post(
            "/login", data={"token": TOKEN, "next": "//evil.example/"}, follow_redirects=False
        )
        assert away.headers["location"] == "/alerts"  # never an open redirect
    app.state.reader.close()


def test_without_a_token_only_loopback_names(client: TestClient) -> None:
    for host in ("127.0.0.1:8080", "localhost:8080", "[::1]:8080", "127.0.0.2"):
        assert client.get("/alerts", headers={"Host": host}).status_code == 200, host
    rebound = client.get("/alerts", headers={"Host": "attacker.example"})
    assert rebound.status_code == 421
    assert "set web.token" in rebound.text


def test_config_refuses_a_public_address_without_a_token(tmp_path: Path) -> None:
    path = write_config(tmp_path, feeds=[], watchlist=WATCHLIST)
    data = yaml.safe_load(path.read_text())
    data["web"] = {"listen": "0.0.0.0:8080"}
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(ConfigError) as err:
        load_config(path)
    (problem,) = err.value.problems
    assert problem.startswith(f"{path}:")
    assert "web: listen 0.0.0.0:8080 is not a loopback address: set web.token" in problem
    data["web"] = {"listen": "0.0.0.0:8080", "token": "short"}
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(ConfigError, match=r"web\.token: too short"):
        load_config(path)
    data["web"] = {"listen": "0.0.0.0:8080", "token": TOKEN}
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    assert load_config(path).web is not None
    check = cli("check", "--config", str(path))
    assert TOKEN not in check.output


def test_cli_refuses_a_public_address_without_a_token(store: WebStore) -> None:
    result = cli("web", "--config", str(store.config.path), "--listen", "0.0.0.0:8080")
    assert result.exit_code == 1
    assert "refusing to serve on 0.0.0.0:8080 without a token" in result.stderr


def test_cli_without_a_database(tmp_path: Path) -> None:
    path = write_config(tmp_path, feeds=[], watchlist=WATCHLIST)
    result = cli("web", "--config", str(path))
    assert result.exit_code == 1
    assert "no database at" in result.stderr
    assert not (tmp_path / "claimwatch.sqlite").exists()  # and none was made
    with pytest.raises(ReaderError):
        Reader(f"sqlite:///{tmp_path / 'claimwatch.sqlite'}")


def test_claimwatch_web_serves_until_sigterm(store: WebStore) -> None:
    """The real command: uvicorn on a free port, answering, and a clean exit on SIGTERM."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "monitor",
            "web",
            "--config",
            str(store.config.path),
            "--listen",
            "127.0.0.1:0",
        ],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        line = ""
        deadline = time.monotonic() + 60
        while "serving http://" not in line and time.monotonic() < deadline:
            line = proc.stderr.readline()
        url = re.search(r"serving (http://127\.0\.0\.1:\d+/)", line)
        assert url, line
        for _ in range(50):
            try:
                response = httpx.get(url.group(1) + "alerts", timeout=5)
                break
            except httpx.ConnectError:
                time.sleep(0.1)
        assert response.status_code == 200 and "Donald Trump" in response.text
        proc.terminate()
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stderr is not None:
            proc.stderr.close()


def test_the_daemon_serves_the_dashboard(tmp_path: Path, feeds: FeedServer) -> None:
    """``web:`` in the main file: ``claimwatch run`` serves the pages beside its polling, with
    the token required, and stops them on SIGTERM."""
    from conftest import DEMO_FEED

    feeds.set("/world", DEMO_FEED.read_bytes(), headers={"Content-Type": "application/rss+xml"})
    config = write_config(tmp_path, feeds=[{"name": "world", "url": feeds.url("/world")}])
    data = yaml.safe_load(config.read_text())
    data["web"] = {"listen": "127.0.0.1:0", "token": TOKEN}
    config.write_text(yaml.safe_dump(data, sort_keys=False))
    log = tmp_path / "daemon.log"
    with log.open("w") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "monitor", "run", "--config", str(config)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    try:
        deadline = time.monotonic() + 60
        found = None
        while found is None and time.monotonic() < deadline and proc.poll() is None:
            found = re.search(r"web: dashboard on (http://127\.0\.0\.1:\d+/)", log.read_text())
            time.sleep(0.05)
        assert found, log.read_text()
        base = found.group(1)
        bearer = {"Authorization": f"Bearer {TOKEN}"}
        alerts: list[object] = []
        while not alerts and time.monotonic() < deadline:
            alerts = httpx.get(base + "api/alerts", headers=bearer).json()["alerts"]
            time.sleep(0.2)
        assert alerts, log.read_text()
        assert httpx.get(base + "alerts").status_code == 303  # to the login form
        page = httpx.get(base + "alerts", headers=bearer)
        assert page.status_code == 200 and "Lavrov" in page.text
        assert TOKEN not in log.read_text()
        proc.terminate()
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_a_timeline_shows_the_last_year_unless_asked(store: WebStore, tmp_path: Path) -> None:
    """A year up to the latest claim by default (all of a busy actor's years cost more than a
    page may take), with links to other ranges; the table below still lists every claim."""
    copy = tmp_path / "store.sqlite"
    shutil.copy(store.path, copy)
    con = sqlite3.connect(copy)
    (early,) = con.execute(
        "select c.id from claim c join article a on a.id = c.article_id "
        "where c.actor = 'zelensky' order by c.said_at limit 1"
    ).fetchone()
    for table, key in (("claim", "id"), ("claim_key", "claim_id")):
        con.execute(
            f"update {table} set said_at = '2023-01-02 09:00:00.000000' where {key} = ?", (early,)
        )
    con.commit()
    con.close()
    app = create_app(load_config(store.config.path), Reader(f"sqlite:///{copy}"))
    with TestClient(app, base_url=LOCAL) as c:
        page = c.get("/actors/zelensky").text
        assert '<p class="ranges">Timeline 2024-12-31 to 2025-12-30' in page
        assert "2023" not in page.split("<svg", 1)[1].split("</svg>", 1)[0]
        everything = re.search(
            r'<a href="(/actors/zelensky\?since=2023-01-02)#timeline">all</a>', page
        )
        assert everything is not None
        assert f'href="/claims/{early}"' in c.get("/actors/zelensky?limit=500").text
        whole = c.get(everything.group(1)).text
        assert '<p class="ranges">Timeline 2023-01-02 to 2025-12-30' in whole
        assert ">2024<" in whole.split("<svg", 1)[1]  # the axis in years now
    app.state.reader.close()


def test_postgresql_store(tmp_path: Path, pg_url: str) -> None:
    """The same pages and API over PostgreSQL, whose sessions are read-only too."""
    with FeedServer() as feeds, HttpReceiver() as good, HttpReceiver(status=404) as bad:
        pg = build(tmp_path, feeds, good, bad, database=pg_url)
    app = create_app(pg.config)
    with TestClient(app, base_url=LOCAL) as c:
        alerts = c.get("/alerts", params={"actor": "trump"})
        assert alerts.status_code == 200 and "stance-change" in alerts.text
        change = c.get(f"/alerts/{pg.alerts['troops-welcome']}").text
        assert '<mark class="speaker">Trump</mark>' in change and "<del>" in change
        actor = c.get("/actors/trump?since=2025-03-01&until=2025-03-31").text
        assert "<title>03 Mar 2025: 1 claim (1 statement)</title>" in actor  # PG's day arithmetic
        assert "stance change: opposed → supportive" in actor
        whole = c.get("/actors/trump").text
        assert "(a bar: 6 days)" in whole
        assert "Russian government" in c.get("/topics/drone-strikes").text
        assert c.get("/api/alerts", params={"since": "2025-03-04", "until": "2025-03-04"}).json()[
            "alerts"
        ]
        rows = list(csv.DictReader(io.StringIO(c.get("/api/claims.csv?actor=zelensky").text)))
        assert rows and all(r["actor"] == "zelensky" for r in rows)
        assert not feedparser.parse(c.get("/alerts.atom").content).bozo
        assert [f["state"] for f in c.get("/api/feeds").json()] == ["failing", "ok"]
    reader = app.state.reader
    with pytest.raises(Exception, match="read-only transaction"), reader.engine.begin() as conn:
        conn.execute(text("delete from alert"))
    reader.close()


def test_big_pages_are_gzipped(client: TestClient) -> None:
    page = client.get("/actors/trump", headers={"Accept-Encoding": "gzip"})
    assert page.headers["content-encoding"] == "gzip" and "<svg" in page.text
    assert "content-encoding" not in client.get("/feeds", headers={"Accept-Encoding": "id"}).headers


def test_a_feed_with_a_token_in_its_url_is_one_row_and_the_token_is_never_shown(
    tmp_path: Path,
) -> None:
    """The store knows a feed whose URL carries a credential by its masked key (issue 15); the
    feeds page finds it by that key (not "never polled" beside a "not configured" twin) and
    shows its URL masked, in the page and in the API."""
    from conftest import DEMO_FEED

    from monitor.pipeline import Monitor

    secret = "s3cr3t-api-key-0042"
    with FeedServer() as feeds:
        feeds.set("/world", DEMO_FEED.read_bytes(), headers={"Content-Type": "application/rss+xml"})
        url = feeds.url("/world") + f"?apikey={secret}"
        config = load_config(write_config(tmp_path, feeds=[{"name": "world", "url": url}]))
        monitor = Monitor(config)
        try:
            assert monitor.poll(config.feeds[0]).error is None
        finally:
            monitor.close()
    app = create_app(config)
    with TestClient(app, base_url=LOCAL) as c:
        rows = c.get("/api/feeds").json()
        page = c.get("/feeds").text
    app.state.reader.close()
    assert [(f["name"], f["state"]) for f in rows] == [("world", "ok")]
    assert secret not in json.dumps(rows) and secret not in page
