"""Serving the dashboard with uvicorn: in the foreground (``claimwatch web``), or in a thread
of the daemon (``WebServer``), on a socket bound here so a busy port is a clear error."""

from __future__ import annotations

import logging
import signal
import socket
import threading
import time

import uvicorn

from ..config import DEFAULT_WEB_LISTEN, Config, WebConfig, host_port, is_loopback
from ..store.reader import Reader, ReaderError
from .app import create_app

log = logging.getLogger("claimwatch.web")


class WebError(Exception):
    """The dashboard cannot be served; the message says why, in one line."""


def settings(config: Config, listen: str | None = None) -> WebConfig:
    """The ``web:`` settings, with ``listen`` (``--listen``) in place of the configured one;
    raises ``WebError`` for an address off loopback without a token."""
    web = config.web or WebConfig()
    address = listen or web.listen or DEFAULT_WEB_LISTEN
    try:
        host, _ = host_port(address)
    except ValueError as err:
        raise WebError(str(err)) from err
    if not web.token and not is_loopback(host):
        raise WebError(
            f"refusing to serve on {address} without a token: set web.token in "
            f"{config.path} (e.g. token: ${{CLAIMWATCH_WEB_TOKEN}}) or listen on 127.0.0.1"
        )
    return WebConfig.model_construct(listen=address, token=web.token)


def bind(listen: str) -> socket.socket:
    """A listening socket on ``HOST:PORT`` (port 0: any free one); raises ``WebError``."""
    host, port = host_port(listen)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio turns TCP_NODELAY on only for sockets that say so, and
    # without it every keep-alive request past the first waits ~40 ms for a delayed ACK
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise WebError(f"cannot listen on {listen}: {exc.strerror or exc}") from exc
    sock.listen(128)
    return sock


def _server(config: Config, web: WebConfig) -> tuple[uvicorn.Server, Reader]:
    names = {ident: a.name for ident, a in config.watchlist.actors.items()}
    try:
        reader = Reader(config.database, names)
    except ReaderError as err:
        raise WebError(str(err)) from err
    app = create_app(config, reader, token=web.token or "")
    uv = uvicorn.Config(
        app,
        log_config=None,  # claimwatch's logging, one event per line
        access_log=False,
        lifespan="off",
        proxy_headers=True,  # X-Forwarded-Proto from a proxy on loopback: cookies get Secure
        server_header=False,
    )
    return uvicorn.Server(uv), reader


def _url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://{f'[{host}]' if ':' in host else host}:{port}/"


def serve(config: Config, listen: str | None = None) -> int:
    """Serve in the foreground until SIGINT or SIGTERM; returns the exit status."""
    web = settings(config, listen)
    server, reader = _server(config, web)
    sock = bind(web.listen)
    log.info(
        "web: serving %s (read-only; %s)",
        _url(sock),
        "a token is required" if web.token else "loopback only, no token",
    )
    # uvicorn stops gracefully on SIGINT/SIGTERM, then raises the signal again for the
    # handler it found: a quiet one here, so that a stop asked for is an exit status of 0
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda _signum, _frame: None)
    try:
        server.run(sockets=[sock])
        log.info("web: stopped")
    finally:
        sock.close()
        reader.close()
    return 0


class WebServer:
    """The dashboard in a thread of the daemon: ``start`` binds and serves, ``stop`` ends it."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._server: uvicorn.Server | None = None
        self._reader: Reader | None = None
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> str:
        """Bind and serve; returns the URL. Raises ``WebError`` (a busy port, no store)."""
        web = settings(self.config)
        self._server, self._reader = _server(self.config, web)
        try:
            self._sock = bind(web.listen)
        except WebError:
            self._reader.close()
            raise
        server, sock = self._server, self._sock
        self._thread = threading.Thread(
            target=lambda: server.run(sockets=[sock]), name="claimwatch-web", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not server.started and self._thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.02)
        return _url(sock)

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._sock is not None:
            self._sock.close()
        if self._reader is not None:
            self._reader.close()
        self._server = self._thread = self._sock = self._reader = None
