"""Which changes alert, how urgently, and through which channels: the watchlist's rules."""

from __future__ import annotations

from collections.abc import Sequence

from .config import ChannelConfig, Rule, Watchlist
from .diff import Change
from .store import QueuedAlert

_RANK = {"low": 0, "normal": 1, "high": 2}


def matches(rule: Rule, change: Change) -> bool:
    """Every filter the rule sets must hold; an empty filter holds for all."""
    claim = change.recorded.claim
    if rule.actors and claim.actor not in rule.actors:
        return False
    if rule.types and claim.type not in rule.types:
        return False
    if rule.topics and not set(rule.topics) & set(change.topics):
        return False
    return change.kind in rule.changes


def channel_names(channels: Sequence[ChannelConfig]) -> dict[str, tuple[str, ...]]:
    """Each channel's stable name (given, else ``<scheme>-<n>``) and its tags."""
    out: dict[str, tuple[str, ...]] = {}
    for n, ch in enumerate(channels, 1):
        out[ch.name or f"{ch.url.split('://', 1)[0]}-{n}"] = tuple(ch.tags)
    return out


def select(
    changes: Sequence[Change], watchlist: Watchlist, channels: dict[str, tuple[str, ...]]
) -> list[QueuedAlert]:
    """One alert per change that any rule matches: the most severe rule names it, and it goes
    to the union of the channels of every matching rule."""
    out = []
    for change in changes:
        hits = [r for r in watchlist.rules if matches(r, change)]
        if not hits:
            continue
        top = max(hits, key=lambda r: _RANK[r.severity])
        targets: set[str] = set()
        for rule in hits:
            if not rule.channels:
                targets.update(channels)
            else:
                targets.update(n for n, tags in channels.items() if set(tags) & set(rule.channels))
        out.append(
            QueuedAlert(
                claim_id=change.recorded.id,
                kind=change.kind,
                rule=top.name,
                severity=top.severity,
                topics=change.topics,
                previous=tuple(p.id for p in change.previous),
                channels=tuple(sorted(targets)),
            )
        )
    return out
