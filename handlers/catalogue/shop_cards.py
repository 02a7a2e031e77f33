"""What buyers see of the catalogue: a model's card, its buttons, and the stock list."""

from __future__ import annotations

import re
from dataclasses import dataclass

from telegram import InlineKeyboardMarkup

from bot.context import BotContext
from bot.i18n import Translator
from handlers.catalogue.drums import (
    finish_name,
    head_name,
    model_name,
    size_details,
    size_name,
    wood_name,
)
from handlers.catalogue.prices import price_lines
from handlers.common import Button, esc, keyboard, page_buttons
from handlers.members.menu import BROWSE, BUYER_STOCK, MAIN_MENU
from handlers.pages import Entry, paginate, pick
from storage.models.catalogue import DrumSize
from storage.models.exchange_rates import Currency, ExchangeRate
from storage.models.members import MemberStatus, Role
from storage.models.offers import Makers, Offer

# A card's buttons carry the size filter and the position in the filtered list: shop:c:m:2.
CARD = "shop:c:"
CARD_PATTERN = re.compile(r"^shop:c:([asml]):([0-9]{1,4})$")
STOCK_PAGE = f"{BUYER_STOCK}:"
STOCK_PATTERN = re.compile(rf"^{BUYER_STOCK}(?::([0-9]{{1,6}}))?$")
ALL = "a"
FILTERS: dict[str, DrumSize | None] = {
    ALL: None,
    "s": DrumSize.SMALL,
    "m": DrumSize.MEDIUM,
    "l": DrumSize.LARGE,
}
# The order buttons and the watch question of other flows start from these.
ORDER_PREFIX = "ord:new:"
WATCH_PREFIX = "watch:new:"
# Villages named on a card before the rest are only counted, so a caption stays short.
MAX_VILLAGES = 5

Rates = dict[Currency, ExchangeRate]


@dataclass(frozen=True)
class Card:
    """One catalogue card: its caption (or text) and buttons, and the photo when there is one."""

    text: str
    markup: InlineKeyboardMarkup
    photo: str | None = None


def card_data(size_filter: str, position: int) -> str:
    """The callback data that shows the card at a position of a filtered list."""
    return f"{CARD}{size_filter}:{position}"


def browse_refusal(context: BotContext) -> str | None:
    """Say why this person may not browse the catalogue; None for active buyers and admins."""
    t, member = context.t, context.member
    if context.is_admin:
        return None
    if member is None:
        return t._("The catalogue is for registered buyers. Send /start to open a buyer account.")
    if member.role is not Role.BUYER:
        return t._("The catalogue is for buyers. Send /menu to see what you can do.")
    if member.status is MemberStatus.PENDING:
        return t._(
            "Your buyer account is still waiting for an admin's approval. "
            "The catalogue opens once it is approved."
        )
    if member.status is not MemberStatus.ACTIVE:
        return t._(
            "Your account is not active, so the catalogue is closed to you. "
            "Please contact the cooperative's admin."
        )
    return None


def _makers_line(t: Translator, makers: list[Makers]) -> str:
    if not makers:
        return t._("🏡 Made in the drum villages of Blitar")
    places = [
        t.ngettext(
            "{village} ({count} workshop)", "{village} ({count} workshops)", place.workshops
        ).format(village=esc(place.village), count=t.number(place.workshops))
        for place in makers[:MAX_VILLAGES]
    ]
    rest = len(makers) - MAX_VILLAGES
    if rest > 0:
        places.append(
            t.ngettext("{count} more village", "{count} more villages", rest).format(
                count=t.number(rest)
            )
        )
    return t._("🏡 Made in {places}").format(places=", ".join(places))


def available_line(t: Translator, available: int) -> str:
    """How many drums of a model can be had now."""
    if available <= 0:
        return t._("📦 Available now: none, made to order")
    return t.ngettext(
        "📦 Available now: <b>{count} drum</b>",
        "📦 Available now: <b>{count} drums</b>",
        available,
    ).format(count=t.number(available))


def card_text(t: Translator, offer: Offer, makers: list[Makers], rates: Rates) -> str:
    """A model's card: what it is, its size, price, stock and where it is made (no names)."""
    model = offer.model
    lines = [
        f"🪘 <b>{model_name(t, model)}</b>",
        t._("📏 {size}: {details}").format(
            size=size_name(t, model.size).capitalize(), details=size_details(t, model.size)
        ),
        t._("🌳 Wood: {wood} · Head: {head} · Finish: {finish}").format(
            wood=wood_name(t, model.wood),
            head=head_name(t, model.head),
            finish=finish_name(t, model.finish),
        ),
        t._("💰 {price} per drum").format(price=price_lines(t, model.buyer_price, rates)),
        available_line(t, offer.available),
        _makers_line(t, makers),
        t._("Code: {code}").format(code=model.code),
    ]
    return "\n".join(lines)


def _filter_row(t: Translator, current: str) -> list[Button]:
    labels = {
        ALL: t._("All"),
        "s": size_name(t, DrumSize.SMALL).capitalize(),
        "m": size_name(t, DrumSize.MEDIUM).capitalize(),
        "l": size_name(t, DrumSize.LARGE).capitalize(),
    }
    return [
        (f"✅ {label}" if code == current else label, card_data(code, 0))
        for code, label in labels.items()
    ]


def card_keyboard(
    t: Translator, offer: Offer, size_filter: str, position: int, total: int
) -> InlineKeyboardMarkup:
    """Previous / position / next (wrapping around), the size filter, Order, Watch and Menu."""
    rows: list[list[Button]] = []
    if total > 1:
        rows.append(
            [
                (t._("◀️ Previous"), card_data(size_filter, (position - 1) % total)),
                (
                    t._("{position}/{total}").format(
                        position=t.number(position + 1), total=t.number(total)
                    ),
                    card_data(size_filter, position),
                ),
                (t._("Next ▶️"), card_data(size_filter, (position + 1) % total)),
            ]
        )
    rows.append(_filter_row(t, size_filter))
    rows.append(
        [
            (t._("🛒 Order"), f"{ORDER_PREFIX}{offer.model.id}"),
            (t._("👀 Watch"), f"{WATCH_PREFIX}{offer.model.id}"),
        ]
    )
    rows.append([(t._("⬅️ Menu"), MAIN_MENU)])
    return keyboard(rows)


def empty_card(t: Translator, size_filter: str) -> Card:
    """The card shown when no active model fits the filter."""
    if FILTERS[size_filter] is None:
        text = t._("🪘 The catalogue is empty at the moment. Please look again later.")
    else:
        text = t._("🪘 No {size} models are in the catalogue at the moment.").format(
            size=size_name(t, FILTERS[size_filter] or DrumSize.SMALL)
        )
    return Card(text, keyboard([_filter_row(t, size_filter), [(t._("⬅️ Menu"), MAIN_MENU)]]))


def stock_screen(
    t: Translator, offers: list[Offer], number: int
) -> tuple[str, InlineKeyboardMarkup]:
    """A page of the drums available now per active model, grouped by size, with the total."""
    entries: list[Entry] = []
    for size in DrumSize:
        in_size = [offer for offer in offers if offer.model.size is size]
        if not in_size:
            continue
        heading = "\n" + t._("<b>{size}</b> · {details}").format(
            size=size_name(t, size).capitalize(), details=size_details(t, size)
        )
        ready = [offer for offer in in_size if offer.available > 0]
        for offer in ready:
            line = t._("• {model}: <b>{count}</b>").format(
                model=model_name(t, offer.model), count=t.number(offer.available)
            )
            entries.append(Entry(line, heading=heading))
        if not ready:
            entries.append(Entry(t._("• none available now"), heading=heading))
    total = sum(max(offer.available, 0) for offer in offers)
    footer = [
        "",
        t.ngettext("<b>Total: {count} drum</b>", "<b>Total: {count} drums</b>", total).format(
            count=t.number(total)
        ),
        t._(
            "Models not listed can still be ordered from the catalogue: "
            "the workshops make them for you."
        ),
    ]
    page = pick(
        paginate(entries, header=t._("📦 <b>Drums available now</b>"), footer="\n".join(footer)),
        number,
    )
    rows = [
        *page_buttons(t, STOCK_PAGE, page.number, more=page.more),
        [(t._("🔄 Refresh"), BUYER_STOCK), (t._("🪘 Catalogue"), BROWSE)],
        [(t._("⬅️ Menu"), MAIN_MENU)],
    ]
    return page.text, keyboard(rows)
