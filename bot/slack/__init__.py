"""Slack's side: Block Kit builders by surface, mrkdwn escaping, form parsing, action ids, the OAuth
stores and the one wrapper for Slack failures. Imports bot.store's records, bot.tavus.models and
bot.clock; no SQL, no httpx, no services."""
