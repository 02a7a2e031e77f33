"""Allow `python -m bot`, the same as the `kendang-bot` command."""

from bot.cli import main

main()
