"""``try`` shows what an article would raise and writes nothing; ``claims`` lists history."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from conftest import DEMO_FEED, cli, write_config


def _counts(db: Path) -> tuple[int, int, int]:
    with sqlite3.connect(db) as con:
        return tuple(  # type: ignore[return-value]
            con.execute(f"select count(*) from {t}").fetchone()[0]
            for t in ("article", "claim", "alert")
        )


def test_try_writes_nothing_and_explains(tmp_path: Path) -> None:
    config = write_config(tmp_path, feeds=[{"name": "demo", "url": DEMO_FEED.as_uri()}])
    assert cli("run", "--once", "--config", str(config)).exit_code == 0
    db = tmp_path / "claimwatch.sqlite"
    before = _counts(db)

    again = cli("try", "--config", str(config), str(DEMO_FEED))
    assert again.exit_code == 0, again.output
    assert "repeat of stored claim #" in again.stdout
    assert "ALERT" not in again.stdout  # everything in it is already known

    article = tmp_path / "new.txt"
    article.write_text("Trump said on Friday that he would welcome American troops in Ukraine.\n")
    fresh = cli("try", "--config", str(config), "--published", "2026-01-09", str(article))
    assert fresh.exit_code == 0, fresh.output
    assert "- trump statement on foreign-troops [foreign-troops: supportive]" in fresh.stdout
    assert "→ ALERT stance-change (high, rule 'watched leaders')" in fresh.stdout
    assert _counts(db) == before


def test_try_reports_bad_sources(tmp_path: Path) -> None:
    config = write_config(tmp_path, feeds=[])
    missing = cli("try", "--config", str(config), str(tmp_path / "nope.txt"))
    assert missing.exit_code == 1
    assert "no such file, and not an http(s) URL" in missing.stderr
    html = tmp_path / "page.xml"
    html.write_text("<?xml version='1.0'?><html><body>hi</body></html>")
    bad = cli("try", "--config", str(config), str(html))
    assert bad.exit_code == 1
    assert "not a feed" in bad.stderr


def test_claims_over_time(tmp_path: Path) -> None:
    config = write_config(tmp_path, feeds=[{"name": "demo", "url": DEMO_FEED.as_uri()}])
    assert cli("run", "--once", "--config", str(config)).exit_code == 0
    result = cli("claims", "--config", str(config), "--actor", "lavrov", "--topic", "drone-strikes")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert any("accusation" in line and "2025-12-30" in line for line in lines)
    assert any("threat" in line for line in lines)
    assert any('"state terrorism"' in line for line in lines)
    unknown = cli("claims", "--config", str(config), "--actor", "nobody")
    assert unknown.exit_code == 2
    assert "unknown actor 'nobody'" in unknown.stderr
