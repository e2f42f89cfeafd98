"""The Slack checks: the bot token and its scopes, the OAuth client, the signing secret."""

from __future__ import annotations

import re
from dataclasses import dataclass

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.doctor.check import TIMEOUT, Check

SIGNING_SECRET_SHAPE = re.compile(r"[0-9a-f]{32}")  # what Slack issues (client secrets too)
CLIENT_ID_SHAPE = re.compile(r"\d+\.\d+")
BAD_TOKEN = {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired"}


async def check_slack(settings: Settings, problem: str | None = None) -> list[Check]:
    """The bot token (auth.test and its scopes), or in OAuth mode what can be checked without one;
    `problem`: why SLACK_BOT_TOKEN could not be read (missing or malformed)."""
    checks = []
    if settings.oauth:
        checks.append(check_oauth_client(settings))
    if problem:
        checks.append(Check("Slack token", False, problem))
        return checks
    if settings.SLACK_BOT_TOKEN is None:
        checks.append(
            Check(
                "Slack token",
                True,
                "OAuth mode (SLACK_CLIENT_ID/SECRET): no single bot token; each workspace's token comes "
                "from its install at PUBLIC_URL/slack/install, so there is none to test here",
            )
        )
        return checks
    checks.append(await check_bot_token(settings))
    return checks


@dataclass(frozen=True)
class TokenAnswer:
    """What auth.test said of one bot token."""

    who: str = ""  # the bot and its workspace
    error: str | None = None  # Slack's error code; "unreachable" when Slack did not answer
    missing: tuple[str, ...] = ()  # scopes the app needs that the token lacks
    scopes_listed: bool = True


async def ask_slack(token: str, settings: Settings) -> TokenAnswer:
    """auth.test with `token`, and its scopes (the x-oauth-scopes header) against the manifest's."""
    from bot.app import BOT_SCOPES  # what manifest.yml asks for (tests/test_manifest.py keeps them equal)

    client = AsyncWebClient(token=token, base_url=settings.slack_api_url, timeout=TIMEOUT)
    try:
        answer = await client.auth_test()
    except SlackApiError as exc:
        return TokenAnswer(error=exc.response.get("error", "unknown"))
    except (SlackClientError, aiohttp.ClientError, TimeoutError, OSError) as exc:
        return TokenAnswer(error=f"unreachable ({type(exc).__name__})")
    headers = {k.lower(): v for k, v in (answer.headers or {}).items()}
    who = f"bot {answer.get('user_id')} in workspace {answer.get('team')} ({answer.get('team_id')})"
    if "x-oauth-scopes" not in headers:
        return TokenAnswer(who, scopes_listed=False)
    has = {s.strip() for s in headers["x-oauth-scopes"].split(",")}
    wanted = [*BOT_SCOPES, *(["calls:write"] if settings.SLACK_CALLS else [])]
    return TokenAnswer(who, missing=tuple(s for s in wanted if s not in has))


async def check_bot_token(settings: Settings) -> Check:
    name = "Slack token"
    answer = await ask_slack(settings.SLACK_BOT_TOKEN.get_secret_value(), settings)
    if answer.error in BAD_TOKEN:
        return Check(
            name,
            False,
            f"Slack refused SLACK_BOT_TOKEN ({answer.error}): copy the Bot User OAuth Token (xoxb-…) "
            "again from your app's OAuth & Permissions page (reinstall the app if it was revoked)",
        )
    if answer.error and answer.error.startswith("unreachable"):
        return Check(
            name,
            False,
            f"could not reach Slack at {settings.slack_api_url} ({answer.error.split('(')[1]}: check the "
            "network and SLACK_API_URL",
        )
    if answer.error:
        return Check(
            name, False, f"auth.test failed ({answer.error}): check SLACK_BOT_TOKEN and SLACK_API_URL"
        )
    if not answer.scopes_listed:
        return Check(
            name, True, f"auth.test answered for {answer.who}; Slack did not list the token's scopes"
        )
    if answer.missing:
        return Check(
            name,
            False,
            f"auth.test answered for {answer.who}, but the token lacks the scopes "
            f"{', '.join(answer.missing)}: add them under OAuth & Permissions > Scopes (or update the app "
            "from manifest.yml), reinstall the app, and set SLACK_BOT_TOKEN to the new token",
        )
    return Check(name, True, f"auth.test answered for {answer.who}; the token has every scope the app needs")


def check_oauth_client(settings: Settings) -> Check:
    """SLACK_CLIENT_ID/SECRET's shapes: Slack only checks them when someone installs the app."""
    name = "Slack OAuth client"
    secret = settings.SLACK_CLIENT_SECRET.get_secret_value() if settings.SLACK_CLIENT_SECRET else ""
    problems = []
    if not CLIENT_ID_SHAPE.fullmatch(settings.SLACK_CLIENT_ID or ""):
        problems.append("SLACK_CLIENT_ID does not look like a Slack client id (digits.digits)")
    if not SIGNING_SECRET_SHAPE.fullmatch(secret):
        problems.append("SLACK_CLIENT_SECRET does not look like a Slack client secret (32 hex characters)")
    if problems:
        return Check(name, False, "; ".join(problems) + ": copy both from your app's Basic Information page")
    return Check(name, True, "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET look like Slack's")


def check_signing_secret(settings: Settings, problem: str | None = None) -> Check:
    """Slack's signing secrets are 32 hex characters; anything else fails every request's check."""
    name = "Slack signing secret"
    if problem or settings.SLACK_SIGNING_SECRET is None:
        return Check(
            name,
            False,
            (problem or "SLACK_SIGNING_SECRET is not set")
            + ": copy the Signing Secret from your app's Basic Information page (with the local "
            "stand-ins, the one `tavus-slack sim-slack` prints)",
        )
    secret = settings.SLACK_SIGNING_SECRET.get_secret_value()
    if SIGNING_SECRET_SHAPE.fullmatch(secret):
        return Check(name, True, "SLACK_SIGNING_SECRET has the shape of Slack's (32 hex characters)")
    why = " (it has spaces or quotes around it)" if secret != secret.strip(" \t'\"") else ""
    return Check(
        name,
        False,
        f"SLACK_SIGNING_SECRET does not look like a Slack signing secret{why}; Slack's are 32 hex "
        "characters: copy the Signing Secret from your app's Basic Information page (not the client "
        "secret, not a token), or Slack's requests will all be refused",
    )
