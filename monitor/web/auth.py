"""Who may read the dashboard: a token, or loopback only.

With a token configured, every request but the login form and the style sheet must carry it:
``Authorization: Bearer TOKEN``, HTTP Basic with the token as the password (what feed readers
send for ``/alerts.atom``), or the session cookie that ``POST /login`` sets. The cookie holds
an HMAC of the token, never the token. Without a token the server listens on loopback only
(``WebConfig`` refuses anything else), and it answers only requests whose Host is a loopback
name, so a web page elsewhere cannot read it through DNS rebinding.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import quote

from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from ..config import is_loopback

SESSION_COOKIE = "claimwatch_session"
OPEN_PATHS = ("/login", "/static/")  # served without a token: the form and its style sheet


def session_value(token: str) -> str:
    """What the session cookie holds: an HMAC of the token, so the cookie never holds it."""
    return hmac.new(token.encode(), b"claimwatch web session", hashlib.sha256).hexdigest()


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return ""


def presented(scope: Scope, token: str) -> bool:
    """Whether the request carries ``token``: a Bearer or Basic header, or the cookie."""
    auth = _header(scope, b"authorization")
    scheme, _, value = auth.partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer" and hmac.compare_digest(value.encode(), token.encode()):
        return True
    if scheme.lower() == "basic":
        try:
            _, _, password = base64.b64decode(value, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            password = ""
        if password and hmac.compare_digest(password.encode(), token.encode()):
            return True
    cookie = SimpleCookie()
    try:
        cookie.load(_header(scope, b"cookie"))
    except Exception:  # a malformed Cookie header is no session
        return False
    morsel = cookie.get(SESSION_COOKIE)
    return morsel is not None and hmac.compare_digest(
        morsel.value.encode(), session_value(token).encode()
    )


def host_of(header: str) -> str:
    """The host of a Host header: ``[::1]:8080`` -> ``::1``, ``localhost:8080`` -> ``localhost``."""
    if header.startswith("["):
        return header[1 : header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


class TokenGate:
    """ASGI middleware: with ``token``, requests without it get 401 (``/api/``, the Atom feed)
    or a redirect to the login form (pages); without, only loopback Host names are served."""

    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app = app
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = self.refusal(scope)
        if refusal is None:
            await self.app(scope, receive, send)
        else:
            await refusal(scope, receive, send)

    def refusal(self, scope: Scope) -> Response | None:
        path: str = scope["path"]
        root: str = scope.get("root_path", "")
        if self.token is None:
            host = host_of(_header(scope, b"host"))
            if host and not is_loopback(host):
                return PlainTextResponse(
                    f"this server answers loopback names only, not {host!r}: "
                    "set web.token to serve it under other names\n",
                    status_code=421,
                )
            return None
        if path.startswith(OPEN_PATHS) or presented(scope, self.token):
            return None
        if path.startswith("/api/") or path.endswith((".atom", ".csv", ".svg")):
            return _unauthorized()
        query = scope.get("query_string", b"").decode("latin-1")
        target = path + (f"?{query}" if query else "")
        return RedirectResponse(f"{root}/login?next={quote(target, safe='')}", status_code=303)


def _unauthorized() -> Response:
    body: dict[str, Any] = {
        "detail": "a token is required: send 'Authorization: Bearer TOKEN' (or HTTP Basic with "
        "the token as the password), or log in at /login"
    }
    return JSONResponse(
        body,
        status_code=401,
        headers={"WWW-Authenticate": 'Bearer realm="claimwatch", Basic realm="claimwatch"'},
    )


def safe_next(target: str | None) -> str:
    """Where to go after logging in: a path on this site only (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/alerts"
    return target
