"""Decide what each stored claim changes: here, whether it is new.

A claim is *new* when the store held no earlier claim by the same actor, on the same topic, of
the same type. Everything else is a repeat: stored and counted, never alerted.
"""

from __future__ import annotations

from dataclasses import dataclass

from .store import Recorded, StoredClaim


@dataclass(frozen=True)
class Change:
    """One claim and what it changed; ``topics`` are the topics on which it is a change."""

    recorded: Recorded
    kind: str
    topics: tuple[str, ...]
    previous: tuple[StoredClaim, ...] = ()


def changes(recorded: list[Recorded]) -> list[Change]:
    """The changes among claims just stored; claims with no watched actor change nothing."""
    out = []
    for rec in recorded:
        if rec.claim.actor is None:
            continue
        fresh = tuple(topic for topic, prior in rec.priors.items() if prior is None)
        if fresh:
            out.append(Change(rec, "new", tuple(t for t in fresh if t)))
    return out
