"""The parse stage: every document is parsed or rejected with a one-line reason, never a crash.

feedparser's own test documents (``../shared/data/feeds/edge``) become one test each, named by
their path and their ``Description:``; the 200 captured real feeds one test each. Both are
served by a real HTTP server on loopback and fetched by claimwatch's fetch stage, so the bytes
and headers parse sees are the ones a poll would see. Hypothesis then throws random bytes and
mutated feeds at the stage.
"""

from __future__ import annotations

import ast
import datetime
import functools
import io
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import feedparser
import pytest
from conftest import DATA, SHARED, needs_shared
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from servers import FeedServer

from monitor import parse
from monitor.fetch import Fetcher
from monitor.parse import ParsedFeed

EDGE = SHARED / "data" / "feeds" / "edge"
REAL = SHARED / "data" / "feeds" / "real"
FIXTURES = DATA / "feeds"
# feedparser's test suite serves its documents from here; Expect strings name it.
SUITE_ORIGIN = "http://127.0.0.1:8097"
# Names only feedparser's own HTTP client sets (claimwatch fetches with its own, and passes
# feedparser only the headers that decide encoding, base URL and language).
HTTP_ONLY = {"etag", "modified", "modified_parsed", "status", "href", "headers"}


def _names(expression: str) -> set[str]:
    return {n.id for n in ast.walk(ast.parse(expression, mode="eval")) if isinstance(n, ast.Name)}


@dataclass(frozen=True)
class EdgeDoc:
    rel: str
    description: str
    expect: str
    skip_unless: str
    headers: dict[str, str]

    @property
    def route(self) -> str:
        return f"/tests/{self.rel}"

    @property
    def well_formed(self) -> bool:
        """feedparser's authors say the document is a good feed: claimwatch must read it."""
        return self.expect.startswith("not bozo")


def _header_comment(data: bytes) -> str:
    """The leading comment, in whatever encoding the document is in (some are UTF-16/32)."""
    for encoding in (
        "utf-8",
        "utf-16",
        "utf-16-le",
        "utf-16-be",
        "utf-32",
        "utf-32-le",
        "utf-32-be",
    ):
        m = re.search(r"<!--(.*?)-->", data.decode(encoding, "ignore"), re.S)
        if m and "Expect:" in m.group(1):
            return m.group(1)
    return ""


def _edge_doc(path: Path) -> EdgeDoc:
    fields: dict[str, str] = {}
    headers = {"Content-Type": "application/xml"}  # what feedparser's test server sends
    for line in _header_comment(path.read_bytes()).splitlines():
        key, sep, value = line.partition(":")
        if not sep:
            continue
        if key.strip() == "Header":
            name, _, val = value.partition(":")
            headers = {k: v for k, v in headers.items() if k.lower() != name.strip().lower()}
            headers[name.strip()] = val.strip()
        else:
            fields[key.strip()] = value.strip()
    return EdgeDoc(
        str(path.relative_to(EDGE)),
        fields.get("Description", ""),
        fields.get("Expect", ""),
        fields.get("SkipUnless", ""),
        headers,
    )


# Where the installed feedparser (6.0.x) disagrees with the suite, which comes from feedparser's
# development branch. Strict: when an upgrade fixes one, its test fails until it is removed here.
NEWER_FEEDPARSER = {
    "wellformed/atom10/entry_id_no_normalization_4.xml",
    "wellformed/atom10/entry_id_with_attributes.xml",
    "wellformed/atom10/entry_link_no_href_link_priority.xml",
    "wellformed/atom10/entry_link_rel_enclosure_no_href.xml",
    "wellformed/rss/item_description_not_a_doctype.xml",
}


def _edge_params() -> list[object]:
    if not EDGE.is_dir():
        return []
    docs = [_edge_doc(p) for p in sorted(EDGE.rglob("*.xml"))]
    newer = pytest.mark.xfail(
        strict=True, reason="feedparser 6.0.x reads this otherwise than its development branch"
    )
    return [
        pytest.param(
            d, id=f"{d.rel}: {d.description}", marks=[newer] if d.rel in NEWER_FEEDPARSER else []
        )
        for d in docs
    ]


def _real_params_names() -> list[str]:
    return sorted(p.name for p in REAL.iterdir() if p.is_file()) if REAL.is_dir() else []


def _real_params() -> list[object]:
    return [pytest.param(name, id=name) for name in _real_params_names()]


@pytest.fixture(scope="module")
def server() -> Iterator[FeedServer]:
    """Every shared document on one loopback server: edge ones under /tests/, real under /real/."""
    with FeedServer() as feeds:
        if EDGE.is_dir():
            for path in EDGE.rglob("*.xml"):
                doc = _edge_doc(path)
                feeds.set(doc.route, path.read_bytes(), headers=doc.headers)
        if REAL.is_dir():
            for path in REAL.iterdir():
                feeds.set(
                    f"/real/{path.name}",
                    path.read_bytes(),
                    headers={"Content-Type": "application/xml"},
                )
        yield feeds


@pytest.fixture(scope="module")
def fetcher() -> Iterator[Fetcher]:
    with Fetcher() as f:
        yield f


def assert_parsed_or_rejected(parsed: ParsedFeed) -> None:
    """The contract of the stage: articles, or one short line saying why there are none."""
    if parsed.error is not None:
        assert parsed.error.strip() and "\n" not in parsed.error and len(parsed.error) <= 300
        assert parsed.articles == []
        return
    for a in parsed.articles:
        assert a.key and a.key == a.key.strip()
        assert a.title or a.text
        assert "\n" not in a.title
        assert all(line == line.strip() and line for line in a.text.split("\n") if a.text)
    assert parsed.summary_only <= {a.key for a in parsed.articles}


@needs_shared
@pytest.mark.parametrize("doc", _edge_params())
def test_edge_document(doc: EdgeDoc, server: FeedServer, fetcher: Fetcher) -> None:
    got = fetcher.fetch(server.url(doc.route))
    assert got.error is None and got.body == (EDGE / doc.rel).read_bytes()
    parsed = parse.parse(got.body, url=got.url, feed="edge", headers=got.headers)
    assert_parsed_or_rejected(parsed)
    if doc.well_formed:
        assert parsed.error is None, f"{doc.description}: a well-formed feed was rejected"
    # feedparser's own expectation holds on what claimwatch fetched and the headers it passes on
    namespace = {"datetime": datetime, "time": time, "feedparser": feedparser}
    if doc.skip_unless:
        try:
            eval(doc.skip_unless, namespace)
        except Exception:
            pytest.skip(f"feedparser's suite skips this unless {doc.skip_unless}")
    if _names(doc.expect) & HTTP_ONLY:
        pytest.skip("the expectation needs feedparser's own HTTP client (etag, status, href)")
    result = feedparser.parse(
        io.BytesIO(got.body), response_headers=parse.feed_headers(got.url, got.headers)
    )
    expect = doc.expect.replace(SUITE_ORIGIN, server.url("").rstrip("/"))
    assert eval(expect, namespace, result), f"{doc.description}: {doc.expect}"


@functools.cache
def _parsed_real(name: str) -> ParsedFeed:
    """Each real document parsed once per run (the 200 of them take seconds)."""
    return parse.parse(
        (REAL / name).read_bytes(),
        url=f"https://example.org/{name}",
        feed=name,
        headers={"Content-Type": "application/xml"},
    )


@needs_shared
@pytest.mark.parametrize("name", _real_params())
def test_real_document(name: str, server: FeedServer, fetcher: Fetcher) -> None:
    got = fetcher.fetch(server.url(f"/real/{name}"))
    assert got.error is None and got.body == (REAL / name).read_bytes()
    assert got.headers == {"content-type": "application/xml"}
    parsed = _parsed_real(name)  # the same bytes and headers as those fetched
    assert_parsed_or_rejected(parsed)
    if parsed.error:
        assert parsed.error.startswith(("not a feed: ", "XML error at line ")), parsed.error


NEWS = {  # SOURCES.md names these: each is a real news feed with stories
    "78f77fae2e1ffc14": "NYT World",
    "7be307059415227d": "NPR World",
    "0c1cef22da7ddc10": "CBS World",
    "f9c17f360c71def1": "ABC International",
    "3f9eeff5039a008d": "Al Jazeera",
    "14dda539770f94e3": "Deutsche Welle",
}


@needs_shared
@pytest.mark.parametrize("name", sorted(NEWS), ids=[NEWS[n] for n in sorted(NEWS)])
def test_real_news_feeds_give_articles_with_text_and_links(name: str) -> None:
    parsed = parse.parse((REAL / name).read_bytes(), url="https://example.org/feed", feed=name)
    assert parsed.error is None and len(parsed.articles) >= 5
    assert all(a.link.startswith("http") for a in parsed.articles)
    assert sum(bool(a.text) for a in parsed.articles) >= len(parsed.articles) // 2
    assert len({a.key for a in parsed.articles}) == len(parsed.articles)


@needs_shared
def test_only_the_few_non_feeds_among_the_real_documents_are_rejected() -> None:
    rejected = {n: p.error for n in map(str, _real_params_names()) if (p := _parsed_real(n)).error}
    assert len(rejected) <= 10, rejected  # SOURCES.md: "a few are not feeds at all"
    # the one that was rejected, a JSON Feed, is read now
    assert len(_parsed_real("d4b7ab74da763119").articles) == 10
    assert all(v.startswith("not a feed: ") for v in rejected.values()), rejected


# --- our own fixtures ----------------------------------------------------------------------------
def _fixture(name: str, url: str = "https://news.example.org/feed.xml") -> ParsedFeed:
    return parse.parse((FIXTURES / name).read_bytes(), url=url, feed="f")


def test_item_identity_guid_then_clean_link_then_content_hash() -> None:
    parsed = _fixture("identity.xml")
    assert parsed.error is None and parsed.title == "Identity & co" and parsed.ttl == 90
    guid, link, bare = parsed.articles  # the empty entry is dropped
    assert guid.key == "urn:example:story-1"
    assert guid.link == "https://news.example.org/story-1?utm_source=rss"
    assert guid.text == "First paragraph.\nSecond bold paragraph."  # script dropped
    assert guid.published == datetime.datetime(2026, 2, 10, 9, 30, tzinfo=datetime.UTC)
    assert link.key == "https://news.example.org/story-2?id=7"  # resolved, tracking gone
    assert bare.key.startswith("sha256:") and len(bare.key) == 71
    assert parsed.summary_only == {guid.key, link.key, bare.key}


def test_content_over_summary_and_summary_only_flag() -> None:
    parsed = _fixture("atom-content.xml")
    assert parsed.title == "Atom feed"
    (entry,) = parsed.articles
    assert entry.text == "The long text, in full.\nAnother paragraph."
    assert parsed.summary_only == frozenset()


def test_content_hash_changes_only_with_the_entry() -> None:
    (a, *_) = _fixture("identity.xml").articles
    (b, *_) = _fixture("identity.xml", url="https://mirror.example.net/f.xml").articles
    assert parse.content_hash(a) == parse.content_hash(b)
    edited = (FIXTURES / "identity.xml").read_bytes().replace(b"First paragraph", b"First lines")
    (c, *_) = parse.parse(edited, url="https://news.example.org/feed.xml", feed="f").articles
    assert c.key == a.key and parse.content_hash(c) != parse.content_hash(a)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "not a feed: empty document"),
        (b"  \n\t ", "not a feed: empty document"),
        (b"<!DOCTYPE html><html><body>hi</body></html>", "not a feed: HTML document"),
        (
            b'<?xml version="1.0"?>\n<html xmlns="http://www.w3.org/1999/xhtml"/>',
            "not a feed: HTML document",
        ),
        (
            b'{"data": [1, 2, 3]}',  # JSON, but no JSON Feed (those are read)
            "not a feed: JSON document, not a JSON Feed",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><circle r="1"/></svg>',
            "not a feed: <svg> document, not RSS, Atom or RDF",
        ),
        (b'<?xml version="1.0"?>\n<a>\n<b></a>', "XML error at line 3: mismatched tag"),
        (b"\xff\xfe\x00garbage", "XML error at line 1: not well-formed (invalid token)"),
        (b"just some words", "XML error at line 1: syntax error"),
        (b"<a>\n\n</b>", "XML error at line 3: mismatched tag"),
    ],
    ids=[
        "empty",
        "blank",
        "html",
        "xhtml",
        "json",
        "svg",
        "broken-xml",
        "binary",
        "words",
        "no-declaration",
    ],
)
def test_rejections_say_why_in_one_line(body: bytes, reason: str) -> None:
    assert parse.parse(body, url="https://example.org/f", feed="f").error == reason


def test_a_body_that_names_a_local_file_is_not_read_from_disk() -> None:
    """feedparser treats bytes it is given as a file name first; parse must never let it."""
    body = str(FIXTURES / "atom-content.xml").encode()
    parsed = parse.parse(body, url="https://example.org/f", feed="f")
    assert parsed.articles == [] and parsed.error is not None


def test_charset_from_the_content_type_header_decides_the_encoding() -> None:
    body = "<rss version='2.0'><channel><title>Gr\xfc\xdfe</title></channel></rss>".encode(
        "latin-1"
    )
    parsed = parse.parse(
        body,
        url="https://e.org/f",
        feed="f",
        headers={"Content-Type": "text/xml; charset=iso-8859-1"},
    )
    assert parsed.title == "Grüße"


def test_html_to_text_paragraphs() -> None:
    markup = (
        "<div>One<br/>two</div><p> three &amp;\n four </p><style>p{}</style><ul><li>x</li></ul>"
    )
    assert parse.html_to_text(markup) == "One\ntwo\nthree & four\nx"  # a newline is a space
    assert parse.html_to_text("a<!-- note -->b<script>x()</script>c") == "abc"
    assert parse.html_to_text("plain &lt;text&gt;") == "plain <text>"


def test_page_text_keeps_the_article_and_drops_the_chrome() -> None:
    page = (FIXTURES / "article.html").read_bytes()
    text = parse.page_text(page, "https://news.example.org/story-2")
    assert "Zelensky said on Monday" in text and "Lavrov accused" in text
    assert "Subscribe to our newsletter" not in text and "All rights reserved" not in text
    assert parse.page_text(b"", "https://e.org/x") == ""
    assert isinstance(parse.page_text(b"\x00\xff<<", "https://e.org/x"), str)  # never raises


# --- property-based: nothing escapes the stage ----------------------------------------------------
SEEDS = [(FIXTURES / n).read_bytes() for n in ("identity.xml", "atom-content.xml")]
FAST = settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


@FAST
@given(st.binary(max_size=2048))
def test_random_bytes_never_raise(body: bytes) -> None:
    assert_parsed_or_rejected(parse.parse(body, url="https://example.org/f", feed="f"))


@st.composite
def mutated_feeds(draw: st.DrawFn) -> bytes:
    """A real feed with a few bytes flipped, cut, duplicated or inserted."""
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, max(0, len(data) - 1)))
        kind = draw(st.sampled_from(["flip", "cut", "insert", "truncate", "repeat"]))
        if kind == "flip" and data:
            data[at] = draw(st.integers(0, 255))
        elif kind == "cut":
            del data[at : at + draw(st.integers(1, 40))]
        elif kind == "insert":
            data[at:at] = draw(
                st.sampled_from(
                    [
                        b"<",
                        b"&",
                        b"]]>",
                        b"<![CDATA[",
                        b"\x00",
                        b"&#xD800;",
                        b"<item>",
                        b"</channel>",
                        b"\xff\xfe",
                    ]
                )
            )
        elif kind == "truncate":
            del data[at:]
        else:
            data[at:at] = data[at : at + draw(st.integers(1, 200))]
    return bytes(data)


@FAST
@given(
    mutated_feeds(),
    st.sampled_from(
        ["", "text/xml; charset=utf-16", "text/plain", "application/rss+xml; charset=bogus"]
    ),
)
def test_mutated_feeds_never_raise(body: bytes, content_type: str) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    assert_parsed_or_rejected(
        parse.parse(body, url="https://example.org/f", feed="f", headers=headers)
    )


@FAST
@given(st.text(max_size=500))
def test_text_helpers_never_raise(value: str) -> None:
    assert "\n\n" not in parse.html_to_text(value)
    parse.clean_link(value)
