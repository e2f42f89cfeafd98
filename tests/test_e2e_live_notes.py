"""Issue 15, during the call: the Note to interviewer button on the owner's private views, its
modal, and what each of Tavus's send-app-message answers becomes."""

import httpx

from bot.slack import ids
from sim.driver import form_values, text_value
from tests.conftest import wait_until
from tests.helpers import channel_messages, create_persona, responses_text, start_interview

HOSTILE = "Dig into <!channel> & <@U0ADMIN1> *their* `testing`"


def home_of(driver, slack, user="U0OWNER1"):
    before = slack.state.home.get(user)
    driver.home_opened(user)
    return wait_until(lambda: (h := slack.state.home.get(user)) is not before and h, what="home published")


def note_buttons(blocks) -> list[str]:
    return [
        e.get("value")
        for b in blocks
        for e in b.get("elements", [])
        if b.get("type") == "actions" and e.get("action_id") == ids.OPEN_NOTE
    ]


def live_interview(driver, tavus, served, name="Backend round 1"):
    persona = create_persona(driver, served, name="Planned")
    conv = start_interview(driver, served, persona.persona_id, name=name)
    return persona, conv


def go_live(tavus, served, conv):
    tavus.control(f"conversations/{conv.conversation_id}/join")
    store = served.deps.store
    wait_until(lambda: store.conversation_by_token(conv.token).status == "live", what="live")


def open_note(driver, conv, user="U0OWNER1", **where):
    driver.click(ids.OPEN_NOTE, conv.conversation_id, user=user, **where)
    return wait_until(lambda: driver.latest_view(ids.NOTE_VIEW, user), what="note modal")


def submit_note(driver, view, text, user="U0OWNER1"):
    return driver.submit(view["id"], form_values(**{ids.N_TEXT: text_value(text)}), user=user)


def shown(driver, view_id, want):
    def check():
        view = driver.state.views.get(view_id)
        return view if want in str(view) else None

    return wait_until(check, what=want, timeout=10)


def notes_at_tavus(tavus, conv):
    return [m["properties"]["context"] for m in tavus.state.conversations[conv.conversation_id].app_messages]


def dms(slack, channel="D0OWNER1"):
    return [m["text"] for m in channel_messages(slack, channel)]


def test_button_only_while_live_and_only_on_private_views(driver, slack, tavus, served):
    _, conv = live_interview(driver, tavus, served)
    assert not note_buttons(home_of(driver, slack)["blocks"])  # waiting: the candidate is not there
    go_live(tavus, served, conv)
    assert note_buttons(home_of(driver, slack)["blocks"]) == [conv.conversation_id]
    listed = driver.command("interviews")
    assert note_buttons(listed.json()["blocks"]) == [conv.conversation_id]
    # the channel card is public: no note button there, ever
    wait_until(lambda: "Live" in str(channel_messages(slack, conv.channel_id)), what="card live")
    assert ids.OPEN_NOTE not in str(channel_messages(slack, conv.channel_id))
    assert not note_buttons(home_of(driver, slack, "U0OTHER1")["blocks"])
    # an admin sees everyone's live interviews, with the button
    assert conv.conversation_id in note_buttons(home_of(driver, slack, "U0ADMIN1")["blocks"])


def test_note_from_home_reaches_tavus_once_and_is_told_privately(driver, slack, tavus, served):
    _, conv = live_interview(driver, tavus, served)
    go_live(tavus, served, conv)
    home = home_of(driver, slack)
    view = open_note(driver, conv, view_id=home["id"])
    assert "does not hear it" in str(view["blocks"])
    empty = submit_note(driver, view, "   ").json()
    assert empty["response_action"] == "errors" and "empty" in empty["errors"][ids.N_TEXT]
    answer = submit_note(driver, view, HOSTILE).json()
    assert answer["response_action"] == "update"  # acked with a progress view, Tavus after
    shown(driver, view["id"], "Sent your note")
    assert notes_at_tavus(tavus, conv) == [HOSTILE]
    told = wait_until(lambda: [t for t in dms(slack) if "Sent your note" in t], what="owner told")
    assert len(told) == 1 and "Backend round 1" in told[0]


def test_someone_else_cannot_send_a_note(driver, slack, tavus, served):
    _, conv = live_interview(driver, tavus, served, name="<b>Round</b> & co")
    go_live(tavus, served, conv)
    view = open_note(driver, conv, user="U0OTHER1", channel="C0GENERAL", ephemeral=True)
    submit_note(driver, view, "Ask about salary.", user="U0OTHER1")
    shown(driver, view["id"], "Only <@U0OWNER1> or an admin")
    assert "&lt;b&gt;Round&lt;/b&gt; &amp; co" in str(driver.state.views[view["id"]])
    assert not notes_at_tavus(tavus, conv)
    wait_until(lambda: [t for t in dms(slack, "D0OTHER1") if "Only <@U0OWNER1>" in t], what="told")


def test_busy_maybe_delivered_and_not_active_each_say_so(driver, slack, tavus, served):
    _, conv = live_interview(driver, tavus, served)
    go_live(tavus, served, conv)
    sends = f"/v2/conversations/{conv.conversation_id}/send-app-message"

    def attempts():
        return len([r for r in tavus.state.requests if r["path"] == sends])

    # 429 with a long Retry-After: told at once, the text kept in the form, nothing re-sent
    tavus.control("config", {"app_message_rate_per_minute": 1})
    view = open_note(driver, conv, channel="C0GENERAL", ephemeral=True)
    submit_note(driver, view, "First.")
    shown(driver, view["id"], "Sent your note")
    view = open_note(driver, conv, channel="C0GENERAL", ephemeral=True)
    submit_note(driver, view, "Second.")
    busy = shown(driver, view["id"], "Tavus is busy, try again in")
    assert busy["callback_id"] == ids.NOTE_VIEW and "Second." in str(busy)
    assert attempts() == 2 and notes_at_tavus(tavus, conv) == ["First."]
    tavus.control("config", {"app_message_rate_per_minute": 120})
    # 504: it may have arrived; never sent again
    tavus.control(f"conversations/{conv.conversation_id}/app-message-fault", {"status": 504})
    submit_note(driver, driver.state.views[view["id"]], "Second.")
    shown(driver, view["id"], "may have passed")
    assert attempts() == 3 and notes_at_tavus(tavus, conv).count("Second.") == 1
    wait_until(lambda: [t for t in dms(slack) if "may have passed" in t], what="told privately")
    # 400: Tavus ended it and we did not hear (its callback lost)
    tavus.control("config", {"callback_mode": "drop"})
    key = {"x-api-key": "sim-tavus-key"}
    assert httpx.post(f"{tavus.url}/v2/conversations/{conv.conversation_id}/end", headers=key).is_success
    view = open_note(driver, conv, channel="C0GENERAL", ephemeral=True)
    submit_note(driver, view, "Third.")
    shown(driver, view["id"], "no longer active")


def test_note_command_one_quick_retry_then_busy(driver, slack, tavus, served):
    _, conv = live_interview(driver, tavus, served, name="Quick")
    go_live(tavus, served, conv)
    sends = f"/v2/conversations/{conv.conversation_id}/send-app-message"
    # a short Retry-After is waited out once
    tavus.control("faults", {"method": "POST", "path": sends, "status": 429, "retry_after": "1"})
    first = driver.command("note Quick Ask about Go.")
    wait_until(
        lambda: any("Sent your note" in t for t in responses_text(slack, first.response_url)), what="sent"
    )
    before = len([r for r in tavus.state.requests if r["path"] == sends])
    assert before == 2 and notes_at_tavus(tavus, conv) == ["Ask about Go."]
    # a long one is told, with its number of seconds, after one request
    tavus.control("config", {"app_message_rate_per_minute": 1})
    second = driver.command("note Quick Ask about Rust.")
    told = wait_until(
        lambda: [t for t in responses_text(slack, second.response_url) if "Tavus is busy" in t], what="busy"
    )
    assert "try again in 5" in told[0] or "try again in 6" in told[0]
    assert len([r for r in tavus.state.requests if r["path"] == sends]) == before + 1


def test_a_failure_on_our_side_after_the_ack_never_leaves_the_modal_spinning(driver, slack, tavus, served):
    """An admin's right is read from Slack (users.info): a connection reset there, after the modal
    showed "Sending…", must end in a sentence, not a spinner for ever."""
    _, conv = live_interview(driver, tavus, served)
    go_live(tavus, served, conv)
    view = open_note(driver, conv, user="U0ADMIN1", channel="C0GENERAL", ephemeral=True)
    slack.state.faults.append({"method": "users.info", "kind": "reset", "times": 10_000})
    answer = submit_note(driver, view, "Ask about on-call.", user="U0ADMIN1").json()
    assert answer["response_action"] == "update"
    shown(driver, view["id"], "may not have reached the interviewer")
    slack.state.faults.clear()
