"""Slack's side: Block Kit builders by surface, mrkdwn escaping, form parsing, action ids and the one
wrapper for Slack failures. Builders take plain records: imports bot.records, bot.tavus.models and
bot.clock; never bot.store or bot.services (not even for type checking), no SQL, no httpx."""
