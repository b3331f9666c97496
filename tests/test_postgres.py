"""The same pipeline on a real PostgreSQL (see ``pg_url`` in conftest.py)."""

from __future__ import annotations

from conftest import DEMO_FEED, cli, write_config
from servers import SmtpServer, mailto_url


def test_end_to_end_on_postgres(tmp_path: object, pg_url: str, smtp: SmtpServer) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    config = write_config(
        tmp_path,
        feeds=[{"name": "demo", "url": DEMO_FEED.as_uri()}],
        channels=[{"name": "mail", "url": mailto_url(smtp)}],
    )
    config.write_text(
        config.read_text().replace(f"sqlite:///{tmp_path / 'claimwatch.sqlite'}", pg_url)
    )
    first = cli("run", "--once", "--config", str(config))
    assert first.exit_code == 0, first.output
    alerts = int(first.stderr.rsplit(", ", 1)[1].split()[0])
    assert alerts >= 5
    from sqlalchemy import create_engine, text

    engine = create_engine(pg_url)
    with engine.connect() as conn:
        possible = conn.execute(text("select count(*) from alert where possible")).scalar_one()
    engine.dispose()
    sent = alerts - possible + (1 if possible else 0)  # the possible ones in one digest
    assert len(smtp.wait_for(sent)) == sent
    second = cli("run", "--once", "--config", str(config))
    assert "0 new articles, 0 claims, 0 alerts" in second.stderr
    assert len(smtp.messages) == sent
    claims = cli("claims", "--config", str(config), "--actor", "lavrov")
    assert "state terrorism" in claims.stdout
