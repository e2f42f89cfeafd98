"""The Slack stand-in answers like slack.com: auth, membership, Block Kit limits, rate limits."""

import httpx

from tests.conftest import BOT_TOKEN

AUTH = {"Authorization": f"Bearer {BOT_TOKEN}"}


def call(slack, method, token=BOT_TOKEN, **args):
    return httpx.post(f"{slack.url}/api/{method}", json=args, headers={"Authorization": f"Bearer {token}"})


def section(text="x"):
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def test_token_is_checked(slack):
    assert call(slack, "auth.test", token="xoxb-wrong").json() == {"ok": False, "error": "invalid_auth"}
    assert call(slack, "auth.test").json()["team_id"] == "T0ACME01"


def test_membership_rules(slack):
    assert call(slack, "chat.postMessage", channel="C0GENERAL", text="hi").json()["ok"]
    assert (
        call(slack, "chat.postMessage", channel="G0PRIVATE", text="hi").json()["error"] == "channel_not_found"
    )
    slack.state.scopes.discard("chat:write.public")
    assert call(slack, "chat.postMessage", channel="C0GENERAL", text="hi").json()["error"] == "not_in_channel"
    dm = call(slack, "chat.postMessage", channel="U0CAND01", text="hi").json()
    assert dm["channel"] == "D0CAND01"


def test_block_kit_limits_are_enforced(slack):
    too_many = call(slack, "chat.postMessage", channel="C0HIRING1", blocks=[section()] * 51, text="x")
    assert too_many.json()["error"] == "invalid_blocks"
    long_text = call(slack, "chat.postMessage", channel="C0HIRING1", blocks=[section("x" * 3001)], text="x")
    assert long_text.json()["error"] == "invalid_blocks"
    button = {
        "type": "actions",
        "elements": [{"type": "button", "text": {"type": "plain_text", "text": "b" * 76}, "action_id": "a"}],
    }
    assert (
        call(slack, "chat.postMessage", channel="C0HIRING1", blocks=[button], text="x").json()["error"]
        == "invalid_blocks"
    )
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "t" * 25}, "blocks": []}
    trigger = slack.state.new_trigger("U0OWNER1")
    assert call(slack, "views.open", trigger_id=trigger, view=modal).json()["error"] == "invalid_arguments"
    assert (
        call(slack, "chat.postMessage", channel="C0HIRING1", text="x" * 40_001).json()["error"]
        == "msg_too_long"
    )


def test_triggers_are_single_use(slack):
    view = {"type": "modal", "title": {"type": "plain_text", "text": "t"}, "blocks": [section()]}
    trigger = slack.state.new_trigger("U0OWNER1")
    assert call(slack, "views.open", trigger_id=trigger, view=view).json()["ok"]
    assert call(slack, "views.open", trigger_id=trigger, view=view).json()["error"] == "exchanged_trigger_id"
    assert call(slack, "views.open", trigger_id="nope", view=view).json()["error"] == "invalid_trigger_id"


def test_views_update_hash_conflict(slack):
    view = {"type": "modal", "title": {"type": "plain_text", "text": "t"}, "blocks": [section()]}
    opened = call(slack, "views.open", trigger_id=slack.state.new_trigger("U1"), view=view).json()["view"]
    assert (
        call(slack, "views.update", view_id=opened["id"], hash="stale", view=view).json()["error"]
        == "hash_conflict"
    )
    assert call(slack, "views.update", view_id=opened["id"], hash=opened["hash"], view=view).json()["ok"]


def test_rate_limit_on_demand(slack):
    httpx.post(
        f"{slack.url}/_sim/faults",
        json={"method": "chat.postMessage", "status": 429, "retry_after": 2, "times": 1},
    )
    limited = call(slack, "chat.postMessage", channel="C0GENERAL", text="hi")
    assert limited.status_code == 429 and limited.headers["retry-after"] == "2"
    assert call(slack, "chat.postMessage", channel="C0GENERAL", text="hi").json()["ok"]


def test_form_encoded_bodies(slack):
    answer = httpx.post(
        f"{slack.url}/api/chat.postMessage",
        headers=AUTH,
        data={"channel": "C0GENERAL", "blocks": '[{"type": "divider"}]', "text": "t"},
    ).json()
    assert answer["ok"] and answer["message"]["blocks"] == [{"type": "divider"}]


def test_every_call_is_recorded(slack):
    call(slack, "users.info", user="U0ADMIN1")
    assert slack.state.calls_to("users.info")[0]["result"]["user"]["is_admin"] is True


def test_permalinks_of_messages_that_exist(slack):
    posted = call(slack, "chat.postMessage", channel="U0OWNER1", text="hi").json()
    answer = call(slack, "chat.getPermalink", channel=posted["channel"], message_ts=posted["ts"]).json()
    ts = posted["ts"].replace(".", "")
    assert answer == {
        "ok": True,
        "channel": "D0OWNER1",
        "permalink": f"https://t0acme01.slack.com/archives/D0OWNER1/p{ts}",
    }
    assert call(slack, "chat.getPermalink", channel="D0OWNER1", message_ts="1.2").json()["error"] == (
        "message_not_found"
    )
    assert call(slack, "chat.getPermalink", channel="C0NOPE", message_ts="1.2").json()["error"] == (
        "channel_not_found"
    )
