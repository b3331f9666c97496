"""Turn fetched bytes into articles.

feedparser accepts almost anything; this stage decides what counts as a feed and gives a
one-line reason for what does not, and reduces each entry to plain text with paragraph breaks,
since extraction works paragraph by paragraph.
"""

from __future__ import annotations

import calendar
import hashlib
import html
import re
import urllib.parse
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

import feedparser

from .model import Article

_TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|mc_cid|mc_eid|ref|cmpid|smid|ocid)$", re.I)


@dataclass(frozen=True)
class ParsedFeed:
    title: str
    articles: list[Article]
    error: str | None = None


def parse(body: bytes, *, url: str, feed: str) -> ParsedFeed:
    """Articles from a feed document, or an error saying why it is not one."""
    head = body[:2048].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return ParsedFeed("", [], "not a feed: HTML document")
    if head.startswith((b"{", b"[")):
        return ParsedFeed("", [], "not a feed: JSON document")
    try:
        parsed = feedparser.parse(body, response_headers={"content-location": url})
    except Exception as exc:  # feedparser should not raise; if it does, the feed is bad
        return ParsedFeed("", [], f"unreadable feed: {type(exc).__name__}: {exc}")
    version = parsed.get("version", "")
    entries = parsed.get("entries", [])
    if not version and not entries:
        if parsed.get("bozo"):
            return ParsedFeed("", [], _bozo_reason(parsed.get("bozo_exception")))
        return ParsedFeed("", [], "not a feed: no RSS, Atom or RDF root element")
    title = _text(parsed.get("feed", {}).get("title", ""))
    articles = [a for a in (_article(e, feed, url) for e in entries) if a is not None]
    return ParsedFeed(title, articles)


def _bozo_reason(exc: Any) -> str:
    line = getattr(exc, "getLineNumber", None)
    if callable(line):
        return f"XML error at line {line()}: {getattr(exc, 'getMessage', lambda: exc)()}"
    return f"not a feed: {exc}"


def _article(entry: Any, feed: str, base: str) -> Article | None:
    bodies = [c.get("value", "") for c in entry.get("content", [])]
    bodies.append(entry.get("summary", ""))
    text = max((html_to_text(b) for b in bodies), key=len, default="")
    title = _text(entry.get("title", ""))
    if not text and not title:
        return None
    link = urllib.parse.urljoin(base, entry.get("link", "")) if entry.get("link") else ""
    key = entry.get("id") or entry.get("guid") or clean_link(link)
    if not key:
        key = "sha256:" + hashlib.sha256(f"{title}\n{text}".encode()).hexdigest()
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    published = datetime.fromtimestamp(calendar.timegm(stamp), UTC) if stamp else None
    return Article(key=str(key), feed=feed, link=link, title=title, text=text, published=published)


def clean_link(link: str) -> str:
    """A link without tracking parameters, so the same story shared twice is one article."""
    if not link:
        return ""
    parts = urllib.parse.urlsplit(link)
    query = [(k, v) for k, v in urllib.parse.parse_qsl(parts.query) if not _TRACKING.match(k)]
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query), fragment=""))


class _TextParser(HTMLParser):
    """HTML to text with one line per block element; scripts and styles dropped."""

    BLOCK = frozenset(
        "p div br li ul ol h1 h2 h3 h4 h5 h6 blockquote section article tr table pre figure".split()
    )
    SKIP = frozenset("script style noscript iframe object embed svg".split())

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """Plain text, one paragraph a line, whitespace inside a paragraph collapsed."""
    if "<" not in markup:
        raw = html.unescape(markup)
    else:
        p = _TextParser()
        p.feed(markup)
        p.close()
        raw = "".join(p.parts)
    lines = (re.sub(r"[ \t\r\f\v\xa0]+", " ", line).strip() for line in raw.split("\n"))
    return "\n".join(line for line in lines if line)


def _text(value: str) -> str:
    return html_to_text(value).replace("\n", " ")
