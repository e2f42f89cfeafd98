"""Issue 16's app-side fixes through signed Slack requests: edit, end and delete by name, the
modal's channel error, shared personas, the picker's default and the unknown subcommand."""

from bot.slack import ids
from sim.driver import channel_value, form_values, select_value, text_value
from tests.conftest import wait_until
from tests.helpers import create_persona, interview_values, open_modal, responses_text, start_interview

BOTH_BACKENDS = True


def test_edit_sends_a_json_patch_of_what_changed(driver, slack, tavus, served):
    persona = create_persona(driver, served)
    driver.click(ids.EDIT_PERSONA, persona.persona_id, channel="C0GENERAL", ephemeral=True)
    form = wait_until(lambda: driver.latest_view(ids.EDIT_PERSONA_VIEW), what="edit form filled in")
    prompt = next(b for b in form["blocks"] if b.get("block_id") == ids.P_PROMPT)
    assert prompt["element"]["initial_value"] == "You interview backend engineers."
    # the background was folded into Tavus's system prompt (no persona `context` in 2026): split out again
    background = next(b for b in form["blocks"] if b.get("block_id") == ids.P_CONTEXT)
    assert background["element"]["initial_value"] == "We hire for the payments team."
    values = form_values(
        **{
            ids.P_NAME: text_value("Interviewer v2"),
            ids.P_PROMPT: text_value("You interview staff engineers."),
            ids.P_CONTEXT: text_value("We hire for the payments team."),
            ids.P_REPLICA: select_value("rfe12d8b9597"),
            ids.P_CUSTOM_REPLICA: text_value(None),
        }
    )
    assert driver.submit(form["id"], values).json()["response_action"] == "update"
    done = wait_until(
        lambda: [v for v in slack.state.views.values() if "Saved" in str(v.get("blocks"))], what="saved"
    )
    assert "name, system prompt" in str(done[-1]["blocks"])
    at_tavus = tavus.state.personas[persona.persona_id]
    assert at_tavus["system_prompt"] == (
        "You interview staff engineers.\n\n## Background for this interview\nWe hire for the payments team."
    )
    assert "context" not in at_tavus
    assert at_tavus["persona_name"] == "Interviewer v2"
    assert served.deps.store.persona("T0ACME01", persona.persona_id).name == "Interviewer v2"
    # someone else's click opens nothing
    before = len(slack.state.views)
    driver.click(ids.EDIT_PERSONA, persona.persona_id, user="U0OTHER1", channel="C0GENERAL")
    assert len(slack.state.views) == before


def test_end_by_name_lists_several_and_ends_one(driver, slack, tavus, served):
    persona = create_persona(driver, served)
    first = start_interview(driver, served, persona.persona_id, name="Round A")
    second = start_interview(driver, served, persona.persona_id, name="Round A", channel="C0GENERAL")
    wait_until(  # both running before the command looks them up
        lambda: (
            len([c for c in served.deps.store.active_of("T0ACME01", "U0OWNER1") if c.name == "Round A"]) == 2
        ),
        what="both rounds running",
    )
    response = driver.command("end round a")
    blocks = wait_until(
        lambda: [r["body"].get("blocks") for r in slack.state.responses if r["url"] == response.response_url],
        what="choices",
    )[-1]
    assert "which one?" in str(blocks) and str(blocks).count(ids.END) == 2
    assert first.conversation_id in str(blocks) and second.conversation_id in str(blocks)
    start_interview(driver, served, persona.persona_id, name="Solo round", channel="C0GENERAL")
    solo = wait_until(  # the helper returns any card of this persona: find this one by its name
        lambda: next(
            (c for c in served.deps.store.active_of("T0ACME01", "U0OWNER1") if c.name == "Solo round"), None
        ),
        what="solo round",
    )
    response = driver.command("end Solo round")
    wait_until(
        lambda: [t for t in responses_text(slack, response.response_url) if "Ended" in t], what="ended"
    )
    assert tavus.state.conversations[solo.conversation_id].status == "ended"
    response = driver.command("end Round A", user="U0OTHER1")  # not theirs, not an admin
    wait_until(
        lambda: [t for t in responses_text(slack, response.response_url) if "found no interview" in t],
        what="nothing to end",
    )


def test_delete_by_name_asks_once(driver, slack, tavus, served):
    persona = create_persona(driver, served, name="Designer screen")
    response = driver.command("delete designer screen")
    answer = wait_until(
        lambda: [r["body"] for r in slack.state.responses if r["url"] == response.response_url], what="prompt"
    )[-1]
    button = answer["blocks"][-1]["elements"][0]
    assert button["action_id"] == ids.DELETE_PERSONA and "confirm" not in button
    driver.click(ids.DELETE_PERSONA, button["value"], channel="C0GENERAL")
    wait_until(lambda: persona.persona_id not in tavus.state.personas, what="deleted")


def test_hidden_channel_error_is_plain_text(driver, slack, served):
    persona = create_persona(driver, served)
    view = open_modal(driver, "interview", ids.START_INTERVIEW)
    values = interview_values(persona.persona_id)
    values[ids.I_CHANNEL] = {"value": channel_value("G0PRIVATE")}
    errors = driver.submit(view["id"], values).json()["errors"]
    text = errors[ids.I_CHANNEL]
    assert "that channel" in text and "/invite @Tavus" in text
    assert "<#" not in text and "`" not in text and "*" not in text


def test_shared_personas_listed_and_picker_defaults_to_last_used(driver, slack, served):
    shared = create_persona(driver, served, user="U0OTHER1", name="Team screen", shared=True)
    body = driver.command("personas").json()
    assert "Shared with you" in str(body["blocks"]) and "Team screen" in str(body["blocks"])
    assert "no personas yet" not in body["text"]
    mine = create_persona(driver, served, name="Old favourite")
    create_persona(
        driver, served, name="Newest echo", mode="echo", perception="off", smart_turn=False, prompt=None
    )
    start_interview(driver, served, mine.persona_id)
    view = open_modal(driver, "interview", ids.START_INTERVIEW)
    picker = next(b for b in view["blocks"] if b.get("block_id") == ids.I_PERSONA)["element"]
    assert picker["initial_option"]["value"] == mine.persona_id
    assert {o["text"]["text"] for o in picker["options"]} == {"Old favourite", "Newest echo", "Team screen"}
    assert shared.persona_id not in str(picker["options"][0]["text"])


def test_unknown_subcommand_says_so_above_the_help(driver):
    body = driver.command("foo bar").json()
    assert body["blocks"][0]["text"]["text"].startswith("`foo` is not a command")
    assert "/tavus persona" in str(body["blocks"])
