"""Turn fetched bytes into articles.

feedparser accepts almost anything; this stage decides what counts as a feed and gives a
one-line reason for what does not (``not a feed: HTML document``, ``XML error at line 3: ...``),
and reduces each entry to plain text with paragraph breaks, since extraction works paragraph by
paragraph. It never raises: a document that breaks feedparser itself is rejected with a reason.

Two feedparser defaults are turned off because this stage keeps text only: HTML sanitizing and
the resolution of relative URIs inside entry HTML. Together they are about three quarters of
feedparser's time on real feeds, and neither changes the text ``html_to_text`` keeps (it drops
scripts, styles and markup itself). Entry links are still resolved against the feed's URL.

An article's identity (``Article.key``) is its guid, else its link without tracking
parameters, else a hash of its content; ``content_hash`` tells an edited entry from the one
already read.
"""

from __future__ import annotations

import calendar
import hashlib
import html
import io
import json
import re
import threading
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

import feedparser
from lxml import etree

from .model import Article, printable

# Parameters that say how a reader arrived, never which story: dropped from link keys.
_TRACKING = re.compile(
    r"^(utm_\w+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|_ga|_hs\w+|igshid|ref|ref_src|cmpid"
    r"|smid|ocid|xtor|at_medium|at_campaign|__twitter_impression)$",
    re.I,
)
# The first element of a document, after a BOM, an XML declaration, comments, PIs and a doctype.
_ROOT = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<\?[^>]*\?>\s*|<!--.*?-->\s*|<!doctype[^>]*>\s*)*<([a-z_][\w.:-]*)",
    re.I | re.S,
)


@dataclass(frozen=True)
class ParsedFeed:
    title: str
    articles: list[Article]
    error: str | None = None
    ttl: int | None = None  # RSS <ttl>: minutes the publisher says the feed may be cached
    summary_only: frozenset[str] = field(default_factory=frozenset)  # keys with no full content
    notes: tuple[str, ...] = ()  # what the caller should log: identities that collided


def parse(
    body: bytes, *, url: str, feed: str, headers: Mapping[str, str] | None = None
) -> ParsedFeed:
    """Articles from a feed document, or an error saying why it is not one.

    ``headers`` are the response's (``fetch.KEPT_HEADERS``): the charset of Content-Type
    decides the encoding as feedparser's rules say, Content-Location the base of relative links.
    """
    try:
        return _parse(body, url, feed, headers or {})
    except Exception as exc:  # feedparser or a codec failing on hostile bytes: the feed is bad
        return ParsedFeed("", [], f"unreadable feed: {type(exc).__name__}: {_one_line(exc)}")


def _parse(body: bytes, url: str, feed: str, headers: Mapping[str, str]) -> ParsedFeed:
    if not body.strip():
        return ParsedFeed("", [], "not a feed: empty document")
    root = _root(body)
    if root == "html":
        return ParsedFeed("", [], "not a feed: HTML document")
    if root is None and body.lstrip()[:1] in (b"{", b"["):
        return _json_feed(body, url, feed, headers)
    parsed = read_feed(body, url=url, headers=headers)
    version = parsed.get("version", "")
    entries = parsed.get("entries", [])
    if not version and not entries:
        if parsed.get("bozo") and _line(parsed.get("bozo_exception")) is not None:
            return ParsedFeed("", [], _bozo_reason(parsed, body))
        if root:
            return ParsedFeed("", [], f"not a feed: <{root}> document, not RSS, Atom or RDF")
        return ParsedFeed("", [], "not a feed: no RSS, Atom or RDF root element")
    meta = parsed.get("feed", {})
    base = _base(url, headers)
    articles: list[Article] = []
    full: list[bool] = []
    for entry in entries:
        article = _article(entry, feed, base)
        if article is None:
            continue
        articles.append(article)
        full.append(bool(entry.get("content")))
    articles, notes = distinct_identities(articles)
    ttl = meta.get("ttl", "")
    return ParsedFeed(
        _text(meta.get("title", "")),
        articles,
        ttl=int(ttl) if isinstance(ttl, str) and ttl.strip().isdigit() else None,
        summary_only=frozenset(a.key for a, f in zip(articles, full, strict=True) if not f),
        notes=tuple(notes),
    )


def distinct_identities(articles: list[Article]) -> tuple[list[Article], list[str]]:
    """Articles whose identities hold per item, and a line for each identity that did not.

    A guid (or a link, for entries without one) shared by entries with different links or
    text does not identify any of them: a feed whose items all carry its home page as their
    guid would otherwise be read as one article. Each such entry is then known by the shared
    key and its own link (when no other entry of the group has that link), else its content
    hash, so it stays the same from one poll to the next. Entries that agree in link and text
    are one entry listed twice and keep the key."""
    groups: dict[str, list[int]] = {}
    for i, article in enumerate(articles):
        groups.setdefault(article.key, []).append(i)
    out = list(articles)
    notes = []
    for key, members in groups.items():
        if len(members) < 2:
            continue
        versions = {(clean_link(articles[i].link), content_hash(articles[i])) for i in members}
        if len(versions) < 2:
            continue
        links = [clean_link(articles[i].link) for i in members]
        for i, link in zip(members, links, strict=True):
            own = link if link and links.count(link) == 1 else ""
            suffix = own or "sha256:" + content_hash(articles[i])
            out[i] = replace(articles[i], key=f"{key}|{suffix}")
        notes.append(
            f"{len(members)} entries share the identity {key[:120]!r} but differ in link or "
            "text: each is read, known by that identity and its own link (or content)"
        )
    return out, notes


def _json_feed(body: bytes, url: str, feed: str, headers: Mapping[str, str]) -> ParsedFeed:
    """A JSON Feed (https://jsonfeed.org/version/1.1, and 1.0), whatever its Content-Type:
    feedparser 6.0 reads RSS, Atom and RDF only (its JSON Feed support is unreleased).
    Each item's ``id`` is its guid; ``content_html``, else ``content_text``, else ``summary``
    its text; ``url`` its link; ``date_published``, else ``date_modified``, its date."""
    try:
        doc = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        return ParsedFeed("", [], f"not a feed: invalid JSON: {_one_line(exc)}")
    version = doc.get("version") if isinstance(doc, dict) else None
    if not isinstance(version, str) or not version.startswith("https://jsonfeed.org/version/"):
        return ParsedFeed("", [], "not a feed: JSON document, not a JSON Feed")
    base = _base(url, headers)
    articles: list[Article] = []
    summary_only = set()
    for item in doc.get("items") or []:
        if not isinstance(item, dict):
            continue
        html_body, text_body = item.get("content_html"), item.get("content_text")
        summary = item.get("summary")
        if isinstance(html_body, str) and html_body.strip():
            text = html_to_text(html_body)
        elif isinstance(text_body, str) and text_body.strip():
            text = "\n".join(" ".join(ln.split()) for ln in text_body.splitlines() if ln.strip())
        else:
            text = html_to_text(summary) if isinstance(summary, str) else ""
        text, title = printable(text), printable(_text(item.get("title", "")))
        if not text and not title:
            continue
        link = item.get("url") if isinstance(item.get("url"), str) else ""
        link = urllib.parse.urljoin(base, link.strip()) if link else ""
        ident = item.get("id")
        key = str(ident).strip() if isinstance(ident, (str, int)) else ""
        key = (
            key
            or clean_link(link)
            or "sha256:" + hashlib.sha256(f"{title}\n{text}".encode()).hexdigest()
        )
        article = Article(key, feed, link, title, text, _json_date(item))
        articles.append(article)
        if not (html_body or text_body):
            summary_only.add(article.key)
    articles, notes = distinct_identities(articles)
    return ParsedFeed(
        _text(doc.get("title", "")),
        articles,
        summary_only=frozenset(summary_only),
        notes=tuple(notes),
    )


def _json_date(item: Mapping[str, Any]) -> datetime | None:
    for name in ("date_published", "date_modified"):
        value = item.get(name)
        if isinstance(value, str) and value.strip():
            try:
                when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            except ValueError:
                continue
            return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)
    return None


def read_feed(
    body: bytes, *, url: str, headers: Mapping[str, str] | None = None
) -> feedparser.FeedParserDict:
    """feedparser's reading of ``body`` as this stage asks for it.

    The bytes go in as a stream: given bytes, feedparser first tries them as a *file name*, so
    a server answering ``/etc/passwd`` would have it read a local file."""
    return feedparser.parse(
        io.BytesIO(body),
        response_headers=feed_headers(url, headers or {}),
        sanitize_html=False,
        resolve_relative_uris=False,
    )


def feed_headers(url: str, headers: Mapping[str, str]) -> dict[str, str]:
    """The response headers feedparser is given: the charset, the language and the base URL."""
    out = {
        k.lower(): v
        for k, v in headers.items()
        if k.lower() in ("content-type", "content-language")
    }
    out["content-location"] = _base(url, headers)
    return out


def _base(url: str, headers: Mapping[str, str]) -> str:
    """The base for relative links: Content-Location (resolved against the URL), else the URL."""
    location = next((v for k, v in headers.items() if k.lower() == "content-location"), "")
    return urllib.parse.urljoin(url, location.strip()) if location.strip() else url


def _root(body: bytes) -> str | None:
    m = _ROOT.match(body[:4096])
    return m.group(1).decode("ascii", "replace").lower() if m else None


def _line(exc: Any) -> int | None:
    get = getattr(exc, "getLineNumber", None)
    if not callable(get):
        return None
    try:
        line = get()
    except Exception:
        return None
    return line if isinstance(line, int) else None


def _bozo_reason(parsed: Any, body: bytes) -> str:
    exc = parsed.get("bozo_exception")
    message = getattr(exc, "getMessage", None)
    text = message() if callable(message) else str(exc)
    # feedparser puts an XML declaration on its own line before a document that has none:
    # the line the SAX parser reports is one past the line of the document as served
    head = body[:200].decode(parsed.get("encoding") or "utf-8", "ignore").lstrip("\ufeff")
    line = (_line(exc) or 1) - (0 if head.startswith("<?xml") else 1)
    return f"XML error at line {max(1, line)}: {_one_line(text)}"


def _one_line(value: object) -> str:
    text = " ".join(str(value).split())
    return text[:200] or "no detail"


def _article(entry: Any, feed: str, base: str) -> Article | None:
    bodies = [c.get("value", "") for c in entry.get("content", []) if isinstance(c, Mapping)]
    bodies.append(entry.get("summary", ""))
    text = ""  # the longest text among content and summary, converting as few as can win:
    for markup in sorted((b for b in bodies if isinstance(b, str)), key=len, reverse=True):
        if len(markup) <= len(text):  # text is never longer than its markup
            break
        candidate = html_to_text(markup)
        if len(candidate) > len(text):
            text = candidate
    text, title = printable(text), printable(_text(entry.get("title", "")))
    if not text and not title:
        return None
    raw_link = entry.get("link", "")
    link = raw_link.strip() if isinstance(raw_link, str) else ""
    link = urllib.parse.urljoin(base, link) if link else ""  # urljoin(base, "") is the base
    guid = entry.get("id") or entry.get("guid") or ""
    key = guid.strip() if isinstance(guid, str) else ""
    key = key or clean_link(link)
    if not key:
        key = "sha256:" + hashlib.sha256(f"{title}\n{text}".encode()).hexdigest()
    published = _when(entry.get("published_parsed") or entry.get("updated_parsed"))
    return Article(key=key, feed=feed, link=link, title=title, text=text, published=published)


def _when(stamp: Any) -> datetime | None:
    if not stamp:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(stamp), UTC)
    except (OverflowError, ValueError, OSError, TypeError):  # year 0 or 99999: no date is better
        return None


def content_hash(article: Article) -> str:
    """What changes when the publisher edits an entry: its title or its text."""
    return hashlib.sha256(f"{article.title}\n{article.text}".encode()).hexdigest()


def clean_link(link: str) -> str:
    """A link without tracking parameters, so the same story shared twice is one article."""
    if not link:
        return ""
    try:
        parts = urllib.parse.urlsplit(link)
    except ValueError:  # e.g. an invalid IPv6 host: the link as given still identifies it
        return link
    query = [(k, v) for k, v in urllib.parse.parse_qsl(parts.query) if not _TRACKING.match(k)]
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query), fragment=""))


def page_text(body: bytes, url: str) -> str:
    """The main text of an article page (boilerplate, menus and comments dropped), one
    paragraph a line; empty when none is found. trafilatura is made for exactly this."""
    import trafilatura  # imported on first use: only feeds with fetch_article need it

    try:
        text = trafilatura.extract(
            body, url=url, include_comments=False, include_tables=False, favor_precision=True
        )
    except Exception:  # a page that breaks the extractor has no text we can use
        return ""
    if not text:
        return ""
    lines = (re.sub(r"[ \t\r\f\v\xa0]+", " ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


class _TextParser(HTMLParser):
    """HTML to text with one line per block element; scripts and styles dropped."""

    BLOCK = frozenset(
        "p div br li ul ol h1 h2 h3 h4 h5 h6 blockquote section article tr table pre figure".split()
    )
    SKIP = frozenset("script style noscript iframe object embed svg template".split())

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BLOCK:  # <br/>: a line break, and never the start of a skipped block
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


_BLOCK = _TextParser.BLOCK
_SKIP = _TextParser.SKIP


def html_to_text(markup: str) -> str:
    """Plain text, one paragraph a line, whitespace inside a paragraph collapsed.

    lxml's C parser does the work (the pure-Python ``HTMLParser`` took as long as feedparser
    itself on real feeds); the Python one is kept for what lxml refuses."""
    if "<" not in markup:
        raw = html.unescape(markup) if "&" in markup else markup
    else:
        try:
            raw = _lxml_text(markup)
        except (etree.LxmlError, ValueError):
            p = _TextParser()
            p.feed(markup)
            p.close()
            raw = "".join(p.parts)
    lines = (" ".join(line.split()) for line in raw.split("\n"))  # NBSP is whitespace too
    text = "\n".join(line for line in lines if line)
    if _ENCODED_TWICE.search(text):  # markup escaped twice: "&lt;p&gt;Hello" read as text
        return html_to_text(text)
    return _entities_again(text)


# What is left of markup or entities encoded twice once the first decoding is done: a tag of
# HTML's own (not any "<word>"), or a complete entity ("&#8220;", "&amp;", "&eacute;")
_ENCODED_TWICE = re.compile(
    r"</?(?:p|br|div|span|a|em|strong|b|i|blockquote|ul|ol|li|h[1-6])(?:\s[^<>]*)?/?>", re.I
)
_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def _entities_again(text: str) -> str:
    """Entities a feed encoded twice (``&amp;#8220;`` read as ``&#8220;``) decoded, up to three
    levels; only complete entities, so "AT&T" and "R&D" stay as they are."""
    for _ in range(3):
        if "&" not in text or not _ENTITY.search(text):
            break
        text = _ENTITY.sub(lambda m: html.unescape(m.group(0)), text)
    return text


_PARSERS = threading.local()  # an lxml parser must not be shared between threads


def _lxml_text(markup: str) -> str:
    """Blocks marked with line breaks, skipped elements removed, then lxml's own text
    serializer: every step runs in C, none walks the tree in Python."""
    parser = getattr(_PARSERS, "html", None)
    if parser is None:
        parser = _PARSERS.html = etree.HTMLParser(
            remove_comments=True, remove_pis=True, no_network=True, default_doctype=False
        )
    root = etree.fromstring(markup.replace("\r", " ").replace("\n", " "), parser)
    if root is None:
        return ""
    etree.strip_elements(root, *_SKIP, with_tail=False)
    for el in root.iter(*_BLOCK):
        el.text = "\n" + (el.text or "")
        el.tail = "\n" + (el.tail or "")
    return str(etree.tostring(root, method="text", encoding="unicode"))


def _text(value: Any) -> str:
    return html_to_text(value).replace("\n", " ") if isinstance(value, str) else ""
