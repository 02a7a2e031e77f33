"""The bot's flows, one package per feature, and the pieces every flow shares: the gate before
them, the replies and checks they use (`common`), the one pattern for multi-step flows
(`flow`) and for undoing a recorded action (`undo`), notices to other people, the catch-alls
after them and the error handler."""
