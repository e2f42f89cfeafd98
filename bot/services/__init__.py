"""Behaviour, in rooms by capability, bottom first: outbox, access, personas, starting, results,
calls, decisions, rights, steps; a room imports only its own and earlier ones (tests/test_layout.py).
Imports bot.tavus, bot.store, bot.clock, bot.config and bot.slack's builders; never Bolt or handlers/."""
