"""The one wiring point: build the Application with its storage, persistence and handlers."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from urllib.parse import urlparse

from telegram import BotCommand, BotCommandScopeChat
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes, Defaults

from bot.context import BotApplication, BotContext, Services
from bot.i18n import CHINESE_LANGUAGE_CODES, INDONESIAN_LANGUAGE_CODES, N_, translator
from bot.outbox import Outbox
from bot.pacing import Pacer
from bot.persistence import SQLitePersistence
from bot.replies import RetryAfterTooManyRequests
from bot.settings import Settings
from bot.telegram_http import AiohttpRequest
from bot.updates import MAX_CONCURRENT_UPDATES, UpdateProcessor
from handlers import errors, fallback, gate
from handlers.announcements import compose as announcement_compose
from handlers.announcements import listing as announcement_list
from handlers.catalogue import admin as catalogue_admin
from handlers.catalogue import rates, shop, watching
from handlers.containers import opening as container_opening
from handlers.containers import view as container_view
from handlers.inbox import answering as inbox_answering
from handlers.inbox import listing as inbox_listing
from handlers.inbox import writing as inbox_writing
from handlers.insights import charts, exports, production, statements, summary
from handlers.insights import menu as insights_menu
from handlers.members import (
    approvals,
    artisan_registration,
    buyer_registration,
    directory,
    language,
    menu,
    profile_edit,
    village_requests,
)
from handlers.money import payments, stock_corrections
from handlers.orders import decisions as order_decisions
from handlers.orders import my_orders, needed_now, ordering
from handlers.papers import container_papers
from handlers.papers import screens as paper_screens
from handlers.reports import reporting, review
from storage import Storage

logger = logging.getLogger(__name__)

MEMBER_COMMANDS = (
    ("start", N_("Main menu")),
    ("report", N_("Report finished drums (artisans)")),
    ("production", N_("My drums and earnings (artisans)")),
    ("reports", N_("My recent reports (artisans)")),
    ("needed", N_("Drums buyers are waiting for (artisans)")),
    ("statement", N_("My monthly statement (artisans)")),
    ("browse", N_("Catalogue with photos and prices (buyers)")),
    ("available", N_("Drums available now (buyers)")),
    ("orders", N_("Orders and their status")),
    ("containers", N_("Container shipments")),
    ("watching", N_("Models you watch (buyers)")),
    ("help", N_("What I can do")),
    ("profile", N_("What you registered, and changing it")),
    ("write", N_("Write to the cooperative")),
    ("language", N_("Choose your language")),
    ("cancel", N_("Stop what you are doing")),
)
ADMIN_COMMANDS = (
    ("review", N_("Reports waiting for the quality check")),
    ("stock", N_("Drums in stock per model")),
    ("artisans", N_("Artisans' production and payments")),
    ("pay", N_("Record a payment to an artisan")),
    ("correct", N_("Correct the stock of a model")),
    ("catalogue", N_("Drum models, rates and prices")),
    ("rates", N_("Exchange rates for buyers' prices")),
    ("papers", N_("Export papers issued: proforma, invoice, packing list")),
    ("broadcast", N_("Announcements to members")),
    ("insights", N_("Summary, charts, statements and spreadsheets")),
    ("summary", N_("This week and month at a glance")),
    ("charts", N_("Charts of production and stock")),
    ("export", N_("Spreadsheets of the ledgers")),
    ("inbox", N_("Members' messages to the cooperative")),
    ("pending", N_("Registrations waiting for approval")),
    ("members", N_("List and manage members")),
)


@dataclass(frozen=True)
class AssembledBot:
    """The application and the processor that feeds it updates, side by side per person."""

    application: BotApplication
    processor: UpdateProcessor


def build_application(settings: Settings, storage: Storage, token: str) -> AssembledBot:
    """Assemble the application; the storage must already be open (persistence loads from it)."""
    persistence = SQLitePersistence(storage.state)
    # One keeper of Telegram's limits for replies, notices and announcements alike.
    pacer = Pacer(overall_per_second=settings.send_rate, chat_per_second=settings.chat_rate)
    application: BotApplication = (
        Application.builder()
        .token(token)
        .base_url(settings.api_base_url)
        .base_file_url(settings.file_base_url)
        .request(_request(settings, MAX_CONCURRENT_UPDATES))
        .get_updates_request(_request(settings, 1))
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        .context_types(ContextTypes(context=BotContext, bot_data=Services))
        .persistence(persistence)
        .rate_limiter(RetryAfterTooManyRequests(pacer))
        # The bot runs its own update loop, which confirms an update only after processing it.
        .updater(None)
        .build()
    )
    application.bot_data.bind(settings, storage, pacer)
    application.bot_data.outbox = Outbox(application.bot, storage, pacer)

    # The gate identifies the sender and stops updates from groups before any flow sees them.
    application.add_handlers(gate.handlers(), group=-1)
    # Within group 0 the first matching handler wins, so the order below is the routing.
    application.add_handlers(
        [
            # Conversations first: while one is active it holds the person's messages and
            # buttons, and the entry points of those above it still open theirs.
            *artisan_registration.handlers(),  # members
            *buyer_registration.handlers(),
            *profile_edit.handlers(),  # members: changing one's profile
            *reporting.handlers(),  # reports, with "my reports"
            *review.handlers(),  # the quality check and its reasons
            *catalogue_admin.handlers(),  # catalogue: adding and editing models
            *payments.handlers(),  # money, with the undo of payments
            *stock_corrections.handlers(),
            *ordering.handlers(),  # orders
            *watching.handlers(),  # catalogue: watching a model
            *container_opening.handlers(),  # containers: opening, filling and shipping
            *rates.handlers(),  # catalogue: exchange rates
            *announcement_compose.handlers(),  # announcements
            *inbox_writing.handlers(),  # inbox: members write to the cooperative
            *inbox_answering.handlers(),  # and the admins answer them
            # Then commands and buttons by feature; their commands and button prefixes do not
            # overlap, so their order among themselves does not matter.
            *menu.handlers(),
            *approvals.handlers(),
            *village_requests.handlers(),
            *directory.handlers(),
            *language.handlers(),
            *shop.handlers(),
            *my_orders.handlers(),
            *order_decisions.handlers(),
            *needed_now.handlers(),
            *container_view.handlers(),
            *paper_screens.handlers(),
            *container_papers.handlers(),
            *insights_menu.handlers(),
            *summary.handlers(),
            *charts.handlers(),
            *statements.handlers(),
            *exports.handlers(),
            *production.handlers(),
            *inbox_listing.handlers(),
            # After the announcement conversation, which takes the progress buttons itself
            # while an announcement is being written; its catch-all for bc: buttons refuses
            # non-admins and answers stale buttons.
            *announcement_list.handlers(),
            # Last, so that nothing goes unanswered.
            *fallback.handlers(),
        ],
        group=0,
    )
    application.add_error_handler(errors.report_error)
    # An update is confirmed to Telegram once its notices to third parties have gone out too.
    processor = UpdateProcessor(
        application, persistence, storage.state, settle=application.bot_data.outbox.settled
    )
    return AssembledBot(application, processor)


def _request(settings: Settings, connections: int) -> AiohttpRequest:
    host = urlparse(settings.api_base_url).hostname or ""
    local = host in ("127.0.0.1", "localhost", "::1")
    # A loopback Bot API (a local server or the emulator) must not go through a proxy.
    return AiohttpRequest(
        connection_pool_size=connections,
        read_timeout=float(settings.poll_timeout + 10),
        trust_env=not local,
    )


async def register_commands(application: BotApplication, settings: Settings) -> None:
    """Register the command menu per language and for admins; a failure is logged, not fatal.

    Telegram shows the commands registered for the person's language code, else the default
    ones; that mirrors how the bot picks a locale: Indonesian for the region's languages,
    Chinese for Chinese, English for every other.
    """
    bot = application.bot
    calls = []
    languages = (
        (INDONESIAN_LANGUAGE_CODES, "id"),
        (CHINESE_LANGUAGE_CODES, "zh"),
        ({""}, "en"),
        ({"en"}, "en"),
    )
    for codes, locale in languages:
        t = translator(locale)
        members = [BotCommand(name, t._(text)) for name, text in MEMBER_COMMANDS]
        admins = members + [BotCommand(name, t._(text)) for name, text in ADMIN_COMMANDS]
        for code in sorted(codes):
            calls.append(_try(bot.set_my_commands(members, language_code=code or None)))
            calls.extend(
                _try(
                    bot.set_my_commands(
                        admins, scope=BotCommandScopeChat(admin_id), language_code=code or None
                    )
                )
                for admin_id in settings.admin_ids
            )
    # Side by side: one after the other they cost a round trip each before the first update.
    await asyncio.gather(*calls)


async def _try(call: Awaitable[object]) -> None:
    try:
        await call
    except TelegramError as error:
        logger.warning("could not register the bot's commands, serving anyway: %s", error)
