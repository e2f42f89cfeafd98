"""HTTP endpoints that are not Slack's (Tavus callbacks): Starlette routes that import bot.services,
bot.tavus.models and bot.store's records; no Bolt, no SQL."""
