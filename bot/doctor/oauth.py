"""OAuth mode's own check: each installed workspace's sealed bot token opens with
TAVUS_SLACK_ENCRYPTION_KEY, answers auth.test and has the app's scopes."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken

from bot.config import Settings
from bot.doctor.check import Check
from bot.doctor.slack import BAD_TOKEN, ask_slack

MAX_WORKSPACES = 20  # ask Slack about this many at most: the doctor is a quick look, not an audit


async def check_installed_workspaces(settings: Settings, store) -> Check:
    """Open and try each installed workspace's bot token (store: a migrated Store)."""
    name = "Installed workspaces"
    install = f"{(settings.PUBLIC_URL or 'https://<host>').rstrip('/')}/slack/install"
    rows = store.installed_bots()
    if not rows:
        return Check(name, True, f"none yet: send a workspace admin to {install}")
    fernet = Fernet(settings.TAVUS_SLACK_ENCRYPTION_KEY.get_secret_value().encode())
    sealed_elsewhere, problems = [], []
    for row in rows[:MAX_WORKSPACES]:
        try:
            token = fernet.decrypt(row["bot_token_enc"].encode()).decode()
        except InvalidToken:
            sealed_elsewhere.append(row["team_id"])
            continue
        answer = await ask_slack(token, settings)
        if answer.error in BAD_TOKEN:
            problems.append(
                f"{row['team_id']} Slack refused its token ({answer.error}), reinstall at {install}"
            )
        elif answer.error:
            problems.append(f"{row['team_id']} auth.test failed ({answer.error})")
        elif answer.missing:
            problems.append(
                f"{row['team_id']} lacks the scopes {', '.join(answer.missing)}, reinstall at {install}"
            )
    if sealed_elsewhere:
        problems.insert(
            0,
            f"{', '.join(sealed_elsewhere)} cannot be opened: TAVUS_SLACK_ENCRYPTION_KEY is not the key "
            "they were sealed with (restore it, or have those workspaces reinstall)",
        )
    looked = min(len(rows), MAX_WORKSPACES)
    if problems:
        return Check(name, False, f"{len(rows)} installed; " + "; ".join(problems))
    return Check(
        name, True, f"{len(rows)} installed; the {looked} checked answer auth.test with the app's scopes"
    )
