"""What admins read about announcements: audiences, progress with its buttons, the final report."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup

from bot.i18n import Translator
from handlers.common import Button, esc, keyboard
from storage.models.broadcasts import Audience, BroadcastStatus, BroadcastSummary

PREFIX = "bc:"
PAUSE = f"{PREFIX}pause:"
RESUME = f"{PREFIX}resume:"
STOP = f"{PREFIX}stop:"
OPEN = f"{PREFIX}open:"
LIST = f"{PREFIX}list"
ACTION_PATTERN = rf"^{PREFIX}(pause|resume|stop|open):[0-9]{{1,9}}$"


def audience_name(t: Translator, audience: Audience, village: str | None) -> str:
    """Name an audience in the reader's language."""
    if audience is Audience.EVERYONE:
        return t._("everyone (artisans and buyers)")
    if audience is Audience.ARTISANS:
        return t._("all artisans")
    if audience is Audience.BUYERS:
        return t._("all buyers")
    if audience is Audience.VILLAGE:
        return t._("the artisans of {village}").format(village=esc(village))
    return t._("people waiting for approval")


def status_name(t: Translator, status: BroadcastStatus) -> str:
    """Name where an announcement stands."""
    return {
        BroadcastStatus.SCHEDULED: t._("scheduled"),
        BroadcastStatus.SENDING: t._("sending"),
        BroadcastStatus.PAUSED: t._("paused"),
        BroadcastStatus.DONE: t._("finished"),
        BroadcastStatus.CANCELLED: t._("cancelled"),
    }[status]


def progress_screen(
    t: Translator,
    summary: BroadcastSummary,
    zone: ZoneInfo,
    *,
    rate: float | None = None,
    seconds_left: float | None = None,
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The progress message: figures, pace and time left, with the buttons that apply now.

    Times are shown in `zone`, the cooperative's time zone.
    """
    broadcast, figures = summary.broadcast, summary.figures
    head = t._("📣 <b>Announcement {reference}</b> to {audience}: {status}").format(
        reference=broadcast.reference,
        audience=audience_name(t, broadcast.audience, broadcast.village),
        status=status_name(t, broadcast.status),
    )
    lines = [head]
    if broadcast.status is BroadcastStatus.SCHEDULED:
        lines.append(
            t._("It will be sent on {moment}.").format(
                moment=t.datetime(broadcast.send_at.astimezone(zone))
            )
        )
    else:
        lines.append(
            t._(
                "Sent {sent} of {total} · failed {failed} · unreachable {unreachable}"
                " · remaining {pending}"
            ).format(
                sent=t.number(figures.sent),
                total=t.number(figures.total),
                failed=t.number(figures.failed),
                unreachable=t.number(figures.unreachable),
                pending=t.number(figures.pending),
            )
        )
    if figures.cancelled:
        lines.append(
            t.ngettext(
                "{count} message was not sent because it was cancelled.",
                "{count} messages were not sent because it was cancelled.",
                figures.cancelled,
            ).format(count=t.number(figures.cancelled))
        )
    if broadcast.status is BroadcastStatus.SENDING and rate is not None:
        lines.append(
            t._("{rate} messages a second, about {minutes} min left").format(
                rate=t.number(round(rate, 1)),
                minutes=t.number(max(1, round((seconds_left or 0) / 60))),
            )
        )
    if broadcast.status is BroadcastStatus.DONE:
        lines.append(t._("✅ Finished."))
    buttons: list[Button] = []
    if broadcast.status is BroadcastStatus.SENDING:
        buttons.append((t._("⏸ Pause"), f"{PAUSE}{broadcast.id}"))
    if broadcast.status is BroadcastStatus.PAUSED:
        buttons.append((t._("▶️ Resume"), f"{RESUME}{broadcast.id}"))
    if broadcast.status in (
        BroadcastStatus.SCHEDULED,
        BroadcastStatus.SENDING,
        BroadcastStatus.PAUSED,
    ):
        buttons.append((t._("✖️ Cancel the rest"), f"{STOP}{broadcast.id}"))
    return "\n".join(lines), keyboard([buttons]) if buttons else None
