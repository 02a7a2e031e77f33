"""The bot's flows, one package per feature, and the pieces every flow shares: the gate before
them, the replies and checks they use (`common`), what a multi-step flow keeps between steps,
notices to other people, the catch-alls after them and the error handler."""
