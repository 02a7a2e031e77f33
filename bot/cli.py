"""The `kendang-bot` command line: run, playground, migrate, backup."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Callable, Coroutine
from importlib.metadata import version
from pathlib import Path
from typing import Any

from telegram.error import InvalidToken

from bot.logs import configure_logging
from bot.settings import Settings, SettingsError, load_settings
from storage import DatabaseTooNewError
from storage.backup import BackupError, backup
from storage.db import Database
from storage.migrations import migrate

EXIT_SETTINGS = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kendang-bot",
        description="Telegram bot for the djembe-drum cooperative of Blitar. "
        "Without a command: run the bot if KENDANG_BOT_TOKEN is set, else the playground.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {version('kendang-bot')}")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("run", help="serve Telegram (long polling, or webhook when configured)")
    playground = commands.add_parser(
        "playground", help="try the bot in the terminal, with no token and no internet"
    )
    playground.add_argument(
        "--db",
        type=Path,
        default=Path("kendang-playground.db"),
        help="the playground's own database file (default: %(default)s)",
    )
    commands.add_parser("migrate", help="apply database migrations and exit")
    backup = commands.add_parser(
        "backup", help="copy the database consistently, also while the bot runs, and check it"
    )
    backup.add_argument("path", type=Path, help="the backup file to write")
    return parser


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and run the chosen command."""
    arguments = _parser().parse_args(argv)
    try:
        settings = load_settings()
        command = arguments.command or ("run" if settings.bot_token else "playground")
        if command == "run":
            token = settings.token()
            configure_logging(settings.log_level, token)
            _run_until_signal(lambda stop: _serve(settings, token, stop))
        elif command == "playground":
            configure_logging("WARNING", None)
            db_path = getattr(arguments, "db", Path("kendang-playground.db"))
            if not db_path.parent.is_dir():
                raise SettingsError(f"--db: the folder {db_path.parent.absolute()} does not exist")
            _run_until_signal(lambda stop: _playground(settings, db_path, stop))
        elif command == "migrate":
            configure_logging(settings.log_level, None)
            asyncio.run(_migrate(settings))
        elif command == "backup":
            _backup(settings.db_path, arguments.path)
    except SettingsError as error:
        print(f"kendang-bot: {error}", file=sys.stderr)
        sys.exit(EXIT_SETTINGS)
    except DatabaseTooNewError as error:
        print(f"kendang-bot: {error}", file=sys.stderr)
        sys.exit(1)
    except InvalidToken:
        print("kendang-bot: KENDANG_BOT_TOKEN was refused by Telegram", file=sys.stderr)
        sys.exit(EXIT_SETTINGS)


async def _serve(settings: Settings, token: str, stop: asyncio.Event) -> None:
    from bot.serve import serve

    await serve(settings, token, stop)


async def _playground(settings: Settings, db_path: Path, stop: asyncio.Event) -> None:
    from bot.playground import run_playground

    await run_playground(settings, db_path, stop)


async def _migrate(settings: Settings) -> None:
    db = await Database.open(settings.db_path)
    try:
        before, after = await migrate(db)
    finally:
        await db.close()
    if before == after:
        print(f"{settings.db_path}: schema is up to date (version {after})")
    else:
        print(f"{settings.db_path}: migrated from version {before} to {after}")


def _backup(source: Path, target: Path) -> None:
    try:
        result = backup(source, target)
    except BackupError as error:
        print(f"kendang-bot: backup failed: {error}", file=sys.stderr)
        sys.exit(1)
    print(
        f"{source} backed up to {result.target}: {result.size:,} bytes, schema version"
        f" {result.schema_version}, {result.members:,} members, {result.reports:,} reports,"
        " integrity ok"
    )


def _run_until_signal(start: Callable[[asyncio.Event], Coroutine[Any, Any, None]]) -> None:
    """Run `start(stop)` until it returns; SIGTERM and SIGINT set `stop` for a clean exit."""

    async def runner() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await start(stop)

    asyncio.run(runner())
