"""Configuration errors: each broken file gives exactly the message a user needs."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import WATCHLIST, cli

from monitor.config import ConfigError, load_config, parse_duration

GOOD_WATCHLIST = """\
actors:
  zelensky: {name: Volodymyr Zelensky, aliases: [Zelensky]}
topics:
  troops: {keywords: [troop]}
"""

# (main file, watchlist file, expected problems); {main} and {wl} are the two paths.
BROKEN = [
    pytest.param(
        "watchlist: wl.yaml\nfeeds:\n  - url: ftp://example.org/rss\n",
        GOOD_WATCHLIST,
        [
            "{main}:3: feeds.0.url: expected an http://, https:// or file: URL, "
            "got 'ftp://example.org/rss'"
        ],
        id="feed-scheme",
    ),
    pytest.param(
        "watchlist: wl.yaml\nfeeds:\n  - url: https://a.example/rss\n    interval: often\n",
        GOOD_WATCHLIST,
        ["{main}:4: feeds.0.interval: expected a duration such as 900, 15m or 1h, got 'often'"],
        id="interval-word",
    ),
    pytest.param(
        "watchlist: wl.yaml\nfeeds:\n  - url: https://a.example/rss\n    interval: 5s\n",
        GOOD_WATCHLIST,
        ["{main}:4: feeds.0.interval: must be at least 10 seconds"],
        id="interval-too-short",
    ),
    pytest.param(
        "watchlist: wl.yaml\nfeeds:\n  - url: https://a.example/rss\n  - url: https://a.example/rss\n"
        "channels:\n  - url: stdout://\n",
        GOOD_WATCHLIST,
        ["{main}:4: feeds.1: duplicate feed 'https://a.example/rss' (give each a distinct name)"],
        id="duplicate-feed",
    ),
    pytest.param(
        "watchlist: wl.yaml\nchannels:\n  - url: mailto://${CLAIMWATCH_TEST_UNSET}@x.example\n",
        GOOD_WATCHLIST,
        ["{main}:3: channels.0.url: environment variable CLAIMWATCH_TEST_UNSET is not set"],
        id="unset-env",
    ),
    pytest.param(
        "watchlist: wl.yaml\nchannels:\n  - name: x\n",
        GOOD_WATCHLIST,
        ["{main}:3: channels.0.url: required"],
        id="channel-without-url",
    ),
    pytest.param(
        "watchlist: wl.yaml\nfeed: []\n",
        GOOD_WATCHLIST,
        ["{main}:2: feed: unknown key; did you mean 'feeds'?"],
        id="misspelt-key",
    ),
    pytest.param(
        "watchlist: wl.yaml\nfeeds: [unclosed\n",
        GOOD_WATCHLIST,
        ["{main}:3: invalid YAML: expected ',' or ']', but got '<stream end>'"],
        id="yaml-syntax",
    ),
    pytest.param(
        "- just\n- a list\n",
        GOOD_WATCHLIST,
        ["{main}:1: (top): expected a mapping"],
        id="not-a-mapping",
    ),
    pytest.param(
        "watchlist: wl.yaml\n",
        GOOD_WATCHLIST.replace("aliases: [Zelensky]", "aliases: Zelensky"),
        ["{wl}:2: actors.zelensky.aliases: expected a list"],
        id="aliases-not-list",
    ),
    pytest.param(
        "watchlist: wl.yaml\n",
        "actors:\n  trump:\n    name: Donald Trump\n    roles:\n"
        "      - {title: US president, from: soon}\n",
        ["{wl}:5: actors.trump.roles.0.from: expected a date (YYYY-MM-DD)"],
        id="role-date",
    ),
    pytest.param(
        "watchlist: wl.yaml\n",
        GOOD_WATCHLIST + "rules:\n  - actors: [zelensky, putin]\n    severity: urgent\n",
        [
            "{wl}:6: rules.0.actors.1: unknown actor 'putin'",
            "{wl}:7: rules.0.severity: expected 'low', 'normal' or 'high', got 'urgent'",
        ],
        id="rule-unknown-actor-and-severity",
    ),
    pytest.param(
        "watchlist: wl.yaml\n",
        GOOD_WATCHLIST + "rules:\n  - types: [denial, rant]\n",
        [
            "{wl}:6: rules.0.types.1: expected 'statement', 'denial', 'confirmation', "
            "'accusation', 'threat', 'demand', 'offer' or 'prediction', got 'rant'"
        ],
        id="rule-claim-type",
    ),
    pytest.param(
        "watchlist: wl.yaml\nfeeds:\n  - url: gopher://x\n",
        GOOD_WATCHLIST.replace(
            "  troops: {keywords: [troop]}", "  troops: {keywords: [troop], colour: red}"
        ),
        [
            "{main}:3: feeds.0.url: expected an http://, https:// or file: URL, got 'gopher://x'",
            "{wl}:4: topics.troops.colour: unknown key (known here: description, keywords, "
            "stances, weak_keywords)",
        ],
        id="problems-in-both-files",
    ),
    pytest.param(
        "watchlist: missing.yaml\n",
        GOOD_WATCHLIST,
        ["{dir}/missing.yaml: cannot read: No such file or directory"],
        id="missing-watchlist",
    ),
]


@pytest.mark.parametrize(("main", "watchlist", "expected"), BROKEN)
def test_broken_config(tmp_path: Path, main: str, watchlist: str, expected: list[str]) -> None:
    main_path = tmp_path / "claimwatch.yaml"
    wl_path = tmp_path / "wl.yaml"
    main_path.write_text(main)
    wl_path.write_text(watchlist)
    want = [
        e.format(main=main_path, wl=wl_path.resolve(), dir=tmp_path.resolve()) for e in expected
    ]
    with pytest.raises(ConfigError) as err:
        load_config(main_path)
    assert err.value.problems == want

    result = cli("check", "--config", str(main_path))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == want


def test_valid_config_summary_masks_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CW_TEST_PASSWORD", "hunter2-very-secret")
    secret_file = tmp_path / "slack-token"
    secret_file.write_text("T000/B000/XXXXsecretslacktoken\n")
    main = tmp_path / "claimwatch.yaml"
    main.write_text(
        f"watchlist: {WATCHLIST}\n"
        "feeds:\n  - {name: world, url: 'https://a.example/rss', interval: 1h}\n"
        "channels:\n"
        "  - {name: mail, url: 'mailto://desk:${CW_TEST_PASSWORD}@smtp.example.org?to=a@b.example'}\n"
        f"  - {{url: 'slack://${{file:{secret_file}}}', tags: [slack]}}\n"
    )
    config = load_config(main)
    assert config.channels[0].url.startswith("mailto://desk:hunter2-very-secret@")
    assert config.channels[1].url == "slack://T000/B000/XXXXsecretslacktoken"
    result = cli("check", "--config", str(main))
    assert result.exit_code == 0, result.output
    assert "hunter2-very-secret" not in result.output
    assert "XXXXsecretslacktoken" not in result.output
    assert "world: https://a.example/rss every 1h" in result.stdout
    assert "mail: mailto://desk:****@smtp.example.org" in result.stdout
    assert "slack-2: slack://" in result.stdout
    assert "36 actors, 13 topics" in result.stdout


def test_default_config_path_from_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    main = tmp_path / "c.yaml"
    main.write_text(f"watchlist: {WATCHLIST}\n")
    monkeypatch.setenv("CLAIMWATCH_CONFIG", str(main))
    result = cli("check")
    assert result.exit_code == 0
    assert f"configuration: {main} (valid)" in result.stdout


def test_relative_paths_follow_the_config_file(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "wl.yaml").write_text(GOOD_WATCHLIST)
    main = tmp_path / "sub" / "c.yaml"
    main.write_text(
        "database: sqlite:///state/db.sqlite\nwatchlist: wl.yaml\nfeeds:\n  - url: file:feed.xml\n"
        "channels:\n  - url: stdout://\n"
    )
    config = load_config(main)
    assert config.database == f"sqlite:///{tmp_path.resolve()}/sub/state/db.sqlite"
    assert config.feeds[0].url == (tmp_path / "sub" / "feed.xml").resolve().as_uri()


@pytest.mark.parametrize(
    ("value", "seconds"),
    [(90, 90), ("90", 90), ("90s", 90), ("15m", 900), ("2h", 7200), ("1d", 86400)],
)
def test_durations(value: object, seconds: int) -> None:
    assert parse_duration(value) == seconds
