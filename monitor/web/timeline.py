"""The timeline picture: claims over time in lanes (an actor's topics, or a topic's actors), as
an SVG drawn on the server, so it needs no script and prints as it shows.

Each lane is a strip of bars, one per stretch of time a few pixels wide, as tall as the square
root of the claims in it (so one claim still shows beside a hundred) and stacked by claim type
in the type's colour. A band under the strip shows the stance the actor held, and symbols
above it mark what an analyst looks for: a stance change (diamond), a denial of another side's
claim (filled triangle), the actor's claim denied by another (open triangle), a silence broken
(ring). Every bar and symbol is a link (to the claims of that stretch, or to the alert) with a
tooltip saying what it stands for.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta

from markupsafe import Markup

from ..store.reader import Timeline

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
        return [
            (first + timedelta(days=7 * k), (first + timedelta(days=7 * k)).strftime("%d %b"))
            for k in range(days // 7 + 1)
            if first + timedelta(days=7 * k) <= end
        ]
    if days <= 400:
        out = _month_ticks(start, end, 1)
        return [(d, d.strftime("%b %Y" if d.month == 1 or d == out[0] else "%b")) for d in out]
    if days <= 3 * 366:
        out = _month_ticks(start, end, 3)
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
    lane_link: Callable[[str], str],
    max_lanes: int = 30,
    width: int = WIDTH,
) -> Markup:
    """The timeline ``t`` as an inline ``<svg>``; every text is escaped by ElementTree.

    ``label(lane)`` names a lane; ``bin_link(lane, first, last)`` is where a bar leads (the
    claims of those days); ``mark_link(alert_id, claim_id)`` where a symbol leads;
    ``lane_link(lane)`` where the lane's name leads. Lanes past ``max_lanes`` (the quietest)
    are left out, and a line says so."""
    lanes = t.lanes[:max_lanes]
    hidden = len(t.lanes) - len(lanes)
    start, end = t.start, t.end
    plot_w = width - LABEL_W - RIGHT
    legend_h = 46
    height = TOP + max(1, len(lanes)) * LANE_H + 22 + legend_h + (16 if hidden else 0)
    root = ET.Element(
        "svg",
        {
            "xmlns": "http://www.w3.org/2000/svg",
            "class": "timeline",
            "viewBox": f"0 0 {width} {height}",
            "width": str(width),
            "height": str(height),
            "role": "img",
            "font-family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
            "font-size": "12",
        },
    )
    ET.SubElement(root, "title").text = "Claims over time" + (
        f", {start:%d %b %Y} to {end:%d %b %Y}" if start and end else ""
    )
    if start is None or end is None or not lanes:
        text = ET.SubElement(root, "text", {"x": str(LABEL_W), "y": str(TOP + 20), "fill": "#555"})
        text.text = "No claims in this range."
        return Markup(ET.tostring(root, encoding="unicode"))

    # one extra day on each side, so the first and last bars are not cut by the frame
    lo, hi = start - timedelta(days=1), end + timedelta(days=1)
    span_days = max(1, (hi - lo).days)
    day_px = plot_w / span_days
    days_per_bin = max(1, math.ceil(BIN_PX / day_px))

    def x_of(d: date) -> float:
        return LABEL_W + (d - lo).days * day_px

    def bin_of(d: date) -> date:
        return lo + timedelta(days=((d - lo).days // days_per_bin) * days_per_bin)

    # axis: gridlines and labels
    axis = ET.SubElement(root, "g", {"class": "axis", "fill": "#555"})
    bottom = TOP + len(lanes) * LANE_H
    for d, tick in ticks(lo, hi):
        at = f"{x_of(d):.1f}"
        ET.SubElement(
            axis,
            "line",
            {"x1": at, "x2": at, "y1": str(TOP - 4), "y2": str(bottom), "stroke": "#e3e6ea"},
        )
        el = ET.SubElement(axis, "text", {"x": at, "y": str(TOP - 9), "text-anchor": "middle"})
        el.text = tick

    # the bars: claims per lane, bin and type
    per_bin: dict[tuple[str, date], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for b in t.buckets:
        if b.lane in lanes:
            per_bin[(b.lane, bin_of(b.day))][b.type] += b.count
    biggest = max((sum(v.values()) for v in per_bin.values()), default=1)
    scale = BAR_MAX / math.sqrt(biggest)
    bar_w = max(2.0, min(10.0, days_per_bin * day_px - 1.0))
    stances = sorted({r.stance for r in t.stances if r.lane in lanes})
    stance_colour = {s: STANCE_COLOURS[i % len(STANCE_COLOURS)] for i, s in enumerate(stances)}

    for n, lane in enumerate(lanes):
        y0 = TOP + n * LANE_H
        base = y0 + LANE_H - 9  # the bars stand on this line; the stance band is under it
        g = ET.SubElement(root, "g", {"class": "lane"})
        ET.SubElement(
            g,
            "rect",
            {
                "x": str(LABEL_W),
                "y": str(y0 + 2),
                "width": str(plot_w),
                "height": str(LANE_H - 4),
                "fill": "#f7f8fa" if n % 2 == 0 else "#ffffff",
            },
        )
        link = ET.SubElement(g, "a", {"href": lane_link(lane)})
        name = ET.SubElement(
            link,
            "text",
            {
                "x": str(LABEL_W - 52),
                "y": str(y0 + LANE_H / 2 + 4),
                "text-anchor": "end",
                "fill": "#1d3557",
            },
        )
        full = label(lane)
        name.text = full if len(full) <= 26 else full[:25] + "…"
        ET.SubElement(name, "title").text = full
        count = ET.SubElement(
            g,
            "text",
            {
                "x": str(LABEL_W - 8),
                "y": str(y0 + LANE_H / 2 + 4),
                "text-anchor": "end",
                "fill": "#667",
            },
        )
        count.text = f"{t.counts.get(lane, 0):,}"
        # stance held: a band from each stance claim to the next one that differs
        # solid while claims took the stance, pale after the last of them until the next
        # stance (or the end): the stance last taken stands until another is
        runs = [r for r in t.stances if r.lane == lane]
        for i, run in enumerate(runs):
            x1 = x_of(run.start.date())
            x2 = x_of(run.end.date()) + max(3.0, day_px)
            x3 = x_of(runs[i + 1].start.date()) if i + 1 < len(runs) else x_of(hi)
            title = (
                f"{run.stance}: {run.claims} claim{'s' if run.claims != 1 else ''} from "
                f"{run.start:%d %b %Y} to {run.end:%d %b %Y}"
            )
            for left, right, opacity in ((x1, x2, "1"), (x2, x3, "0.35")):
                if right - left < 0.5:
                    continue
                band = ET.SubElement(
                    g,
                    "rect",
                    {
                        "x": f"{left:.1f}",
                        "y": str(base + 2),
                        "width": f"{right - left:.1f}",
                        "height": "5",
                        "fill": stance_colour[run.stance],
                        "fill-opacity": opacity,
                    },
                )
                ET.SubElement(band, "title").text = title
        # bars
        for (bin_lane, first), types in sorted(per_bin.items()):
            if bin_lane != lane:
                continue
            last = first + timedelta(days=days_per_bin - 1)
            total = sum(types.values())
            left = x_of(first) + (days_per_bin * day_px - bar_w) / 2
            a = ET.SubElement(g, "a", {"href": bin_link(lane, first, last)})
            when = f"{first:%d %b %Y}" if days_per_bin == 1 else f"{first:%d %b}–{last:%d %b %Y}"
            parts = ", ".join(f"{types[k]} {k}" for k in reversed(TYPE_ORDER) if types.get(k))
            ET.SubElement(
                a, "title"
            ).text = f"{when}: {total} claim{'s' if total != 1 else ''} ({parts})"
            bar_h = max(5.0, math.sqrt(total) * scale)
            top = float(base)
            for kind in TYPE_ORDER:
                k = types.get(kind, 0)
                if not k:
                    continue
                h = bar_h * k / total
                top -= h
                ET.SubElement(
                    a,
                    "rect",
                    {
                        "x": f"{left:.1f}",
                        "y": f"{top:.2f}",
                        "width": f"{bar_w:.1f}",
                        "height": f"{h:.2f}",
                        "fill": TYPE_COLOURS.get(kind, "#888"),
                    },
                )
        # marks
        for m in t.marks:
            if m.lane != lane:
                continue
            cx, cy = x_of(m.said_at.date()) + day_px / 2, y0 + 8
            a = ET.SubElement(g, "a", {"href": mark_link(m.alert_id, m.claim_id), "class": "mark"})
            ET.SubElement(
                a, "title"
            ).text = f"{m.said_at:%d %b %Y}: {MARK_LABELS.get(m.kind, m.kind)}: {m.label}"
            _symbol(a, m.kind, cx, cy)
    # frame
    ET.SubElement(
        root,
        "line",
        {
            "x1": str(LABEL_W),
            "x2": str(LABEL_W + plot_w),
            "y1": str(bottom),
            "y2": str(bottom),
            "stroke": "#99a",
        },
    )
    y = bottom + 18
    if hidden:
        note = ET.SubElement(root, "text", {"x": str(LABEL_W), "y": str(y), "fill": "#555"})
        note.text = f"and {hidden} quieter lane{'s' if hidden != 1 else ''} not shown"
        y += 16
    _legend(root, y + 4, stance_colour)
    return Markup(ET.tostring(root, encoding="unicode"))


def _symbol(parent: ET.Element, kind: str, cx: float, cy: float) -> None:
    """The symbol of a mark: diamond, filled or open triangle, ring."""
    if kind == "stance-change":
        pts = " ".join(
            f"{x:.1f},{y:.1f}" for x, y in ((cx, cy - 6), (cx + 6, cy), (cx, cy + 6), (cx - 6, cy))
        )
        ET.SubElement(parent, "polygon", {"points": pts, "fill": "#1d3557", "stroke": "#fff"})
    elif kind in ("dispute", "disputed"):
        pts = f"{cx - 6:.1f},{cy - 5:.1f} {cx + 6:.1f},{cy - 5:.1f} {cx:.1f},{cy + 6:.1f}"
        filled = kind == "dispute"
        ET.SubElement(
            parent,
            "polygon",
            {
                "points": pts,
                "fill": "#d62828" if filled else "#fff",
                "stroke": "#d62828",
                "stroke-width": "1.6",
            },
        )
    else:
        ET.SubElement(
            parent,
            "circle",
            {
                "cx": f"{cx:.1f}",
                "cy": f"{cy:.1f}",
                "r": "4.5",
                "fill": "#fff",
                "stroke": "#5277c9",
                "stroke-width": "2",
            },
        )


def _legend(root: ET.Element, y: float, stance_colour: dict[str, str]) -> None:
    g = ET.SubElement(root, "g", {"class": "legend", "fill": "#333"})
    x = float(LABEL_W)
    for kind, colour in reversed(TYPE_COLOURS.items()):
        ET.SubElement(
            g,
            "rect",
            {"x": f"{x:.0f}", "y": f"{y - 9:.0f}", "width": "10", "height": "10", "fill": colour},
        )
        text = ET.SubElement(g, "text", {"x": f"{x + 14:.0f}", "y": f"{y:.0f}"})
        text.text = kind
        x += 30 + 7.2 * len(kind)
    y += 20
    x = float(LABEL_W)
    for kind in ("stance-change", "dispute", "disputed", "silence-broken"):
        _symbol(g, kind, x + 5, y - 4)
        text = ET.SubElement(g, "text", {"x": f"{x + 16:.0f}", "y": f"{y:.0f}"})
        text.text = MARK_LABELS[kind]
        x += 34 + 6.4 * len(MARK_LABELS[kind])
    for stance, colour in stance_colour.items():
        ET.SubElement(
            g,
            "rect",
            {"x": f"{x:.0f}", "y": f"{y - 6:.0f}", "width": "18", "height": "4", "fill": colour},
        )
        text = ET.SubElement(g, "text", {"x": f"{x + 22:.0f}", "y": f"{y:.0f}"})
        text.text = f"stance: {stance}"
        x += 40 + 7 * len(stance) + 40
