"""Keep the translation catalogs in step with the code: `python -m bot.catalogs`.

Extracts every message into locales/messages.pot, merges it into each locale's catalog, and
fills the English catalog (the code's messages are English). Indonesian and Chinese entries
that are new or changed are left for a translator, and the tests fail until they are translated.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

from bot.i18n import DOMAIN, LOCALES, LOCALES_DIR

ROOT = LOCALES_DIR.parent
TEMPLATE = LOCALES_DIR / f"{DOMAIN}.pot"
EXTRACT = [
    "extract", "-F", "babel.cfg", "-k", "N_", "--no-location", "--sort-output",
    "--add-comments=Translators:", "--project=kendang-bot", "-o", str(TEMPLATE), ".",
]  # fmt: skip


def _pybabel(*arguments: str) -> None:
    pybabel = Path(sys.executable).with_name("pybabel")
    subprocess.run([str(pybabel), *arguments], cwd=ROOT, check=True)


def catalog_path(locale: str) -> Path:
    """Return the .po file of a locale."""
    return LOCALES_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def fill_english() -> None:
    """Make every English entry its own translation, clearing fuzzy marks."""
    path = catalog_path("en")
    with path.open("rb") as file:
        catalog = read_po(file, locale="en")
    for message in catalog:
        if not message.id:
            continue
        message.string = message.id
        message.flags.discard("fuzzy")
    with path.open("wb") as file:
        write_po(file, catalog, no_location=True, sort_output=True, width=100)


def main() -> None:
    """Extract, update every catalog, fill English."""
    _pybabel(*EXTRACT)
    for locale in LOCALES:
        command = "update" if catalog_path(locale).exists() else "init"
        _pybabel(
            command, "-i", str(TEMPLATE), "-d", str(LOCALES_DIR), "-l", locale,
            *(["--no-fuzzy-matching", "--ignore-obsolete"] if command == "update" else []),
        )  # fmt: skip
    fill_english()


if __name__ == "__main__":
    main()
