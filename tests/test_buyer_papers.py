"""A buyer's address and invoice currency for the export papers: set in /profile, seen by admins."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.emulator import Person
from bot.i18n import Translator
from handlers.members.profile_buttons import currency_text
from handlers.members.profile_edit import MAX_ADDRESS_LENGTH, clean_address
from storage import Storage
from storage.members import PapersLockedError
from storage.models.members import (
    ArtisanApplication,
    BuyerApplication,
    Member,
    MemberStatus,
    Role,
)
from storage.models.papers import InvoiceCurrency
from tests.conftest import ADMIN_ANI, ADMIN_BUDI, RunningBot, active_artisan, active_buyer
from tests.test_chinese import chinese_buyer
from tests.test_onboarding import member_row

ADDRESS = "Room 5, 12 Futian Road\nYiwu, Zhejiang 322000\nChina"


def papers_of(bot: RunningBot, telegram_id: int) -> tuple[Any, Any]:
    """A member's address and currency, read straight from the database file."""
    row = member_row(bot, telegram_id)
    assert row is not None
    return row["address"], row["currency"]


async def open_profile(person: Person) -> None:
    """Open the profile with the command."""
    await person.send("/profile")


async def test_a_buyer_sets_address_and_currency_in_english(bot: RunningBot) -> None:
    li = await active_buyer(bot)
    await open_profile(li)
    assert "Address: —" in li.last_text
    assert "Invoice currency: CNY (for China)" in li.last_text
    assert papers_of(bot, 2001) == (None, None)

    await li.tap("✏️ Address")
    assert "Now: —" in li.last_text
    replies = await li.send("  Room 5,   12 Futian Road \n\nYiwu, Zhejiang 322000\n China ")
    assert "✅ Saved." in replies[-1].plain
    assert papers_of(bot, 2001) == (ADDRESS, None)
    assert f"Address: {ADDRESS}" in li.last_text

    await li.tap("✏️ Currency")
    assert "Now: CNY (for China)" in li.last_text
    await li.tap("USD")
    assert papers_of(bot, 2001) == (ADDRESS, "USD")
    assert "Invoice currency: USD\n" in li.last_text

    # A currency button of an earlier question, left with /cancel, still chooses.
    await li.tap("✏️ Currency")
    question = li.last
    await li.send("/cancel")
    await li.tap("IDR", question)
    assert papers_of(bot, 2001) == (ADDRESS, "IDR")

    # The admins see both on the buyer's card.
    budi = bot.admin(ADMIN_BUDI, "Budi", language_code="en")
    member_id = member_row(bot, 2001)["id"]  # type: ignore[index]
    await budi.send("/members")
    await budi.press(f"mem:show:{member_id}")
    assert "Address: Room 5, 12 Futian Road\nYiwu, Zhejiang 322000\nChina" in budi.last_text
    assert "Invoice currency: IDR" in budi.last_text


async def test_an_address_that_will_not_do_is_asked_again(bot: RunningBot) -> None:
    li = await active_buyer(bot)
    await open_profile(li)
    await li.tap("✏️ Address")
    for bad in ("x" * (MAX_ADDRESS_LENGTH + 1), "!!! ???", " \n "):
        replies = await li.send(bad)
        assert "at most 200 characters" in replies[-1].plain, replies[-1].plain
    await li.send_sticker()
    assert "at most 200 characters" in li.last_text
    assert papers_of(bot, 2001) == (None, None)
    await li.tap("Cancel")
    assert "Nothing changed." in li.last_text
    await li.send("Some Street 1")  # after cancelling, a text is no answer to anything
    assert papers_of(bot, 2001) == (None, None)


async def test_a_chinese_buyer_sets_address_and_currency_in_chinese(bot: RunningBot) -> None:
    li = await chinese_buyer(bot)
    await open_profile(li)
    assert "地址：—" in li.last_text
    assert "开票币种：CNY（中国买家默认）" in li.last_text
    await li.tap("✏️ 地址")
    assert "请输入用于发票和装箱单的地址" in li.last_text
    await li.send("浙江省义乌市福田路12号\n邮编 322000")
    assert "浙江省义乌市福田路12号\n邮编 322000" in li.last_text
    await li.tap("✏️ 币种")
    assert li.last.labels[:3] == ["USD · 美元", "CNY · 人民币", "IDR · 印尼盾"]
    await li.tap("人民币")
    assert papers_of(bot, 2001) == ("浙江省义乌市福田路12号\n邮编 322000", "CNY")
    assert "开票币种：CNY\n" in li.last_text


async def test_only_a_buyer_who_may_change_the_profile_sets_them(bot: RunningBot) -> None:
    ani = bot.admin()
    await ani.send("/start")
    sri = await active_artisan(bot)
    await sri.send("/profile")
    assert "Alamat" not in sri.last_text
    assert not any("Alamat" in label for label in sri.last.labels)
    for data in ("prof:addr", "prof:cur", "prof:cur:USD"):
        await sri.press(data)
        assert "hanya untuk pembeli" in sri.callback_answers[-1]["text"], data
    assert papers_of(bot, 1001) == (None, None)

    li = await active_buyer(bot)
    await open_profile(li)
    await li.tap("✏️ Address")  # in the middle of it when deactivated
    member_id = member_row(bot, 2001)["id"]  # type: ignore[index]
    await ani.press(f"mem:set:{member_id}:active:deactivated")
    replies = await li.send("Somewhere 1")
    assert "not active" in replies[-1].plain
    await li.press("prof:cur:USD")
    assert "not active" in li.callback_answers[-1]["text"]
    await open_profile(li)
    assert not any(label.startswith("✏️") for label in li.last.labels)
    assert papers_of(bot, 2001) == (None, None)

    await ani.press("prof:addr")  # an admin has no profile
    assert "belum terdaftar" in ani.callback_answers[-1]["text"]


def test_the_default_currency_says_why() -> None:
    t = Translator("en")
    now = datetime(2026, 1, 5, tzinfo=UTC)
    buyer = Member(
        id=1,
        telegram_id=2001,
        role=Role.BUYER,
        status=MemberStatus.ACTIVE,
        name="Li",
        country="China",
        created_at=now,
        updated_at=now,
    )
    assert currency_text(t, buyer) == "CNY (for China)"
    assert currency_text(t, buyer.model_copy(update={"country": "Malaysia"})) == "USD (the default)"
    chosen = buyer.model_copy(update={"currency": InvoiceCurrency.IDR})
    assert currency_text(t, chosen) == "IDR"


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("Jl. Merdeka 1", "Jl. Merdeka 1"),
        ("  a\r\n\r\n  b  c ", "a\nb c"),
        ("x" * MAX_ADDRESS_LENGTH, "x" * MAX_ADDRESS_LENGTH),
        ("x" * (MAX_ADDRESS_LENGTH + 1), None),
        ("- - -", None),
        ("", None),
        (None, None),
    ],
)
def test_an_address_is_trimmed_line_by_line(typed: str | None, kept: str | None) -> None:
    assert clean_address(typed) == kept


# Storage, against a real SQLite file


async def test_a_buyers_address_and_currency_are_stored(storage: Storage) -> None:
    await storage.people.seen(2001, "Li", None, "en")
    application = BuyerApplication(name="Li Wei", company="Yiwu Music", country="China")
    buyer = await storage.members.register_buyer(2001, application, needs_approval=False)
    assert (buyer.address, buyer.currency, buyer.invoice_currency) == (
        None,
        None,
        InvoiceCurrency.CNY,
    )
    changed = await storage.members.set_address(buyer.id, ADDRESS)
    assert changed is not None and changed.address == ADDRESS
    changed = await storage.members.set_currency(buyer.id, InvoiceCurrency.USD)
    assert changed is not None
    assert (changed.address, changed.currency, changed.invoice_currency) == (
        ADDRESS,
        InvoiceCurrency.USD,
        InvoiceCurrency.USD,
    )
    stored = await storage.members.get(buyer.id)
    assert stored == changed
    assert await storage.members.set_address(9999, ADDRESS) is None


async def test_only_a_buyer_not_locked_out_may_set_them(storage: Storage) -> None:
    await storage.people.seen(1001, "Sri", None, "id")
    artisan = await storage.members.register_artisan(
        1001, ArtisanApplication(name="Sri", village="Jiwut", workshop="Kendang Jaya")
    )
    with pytest.raises(PapersLockedError):
        await storage.members.set_address(artisan.id, ADDRESS)
    await storage.people.seen(2001, "Li", None, "en")
    application = BuyerApplication(name="Li Wei", company="Yiwu Music", country="China")
    buyer = await storage.members.register_buyer(2001, application, needs_approval=False)
    await storage.members.change_status(
        buyer.id, MemberStatus.DEACTIVATED, expected=MemberStatus.ACTIVE, by=ADMIN_ANI
    )
    with pytest.raises(PapersLockedError):
        await storage.members.set_currency(buyer.id, InvoiceCurrency.IDR)
    stored = await storage.members.get(buyer.id)
    assert stored is not None and (stored.address, stored.currency) == (None, None)
