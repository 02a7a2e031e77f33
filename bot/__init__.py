"""kendang-bot: the application, its settings, the update loop and the local Bot API emulator."""

import os

# Opt in to python-telegram-bot's coming time periods as timedelta (RetryAfter.retry_after and
# others); without it, every 429 warns that the int form is deprecated.
os.environ.setdefault("PTB_TIMEDELTA", "1")
