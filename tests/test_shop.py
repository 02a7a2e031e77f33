"""The buyers' catalogue end to end: photo cards, paging, the size filter, stock and privacy."""

from __future__ import annotations

import sqlite3

from bot.emulator import Person
from bot.emulator.world import ChatMessage, png_image
from storage import Storage
from storage.models.exchange_rates import Currency
from tests.conftest import ADMIN_ANI, RunningBot, active_artisan, active_buyer

# The catalogue's order (size, then code) of the 16 seeded models.
FIRST = "DJ-S-MAH-GOAT-CARVE"  # small mahogany goatskin carved, Rp300.000
SECOND = "DJ-S-MAH-GOAT-PAINT"  # small mahogany goatskin painted, Rp250.000
THIRD = "DJ-S-MAH-GOAT-PLAIN"
LAST = "DJ-L-NGK-GOAT-PLAIN"  # large jackfruit goatskin plain
MEDIUM = "DJ-M-MAH-GOAT-PAINT"  # medium mahogany goatskin painted, Rp375.000
LARGE_FIRST = "DJ-L-MAH-COW-PLAIN"


def query(bot: RunningBot, sql: str, *args: object) -> list[sqlite3.Row]:
    """Read rows straight from the database file."""
    with sqlite3.connect(bot.settings.db_path) as connection:
        connection.row_factory = sqlite3.Row
        return list(connection.execute(sql, args))


async def set_photo(bot: RunningBot, code: str) -> str:
    """Give a model its own photo, as an admin does in the catalogue; return the file id."""
    file_id = bot.emulator.store_file(png_image(), "photos").file_id
    storage = await Storage.open(bot.settings.db_path)
    try:
        model = await storage.catalogue.get_by_code(code)
        assert model is not None
        await storage.catalogue.set_photo(model.id, file_id)
    finally:
        await storage.close()
    return file_id


async def accept(
    bot: RunningBot, artisan: Person, code: str, quantity: int, *, photo: bool = False
) -> str | None:
    """Put accepted drums in stock as the quality check does; return the report's photo id."""
    photo_id = bot.emulator.store_file(png_image(), "photos").file_id if photo else None
    storage = await Storage.open(bot.settings.db_path)
    try:
        member = await storage.members.by_telegram_id(artisan.user_id)
        model = await storage.catalogue.get_by_code(code)
        assert member is not None and model is not None
        report, _ = await storage.reports.create(
            member.id, model.id, quantity, photo_file_id=photo_id
        )
        decision = await storage.reports.decide(report.id, quantity, None, by=ADMIN_ANI)
        assert decision is not None and decision.decided
    finally:
        await storage.close()
    return photo_id


async def reserve(bot: RunningBot, buyer: Person, code: str, quantity: int) -> None:
    """Confirm a buyer's order of drums in stock, setting them aside."""
    storage = await Storage.open(bot.settings.db_path)
    try:
        member = await storage.members.by_telegram_id(buyer.user_id)
        model = await storage.catalogue.get_by_code(code)
        assert member is not None and model is not None
        order, _ = await storage.orders.create(member.id, model.id, quantity)
        change = await storage.orders.confirm(order.id, by=ADMIN_ANI)
        assert change.outcome == "done"
    finally:
        await storage.close()


async def retire(bot: RunningBot, code: str) -> None:
    """Take a model out of the catalogue."""
    storage = await Storage.open(bot.settings.db_path)
    try:
        model = await storage.catalogue.get_by_code(code)
        assert model is not None
        await storage.catalogue.retire(model.id, by=ADMIN_ANI)
    finally:
        await storage.close()


async def indonesian_buyer(bot: RunningBot, user_id: int = 2002) -> Person:
    """Open a buyer account through the real flow, in Indonesian."""
    buyer = bot.person(user_id, "Dewi", "id")
    await buyer.send("/start")
    await buyer.tap("Saya pembeli")
    await buyer.send("Dewi Lestari")
    await buyer.send("UD Kendang Nusantara")
    await buyer.tap("Indonesia")
    await buyer.tap("Buat akun saya")
    assert "Akun pembeli Anda sudah siap" in buyer.last_text
    return buyer


async def artisan_with_phone(bot: RunningBot, phone: str) -> Person:
    """Register Sri Wahyuni of Jiwut, sharing her phone number, and have Ani approve her."""
    ani = bot.admin()
    sri = bot.person(1001, "Sri", "id")
    await sri.send("/start")
    await sri.tap("Saya perajin")
    await sri.send("Sri Wahyuni")
    await sri.tap("Jiwut")
    await sri.send("Bengkel Sri Wahyuni")
    await sri.share_contact(phone)
    await sri.tap("Kirim pendaftaran")
    await ani.tap("Setujui", ani.last)
    assert query(bot, "SELECT phone FROM members WHERE telegram_id = 1001")[0]["phone"] == phone
    return sri


def position(card: ChatMessage) -> str:
    """The "3/16" label of a card."""
    return next(label for label in card.labels if "/" in label)


def current(bot: RunningBot, person: Person, card: ChatMessage) -> ChatMessage | None:
    """A card as it stands now in the chat (None once deleted)."""
    return bot.emulator.private_chat(person.user_id).messages.get(card.message_id)


def methods(bot: RunningBot) -> list[str]:
    """The Bot API methods the bot called, in order, without polling."""
    return [request.method for request in bot.emulator.requests if request.method != "getUpdates"]


async def test_cards_are_photos_with_captions_and_page_both_ways_around_the_ends(
    bot: RunningBot,
) -> None:
    li = await active_buyer(bot)
    first_photo = await set_photo(bot, FIRST)
    second_photo = await set_photo(bot, SECOND)

    card = (await li.send("/browse"))[-1]

    assert card.photo and card.photo[-1]["file_id"] == first_photo
    assert "🪘 Small · mahogany · goatskin · carved" in card.plain
    assert "📏 Small: head 17-19 cm, about 40 cm tall" in card.plain
    assert "Wood: mahogany · Head: goatskin · Finish: carved" in card.plain
    assert "IDR300,000 per drum" in card.plain
    assert "Available now: none, made to order" in card.plain
    assert f"Code: {FIRST}" in card.plain
    assert any(entity["type"] == "bold" for entity in card.entities)
    assert card.labels == [
        "◀️ Previous",
        "1/16",
        "Next ▶️",
        "✅ All",
        "Small",
        "Medium",
        "Large",
        "🛒 Order",
        "👀 Watch",
        "⬅️ Menu",
    ]
    model_id = query(bot, "SELECT id FROM drum_models WHERE code = ?", FIRST)[0]["id"]
    assert card.button_data("Order") == f"ord:new:{model_id}"
    assert card.button_data("Watch") == f"watch:new:{model_id}"

    # Photo to photo: the same message, its media edited.
    await li.tap("Next", card)
    second = current(bot, li, card)
    assert second is not None and second.photo[-1]["file_id"] == second_photo
    assert "painted motif" in second.plain and position(second) == "2/16"
    assert "editMessageMedia" in methods(bot)

    # Photo to text: Telegram cannot edit a photo into text, so the card is sent again.
    third = (await li.tap("Next", second))[-1]
    assert not third.photo and third.message_id != card.message_id
    assert current(bot, li, card) is None
    assert f"Code: {THIRD}" in third.plain and position(third) == "3/16"

    # Text to text: edited in place.
    fourth = (await li.tap("Next", third))[-1]
    assert fourth.message_id == third.message_id and position(fourth) == "4/16"

    back = (await li.tap("Previous", fourth))[-1]
    assert position(back) == "3/16" and f"Code: {THIRD}" in back.plain
    photo_again = (await li.tap("Previous", back))[-1]
    assert photo_again.photo and position(photo_again) == "2/16"
    assert photo_again.photo[-1]["file_id"] == second_photo
    await li.tap("Previous", photo_again)
    first_again = li.last
    assert position(first_again) == "1/16" and f"Code: {FIRST}" in first_again.plain

    # Around the ends: before the first is the last, after the last the first.
    last = (await li.tap("Previous", first_again))[-1]
    assert position(last) == "16/16" and f"Code: {LAST}" in last.plain
    assert not last.photo
    wrapped = (await li.tap("Next", last))[-1]
    assert position(wrapped) == "1/16" and wrapped.photo


async def test_the_size_filter_pages_within_one_size(bot: RunningBot) -> None:
    li = await active_buyer(bot)
    await li.send("/browse")
    large = (await li.tap("Large"))[-1]
    assert position(large) == "1/6" and f"Code: {LARGE_FIRST}" in large.plain
    assert "✅ Large" in large.labels and "All" in large.labels
    assert "head 27-30 cm, about 60 cm tall" in large.plain
    seen = [large.plain]
    for _ in range(5):
        await li.tap("Next", li.last)
        seen.append(li.last.plain)
        assert "Large ·" in li.last.plain
    assert position(li.last) == "6/6"
    assert len(set(seen)) == 6
    await li.tap("Next", li.last)
    assert position(li.last) == "1/6"
    medium = (await li.tap("Medium", li.last))[-1]
    assert position(medium) == "1/5" and "✅ Medium" in medium.labels
    assert all("Medium ·" in line for line in medium.plain.splitlines()[:1])
    every = (await li.tap("All", medium))[-1]
    assert position(every) == "1/16" and "✅ All" in every.labels


async def test_tampered_or_outdated_buttons_show_the_nearest_card(bot: RunningBot) -> None:
    li = await active_buyer(bot)
    card = (await li.send("/browse"))[-1]

    await li.press("shop:c:a:9999", card)
    assert position(li.last) == "16/16" and f"Code: {LAST}" in li.last.plain
    await li.press("shop:c:l:40", li.last)
    assert position(li.last) == "6/6"

    # The last card's model is retired: its old position shows the nearest model left.
    await retire(bot, LAST)
    await li.press("shop:c:a:15", li.last)
    assert position(li.last) == "15/15" and LAST not in li.last.plain
    for data in ("shop:c:x:1", "shop:c:a:-1", "shop:c:a:1:2", "shop:nope", "shop:c:a:12345"):
        await li.press(data, li.last)
        assert position(li.last) == "1/15", data
        assert f"Code: {FIRST}" in li.last.plain
    answers = li.callback_answers
    assert len(answers) == len({answer["callback_query_id"] for answer in answers})


async def test_cards_show_where_drums_are_made_but_never_who_made_them(bot: RunningBot) -> None:
    li = await active_buyer(bot)
    sri = await artisan_with_phone(bot, "+6281233344455")
    tono = await active_artisan(bot, 1002, "Tono Hartono", "Jiwut")
    ayu = await active_artisan(bot, 1003, "Ayu Rahma", "Ngoran")
    await accept(bot, sri, MEDIUM, 4)
    await accept(bot, tono, MEDIUM, 3, photo=True)
    await accept(bot, ayu, MEDIUM, 2)

    await li.send("/browse")
    card = (await li.tap("Medium"))[-1]
    card = (await li.tap("Next", card))[-1]

    assert f"Code: {MEDIUM}" in card.plain
    assert not card.photo  # Tono's report photo is not the model's
    assert "Made in Jiwut (2 workshops), Ngoran (1 workshop)" in card.plain
    assert "Available now: 9 drums" in card.plain
    for private in ("Sri", "Wahyuni", "Tono", "Ayu", "Bengkel", "+62", "81233344455"):
        assert private not in card.plain


async def test_a_card_shows_only_the_photo_an_admin_attached_never_an_artisans(
    bot: RunningBot,
) -> None:
    li = await active_buyer(bot)
    sri = await active_artisan(bot)
    artisan_photo = await accept(bot, sri, FIRST, 3, photo=True)

    card = (await li.send("/browse"))[-1]
    assert f"Code: {FIRST}" in card.plain and "Available now: 3 drums" in card.plain
    assert not card.photo

    ani = bot.admin()
    await ani.send("/catalogue")
    await ani.tap("Kecil · mahoni · kulit kambing · ukir")
    await ani.tap("Pasang foto")
    await ani.send_photo()
    assert "Foto terpasang" in ani.last.plain
    [row] = query(bot, "SELECT photo_file_id FROM drum_models WHERE code = ?", FIRST)
    chosen = row["photo_file_id"]
    assert chosen is not None and chosen != artisan_photo

    card = (await li.send("/browse"))[-1]
    assert card.photo and card.photo[-1]["file_id"] == chosen


async def test_prices_show_usd_and_cny_only_once_rates_are_set(bot: RunningBot) -> None:
    li = await active_buyer(bot)
    before = (await li.send("/browse"))[-1]
    assert "IDR300,000 per drum" in before.plain
    assert "US$" not in before.plain and "CN¥" not in before.plain
    storage = await Storage.open(bot.settings.db_path)
    try:
        await storage.exchange_rates.set(Currency.USD, 16_000, by=ADMIN_ANI)
        await storage.exchange_rates.set(Currency.CNY, 2_250, by=ADMIN_ANI)
    finally:
        await storage.close()
    after = (await li.send("/browse"))[-1]
    assert "IDR300,000 · US$18.75 · CN¥133.33 per drum" in after.plain


async def test_available_stock_lists_models_by_size_and_totals_the_ledger(
    bot: RunningBot,
) -> None:
    li = await active_buyer(bot)
    sri = await active_artisan(bot)
    await accept(bot, sri, FIRST, 40)
    await accept(bot, sri, MEDIUM, 1200)
    await accept(bot, sri, LARGE_FIRST, 7)
    await reserve(bot, li, MEDIUM, 1000)
    await reserve(bot, li, LARGE_FIRST, 7)

    text = (await li.send("/available"))[-1].plain

    ledger = query(
        bot,
        "SELECT d.code, b.on_hand - b.reserved AS available FROM stock_balances b"
        " JOIN drum_models d ON d.id = b.model_id WHERE d.active = 1",
    )
    by_code = {row["code"]: row["available"] for row in ledger}
    assert by_code[FIRST] == 40 and by_code[MEDIUM] == 200 and by_code[LARGE_FIRST] == 0
    total = sum(by_code.values())
    assert f"Total: {total:,} drums" in text
    assert "• Small · mahogany · goatskin · carved: 40" in text
    assert "• Medium · mahogany · goatskin · painted motif: 200" in text
    assert "cowhide" not in text  # all 7 are set aside for an order
    small, medium, large = (text.index(size) for size in ("Small ·", "Medium ·", "Large ·"))
    assert small < medium < large
    assert text.index("Total") > large
    assert "• none available now" in text[large:]

    # The button edits the list in place; Refresh shows the ledger as it is now.
    menu = (await li.send("/menu"))[-1]
    listed = (await li.tap("Available stock", menu))[-1]
    assert listed.message_id == menu.message_id and "Total: 240 drums" in listed.plain
    await accept(bot, sri, FIRST, 5)
    await li.tap("Refresh", listed)
    assert "Total: 245 drums" in li.last.plain
    assert "carved: 45" in li.last.plain


async def test_non_buyers_are_refused_politely_and_admins_browse_the_same_cards(
    bot: RunningBot,
) -> None:
    sri = await active_artisan(bot)
    replies = await sri.send("/browse")
    assert "Katalog ini untuk pembeli" in replies[-1].plain
    assert not replies[-1].photo
    replies = await sri.send("/available")
    assert "Katalog ini untuk pembeli" in replies[-1].plain
    await sri.press("shop:c:a:3", sri.last)
    assert "Katalog ini untuk pembeli" in sri.callback_answers[-1]["text"]

    stranger = bot.person(3001, "Joe", "en")
    replies = await stranger.send("/browse")
    assert "The catalogue is for registered buyers" in replies[-1].plain
    assert "Code:" not in replies[-1].plain

    ani = bot.admin()
    card = (await ani.send("/browse"))[-1]
    assert position(card) == "1/16" and f"Kode: {FIRST}" in card.plain
    assert "🛒 Pesan" in card.labels


async def test_an_indonesian_buyer_browses_in_indonesian(bot: RunningBot) -> None:
    dewi = await indonesian_buyer(bot)
    await set_photo(bot, FIRST)
    storage = await Storage.open(bot.settings.db_path)
    try:
        await storage.exchange_rates.set(Currency.USD, 16_000, by=ADMIN_ANI)
    finally:
        await storage.close()
    card = (await dewi.send("/browse"))[-1]
    assert card.photo
    assert "🪘 Kecil · mahoni · kulit kambing · ukir" in card.plain
    assert "Rp300.000 · US$18,75 per kendang" in card.plain
    assert "tersedia" in card.plain.lower()
    assert card.labels[:3] == ["◀️ Sebelumnya", "1/16", "Berikutnya ▶️"]
    assert {"✅ Semua", "Kecil", "Sedang", "Besar", "🛒 Pesan", "👀 Pantau"} <= set(card.labels)
    text = (await dewi.send("/available"))[-1].plain
    assert "Total: 0 kendang" in text
