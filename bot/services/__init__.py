"""Behaviour: interviews, personas, callbacks, reconciler, people, workspaces, channels. Imports
bot.tavus, bot.store, bot.clock, bot.config and bot.slack's builders; never Bolt, never handlers/."""
