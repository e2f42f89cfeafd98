"""Intruders and secrets: forged requests, other workspaces, non-owners, and secrets in logs."""

import sqlite3
import time

import httpx
from cryptography.fernet import Fernet

from bot.slack import ids
from sim.driver import SlackDriver, form_values, text_value
from tests.conftest import BOT_TOKEN, SIGNING_SECRET, TAVUS_KEY, wait_until
from tests.helpers import channel_messages, create_persona, responses_text, start_interview
from tests.procs import start_app

OTHER_TEAM = "T0OTHER99"


def answers(slack, response):
    return wait_until(lambda: responses_text(slack, response.response_url), what="an answer")


def test_another_workspace_cannot_see_end_or_delete(driver, slack, tavus, served):
    persona = create_persona(driver, served)
    conv = start_interview(driver, served, persona.persona_id)
    # the same user id, in another workspace, with the real ids
    assert "no personas yet" in driver.command("personas", team=OTHER_TEAM).json()["text"]
    assert "no waiting or live" in driver.command("interviews", team=OTHER_TEAM).json()["text"]
    response = driver.command(f"end {conv.conversation_id}", team=OTHER_TEAM)
    assert (
        "found no interview"
        in wait_until(
            lambda: [t for t in responses_text(slack, response.response_url) if "found" in t], what="refusal"
        )[0]
    )
    response = driver.command(f"delete {persona.persona_id}", team=OTHER_TEAM)
    assert "found no persona" in answers(slack, response)[0]
    driver.click(ids.END, conv.conversation_id, channel="C0HIRING1", team=OTHER_TEAM)
    driver.click(ids.DELETE_PERSONA, persona.persona_id, channel="C0HIRING1", team=OTHER_TEAM)
    body = driver.command(f"interview {persona.persona_id}", team=OTHER_TEAM).json()
    assert "found no persona" in body["text"]
    time.sleep(0.3)
    assert tavus.state.conversations[conv.conversation_id].status == "active"
    assert persona.persona_id in tavus.state.personas
    assert len(tavus.state.conversations) == 1


def test_non_owner_clicks_change_nothing(driver, slack, tavus, served):
    persona = create_persona(driver, served)
    conv = start_interview(driver, served, persona.persona_id)
    card = channel_messages(slack, "C0HIRING1")[-1]
    driver.click(ids.END, conv.conversation_id, user="U0OTHER1", message=card, channel="C0HIRING1")
    wait_until(
        lambda: [r for r in slack.state.responses if "Only <@U0OWNER1>" in r["body"].get("text", "")],
        what="refusal for the non-owner",
    )
    assert tavus.state.conversations[conv.conversation_id].status == "active"
    assert "Waiting" in str(card["blocks"])


def test_callback_token_guessing_is_404_and_logged(driver, served, caplog):
    for guess in ("x", "a" * 32, "%2e%2e", "%00", "c" * 500):
        response = httpx.post(f"{served.url}/tavus/callback/{guess}", json={"conversation_id": "c1"})
        assert response.status_code == 404 and response.json() == {"error": "not found"}
    assert "unknown token" in caplog.text


SEAL = Fernet.generate_key().decode()
CLIENT_SECRET = "sim-client-secret-0042"
WORKSPACE_KEY = "acme-own-tavus-key-5521"


def set_workspace_key(driver, slack, key: str) -> None:
    """An admin sets the workspace's own Tavus key from the Home tab."""
    driver.home_opened("U0ADMIN1")
    home = wait_until(lambda: slack.state.home.get("U0ADMIN1"), what="admin home")
    driver.click(ids.OPEN_TAVUS_KEY, user="U0ADMIN1", view_id=home["id"])
    modal = wait_until(lambda: driver.latest_view(ids.TAVUS_KEY, "U0ADMIN1"), what="key modal")
    driver.submit(modal["id"], form_values(key=text_value(key)), user="U0ADMIN1")
    wait_until(lambda: "Saved" in str(slack.state.views[modal["id"]]["blocks"]), what="key saved")


def test_no_secret_reaches_logs_messages_or_the_database(tmp_path, tavus, slack):
    # every secret setting there is (the client secret without an id: one workspace, still a secret)
    secrets = dict(TAVUS_SLACK_ENCRYPTION_KEY=SEAL, SLACK_CLIENT_SECRET=CLIENT_SECRET)
    app = start_app(tmp_path, tavus.url, slack.url, LOG_LEVEL="DEBUG", **secrets)
    driver = SlackDriver(app.url, SIGNING_SECRET, slack.state, slack.url)
    tavus.control("config", {"extra_keys": [WORKSPACE_KEY]})
    try:
        driver.command("help")
        driver.command("persona")
        view = wait_until(lambda: driver.latest_view(ids.NEW_PERSONA), what="modal")
        from tests.helpers import persona_values

        driver.submit(view["id"], persona_values())
        wait_until(lambda: tavus.state.personas, what="persona")
        persona_id = next(iter(tavus.state.personas))
        # Tavus has the persona a moment before the app has stored it: until then the command
        # answers "no such persona" (and does nothing), so it is sent again until it is taken
        response = wait_until(
            lambda: (
                "Try `" not in (r := driver.command(f"interview {persona_id}", channel="C0HIRING1")).text
                and r
            ),
            what="the interview command taken",
        )
        conv = wait_until(
            lambda: tavus.state.conversations and next(iter(tavus.state.conversations)), what="conversation"
        )
        tavus.control(f"conversations/{conv}/join")
        tavus.control(f"conversations/{conv}/leave")
        wait_until(lambda: len(tavus.state.callbacks_sent) >= 4, what="callbacks")
        tavus.control("config", {"api_key": "rotated"})  # Tavus now refuses our key
        response = driver.command(f"interview {persona_id} again", channel="C0HIRING1")
        wait_until(
            lambda: [t for t in responses_text(slack, response.response_url) if "API key" in t],
            what="bad key message",
        )
        set_workspace_key(driver, slack, WORKSPACE_KEY)  # a per-workspace key, used from now on
        driver.command("persona")
        view = wait_until(lambda: driver.latest_view(ids.NEW_PERSONA), what="modal")
        driver.submit(view["id"], persona_values(name="Keyed"))
        wait_until(lambda: len(tavus.state.personas) >= 2, what="a persona on the workspace's key")
        keyed = [p for p in tavus.state.personas if p != persona_id][0]
        wait_until(  # sent again until the app has stored the persona Tavus already has (as above)
            lambda: "Try `" not in driver.command(f"interview {keyed}", channel="C0HIRING1").text,
            what="the keyed interview command taken",
        )
        wait_until(lambda: len(tavus.state.conversations) >= 2, what="a call on the workspace's key")
        tavus.control("config", {"extra_keys": []})  # Tavus refuses the workspace's key
        driver.command("persona")
        view = wait_until(lambda: driver.latest_view(ids.NEW_PERSONA), what="modal")
        driver.submit(view["id"], persona_values(name="Refused"))
        wait_until(
            lambda: "own Tavus API key" in str(slack.state.views[view["id"]]["blocks"]),
            what="the workspace-key sentence",
        )
        slack.state.bot_token = "xoxb-someone-else"  # and Slack our token
        tavus.control("config", {"api_key": TAVUS_KEY, "extra_keys": [WORKSPACE_KEY]})
        # the workspace key's persona: the operator's one lives in another account (issue 23)
        driver.command(f"interview {keyed} third", channel="C0HIRING1")
        time.sleep(1.0)
    finally:
        app.stop()
    log = app.log.read_text()
    assert "Slack refused the bot token (invalid_auth)" in log  # loud, once per failed call
    assert log.count("Slack refused the bot token") <= 3  # and no retry loop
    stored = (tmp_path / "app.db").read_bytes() + b"".join(
        str(r).encode() for r in sqlite3.connect(tmp_path / "app.db").execute("select * from events")
    )
    shown = "".join(
        str(part)
        for part in (slack.state.log, slack.state.messages, slack.state.responses, slack.state.views)
        + (slack.state.home, slack.state.ephemeral, slack.state.calls)
    )
    for secret in (BOT_TOKEN, SIGNING_SECRET, TAVUS_KEY, SEAL, CLIENT_SECRET, WORKSPACE_KEY):
        assert secret not in log, f"{secret[:6]}… in the logs"
        assert secret.encode() not in stored
        assert secret not in shown
    tokens = [
        c.body["callback_url"].rsplit("/", 1)[1].split("?")[0] for c in tavus.state.conversations.values()
    ]
    assert len(tokens) >= 2
    for token in tokens:  # the database keeps only each token's hash
        assert token not in log, [line for line in log.splitlines() if token in line][:2]
        assert token not in shown and token.encode() not in stored
    assert "DEBUG" in log  # the run really logged at the most talkative level


def test_log_filter_removes_secrets_from_messages_args_and_tracebacks():
    import logging

    from bot.logs import RedactSecrets

    redact = RedactSecrets(["tavus-key-123456", "signing-secret-xyz"])
    try:
        raise ValueError("boom with tavus-key-123456")
    except ValueError:
        import sys

        record = logging.LogRecord(
            "x",
            logging.ERROR,
            __file__,
            1,
            "key %s and %s",
            ("tavus-key-123456", "xoxb-1234-abcd"),
            sys.exc_info(),
        )
    redact.filter(record)
    text = record.getMessage() + (record.exc_text or "")
    assert "tavus-key-123456" not in text and "xoxb-1234-abcd" not in text and "***" in text
