"""What each setting is, in words, for the start-up message when one is missing or malformed."""

HINTS = {
    "SLACK_BOT_TOKEN": "the bot token (xoxb-…) from your Slack app's 'OAuth & Permissions' page",
    "SLACK_SIGNING_SECRET": "the signing secret from your Slack app's 'Basic Information' page",
    "SLACK_CLIENT_ID": "the client id from your Slack app's 'Basic Information' page",
    "SLACK_CLIENT_SECRET": "the client secret from your Slack app's 'Basic Information' page",
    "TAVUS_SLACK_ENCRYPTION_KEY": 'a Fernet key, e.g. from python -c "from cryptography.fernet import '
    'Fernet; print(Fernet.generate_key().decode())"',
    "SLACK_APP_TOKEN": "an app-level token (xapp-…) with connections:write, for Socket Mode",
    "SLACK_API_URL": "the Slack Web API base URL",
    "TAVUS_API_KEY": "your Tavus API key from the Tavus developer portal",
    "TAVUS_API_URL": "the Tavus API base URL",
    "TAVUS_DEFAULT_REPLICA_ID": "a Tavus replica id such as rfe12d8b9597",
    "DATABASE_URL": "where the store lives, e.g. sqlite:///tavus-slack.db",
    "PUBLIC_URL": "the https base URL where Tavus can reach this app's callbacks",
    "PORT": "the port to listen on (1-65535)",
    "TAVUS_SLACK_ADMINS": "comma-separated Slack user ids, each with its workspace (T012ABC:U034DEF); a "
    "plain user id (U034DEF) only with one workspace (SLACK_BOT_TOKEN), never with OAuth",
    "SLACK_COMMAND": "the slash command, e.g. /tavus",
    "TAVUS_TIMEOUT_SECONDS": "seconds to wait for one Tavus answer (1-120)",
    "LOG_LEVEL": "DEBUG, INFO, WARNING or ERROR",
    "CALLBACK_TOKEN_HOURS": "hours a callback URL keeps working after its interview ended (default 24)",
    "RETENTION_DAYS": "days to keep transcripts, analyses and callback bodies (1-3650, default 90)",
}
