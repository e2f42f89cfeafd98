"""Starting, listing and ending interviews through signed Slack requests."""

import threading

from bot.records import marker_for
from bot.slack import ids
from tests.conftest import wait_until
from tests.helpers import (
    callback_url,
    channel_messages,
    create_persona,
    interview_values,
    open_modal,
    responses_text,
    start_interview,
)

BOTH_BACKENDS = True  # every test here runs on SQLite and on PostgreSQL


def card_actions(message):
    return [el["action_id"] for b in message["blocks"] if b["type"] == "actions" for el in b["elements"]]


def test_open_interview_from_modal_posts_its_room_link_on_the_card(driver, slack, tavus, served):
    persona = create_persona(driver, served)
    conv = start_interview(driver, served, persona.persona_id, options=("recording",))
    card = channel_messages(slack, "C0HIRING1")[-1]
    assert card["ts"] == conv.message_ts
    join = next(
        el
        for b in card["blocks"]
        if b["type"] == "actions"
        for el in b["elements"]
        if el["action_id"] == ids.JOIN
    )
    assert join["url"] == conv.url and conv.url.endswith(f"/c/{conv.conversation_id}")
    assert card_actions(card) == [ids.JOIN, ids.END]
    text = str(card["blocks"])
    assert "Waiting for the candidate" in text and "<@U0OWNER1>" in text
    assert "anyone in this channel can join" in text  # issue 14: an open interview says so
    assert "require_auth" not in tavus.state.conversations[conv.conversation_id].body
    sent = tavus.state.conversations[conv.conversation_id].body
    # our reference rides in the callback URL, which Tavus echoes back; the name people see is clean
    assert sent["callback_url"] == callback_url(served, conv)
    assert sent["callback_url"].startswith(f"{served.url}/tavus/callback/")
    assert (
        sent["callback_url"].endswith(f"?ref={marker_for(conv.token)}")
        and conv.token not in sent["callback_url"]
    )
    assert "ref-" not in sent["conversation_name"] and "[" not in sent["conversation_name"]
    assert sent["properties"]["max_call_duration"] == 1800
    assert sent["properties"]["enable_recording"] is True
    assert sent["persona_id"] == persona.persona_id
    result = wait_until(
        lambda: [v for v in slack.state.views.values() if v.get("title", {}).get("text") == "Interview"],
        what="result view",
    )
    assert "Started" in str(result[-1]["blocks"])


def test_quick_interview_command_shows_progress_then_result(driver, slack, tavus, served):
    create_persona(driver, served, name="Screening bot")
    response = driver.command("interview Screening bot <@U0CAND01|casey> Frontend round", channel="C0HIRING1")
    assert "Creating an interview with *Screening bot*" in response.json()["text"]
    texts = wait_until(
        lambda: [t for t in responses_text(slack, response.response_url) if "Invited" in t],
        what="result replacing the progress hint",
    )
    assert "<#C0HIRING1>" in texts[0] and "/i/" in texts[0]  # the private link, to the owner only
    replaced = [
        r for r in slack.state.responses if r["url"] == response.response_url and not r.get("from_ack")
    ]
    assert replaced[-1]["body"]["replace_original"] is True
    conv = served.deps.store.invites_of("T0ACME01", "U0OWNER1")[0]
    assert conv.name == "Frontend round" and conv.candidate_id == "U0CAND01"
    assert channel_messages(slack, "C0HIRING1")[-1]["ts"] == conv.message_ts


def test_quick_interview_unknown_persona(driver, tavus, served):
    body = driver.command("interview Nobody").json()
    assert "I found no persona called `Nobody`" in body["text"]
    # a name of several words is named whole, up to the candidate; outside text is escaped
    body = driver.command("interview Nonexistent Persona <@U0CAND01|casey> Final").json()
    assert "I found no persona called `Nonexistent Persona` that you can use" in body["text"]
    body = driver.command("interview\nNo <one> here jo@example.com").json()
    assert "I found no persona called `No &lt;one&gt; here` that you can use" in body["text"]
    assert not tavus.state.conversations


def test_interviews_list_shows_join_and_end(driver, served):
    persona = create_persona(driver, served)
    conv = start_interview(driver, served, persona.persona_id)
    blocks = driver.command("interviews").json()["blocks"]
    assert conv.conversation_id in str(blocks) and ids.END in str(blocks) and conv.url in str(blocks)
    assert "no waiting or live" in driver.command("interviews", user="U0OTHER1").json()["text"]


def test_owner_ends_from_card_once(driver, slack, tavus, served):
    persona = create_persona(driver, served)
    conv = start_interview(driver, served, persona.persona_id)
    card = channel_messages(slack, "C0HIRING1")[-1]
    driver.click(ids.END, conv.conversation_id, message=card, channel="C0HIRING1")
    driver.click(ids.END, conv.conversation_id, message=card, channel="C0HIRING1")  # a double click
    wait_until(lambda: "ended by <@U0OWNER1> from Slack" in str(card["blocks"]), what="card shows ended")
    assert ids.END not in card_actions(card) and ids.JOIN not in card_actions(card)
    assert tavus.state.conversations[conv.conversation_id].status == "ended"
    # Tavus's own shutdown callback arrives later: no second "ended" edit
    wait_until(lambda: served.deps.store.events_of(conv.conversation_id), what="shutdown callback")
    updates = [c for c in slack.state.calls_to("chat.update") if c["args"]["ts"] == conv.message_ts]
    assert len(updates) == 1
    assert served.deps.store.conversation_by_token(conv.token).status == "ended"


def test_someone_else_cannot_end_but_admin_can(driver, slack, tavus, served):
    persona = create_persona(driver, served)
    conv = start_interview(driver, served, persona.persona_id)
    response = driver.command(f"end {conv.conversation_id}", user="U0OTHER1")
    texts = wait_until(
        lambda: [t for t in responses_text(slack, response.response_url) if "Only" in t], what="refusal"
    )
    assert "Only <@U0OWNER1> or an admin can end" in texts[0]
    assert tavus.state.conversations[conv.conversation_id].status == "active"
    response = driver.command(f"end {conv.conversation_id}", user="U0ADMIN1")
    wait_until(
        lambda: [t for t in responses_text(slack, response.response_url) if "Ended" in t], what="ended"
    )
    assert tavus.state.conversations[conv.conversation_id].status == "ended"
    assert served.deps.store.conversation_by_token(conv.token).ended_by == "U0ADMIN1"


def test_end_unknown_and_missing_id(driver, slack, served):
    assert "Which interview?" in driver.command("end").json()["text"]
    response = driver.command("end c0000000")
    wait_until(
        lambda: [t for t in responses_text(slack, response.response_url) if "found no interview" in t],
        what="unknown id message",
    )


def test_tavus_outage_is_explained_and_recorded(driver, slack, tavus, served):
    persona = create_persona(driver, served)
    tavus.control("faults", {"method": "POST", "path": "/v2/conversations", "status": 503, "times": 10})
    tavus.control("faults", {"method": "GET", "path": "/v2/conversations", "status": 503, "times": 40})
    response = driver.command(f"interview {persona.persona_id}", channel="C0HIRING1")
    texts = wait_until(
        lambda: [t for t in responses_text(slack, response.response_url) if "couldn't" in t],
        timeout=30,
        what="outage message",
    )
    assert "Tavus had a problem on its side (503)" in texts[0]
    rows = served.deps.store._conversations("team_id = ?", ("T0ACME01",))
    assert [r.status for r in rows] == ["failed"]
    assert not channel_messages(slack, "C0HIRING1") or all(
        "Waiting" not in str(m) for m in channel_messages(slack, "C0HIRING1")
    )


def test_concurrency_limit_lists_running_interviews(driver, slack, tavus, served):
    tavus.control("config", {"concurrency_limit": 1})
    persona = create_persona(driver, served)
    first = start_interview(driver, served, persona.persona_id)
    response = driver.command(f"interview {persona.persona_id}", channel="C0GENERAL")
    body = wait_until(
        lambda: [
            r["body"]
            for r in slack.state.responses
            if r["url"] == response.response_url and "maximum" in r["body"].get("text", "")
        ],
        what="limit message",
    )[0]
    assert first.conversation_id in str(body["blocks"]) and ids.END in str(body["blocks"])


def test_not_in_channel_tells_how_to_fix_with_the_link(driver, slack, tavus, served):
    slack.state.scopes.discard("chat:write.public")
    persona = create_persona(driver, served)
    response = driver.command(f"interview {persona.persona_id}", channel="C0GENERAL")
    texts = wait_until(
        lambda: [t for t in responses_text(slack, response.response_url) if "ready" in t],
        what="not_in_channel message",
    )
    conv = served.deps.store.active_of("T0ACME01", "U0OWNER1")[0]
    assert "/invite @Tavus" in texts[0] and conv.url in texts[0]
    assert conv.error == "post_failed: not_in_channel"


def test_private_channel_not_found_is_caught_before_tavus(driver, slack, tavus, served):
    persona = create_persona(driver, served)
    response = driver.command(f"interview {persona.persona_id}", channel="G0PRIVATE")
    texts = wait_until(
        lambda: [t for t in responses_text(slack, response.response_url) if "private" in t],
        what="channel_not_found message",
    )
    assert "it is private" in texts[0] and "/invite @Tavus" in texts[0]
    assert not tavus.state.conversations  # nothing billed for a card nobody could see


def test_double_submission_starts_one_interview(driver, slack, tavus, served):
    persona = create_persona(driver, served)
    view = open_modal(driver, "interview", ids.START_INTERVIEW)
    values = interview_values(persona.persona_id)
    threads = [threading.Thread(target=driver.submit, args=(view["id"], values)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wait_until(lambda: channel_messages(slack, "C0HIRING1"), what="card")
    import time

    time.sleep(0.3)
    assert len(tavus.state.conversations) == 1
    assert len(channel_messages(slack, "C0HIRING1")) == 1


def test_interview_modal_inline_errors(driver, tavus, served):
    persona = create_persona(driver, served)
    view = open_modal(driver, "interview", ids.START_INTERVIEW)
    body = driver.submit(view["id"], interview_values(persona.persona_id, minutes="90", channel=None)).json()
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {ids.I_MINUTES, ids.I_CHANNEL}
    forged = interview_values("p_not_mine", minutes="-1")
    body = driver.submit(view["id"], forged).json()
    assert set(body["errors"]) == {ids.I_PERSONA, ids.I_MINUTES}
    assert not tavus.state.conversations


def test_interview_modal_defaults_to_the_commands_channel(driver, served):
    create_persona(driver, served)
    view = open_modal(driver, "interview", ids.START_INTERVIEW, channel="C0HIRING1")
    channel = next(b for b in view["blocks"] if b.get("block_id") == ids.I_CHANNEL)
    assert channel["element"]["initial_conversation"] == "C0HIRING1"
    assert '"channel_id": "C0HIRING1"' in view["private_metadata"]


def test_interview_modal_without_personas_says_so(driver, served):
    view = open_modal(driver, "interview", ids.START_INTERVIEW)
    assert "no personas yet" in str(view["blocks"]) and "submit" not in view


def test_forged_or_hidden_channel_is_refused_before_tavus(driver, slack, tavus, served):
    persona = create_persona(driver, served)
    for channel in ("C0NOWHERE9", "G0PRIVATE"):  # another workspace's channel; a private one we are not in
        view = open_modal(driver, "interview", ids.START_INTERVIEW)
        body = driver.submit(view["id"], interview_values(persona.persona_id, channel=channel)).json()
        assert body["response_action"] == "errors"
        assert "/invite @Tavus" in body["errors"][ids.I_CHANNEL]
    assert not tavus.state.conversations


def test_quick_interview_claims_on_a_store_thread_while_the_claims_lock_is_held(driver, slack, served):
    """The claim before the ack runs on the loop's thread only when SQLite answers at once. With
    the claims file locked by another process, it goes to a store thread and waits there: the
    loop stays free (a second request is answered meanwhile), the ack comes once the lock goes,
    and the guard against a repeated command still holds."""
    import sqlite3
    import time

    store = served.deps.store
    create_persona(driver, served, name="Screening bot")
    pool = served.deps.acks.pool  # the ack's store threads: count what is handed to them
    handed: list[object] = []
    submit = pool.submit
    pool.submit = lambda *a, **k: handed.append(a) or submit(*a, **k)
    free = driver.command("interview Screening bot Free round", channel="C0HIRING1").json()
    assert "Creating an interview" in free["text"]
    if store.db.dialect == "postgres":
        assert len(handed) == 1  # PostgreSQL claims always take the thread (a network trip)
        return
    assert handed == []  # SQLite answered at once: the claim ran on the loop's own thread
    other = sqlite3.connect(store.db.claims().path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    answers: dict[str, object] = {}

    def send() -> None:
        answers["first"] = driver.command("interview Screening bot Locked round", channel="C0HIRING1")
        answers["at"] = time.monotonic()

    sender = threading.Thread(target=send)
    sender.start()
    time.sleep(0.5)
    assert "first" not in answers  # it waits for the claims lock ...
    listed = driver.command("personas").json()  # ... on a store thread: the loop answers others
    assert "Screening bot" in str(listed)
    released = time.monotonic()
    other.execute("ROLLBACK")
    other.close()
    sender.join(10)
    assert "Creating an interview" in answers["first"].json()["text"]
    assert answers["at"] >= released
    assert len(handed) == 1  # the locked claim went to a store thread
    again = driver.command("interview Screening bot Locked round", channel="C0HIRING1").json()
    assert "moments ago" in again["text"]
