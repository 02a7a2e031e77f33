"""Tell buyers when arriving drums fill their backorders or reach a quantity they watch."""

from __future__ import annotations

from bot.context import BotContext
from handlers.catalogue.drums import model_name
from handlers.common import translator_for
from handlers.notices import notify
from storage.models.orders import OrderFill
from storage.models.watches import WatchAlert


async def announce_stock_rise(
    context: BotContext, model_id: int, *, by: int | None = None, update_id: int | None = None
) -> None:
    """Give a model's available drums to its backorders, oldest first, then tell the buyers.

    Call it after anything that may make drums of a model available: drums accepted, an order
    cancelled, a count corrected upwards. Safe to call again: nothing is reserved twice and
    each watch is told once. With the update being processed, the backorders it filled and the
    watches it closed before a crash are told again (their buyers may not have been).
    """
    storage = context.storage
    for fill in await storage.orders.allocate(model_id, by=by, update_id=update_id):
        await notify(context, fill.buyer_telegram_id, await _fill_text(context, fill))
    for alert in await storage.watches.due(model_id, update_id):
        await notify(context, alert.buyer_telegram_id, await _watch_text(context, alert))


async def _fill_text(context: BotContext, fill: OrderFill) -> str:
    t = await translator_for(
        context.storage, context.settings.default_locale, fill.buyer_telegram_id
    )
    order = fill.order
    lines = [
        t.ngettext(
            "📦 Good news: {count} more drum of {model} is ready for your order {reference}.",
            "📦 Good news: {count} more drums of {model} are ready for your order {reference}.",
            fill.filled,
        ).format(
            count=t.number(fill.filled), model=model_name(t, fill.model), reference=order.reference
        )
    ]
    if order.outstanding > 0:
        lines.append(
            t.ngettext(
                "{count} drum is still to be made.",
                "{count} drums are still to be made.",
                order.outstanding,
            ).format(count=t.number(order.outstanding))
        )
    else:
        lines.append(t._("Every drum of this order is now ready."))
    return "\n".join(lines)


async def _watch_text(context: BotContext, alert: WatchAlert) -> str:
    t = await translator_for(
        context.storage, context.settings.default_locale, alert.buyer_telegram_id
    )
    return t.ngettext(
        "👀 {model}: {available} drum is available now (you asked to be told at {wanted})."
        "\nOrder from the catalogue: /browse",
        "👀 {model}: {available} drums are available now (you asked to be told at {wanted})."
        "\nOrder from the catalogue: /browse",
        alert.available,
    ).format(
        model=model_name(t, alert.model),
        available=t.number(alert.available),
        wanted=t.number(alert.watch.quantity),
    )
