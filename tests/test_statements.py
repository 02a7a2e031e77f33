"""Artisans' monthly statements: the ledger beneath, the PDF, and the flows end to end."""

from __future__ import annotations

from datetime import UTC, date, datetime
from io import BytesIO
from zoneinfo import ZoneInfo

from pypdf import PdfReader

from bot.documents import Details, Highlight, Table, render_pdf
from bot.emulator import Person
from bot.emulator.world import ChatMessage
from bot.i18n import translator
from bot.periods import Period, this_month
from handlers.insights.statement_screens import (
    file_name,
    month_key,
    months_back,
    parse_month,
    statement_document,
    statement_text,
)
from storage import Storage
from storage.models.members import ArtisanApplication, Member, MemberStatus, Role
from storage.statements import Statement
from tests.conftest import (
    ADMIN_ANI,
    ADMIN_BUDI,
    Clock,
    RunningBot,
    active_artisan,
    active_buyer,
    documents,
    pdf_text,
    sent_file,
)

JAKARTA = ZoneInfo("Asia/Jakarta")
SMALL_PLAIN = "DJ-S-MAH-GOAT-PLAIN"  # Rp 120,000 a drum to the artisan
MEDIUM_PAINTED = "DJ-M-MAH-GOAT-PAINT"  # Rp 225,000 a drum
NOVEMBER = this_month(datetime(2026, 11, 15, tzinfo=JAKARTA), JAKARTA)
OCTOBER = this_month(datetime(2026, 10, 15, tzinfo=JAKARTA), JAKARTA)


# -- storage against a real SQLite file ----------------------------------------------------------


async def _artisan(storage: Storage, telegram_id: int = 100, name: str = "Sri Wahyuni") -> Member:
    await storage.people.seen(telegram_id, name.split()[0], None, "id")
    member = await storage.members.register_artisan(
        telegram_id, ArtisanApplication(name=name, village="Jiwut", workshop=f"Bengkel {name}")
    )
    change = await storage.members.change_status(
        member.id, MemberStatus.ACTIVE, expected=MemberStatus.PENDING, by=ADMIN_ANI
    )
    assert change is not None
    return change.member


async def _accept(
    storage: Storage, artisan: Member, code: str, quantity: int, accepted: int | None = None
) -> None:
    model = await storage.catalogue.get_by_code(code)
    assert model is not None
    report, _ = await storage.reports.create(artisan.id, model.id, quantity)
    kept = quantity if accepted is None else accepted
    reason = None if kept == quantity else "cracked head"
    decision = await storage.reports.decide(report.id, kept, reason, by=ADMIN_ANI)
    assert decision is not None and decision.decided


async def _statement(storage: Storage, artisan: Member, month: Period) -> Statement:
    return await storage.statements.for_period(artisan.id, month.start, month.end)


async def test_the_lines_and_totals_equal_the_ledgers(storage: Storage, clock: Clock) -> None:
    sri = await _artisan(storage)
    other = await _artisan(storage, 101, "Joko Susilo")
    clock.at(datetime(2026, 11, 3, 9, tzinfo=JAKARTA))
    await _accept(storage, sri, SMALL_PLAIN, 2)
    await _accept(storage, sri, MEDIUM_PAINTED, 5, accepted=4)
    await _accept(storage, other, SMALL_PLAIN, 7)
    small = await storage.catalogue.get_by_code(SMALL_PLAIN)
    assert small is not None
    await storage.catalogue.set_prices(small.id, artisan_rate=130_000, by=ADMIN_ANI)
    clock.at(datetime(2026, 11, 20, 14, tzinfo=JAKARTA))
    await _accept(storage, sri, SMALL_PLAIN, 3)
    await storage.earnings.record_payment(sri.id, 500_000, date(2026, 11, 20), by=ADMIN_ANI)

    statement = await _statement(storage, sri, NOVEMBER)

    rows = [(line.model.code, line.drums, line.rate, line.amount) for line in statement.lines]
    assert rows == [
        (SMALL_PLAIN, 2, 120_000, 240_000),
        (SMALL_PLAIN, 3, 130_000, 390_000),
        (MEDIUM_PAINTED, 4, 225_000, 900_000),
    ]
    assert (statement.drums, statement.earned, statement.paid) == (9, 1_530_000, 500_000)
    assert [(p.paid_on, p.amount, p.is_reversal) for p in statement.payments] == [
        (date(2026, 11, 20), 500_000, False)
    ]
    figures = await storage.figures.production(sri.id, NOVEMBER.start, NOVEMBER.end)
    assert (statement.earned, statement.paid) == (figures.earned, figures.paid)
    balance = await storage.earnings.balance(sri.id)
    assert statement.owed == balance.owed == 1_030_000
    ledger = await storage.db.fetch_one(
        "SELECT SUM(amount) FILTER (WHERE kind = 'credit') AS credits,"
        " -SUM(amount) FILTER (WHERE kind = 'payment') AS payments"
        " FROM earnings_entries WHERE artisan_id = ?",
        (sri.id,),
    )
    assert ledger is not None
    assert (ledger["credits"], ledger["payments"]) == (statement.earned, statement.paid)
    assert all(line.amount == line.drums * line.rate for line in statement.lines)


async def test_a_reversed_payment_is_netted_in_the_month_it_was_undone(
    storage: Storage, clock: Clock
) -> None:
    sri = await _artisan(storage)
    clock.at(datetime(2026, 10, 10, 9, tzinfo=JAKARTA))
    await _accept(storage, sri, SMALL_PLAIN, 5)  # Rp 600,000
    kept = await storage.earnings.record_payment(sri.id, 200_000, date(2026, 10, 10), by=ADMIN_ANI)
    mistake = await storage.earnings.record_payment(
        sri.id, 300_000, date(2026, 10, 10), by=ADMIN_ANI
    )
    clock.at(datetime(2026, 10, 11, 9, tzinfo=JAKARTA))
    assert await storage.earnings.reverse_payment(mistake.id, by=ADMIN_ANI) is not None
    late = await storage.earnings.record_payment(sri.id, 100_000, date(2026, 10, 31), by=ADMIN_ANI)
    clock.at(datetime(2026, 11, 2, 9, tzinfo=JAKARTA))
    assert await storage.earnings.reverse_payment(late.id, by=ADMIN_ANI) is not None

    october = await _statement(storage, sri, OCTOBER)
    november = await _statement(storage, sri, NOVEMBER)

    assert [(p.entry_id, p.amount, p.is_reversal) for p in october.payments] == [
        (kept.id, 200_000, False),
        (mistake.id, 300_000, False),
        (october.payments[2].entry_id, -300_000, True),
        (late.id, 100_000, False),
    ]
    assert october.paid == 300_000
    assert [(p.amount, p.reverses, p.paid_on) for p in november.payments] == [
        (-100_000, late.id, date(2026, 10, 31))
    ]
    assert (november.earned, november.paid, november.lines) == (0, -100_000, ())
    assert october.owed == november.owed == 600_000 - 200_000
    for month, statement in ((OCTOBER, october), (NOVEMBER, november)):
        figures = await storage.figures.production(sri.id, month.start, month.end)
        assert (statement.earned, statement.paid) == (figures.earned, figures.paid)


async def test_months_are_cut_at_midnight_in_the_cooperatives_time_zone(
    storage: Storage, clock: Clock
) -> None:
    sri = await _artisan(storage)
    clock.at(datetime(2026, 10, 31, 23, 30, tzinfo=JAKARTA))  # 16:30 UTC on 31 October
    await _accept(storage, sri, SMALL_PLAIN, 1)
    clock.at(
        datetime(2026, 11, 1, 0, 30, tzinfo=JAKARTA)
    )  # still 31 October in UTC, but November in Blitar
    await _accept(storage, sri, MEDIUM_PAINTED, 2)
    await storage.earnings.record_payment(sri.id, 120_000, date(2026, 11, 1), by=ADMIN_ANI)
    clock.at(datetime(2026, 12, 1, 0, 0, tzinfo=JAKARTA))  # the first second of December
    await _accept(storage, sri, SMALL_PLAIN, 4)

    october = await _statement(storage, sri, OCTOBER)
    november = await _statement(storage, sri, NOVEMBER)

    assert [(line.model.code, line.drums) for line in october.lines] == [(SMALL_PLAIN, 1)]
    assert (october.earned, october.paid) == (120_000, 0)
    assert [(line.model.code, line.drums) for line in november.lines] == [(MEDIUM_PAINTED, 2)]
    assert (november.earned, november.paid) == (450_000, 120_000)
    assert november.owed == 120_000 + 450_000 + 480_000 - 120_000


def test_months_are_named_keyed_and_read_back() -> None:
    now = datetime(2026, 1, 10, 3, tzinfo=UTC)
    months = months_back(now, JAKARTA, 3)
    assert [month_key(month) for month in months] == ["2026-01", "2025-12", "2025-11"]
    assert parse_month("2025-12", JAKARTA) == months[1]
    for bad in ("2025-13", "1999-01", "2025-1", "next", "9999-01"):
        assert parse_month(bad, JAKARTA) is None


def test_the_file_name_says_what_and_when_in_ascii() -> None:
    stamp = datetime(2026, 1, 1, tzinfo=UTC)

    def member(name: str) -> Member:
        return Member(
            id=7,
            telegram_id=1,
            role=Role.ARTISAN,
            status=MemberStatus.ACTIVE,
            name=name,
            created_at=stamp,
            updated_at=stamp,
        )

    assert file_name(member("Sri Wahyuni"), NOVEMBER) == "statement-sri-wahyuni-2026-11.pdf"
    assert (
        file_name(member("Pak Dédé / Ngoran"), OCTOBER) == "statement-pak-dede-ngoran-2026-10.pdf"
    )
    assert file_name(member("王伟"), NOVEMBER) == "statement-artisan-7-2026-11.pdf"


def _pages(pdf: bytes) -> int:
    return len(PdfReader(BytesIO(pdf)).pages)


async def test_the_pdf_is_one_a4_page_even_for_a_long_month(storage: Storage, clock: Clock) -> None:
    sri = await _artisan(storage, name="Sri $Wahyuni$")
    clock.at(datetime(2026, 11, 5, 10, tzinfo=JAKARTA))
    for model in await storage.catalogue.list_active():
        await _accept(storage, sri, model.code, 3)
    for day in range(6, 26):
        await storage.earnings.record_payment(sri.id, 10_000, date(2026, 11, day), by=ADMIN_ANI)
    statement = await _statement(storage, sri, NOVEMBER)
    assert len(statement.lines) >= 12 and len(statement.payments) == 20

    for locale in ("en", "id"):
        t = translator(locale)
        pdf = render_pdf(statement_document(t, sri, statement, date(2026, 11, 26)))
        assert pdf.startswith(b"%PDF")
        [page] = PdfReader(BytesIO(pdf)).pages
        # A4 in points, within a rounding.
        assert abs(float(page.mediabox.width) - 595.28) < 0.5
        assert abs(float(page.mediabox.height) - 841.89) < 0.5
        text = page.extract_text()
        assert "Sri $Wahyuni$" in text
        for line in statement.lines:
            assert t.rupiah(line.rate) in text and t.rupiah(line.amount) in text
        assert text.count(t.rupiah(10_000)) == 20
        for total in (statement.earned, statement.paid, statement.owed):
            assert t.rupiah(total) in text


def test_the_sheet_and_the_message_add_up_in_each_language() -> None:
    stamp = datetime(2026, 1, 1, tzinfo=UTC)
    sri = Member(
        id=1,
        telegram_id=1,
        role=Role.ARTISAN,
        status=MemberStatus.ACTIVE,
        name="Sri <b>Wahyuni</b>",
        village="Jiwut",
        workshop="Bengkel & Co",
        created_at=stamp,
        updated_at=stamp,
    )
    statement = Statement(
        artisan_id=1,
        start=NOVEMBER.start,
        end=NOVEMBER.end,
        lines=(),
        corrections=0,
        payments=(),
        owed=90_000,
    )
    text = statement_text(translator("id"), sri, statement, date(2026, 11, 26))
    assert "Sri &lt;b&gt;Wahyuni&lt;/b&gt;" in text and "Bengkel &amp; Co" in text
    assert "Rp90.000" in text and "Rp0" in text and "26 November 2026" in text
    document = statement_document(translator("en"), sri, statement, date(2026, 11, 26))
    assert Highlight("Still to be paid on November 26, 2026", "IDR90,000") in document.blocks
    [details] = [block for block in document.blocks if isinstance(block, Details)]
    assert ("", "Artisan: Sri <b>Wahyuni</b>") in details.lines
    tables = [block for block in document.blocks if isinstance(block, Table)]
    assert [table.rows for table in tables] == [(), ()]
    written = pdf_text(render_pdf(document))
    assert "Artisan: Sri <b>Wahyuni</b>" in written and "IDR90,000" in written
    assert "No drums were accepted in November 2026." in written


# -- end to end through the bot and the emulator --------------------------------------------------


async def _open_storage(bot: RunningBot) -> Storage:
    return await Storage.open(bot.settings.db_path)


async def _member(bot: RunningBot, person: Person) -> Member:
    storage = await _open_storage(bot)
    try:
        member = await storage.members.by_telegram_id(person.user_id)
    finally:
        await storage.close()
    assert member is not None
    return member


async def accept_and_pay(bot: RunningBot, artisan: Person, drums: int, paid: int) -> None:
    """Have small plain drums accepted and a payment recorded, through storage."""
    storage = await _open_storage(bot)
    try:
        member = await storage.members.by_telegram_id(artisan.user_id)
        model = await storage.catalogue.get_by_code(SMALL_PLAIN)
        assert member is not None and model is not None
        report, _ = await storage.reports.create(member.id, model.id, drums)
        await storage.reports.decide(report.id, drums, None, by=ADMIN_ANI)
        today = datetime.now(JAKARTA).date()
        await storage.earnings.record_payment(member.id, paid, today, by=ADMIN_ANI)
    finally:
        await storage.close()


def this_month_key() -> str:
    return month_key(this_month(datetime.now(UTC), JAKARTA))


def first_button(message: ChatMessage) -> str:
    data = message.buttons[0][0][1]
    assert data
    return data


async def test_an_artisan_gets_their_own_statement_with_the_pdf(bot: RunningBot) -> None:
    sri = await active_artisan(bot)
    await accept_and_pay(bot, sri, drums=2, paid=150_000)

    menu = await sri.send("/start")
    assert menu[-1].button_data("📄") == "stm:me"
    await sri.press("stm:me", menu[-1])
    choice = sri.last
    assert [data for row in choice.buttons for _, data in row][:2] == [
        f"stm:me:{this_month_key()}",
        f"stm:me:{month_key(months_back(datetime.now(UTC), JAKARTA, 2)[1])}",
    ]
    replies = await sri.press(first_button(choice), choice)

    text = next(message.plain for message in replies if message.document is None)
    assert "Sri Wahyuni · Jiwut · Bengkel Sri Wahyuni" in text
    assert "Rp120.000" in text and "Rp240.000" in text
    assert "Rp150.000" in text and "Rp90.000" in text
    [document] = documents(sri)
    assert document.document is not None
    assert document.document["file_name"] == f"statement-sri-wahyuni-{this_month_key()}.pdf"
    assert document.button_data("⬅️") == "menu:main"
    pdf = sent_file(bot, document)
    assert pdf.startswith(b"%PDF") and _pages(pdf) == 1
    written = pdf_text(pdf)
    assert "Sri Wahyuni" in written
    for amount in ("Rp120.000", "Rp240.000", "Rp150.000", "Rp90.000"):
        assert amount in written

    await sri.send("/statement")
    assert sri.last.button_data("⬅️") == "menu:main" and len(sri.last.labels) == 3


async def test_an_admin_sends_a_statement_to_the_artisan_in_the_artisans_language(
    bot: RunningBot,
) -> None:
    sri = await active_artisan(bot)
    await accept_and_pay(bot, sri, drums=2, paid=150_000)
    budi = bot.admin(ADMIN_BUDI, "Budi", language_code="en")
    await budi.send("/insights")
    await budi.tap("Artisans' statements")
    assert "Choose the artisan (1 active)" in budi.last_text
    await budi.tap("Sri Wahyuni · Jiwut")
    assert "Statement of Sri Wahyuni (Jiwut)" in budi.last_text
    assert len(budi.last.labels) == 4
    replies = await budi.tap("This month")

    text = replies[0].plain
    assert "Statement for" in text and "Sri Wahyuni · Jiwut" in text
    assert "2 drums at IDR120,000 each = IDR240,000" in text
    assert "Paid in" in text and "IDR150,000" in text
    assert "Still to be paid on" in text and "IDR90,000" in text
    [document] = documents(budi)
    assert sent_file(bot, document).startswith(b"%PDF")
    written = pdf_text(sent_file(bot, document))
    assert "IDR240,000" in written and "IDR150,000" in written and "IDR90,000" in written
    seen_before = len(sri.inbox)

    replies = await budi.tap("Send to the artisan", document)

    assert "Sent to Sri Wahyuni (Jiwut)" in budi.last_text
    told = sri.inbox[seen_before:]
    assert len(told) == 2
    assert "Rp240.000" in told[0].plain and "Rp90.000" in told[0].plain
    assert "IDR" not in told[0].plain
    assert told[1].document is not None
    assert told[1].document["file_name"] == f"statement-sri-wahyuni-{this_month_key()}.pdf"
    assert _pages(sent_file(bot, told[1])) == 1
    written = pdf_text(sent_file(bot, told[1]))
    assert "Rp240.000" in written and "Rp90.000" in written and "IDR" not in written


async def test_an_artisan_who_blocked_the_bot_is_reported_unreachable(bot: RunningBot) -> None:
    sri = await active_artisan(bot)
    budi = bot.admin(ADMIN_BUDI, "Budi", language_code="en")
    member = await _member(bot, sri)
    bot.emulator.block(sri.user_id)
    await budi.send("/start")
    await budi.press(f"stm:a:{member.id}:{this_month_key()}", budi.last)
    [document] = documents(budi)
    before = len(sri.inbox)

    await budi.tap("Send to the artisan", document)

    assert "could not be reached" in budi.last_text
    assert len(sri.inbox) == before


async def test_an_artisan_cannot_get_another_artisans_statement(bot: RunningBot) -> None:
    sri = await active_artisan(bot)
    await accept_and_pay(bot, sri, drums=2, paid=150_000)
    joko = await active_artisan(bot, 1002, "Joko Susilo", "Ngoran")
    sri_id = (await _member(bot, sri)).id
    month = this_month_key()
    seen_by_sri = len(sri.inbox)
    await joko.send("/statement")

    for data in (
        f"stm:a:{sri_id}:{month}",
        f"stm:send:{sri_id}:{month}",
        f"stm:a:{sri_id}",
        "stm:list:0",
        "ins:statements",
    ):
        await joko.press(data, joko.last)
        answer = joko.callback_answers[-1]
        assert answer["show_alert"] and answer["text"]
    assert documents(joko) == []
    assert len(sri.inbox) == seen_by_sri

    replies = await joko.press(f"stm:me:{month}", joko.last)
    text = next(message.plain for message in replies if message.document is None)
    assert "Joko Susilo · Ngoran" in text
    assert "Sri" not in text and "Rp240.000" not in text
    [document] = documents(joko)
    assert document.document is not None
    assert document.document["file_name"] == f"statement-joko-susilo-{month}.pdf"


async def test_a_buyer_a_stranger_and_a_pending_artisan_get_no_statement(
    bot: RunningBot,
) -> None:
    buyer = await active_buyer(bot)
    replies = await buyer.send("/statement")
    assert "Statements are for the cooperative's artisans." in replies[-1].plain
    await buyer.press(f"stm:me:{this_month_key()}", buyer.last)
    assert buyer.callback_answers[-1]["text"] == "Statements are for the cooperative's artisans."

    stranger = bot.person(3001, "Dewi", "en")
    replies = await stranger.send("/statement")
    assert "Statements are for the cooperative's artisans." in replies[-1].plain

    pending = bot.person(1003, "Slamet", "id")
    await pending.send("/start")
    await pending.tap("Saya perajin")
    await pending.send("Slamet Riyadi")
    await pending.tap("Ngoran")
    await pending.send("Bengkel Slamet")
    await pending.tap("Lewati")
    await pending.tap("Kirim pendaftaran")
    replies = await pending.send("/statement")
    assert replies[-1].labels == [replies[-1].labels[0]]
    assert replies[-1].button_data(replies[-1].labels[0]) == "menu:main"
    await pending.press(f"stm:me:{this_month_key()}", pending.last)
    assert pending.callback_answers[-1]["show_alert"]
    for person in (buyer, stranger, pending):
        assert documents(person) == []


async def test_admins_page_through_the_active_artisans_by_name(bot: RunningBot) -> None:
    storage = await _open_storage(bot)
    try:
        for number in range(9, 0, -1):
            await _artisan(storage, 5000 + number, f"Artisan {number:02d}")
        await storage.people.seen(6000, "Aaron", None, "id")
        await storage.members.register_artisan(
            6000, ArtisanApplication(name="Aaron Pending", village="Jiwut", workshop="Kendang")
        )
    finally:
        await storage.close()
    budi = bot.admin(ADMIN_BUDI, "Budi", language_code="en")
    await budi.send("/insights")

    await budi.tap("Artisans' statements")
    first = budi.last
    assert "(9 active)" in first.plain
    names = [label for label in first.labels if label.startswith("Artisan")]
    assert names == [f"Artisan {number:02d} · Jiwut" for number in range(1, 9)]
    assert all(len(data.encode()) <= 64 for row in first.buttons for _, data in row)
    await budi.tap("Next")
    assert [label for label in budi.last.labels if label.startswith("Artisan")] == [
        "Artisan 09 · Jiwut"
    ]
    await budi.tap("Previous")
    assert budi.last.labels[0] == "Artisan 01 · Jiwut"
