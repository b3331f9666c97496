"""The command line: every command documents itself; extract speaks score.py's format."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from conftest import ROOT, SHARED, WATCHLIST, cli, needs_shared

from monitor.cli import main

SEED = ROOT / "seeds" / "demo-feed.xml"


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = []
    for name, command in sorted(group.commands.items()):
        out.append((*prefix, name))
        if isinstance(command, click.Group):
            out.extend(_commands(command, (*prefix, name)))
    return out


@pytest.mark.parametrize("command", [(), *_commands(main)], ids=lambda c: " ".join(c) or "main")
def test_every_command_has_help(command: tuple[str, ...]) -> None:
    result = cli(*command, "--help")
    assert result.exit_code == 0
    assert "Usage: " in result.stdout
    # a one-line description, not just the option list
    described = result.stdout.split("\n\n")[1].strip()
    assert described and not described.startswith("Options")
    if command:
        assert "--config" in result.stdout


def test_console_script_runs() -> None:
    exe = Path(sys.executable).parent / "claimwatch"
    out = subprocess.run([str(exe), "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("claimwatch, version ")


def _article(tmp_path: Path) -> Path:
    path = tmp_path / "troops.txt"
    path.write_text(
        "Ukrainian President Volodymyr Zelensky said on Tuesday that Kyiv wants American troops "
        "in the country.\nRussia launched drone strikes overnight.\n"
        '"This is a complete fabrication," he said of the Kremlin\'s account.\n'
    )
    return path


def test_extract_jsonl_is_score_py_format(tmp_path: Path) -> None:
    article = _article(tmp_path)
    text = article.read_text()
    result = cli("extract", "--watchlist", str(WATCHLIST), "--jsonl", str(article))
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["actor"], r["type"]) for r in rows] == [
        ("zelensky", "demand"),
        ("zelensky", "denial"),
    ]
    for row in rows:
        assert row["doc"] == "troops"
        assert set(row) == {"doc", "speaker", "cue", "content", "actor", "type", "topics"}
        for part in ("speaker", "cue", "content"):
            span = row[part]
            assert text[span["start"] : span["end"]] == span["text"]
    assert rows[0]["speaker"]["text"] == "Ukrainian President Volodymyr Zelensky"
    assert rows[0]["cue"]["text"] == "said"
    assert rows[0]["topics"] == ["foreign-troops"]
    assert rows[1]["speaker"]["text"] == "he"
    assert rows[1]["content"]["text"] == '"This is a complete fabrication,"'


def test_extract_explain_shows_resolution(tmp_path: Path) -> None:
    result = cli("extract", "--watchlist", str(WATCHLIST), "--explain", str(_article(tmp_path)))
    assert result.exit_code == 0, result.output
    assert "[S he] [C said]" in result.stdout
    assert (
        '"he" → Volodymyr Zelensky ("Ukrainian President Volodymyr Zelensky", 2 sentences back)'
        in result.stdout
    )


def test_extract_rejects_bad_date(tmp_path: Path) -> None:
    result = CliRunnerResult = cli(
        "extract",
        "--watchlist",
        str(WATCHLIST),
        "--published",
        "30/12/2025",
        str(_article(tmp_path)),
    )
    assert CliRunnerResult.exit_code == 2
    assert "expected YYYY-MM-DD, got '30/12/2025'" in result.stderr


@needs_shared
def test_seed_article_scores(tmp_path: Path) -> None:
    """The seed gold through score.py: every claim found, with the right actor and type."""
    pred = tmp_path / "seed.jsonl"
    seed = SHARED / "seeds" / "zelensky-us-troops.txt"
    result = cli(
        "extract", "--watchlist", str(WATCHLIST), "--published", "2025-12-30", "--jsonl", str(seed)
    )
    assert result.exit_code == 0
    pred.write_text(result.stdout)
    out = subprocess.run(
        [
            sys.executable,
            str(SHARED / "eval" / "score.py"),
            "claims",
            "--text",
            str(seed.parent),
            "--gold",
            str(SHARED / "eval" / "gold" / "seed.jsonl"),
            "--pred",
            str(pred),
            "--json",
            str(tmp_path / "score.json"),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    score = json.loads((tmp_path / "score.json").read_text())
    assert score["recall_actor_type"] >= 0.90, out.stdout
    assert score["watched_precision"] >= 0.90, out.stdout


def test_extract_without_configuration_uses_the_example_watchlist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a fresh clone there is no /etc/claimwatch: extract still works, and says what it used."""
    import monitor.config

    monkeypatch.delenv("CLAIMWATCH_CONFIG", raising=False)
    monkeypatch.setattr(monitor.config, "DEFAULT_CONFIG_PATH", tmp_path / "etc" / "claimwatch.yaml")
    result = cli("extract", "--jsonl", str(_article(tmp_path)))
    assert result.exit_code == 0, result.stderr
    assert "using the example" in result.stderr and "watchlist.yaml" in result.stderr
    claims = [json.loads(line) for line in result.stdout.splitlines()]
    assert {c["actor"] for c in claims} >= {"zelensky"}
    # a configuration that is named but missing is still an error, not a silent fallback
    result = cli("extract", "--config", str(tmp_path / "absent.yaml"), str(_article(tmp_path)))
    assert result.exit_code == 1 and "absent.yaml" in result.stderr
    monkeypatch.setenv("CLAIMWATCH_CONFIG", str(tmp_path / "absent.yaml"))
    result = cli("extract", str(_article(tmp_path)))
    assert result.exit_code == 1 and "absent.yaml" in result.stderr


@needs_shared
def test_extract_takes_the_scorers_own_watchlist(tmp_path: Path) -> None:
    """../shared/eval/watchlist.yaml (topics as bare descriptions, claim types described) is a
    watchlist too: its topics are found by the phrases their descriptions name."""
    seed = SHARED / "seeds" / "zelensky-us-troops.txt"
    watchlist = SHARED / "eval" / "watchlist.yaml"
    result = cli(
        "extract", "--watchlist", str(watchlist), "--published", "2025-12-30", "--jsonl", str(seed)
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    troops = [r for r in rows if "We want the presence of American troops" in r["content"]["text"]]
    assert troops and "foreign-troops" in troops[0]["topics"]
    lavrov = [r for r in rows if r["actor"] == "lavrov"]  # "retaliatory attacks"
    assert lavrov and all(r["topics"] for r in lavrov)
