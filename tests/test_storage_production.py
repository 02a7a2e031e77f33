"""Production storage against a real SQLite file: catalogue, reports, decisions, ledgers."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from storage import DatabaseTooNewError, Storage
from storage.catalogue import SIZE_DIMENSIONS, ModelExistsError, model_code
from storage.db import Database
from storage.earnings import OverpaymentError
from storage.migrations import available_migrations, migrate, schema_version
from storage.models.catalogue import DrumHead, DrumModel, DrumSize, Finish, Wood
from storage.models.members import ArtisanApplication, MemberStatus
from storage.models.reports import CancelOutcome, ReportStatus, report_reference
from storage.models.stock import StockMovementKind
from storage.reports import ModelUnavailableError, NotAnActiveArtisanError
from storage.stock import InsufficientStockError, move_stock
from tests.conftest import Clock

ADMIN = 9001
OTHER_ADMIN = 9002
JAKARTA = timezone(timedelta(hours=7))


async def _artisan(
    storage: Storage, telegram_id: int = 100, name: str = "Sri", *, active: bool = True
) -> int:
    await storage.people.seen(telegram_id, name, None, "id")
    member = await storage.members.register_artisan(
        telegram_id, ArtisanApplication(name=name, village="Jiwut", workshop=f"Kendang {name}")
    )
    if active:
        await storage.members.change_status(
            member.id, MemberStatus.ACTIVE, expected=MemberStatus.PENDING, by=ADMIN
        )
    return member.id


async def _model(storage: Storage, code: str = "DJ-S-MAH-GOAT-PLAIN") -> DrumModel:
    model = await storage.catalogue.get_by_code(code)
    assert model is not None
    return model


async def _accepted(storage: Storage, artisan_id: int, model_id: int, quantity: int) -> int:
    report, _ = await storage.reports.create(artisan_id, model_id, quantity)
    decision = await storage.reports.decide(report.id, quantity, None, by=ADMIN)
    assert decision is not None and decision.decided
    return report.id


async def _assert_balances_equal_ledgers(storage: Storage) -> None:
    stock_drift = await storage.db.fetch_value(
        "SELECT COUNT(*) FROM drum_models d"
        " LEFT JOIN stock_balances b ON b.model_id = d.id"
        " LEFT JOIN (SELECT model_id, SUM(on_hand_delta) AS on_hand,"
        "     SUM(reserved_delta) AS reserved FROM stock_movements GROUP BY model_id) s"
        "   ON s.model_id = d.id"
        " WHERE COALESCE(b.on_hand, 0) != COALESCE(s.on_hand, 0)"
        "    OR COALESCE(b.reserved, 0) != COALESCE(s.reserved, 0)"
    )
    money_drift = await storage.db.fetch_value(
        "SELECT COUNT(*) FROM members m"
        " LEFT JOIN artisan_balances b ON b.artisan_id = m.id"
        " LEFT JOIN (SELECT artisan_id, SUM(amount) AS owed,"
        "     SUM(amount) FILTER (WHERE kind != 'payment') AS earned,"
        "     -SUM(amount) FILTER (WHERE kind = 'payment') AS paid"
        "     FROM earnings_entries GROUP BY artisan_id) e ON e.artisan_id = m.id"
        " WHERE COALESCE(b.earned - b.paid, 0) != COALESCE(e.owed, 0)"
        "    OR COALESCE(b.earned, 0) != COALESCE(e.earned, 0)"
        "    OR COALESCE(b.paid, 0) != COALESCE(e.paid, 0)"
    )
    assert (stock_drift, money_drift) == (0, 0)


async def _ledger_counts(storage: Storage) -> tuple[int, int]:
    movements = await storage.db.fetch_value("SELECT COUNT(*) FROM stock_movements")
    entries = await storage.db.fetch_value("SELECT COUNT(*) FROM earnings_entries")
    return int(movements), int(entries)


# The catalogue


async def test_the_default_catalogue_is_seeded_with_sensible_models(storage: Storage) -> None:
    models = await storage.catalogue.list_active()
    assert 12 <= len(models) <= 16
    sizes = [model.size for model in models]
    assert sizes == sorted(sizes, key=list(DrumSize).index)
    for model in models:
        assert model.code == model_code(model.size, model.wood, model.head, model.finish)
        assert model.artisan_rate % 1000 == 0 and model.buyer_price % 1000 == 0
        assert 0.55 <= model.artisan_rate / model.buyer_price <= 0.65, model.code
        assert [p.artisan_rate for p in await storage.catalogue.price_history(model.id)] == [
            model.artisan_rate
        ]
    price = {model.code: model.buyer_price for model in models}
    assert 150_000 <= price["DJ-S-MAH-GOAT-PLAIN"] <= 250_000
    assert price["DJ-L-MAH-GOAT-PLAIN"] == 500_000
    assert price["DJ-S-MGO-GOAT-PLAIN"] == min(price.values())
    assert price["DJ-L-NGK-GOAT-CARVE"] == max(price.values())
    assert price["DJ-M-NGK-GOAT-PLAIN"] > price["DJ-M-MAH-GOAT-PLAIN"]
    assert (
        price["DJ-M-MAH-GOAT-CARVE"] > price["DJ-M-MAH-GOAT-PAINT"] > price["DJ-M-MAH-GOAT-PLAIN"]
    )
    assert {model.head for model in models if model.size is DrumSize.LARGE} == set(DrumHead)


def test_codes_are_built_from_the_attributes() -> None:
    assert model_code(DrumSize.SMALL, Wood.MAHOGANY, DrumHead.GOAT, Finish.PLAIN) == (
        "DJ-S-MAH-GOAT-PLAIN"
    )
    assert model_code(DrumSize.LARGE, Wood.JACKFRUIT, DrumHead.COW, Finish.CARVED) == (
        "DJ-L-NGK-COW-CARVE"
    )
    assert model_code(DrumSize.MEDIUM, Wood.MANGO, DrumHead.GOAT, Finish.PAINTED) == (
        "DJ-M-MGO-GOAT-PAINT"
    )
    assert SIZE_DIMENSIONS[DrumSize.MEDIUM].head_min_cm == 22
    assert [SIZE_DIMENSIONS[size].height_cm for size in DrumSize] == [40, 50, 60]
    assert report_reference(123) == "R-000123"


async def test_an_added_model_takes_its_place_and_a_duplicate_is_refused(
    storage: Storage,
) -> None:
    added = await storage.catalogue.add(
        DrumSize.MEDIUM, Wood.MANGO, DrumHead.COW, Finish.PAINTED, 180_000, 300_000, by=ADMIN
    )
    assert added.code == "DJ-M-MGO-COW-PAINT"
    assert added.active
    assert await storage.catalogue.get_by_code(" dj-m-mgo-cow-paint ") == added
    codes = [model.code for model in await storage.catalogue.list_active()]
    mediums = [code for code in codes if code.startswith("DJ-M-")]
    assert mediums == sorted(mediums)
    assert codes.index("DJ-M-MGO-COW-PAINT") < codes.index("DJ-L-MAH-COW-PLAIN")

    with pytest.raises(ModelExistsError) as existing:
        await storage.catalogue.add(
            DrumSize.MEDIUM, Wood.MANGO, DrumHead.COW, Finish.PAINTED, 1_000, 2_000, by=ADMIN
        )
    assert existing.value.existing.id == added.id
    await storage.catalogue.retire(added.id, by=ADMIN)
    with pytest.raises(ModelExistsError, match="restore") as retired:
        await storage.catalogue.add(
            DrumSize.MEDIUM, Wood.MANGO, DrumHead.COW, Finish.PAINTED, 1_000, 2_000, by=ADMIN
        )
    assert not retired.value.existing.active
    with pytest.raises(ValueError, match="below the buyer price"):
        await storage.catalogue.add(
            DrumSize.SMALL, Wood.JACKFRUIT, DrumHead.COW, Finish.PLAIN, 300_000, 250_000, by=ADMIN
        )
    assert len(await storage.catalogue.all_models()) == 17


async def test_a_price_change_applies_from_now_on_and_accepted_reports_keep_their_rate(
    storage: Storage,
) -> None:
    sri = await _artisan(storage)
    model = await _model(storage)
    before = await _accepted(storage, sri, model.id, 2)
    waiting, _ = await storage.reports.create(sri, model.id, 3)

    changed = await storage.catalogue.set_prices(model.id, artisan_rate=130_000, by=ADMIN)
    assert changed is not None
    assert (changed.artisan_rate, changed.buyer_price) == (130_000, model.buyer_price)
    decision = await storage.reports.decide(waiting.id, 3, None, by=ADMIN)

    assert decision is not None
    assert decision.report.rate == 130_000
    kept = await storage.reports.get(before)
    assert kept is not None and kept.rate == model.artisan_rate
    balance = await storage.earnings.balance(sri)
    assert balance.earned == 2 * model.artisan_rate + 3 * 130_000
    history = await storage.catalogue.price_history(model.id)
    assert [(p.artisan_rate, p.changed_by) for p in history] == [
        (model.artisan_rate, None),
        (130_000, ADMIN),
    ]
    with pytest.raises(ValueError, match="below the buyer price"):
        await storage.catalogue.set_prices(model.id, buyer_price=100_000, by=ADMIN)
    assert await storage.catalogue.get(model.id) == changed
    assert await storage.catalogue.set_prices(999, buyer_price=1, by=ADMIN) is None


async def test_a_retired_model_leaves_the_lists_keeps_its_history_and_restore_undoes(
    storage: Storage,
) -> None:
    sri = await _artisan(storage)
    model = await _model(storage)
    report = await _accepted(storage, sri, model.id, 4)
    assert model in await storage.catalogue.recent_for_artisan(sri)

    retired = await storage.catalogue.retire(model.id, by=ADMIN)
    assert retired is not None and retired.changed and not retired.model.active
    assert model.id not in [m.id for m in await storage.catalogue.list_active()]
    assert await storage.catalogue.recent_for_artisan(sri) == []
    assert (await storage.reports.get(report)) is not None
    in_stock = {balance.model.id: balance for balance in await storage.stock.balances()}
    assert in_stock[model.id].on_hand == 4
    with pytest.raises(ModelUnavailableError):
        await storage.reports.create(sri, model.id, 1)
    again = await storage.catalogue.retire(model.id, by=OTHER_ADMIN)
    assert again is not None and not again.changed

    restored = await storage.catalogue.restore(model.id, by=ADMIN)
    assert restored is not None and restored.changed and restored.model.active
    assert [m.id for m in await storage.catalogue.recent_for_artisan(sri)] == [model.id]
    assert model.id in [m.id for m in await storage.catalogue.list_active()]
    history = await storage.db.fetch_all(
        "SELECT active, changed_by FROM model_status_changes WHERE model_id = ? ORDER BY id",
        (model.id,),
    )
    assert [tuple(row) for row in history] == [(0, ADMIN), (1, ADMIN)]


async def test_recent_models_are_the_artisans_own_latest_first(storage: Storage) -> None:
    sri, budi = await _artisan(storage), await _artisan(storage, 101, "Budi")
    first, second, third = [m.id for m in (await storage.catalogue.list_active())[:3]]
    for model_id in (first, second, first, third):
        await storage.reports.create(sri, model_id, 1)
    mistake, _ = await storage.reports.create(sri, second, 1)
    await storage.reports.cancel(mistake.id, sri)
    await storage.reports.create(budi, second, 1)

    recent = await storage.catalogue.recent_for_artisan(sri)
    assert [m.id for m in recent] == [third, first, second]
    assert [m.id for m in await storage.catalogue.recent_for_artisan(sri, limit=1)] == [third]


async def test_a_photo_can_be_set_and_removed(storage: Storage) -> None:
    model = await _model(storage)
    with_photo = await storage.catalogue.set_photo(model.id, "AgAC-photo")
    assert with_photo is not None and with_photo.photo_file_id == "AgAC-photo"
    without = await storage.catalogue.set_photo(model.id, None)
    assert without is not None and without.photo_file_id is None


# Reports


async def test_the_same_client_key_makes_one_report(storage: Storage) -> None:
    sri = await _artisan(storage)
    model = await _model(storage)
    first, created = await storage.reports.create(sri, model.id, 5, client_key="draft-1")
    again, created_again = await storage.reports.create(sri, model.id, 5, client_key="draft-1")
    assert (created, created_again) == (True, False)
    assert again == first
    racing = await asyncio.gather(
        *(storage.reports.create(sri, model.id, 2, client_key="draft-2") for _ in range(3))
    )
    assert [created for _, created in racing].count(True) == 1
    assert len({report.id for report, _ in racing}) == 1
    assert await storage.reports.pending_count() == 2
    budi = await _artisan(storage, 101, "Budi")
    with pytest.raises(ValueError, match="another artisan"):
        await storage.reports.create(budi, model.id, 5, client_key="draft-1")


async def test_only_an_active_artisan_reports_and_only_active_models(storage: Storage) -> None:
    waiting = await _artisan(storage, active=False)
    model = await _model(storage)
    with pytest.raises(NotAnActiveArtisanError):
        await storage.reports.create(waiting, model.id, 1)
    sri = await _artisan(storage, 101)
    with pytest.raises(ModelUnavailableError):
        await storage.reports.create(sri, 999, 1)
    with pytest.raises(ValueError, match="at least one"):
        await storage.reports.create(sri, model.id, 0)
    assert await storage.reports.pending_count() == 0


async def test_accepting_puts_drums_in_stock_and_credits_the_artisan_once(
    storage: Storage,
) -> None:
    sri = await _artisan(storage)
    model = await _model(storage)
    report, _ = await storage.reports.create(sri, model.id, 6, photo_file_id="AgAC-drums")

    decision = await storage.reports.decide(report.id, 6, None, by=ADMIN)
    repeated = await storage.reports.decide(report.id, 6, None, by=ADMIN)

    assert decision is not None and decision.decided
    assert decision.report.status is ReportStatus.ACCEPTED
    assert (decision.report.accepted_quantity, decision.report.rate) == (6, model.artisan_rate)
    assert decision.report.amount == 6 * model.artisan_rate
    assert repeated is not None and not repeated.decided
    balance = await storage.stock.balance(model.id)
    assert balance is not None and (balance.on_hand, balance.available) == (6, 6)
    assert (await storage.earnings.balance(sri)).owed == 6 * model.artisan_rate
    assert await _ledger_counts(storage) == (1, 1)
    [movement] = await storage.stock.movements(model.id)
    assert (movement.kind, movement.report_id, movement.created_by) == (
        StockMovementKind.ACCEPTED,
        report.id,
        ADMIN,
    )
    [credit] = await storage.earnings.entries(sri)
    assert (credit.amount, credit.report_id) == (6 * model.artisan_rate, report.id)


async def test_a_partial_acceptance_credits_only_the_accepted_drums(storage: Storage) -> None:
    sri = await _artisan(storage)
    model = await _model(storage)
    report, _ = await storage.reports.create(sri, model.id, 10)
    with pytest.raises(ValueError, match="say why"):
        await storage.reports.decide(report.id, 7, None, by=ADMIN)
    with pytest.raises(ValueError, match="between 0 and 10"):
        await storage.reports.decide(report.id, 11, None, by=ADMIN)

    decision = await storage.reports.decide(report.id, 7, "  3 cracked heads ", by=ADMIN)

    assert decision is not None and decision.decided
    decided = decision.report
    assert (decided.status, decided.accepted_quantity, decided.rejected_quantity) == (
        ReportStatus.ACCEPTED,
        7,
        3,
    )
    assert decided.reject_reason == "3 cracked heads"
    balance = await storage.stock.balance(model.id)
    assert balance is not None and balance.on_hand == 7
    assert (await storage.earnings.balance(sri)).earned == 7 * model.artisan_rate


async def test_a_rejection_needs_a_reason_and_touches_no_ledger(storage: Storage) -> None:
    sri = await _artisan(storage)
    model = await _model(storage)
    report, _ = await storage.reports.create(sri, model.id, 4)
    with pytest.raises(ValueError, match="say why"):
        await storage.reports.decide(report.id, 0, "  ", by=ADMIN)
    unchanged = await storage.reports.get(report.id)
    assert unchanged is not None and unchanged.status is ReportStatus.PENDING
    with pytest.raises(ValueError, match="only for drums not accepted"):
        await storage.reports.decide(report.id, 4, "fine", by=ADMIN)

    decision = await storage.reports.decide(report.id, 0, "wood not dry", by=ADMIN)

    assert decision is not None and decision.decided
    assert decision.report.status is ReportStatus.REJECTED
    assert (decision.report.accepted_quantity, decision.report.rejected_quantity) == (0, 4)
    assert decision.report.rate is None
    assert await _ledger_counts(storage) == (0, 0)
    assert (await storage.earnings.balance(sri)).owed == 0
    assert await storage.reports.decide(999, 1, None, by=ADMIN) is None


async def test_two_admins_deciding_at_once_make_one_decision_and_the_other_learns_who(
    storage: Storage,
) -> None:
    sri = await _artisan(storage)
    model = await _model(storage)
    report, _ = await storage.reports.create(sri, model.id, 5)

    accept, reject = await asyncio.gather(
        storage.reports.decide(report.id, 5, None, by=ADMIN),
        storage.reports.decide(report.id, 0, "bad skins", by=OTHER_ADMIN),
    )

    assert accept is not None and reject is not None
    assert [accept.decided, reject.decided] == [True, False]
    assert reject.report.decided_by == ADMIN
    assert reject.report.status is ReportStatus.ACCEPTED
    assert await _ledger_counts(storage) == (1, 1)
    assert (await storage.earnings.balance(sri)).earned == 5 * model.artisan_rate


async def test_an_artisan_cancels_only_their_own_pending_report(storage: Storage) -> None:
    sri, budi = await _artisan(storage), await _artisan(storage, 101, "Budi")
    model = await _model(storage)
    report, _ = await storage.reports.create(sri, model.id, 2)

    not_yours = await storage.reports.cancel(report.id, budi)
    cancelled = await storage.reports.cancel(report.id, sri)
    twice = await storage.reports.cancel(report.id, sri)

    assert (not_yours.outcome, not_yours.report) == (CancelOutcome.NOT_YOURS, None)
    assert cancelled.outcome is CancelOutcome.CANCELLED
    assert cancelled.report is not None and cancelled.report.status is ReportStatus.CANCELLED
    assert twice.outcome is CancelOutcome.ALREADY_DECIDED
    late = await storage.reports.decide(report.id, 2, None, by=ADMIN)
    assert late is not None and not late.decided
    assert late.report.status is ReportStatus.CANCELLED and late.report.decided_by is None
    accepted = await _accepted(storage, sri, model.id, 1)
    too_late = await storage.reports.cancel(accepted, sri)
    assert too_late.outcome is CancelOutcome.ALREADY_DECIDED
    assert too_late.report is not None and too_late.report.decided_by == ADMIN
    assert (await storage.reports.cancel(999, sri)).outcome is CancelOutcome.NOT_FOUND
    assert await _ledger_counts(storage) == (1, 1)


async def test_the_review_queue_is_oldest_first_with_what_admins_need(storage: Storage) -> None:
    sri, budi = await _artisan(storage), await _artisan(storage, 101, "Budi")
    small, large = await _model(storage), await _model(storage, "DJ-L-MAH-COW-PLAIN")
    first, _ = await storage.reports.create(sri, small.id, 3)
    decided = await _accepted(storage, budi, small.id, 1)
    second, _ = await storage.reports.create(budi, large.id, 2)
    third, _ = await storage.reports.create(sri, large.id, 1)

    queue = await storage.reports.review_queue(limit=2)
    rest = await storage.reports.review_queue(limit=2, offset=2)

    assert [view.report.id for view in queue] == [first.id, second.id]
    assert [view.report.id for view in rest] == [third.id]
    assert await storage.reports.pending_count() == 3
    view = queue[1]
    assert (view.artisan_name, view.village, view.workshop) == ("Budi", "Jiwut", "Kendang Budi")
    assert (view.artisan_telegram_id, view.model.code) == (101, "DJ-L-MAH-COW-PLAIN")
    assert view.report.reference == report_reference(second.id)
    mine = await storage.reports.for_artisan(budi)
    assert [v.report.id for v in mine] == [second.id, decided]
    await storage.reports.add_message(first.id, ADMIN, 55)
    await storage.reports.add_message(first.id, ADMIN, 55)
    await storage.reports.add_message(first.id, OTHER_ADMIN, 56)
    assert sorted(await storage.reports.messages(first.id)) == [(ADMIN, 55), (OTHER_ADMIN, 56)]


# Ledgers


async def test_a_stock_correction_below_zero_is_refused_and_nothing_changes(
    storage: Storage,
) -> None:
    sri = await _artisan(storage)
    model = await _model(storage)
    await _accepted(storage, sri, model.id, 5)

    with pytest.raises(InsufficientStockError) as refused:
        await storage.stock.correct(model.id, -6, "counted the shed", by=ADMIN)

    assert (refused.value.on_hand, refused.value.available) == (5, 5)
    balance = await storage.stock.balance(model.id)
    assert balance is not None and balance.on_hand == 5
    assert await _ledger_counts(storage) == (1, 1)
    with pytest.raises(ValueError, match="reason"):
        await storage.stock.correct(model.id, -1, " ", by=ADMIN)
    corrected = await storage.stock.correct(model.id, -2, "two dropped in the rain", by=ADMIN)
    assert corrected is not None and corrected.kind is StockMovementKind.CORRECTION
    balance = await storage.stock.balance(model.id)
    assert balance is not None and balance.on_hand == 3
    assert [m.on_hand_delta for m in await storage.stock.movements(model.id)] == [-2, 5]
    assert await storage.stock.correct(999, 1, "x", by=ADMIN) is None


async def test_reserved_stock_never_exceeds_what_is_on_hand(storage: Storage) -> None:
    sri = await _artisan(storage)
    model = await _model(storage)
    await _accepted(storage, sri, model.id, 4)

    async with storage.db.transaction() as connection:
        await move_stock(
            connection, model.id, StockMovementKind.RESERVED, reserved_delta=3, order_id=1
        )

    async def reserve_two_orders() -> None:
        async with storage.db.transaction() as connection:
            for order_id in (2, 3):
                await move_stock(
                    connection,
                    model.id,
                    StockMovementKind.RESERVED,
                    reserved_delta=1,
                    order_id=order_id,
                )

    with pytest.raises(InsufficientStockError):
        await reserve_two_orders()
    with pytest.raises(InsufficientStockError):
        await storage.stock.correct(model.id, -2, "miscounted", by=ADMIN)

    balance = await storage.stock.balance(model.id)
    assert balance is not None
    assert (balance.on_hand, balance.reserved, balance.available) == (4, 3, 1)
    await _assert_balances_equal_ledgers(storage)


async def test_the_database_itself_refuses_negative_stock_and_edits_of_the_ledgers(
    storage: Storage,
) -> None:
    sri = await _artisan(storage)
    model = await _model(storage)
    await _accepted(storage, sri, model.id, 2)
    for statement in (
        "INSERT INTO stock_movements (model_id, kind, on_hand_delta, reserved_delta, reason,"
        f" created_at) VALUES ({model.id}, 'correction', -3, 0, 'x', '2025-01-01')",
        "UPDATE stock_movements SET on_hand_delta = 200",
        "DELETE FROM earnings_entries",
        "INSERT INTO earnings_entries (artisan_id, kind, amount, paid_on, created_at)"
        f" VALUES ({sri}, 'payment', -999999999, '2025-01-01', '2025-01-01')",
    ):
        with pytest.raises(sqlite3.IntegrityError):
            async with storage.db.transaction() as connection:
                await connection.execute(statement)
    assert await _ledger_counts(storage) == (1, 1)
    await _assert_balances_equal_ledgers(storage)


async def test_a_payment_of_more_than_is_owed_is_refused(storage: Storage) -> None:
    sri = await _artisan(storage)
    model = await _model(storage)
    await _accepted(storage, sri, model.id, 2)
    owed = 2 * model.artisan_rate

    with pytest.raises(OverpaymentError) as refused:
        await storage.earnings.record_payment(sri, owed + 1, date(2025, 3, 5), by=ADMIN)
    assert refused.value.owed == owed
    with pytest.raises(ValueError, match="positive"):
        await storage.earnings.record_payment(sri, 0, date(2025, 3, 5), by=ADMIN)
    assert await _ledger_counts(storage) == (1, 1)

    payment = await storage.earnings.record_payment(
        sri, 100_000, date(2025, 3, 5), " cash ", by=ADMIN
    )
    rest = await storage.earnings.record_payment(sri, owed - 100_000, date(2025, 3, 6), by=ADMIN)

    assert (payment.amount, payment.paid_on, payment.note) == (-100_000, date(2025, 3, 5), "cash")
    balance = await storage.earnings.balance(sri)
    assert (balance.earned, balance.paid, balance.owed) == (owed, owed, 0)
    assert [e.id for e in await storage.earnings.entries(sri)][:2] == [rest.id, payment.id]
    with pytest.raises(OverpaymentError):
        await storage.earnings.record_payment(sri, 1, date(2025, 3, 7), by=ADMIN)


async def test_balances_always_equal_the_sums_of_the_ledgers(storage: Storage) -> None:
    artisans = [await _artisan(storage, 100 + n, f"A{n}") for n in range(3)]
    models = await storage.catalogue.list_active()
    for n in range(12):
        artisan, model = artisans[n % 3], models[n % 5]
        report, _ = await storage.reports.create(artisan, model.id, 1 + n)
        if n % 4 == 0:
            await storage.reports.decide(report.id, 1 + n, None, by=ADMIN)
        elif n % 4 == 1:
            await storage.reports.decide(report.id, n // 2, "cracks", by=ADMIN)
        elif n % 4 == 2:
            await storage.reports.decide(report.id, 0, "wet", by=ADMIN)
        if n % 5 == 0:
            await storage.catalogue.set_prices(
                model.id, artisan_rate=model.artisan_rate + 1000, by=ADMIN
            )
    for artisan in artisans:
        owed = (await storage.earnings.balance(artisan)).owed
        if owed:
            await storage.earnings.record_payment(artisan, owed // 2, date(2025, 3, 1), by=ADMIN)
    await storage.stock.correct(models[0].id, 1, "found one", by=ADMIN)

    await _assert_balances_equal_ledgers(storage)
    credited = await storage.db.fetch_value(
        "SELECT SUM(accepted_quantity * rate) FROM reports WHERE status = 'accepted'"
    )
    assert credited == sum([(await storage.earnings.balance(a)).earned for a in artisans])


# Figures


async def test_production_figures_count_the_drums_and_money_of_the_period(
    storage: Storage, clock: Clock
) -> None:
    sri, budi = await _artisan(storage), await _artisan(storage, 101, "Budi")
    model = await _model(storage)
    rate = model.artisan_rate
    week_start = datetime(2025, 3, 3, tzinfo=JAKARTA)
    week_end = week_start + timedelta(days=7)

    clock.at(week_start - timedelta(minutes=1))
    earlier, _ = await storage.reports.create(sri, model.id, 8)
    clock.at(week_start)
    await _accepted(storage, sri, model.id, 5)
    await storage.reports.decide(earlier.id, 8, None, by=ADMIN)
    partial, _ = await storage.reports.create(sri, model.id, 10)
    await storage.reports.decide(partial.id, 7, "cracks", by=ADMIN)
    rejected, _ = await storage.reports.create(sri, model.id, 4)
    await storage.reports.decide(rejected.id, 0, "wet wood", by=ADMIN)
    await storage.reports.create(sri, model.id, 3)
    cancelled, _ = await storage.reports.create(sri, model.id, 6)
    await storage.reports.cancel(cancelled.id, sri)
    await storage.reports.create(budi, model.id, 9)
    await storage.earnings.record_payment(sri, 100_000, date(2025, 3, 4), by=ADMIN)
    clock.at(week_end)
    await storage.reports.create(sri, model.id, 20)
    await storage.earnings.record_payment(sri, 50_000, date(2025, 3, 10), by=ADMIN)

    week = await storage.figures.production(sri, week_start, week_end)

    assert (week.reported, week.accepted, week.rejected, week.pending) == (22, 12, 7, 3)
    assert week.earned == (8 + 5 + 7) * rate
    assert week.paid == 100_000
    assert week.owed == (8 + 5 + 7) * rate - 150_000
    before = await storage.figures.production(sri, week_start - timedelta(days=7), week_start)
    assert (before.reported, before.accepted, before.earned, before.paid) == (8, 8, 0, 0)
    nobody = await storage.figures.production(999, week_start, week_end)
    assert (nobody.reported, nobody.earned, nobody.owed) == (0, 0, 0)
    with pytest.raises(ValueError, match="timezone"):
        await storage.figures.production(sri, datetime(2025, 3, 3), week_end)


async def test_the_admins_period_list_has_every_active_artisan(
    storage: Storage, clock: Clock
) -> None:
    sri = await _artisan(storage, 100, "Sri")
    budi = await _artisan(storage, 101, "budi")
    await _artisan(storage, 102, "Waiting", active=False)
    gone = await _artisan(storage, 103, "Gone")
    model = await _model(storage)
    month_start = datetime(2025, 3, 1, tzinfo=JAKARTA)
    clock.at(month_start + timedelta(days=3))
    await _accepted(storage, sri, model.id, 4)
    partial, _ = await storage.reports.create(sri, model.id, 3)
    await storage.reports.decide(partial.id, 1, "split", by=ADMIN)
    await _accepted(storage, gone, model.id, 1)
    await storage.earnings.record_payment(sri, 10_000, date(2025, 3, 4), by=ADMIN)
    await storage.members.change_status(
        gone, MemberStatus.DEACTIVATED, expected=MemberStatus.ACTIVE, by=ADMIN
    )
    clock.at(month_start - timedelta(days=1))
    await _accepted(storage, budi, model.id, 2)

    rows = await storage.figures.month_by_artisan(month_start, month_start + timedelta(days=31))

    assert [(r.name, r.reported, r.accepted, r.earned, r.paid, r.owed) for r in rows] == [
        ("budi", 0, 0, 0, 0, 2 * model.artisan_rate),
        ("Sri", 7, 5, 5 * model.artisan_rate, 10_000, 5 * model.artisan_rate - 10_000),
    ]
    assert rows[0].artisan_id == budi


# Migrations


async def test_the_production_migration_applies_on_top_of_the_foundation(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = await Database.open(path)
    try:
        foundation = available_migrations()[0]
        await db.execute_script([*foundation.statements(), "PRAGMA user_version = 1"])
        async with db.transaction() as connection:
            await connection.execute(
                "INSERT INTO telegram_users (telegram_id, first_seen_at, last_seen_at)"
                " VALUES (100, 'x', 'x')"
            )
            await connection.execute(
                "INSERT INTO members (telegram_id, role, status, name, created_at, updated_at)"
                " VALUES (100, 'artisan', 'active', 'Sri', 'x', 'x')"
            )
        assert await migrate(db) == (1, len(available_migrations()))
        assert await schema_version(db) >= 2
    finally:
        await db.close()

    opened = await Storage.open(path)
    try:
        model = await _model(opened)
        report, _ = await opened.reports.create(1, model.id, 1)
        assert report.artisan_id == 1
    finally:
        await opened.close()
    with sqlite3.connect(path) as connection:
        connection.execute(f"PRAGMA user_version = {len(available_migrations()) + 1}")
    with pytest.raises(DatabaseTooNewError):
        await Storage.open(path)
