"""Typed rows returned by the repositories, one module per domain."""
