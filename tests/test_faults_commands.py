"""Faults from the field: commands (issue 15), each through click's runner on real SQLite."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import cli, write_config
from servers import SMTP_PERMANENT_FAILURE, FeedServer, SmtpServer, mailto_url


@pytest.mark.parametrize(
    ("channels", "expected"),
    [
        pytest.param(  # the field's case: an Apprise URL it cannot use
            [{"name": "x", "url": "slack://not-a-webhook"}],
            [
                "{main}:6: channels.0.url: Apprise cannot use this slack:// URL (see its wiki for "
                "the form it takes)"
            ],
            id="unusable-url",
        ),
        pytest.param(  # the field's case: two channels with one name
            [{"name": "desk", "url": "stdout://"}, {"name": "desk", "url": "stdout://"}],
            [
                "{main}:7: channels.1: duplicate channel name 'desk' (also channels.0): give each "
                "a distinct name"
            ],
            id="duplicate-name",
        ),
        pytest.param(  # a given name that one made from a scheme also takes
            [{"url": "stdout://"}, {"name": "stdout-1", "url": "stdout://"}],
            [
                "{main}:6: channels.1: duplicate channel name 'stdout-1' (also channels.0): give "
                "each a distinct name"
            ],
            id="name-made-twice",
        ),
    ],
)
def test_check_refuses_what_run_would_fail_on(
    tmp_path: Path, channels: list[dict[str, Any]], expected: list[str]
) -> None:
    config = write_config(tmp_path, feeds=[], channels=channels)
    for command in ("check", "test-notify"):
        result = cli(command, "--config", str(config))
        assert result.exit_code == 1, result.output
        assert result.stderr.splitlines() == [e.format(main=config) for e in expected]


def test_outbox_channel_must_be_a_channel(tmp_path: Path) -> None:
    config = write_config(tmp_path, feeds=[], channels=[{"name": "mail", "url": "stdout://"}])
    for args in (["--channel", "nope"], ["--channel", "Mail", "--retry"]):  # field's, and more
        result = cli("outbox", *args, "--config", str(config))
        assert result.exit_code == 2, result.output
        assert "no channel named" in result.stderr
    assert "did you mean 'mail'?" in result.stderr
    assert cli("outbox", "--channel", "mail", "--config", str(config)).exit_code == 0


def test_run_once_exits_non_zero_when_a_feed_or_a_delivery_failed(tmp_path: Path) -> None:
    with FeedServer() as feeds, SmtpServer() as smtp:
        feeds.set("/bad", b"oops", status=500)
        config = write_config(tmp_path, feeds=[{"name": "bad", "url": feeds.url("/bad")}])
        failed = cli("run", "--once", "--config", str(config))  # the field's case
        assert failed.exit_code == 1 and "failed: 1 feeds (bad)" in failed.stderr
        feeds.set(
            "/good",
            (Path(__file__).parent.parent / "seeds" / "demo-feed.xml").read_bytes(),
        )
        smtp.fail = SMTP_PERMANENT_FAILURE  # another instance: alerts failed for good
        (tmp_path / "b").mkdir()
        config = write_config(
            tmp_path / "b",
            feeds=[{"name": "good", "url": feeds.url("/good")}],
            channels=[{"name": "mail", "url": mailto_url(smtp)}],
        )
        undelivered = cli("run", "--once", "--config", str(config))
        assert undelivered.exit_code == 1 and "deliveries failed for good" in undelivered.stderr
        smtp.fail = None
        cli("outbox", "--retry", "--config", str(config))
        assert cli("run", "--once", "--config", str(config)).exit_code == 0


@pytest.mark.parametrize(
    ("main", "watchlist", "expected"),
    [
        pytest.param(  # the field's case: a tab
            "watchlist: wl.yaml\nfeeds:\n\t- url: https://a.example/rss\n",
            "actors: {}\n",
            "{main}:3: invalid YAML: a tab character: YAML is indented with spaces only",
            id="tab",
        ),
        pytest.param(  # the field's case: an unknown key, near a known one
            "watchlist: wl.yaml\nfeeds:\n  - url: https://a.example/rss\n    intervall: 15m\n"
            "channels:\n  - url: stdout://\n",
            "actors: {}\n",
            "{main}:4: feeds.0.intervall: unknown key; did you mean 'interval'?",
            id="unknown-key",
        ),
        pytest.param(  # the same inside the watchlist, under an actor's id
            "watchlist: wl.yaml\n",
            "actors:\n  z:\n    name: Z\n    alias: [Zed]\n",
            "{wl}:4: actors.z.alias: unknown key; did you mean 'aliases'?",
            id="unknown-key-under-an-id",
        ),
        pytest.param(  # a colon inside an unquoted value
            "watchlist: wl.yaml\n",
            "topics:\n  war: Russia: the war\n",
            "{wl}:2: invalid YAML: a colon followed by a space inside a value (put the value in "
            "quotes), or a key indented further than the one before it",
            id="colon-in-a-value",
        ),
    ],
)
def test_yaml_errors_say_what_a_person_would(
    tmp_path: Path, main: str, watchlist: str, expected: str
) -> None:
    (tmp_path / "wl.yaml").write_text(watchlist)
    config = tmp_path / "claimwatch.yaml"
    config.write_text(main)
    result = cli("check", "--config", str(config))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        expected.format(main=config, wl=(tmp_path / "wl.yaml").resolve())
    ]


def test_try_extract_and_claims_need_no_channel_secret_and_try_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The field's cases: `try`, `extract` and `claims` refused to run without the channels'
    secrets; `try` and `extract` assumed a date silently; `try` logged what sounds like a
    write. And more of the kind: `status` and `outbox` too; `try` on a fresh machine created
    the database."""
    monkeypatch.delenv("CW_UNSET_SECRET", raising=False)
    article = tmp_path / "article.txt"
    article.write_text("Zelensky said that Ukraine wants American troops after the war.\n")
    config = write_config(
        tmp_path,
        feeds=[{"name": "f", "url": "file:feed.xml"}],
        channels=[{"name": "mail", "url": "mailtos://u:${CW_UNSET_SECRET}@smtp.example/"}],
    )
    assert cli("check", "--config", str(config)).exit_code == 1  # a sender still needs it
    tried = cli("--log-level", "debug", "try", "--config", str(config), str(article))
    assert tried.exit_code == 0, tried.output
    # sent at once or, under the rule's min_confidence, in the digest: either way to mail
    assert ("ALERT new" in tried.stdout and "to mail" in tried.stdout) or (
        "POSSIBLE new" in tried.stdout and "digest of mail" in tried.stdout
    )
    assert "read as published today" in tried.stderr
    assert "no database yet" in tried.stderr
    assert not (tmp_path / "claimwatch.sqlite").exists()  # nothing written, not even a file
    for word in ("added", "stored", "queued", "written", "saved", "delivered"):
        assert word not in tried.stderr
    extracted = cli("extract", "--config", str(config), str(article))
    assert extracted.exit_code == 0 and "zelensky" in extracted.stdout
    assert "no --published date: the articles are read as published today" in extracted.stderr
    for command in (["claims", "--actor", "zelensky"], ["outbox"]):
        result = cli(*command, "--config", str(config))
        assert result.exit_code == 0, result.output


def _postgres_database() -> str:
    psycopg = pytest.importorskip("psycopg")
    try:
        psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres").close()
    except psycopg.OperationalError as exc:
        pytest.skip(f"no PostgreSQL on 127.0.0.1:5432: {exc}")
    return "postgresql+psycopg://postgres@127.0.0.1:5432/cw_missing_db_for_test"


@pytest.mark.parametrize("case", ["postgres-missing", "under-a-file"])
def test_a_database_that_cannot_be_opened_is_one_line(tmp_path: Path, case: str) -> None:
    """The field's case (a PostgreSQL database that does not exist) and a SQLite path under a
    regular file: one line from check and from run, which exits 78 (not restarted)."""
    if case == "postgres-missing":
        database, words = _postgres_database(), 'database "cw_missing_db_for_test" does not exist'
    else:
        (tmp_path / "afile").write_text("")
        database, words = f"sqlite:///{tmp_path / 'afile' / 'cw.sqlite'}", "not a writable folder"
    config = write_config(tmp_path, feeds=[])
    text = config.read_text().replace(f"sqlite:///{tmp_path / 'claimwatch.sqlite'}", database)
    config.write_text(text)
    for command, code in (("check", 1), ("run", 78)):
        result = cli(command, "--config", str(config))
        assert result.exit_code == code, result.output
        (line,) = result.stderr.splitlines()
        assert line.startswith("database ") and words in line


def test_a_read_only_store_is_one_line_for_run_and_check_and_status_reads_it(
    tmp_path: Path,
) -> None:
    import subprocess

    folder = tmp_path / "state"
    folder.mkdir()
    config = write_config(folder, feeds=[{"name": "f", "url": "file:none.xml"}])
    assert cli("run", "--once", "--config", str(config)).exit_code == 1  # the feed is missing
    files = [folder, *folder.glob("claimwatch.sqlite*")]
    if subprocess.run(["chattr", "+i", *map(str, files)], capture_output=True).returncode:
        pytest.skip("chattr +i is not available here: no read-only file to test with")
    try:
        for command, code in (("check", 1), ("run", 78)):
            result = cli(command, "--config", str(config))
            assert result.exit_code == code, result.output
            (line,) = result.stderr.splitlines()
            assert line.startswith("database ") and "cannot write to it" in line
        status = cli("status", "--config", str(config))
        assert status.exit_code == 0, status.output
        assert status.stdout.startswith("FEED") and "\nf " in status.stdout
    finally:
        subprocess.run(["chattr", "-i", *map(str, files)], check=False)
