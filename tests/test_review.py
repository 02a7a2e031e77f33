"""The quality check end to end: admins accept all, accept part or reject artisans' reports."""

from __future__ import annotations

import sqlite3

from bot.emulator import Person
from bot.emulator.world import ChatMessage, png_image
from storage import Storage
from tests.conftest import ADMIN_ANI, ADMIN_BUDI, RunningBot, active_artisan

MODEL = "DJ-M-MAH-GOAT-PAINT"  # medium mahogany goatskin painted, artisan rate Rp225.000
RATE = 225_000


async def admins(bot: RunningBot) -> tuple[Person, Person]:
    """Ani (Indonesian) and Budi (English), who has opened the bot so it knows his language."""
    ani, budi = bot.admin(), bot.admin(ADMIN_BUDI, "Budi", language_code="en")
    await budi.send("/start")
    return ani, budi


async def make_report(
    bot: RunningBot, artisan: Person, quantity: int, *, photo: bool = False
) -> int:
    """Write a pending report through the storage layer, as the reporting flow would."""
    photo_file_id = bot.emulator.store_file(png_image(), "photos").file_id if photo else None
    storage = await Storage.open(bot.settings.db_path)
    try:
        member = await storage.members.by_telegram_id(artisan.user_id)
        model = await storage.catalogue.get_by_code(MODEL)
        assert member is not None and model is not None
        report, _ = await storage.reports.create(
            member.id, model.id, quantity, photo_file_id=photo_file_id
        )
    finally:
        await storage.close()
    return report.id


def query(bot: RunningBot, sql: str, *args: object) -> list[sqlite3.Row]:
    """Read rows straight from the database file."""
    with sqlite3.connect(bot.settings.db_path) as connection:
        connection.row_factory = sqlite3.Row
        return list(connection.execute(sql, args))


def report_row(bot: RunningBot, report_id: int) -> sqlite3.Row:
    return query(bot, "SELECT * FROM reports WHERE id = ?", report_id)[0]


def on_hand(bot: RunningBot) -> int:
    rows = query(
        bot,
        "SELECT on_hand FROM stock_balances s JOIN drum_models d ON d.id = s.model_id"
        " WHERE d.code = ?",
        MODEL,
    )
    return int(rows[0]["on_hand"]) if rows else 0


def earned(bot: RunningBot, artisan: Person) -> int:
    rows = query(
        bot,
        "SELECT earned FROM artisan_balances b JOIN members m ON m.id = b.artisan_id"
        " WHERE m.telegram_id = ?",
        artisan.user_id,
    )
    return int(rows[0]["earned"]) if rows else 0


def ledger_entries(bot: RunningBot, report_id: int) -> tuple[int, int]:
    stock = query(bot, "SELECT COUNT(*) AS n FROM stock_movements WHERE report_id = ?", report_id)
    money = query(bot, "SELECT COUNT(*) AS n FROM earnings_entries WHERE report_id = ?", report_id)
    return int(stock[0]["n"]), int(money[0]["n"])


async def open_card(admin: Person, report_id: int) -> ChatMessage:
    """Open a report from the admin's review queue; return its card."""
    await admin.send("/review")
    replies = await admin.tap(f"R-{report_id:06d}")
    return replies[-1]


async def test_queue_shows_waiting_reports_oldest_first_a_page_at_a_time(bot: RunningBot) -> None:
    ani, _ = await admins(bot)
    sri = await active_artisan(bot)
    ids = [await make_report(bot, sri, quantity) for quantity in range(1, 8)]
    replies = await ani.send("/review")
    first_page = replies[-1]
    assert "7 laporan menunggu cek kualitas" in first_page.plain
    assert first_page.plain.index("R-000001") < first_page.plain.index("R-000002")
    assert "R-000006" not in first_page.plain
    assert [label for label in first_page.labels if "R-0000" in label] == [
        f"🔎 R-{report_id:06d} · Sri Wahyuni" for report_id in ids[:5]
    ]
    await ani.tap("Berikutnya")
    second_page = ani.last
    assert second_page.message_id == first_page.message_id
    assert "R-000006" in second_page.plain and "R-000007" in second_page.plain
    assert "R-000001" not in second_page.plain
    card = (await ani.tap("R-000007"))[-1]
    assert "Laporan R-000007" in card.plain
    assert "Jumlah: 7 kendang" in card.plain
    assert card.labels == ["✅ Terima semua", "✂️ Terima sebagian", "❌ Tolak"]


async def test_accept_all_adds_stock_credits_the_artisan_and_tells_everyone(
    bot: RunningBot,
) -> None:
    ani, budi = await admins(bot)
    sri = await active_artisan(bot)
    report_id = await make_report(bot, sri, 4, photo=True)
    stock_before, earned_before = on_hand(bot), earned(bot, sri)
    card_for_ani = await open_card(ani, report_id)
    card_for_budi = await open_card(budi, report_id)
    assert card_for_ani.photo and card_for_budi.photo
    assert "Report R-000001" in card_for_budi.plain
    assert "Artisan: Sri Wahyuni (Bengkel Sri Wahyuni, Jiwut)" in card_for_budi.plain
    assert "Model: Medium · mahogany · goatskin · painted motif" in card_for_budi.plain
    assert "Quantity: 4 drums" in card_for_budi.plain
    assert "Reported on" in card_for_budi.plain
    assert card_for_budi.labels == ["✅ Accept all", "✂️ Accept part", "❌ Reject"]

    await ani.tap("Terima semua", card_for_ani)
    assert on_hand(bot) == stock_before + 4
    assert earned(bot, sri) == earned_before + 4 * RATE
    row = report_row(bot, report_id)
    assert (row["status"], row["accepted_quantity"], row["decided_by"]) == (
        "accepted",
        4,
        ADMIN_ANI,
    )
    told = sri.last_text
    assert "Laporan R-000001 lolos cek kualitas: semua 4 kendang" in told
    assert "Sedang · mahoni · kulit kambing · motif cat" in told
    assert "Rp900.000" in told
    refreshed = bot.emulator.private_chat(ADMIN_BUDI).messages[card_for_budi.message_id]
    assert "Decided by Ani: all 4 drums accepted" in refreshed.plain
    assert "Credited: IDR900,000" in refreshed.plain
    assert refreshed.buttons == ()
    assert bot.emulator.private_chat(ADMIN_ANI).messages[card_for_ani.message_id].buttons == ()

    # Budi's old buttons, pressed anyway: told who decided what, nothing changes.
    for data in (f"qc:all:{report_id}", f"qc:part:{report_id}", f"qc:rej:{report_id}"):
        await budi.press(data, refreshed)
        assert "already decided by Ani: all 4 drums accepted" in budi.callback_answers[-1]["text"]
    assert ledger_entries(bot, report_id) == (1, 1)
    assert on_hand(bot) == stock_before + 4


async def test_partial_acceptance_takes_a_typed_count_and_a_quick_reason(bot: RunningBot) -> None:
    ani, budi = await admins(bot)
    sri = await active_artisan(bot)
    report_id = await make_report(bot, sri, 5)
    card = await open_card(ani, report_id)
    card_for_budi = await open_card(budi, report_id)
    replies = await ani.tap("Terima sebagian", card)
    assert "berapa dari 5 kendang yang lolos cek" in replies[-1].plain
    replies = await ani.send("3")
    assert "Kenapa 2 kendang lainnya tidak lolos" in replies[-1].plain
    await ani.tap("Kayu retak")
    row = report_row(bot, report_id)
    assert (row["status"], row["accepted_quantity"], row["reject_reason"]) == (
        "accepted",
        3,
        "cracked_wood",
    )
    assert on_hand(bot) == 3
    assert earned(bot, sri) == 3 * RATE
    told = sri.last_text
    assert "3 dari 5 kendang Sedang · mahoni · kulit kambing · motif cat diterima" in told
    assert "2 kendang tidak diterima" in told
    assert "Alasan: kayu retak" in told
    assert "Rp675.000 (3 x Rp225.000)" in told
    refreshed = bot.emulator.private_chat(ADMIN_BUDI).messages[card_for_budi.message_id]
    assert "Decided by Ani: 3 of 5 drums accepted" in refreshed.plain
    assert "Reason: cracked wood" in refreshed.plain
    assert refreshed.buttons == ()
    assert "Tersimpan: laporan R-000001" in ani.last_text


async def test_wrong_counts_for_a_partial_acceptance_are_asked_again(bot: RunningBot) -> None:
    ani, _ = await admins(bot)
    sri = await active_artisan(bot)
    report_id = await make_report(bot, sri, 5)
    card = await open_card(ani, report_id)
    await ani.tap("Terima sebagian", card)
    for typed in ("0", "5", "6", "abc", "-1", "2.5"):
        replies = await ani.send(typed)
        assert "Ketik angka 1 sampai 4" in replies[-1].plain
    replies = await ani.send_sticker()
    assert "Ketik angka 1 sampai 4" in replies[-1].plain
    replies = await ani.send("/review")
    assert "Anda sedang memutuskan laporan R-000001" in replies[-1].plain
    assert report_row(bot, report_id)["status"] == "pending"
    replies = await ani.send("/cancel")
    assert "Tidak ada yang diputuskan" in replies[-1].plain
    assert report_row(bot, report_id)["status"] == "pending"
    assert ledger_entries(bot, report_id) == (0, 0)
    # A report of one drum cannot be split.
    single = await make_report(bot, sri, 1)
    await ani.press(f"qc:part:{single}", await open_card(ani, single))
    assert "hanya 1 kendang" in ani.callback_answers[-1]["text"]


async def test_rejection_with_a_typed_reason_shows_it_as_typed(bot: RunningBot) -> None:
    ani, budi = await admins(bot)
    sri = await active_artisan(bot)
    report_id = await make_report(bot, sri, 2, photo=True)
    card = await open_card(ani, report_id)
    card_for_budi = await open_card(budi, report_id)
    replies = await ani.tap("Tolak", card)
    assert "Kenapa laporan R-000001 ditolak" in replies[-1].plain
    assert "Tanpa alasan" not in replies[-1].labels  # a rejection always says why
    await ani.tap("Lainnya: ketik sendiri")
    await ani.send("kulit <b>sobek</b> & lem lepas")
    row = report_row(bot, report_id)
    assert (row["status"], row["accepted_quantity"]) == ("rejected", 0)
    assert row["reject_reason"] == "kulit <b>sobek</b> & lem lepas"
    assert "laporan R-000001 (2 kendang" in sri.last_text
    assert "tidak diterima" in sri.last_text
    assert "Alasan: kulit <b>sobek</b> & lem lepas" in sri.last_text
    assert on_hand(bot) == 0 and earned(bot, sri) == 0
    refreshed = bot.emulator.private_chat(ADMIN_BUDI).messages[card_for_budi.message_id]
    assert "Decided by Ani: rejected" in refreshed.plain
    assert "Reason: kulit <b>sobek</b> & lem lepas" in refreshed.plain
    assert refreshed.photo and refreshed.buttons == ()


async def test_two_admins_deciding_at_once_make_one_decision(bot: RunningBot) -> None:
    ani, budi = await admins(bot)
    sri = await active_artisan(bot)
    report_id = await make_report(bot, sri, 3)
    card_for_ani = await open_card(ani, report_id)
    card_for_budi = await open_card(budi, report_id)
    emulator = bot.emulator
    first = emulator.press_button(ani.user_id, card_for_ani.message_id, f"qc:all:{report_id}")
    second = emulator.press_button(budi.user_id, card_for_budi.message_id, f"qc:all:{report_id}")
    await emulator.wait_confirmed(first)
    await emulator.wait_confirmed(second)
    assert ledger_entries(bot, report_id) == (1, 1)
    assert on_hand(bot) == 3
    assert earned(bot, sri) == 3 * RATE
    assert report_row(bot, report_id)["decided_by"] == ADMIN_ANI
    assert "already decided by Ani: all 3 drums accepted" in budi.callback_answers[-1]["text"]
    assert sum("lolos cek kualitas" in message.plain for message in sri.inbox) == 1
    refreshed = emulator.private_chat(ADMIN_BUDI).messages[card_for_budi.message_id]
    assert "Decided by Ani" in refreshed.plain and refreshed.buttons == ()


async def test_quality_check_buttons_from_non_admins_change_nothing(bot: RunningBot) -> None:
    ani, _ = await admins(bot)
    sri = await active_artisan(bot)
    report_id = await make_report(bot, sri, 3)
    for data in (
        f"qc:all:{report_id}",
        f"qc:part:{report_id}",
        f"qc:rej:{report_id}",
        f"qc:why:{report_id}:cracked_wood",
        f"qc:open:{report_id}",
        "qc:queue",
        "qc:page:1",
        "qc:stop",
    ):
        await sri.press(data, sri.inbox[-1])
        assert "hanya admin koperasi" in sri.callback_answers[-1]["text"], data
    replies = await sri.send("/review")
    assert "hanya admin koperasi" in replies[-1].plain
    assert report_row(bot, report_id)["status"] == "pending"
    assert ledger_entries(bot, report_id) == (0, 0)
    # Unknown reports and stale steps are answered clearly.
    await ani.press("qc:all:99999", ani.inbox[-1])
    assert "Laporan ini tidak ada" in ani.callback_answers[-1]["text"]
    await ani.press(f"qc:why:{report_id}:cracked_wood", ani.inbox[-1])
    assert "Tombol ini sudah tidak berlaku" in ani.callback_answers[-1]["text"]
    assert report_row(bot, report_id)["status"] == "pending"


async def test_a_reported_photo_reaches_every_admin_and_the_decision_edits_the_caption(
    bot: RunningBot,
) -> None:
    ani, budi = await admins(bot)
    sri = await active_artisan(bot)
    await sri.send("/report")
    await sri.tap("Sedang")
    await sri.tap("Mahoni · kulit kambing · motif cat")
    await sri.send("4")
    await sri.send_photo()
    await sri.tap("Kirim laporan")
    for_ani, for_budi = ani.last, budi.last
    assert for_ani.photo and for_budi.photo
    assert "Laporan R-000001" in for_ani.plain
    assert "Perajin: Sri Wahyuni (Bengkel Sri Wahyuni, Jiwut)" in for_ani.plain
    assert "Jumlah: 4 kendang" in for_ani.plain and "Dilaporkan" in for_ani.plain
    assert "Report R-000001" in for_budi.plain and "Quantity: 4 drums" in for_budi.plain
    assert for_budi.labels == ["✅ Accept all", "✂️ Accept part", "❌ Reject"]

    await budi.tap("Reject", for_budi)
    await budi.tap("Loose skin")
    assert report_row(bot, 1)["reject_reason"] == "loose_skin"
    assert "Alasan: kulit kendor" in sri.last_text
    caption = bot.emulator.private_chat(ADMIN_ANI).messages[for_ani.message_id]
    assert "Diputuskan oleh Budi: ditolak" in caption.plain
    assert caption.photo and caption.buttons == ()


async def test_a_decision_made_meanwhile_ends_the_other_admins_step(bot: RunningBot) -> None:
    ani, budi = await admins(bot)
    sri = await active_artisan(bot)
    report_id = await make_report(bot, sri, 3)
    card_for_ani = await open_card(ani, report_id)
    card_for_budi = await open_card(budi, report_id)
    await budi.tap("Reject", card_for_budi)
    await ani.tap("Terima semua", card_for_ani)
    await budi.tap("Wrong size")
    assert "already decided by Ani: all 3 drums accepted" in budi.callback_answers[-1]["text"]
    row = report_row(bot, report_id)
    assert (row["status"], row["reject_reason"]) == ("accepted", None)
    assert ledger_entries(bot, report_id) == (1, 1)
    replies = await budi.send("cracked")  # the step is over: not taken as a reason
    assert "use the buttons of the menu" in replies[-1].plain
    assert report_row(bot, report_id)["status"] == "accepted"


async def test_part_accepted_without_a_reason_tells_the_artisan_no_reason(bot: RunningBot) -> None:
    ani, _ = await admins(bot)
    sri = await active_artisan(bot)
    report_id = await make_report(bot, sri, 4)
    await ani.tap("Terima sebagian", await open_card(ani, report_id))
    await ani.send("3")
    await ani.tap("Tanpa alasan")
    assert report_row(bot, report_id)["reject_reason"] == "no_reason"
    assert "3 dari 4 kendang" in sri.last_text
    assert "1 kendang tidak diterima" in sri.last_text
    assert "Alasan" not in sri.last_text
    assert earned(bot, sri) == 3 * RATE
