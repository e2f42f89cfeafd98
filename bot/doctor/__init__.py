"""`tavus-slack doctor`: check a deployment's settings the way a person would, one line per check,
each failure saying what to do; no secret value is ever part of a line. Imports bot.config, bot.tavus,
bot.store, slack_sdk, and bot.app only for the manifest's BOT_SCOPES."""

from __future__ import annotations

import asyncio

from bot.config import Settings
from bot.doctor.check import Check
from bot.doctor.oauth import check_installed_workspaces
from bot.doctor.reach import check_database, check_public_url, check_tavus
from bot.doctor.slack import check_signing_secret, check_slack

__all__ = ["Check", "doctor", "run_checks"]


async def run_checks(settings: Settings) -> list[Check]:
    """Every check, in the order a person would go through them."""
    checks = [*await check_slack(settings), check_signing_secret(settings), await check_tavus(settings)]
    database = await asyncio.to_thread(check_database, settings.DATABASE_URL)
    checks.append(database)
    if settings.oauth and database.ok:  # the installed workspaces' tokens are in the database
        checks.append(await installed_workspaces(settings))
    checks.append(await check_public_url(settings.PUBLIC_URL))
    return checks


async def installed_workspaces(settings: Settings) -> Check:
    from bot.store import Store  # the database check passed: opening it migrates nothing

    store = await asyncio.to_thread(Store.from_url, settings.DATABASE_URL)
    try:
        return await check_installed_workspaces(settings, store)
    finally:
        store.close()


def doctor(settings: Settings, echo=print) -> int:
    """Print one line per check; 0 when all pass, 1 otherwise."""
    checks = asyncio.run(run_checks(settings))
    for check in checks:
        echo(check.line())
    failed = sum(not c.ok for c in checks)
    echo(f"{failed} of {len(checks)} checks failed." if failed else f"All {len(checks)} checks passed.")
    return 1 if failed else 0
