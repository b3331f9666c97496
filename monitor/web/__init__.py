"""The dashboard and API: a read-only web application over the store (``claimwatch web``, or
the daemon with ``web:`` in its configuration). See ``app`` for the routes, ``server`` for how
it is served, ``auth`` for who may read it."""

from __future__ import annotations

from .app import create_app
from .server import WebError, WebServer, serve

__all__ = ["WebError", "WebServer", "create_app", "serve"]
