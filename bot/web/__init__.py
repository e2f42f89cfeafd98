"""HTTP endpoints that are not Slack's (Tavus callbacks): Starlette routes over bot.services."""
