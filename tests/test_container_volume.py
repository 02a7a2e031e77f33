"""Containers planned by volume: the type chosen at opening, how full they are, what still fits."""

from __future__ import annotations

from datetime import date

from storage.models.packing import Carton, ContainerKind, Packing, usable_cm3
from tests.conftest import ADMIN_ANI, RunningBot, active_buyer
from tests.test_containers import (
    LARGE,
    SMALL,
    confirmed_order,
    open_container,
    order_row,
    put_in,
    rows,
    second_storage,
)

MEDIUM = "DJ-M-MAH-GOAT-PLAIN"
SMALL_EN = "Small · mahogany · goatskin · plain"
MEDIUM_EN = "Medium · mahogany · goatskin · plain"
SMALL_ID = "Kecil · mahoni · kulit kambing · polos"
MEDIUM_ID = "Sedang · mahoni · kulit kambing · polos"
LARGE_ID = "Besar · mahoni · kulit kambing · polos"
# Four small drums to a carton of 60 x 60 x 50 cm = 180,000 cm³ = 0.18 m³.
SMALL_IN_CARTONS = Packing(
    diameter_cm=20,
    height_cm=40,
    net_weight_g=2500,
    gross_weight_g=3000,
    carton=Carton(per_carton=4, length_cm=60, width_cm=60, height_cm=50),
)


def test_a_part_filled_carton_takes_as_much_room_as_a_full_one() -> None:
    # 10 drums, 4 to a carton: 3 cartons (the third holds 2) of 180,000 cm³ = 540,000 cm³.
    assert SMALL_IN_CARTONS.packages(10) == 3
    assert SMALL_IN_CARTONS.cm3(10) == 540_000
    assert SMALL_IN_CARTONS.cm3(12) == 540_000
    assert SMALL_IN_CARTONS.cm3(13) == 720_000
    # 500,000 cm³ free holds 2 whole cartons (360,000), so 8 drums; a third carton does not fit.
    assert SMALL_IN_CARTONS.fits_in(500_000) == 8
    assert SMALL_IN_CARTONS.fits_in(540_000) == 12
    assert SMALL_IN_CARTONS.fits_in(0) == SMALL_IN_CARTONS.fits_in(-1) == 0
    # Loose, each small drum takes its box: 20 x 20 x 40 cm = 16,000 cm³.
    loose = SMALL_IN_CARTONS.model_copy(update={"carton": None})
    assert (loose.packages(10), loose.cm3(10), loose.fits_in(500_000)) == (10, 160_000, 31)
    # 76 m³ x 0.85 = 64.6 m³.
    assert usable_cm3(ContainerKind.HC40, 0.85) == 64_600_000


async def test_a_40_foot_high_cube_filled_by_volume_matches_the_hand_calculation(
    bot: RunningBot,
) -> None:
    ani = bot.admin()
    li = await active_buyer(bot)
    await confirmed_order(bot, li, MEDIUM, 1000, backorder=True)
    await confirmed_order(bot, li, SMALL, 500, backorder=True)
    container = await open_container(ani, kind="40' HC", capacity="5.000")
    await put_in(ani, container, "O-000001", "O-000002")
    assert rows(bot, "SELECT kind, capacity FROM containers") == [("40hc", 5000)]

    # By hand, every drum loose in the box around it:
    #   usable: 76 m³ x 0.85 = 64.6 m³ = 64,600,000 cm³
    #   medium 26 x 26 x 50 cm = 33,800 cm³; 1,000 of them = 33,800,000 cm³ = 33.8 m³
    #   small  20 x 20 x 40 cm = 16,000 cm³;   500 of them =  8,000,000 cm³ =  8.0 m³
    #   used: 41,800,000 cm³ = 41.8 m³, 41.8 / 64.6 = 64.7%, shown as 64%
    #   free: 64,600,000 - 41,800,000 = 22,800,000 cm³ = 22.8 m³
    #   still fits, medium: 22,800,000 // 33,800 = 674 (674 x 33,800 = 22,781,200; 675 is over)
    #   still fits, small:  22,800,000 // 16,000 = 1,425 (exactly 22,800,000)
    await li.send("/containers")
    await li.tap("C-000001")
    view = li.last_text
    for line in (
        "Capacity: 5,000 drums",
        "Container type: 40' HC · 76 m³ · 64.6 m³ usable",
        "Drums planned: 1,500",
        "📦 Volume used: 41.8 m³ of 64.6 m³ usable (64%)",
        "Still fits in the free 22.8 m³ (one model at a time):\n"
        f"• 1,425 more of {SMALL_EN}\n"
        f"• 674 more of {MEDIUM_EN}",
    ):
        assert line in view, line

    await ani.press(f"box:see:{container}")
    admin_view = ani.last_text
    assert "Jenis kontainer: 40' HC · 76 m³ · 64,6 m³ bisa diisi" in admin_view
    assert "📦 Volume terisi: 41,8 m³ dari 64,6 m³ yang bisa diisi (64%)" in admin_view
    assert f"• {SMALL_ID}: 1.425 kendang lagi" in admin_view
    assert f"• {MEDIUM_ID}: 674 kendang lagi" in admin_view


async def test_an_order_that_would_overfill_is_put_in_only_once_confirmed(bot: RunningBot) -> None:
    ani = bot.admin()
    li = await active_buyer(bot)
    wang = await active_buyer(bot, 2002, "Wang Fang")
    await confirmed_order(bot, li, MEDIUM, 1000, backorder=True)
    await confirmed_order(bot, li, SMALL, 500, backorder=True)
    large = await confirmed_order(bot, li, LARGE, 400, backorder=True)
    container = await open_container(ani, kind="40' HC", capacity="5.000")
    await put_in(ani, container, "O-000001", "O-000002")

    # As above, 41.8 of 64.6 m³ used and 22.8 m³ free. The large order waiting:
    #   large 32 x 32 x 60 cm = 61,440 cm³; still fits 22,800,000 // 61,440 = 371
    #   (371 x 61,440 = 22,794,240; 372 is over); its 400 drums take 24,576,000 cm³ = 24.58 m³,
    #   1,776,000 cm³ = 1.78 m³ more than is free.
    choice = ani.last_text
    assert "Sisa tempat: 3.500 dari 5.000" in choice
    assert "📦 Volume terisi: 41,8 m³ dari 64,6 m³ yang bisa diisi (64%)" in choice
    assert f"• {LARGE_ID}: 371 kendang lagi" in choice

    await ani.tap("O-000003")
    warning = ani.last_text
    assert "⚠️ O-000003 akan membuat C-000001 kelebihan 1,78 m³." in warning
    assert "butuh 24,58 m³, padahal sisa volume hanya 22,8 m³ dari 64,6 m³" in warning
    assert ani.last.labels == ["✅ Tetap masukkan", "⬅️ Kembali"]
    assert order_row(bot, large) == ("backordered", 0, 0, None)

    # Back changes nothing; nor does anyone but an admin confirming.
    await ani.tap("Kembali")
    assert "Tambah pesanan ke C-000001" in ani.last_text
    assert "⚠️" not in ani.last_text
    await ani.tap("O-000003")
    for stranger in (li, wang):
        await stranger.press(f"box:putx:{container}:{large}")
        refusal = stranger.callback_answers[-1]["text"]
        assert refusal == "Sorry, only the cooperative's admins can do that."
    assert order_row(bot, large) == ("backordered", 0, 0, None)

    await ani.tap("Tetap masukkan")
    assert "O-000003 sudah masuk." in ani.callback_answers[-1]["text"]
    assert order_row(bot, large) == ("in_container", 0, 0, container)
    # 41.8 + 24.576 = 66.376 m³ used, 102.7% of 64.6, 1.776 m³ over.
    screen = ani.last_text
    assert "📦 Volume terisi: 66,38 m³ dari 64,6 m³ yang bisa diisi (102%)" in screen
    assert "⚠️ Melebihi volume yang bisa diisi sebanyak 1,78 m³." in screen
    assert "kendang lagi" not in screen
    # The confirmation tapped again moves nothing twice.
    await ani.press(f"box:putx:{container}:{large}")
    assert "O-000003 tidak bisa dipindah" in ani.callback_answers[-1]["text"]
    assert order_row(bot, large) == ("in_container", 0, 0, container)


async def test_cartons_in_a_20_foot_container_round_up_per_order(bot: RunningBot) -> None:
    ani = bot.admin()
    li = await active_buyer(bot)
    async with second_storage(bot) as storage:
        small = await storage.catalogue.get_by_code(SMALL)
        assert small is not None
        await storage.catalogue.set_packing(small.id, SMALL_IN_CARTONS)
    await confirmed_order(bot, li, SMALL, 10, backorder=True)
    await confirmed_order(bot, li, SMALL, 10, backorder=True)
    too_many = await confirmed_order(bot, li, LARGE, 500, backorder=True)
    container = await open_container(ani, kind="20' GP", capacity="30")
    assert rows(bot, "SELECT kind FROM containers") == [("20gp",)]
    await put_in(ani, container, "O-000001", "O-000002")

    # By hand: usable 33 m³ x 0.85 = 28.05 m³ = 28,050,000 cm³. Each order of 10 small drums
    # fills 3 cartons (4 + 4 + 2), so 6 cartons x 180,000 cm³ = 1,080,000 cm³ = 1.08 m³ (not
    # the 5 cartons, 0.9 m³, that 20 drums would pack into together); 1.08 / 28.05 = 3.9%,
    # shown as 3%. Free: 26,970,000 cm³ = 26.97 m³, for 26,970,000 // 180,000 = 149 whole
    # cartons (26,820,000 cm³; 150 would be 27,000,000), so 149 x 4 = 596 more small drums.
    li.language_code = "zh"
    await li.press(f"box:see:{container}")
    view = li.last_text
    assert "货柜类型：20GP 小柜 · 33 m³ · 可装 28.05 m³" in view
    assert "📦 已用容积：1.08 m³ / 可装 28.05 m³（3%）" in view
    assert "剩余 26.97 m³ 还能装（只装一种款式时）：\n• 小号" in view
    assert "：还能装 596 面" in view

    # 500 large drums would overfill it by volume too, but the drum count refuses them first,
    # as before: 30 - 20 = 10 drums of room.
    await ani.tap("O-000003")
    answer = ani.callback_answers[-1]
    assert answer["show_alert"]
    assert answer["text"] == (
        "O-000003 tidak muat: C-000001 hanya punya tempat untuk 10 kendang lagi."
    )
    assert "kelebihan" not in ani.last_text
    assert order_row(bot, too_many) == ("backordered", 0, 0, None)


async def test_a_container_opened_without_a_type_is_a_40_foot_high_cube(
    bot: RunningBot,
) -> None:
    ani = bot.admin()
    li = await active_buyer(bot)
    async with second_storage(bot) as storage:
        buyer = await storage.members.by_telegram_id(li.user_id)
        assert buyer is not None
        box = await storage.containers.create(buyer.id, "Ningbo", date(2031, 1, 31), by=ADMIN_ANI)
    assert box.kind is ContainerKind.HC40
    await ani.send("/containers")
    await ani.press(f"box:see:{box.id}")
    assert "Jenis kontainer: 40' HC" in ani.last_text
    assert "📦 Volume terisi: 0 m³ dari 64,6 m³ yang bisa diisi (0%)" in ani.last_text
    assert "Sisa volume" not in ani.last_text  # no model in it yet
