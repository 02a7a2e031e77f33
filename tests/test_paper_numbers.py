"""Export papers' numbers: per kind and year, with revisions, never reused or skipped (kill -9)."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

from storage import Storage
from storage.models.members import BuyerApplication
from storage.models.papers import (
    InvoiceCurrency,
    PaperContent,
    PaperKind,
    PaperLine,
    Party,
)
from storage.papers import PaperRequest

ADMIN = 9001


def content(kind: PaperKind, quantity: int, issued_on: date = date(2026, 12, 7)) -> PaperContent:
    """A paper of one line; its quantity makes it differ from another."""
    line = PaperLine(
        code="DJ-S-MAH-GOAT-PLAIN",
        description="Djembe drum: Small · mahogany · goatskin · plain",
        hs_code="9206.00",
        quantity=quantity,
        unit_price=Decimal("6.25"),
        amount=Decimal("6.25") * quantity,
        packages=quantity,
        net_kg=Decimal("2.5") * quantity,
        gross_kg=Decimal("3.0") * quantity,
        volume_m3=Decimal("0.016") * quantity,
    )
    return PaperContent(
        kind=kind,
        number="",
        issued_on=issued_on,
        seller=Party(name="Koperasi"),
        buyer=Party(name="Li Wei"),
        currency=InvoiceCurrency.USD,
        rupiah_per_unit=16_000,
        lines=(line,),
        incoterm="FOB Tanjung Perak, Surabaya",
        payment_terms="T/T",
    )


async def fake_pdf(paper: PaperContent) -> bytes:
    """Stands for the drawing: the number is what these tests look at."""
    return f"%PDF {paper.number}".encode()


async def buyer_and_orders(storage: Storage, orders: int) -> tuple[int, list[int]]:
    """A buyer with this many orders (one drum each of the first model)."""
    await storage.people.seen(200, "Li", None, "en")
    buyer = await storage.members.register_buyer(
        200, BuyerApplication(name="Li Wei", company="Yiwu", country="China"), needs_approval=False
    )
    model = (await storage.catalogue.list_active())[0]
    ids = []
    for _ in range(orders):
        order, _ = await storage.orders.create(buyer.id, model.id, 1)
        ids.append(order.id)
    return buyer.id, ids


def numbers(path: Path) -> list[tuple[str, int, int, int]]:
    """Every paper's kind, year, sequence and revision, in the order they were stored."""
    with sqlite3.connect(path) as connection:
        return list(
            connection.execute("SELECT kind, year, sequence, revision FROM papers ORDER BY id")
        )


async def test_numbers_run_per_kind_and_year_and_a_changed_order_gets_a_revision(
    storage: Storage,
) -> None:
    buyer, (first, second) = await buyer_and_orders(storage, 2)
    papers = storage.papers

    def proforma(order_id: int, quantity: int, day: date = date(2026, 12, 7)) -> PaperRequest:
        return PaperRequest(
            content=content(PaperKind.PROFORMA, quantity, day),
            buyer_id=buyer,
            order_id=order_id,
            issued_by=ADMIN,
        )

    issued = await papers.issue(proforma(first, 10), fake_pdf)
    assert (issued.paper.number, issued.new) == ("PI-2026-0001", True)
    assert await papers.pdf(issued.paper.id) == b"%PDF PI-2026-0001"
    # Asked again with nothing changed: the same paper, not a new number.
    again = await papers.issue(proforma(first, 10, date(2026, 12, 9)), fake_pdf)
    assert (again.paper.id, again.new) == (issued.paper.id, False)
    assert (await papers.issue(proforma(second, 4), fake_pdf)).paper.number == "PI-2026-0002"

    # The first order changed: a revision of its number; the first version stays.
    revised = await papers.issue(proforma(first, 12), fake_pdf)
    assert (revised.paper.number, revised.new) == ("PI-2026-0001-R1", True)
    assert revised.paper.content.lines[0].quantity == 12
    assert (await papers.issue(proforma(first, 11), fake_pdf)).paper.number == "PI-2026-0001-R2"
    history = await papers.for_order(first)
    assert [p.number for p in history] == ["PI-2026-0001", "PI-2026-0001-R1", "PI-2026-0001-R2"]
    assert [p.content.lines[0].quantity for p in history] == [10, 12, 11]

    # Other kinds count on their own, and a new year starts again at 1.
    container = await storage.containers.create(buyer, "Shanghai", date(2027, 1, 9), by=ADMIN)
    shipping = PaperRequest(
        content=content(PaperKind.COMMERCIAL, 5), buyer_id=buyer, container_id=container.id
    )
    assert (await papers.issue(shipping, fake_pdf)).paper.number == "CI-2026-0001"
    next_year = proforma(second, 7, date(2027, 1, 2))
    # A revision keeps the year of the number it revises.
    assert (await papers.issue(next_year, fake_pdf)).paper.number == "PI-2026-0002-R1"
    _, (third,) = await buyer_and_orders_more(storage, buyer)
    assert (await papers.issue(proforma(third, 1, date(2027, 1, 2)), fake_pdf)).paper.number == (
        "PI-2027-0001"
    )
    assert await papers.count() == 7


async def buyer_and_orders_more(storage: Storage, buyer: int) -> tuple[int, list[int]]:
    """One more order of the buyer's."""
    model = (await storage.catalogue.list_active())[0]
    order, _ = await storage.orders.create(buyer, model.id, 1)
    return buyer, [order.id]


async def test_a_number_taken_while_drawing_is_drawn_again_with_the_next(
    storage: Storage,
) -> None:
    buyer, (first, second) = await buyer_and_orders(storage, 2)
    drawn: list[str] = []

    async def slow_pdf(paper: PaperContent) -> bytes:
        drawn.append(paper.number)
        if len(drawn) == 1:
            # Another admin's paper is stored while this one is being drawn.
            other = PaperRequest(
                content=content(PaperKind.PROFORMA, 3), buyer_id=buyer, order_id=second
            )
            await storage.papers.issue(other, fake_pdf)
        return await fake_pdf(paper)

    request = PaperRequest(content=content(PaperKind.PROFORMA, 2), buyer_id=buyer, order_id=first)
    issued = await storage.papers.issue(request, slow_pdf)
    assert drawn == ["PI-2026-0001", "PI-2026-0002"]
    assert issued.paper.number == "PI-2026-0002"
    assert await storage.papers.pdf(issued.paper.id) == b"%PDF PI-2026-0002"
    assert [row[2] for row in numbers(storage.db.path)] == [1, 2]


ISSUER = """
import asyncio, sys
from decimal import Decimal
from storage import Storage
from storage.papers import PaperRequest
from storage.models.papers import PaperKind
from tests.test_paper_numbers import content

async def main(path, buyer, orders):
    storage = await Storage.open(path)
    async def render(paper):
        # Drawing takes a while: a kill lands in it as often as not.
        await asyncio.sleep(0.05)
        return f"%PDF {paper.number}".encode()
    for index, order_id in enumerate(orders):
        # A proforma, then a revision; a run after a kill goes on where the last one stopped.
        done = len(await storage.papers.for_order(order_id))
        for quantity in (1, 2)[done:]:
            request = PaperRequest(
                content=content(PaperKind.PROFORMA, quantity), buyer_id=buyer, order_id=order_id
            )
            await storage.papers.issue(request, render)
        print(index, flush=True)
    await storage.close()

asyncio.run(main(sys.argv[1], int(sys.argv[2]), [int(x) for x in sys.argv[3].split(",")]))
"""


async def test_numbers_are_neither_skipped_nor_reused_across_kill_9(tmp_path: Path) -> None:
    path = tmp_path / "kendang.db"
    storage = await Storage.open(path)
    try:
        buyer, orders = await buyer_and_orders(storage, 40)
    finally:
        await storage.close()
    root = Path(__file__).parent.parent
    env = {**os.environ, "PYTHONPATH": str(root)}
    issued_at_kill = []
    for delay in (0.6, 1.2, 1.8, 2.4, 3.0):
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", ISSUER, str(path), str(buyer), ",".join(map(str, orders)),
            cwd=root, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        await asyncio.sleep(delay)
        if process.returncode is None:
            process.send_signal(signal.SIGKILL)
        await process.wait()
        issued_at_kill.append(len(numbers(path)))
    # Once more to the end: every order gets its proforma and one revision.
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", ISSUER, str(path), str(buyer), ",".join(map(str, orders)),
        cwd=root, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, stderr = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, stderr.decode()
    # The kills landed while papers were being issued, not before the first or after the last.
    assert len({count for count in issued_at_kill if 0 < count < 2 * len(orders)}) >= 2

    rows = numbers(path)
    originals = [sequence for _, _, sequence, revision in rows if revision == 0]
    assert originals == list(range(1, len(orders) + 1))
    revisions = sorted(sequence for _, _, sequence, revision in rows if revision == 1)
    assert revisions == list(range(1, len(orders) + 1))
    assert len(rows) == len(set(rows)) == 2 * len(orders)
    with sqlite3.connect(path) as connection:
        stored = connection.execute("SELECT sequence, revision, pdf FROM papers").fetchall()
    for sequence, revision, pdf in stored:
        suffix = f"-R{revision}" if revision else ""
        assert bytes(pdf) == f"%PDF PI-2026-{sequence:04d}{suffix}".encode()
