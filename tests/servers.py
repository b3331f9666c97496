"""Real loopback servers for claimwatch tests.

Why real servers instead of mocks: claimwatch talks to the outside world
through ``httpx``/``feedparser`` (feeds) and Apprise (notifications).
Mocking those libraries would test our assumptions about them; serving real
bytes on 127.0.0.1 tests the actual wire behaviour, while staying offline.

Everything binds to 127.0.0.1 on an ephemeral port (port 0), so tests can run
in parallel and never need the network.  Each server is a context manager::

    with FeedServer() as feeds, SmtpServer() as smtp, HttpReceiver() as hooks:
        feeds.set("/rss", b"<rss .../>", headers={"Content-Type": "..."})
        ...

The ``*_url`` helpers build Apprise URLs aimed at these servers; they are
verified against apprise 2.3.0 by ``tests/test_servers.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.parser
import email.policy
import json
import logging
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Generic, TypeVar, cast
from unittest import mock
from urllib.parse import quote, urlencode

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

# apprise 2.3.0 (apprise/utils/pgp.py) does ``import imghdr`` as a shim for
# the optional PGPy package whenever its plugins are first loaded (lazily,
# on the first Apprise.add()).  On Python 3.11/3.12 that import emits
# "DeprecationWarning: 'imghdr' is deprecated", which ``-W error`` turns into
# a failing test.  Importing imghdr once here, with exactly that warning
# ignored inside a catch_warnings() block, puts it in sys.modules so
# apprise's import is silent; no global warning filter is left behind.
# (Python >= 3.13 has no imghdr; apprise then installs its own shim.)
with warnings.catch_warnings():
    warnings.filterwarnings(
        "ignore", message=r"'imghdr' is deprecated", category=DeprecationWarning
    )
    with contextlib.suppress(ImportError):
        import imghdr  # noqa: F401

__all__ = [
    "SLACK_WEBHOOK_TOKENS",
    "SMTP_PERMANENT_FAILURE",
    "SMTP_TRANSIENT_FAILURE",
    "AuthAttempt",
    "FeedServer",
    "HttpReceiver",
    "RecordedRequest",
    "Route",
    "SmtpDelivery",
    "SmtpServer",
    "json_url",
    "mailto_url",
    "slack_redirect",
]

HOST = "127.0.0.1"

#: SMTP replies for ``SmtpServer.fail``: a 4xx is "try again later",
#: a 5xx is "never retry"; claimwatch may want to treat them differently.
SMTP_TRANSIENT_FAILURE = "451 4.3.0 Temporary local problem (test)"
SMTP_PERMANENT_FAILURE = "554 5.7.1 Message rejected (test)"

#: A syntactically valid (fake) Slack webhook token triple: T…/B…/secret.
SLACK_WEBHOOK_TOKENS = ("T1JJ3T3L2", "A1BRTD4JD", "TIiajkdnlazkcOXrIdevi7")

_T = TypeVar("_T")


class _Recorder(Generic[_T]):
    """A thread-safe append-only list with a blocking ``wait_for``.

    Servers append from their own threads while the test thread reads, so
    every access takes the lock and readers get a snapshot copy.
    """

    def __init__(self) -> None:
        self._items: list[_T] = []
        self._cond = threading.Condition()

    def append(self, item: _T) -> None:
        with self._cond:
            self._items.append(item)
            self._cond.notify_all()

    def snapshot(self) -> list[_T]:
        with self._cond:
            return list(self._items)

    def clear(self) -> None:
        with self._cond:
            self._items.clear()

    def wait_for(self, n: int, timeout: float, what: str) -> list[_T]:
        """Block until at least ``n`` items exist; raise TimeoutError if not."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self._items) >= n, timeout):
                raise TimeoutError(f"expected {n} {what} within {timeout}s, got {len(self._items)}")
            return list(self._items)


# --------------------------------------------------------------------------
# HTTP
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """A canned HTTP response served by ``FeedServer``."""

    body: bytes
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server saw it.

    ``path`` includes any query string.  ``headers`` is the handler's
    ``http.client.HTTPMessage`` (an ``email.message.Message``), so lookups
    are case-insensitive (``headers["etag"]``) and missing headers give
    ``None``.  ``json`` is the parsed body when the body is valid JSON,
    else ``None``.
    """

    method: str
    path: str
    headers: Message[str, str]
    body: bytes = b""
    json: Any = None


class _QuietHandler(BaseHTTPRequestHandler):
    """Base handler: no stderr access log, always sends Content-Length.

    HTTP/1.0 (the default) closes the connection after every response, which
    keeps shutdown instant: no idle keep-alive threads to wait for.
    """

    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _respond(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if not any(name.lower() == "content-length" for name in headers):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and status not in (204, 304):
            self.wfile.write(body)


class _HTTPServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that knows its owning test server object."""

    daemon_threads = True
    owner: Any


_S = TypeVar("_S", bound="_LoopbackHTTP")


class _LoopbackHTTP:
    """Shared lifecycle for the HTTP test servers (start/stop, url, records)."""

    _handler_class: type[_QuietHandler]

    def __init__(self) -> None:
        self._recorder: _Recorder[RecordedRequest] = _Recorder()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Bind 127.0.0.1:0 and serve in a daemon thread."""
        if self._httpd is not None:
            raise RuntimeError(f"{type(self).__name__} already started")
        httpd = _HTTPServer((HOST, 0), self._handler_class)
        httpd.owner = self
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"{type(self).__name__}:{httpd.server_address[1]}",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the listening socket (idempotent)."""
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self: _S) -> _S:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError(f"{type(self).__name__} is not running")
        return int(self._httpd.server_address[1])

    @property
    def host(self) -> str:
        return HOST

    def url(self, path: str = "/") -> str:
        """Full ``http://127.0.0.1:PORT/path`` URL for ``path``."""
        if not path.startswith("/"):
            path = "/" + path
        return f"http://{HOST}:{self.port}{path}"

    @property
    def requests(self) -> list[RecordedRequest]:
        """Snapshot of every request received so far, oldest first."""
        return self._recorder.snapshot()

    def clear(self) -> None:
        """Forget recorded requests (e.g. between phases of one test)."""
        self._recorder.clear()

    def wait_for(self, n: int = 1, timeout: float = 5.0) -> list[RecordedRequest]:
        """Wait until at least ``n`` requests arrived; return them all."""
        return self._recorder.wait_for(n, timeout, "HTTP requests")

    def _record(self, request: RecordedRequest) -> None:
        self._recorder.append(request)


def _parse_json(body: bytes) -> Any:
    try:
        return json.loads(body) if body else None
    except ValueError:
        return None


class _FeedHandler(_QuietHandler):
    def do_GET(self) -> None:
        owner = cast(FeedServer, self.server.owner)
        owner._record(RecordedRequest(self.command, self.path, self.headers))
        status, body, headers = owner._response_for(self.path, self.headers)
        self._respond(status, body, headers)

    do_HEAD = do_GET


class FeedServer(_LoopbackHTTP):
    """Serves mutable canned responses (RSS/Atom feeds, article pages).

    Routes are looked up by exact path (with query string) first, then by
    path without the query string; unknown paths get 404.  Routes can be
    replaced at any time with ``set`` so a test can simulate a feed that
    changes between polls or starts failing.

    Conditional GET: if a route has an ``ETag`` (or ``Last-Modified``)
    header and the request sends the identical ``If-None-Match`` (or
    ``If-Modified-Since``) value, the server answers ``304`` with no body,
    like a well-behaved origin would.  Comparison is by exact string, which
    is what real clients echo back.
    """

    _handler_class = _FeedHandler

    def __init__(self, routes: dict[str, Route] | None = None) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._routes: dict[str, Route] = dict(routes or {})

    def set(
        self,
        path: str,
        body: bytes | str,
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Create or replace the response for ``path`` (str body -> UTF-8)."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        with self._lock:
            self._routes[path] = Route(data, status, dict(headers or {}))

    def remove(self, path: str) -> None:
        """Drop a route so it answers 404."""
        with self._lock:
            self._routes.pop(path, None)

    @property
    def routes(self) -> dict[str, Route]:
        """Snapshot of the current routes."""
        with self._lock:
            return dict(self._routes)

    def _response_for(
        self, path: str, request_headers: Message[str, str]
    ) -> tuple[int, bytes, dict[str, str]]:
        with self._lock:
            route = self._routes.get(path) or self._routes.get(path.split("?")[0])
        if route is None:
            return 404, b"not found", {"Content-Type": "text/plain"}
        if route.status == 200 and _not_modified(route.headers, request_headers):
            kept = {
                k: v
                for k, v in route.headers.items()
                if k.lower() in ("etag", "last-modified", "cache-control")
            }
            return 304, b"", kept
        return route.status, route.body, route.headers


def _not_modified(route_headers: dict[str, str], request: Message[str, str]) -> bool:
    lowered = {k.lower(): v for k, v in route_headers.items()}
    etag = lowered.get("etag")
    if etag is not None and request.get("If-None-Match") is not None:
        return request.get("If-None-Match") == etag
    modified = lowered.get("last-modified")
    if modified is not None and request.get("If-Modified-Since") is not None:
        return request.get("If-Modified-Since") == modified
    return False


class _ReceiverHandler(_QuietHandler):
    def _handle(self) -> None:
        owner = cast(HttpReceiver, self.server.owner)
        body = self._read_body()
        owner._record(
            RecordedRequest(self.command, self.path, self.headers, body, _parse_json(body))
        )
        self._respond(owner.status, owner.response_body, owner.response_headers)

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET = _handle


class HttpReceiver(_LoopbackHTTP):
    """Accepts webhook calls (any path, any common method) and records them.

    Set ``status`` (e.g. 404, 500) to simulate a failing endpoint.  The
    default response body is ``b"ok"`` because that is exactly what Slack
    incoming webhooks answer, and Apprise's Slack plugin treats anything
    else as a failure; other plugins ignore the body.
    """

    _handler_class = _ReceiverHandler

    def __init__(self, status: int = 200, response_body: bytes = b"ok") -> None:
        super().__init__()
        # Plain attributes: assignment is atomic, handlers read them per request.
        self.status = status
        self.response_body = response_body
        self.response_headers: dict[str, str] = {"Content-Type": "text/plain"}


# --------------------------------------------------------------------------
# SMTP
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class SmtpDelivery:
    """One accepted message with its SMTP envelope and AUTH login (if any)."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    login: str | None
    message: EmailMessage


@dataclass(frozen=True)
class AuthAttempt:
    """One AUTH attempt.  The password is deliberately not stored."""

    mechanism: str
    login: str
    success: bool


_PARSER = email.parser.BytesParser(policy=email.policy.default)


class _DropLoginDataDeprecation(logging.Filter):
    """Drop aiosmtpd's self-inflicted "Session.login_data is deprecated" log.

    aiosmtpd 1.4.6 assigns its own deprecated ``Session.login_data`` property
    after every successful AUTH, and the property logs a WARNING on the
    "mail.log" logger (a log record, not a ``warnings`` warning).  Nothing we
    can do avoids it, and it would pollute caplog-based "no warnings logged"
    assertions, so exactly that message is filtered out.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Session.login_data is deprecated")


_mail_log = logging.getLogger("mail.log")
if not any(isinstance(f, _DropLoginDataDeprecation) for f in _mail_log.filters):
    _mail_log.addFilter(_DropLoginDataDeprecation())


class _Handler:
    """aiosmtpd handler: enforces auth/failure switches, records messages."""

    def __init__(self, owner: SmtpServer) -> None:
        self._owner = owner

    async def handle_MAIL(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        mail_options: list[str],
    ) -> str:
        # Done here rather than with aiosmtpd's auth_required=True: that flag
        # combined with auth_require_tls=False emits a UserWarning on every
        # connection (fatal under -W error, and raised in the server thread).
        # The SMTP-visible behaviour (530 before MAIL) is the same.
        if self._owner.username is not None and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        failure = self._owner.fail
        if failure is not None:
            return failure
        if self._owner.delay:
            await asyncio.sleep(self._owner.delay)  # a slow server: time to kill a client mid-queue
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        message = _PARSER.parsebytes(raw)
        login = None
        if session.authenticated and isinstance(session.auth_data, LoginPassword):
            login = session.auth_data.login.decode("utf-8", "replace")
        self._owner._deliveries.append(
            SmtpDelivery(
                mail_from=envelope.mail_from or "",
                rcpt_tos=tuple(envelope.rcpt_tos),
                login=login,
                message=message,
            )
        )
        return "250 Message accepted for delivery"

    async def handle_QUIT(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self._owner.quit_delay:  # a server slow to answer QUIT (or across a slow network)
            await asyncio.sleep(self._owner.quit_delay)
        return "221 Bye"

    def authenticate(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        mechanism: str,
        auth_data: Any,
    ) -> AuthResult:
        """aiosmtpd authenticator: LOGIN/PLAIN against the configured pair."""
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login = auth_data.login.decode("utf-8", "replace")
        ok = (
            login == self._owner.username
            and auth_data.password.decode("utf-8", "replace") == self._owner.password
        )
        self._owner._auth_attempts.append(AuthAttempt(mechanism, login, ok))
        return AuthResult(success=ok, handled=False, auth_data=auth_data)


class _Controller(Controller):
    """Controller that supports port 0 and never calls ``socket.getfqdn``."""

    def factory(self) -> SMTP:
        # Pass the loop explicitly: otherwise every connection makes SMTP call
        # asyncio.get_event_loop() inside warnings.catch_warnings() from the
        # server thread, which mutates the process-global warning filters.
        return SMTP(self.handler, loop=self.loop, **self.SMTP_kwargs)

    def _trigger_server(self) -> None:
        # Bound with port 0: learn the real port before the start-up probe
        # connects to it (the stock probe would dial port 0).
        server = cast(asyncio.Server, self.server)
        self.port = int(server.sockets[0].getsockname()[1])
        super()._trigger_server()  # type: ignore[no-untyped-call]


class SmtpServer:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 collecting messages.

    * ``messages``: received mail as ``EmailMessage`` (``policy.default``),
      so ``msg["Subject"]`` is decoded and ``msg.get_body()`` works.
    * ``deliveries``: the same with the SMTP envelope and AUTH login.
    * ``username``/``password``: if given, AUTH (PLAIN/LOGIN, no TLS) is
      offered and MAIL FROM is refused with 530 until the client logs in.
      ``auth_attempts`` records logins but never passwords.
    * ``fail``: set to an SMTP reply line (``SMTP_TRANSIENT_FAILURE``,
      ``SMTP_PERMANENT_FAILURE`` or your own) to reject messages at DATA;
      set back to ``None`` to accept again.
    """

    def __init__(
        self,
        username: str | None = None,
        password: str | None = None,
        hostname: str = "smtp.claimwatch.test",
    ) -> None:
        if (username is None) != (password is None):
            raise ValueError("give both username and password, or neither")
        self.username = username
        self.password = password
        self.fail: str | None = None
        self.delay = 0.0  # seconds to wait before accepting each message
        self.quit_delay = 0.0  # seconds to wait before answering QUIT
        self._deliveries: _Recorder[SmtpDelivery] = _Recorder()
        self._auth_attempts: _Recorder[AuthAttempt] = _Recorder()
        handler = _Handler(self)
        kwargs: dict[str, Any] = {}
        if username is not None:
            kwargs.update(authenticator=handler.authenticate, auth_require_tls=False)
        # server_hostname is the EHLO greeting name; setting it avoids
        # aiosmtpd calling socket.getfqdn(), which can stall without DNS.
        self._controller = _Controller(
            handler, hostname=HOST, port=0, server_hostname=hostname, **kwargs
        )
        self._running = False

    def start(self) -> None:
        """Start the server thread; returns once it accepts connections."""
        if self._running:
            raise RuntimeError("SmtpServer already started")
        self._controller.start()
        self._running = True

    def stop(self) -> None:
        """Stop the server thread and close its socket (idempotent)."""
        if self._running:
            self._controller.stop()
            self._running = False

    def __enter__(self) -> SmtpServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def host(self) -> str:
        return HOST

    @property
    def port(self) -> int:
        if not self._running:
            raise RuntimeError("SmtpServer is not running")
        return int(self._controller.port)

    @property
    def messages(self) -> list[EmailMessage]:
        """Snapshot of accepted messages, oldest first."""
        return [d.message for d in self._deliveries.snapshot()]

    @property
    def deliveries(self) -> list[SmtpDelivery]:
        """Snapshot of accepted messages with envelope data."""
        return self._deliveries.snapshot()

    @property
    def auth_attempts(self) -> list[AuthAttempt]:
        """Snapshot of AUTH attempts (login and outcome, no password)."""
        return self._auth_attempts.snapshot()

    def clear(self) -> None:
        """Forget received messages and auth attempts."""
        self._deliveries.clear()
        self._auth_attempts.clear()

    def wait_for(self, n: int = 1, timeout: float = 5.0) -> list[EmailMessage]:
        """Wait until at least ``n`` messages arrived; return them all."""
        return [d.message for d in self._deliveries.wait_for(n, timeout, "emails")]


# --------------------------------------------------------------------------
# Apprise URL builders
# --------------------------------------------------------------------------


def mailto_url(
    smtp: SmtpServer,
    to: str = "analyst@example.org",
    user: str | None = None,
    password: str | None = None,
    from_addr: str = "claimwatch@example.org",
) -> str:
    """Apprise ``mailto://`` URL delivering to ``smtp`` over plain SMTP.

    * ``mailto://`` (not ``mailtos://``) plus ``mode=insecure``: no TLS and
      no STARTTLS; aiosmtpd here has no certificate.
    * ``smtp=127.0.0.1`` pins the server so Apprise never applies its
      provider templates (gmail, outlook, ...) based on the address.
    * ``from=`` is required: without a user there is no sender otherwise,
      and with a user Apprise would invent ``user@127.0.0.1``.
    * ``to=`` carries the recipient; credentials are percent-encoded.
    * ``from_addr`` may carry a display name: ``"Claim Watch <cw@x.org>"``.
    """
    auth = ""
    if user is not None:
        auth = quote(user, safe="")
        if password is not None:
            auth += ":" + quote(password, safe="")
        auth += "@"
    # quote_via=quote: Apprise does not decode "+" as a space, so a display
    # name like "Claim Watch <cw@example.org>" must be sent as %20.
    query = urlencode(
        {"smtp": smtp.host, "mode": "insecure", "from": from_addr, "to": to},
        quote_via=quote,
    )
    return f"mailto://{auth}{smtp.host}:{smtp.port}/?{query}"


def json_url(receiver: HttpReceiver, path: str = "/hook") -> str:
    """Apprise ``json://`` URL that POSTs to ``receiver`` at ``path``."""
    if not path.startswith("/"):
        path = "/" + path
    return f"json://{receiver.host}:{receiver.port}{path}"


@contextlib.contextmanager
def slack_redirect(receiver: HttpReceiver) -> Iterator[str]:
    """Point Apprise's Slack webhook mode at ``receiver``; yield a slack:// URL.

    ``NotifySlack`` builds the POST target as
    ``f"{self.webhook_url}/{token_a}/{token_b}/{token_c}"`` with
    ``webhook_url = "https://hooks.slack.com/services"`` as a *class*
    attribute, so patching that one attribute (for the ``with`` block only)
    redirects every Slack webhook instance, including ones created earlier.
    The receiver then sees ``POST /services/<token_a>/<token_b>/<token_c>``.
    Bot-token mode (``api_url``) and workflow URLs are not redirected.
    """
    # Imported here so merely importing this module never loads apprise's
    # plugins (that happens after the imghdr workaround above either way).
    from apprise.plugins.slack import NotifySlack

    with mock.patch.object(NotifySlack, "webhook_url", receiver.url("/services")):
        yield "slack://{}/{}/{}".format(*SLACK_WEBHOOK_TOKENS)
