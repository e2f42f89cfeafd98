"""`tavus-slack doctor`: check a deployment's settings the way a person would, one line per check,
each failure saying what to do; no secret value is ever part of a line. Imports bot.config, bot.tavus,
bot.store, slack_sdk, and bot.app only for the manifest's BOT_SCOPES."""

from __future__ import annotations

import asyncio

from bot.config import Settings
from bot.doctor.check import Check
from bot.doctor.oauth import check_installed_workspaces
from bot.doctor.reach import check_database, check_public_url, check_tavus, sqlite_missing
from bot.doctor.slack import check_signing_secret, check_slack

__all__ = ["Check", "doctor", "run_checks"]

# the variables each check reports itself when they are missing or malformed
OWN = {"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "TAVUS_API_KEY", "DATABASE_URL", "PUBLIC_URL"}


async def run_checks(settings: Settings, problems: dict[str, str] | None = None) -> list[Check]:
    """Every check, in the order a person would go through them; `problems`: the settings that
    could not be read, by variable (bot.doctor.settings.read_settings)."""
    problems = problems or {}
    checks = []
    if others := [text for name, text in problems.items() if name not in OWN]:
        checks.append(Check("Settings", False, "; ".join(others)))
    checks += await check_slack(settings, problems.get("SLACK_BOT_TOKEN"))
    checks.append(check_signing_secret(settings, problems.get("SLACK_SIGNING_SECRET")))
    checks.append(await check_tavus(settings, problems.get("TAVUS_API_KEY")))
    if "DATABASE_URL" in problems:
        database = Check("Database", False, problems["DATABASE_URL"])
    else:
        database = await asyncio.to_thread(check_database, settings.DATABASE_URL)
    checks.append(database)
    if (
        settings.oauth
        and settings.TAVUS_SLACK_ENCRYPTION_KEY
        and database.ok
        and not sqlite_missing(settings.DATABASE_URL)
    ):  # the installed workspaces' tokens are in the database
        checks.append(await installed_workspaces(settings))
    if "PUBLIC_URL" in problems:
        checks.append(Check("PUBLIC_URL", False, problems["PUBLIC_URL"]))
    else:
        checks.append(await check_public_url(settings.PUBLIC_URL))
    return checks


async def installed_workspaces(settings: Settings) -> Check:
    from bot.store import Store  # the database check passed: opening it migrates nothing

    store = await asyncio.to_thread(Store.from_url, settings.DATABASE_URL)
    try:
        return await check_installed_workspaces(settings, store)
    finally:
        store.close()


def doctor(settings: Settings, echo=print, problems: dict[str, str] | None = None) -> int:
    """Print one line per check; 0 when all pass, 1 otherwise."""
    checks = asyncio.run(run_checks(settings, problems))
    for check in checks:
        echo(check.line())
    failed = sum(not c.ok for c in checks)
    echo(f"{failed} of {len(checks)} checks failed." if failed else f"All {len(checks)} checks passed.")
    return 1 if failed else 0
