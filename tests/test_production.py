"""An artisan's production and earnings, and the admins' stock and artisans views."""

from __future__ import annotations

from storage import Storage
from tests.conftest import RunningBot, active_artisan, active_buyer


async def accepted_report(
    bot: RunningBot, telegram_id: int, code: str, quantity: int, accept: int
) -> int:
    """Report and decide drums through the storage layer; return the model's artisan rate."""
    storage = await Storage.open(bot.settings.db_path)
    try:
        artisan = await storage.members.by_telegram_id(telegram_id)
        model = await storage.catalogue.get_by_code(code)
        assert artisan is not None and model is not None
        report, _ = await storage.reports.create(artisan.id, model.id, quantity)
        if accept:
            reason = "cracked_wood" if accept < quantity else None
            await storage.reports.decide(report.id, accept, reason, by=9001)
        return model.artisan_rate
    finally:
        await storage.close()


async def test_an_artisan_sees_this_weeks_and_months_drums_and_money(bot: RunningBot) -> None:
    sri = await active_artisan(bot)
    rate = await accepted_report(bot, sri.user_id, "DJ-M-MAH-GOAT-PAINT", 12, 10)
    await accepted_report(bot, sri.user_id, "DJ-M-MAH-GOAT-PAINT", 5, 0)
    replies = await sri.tap("Produksi dan upah saya")
    text = replies[-1].plain
    assert "Produksi Sri Wahyuni" in text
    assert "Minggu ini" in text and "Bulan ini" in text
    assert text.count("Dilaporkan: 17") == 2
    assert text.count("Diterima: 10") == 2
    assert text.count("Ditolak: 2") == 2
    assert text.count("Menunggu cek kualitas: 5") == 2
    earned = f"Rp{10 * rate:,}".replace(",", ".")
    assert f"Upah: {earned}" in text
    assert f"Belum dibayar ke Anda: {earned}" in text


async def test_the_production_view_speaks_english_to_an_english_artisan(bot: RunningBot) -> None:
    sri = await active_artisan(bot)
    await sri.send("/language")
    await sri.tap("English")
    rate = await accepted_report(bot, sri.user_id, "DJ-S-MAH-GOAT-PLAIN", 3, 3)
    replies = await sri.send("/production")
    assert f"Still to be paid to you: IDR{3 * rate:,}" in replies[-1].plain
    assert "Accepted: 3" in replies[-1].plain


async def test_only_artisans_have_production(bot: RunningBot) -> None:
    li = await active_buyer(bot)
    replies = await li.send("/production")
    assert "for the cooperative's artisans" in replies[-1].plain
    stranger = bot.person(3001, "Tom", "en")
    replies = await stranger.send("/production")
    assert "for the cooperative's artisans" in replies[-1].plain


async def test_admins_see_stock_per_model_and_non_admins_are_refused(bot: RunningBot) -> None:
    sri = await active_artisan(bot)
    await accepted_report(bot, sri.user_id, "DJ-L-MAH-COW-PLAIN", 7, 7)
    ani = bot.admin()
    replies = await ani.send("/stock")
    text = replies[-1].plain
    assert "Besar · mahoni · kulit sapi · polos: 7 · 0 · 7" in text
    assert "Tersedia seluruhnya: 7" in text
    replies = await sri.send("/stock")
    assert "hanya admin koperasi" in replies[-1].plain
    await sri.press("prod:stock", sri.last)
    assert "hanya admin koperasi" in sri.callback_answers[-1]["text"]


async def test_admins_list_artisans_and_open_one(bot: RunningBot) -> None:
    sri = await active_artisan(bot)
    budi = await active_artisan(bot, 1002, "Budi Santoso", "Ngoran")
    rate = await accepted_report(bot, budi.user_id, "DJ-S-MAH-GOAT-PLAIN", 4, 4)
    ani = bot.admin()
    replies = await ani.send("/artisans")
    text = replies[-1].plain
    assert "Budi Santoso (Ngoran): 4 diterima" in text
    assert "Sri Wahyuni (Jiwut): 0 diterima" in text
    replies = await ani.tap("Budi Santoso")
    assert "Produksi Budi Santoso" in replies[-1].plain
    owed = f"Rp{4 * rate:,}".replace(",", ".")
    assert f"Belum dibayar ke perajin: {owed}" in replies[-1].plain
    assert any("Catat pembayaran" in label for label in replies[-1].labels)
    await sri.press(f"prod:a:{1}", sri.last)
    assert "hanya admin koperasi" in sri.callback_answers[-1]["text"]
