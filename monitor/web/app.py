"""The dashboard and its API: FastAPI routes over a ``Reader``, pages rendered by Jinja2.

Pages are plain HTML with one style sheet and no script; every filter is a query parameter,
so a filtered view is a link to share. The API (``/api/``, described by
``/api/openapi.json``) returns the same data as JSON, ``/api/claims.csv`` a filtered claims
list, and ``/alerts.atom`` the alerts as an Atom feed with the same filters. Nothing here
writes to the store: the only state a request leaves is in cookies (the last visit, a login).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

import jinja2
from fastapi import FastAPI, Form, HTTPException, Query, Request
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, ConfigDict, Field, model_validator
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import __version__
from ..config import CLAIM_TYPES, SEVERITIES, Config
from ..notify import mask, remember_secrets, secrets_of
from ..rules import channel_names
from ..store.reader import (
    ALERT_KINDS,
    AlertDetail,
    AlertView,
    Cell,
    ClaimDetail,
    ClaimView,
    Count,
    Filter,
    OperatorAlert,
    Reader,
    Timeline,
)
from . import present, timeline
from .auth import SESSION_COOKIE, TokenGate, safe_next, session_value

HERE = Path(__file__).parent
VISIT_COOKIE = "claimwatch_visit"
VISIT_GAP_SECONDS = 30 * 60  # a page seen after this long starts a new visit
PAGE = 50
DEFAULT_WINDOW_DAYS = 365  # a timeline shows the year up to the latest claim unless asked
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)

ClaimType = Literal[
    "statement", "denial", "confirmation", "accusation", "threat", "demand", "offer", "prediction"
]
Kind = Literal["new", "stance-change", "dispute", "silence-broken"]
Severity = Literal["low", "normal", "high"]


class _Params(BaseModel):
    """Query parameters; an empty one (a form's "any") is as if absent."""

    model_config = ConfigDict(extra="ignore")

    @model_validator(mode="before")
    @classmethod
    def _blanks(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: v for k, v in value.items() if v not in ("", None)}
        return value


class _ListParams(_Params):
    """The filters an alert list and a claim list share (``Filter``'s fields)."""

    actor: str | None = Field(None, description="Actor id from the watchlist")
    topic: str | None = Field(None, description="Topic id")
    type: ClaimType | None = Field(None, description="Claim type")
    kind: Kind | None = Field(None, description="What changed")
    severity: Severity | None = None
    feed: str | None = Field(None, description="The feed (outlet) of the claim's article")
    since: date | None = Field(None, description="Said on or after this day (UTC)")
    until: date | None = Field(None, description="Said on or before this day (UTC)")
    q: str | None = Field(None, max_length=200, description="Words in the sentence or title")
    limit: int = Field(PAGE, ge=1, le=500)

    def filter(self, after: int | None = None) -> Filter:
        """The store's filter for these parameters (``after``: only alerts over that id)."""
        return Filter(**{name: getattr(self, name) for name in _FILTERED}, after=after)


_FILTERED = ("actor", "topic", "type", "kind", "severity", "feed", "since", "until", "q")


class AlertParams(_ListParams):
    new: bool = Field(False, description="Only alerts raised since your last visit (a cookie)")
    before: int | None = Field(None, description="Page on: alerts older than this alert id")

    def filter(self, after: int | None = None) -> Filter:
        return super().filter(after if self.new else None)


class ClaimParams(_ListParams):
    topic: str | None = Field(None, description="Topic id (claims by watched actors)")
    kind: Kind | None = Field(None, description="Only claims that raised an alert of this kind")
    severity: Severity | None = Field(None, description="Only claims that raised such an alert")
    everyone: bool = Field(False, description="Also claims by speakers not in the watchlist")
    before: int | None = Field(None, description="Page on: claims said before this claim id")


# --- what the API returns ---------------------------------------------------------------------
@dataclass(frozen=True)
class AlertPage:
    alerts: list[AlertView]
    next: str | None  # the next page's URL, None on the last


@dataclass(frozen=True)
class ClaimPage:
    claims: list[ClaimView]
    next: str | None


@dataclass(frozen=True)
class ActorInfo:
    id: str
    name: str
    kind: str
    aliases: list[str]
    claims: int
    latest: datetime | None
    in_watchlist: bool


@dataclass(frozen=True)
class ActorPage:
    actor: ActorInfo
    timeline: Timeline
    claims: ClaimPage


@dataclass(frozen=True)
class TopicInfo:
    id: str
    description: str
    claims: int
    latest: datetime | None
    in_watchlist: bool


@dataclass(frozen=True)
class TopicPage:
    """A topic: who said what on it (claims per actor and type in the timeline's range), the
    timeline per actor, and the first page of its claims; ``ranges`` offers other ranges."""

    topic: TopicInfo
    matrix: list[Cell]
    timeline: Timeline
    claims: ClaimPage
    ranges: list[tuple[str, str]]


@dataclass(frozen=True)
class FeedStatus:
    """A feed's health: ``state`` is failing (``failures`` reached the threshold), retrying
    (some failures), ok, never polled, or not configured (in the store only)."""

    name: str
    url: str
    state: str
    last_poll: datetime | None
    last_success: datetime | None
    failures: int
    last_error: str | None
    items: int


@dataclass(frozen=True)
class ChannelStatus:
    name: str
    configured: bool
    delivered: int
    pending: int
    failed: int
    last_error: str | None
    last_error_at: datetime | None
    last_success_at: datetime | None


@dataclass(frozen=True)
class Status:
    feeds: list[FeedStatus]
    channels: list[ChannelStatus]
    operator_alerts: list[OperatorAlert]


# --- the application --------------------------------------------------------------------------
class SecurityHeaders:
    """ASGI middleware: a strict Content-Security-Policy (no script, no inline style, no
    framing) and no MIME sniffing on every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"content-security-policy", CSP.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"same-origin"),
                    (b"x-frame-options", b"DENY"),
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,  # every template, the Atom feed included: article text is never markup
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["dt"] = lambda v: v.strftime("%Y-%m-%d %H:%M") if v else "–"
    env.filters["day"] = lambda v: v.strftime("%Y-%m-%d") if v else "–"
    env.filters["iso"] = lambda v: v.astimezone(UTC).isoformat() if v else ""
    env.filters["num"] = lambda v: f"{v:,}"
    env.filters["web_url"] = web_url
    env.globals["TYPE_COLOURS"] = timeline.TYPE_COLOURS
    env.globals["CLAIM_TYPES"] = CLAIM_TYPES
    env.globals["KINDS"] = ALERT_KINDS
    env.globals["SEVERITIES"] = SEVERITIES
    env.globals["marked"] = present.marked
    env.globals["word_diff"] = present.word_diff
    return env


def create_app(
    config: Config, reader: Reader | None = None, *, token: str | None = None
) -> FastAPI:
    """The web application over ``config``'s store (or ``reader``). ``token`` (default: the
    configuration's ``web.token``) makes every request need it."""
    token = (token if token is not None else (config.web.token if config.web else None)) or None
    if token:
        remember_secrets([token])
    for channel in config.channels:  # masked wherever a channel's error is shown
        remember_secrets(secrets_of(channel.url))
    wl = config.watchlist
    names = {ident: a.name for ident, a in wl.actors.items()}
    reader = reader or Reader(config.database, names)
    templates = Jinja2Templates(env=_environment())
    app = FastAPI(
        title="claimwatch",
        version=__version__,
        summary="Read-only: claimwatch's alerts, claims, actors, topics, feeds and channels.",
        openapi_url="/api/openapi.json",
        docs_url=None,  # the interactive docs load scripts from a CDN; the document is enough
        redoc_url=None,
    )
    app.state.reader = reader
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    # --- helpers the pages share ------------------------------------------------------------
    def href(
        request: Request, path: str, params: dict[str, Any] | None = None, **change: Any
    ) -> str:
        merged = {**(params or {}), **change}
        query = urlencode(
            {k: _param(v) for k, v in merged.items() if v not in (None, "", False)}, doseq=True
        )
        root: str = request.scope.get("root_path", "")
        return root + path + (f"?{query}" if query else "")

    def page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        base = {
            "request": request,
            "href": lambda path, params=None, **c: href(request, path, params, **c),
            "names": names,
            "actors": wl.actors,
            "topics": wl.topics,
            "now": datetime.now(UTC),
            "ago": present.ago,
            "token": bool(token),
        }
        return templates.TemplateResponse(request, name, {**base, **context}, status_code=status)

    def actor_info(ident: str, counts: dict[str, Count]) -> ActorInfo:
        actor = wl.actors.get(ident)
        c = counts.get(ident)
        return ActorInfo(
            id=ident,
            name=names.get(ident, ident),
            kind=actor.kind if actor else "",
            aliases=list(actor.aliases) if actor else [],
            claims=c.claims if c else 0,
            latest=c.latest if c else None,
            in_watchlist=actor is not None,
        )

    def topic_info(ident: str, counts: dict[str, Count]) -> TopicInfo:
        topic = wl.topics.get(ident)
        c = counts.get(ident)
        return TopicInfo(
            id=ident,
            description=topic.description if topic else "",
            claims=c.claims if c else 0,
            latest=c.latest if c else None,
            in_watchlist=topic is not None,
        )

    def claim_page(request: Request, path: str, p: ClaimParams) -> ClaimPage:
        claims = reader.claims(
            p.filter(), limit=p.limit + 1, before=p.before, watched=not p.everyone
        )
        more = len(claims) > p.limit
        claims = claims[: p.limit]
        params = p.model_dump(exclude={"before"})
        if params.get("limit") == PAGE:
            params.pop("limit")
        return ClaimPage(
            claims, href(request, path, params, before=claims[-1].id) if more else None
        )

    def alert_page(request: Request, path: str, p: AlertParams, after: int | None) -> AlertPage:
        alerts = reader.alerts(p.filter(after), limit=p.limit + 1, before=p.before)
        more = len(alerts) > p.limit
        alerts = alerts[: p.limit]
        params = p.model_dump(exclude={"before"})
        if params.get("limit") == PAGE:
            params.pop("limit")
        return AlertPage(
            alerts, href(request, path, params, before=alerts[-1].id) if more else None
        )

    def window(
        request: Request, path: str, p: ClaimParams, *, actor: str | None, topic: str | None
    ) -> tuple[Filter, list[tuple[str, str, bool]]]:
        """The filter of a timeline: ``since``/``until`` as asked, else the year up to the
        latest claim (all of a busy actor's years cost more than a page may take); and the
        ranges offered as (label, link, shown now)."""
        first, last = reader.span(actor=actor, topic=topic)
        f = p.filter()
        choices: list[tuple[str, str, bool]] = []
        if first is None or last is None:
            return f, choices
        asked = p.since is not None or p.until is not None
        if not asked:
            f = replace(f, since=max(first, last - timedelta(days=DEFAULT_WINDOW_DAYS - 1)))
            f = replace(f, until=last)
        fixed = "actor" if path.startswith("/actors/") else "topic"  # in the path
        keep = p.model_dump(exclude={"before", "since", "until", "limit", fixed})
        for label, days in (("30 days", 30), ("90 days", 90), ("a year", DEFAULT_WINDOW_DAYS)):
            since = last - timedelta(days=days - 1)
            if since > first:
                shown = f.since == since and f.until == last
                choices.append((label, href(request, path, keep, since=since), shown))
        everything = f.since == first and f.until in (None, last)
        choices.append(("all", href(request, path, keep, since=first), everything))
        return f, choices

    def actor_timeline(request: Request, ident: str, p: ClaimParams) -> tuple[Timeline, Any]:
        f, choices = window(request, f"/actors/{ident}", p, actor=ident, topic=p.topic)
        return reader.timeline(actor=ident, f=f), choices

    def status() -> Status:
        threshold = config.polling.failure_threshold
        rows = {row.url: row for row in reader.feeds()}
        feeds: list[FeedStatus] = []
        for feed in config.feeds:
            # the store knows a feed by its key: the URL with any credential masked (issue 15)
            row = rows.pop(feed.key, None)
            shown = mask(feed.url, ())
            if row is None:
                feeds.append(FeedStatus(feed.label, shown, "never polled", None, None, 0, None, 0))
                continue
            state = (
                "failing"
                if row.failures >= threshold
                else "retrying"
                if row.failures
                else "ok"
                if row.last_poll
                else "never polled"
            )
            feeds.append(
                FeedStatus(
                    feed.label,
                    shown,
                    state,
                    row.last_poll,
                    row.last_success,
                    row.failures,
                    mask(row.last_error, ()) if row.last_error else None,
                    row.items,
                )
            )
        for row in rows.values():
            feeds.append(
                FeedStatus(
                    row.name,
                    row.url,
                    "not configured",
                    row.last_poll,
                    row.last_success,
                    row.failures,
                    mask(row.last_error, ()) if row.last_error else None,
                    row.items,
                )
            )
        order = {"failing": 0, "retrying": 1, "never polled": 2, "ok": 3, "not configured": 4}
        feeds.sort(key=lambda f: (order[f.state], -f.failures, f.name))
        configured = list(channel_names(config.channels))
        known = {c.name: c for c in reader.channels()}
        channels = []
        for name in configured + sorted(set(known) - set(configured)):
            c = known.get(name)
            channels.append(
                ChannelStatus(
                    name,
                    name in configured,
                    c.delivered if c else 0,
                    c.pending if c else 0,
                    c.failed if c else 0,
                    mask(c.last_error, ()) if c and c.last_error else None,
                    c.last_error_at if c else None,
                    c.last_success_at if c else None,
                )
            )
        channels.sort(key=lambda c: (-(c.failed > 0), -(c.pending > 0), not c.configured, c.name))
        operator = [
            OperatorAlert(o.id, o.kind, mask(o.message, ()), o.created_at)
            for o in reader.operator_alerts()
        ]
        return Status(feeds, channels, operator)

    def visit(request: Request) -> tuple[int, int, str]:
        """(the newest alert id of the last visit, of now, the cookie to set)."""
        latest = reader.latest_alert_id()
        now = int(time.time())
        try:
            baseline, seen, at = (int(x) for x in request.cookies.get(VISIT_COOKIE, "").split("."))
        except ValueError:
            baseline, seen, at = latest, latest, now  # a first visit: nothing is new yet
        if now - at > VISIT_GAP_SECONDS:
            baseline = seen  # a new visit: new is what came after the last one
        return baseline, latest, f"{baseline}.{latest}.{now}"

    def bin_link(
        base: str, lane_param: str, request: Request, p: ClaimParams
    ) -> Callable[[str, date, date], str]:
        fixed = "actor" if lane_param == "topic" else "topic"  # in the page's path
        params = p.model_dump(exclude={"before", "since", "until", "limit", fixed})
        params.pop(lane_param, None)
        # made once: a busy actor's timeline has a thousand bars
        rest = urlencode({k: _param(v) for k, v in params.items() if v not in (None, "", False)})
        prefix = request.scope.get("root_path", "") + base + "?" + (rest + "&" if rest else "")
        # and each lane's part once: only the days differ from bar to bar (an ISO date needs
        # no quoting, so this is what urlencode would give for the three parameters)
        lanes: dict[str, str] = {}

        def link(lane: str, first: date, last: date) -> str:
            head = lanes.get(lane)
            if head is None:
                head = lanes[lane] = f"{prefix}{urlencode({lane_param: lane})}&since="
            return f"{head}{first.isoformat()}&until={last.isoformat()}#claims"

        return link

    def group_link(
        request: Request, base: str, lane_param: str, p: ClaimParams, fixed: dict[str, str]
    ) -> Callable[[str, str, date, date], str]:
        """Where a symbol standing for several events leads: their alerts (the claims of those
        days, for denials by others, which are not this lane's alerts)."""
        claims = bin_link(base, lane_param, request, p)

        def link(lane: str, kind: str, first: date, last: date) -> str:
            if kind not in ALERT_KINDS:
                return claims(lane, first, last)
            params = {**fixed, lane_param: lane, "kind": kind, "since": first, "until": last}
            return href(request, "/alerts", params)

        return link

    def mark_link(request: Request) -> Callable[[int | None, int], str]:
        def link(alert_id: int | None, claim_id: int) -> str:
            if alert_id is not None:
                return href(request, f"/alerts/{alert_id}")
            return href(request, f"/claims/{claim_id}")

        return link

    def topic_label(ident: str) -> str:
        return ident or "(no watched topic)"

    # --- errors: an HTML page for pages, JSON for the API -----------------------------------
    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if _is_api(request):
            return await http_exception_handler(request, exc)
        return page(request, "error.html", exc.status_code, message=str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: RequestValidationError) -> Response:
        if _is_api(request):
            return await request_validation_exception_handler(request, exc)
        problems = [
            f"{'.'.join(str(p) for p in e['loc'][1:]) or 'request'}: {e['msg']}"
            for e in exc.errors()
        ]
        return page(request, "error.html", 400, message="invalid request", problems=problems)

    # --- pages -----------------------------------------------------------------------------
    @app.get("/", include_in_schema=False)
    def home(request: Request) -> Response:
        return RedirectResponse(href(request, "/alerts"), status_code=303)

    @app.get("/alerts", include_in_schema=False)
    def alerts_page(request: Request, p: Annotated[AlertParams, Query()]) -> Response:
        baseline, latest, cookie = visit(request)
        result = alert_page(request, "/alerts", p, baseline)
        fresh = reader.count_alerts(Filter(after=baseline)) if latest > baseline else 0
        params = p.model_dump(exclude={"before", "limit"})
        response = page(
            request,
            "alerts.html",
            p=p,
            params=params,
            result=result,
            baseline=baseline,
            fresh=fresh,
            outlets=reader.outlets_seen(),
        )
        response.set_cookie(
            VISIT_COOKIE, cookie, max_age=400 * 86400, httponly=True, samesite="lax"
        )
        return response

    @app.get("/alerts/{alert_id}", include_in_schema=False)
    def alert_detail_page(request: Request, alert_id: int) -> Response:
        detail = reader.alert(alert_id)
        if detail is None:
            raise HTTPException(404, f"no alert {alert_id}")
        return page(request, "alert.html", d=detail, a=detail.alert, c=detail.alert.claim)

    @app.get("/claims", include_in_schema=False)
    def claims_page(request: Request, p: Annotated[ClaimParams, Query()]) -> Response:
        params = p.model_dump(exclude={"before", "limit"})
        return page(
            request,
            "claims.html",
            p=p,
            params=params,
            result=claim_page(request, "/claims", p),
            outlets=reader.outlets_seen(),
        )

    @app.get("/claims/{claim_id}", include_in_schema=False)
    def claim_detail_page(request: Request, claim_id: int) -> Response:
        detail = reader.claim(claim_id)
        if detail is None:
            raise HTTPException(404, f"no claim {claim_id}")
        return page(request, "claim.html", d=detail, c=detail.claim)

    @app.get("/actors", include_in_schema=False)
    def actors_page(request: Request) -> Response:
        return page(request, "actors.html", actors_list=list_actors())

    @app.get("/actors/{actor}", include_in_schema=False)
    def actor_page(request: Request, actor: str, p: Annotated[ClaimParams, Query()]) -> Response:
        info = actor_info(actor, {c.ident: c for c in reader.actor_counts_of([actor])})
        if not info.in_watchlist and not info.claims:
            raise HTTPException(404, f"no actor {actor!r} in the watchlist or the store")
        p = p.model_copy(update={"actor": actor})
        t, ranges = actor_timeline(request, actor, p)
        picture = timeline.svg(
            t,
            label=topic_label,
            bin_link=bin_link(f"/actors/{actor}", "topic", request, p),
            mark_link=mark_link(request),
            group_link=group_link(request, f"/actors/{actor}", "topic", p, {"actor": actor}),
            lane_link=lambda lane: href(request, f"/topics/{lane}") if lane else "#claims",
        )
        params = p.model_dump(exclude={"before", "limit", "actor"})
        return page(
            request,
            "actor.html",
            info=info,
            p=p,
            params=params,
            t=t,
            ranges=ranges,
            picture=picture,
            result=claim_page(request, f"/actors/{actor}", p),
        )

    @app.get("/actors/{actor}/timeline.svg", include_in_schema=False)
    def actor_svg(request: Request, actor: str, p: Annotated[ClaimParams, Query()]) -> Response:
        p = p.model_copy(update={"actor": actor})
        picture = timeline.svg(
            actor_timeline(request, actor, p)[0],
            label=topic_label,
            bin_link=bin_link(f"/actors/{actor}", "topic", request, p),
            mark_link=mark_link(request),
            group_link=group_link(request, f"/actors/{actor}", "topic", p, {"actor": actor}),
            lane_link=lambda lane: href(request, f"/topics/{lane}") if lane else "#claims",
        )
        return Response(str(picture), media_type="image/svg+xml")

    @app.get("/topics", include_in_schema=False)
    def topics_page(request: Request) -> Response:
        return page(request, "topics.html", topics_list=list_topics())

    @app.get("/topics/{topic}", include_in_schema=False)
    def topic_page(request: Request, topic: str, p: Annotated[ClaimParams, Query()]) -> Response:
        data, ranges = topic_data(request, topic, p)
        picture = timeline.svg(
            data.timeline,
            label=lambda lane: names.get(lane, lane),
            bin_link=bin_link(f"/topics/{topic}", "actor", request, p),
            mark_link=mark_link(request),
            group_link=group_link(request, f"/topics/{topic}", "actor", p, {"topic": topic}),
            lane_link=lambda lane: href(request, f"/actors/{lane}"),
        )
        types = [t for t in CLAIM_TYPES if any(c.type == t for c in data.matrix)]
        rows: dict[str, dict[str, Cell]] = {}
        for cell in data.matrix:
            rows.setdefault(cell.actor, {})[cell.type] = cell
        order = sorted(rows, key=lambda a: -sum(c.count for c in rows[a].values()))
        top = max((c.count for c in data.matrix), default=1)
        params = p.model_dump(exclude={"before", "limit"})
        return page(
            request,
            "topic.html",
            info=data.topic,
            p=p,
            params=params,
            picture=picture,
            types=types,
            rows=rows,
            order=order,
            top=top,
            t=data.timeline,
            ranges=ranges,
            result=data.claims,
        )

    @app.get("/feeds", include_in_schema=False)
    def feeds_page(request: Request) -> Response:
        s = status()
        return page(request, "feeds.html", s=s, threshold=config.polling.failure_threshold)

    @app.get("/channels", include_in_schema=False)
    def channels_page(request: Request) -> Response:
        return page(request, "channels.html", s=status())

    @app.get("/login", include_in_schema=False)
    def login_form(request: Request, next: str | None = None) -> Response:
        return page(request, "login.html", target=safe_next(next), error="")

    @app.post("/login", include_in_schema=False)
    def login(
        request: Request,
        token_field: Annotated[str, Form(alias="token")] = "",
        next: Annotated[str, Form()] = "/alerts",
    ) -> Response:
        import hmac

        target = safe_next(next)
        if not token or not hmac.compare_digest(token_field.encode(), token.encode()):
            time.sleep(0.5)  # a guess costs time
            return page(request, "login.html", 401, target=target, error="That token is not right.")
        response = RedirectResponse(request.scope.get("root_path", "") + target, status_code=303)
        response.set_cookie(
            SESSION_COOKIE,
            session_value(token),
            max_age=30 * 86400,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )
        return response

    @app.post("/logout", include_in_schema=False)
    def logout(request: Request) -> Response:
        response = RedirectResponse(href(request, "/login"), status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response

    @app.get("/alerts.atom", include_in_schema=False)
    def alerts_atom(request: Request, p: Annotated[AlertParams, Query()]) -> Response:
        alerts = reader.alerts(p.filter(), limit=p.limit)
        base = str(request.base_url).rstrip("/")
        body = templates.get_template("alerts.atom").render(
            alerts=alerts,
            self_url=str(request.url),
            base=base,
            html_url=base + href(request, "/alerts", p.model_dump(exclude={"limit", "before"})),
            updated=alerts[0].created_at if alerts else datetime(2000, 1, 1, tzinfo=UTC),
            describe=_describe(p, names),
            marked=present.marked,
        )
        return Response(body, media_type="application/atom+xml; charset=utf-8")

    # --- the API ---------------------------------------------------------------------------
    def list_actors() -> list[ActorInfo]:
        counts = {c.ident: c for c in reader.actor_counts()}
        idents = list(wl.actors) + sorted(set(counts) - set(wl.actors))
        out = [actor_info(i, counts) for i in idents]
        return sorted(out, key=lambda a: (-a.claims, a.name))

    def list_topics() -> list[TopicInfo]:
        counts = {c.ident: c for c in reader.topic_counts()}
        idents = list(wl.topics) + sorted(set(counts) - set(wl.topics))
        out = [topic_info(i, counts) for i in idents]
        return sorted(out, key=lambda t: (-t.claims, t.id))

    def topic_data(
        request: Request, topic: str, p: ClaimParams
    ) -> tuple[TopicPage, list[tuple[str, str, bool]]]:
        info = topic_info(topic, {c.ident: c for c in reader.topic_counts_of([topic])})
        if not info.in_watchlist and not info.claims:
            raise HTTPException(404, f"no topic {topic!r} in the watchlist or the store")
        p = p.model_copy(update={"topic": topic})
        f, ranges = window(request, f"/topics/{topic}", p, actor=p.actor, topic=topic)
        data = TopicPage(
            topic=info,
            matrix=reader.topic_matrix(topic, replace(f, actor=None)),
            timeline=reader.timeline(
                topic=topic, f=Filter(type=f.type, actor=f.actor, since=f.since, until=f.until)
            ),
            claims=claim_page(request, f"/topics/{topic}", p),
            ranges=[(label, link) for label, link, _ in ranges],
        )
        return data, ranges

    @app.get("/api/alerts", tags=["alerts"])
    def api_alerts(request: Request, p: Annotated[AlertParams, Query()]) -> AlertPage:
        """Alerts on claims, newest first, filtered; ``next`` is the next page's URL."""
        baseline = visit(request)[0] if p.new else None
        return alert_page(request, "/api/alerts", p, baseline)

    @app.get("/api/alerts/{alert_id}", tags=["alerts"])
    def api_alert(alert_id: int) -> AlertDetail:
        """One alert: its claim, the outlets that carried it, the earlier claims it differs
        from (oldest first), and its deliveries."""
        detail = reader.alert(alert_id)
        if detail is None:
            raise HTTPException(404, f"no alert {alert_id}")
        return detail

    @app.get("/api/claims", tags=["claims"])
    def api_claims(request: Request, p: Annotated[ClaimParams, Query()]) -> ClaimPage:
        """Claims, newest said first, filtered; by watched actors unless ``everyone``."""
        return claim_page(request, "/api/claims", p)

    @app.get(
        "/api/claims.csv",
        tags=["claims"],
        response_class=StreamingResponse,
        responses={200: {"content": {"text/csv": {}}, "description": "The claims as CSV"}},
    )
    def api_claims_csv(p: Annotated[ClaimParams, Query()]) -> StreamingResponse:
        """Every claim matching the filters (no paging) as CSV, one row per claim, newest first.
        A cell that would start a spreadsheet formula (=, +, -, @) is quoted with a '."""
        rows = present.csv_rows(reader.iter_claims(p.filter(), watched=not p.everyone))
        name = "-".join(
            ["claims", *(str(v) for v in (p.actor, p.topic, p.type, p.since, p.until) if v)]
        )
        return StreamingResponse(
            rows,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )

    @app.get("/api/claims/{claim_id}", tags=["claims"])
    def api_claim(claim_id: int) -> ClaimDetail:
        """One claim: its alerts, outlets, the claim it restates and those restating it, and
        the claims it disputes or that dispute it."""
        detail = reader.claim(claim_id)
        if detail is None:
            raise HTTPException(404, f"no claim {claim_id}")
        return detail

    @app.get("/api/actors", tags=["actors"])
    def api_actors() -> list[ActorInfo]:
        """Watchlist actors and actors with stored claims, busiest first."""
        return list_actors()

    @app.get("/api/actors/{actor}", tags=["actors"])
    def api_actor(request: Request, actor: str, p: Annotated[ClaimParams, Query()]) -> ActorPage:
        """An actor's timeline (claims per topic, type and stretch of days; stances; marked
        events) over ``since``..``until``, else the year up to its latest claim; and the first
        page of its claims."""
        info = actor_info(actor, {c.ident: c for c in reader.actor_counts_of([actor])})
        if not info.in_watchlist and not info.claims:
            raise HTTPException(404, f"no actor {actor!r} in the watchlist or the store")
        p = p.model_copy(update={"actor": actor})
        t, _ = actor_timeline(request, actor, p)
        return ActorPage(info, t, claim_page(request, f"/api/actors/{actor}", p))

    @app.get("/api/topics", tags=["topics"])
    def api_topics() -> list[TopicInfo]:
        """Watchlist topics and topics with stored claims, busiest first."""
        return list_topics()

    @app.get("/api/topics/{topic}", tags=["topics"])
    def api_topic(request: Request, topic: str, p: Annotated[ClaimParams, Query()]) -> TopicPage:
        """Who said what on a topic: claims per actor and type and the timeline per actor, over
        ``since``..``until``, else the year up to the latest claim; and the first page of its
        claims."""
        return topic_data(request, topic, p)[0]

    @app.get("/api/feeds", tags=["status"])
    def api_feeds() -> list[FeedStatus]:
        """Every feed: last poll, last success, consecutive failures, last error, items; failing
        feeds first."""
        return status().feeds

    @app.get("/api/channels", tags=["status"])
    def api_channels() -> list[ChannelStatus]:
        """Every channel: delivered, pending, failed, last error."""
        return status().channels

    # a busy actor's page is half a megabyte of SVG and HTML: a tenth of it gzipped
    app.add_middleware(GZipMiddleware, minimum_size=2048, compresslevel=5)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(TokenGate, token=token)
    return app


def web_url(url: str | None) -> bool:
    """Whether a link from an article may be followed from a page: http(s) only, never a
    ``javascript:`` or ``data:`` URL a feed slipped in."""
    return bool(url) and str(url).lower().startswith(("http://", "https://"))


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _param(value: Any) -> Any:
    if isinstance(value, bool):
        return "1"
    if isinstance(value, date):
        return value.isoformat()
    return value


def _describe(p: AlertParams, names: dict[str, str]) -> str:
    """The filters of a feed, in words, for its title."""
    parts = []
    if p.actor:
        parts.append(names.get(p.actor, p.actor))
    for value in (p.topic, p.type, p.kind, p.severity, p.feed):
        if value:
            parts.append(value)
    if p.q:
        parts.append(f'"{p.q}"')
    return ", ".join(parts)
