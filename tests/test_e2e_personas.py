"""New persona modal, persona lists and deletion, through signed Slack requests."""

from bot.slack import ids
from tests.conftest import wait_until
from tests.helpers import ESSENTIALS, create_persona, open_modal, persona_values, responses_text


def test_persona_modal_opens_then_fills_replicas(driver, slack, served):
    view = open_modal(driver, "persona", ids.NEW_PERSONA)
    assert slack.state.calls_to("views.open")
    # the first view went out at once; Tavus's replicas arrive by views.update
    wait_until(lambda: slack.state.calls_to("views.update"), what="replicas filled in")
    replica_block = next(
        b for b in slack.state.views[view["id"]]["blocks"] if b.get("block_id") == ids.P_REPLICA
    )
    values = [o["value"] for o in replica_block["element"]["options"]]
    assert "rfe12d8b9597" in values and "rf4e9d9790f0" in values
    assert replica_block["element"]["initial_option"]["value"] == "rfe12d8b9597"


def test_create_full_pipeline_persona(driver, slack, tavus, served):
    persona = create_persona(driver, served)
    sent = tavus.state.personas[persona.persona_id]
    assert sent["pipeline_mode"] == "full"
    assert sent["default_replica_id"] == "rfe12d8b9597"
    assert sent["layers"]["perception"]["perception_model"] == "raven-0"
    assert sent["layers"]["conversational_flow"]["turn_detection_model"] == "sparrow-1"
    assert "stt" not in sent["layers"]  # the legacy form is read, no longer written (issue 15)
    assert persona.owner_id == "U0OWNER1" and persona.team_id == "T0ACME01"
    final = wait_until(
        lambda: [
            v for v in slack.state.views.values() if v.get("title", {}).get("text") == "Persona created"
        ],
        what="result view",
    )
    assert persona.persona_id in str(final[0]["blocks"])


def test_persona_modal_inline_errors(driver, tavus, served):
    view = open_modal(driver, "persona", ids.NEW_PERSONA)
    response = driver.submit(view["id"], persona_values(name="", prompt=None))
    body = response.json()
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {ids.P_NAME, ids.P_PROMPT}
    assert not tavus.state.personas  # nothing was sent to Tavus


def test_echo_with_perception_is_refused(driver, tavus, served):
    view = open_modal(driver, "persona", ids.NEW_PERSONA)
    body = driver.submit(view["id"], persona_values(mode="echo", prompt=None)).json()
    assert body["response_action"] == "errors"
    assert "Echo mode" in body["errors"][ids.P_PERCEPTION]
    assert "smart turn" in body["errors"][ids.P_SMART_TURN]
    assert not tavus.state.personas


def test_too_long_prompt_is_refused(driver, tavus, served):
    view = open_modal(driver, "persona", ids.NEW_PERSONA)
    body = driver.submit(view["id"], persona_values(prompt="x" * 3001)).json()
    assert "3001 characters" in body["errors"][ids.P_PROMPT]


def test_unknown_custom_replica_is_shown_under_the_field(driver, slack, tavus, served):
    view = open_modal(driver, "persona", ids.NEW_PERSONA)
    body = driver.submit(view["id"], persona_values(custom="r00000bad")).json()
    assert body["response_action"] == "update"  # Tavus is asked after the ack

    def form_again():
        current = slack.state.views.get(view["id"], {})
        return current if "Tavus does not know" in str(current.get("blocks")) else None

    again = wait_until(form_again, what="form shown again with the error")
    blocks = again["blocks"]
    at = next(i for i, b in enumerate(blocks) if b.get("block_id") == ids.P_CUSTOM_REPLICA)
    assert "Tavus does not know replica r00000bad" in blocks[at + 1]["elements"][0]["text"]
    assert blocks[at]["element"]["initial_value"] == "r00000bad"  # what they typed is kept
    assert not served.deps.store.personas_of("T0ACME01", "U0OWNER1")


def test_double_submission_creates_one_persona(driver, tavus, served):
    view = open_modal(driver, "persona", ids.NEW_PERSONA)
    values = persona_values(name="Twice")
    import threading

    submitted = dict(view)
    threads = [threading.Thread(target=driver.submit, args=(submitted["id"], values)) for _ in range(2)]
    driver.state.views[view["id"]] = submitted  # both clicks carry the same view and hash
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wait_until(lambda: served.deps.store.personas_of("T0ACME01", "U0OWNER1"), what="persona")
    import time

    time.sleep(0.3)
    assert len([p for p in tavus.state.personas.values() if p["persona_name"] == "Twice"]) == 1


def test_personas_list_and_delete_by_owner(driver, slack, tavus, served):
    persona = create_persona(driver, served)
    listing = driver.command("personas")
    assert persona.persona_id in str(listing.json()["blocks"])
    response = driver.click(ids.DELETE_PERSONA, persona.persona_id, channel="C0GENERAL", ephemeral=True)
    assert response.status_code == 200
    wait_until(lambda: persona.persona_id not in tavus.state.personas, what="deleted at Tavus")
    # the store forgets it once Tavus has answered, a moment after Tavus dropped it
    wait_until(lambda: served.deps.store.persona("T0ACME01", persona.persona_id) is None, what="forgotten")
    log = served.deps.store.audit_log("T0ACME01")
    assert [a["action"] for a in log] == ["persona.create", "persona.delete"]


def test_delete_by_someone_else_is_refused(driver, slack, tavus, served):
    persona = create_persona(driver, served)
    response = driver.command(f"delete {persona.persona_id}", user="U0OTHER1")
    url = response.response_url
    texts = wait_until(lambda: responses_text(slack, url), what="refusal")
    assert "Only <@U0OWNER1> or an admin" in texts[0]
    driver.click(ids.DELETE_PERSONA, persona.persona_id, user="U0OTHER1", channel="C0GENERAL")
    import time

    time.sleep(0.3)
    assert persona.persona_id in tavus.state.personas


def test_delete_by_slack_admin(driver, slack, tavus, served):
    persona = create_persona(driver, served)
    response = driver.command(f"delete {persona.persona_id}", user="U0ADMIN1")
    texts = wait_until(lambda: responses_text(slack, response.response_url), what="confirm prompt")
    assert "Delete persona" in texts[0]
    driver.click(ids.DELETE_PERSONA, persona.persona_id, user="U0ADMIN1", channel="C0GENERAL")
    wait_until(lambda: persona.persona_id not in tavus.state.personas, what="deleted by admin")


def test_delete_by_configured_admin(serve, slack, tavus):
    from sim.driver import SlackDriver
    from tests.conftest import SIGNING_SECRET

    served = serve(TAVUS_SLACK_ADMINS="U0OTHER1")
    driver = SlackDriver(served.url, SIGNING_SECRET, slack.state, slack.url)
    persona = create_persona(driver, served)
    driver.click(ids.DELETE_PERSONA, persona.persona_id, user="U0OTHER1", channel="C0GENERAL")
    wait_until(lambda: persona.persona_id not in tavus.state.personas, what="deleted by listed admin")


def test_start_an_interview_from_a_new_persona_posts_where_the_command_was_typed(driver, served):
    """`/tavus persona` in #hiring, then the result's *Start an interview*: the card's channel is
    #hiring already (a modal's clicks carry no channel; the modal remembers it)."""
    view = open_modal(driver, "persona", ids.NEW_PERSONA, channel="C0HIRING1")
    driver.submit(view["id"], persona_values(name="Channel bot"))
    persona = wait_until(
        lambda: next((p for p in served.deps.store.personas_of("T0ACME01", "U0OWNER1")), None),
        what="persona",
    )
    done = wait_until(
        lambda: (v := driver.state.views[view["id"]]) and ids.START_FROM_PERSONA in str(v["blocks"]) and v,
        what="the persona's result view",
    )
    driver.click(ids.START_FROM_PERSONA, persona.persona_id, view_id=done["id"])
    form = wait_until(lambda: driver.latest_view(ids.START_INTERVIEW), what="interview form")
    channel = next(b for b in form["blocks"] if b.get("block_id") == ids.I_CHANNEL)
    assert channel["element"]["initial_conversation"] == "C0HIRING1"


def block(view: dict, block_id: str) -> dict | None:
    return next((b for b in view["blocks"] if b.get("block_id") == block_id), None)


def test_persona_command_fills_in_the_whole_name(driver, slack, served):
    """Issue 22: `/tavus persona <name>` opens the form with that name (all of it, unescaped)."""
    view = open_modal(driver, "persona Backend &amp; platform  interviewer", ids.NEW_PERSONA)
    wait_until(lambda: slack.state.calls_to("views.update"), what="replicas filled in")
    named = block(slack.state.views[view["id"]], ids.P_NAME)
    assert named["element"]["initial_value"] == "Backend & platform  interviewer"


def test_short_form_then_more_options_keeps_every_value(driver, slack, tavus, served):
    """Issue 22: a first persona sees the essentials and More options; the button draws the rest
    into the same modal (views.update) with what was typed, and either form can be submitted."""
    view = open_modal(driver, "persona", ids.NEW_PERSONA)
    inputs = [b["block_id"] for b in view["blocks"] if b["type"] == "input"]
    assert inputs == [*ESSENTIALS]  # 7 of the 16 fields: name, prompt, replica, plan, guardrails
    more = block(view, ids.P_MORE)["elements"][0]
    assert more["action_id"] == ids.MORE_PERSONA_OPTIONS and more["text"]["text"] == "More options"
    typed = persona_values(
        "Kept across", "You screen designers.", template="screening", why=None, essentials_only=True
    )
    updates = len(slack.state.calls_to("views.update"))
    driver.click(ids.MORE_PERSONA_OPTIONS, view_id=view["id"], values=typed)
    wait_until(lambda: len(slack.state.calls_to("views.update")) > updates, what="More options drawn")
    longer = slack.state.views[view["id"]]
    assert longer["callback_id"] == ids.NEW_PERSONA and block(longer, ids.P_MORE) is None
    assert block(longer, ids.P_NAME)["element"]["initial_value"] == "Kept across"
    assert block(longer, ids.P_PROMPT)["element"]["initial_value"] == "You screen designers."
    assert block(longer, ids.P_TEMPLATE)["element"]["initial_option"]["value"] == "screening"
    assert block(longer, ids.P_PERCEPTION)["element"]["initial_option"]["value"] == "off"
    assert block(longer, ids.P_SMART_TURN)["element"]["initial_options"][0]["value"] == "on"
    assert {ids.P_CONTEXT, ids.P_MODE, ids.P_SHARED, ids.P_JD_URL} <= {
        b.get("block_id") for b in longer["blocks"]
    }
    # the long form is accepted, and so is the short one on its own
    long_values = persona_values(
        "Kept across", "You screen designers.", template="screening", context="Design team."
    )
    assert driver.submit(view["id"], long_values).json()["response_action"] == "update"
    wait_until(lambda: served.deps.store.personas_of("T0ACME01", "U0OWNER1"), what="long form persona")
    short = open_modal(driver, "persona", ids.NEW_PERSONA)
    body = driver.submit(short["id"], persona_values("Short one", template="screening", essentials_only=True))
    assert body.json()["response_action"] == "update"
    made = wait_until(
        lambda: [p for p in served.deps.store.personas_of("T0ACME01", "U0OWNER1") if p.name == "Short one"],
        what="short form persona",
    )[0]
    sent = tavus.state.personas[made.persona_id]
    assert sent["pipeline_mode"] == "full" and sent["layers"]["perception"]["perception_model"] == "off"
    assert sent["layers"]["conversational_flow"]["turn_detection_model"] == "sparrow-1"
    assert made.objectives_id and made.guardrails_id and not made.shared
