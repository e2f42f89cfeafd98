"""Many workspaces: Slack's OAuth install flow, uninstalls, and each workspace's own Tavus key."""

import json
import re
import sqlite3
import time

import httpx
import pytest
from cryptography.fernet import Fernet

from bot.config import SettingsError, load_settings
from bot.slack import ids
from sim.driver import SlackDriver, form_values, text_value
from tests.conftest import SIGNING_SECRET, wait_until
from tests.helpers import open_modal, persona_values

SEAL = Fernet.generate_key().decode()
OAUTH = {
    "SLACK_BOT_TOKEN": None,
    "SLACK_CLIENT_ID": "1111.2222",
    "SLACK_CLIENT_SECRET": "sim-client-secret",
    "TAVUS_SLACK_ENCRYPTION_KEY": SEAL,
}  # the Slack stand-in's client id and secret


def install(served, slack, team="T0BETA001") -> None:
    with httpx.Client(base_url=served.url) as browser:
        page = browser.get("/slack/install")
        assert page.status_code == 200
        state = re.search(r"state=([\w-]+)", page.text).group(1)
        # Bolt's state cookie is https-only: hand it back the way a browser on https would
        cookie = page.headers["set-cookie"].split(";")[0]
        code = httpx.post(f"{slack.url}/_sim/oauth_code", json={"team_id": team}).json()["code"]
        done = browser.get(
            "/slack/oauth_redirect", params={"code": code, "state": state}, headers={"Cookie": cookie}
        )
        assert done.status_code == 200, done.text[:500]
        replay = browser.get(
            "/slack/oauth_redirect", params={"code": code, "state": state}, headers={"Cookie": cookie}
        )
        assert replay.status_code != 200  # a state works once


def every_row(store) -> dict[str, list[dict]]:
    from bot.store.migrations import DIALECTS

    tables = [r["name"] for r in store.db.read(DIALECTS[store.db.dialect]["tables"])]
    return {t: store.db.read(f"select * from {t}") for t in sorted(tables) if not t.startswith("sqlite_")}


def assert_ignored(served, slack, send) -> None:
    """Bolt finds no installation: it answers 200 with an empty body (so Slack does not retry),
    posts its own "reinstall this app" line to the command's response_url and runs no listener,
    so no Slack Web API call is made and no row is written."""
    rows, calls, answers = every_row(served.deps.store), len(slack.state.log), len(slack.state.responses)
    response = send()
    assert (response.status_code, response.text) == (200, "")
    told = wait_until(lambda: slack.state.responses[answers:], what="Bolt's answer")
    assert [r["url"] for r in told] == [response.response_url]
    assert "Please reinstall this app" in told[0]["body"]["text"]
    time.sleep(0.5)  # a listener would work after the ack: give it the time to show
    assert len(slack.state.responses) == answers + 1
    assert slack.state.log[calls:] == []
    assert every_row(served.deps.store) == rows


def test_install_use_and_uninstall_a_workspace(serve, slack, tavus, tmp_path):
    served = serve(**OAUTH)
    driver = SlackDriver(served.url, SIGNING_SECRET, slack.state, slack.url)
    install(served, slack)
    token = served.deps.ws.slack_token("T0BETA001")
    assert token and token.startswith("xoxb-t0beta001-")
    row = served.deps.store.workspace("T0BETA001")
    assert token not in str(row)  # sealed at rest
    assert "Tavus AI interviews" in str(driver.command("help", team="T0BETA001").json()["blocks"])
    assert_ignored(served, slack, lambda: driver.command("help", team="T0NOTHERE"))  # never installed
    body = {
        "token": "legacy",
        "team_id": "T0BETA001",
        "api_app_id": "A0APP0001",
        "type": "event_callback",
        "event_id": "Ev0UNINST1",
        "event_time": 1,
        "event": {"type": "app_uninstalled"},
    }
    assert driver.post(json.dumps(body), "application/json").status_code == 200
    wait_until(lambda: served.deps.ws.slack_token("T0BETA001") is None, what="token forgotten")
    httpx.post(f"{slack.url}/_sim/revoke", json={"team_id": "T0BETA001"})
    assert_ignored(served, slack, lambda: driver.command("help", team="T0BETA001"))  # uninstalled


def test_posts_use_each_workspace_token(serve, slack, tavus):
    served = serve(**OAUTH)
    driver = SlackDriver(served.url, SIGNING_SECRET, slack.state, slack.url)
    install(served, slack)
    view = open_modal_in(driver, "T0BETA001")
    driver.submit(view["id"], persona_values(name="Beta bot"), team="T0BETA001")
    persona = wait_until(lambda: served.deps.store.personas_of("T0BETA001", "U0OWNER1"), what="persona")[0]
    driver.command(f"interview {persona.persona_id}", team="T0BETA001", channel="C0HIRING1")
    wait_until(lambda: slack.state.messages.get("C0HIRING1"), what="card")
    posts = slack.state.calls_to("chat.postMessage")
    assert posts and all(p["team"] == "T0BETA001" for p in posts)


def open_modal_in(driver, team):
    driver.command("persona", team=team)
    return wait_until(
        lambda: (v := driver.latest_view(ids.NEW_PERSONA)) and "Loading" not in str(v["blocks"]) and v,
        what="persona modal",
    )


def test_workspace_sets_its_own_tavus_key(serve, slack, tavus, tmp_path):
    served = serve(TAVUS_API_KEY=None, TAVUS_SLACK_ENCRYPTION_KEY=SEAL)
    driver = SlackDriver(served.url, SIGNING_SECRET, slack.state, slack.url)
    tavus.control("config", {"extra_keys": ["beta-own-key-123"]})
    # no key anywhere yet: a clear sentence, nothing created
    view = open_modal(driver, "persona", ids.NEW_PERSONA)
    driver.submit(view["id"], persona_values(name="Keyless"))
    wait_until(lambda: "no Tavus API key yet" in str(slack.state.views[view["id"]]["blocks"]), what="no key")
    # only admins see the button
    driver.home_opened("U0OTHER1")
    other = wait_until(lambda: slack.state.home.get("U0OTHER1"), what="home")
    assert ids.OPEN_TAVUS_KEY not in str(other["blocks"])
    driver.home_opened("U0ADMIN1")
    home = wait_until(lambda: slack.state.home.get("U0ADMIN1"), what="admin home")
    assert ids.OPEN_TAVUS_KEY in str(home["blocks"])
    driver.click(ids.OPEN_TAVUS_KEY, user="U0ADMIN1", view_id=home["id"])
    modal = wait_until(lambda: driver.latest_view(ids.TAVUS_KEY, "U0ADMIN1"), what="key modal")
    assert (
        driver.submit(modal["id"], form_values(key=text_value("wrong key")), user="U0ADMIN1").json()[
            "response_action"
        ]
        == "errors"
    )
    driver.submit(modal["id"], form_values(key=text_value("bad-key-000")), user="U0ADMIN1")
    wait_until(
        lambda: "Tavus rejected this key" in str(slack.state.views[modal["id"]]["blocks"]),
        what="rejected key",
    )
    driver.submit(modal["id"], form_values(key=text_value("beta-own-key-123")), user="U0ADMIN1")
    wait_until(lambda: "Saved" in str(slack.state.views[modal["id"]]["blocks"]), what="saved")
    assert served.deps.ws.has_own_tavus_key("T0ACME01")
    # now it works, with that key
    view = open_modal(driver, "persona", ids.NEW_PERSONA)
    driver.submit(view["id"], persona_values(name="Keyed"))
    wait_until(lambda: served.deps.store.personas_of("T0ACME01", "U0OWNER1"), what="persona with own key")
    db = (tmp_path / "tavus-slack.db").read_bytes()
    assert b"beta-own-key-123" not in db
    rows = sqlite3.connect(tmp_path / "tavus-slack.db").execute("select action from audit").fetchall()
    assert ("workspace.tavus_key",) in rows


def test_non_admin_cannot_set_the_key(serve, slack, tavus):
    served = serve(TAVUS_SLACK_ENCRYPTION_KEY=SEAL)
    driver = SlackDriver(served.url, SIGNING_SECRET, slack.state, slack.url)
    driver.home_opened("U0ADMIN1")
    home = wait_until(lambda: slack.state.home.get("U0ADMIN1"), what="admin home")
    driver.click(ids.OPEN_TAVUS_KEY, user="U0OTHER1", view_id=home["id"])  # a forged click
    time.sleep(0.3)
    assert driver.latest_view(ids.TAVUS_KEY, "U0OTHER1") is None


def test_oauth_needs_an_encryption_key(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    for name in ("SLACK_BOT_TOKEN", "TAVUS_SLACK_ENCRYPTION_KEY"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(SettingsError, match="TAVUS_SLACK_ENCRYPTION_KEY is missing"):
        load_settings(
            SLACK_CLIENT_ID="1.2",
            SLACK_CLIENT_SECRET="s",
            SLACK_SIGNING_SECRET="x" * 10,
            TAVUS_API_KEY="k" * 10,
        )
    with pytest.raises(SettingsError, match="must be a Fernet key"):
        load_settings(
            SLACK_BOT_TOKEN="xoxb-1", SLACK_SIGNING_SECRET="x" * 10, TAVUS_SLACK_ENCRYPTION_KEY="nope"
        )
