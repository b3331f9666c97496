"""Replay scenarios: chosen article sequences, and the exact alerts they must raise."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import DATA, SHARED, cli, needs_shared, write_config

from monitor.config import load_config
from monitor.pipeline import Monitor
from monitor.replay import read_index, replay

SCENES = DATA / "replay"
WATCHLIST = SCENES / "watchlist.yaml"

# (doc, outlet, published)
Sequence = list[tuple[str, str, str]]


def _index(tmp_path: Path, sequence: Sequence) -> Path:
    index = tmp_path / "index.jsonl"
    with index.open("w") as fh:
        for n, (doc, outlet, when) in enumerate(sequence):
            path = SCENES / f"{doc}.txt"
            row = {
                "doc": f"{doc}-{n}",
                "source": outlet,
                "published": when,
                "title": doc,
                "path": str(path),
            }
            fh.write(json.dumps(row) + "\n")
    return index


def _replay(tmp_path: Path, sequence: Sequence) -> tuple[list[dict[str, object]], str]:
    config = write_config(tmp_path, feeds=[], watchlist=WATCHLIST)
    out = tmp_path / "alerts.jsonl"
    result = cli(
        "replay",
        "--config",
        str(config),
        "--index",
        str(_index(tmp_path, sequence)),
        "--out",
        str(out),
    )
    assert result.exit_code == 0, result.output
    alerts = [json.loads(line) for line in out.read_text().splitlines()]
    return alerts, result.stderr


def _summary(alerts: list[dict[str, object]]) -> list[tuple[object, ...]]:
    return [(a["kind"], a["actor"], a["type"], tuple(a["topics"])) for a in alerts]  # type: ignore[arg-type]


def test_stance_change(tmp_path: Path) -> None:
    alerts, _ = _replay(
        tmp_path,
        [
            ("troops-cautious", "reuters", "2025-03-03T09:00:00Z"),
            ("troops-welcome", "reuters", "2025-03-07T09:00:00Z"),
        ],
    )
    assert _summary(alerts) == [
        ("new", "trump", "statement", ("foreign-troops",)),
        ("stance-change", "trump", "statement", ("foreign-troops",)),
    ]
    change = alerts[1]
    assert change["detail"] == "opposed → supportive on foreign-troops"
    assert [p["sentence"] for p in change["previous"]] == [  # type: ignore[attr-defined]
        (SCENES / "troops-cautious.txt").read_text().strip()
    ]


def test_dispute_links_both_sides(tmp_path: Path) -> None:
    alerts, _ = _replay(
        tmp_path,
        [
            ("depot-accusation", "tass", "2025-03-03T09:00:00Z"),
            ("depot-denial", "kyiv-independent", "2025-03-04T09:00:00Z"),
        ],
    )
    assert _summary(alerts) == [
        ("new", "russia", "accusation", ("drone-strikes",)),
        ("dispute", "ukraine", "denial", ("drone-strikes",)),
    ]
    (earlier,) = alerts[1]["previous"]  # type: ignore[misc]
    assert earlier["actor"] == "Russian government"
    assert earlier["type"] == "accusation"
    assert "attacked a fuel depot" in earlier["sentence"]


def test_dispute_answers_the_account_it_names(tmp_path: Path) -> None:
    """Two parties told one strike their own way; a denial that names whose account it
    disputes ("disputed Russia's account of the missile strike") answers that party's claim,
    not the later, closer one of the other party (the blind reader's second sample)."""
    alerts, _ = _replay(
        tmp_path,
        [
            ("odesa-russia", "tass", "2025-03-03T09:00:00Z"),
            ("odesa-kyiv", "kyiv-independent", "2025-03-03T12:00:00Z"),
            ("odesa-us", "ap", "2025-03-04T09:00:00Z"),
        ],
    )
    disputes = [a for a in alerts if a["kind"] == "dispute"]
    assert [(a["actor"], a["type"]) for a in disputes] == [("usa", "denial")]
    (earlier,) = disputes[0]["previous"]  # type: ignore[misc]
    assert earlier["actor"] == "Russian government", earlier
    assert "destroyed a Ukrainian warship" in earlier["sentence"]


def test_wire_story_in_three_outlets_is_one_alert(tmp_path: Path) -> None:
    alerts, stderr = _replay(
        tmp_path,
        [
            ("wire-a", "nyt", "2025-03-03T10:00:00Z"),
            ("wire-b", "guardian", "2025-03-03T11:00:00Z"),
            ("wire-c", "ap", "2025-03-03T12:00:00Z"),
        ],
    )
    assert _summary(alerts) == [("new", "zelensky", "demand", ("foreign-troops",))]
    assert "2 repeats, 2 outlets added" in stderr
    # the alert, as a channel shows it once the copies have arrived, lists all three outlets
    (tmp_path / "live").mkdir()
    monitor = Monitor(load_config(write_config(tmp_path / "live", feeds=[], watchlist=WATCHLIST)))
    try:
        steps = list(
            replay(
                monitor,
                read_index(
                    _index(
                        tmp_path,
                        [
                            ("wire-a", "nyt", "2025-03-03T10:00:00Z"),
                            ("wire-b", "guardian", "2025-03-03T11:00:00Z"),
                            ("wire-c", "ap", "2025-03-03T12:00:00Z"),
                        ],
                    )
                ),
            )
        )
        (alert_id,) = steps[0].ingested.alert_ids
        (shown,) = monitor.store.alerts([alert_id], {})
        assert shown.outlets == ["nyt", "guardian", "ap"]
    finally:
        monitor.close()


def test_repeat_in_same_outlet_raises_nothing(tmp_path: Path) -> None:
    alerts, stderr = _replay(
        tmp_path,
        [
            ("wire-a", "nyt", "2025-03-03T10:00:00Z"),
            ("restated", "nyt", "2025-03-06T10:00:00Z"),
        ],
    )
    assert _summary(alerts) == [("new", "zelensky", "demand", ("foreign-troops",))]
    assert "1 repeats, 0 outlets added" in stderr


def test_silence_broken(tmp_path: Path) -> None:
    alerts, _ = _replay(
        tmp_path,
        [
            ("talks-early", "reuters", "2025-01-01T09:00:00Z"),
            ("talks-late", "reuters", "2025-03-01T09:00:00Z"),
        ],
    )
    assert _summary(alerts) == [
        ("new", "zelensky", "statement", ("peace-talks",)),
        ("silence-broken", "zelensky", "offer", ("peace-talks",)),
    ]
    assert alerts[1]["detail"] == "first on peace-talks in 59 days"


def test_replay_never_writes_the_live_database(tmp_path: Path) -> None:
    config = write_config(tmp_path, feeds=[], watchlist=WATCHLIST)
    live = load_config(config).database
    result = cli(
        "replay",
        "--config",
        str(config),
        "--database",
        live,
        "--index",
        str(_index(tmp_path, [("wire-a", "nyt", "2025-03-03T10:00:00Z")])),
    )
    assert result.exit_code == 2
    assert "replay must not write to the live database" in result.stderr


@needs_shared
@pytest.mark.parametrize("limit", [40])
def test_replay_of_real_articles_runs(tmp_path: Path, limit: int) -> None:
    """The first real articles of 2022 go through without error and raise some alerts."""
    config = write_config(
        tmp_path, feeds=[], watchlist=DATA.parent.parent / "config" / "watchlist.yaml"
    )
    index = SHARED / "data" / "articles" / "index.jsonl"
    result = cli("replay", "--config", str(config), "--index", str(index), "--limit", str(limit))
    assert result.exit_code == 0, result.output
    assert f"replayed {limit} articles" in result.stderr


def test_a_denial_answers_the_accusation_against_the_denier(tmp_path: Path) -> None:
    """Ukraine's denial answers Russia's accusation against Ukraine, not a newer accusation on
    the same topic against someone else."""
    alerts, _ = _replay(
        tmp_path,
        [
            ("depot-accusation", "tass", "2025-03-03T09:00:00Z"),
            ("strike-accusation-us", "tass", "2025-03-04T09:00:00Z"),
            ("depot-denial-later", "kyiv-independent", "2025-03-05T09:00:00Z"),
        ],
    )
    assert _summary(alerts)[-1] == ("dispute", "ukraine", "denial", ("drone-strikes",))
    (earlier,) = alerts[-1]["previous"]  # type: ignore[misc]
    assert "attacked a fuel depot" in earlier["sentence"]


def test_a_denial_of_the_claim_answers_the_one_beside_it(tmp_path: Path) -> None:
    """ "Kyiv rejected the claim" answers the claim against Ukraine in the same article, even a
    plain statement, before an accusation from an earlier article."""
    alerts, _ = _replay(
        tmp_path,
        [
            ("strike-accusation-us", "tass", "2025-03-04T09:00:00Z"),
            ("prison-claim-rejected", "reuters", "2025-03-05T09:00:00Z"),
        ],
    )
    assert _summary(alerts)[-1] == ("dispute", "ukraine", "denial", ("drone-strikes",))
    (earlier,) = alerts[-1]["previous"]  # type: ignore[misc]
    assert "hit a prison in Olenivka" in earlier["sentence"]


def test_a_denial_with_nothing_in_common_with_earlier_claims_is_a_plain_denial(
    tmp_path: Path,
) -> None:
    """A denial answers only a claim it negates: the event or object named in both, the
    words it quotes. Zelensky denying that a bridge in Kharkiv was destroyed does not answer a
    forecast about Odesa's port on the same topic: it alerts as a new denial, linked to
    nothing (it used to be shown "disputing" the forecast)."""
    alerts, _ = _replay(
        tmp_path,
        [
            ("odesa-drones-forecast", "ap", "2025-03-03T09:00:00Z"),
            ("bridge-denial", "kyiv-independent", "2025-03-04T09:00:00Z"),
        ],
    )
    assert _summary(alerts)[-1] == ("new", "zelensky", "denial", ("drone-strikes",))
    assert alerts[-1]["previous"] == []
