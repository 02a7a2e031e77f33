"""Settings read from the environment and a `.env` file, all prefixed `KENDANG_`."""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_VILLAGES = ("Minggirsari", "Ngoran", "Jiwut", "Jeding")
PREFIX = "KENDANG_"
ENV_FILE = ".env"
# The type of a validation error whose message reads on after the setting's name as it is.
REFUSED = "refused"


class SettingsError(Exception):
    """A setting is missing or malformed; the message names it."""


class Settings(BaseSettings):
    """Everything the bot can be configured with."""

    model_config = SettingsConfigDict(
        env_prefix=PREFIX, env_file=ENV_FILE, env_file_encoding="utf-8", extra="ignore"
    )

    bot_token: SecretStr | None = None
    db_path: Path = Path("kendang.db")
    admin_ids: Annotated[tuple[int, ...], NoDecode] = ()
    api_base_url: str = "https://api.telegram.org/bot"
    api_file_url: str | None = None
    default_locale: Literal["id", "en", "zh"] = "id"
    villages: Annotated[tuple[str, ...], NoDecode] = DEFAULT_VILLAGES
    buyer_approval: bool = False
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    webhook_secret: SecretStr | None = None
    poll_timeout: int = Field(default=25, ge=0, le=50)
    timezone: str = "Asia/Jakarta"
    max_report_quantity: int = Field(default=500, ge=1, le=100_000)
    max_order_quantity: int = Field(default=3500, ge=1, le=1_000_000)
    container_capacity: int = Field(default=3500, ge=1, le=1_000_000)
    # What a person's own actions may put on every admin's phone; admins are never limited.
    # One order is one model, up to a whole container: ten waiting is a mixed container.
    max_waiting_orders: int = Field(default=10, ge=1, le=1000)
    # A person registers once, perhaps again to correct what a rejection pointed out.
    max_registrations_per_day: int = Field(default=3, ge=1, le=100)
    # A member's messages to the cooperative: unanswered at once, and in 24 hours.
    max_waiting_messages: int = Field(default=5, ge=1, le=100)
    max_messages_per_day: int = Field(default=20, ge=1, le=1000)
    # Telegram allows about 30 messages a second in all; the bot keeps to that (a benchmark
    # of the processing cost alone, against an emulator without limits, lifts it).
    send_rate: float = Field(default=30.0, gt=0, le=100_000)
    # Telegram allows about one message a second to one chat, after a short burst.
    chat_rate: float = Field(default=1.0, gt=0, le=100_000)
    # Some of that is kept for replies.
    broadcast_rate: float = Field(default=25.0, gt=0, le=28)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # Containers by volume: loose round drums and cartons never fill a box to the last
    # centimetre (the gaps between round bodies, the space under the roof, the door end), so
    # shippers plan on about 85% of the nominal volume.
    usable_share: float = Field(default=0.85, ge=0.3, le=1.0)
    # The seller on the export papers.
    seller_name: str = Field(default="Koperasi Kendang Djembe Blitar", min_length=1, max_length=120)
    seller_address: str = Field(default="Blitar, Jawa Timur, Indonesia", max_length=300)
    seller_tax_id: str = Field(default="", max_length=40)
    seller_bank: str = Field(default="", max_length=300)
    # Incoterms 2020 and its named place: FOB at the port of Surabaya, where the villages'
    # containers are loaded; the place is also the port of loading the admin is offered.
    incoterm: Literal[
        "EXW", "FCA", "FAS", "FOB", "CFR", "CIF", "CPT", "CIP", "DAP", "DPU", "DDP"
    ] = "FOB"
    incoterm_place: str = Field(default="Tanjung Perak, Surabaya", min_length=1, max_length=80)
    payment_terms: str = Field(
        default="30% advance by T/T, balance before shipment", min_length=1, max_length=200
    )
    # From a confirmed order to drums ready to ship, and how long a proforma's prices hold.
    lead_time_days: int = Field(default=60, ge=1, le=365)
    proforma_validity_days: int = Field(default=30, ge=1, le=365)

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        return _items(value) if isinstance(value, str) else value

    @field_validator("villages", mode="before")
    @classmethod
    def _split_villages(cls, value: object) -> object:
        if isinstance(value, str):
            names = _items(value)
            if not names:
                raise ValueError("give at least one village name")
            return names
        return value

    @field_validator("db_path")
    @classmethod
    def _check_db_folder(cls, path: Path) -> Path:
        # A mistyped folder would otherwise start an empty database there, silently.
        if str(path) != ":memory:" and not path.parent.is_dir():
            raise PydanticCustomError(
                REFUSED,
                "the folder {folder} does not exist (create it first, or choose another path)",
                {"folder": str(path.parent.absolute())},
            )
        if path.is_dir():
            raise PydanticCustomError(
                REFUSED, "{path} is a folder: give the database's file name", {"path": str(path)}
            )
        return path

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (e.g. Asia/Jakarta)") from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        """The cooperative's time zone: weeks, months and dates are counted in it."""
        return ZoneInfo(self.timezone)

    @field_validator("api_base_url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        if self.webhook_url and not self.webhook_secret:
            raise ValueError("KENDANG_WEBHOOK_SECRET is required when KENDANG_WEBHOOK_URL is set")
        if self.webhook_secret and not _valid_secret(self.webhook_secret.get_secret_value()):
            raise ValueError("KENDANG_WEBHOOK_SECRET must be 1-256 characters of A-Z a-z 0-9 _ -")
        return self

    @property
    def file_base_url(self) -> str:
        """Return the file download URL matching the API base URL."""
        if self.api_file_url:
            return self.api_file_url
        if self.api_base_url.endswith("/bot"):
            return self.api_base_url[: -len("/bot")] + "/file/bot"
        return self.api_base_url.replace("/bot", "/file/bot", 1)

    def token(self) -> str:
        """Return the bot token, or fail naming the setting."""
        if self.bot_token is None or not self.bot_token.get_secret_value().strip():
            raise SettingsError(
                "KENDANG_BOT_TOKEN is required to run the bot "
                "(get one from @BotFather, or try `kendang-bot playground`)"
            )
        return self.bot_token.get_secret_value().strip()

    def is_admin(self, user_id: int) -> bool:
        """Tell whether this Telegram user is one of the configured admins."""
        return user_id in self.admin_ids


def _items(text: str) -> tuple[str, ...]:
    """The comma-separated items of a list setting; an empty one is a typo, not nothing."""
    if not text.strip():
        return ()
    items = tuple(part.strip() for part in text.split(","))
    for number, item in enumerate(items, start=1):
        if not item:
            raise ValueError(f"item {number} of {text!r} is empty")
    return items


def _valid_secret(secret: str) -> bool:
    allowed = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
    return 0 < len(secret) <= 256 and set(secret) <= allowed


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning validation errors into one line that names the setting."""
    _refuse_unknown_names(os.environ, _dotenv_names(Path(ENV_FILE)))
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else ""
        message = first["msg"].removeprefix("Value error, ")
        if not field:
            raise SettingsError(message) from None
        name = PREFIX + field.upper()
        if first["type"] == REFUSED:
            raise SettingsError(f"{name}: {message}") from None
        raise SettingsError(f"{name} is malformed: {message}") from None


def _dotenv_names(path: Path) -> list[str]:
    """The names a `.env` file sets (none without the file)."""
    return list(dotenv_values(path)) if path.is_file() else []


def _refuse_unknown_names(environment: Mapping[str, str], dotenv: list[str]) -> None:
    """Refuse a KENDANG_ name that is no setting, a typo that would otherwise pass unnoticed."""
    known = {PREFIX + field.upper() for field in Settings.model_fields}
    # Names are matched whatever their case, as the settings themselves are read.
    for names, where in ((sorted(environment), "in the environment"), (dotenv, f"in {ENV_FILE}")):
        for name in names:
            if name.upper().startswith(PREFIX) and name.upper() not in known:
                raise SettingsError(f"{name} ({where}) is not a setting{_suggestion(name, known)}")


def _suggestion(name: str, known: set[str]) -> str:
    """The end of the refusal: the known name closest to the mistyped one, if any is close."""
    # Compared without the prefix, which every name shares and which would make all look alike.
    tails = {known_name.removeprefix(PREFIX): known_name for known_name in known}
    close = difflib.get_close_matches(name.upper().removeprefix(PREFIX), sorted(tails), n=1)
    return f"; did you mean {tails[close[0]]}?" if close else " (see the README's Settings)"
