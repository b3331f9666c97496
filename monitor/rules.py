"""Which changes alert, how urgently, through which channels, now or in a digest.

One alert per claim: when a claim is both new and a dispute, the alert is the dispute (the
more telling kind) and lists every earlier claim involved.
"""

from __future__ import annotations

from collections.abc import Sequence

from .config import ChannelConfig, Rule, Watchlist
from .diff import Change
from .store import QueuedAlert

_RANK = {"low": 0, "normal": 1, "high": 2}
KIND_ORDER = ("dispute", "stance-change", "silence-broken", "new")  # most telling first


def matches(rule: Rule, change: Change) -> bool:
    """Every filter the rule sets must hold; an empty filter holds for all."""
    claim = change.recorded.claim
    if change.kind not in rule.changes:
        return False
    if change.kind == "silence-broken" and (
        rule.silence_days is None or change.silent_days < rule.silence_days
    ):
        return False
    if rule.actors and claim.actor not in rule.actors:
        return False
    if rule.types and claim.type not in rule.types:
        return False
    return not (rule.topics and not set(rule.topics) & set(change.topics or claim.topics))


def min_silence_days(watchlist: Watchlist) -> int | None:
    """The shortest silence any rule cares about: the diff reports none shorter."""
    days = [
        r.silence_days for r in watchlist.rules if r.silence_days and "silence-broken" in r.changes
    ]
    return min(days) if days else None


def channel_names(channels: Sequence[ChannelConfig]) -> dict[str, tuple[str, ...]]:
    """Each channel's stable name (given, else ``<scheme>-<n>``) and its tags."""
    out: dict[str, tuple[str, ...]] = {}
    for n, ch in enumerate(channels, 1):
        out[ch.name or f"{ch.url.split('://', 1)[0]}-{n}"] = tuple(ch.tags)
    return out


def select(
    changes: Sequence[Change], watchlist: Watchlist, channels: dict[str, tuple[str, ...]]
) -> list[QueuedAlert]:
    """One alert per claim whose changes any rule matches."""
    by_claim: dict[int, list[tuple[Change, Rule]]] = {}
    for change in changes:
        for rule in watchlist.rules:
            if matches(rule, change):
                by_claim.setdefault(change.recorded.id, []).append((change, rule))
    out = []
    for claim_id, hits in by_claim.items():
        top_change = min(hits, key=lambda h: KIND_ORDER.index(h[0].kind))[0]
        rules = [r for _, r in hits]
        top_rule = max(rules, key=lambda r: _RANK[r.severity])
        targets: set[str] = set()
        for rule in rules:
            if not rule.channels:
                targets.update(channels)
            else:
                targets.update(n for n, tags in channels.items() if set(tags) & set(rule.channels))
        previous: list[int] = []
        topics: list[str] = []
        for change, _ in hits:
            previous += [p.id for p in change.previous if p.id not in previous]
            topics += [t for t in change.topics if t not in topics]
        # a claim less sure than every matching rule asks goes to the digest, marked "possible"
        confidence = hits[0][0].recorded.claim.confidence
        possible = all(confidence < r.min_confidence for r in rules)
        out.append(
            QueuedAlert(
                claim_id=claim_id,
                kind=top_change.kind,
                rule=top_rule.name,
                severity=top_rule.severity,
                topics=tuple(topics),
                previous=tuple(previous),
                channels=tuple(sorted(targets)),
                detail=top_change.detail,
                digest=possible or all(r.digest for r in rules),
                possible=possible,
            )
        )
    return out
