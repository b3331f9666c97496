"""The timeline picture: claims over time in lanes (an actor's topics, or a topic's actors), as
an SVG drawn on the server, so it needs no script and prints as it shows.

Each lane is a strip of bars, one per stretch of days, as tall as the square root of the claims
in it (so one claim still shows beside a hundred) and stacked by claim type in the type's
colour. A band under the strip shows the stance the actor held, and symbols above it mark what
an analyst looks for: a stance change (diamond), a denial of another side's claim (filled
triangle), the actor's claim denied by another (open triangle), a silence broken (ring). Every
bar and symbol is a link (to the claims of that stretch, or to the alert) with a tooltip saying
what it stands for.

The SVG is written as text (an element tree costs ten times as much for the thousands of bars
of a busy actor), every attribute value and text through ``html.escape``.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from html import escape  # & < > " ' as entities: for attribute values and text alike

from markupsafe import Markup

from ..store.reader import Mark, Timeline

# one colour per claim type, the same in every page and picture; warm for what opposes
TYPE_COLOURS = {
    "statement": "#a3acb9",
    "confirmation": "#3f9b6b",
    "offer": "#1f9aa6",
    "prediction": "#5277c9",
    "demand": "#8a56c2",
    "accusation": "#e07b39",
    "threat": "#b8336a",
    "denial": "#d62828",
}
TYPE_ORDER = tuple(TYPE_COLOURS)  # stacked from the bottom in this order
TYPES_DOWN = TYPE_ORDER[::-1]  # as a tooltip lists them
STANCE_COLOURS = ("#2b8a3e", "#c92a2a", "#e8a200", "#1c7ed6", "#7048e8", "#868e96")
MARK_LABELS = {
    "stance-change": "stance change",
    "dispute": "denies another side's claim",
    "disputed": "denied by another side",
    "silence-broken": "silence broken",
}

WIDTH = 1180
LABEL_W = 210
LANE_H = 36
BAR_MAX = 24
TOP = 26
RIGHT = 14
BIN_PX = 5  # one bar per this many pixels at most
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"


def _el(tag: str, attrs: Mapping[str, object], *children: str) -> str:
    """An element: attribute values escaped; ``children`` are elements or ``_text``."""
    head = tag + "".join(f' {k}="{escape(str(v))}"' for k, v in attrs.items())
    return f"<{head}>{''.join(children)}</{tag}>" if children else f"<{head} />"


def _text(value: object) -> str:
    return escape(str(value))


def _title(value: object) -> str:
    return f"<title>{escape(str(value))}</title>"


def _month_ticks(start: date, end: date, step: int) -> list[date]:
    ticks: list[date] = []
    y, m = start.year, start.month
    if start.day != 1:
        m += 1
    while True:
        y += (m - 1) // 12
        m = (m - 1) % 12 + 1
        d = date(y, m, 1)
        if d > end:
            return ticks
        if (m - 1) % step == 0:
            ticks.append(d)
        m += 1


def ticks(start: date, end: date) -> list[tuple[date, str]]:
    """Axis ticks for a range: weeks, months, quarters or years, labelled to be read at once."""
    days = (end - start).days
    if days <= 45:
        first = start + timedelta(days=(7 - start.weekday()) % 7)
        weeks = [first + timedelta(days=7 * k) for k in range(days // 7 + 1)]
        return [(d, d.strftime("%d %b")) for d in weeks if d <= end]
    if days <= 3 * 366:
        out = _month_ticks(start, end, 1 if days <= 400 else 3)
        return [(d, d.strftime("%b %Y" if d.month == 1 or d == out[0] else "%b")) for d in out]
    years = [date(y, 1, 1) for y in range(start.year + 1, end.year + 1)]
    step = max(1, math.ceil(len(years) / 12))
    return [(d, str(d.year)) for d in years[::step]]


def svg(
    t: Timeline,
    *,
    label: Callable[[str], str],
    bin_link: Callable[[str, date, date], str],
    mark_link: Callable[[int | None, int], str],
    group_link: Callable[[str, str, date, date], str],
    lane_link: Callable[[str], str],
    max_lanes: int = 30,
    width: int = WIDTH,
) -> Markup:
    """The timeline ``t`` as an inline ``<svg>``.

    ``label(lane)`` names a lane; ``bin_link(lane, first, last)`` is where a bar leads (the
    claims of those days); ``mark_link(alert_id, claim_id)`` where a symbol of one event
    leads, ``group_link(lane, kind, first, last)`` where one of several leads (the alerts of
    those days); ``lane_link(lane)`` where the lane's name leads. Lanes past ``max_lanes``
    (the quietest) are left out, and a line says so."""
    lanes = t.lanes[:max_lanes]
    hidden = len(t.lanes) - len(lanes)
    start, end = t.start, t.end
    plot_w = width - LABEL_W - RIGHT
    height = TOP + max(1, len(lanes)) * LANE_H + 68 + (16 if hidden else 0)
    root = {
        "xmlns": "http://www.w3.org/2000/svg",
        "class": "timeline",
        "viewBox": f"0 0 {width} {height}",
        "width": width,
        "height": height,
        "role": "img",
        "font-family": FONT,
        "font-size": 12,
    }
    title = "Claims over time" + (f", {start:%d %b %Y} to {end:%d %b %Y}" if start and end else "")
    if start is None or end is None or not lanes:
        empty = _el(
            "text", {"x": LABEL_W, "y": TOP + 20, "fill": "#555"}, "No claims in this range."
        )
        return Markup(_el("svg", root, _title(title), empty))

    # the stretches of days the store counted, widened if they would be thinner than a bar;
    # a little room on each side, so the first and last bars are not cut by the frame
    days_per_bin = t.bin_days
    lo, hi = start - timedelta(days=days_per_bin), end + timedelta(days=days_per_bin)
    day_px = plot_w / max(1, (hi - lo).days)
    days_per_bin *= max(1, math.ceil(BIN_PX / (day_px * days_per_bin)))

    def x_of(d: date) -> float:
        return LABEL_W + (d - lo).days * day_px

    out: list[str] = [_title(title)]
    bottom = TOP + len(lanes) * LANE_H
    axis = []
    for d, tick in ticks(lo, hi):
        at = f"{x_of(d):.1f}"
        axis.append(
            _el("line", {"x1": at, "x2": at, "y1": TOP - 4, "y2": bottom, "stroke": "#e3e6ea"})
        )
        axis.append(_el("text", {"x": at, "y": TOP - 9, "text-anchor": "middle"}, _text(tick)))
    out.append(_el("g", {"class": "axis", "fill": "#555"}, *axis))

    # claims per lane, stretch and type
    bins: dict[str, dict[date, dict[str, int]]] = {lane: {} for lane in lanes}
    firsts: dict[date, date] = {}  # the first day of the stretch each day falls in
    for b in t.buckets:
        lane_bins = bins.get(b.lane)
        if lane_bins is None:
            continue
        first = firsts.get(b.day)
        if first is None:
            days = ((b.day - start).days // days_per_bin) * days_per_bin
            first = firsts[b.day] = start + timedelta(days=days)
        types = lane_bins.get(first)
        if types is None:
            types = lane_bins[first] = {}
        types[b.type] = types.get(b.type, 0) + b.count
    biggest = max((sum(v.values()) for lb in bins.values() for v in lb.values()), default=1)
    scale = BAR_MAX / math.sqrt(biggest)
    bar_w = max(2.0, min(10.0, days_per_bin * day_px - 1.0))
    stances = sorted({r.stance for r in t.stances if r.lane in bins})
    stance_colour = {s: STANCE_COLOURS[i % len(STANCE_COLOURS)] for i, s in enumerate(stances)}
    # the events, one symbol per lane, stretch and kind (a busy actor has hundreds a year)
    groups: dict[tuple[str, date, str], list[Mark]] = defaultdict(list)
    for m in t.marks:
        if m.lane in bins:
            day = m.said_at.date()
            first = start + timedelta(days=((day - start).days // days_per_bin) * days_per_bin)
            groups[(m.lane, first, m.kind)].append(m)
    marks: dict[str, list[str]] = defaultdict(list)
    for (lane, first, kind), found in groups.items():
        what = MARK_LABELS.get(kind, kind)
        if len(found) == 1:
            m = found[0]
            cx = x_of(m.said_at.date()) + day_px / 2
            tip = f"{m.said_at:%d %b %Y}: {what}: {m.label}"
            href = mark_link(m.alert_id, m.claim_id)
        else:
            last = first + timedelta(days=days_per_bin - 1)
            cx = x_of(first) + days_per_bin * day_px / 2
            labels = sorted({m.label for m in found})
            more = f"; and {len(labels) - 3} more" if len(labels) > 3 else ""
            tip = (
                f"{first:%d %b}–{last:%d %b %Y}: {len(found)} × {what}: "
                + "; ".join(labels[:3])
                + more
            )
            href = group_link(lane, kind, first, last)
        cy = TOP + lanes.index(lane) * LANE_H + 8
        symbol = _symbol(kind, cx, cy)
        marks[lane].append(f'<a href="{escape(href)}" class="mark">{_title(tip)}{symbol}</a>')

    # what depends on the stretch alone is made once for all lanes; the bars' widths once
    stretches: dict[date, tuple[date, str, str, str]] = {}
    inset = (days_per_bin * day_px - bar_w) / 2
    across, back = f"h{bar_w:.1f}v", f"h-{bar_w:.1f}z"
    for n, lane in enumerate(lanes):
        y0 = TOP + n * LANE_H
        base = y0 + LANE_H - 9  # the bars stand on this line; the stance band is under it
        parts = [
            _el(
                "rect",
                {
                    "x": LABEL_W,
                    "y": y0 + 2,
                    "width": plot_w,
                    "height": LANE_H - 4,
                    "fill": "#f7f8fa" if n % 2 == 0 else "#ffffff",
                },
            )
        ]
        full = label(lane)
        short = full if len(full) <= 26 else full[:25] + "…"
        name = {
            "x": LABEL_W - 52,
            "y": y0 + LANE_H / 2 + 4,
            "text-anchor": "end",
            "fill": "#1d3557",
        }
        parts.append(
            _el("a", {"href": lane_link(lane)}, _el("text", name, _text(short), _title(full)))
        )
        count = {"x": LABEL_W - 8, "y": y0 + LANE_H / 2 + 4, "text-anchor": "end", "fill": "#667"}
        parts.append(_el("text", count, _text(f"{t.counts.get(lane, 0):,}")))
        # the stance held: solid while claims took it, pale after the last of them until the
        # next stance (or the end): the stance last taken stands until another is
        runs = [r for r in t.stances if r.lane == lane]
        for i, run in enumerate(runs):
            x1 = x_of(run.start.date())
            x2 = x_of(run.end.date()) + max(3.0, day_px)
            x3 = x_of(runs[i + 1].start.date()) if i + 1 < len(runs) else x_of(hi)
            tip = (
                f"{run.stance}: {run.claims} claim{'s' if run.claims != 1 else ''} from "
                f"{run.start:%d %b %Y} to {run.end:%d %b %Y}"
            )
            for left, right, opacity in ((x1, x2, 1), (x2, x3, 0.35)):
                if right - left >= 0.5:
                    band = {
                        "x": f"{left:.1f}",
                        "y": base + 2,
                        "width": f"{right - left:.1f}",
                        "height": 5,
                        "fill": stance_colour[run.stance],
                        "fill-opacity": opacity,
                    }
                    parts.append(_el("rect", band, _title(tip)))
        # the bars: their colours as one path per type, and over each bar a clear hit area
        # that links to the claims of its days and says what is in it
        paths: dict[str, list[str]] = defaultdict(list)
        hit = f'" y="{y0 + 2}" width="{bar_w + 2:.1f}" height="{LANE_H - 4}" fill="transparent" />'
        for first, types in sorted(bins[lane].items()):
            where = stretches.get(first)
            if where is None:
                where = stretches[first] = _stretch(first, days_per_bin, x_of(first) + inset)
            last, when, move, hit_x = where
            total = sum(types.values())
            kinds = ", ".join([f"{types[k]} {k}" for k in TYPES_DOWN if types.get(k)])
            tip = _title(f"{when}: {total} claim{'s' if total != 1 else ''} ({kinds})")
            bar_h = max(5.0, math.sqrt(total) * scale)
            top = float(base)
            for kind in TYPE_ORDER:
                k = types.get(kind, 0)
                if k:
                    h = bar_h * k / total
                    top -= h
                    paths[kind].append(f"{move}{top:.2f}{across}{h:.2f}{back}")
            # written out, not through _el: a busy timeline has a thousand of these
            href = escape(bin_link(lane, first, last))
            parts.append(f'<a href="{href}">{tip}<rect x="{hit_x}{hit}</a>')
        for kind, segments in paths.items():
            colour = TYPE_COLOURS.get(kind, "#888")
            parts.insert(3, _el("path", {"d": "".join(segments), "fill": colour}))
        parts += marks.get(lane, [])
        out.append(_el("g", {"class": "lane"}, *parts))

    frame = {"x1": LABEL_W, "x2": LABEL_W + plot_w, "y1": bottom, "y2": bottom, "stroke": "#99a"}
    out.append(_el("line", frame))
    y = bottom + 18
    if hidden:
        note = f"and {hidden} quieter lane{'s' if hidden != 1 else ''} not shown"
        out.append(_el("text", {"x": LABEL_W, "y": y, "fill": "#555"}, _text(note)))
        y += 16
    out.append(_legend(y + 4, stance_colour))
    return Markup(_el("svg", root, *out))


def _stretch(first: date, days: int, left: float) -> tuple[date, str, str, str]:
    """A bar's stretch of ``days`` from ``first`` at ``left`` px: its last day, its dates as
    a tooltip says them, the start of its path segments and the x of its hit area."""
    last = first + timedelta(days=days - 1)
    when = f"{first:%d %b %Y}" if days == 1 else f"{first:%d %b}–{last:%d %b %Y}"
    return last, when, f"M{left:.1f} ", f"{left - 1:.1f}"


def _symbol(kind: str, cx: float, cy: float) -> str:
    """The symbol of a mark: diamond, filled or open triangle, ring."""
    if kind == "stance-change":
        corners = ((cx, cy - 6), (cx + 6, cy), (cx, cy + 6), (cx - 6, cy))
        pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in corners)
        return _el("polygon", {"points": pts, "fill": "#1d3557", "stroke": "#fff"})
    if kind in ("dispute", "disputed"):
        pts = f"{cx - 6:.1f},{cy - 5:.1f} {cx + 6:.1f},{cy - 5:.1f} {cx:.1f},{cy + 6:.1f}"
        fill = "#d62828" if kind == "dispute" else "#fff"
        return _el(
            "polygon", {"points": pts, "fill": fill, "stroke": "#d62828", "stroke-width": 1.6}
        )
    ring = {"cx": f"{cx:.1f}", "cy": f"{cy:.1f}", "r": 4.5, "fill": "#fff"}
    return _el("circle", {**ring, "stroke": "#5277c9", "stroke-width": 2})


def _legend(y: float, stance_colour: dict[str, str]) -> str:
    parts = []
    x = float(LABEL_W)
    for kind, colour in reversed(TYPE_COLOURS.items()):
        box = {"x": f"{x:.0f}", "y": f"{y - 9:.0f}", "width": 10, "height": 10, "fill": colour}
        parts.append(_el("rect", box))
        parts.append(_el("text", {"x": f"{x + 14:.0f}", "y": f"{y:.0f}"}, _text(kind)))
        x += 30 + 7.2 * len(kind)
    y += 20
    x = float(LABEL_W)
    for kind in ("stance-change", "dispute", "disputed", "silence-broken"):
        parts.append(_symbol(kind, x + 5, y - 4))
        label = MARK_LABELS[kind]
        parts.append(_el("text", {"x": f"{x + 16:.0f}", "y": f"{y:.0f}"}, _text(label)))
        x += 34 + 6.4 * len(label)
    for stance, colour in stance_colour.items():
        band = {"x": f"{x:.0f}", "y": f"{y - 6:.0f}", "width": 18, "height": 4, "fill": colour}
        parts.append(_el("rect", band))
        parts.append(
            _el("text", {"x": f"{x + 22:.0f}", "y": f"{y:.0f}"}, _text(f"stance: {stance}"))
        )
        x += 80 + 7 * len(stance)
    return _el("g", {"class": "legend", "fill": "#333"}, *parts)
