"""The command line: settings errors and typos are one clear line and exit 2; migrate; --version."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from storage.migrations import available_migrations


def run_cli(folder: Path, *arguments: str, **settings: str) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot` in a folder with only the given KENDANG_ settings."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("KENDANG_")}
    env.update(settings)
    return subprocess.run(
        [sys.executable, "-m", "bot", *arguments],
        cwd=folder, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def test_run_without_a_token_names_the_setting(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "run")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "kendang-bot: KENDANG_BOT_TOKEN is required to run the bot "
        "(get one from @BotFather, or try `kendang-bot playground`)"
    ]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("KENDANG_ADMIN_IDS", "12,abc"),
        ("KENDANG_DEFAULT_LOCALE", "fr"),
        ("KENDANG_API_BASE_URL", "api.telegram.org"),
        ("KENDANG_WEBHOOK_PORT", "70000"),
    ],
)
def test_a_malformed_setting_is_one_line_naming_it(tmp_path: Path, name: str, value: str) -> None:
    result = run_cli(tmp_path, "run", KENDANG_BOT_TOKEN="1:x", **{name: value})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"kendang-bot: {name} is malformed")
    assert "Traceback" not in result.stderr


def test_settings_are_read_from_a_dotenv_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("KENDANG_ADMIN_IDS=oops\n")
    result = run_cli(tmp_path, "migrate")
    assert result.returncode == 2
    assert "KENDANG_ADMIN_IDS" in result.stderr


def test_an_unknown_setting_is_refused_with_the_closest_name(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "migrate", KENDANG_ADMIN_ID="9001")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "kendang-bot: KENDANG_ADMIN_ID (in the environment) is not a setting;"
        " did you mean KENDANG_ADMIN_IDS?"
    ]
    assert not (tmp_path / "kendang.db").exists()


def test_an_unknown_setting_in_the_dotenv_file_is_refused_too(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("KENDANG_BOT_TOKEN=1:x\nKENDANG_DATABASE_PATH=other.db\n")
    result = run_cli(tmp_path, "migrate")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "kendang-bot: KENDANG_DATABASE_PATH (in .env) is not a setting;"
        " did you mean KENDANG_DB_PATH?"
    ]


def test_an_unknown_setting_like_no_other_points_to_the_list(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "migrate", KENDANG_XYZZY="1")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "kendang-bot: KENDANG_XYZZY (in the environment) is not a setting"
        " (see the README's Settings)"
    ]


@pytest.mark.parametrize(
    ("name", "value", "empty"),
    [
        ("KENDANG_ADMIN_IDS", "1,,2", 2),
        ("KENDANG_ADMIN_IDS", "1,2,", 3),
        ("KENDANG_ADMIN_IDS", ",1", 1),
        ("KENDANG_VILLAGES", "Jiwut, ,Ngoran", 2),
    ],
)
def test_a_list_with_an_empty_item_is_refused(
    tmp_path: Path, name: str, value: str, empty: int
) -> None:
    result = run_cli(tmp_path, "migrate", **{name: value})
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"kendang-bot: {name} is malformed: item {empty} of {value!r} is empty"
    ]


def test_a_database_in_a_folder_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "migrate", KENDANG_DB_PATH="dtaa/kendang.db")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"kendang-bot: KENDANG_DB_PATH: the folder {tmp_path.resolve() / 'dtaa'} does not exist"
        " (create it first, or choose another path)"
    ]
    assert not (tmp_path / "dtaa").exists()


def test_a_playground_database_in_a_folder_that_does_not_exist_is_refused(
    tmp_path: Path,
) -> None:
    result = run_cli(tmp_path, "playground", "--db", "dtaa/play.db")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"kendang-bot: --db: the folder {tmp_path.resolve() / 'dtaa'} does not exist"
    ]
    assert not (tmp_path / "dtaa").exists()


def test_webhook_url_without_a_secret_is_refused(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "run", KENDANG_BOT_TOKEN="1:x", KENDANG_WEBHOOK_URL="https://x/hook")
    assert result.returncode == 2
    assert "KENDANG_WEBHOOK_SECRET" in result.stderr


def test_migrate_creates_the_database_and_is_idempotent(tmp_path: Path) -> None:
    db = tmp_path / "kendang.db"
    first = run_cli(tmp_path, "migrate", KENDANG_DB_PATH=str(db))
    assert first.returncode == 0, first.stderr
    latest = len(available_migrations())
    assert f"migrated from version 0 to {latest}" in first.stdout
    second = run_cli(tmp_path, "migrate", KENDANG_DB_PATH=str(db))
    assert "up to date" in second.stdout
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == latest


def test_a_newer_database_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    db = tmp_path / "kendang.db"
    with sqlite3.connect(db) as connection:
        connection.execute("PRAGMA user_version = 999")
    result = run_cli(tmp_path, "migrate", KENDANG_DB_PATH=str(db))
    assert result.returncode == 1
    assert "schema version 999" in result.stderr
    assert "Traceback" not in result.stderr


def test_version(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "--version")
    assert result.returncode == 0
    assert result.stdout.startswith("kendang-bot ")
