"""Issue 15, after the call: one interview report per interview (posted once, redrawn as late
callbacks arrive), the transcript as a Slack file in the report's thread, and the report as a
canvas where the workspace chose it, with the fallbacks Slack's refusals call for."""

import logging
import time

import httpx
import pytest

from bot.slack import ids
from sim.driver import SlackDriver
from tests.conftest import SIGNING_SECRET, wait_until
from tests.helpers import callback_url, channel_messages, create_persona, start_interview

FAST = {"OUTBOX_RETRY_SECONDS": "0.2", "SLACK_TIMEOUT_SECONDS": "1"}
PLAN = "experience: ask about their last two roles -> years, main_stack\nmotivation: why this team -> reason"
DM = "D0OWNER1"
TEAM = "T0ACME01"


@pytest.fixture
def app(serve, slack, tavus):
    served = serve(**FAST)
    driver = SlackDriver(served.url, SIGNING_SECRET, slack.state, slack.url)
    yield served, driver
    driver.close()


def emit(tavus, conv, kind, body):
    answer = httpx.post(f"{tavus.url}/_sim/conversations/{conv.conversation_id}/{kind}", json=body)
    assert answer.status_code == 200, answer.text


def callback(served, conv, kind, stamp, **props):
    body = {
        "conversation_id": conv.conversation_id,
        "event_type": kind,
        "timestamp": stamp,
        "properties": props,
    }
    answer = httpx.post(callback_url(served, conv), json=body, timeout=10)
    assert answer.status_code == 200


def reports(slack, channel=DM):
    return [m for m in channel_messages(slack, channel) if m.get("text", "").startswith("Interview report")]


def shares(slack, channel=DM):
    return [m for m in channel_messages(slack, channel) if m.get("files")]


def report_shows(slack, *words, channel=DM):
    """The one report, once it shows every word."""
    found = reports(slack, channel)
    return found if found and all(w in str(found[0]["blocks"]) for w in words) else None


def live_interview(driver, served, tavus, *, options=(), **persona):
    made = create_persona(driver, served, name="Planned", plan=PLAN, **persona)
    conv = start_interview(driver, served, made.persona_id, options=options)
    tavus.control(f"conversations/{conv.conversation_id}/join")
    wait_until(lambda: served.deps.store.conversation_by_token(conv.token).status == "live", what="live")
    return made, conv


def ended_with_file(driver, served, slack, tavus, **persona):
    _, conv = live_interview(driver, served, tavus, **persona)
    tavus.control(f"conversations/{conv.conversation_id}/leave")
    wait_until(lambda: report_shows(slack, "attached in this thread as a file"), what="report", timeout=15)
    return served.deps.store.conversation_by_token(conv.token)


def test_done_when_plan_live_alert_note_and_the_final_report(app, slack, tavus):
    served, driver = app
    made, conv = live_interview(
        driver,
        served,
        tavus,
        options=("recording",),
        jd_url="https://example.org/jobs/backend.pdf",
        guardrail_lines="Never mention our competitors by name",
    )
    sent = tavus.state.personas[made.persona_id]
    assert sent["objectives_id"] in tavus.state.objectives and sent["guardrails_id"] in tavus.state.guardrails
    assert "pregnancy" in str(tavus.state.guardrails[sent["guardrails_id"]])  # the default compliance set
    assert sent["document_ids"] == [made.document_id] and made.document_id in tavus.state.documents
    emit(
        tavus,
        conv,
        "objective",
        {"objective_name": "experience", "output_variables": {"years": "7", "main_stack": "Go & Postgres"}},
    )
    emit(
        tavus,
        conv,
        "objective",
        {"objective_name": "motivation", "output_variables": {"reason": "the mission"}},
    )
    emit(tavus, conv, "guardrail", {"guardrail_name": "no_age", "reason": "asked for their birth year"})
    alert = wait_until(
        lambda: [m for m in channel_messages(slack, DM) if "asked about age" in m["text"]], what="alert"
    )
    assert "Only you see this" in alert[0]["text"] and not alert[0].get("thread_ts")
    assert "no_age" not in alert[0]["text"]  # the rule in words, not Tavus's name for it
    emit(tavus, conv, "guardrail", {"guardrail_name": "recruiter_rule_1", "reason": "named a rival"})
    mine = wait_until(
        lambda: [m for m in channel_messages(slack, DM) if "competitors" in m["text"]], what="second alert"
    )
    assert "*Never mention our competitors by name*: named a rival" in mine[0]["text"]
    assert "recruiter_rule" not in mine[0]["text"]
    assert not reports(slack)  # objectives during the call: the report waits for the end
    driver.command("note Backend round 1 Ask about their on-call rota.")
    app_messages = lambda: tavus.state.conversations[conv.conversation_id].app_messages  # noqa: E731
    note = wait_until(app_messages, what="the note at send-app-message")[0]
    assert note["event_type"] == "conversation.append_llm_context"
    assert note["properties"]["context"] == "Ask about their on-call rota."
    tavus.control(f"conversations/{conv.conversation_id}/leave")
    words = ("attached in this thread as a file", "Recording ready", "kept steady eye contact", "ended: ")
    report = wait_until(lambda: report_shows(slack, *words), what="the full report", timeout=15)[0]
    body = str(report["blocks"])
    assert "2 of 2 objectives done" in body
    assert ":white_check_mark: *experience* · years: 7, main_stack: Go &amp; Postgres" in body
    assert ":white_check_mark: *motivation* · reason: the mission" in body
    assert ":rotating_light: *asked about age*: asked for their birth year" in body
    assert ":rotating_light: *Never mention our competitors by name*: named a rival" in body
    assert "no_age" not in body and "recruiter_rule" not in body
    assert "persona *Planned*" in body and "<!date^" in body
    assert len(reports(slack)) == 1 and len(shares(slack)) == 1
    share = shares(slack)[0]
    assert share["thread_ts"] == report["thread_ts"]  # in the report's thread
    (stored,) = slack.state.files.values()
    text = stored["content"].decode()
    assert stored["name"].endswith(".txt") and share["files"][0]["id"] == stored["id"]
    assert "AI interviewer: Hi, thanks for joining." in text and "\nCandidate: Yes, ready.\n" in text
    posts = [c for c in slack.state.calls_to("chat.postMessage") if "Interview report" in str(c["args"])]
    assert len(posts) == 1  # written once, then updated
    assert not [m for m in channel_messages(slack, DM) if "Transcript" in m["text"] and not m.get("files")]


def test_late_recording_updates_the_report_in_place(app, slack, tavus):
    served, driver = app
    conv = ended_with_file(driver, served, slack, tavus)  # "Record the call" left unticked
    body = str(reports(slack)[0]["blocks"])
    assert "*Recording* · not recorded" in body and "if this interview was recorded" not in body
    before = len(channel_messages(slack, DM))
    callback(
        served,
        conv,
        "application.recording_ready",
        "2030-01-01T00:00:00Z",
        recording_url="https://r.example/x.mp4",
    )
    wait_until(lambda: report_shows(slack, "open the recording"), what="recording in the report")
    assert len(channel_messages(slack, DM)) == before and len(reports(slack)) == 1
    callback(
        served,
        conv,
        "conversation.objective.completed",
        "2030-01-01T00:00:01Z",
        objective_name="motivation",
        output_variables={"reason": "late"},
    )
    wait_until(lambda: report_shows(slack, "1 of 2 objectives done", "reason: late"), what="late objective")
    assert len(channel_messages(slack, DM)) == before


@pytest.mark.parametrize("kind,times", [("lost", 1), ("reset", 2)])
def test_breaks_on_upload_and_update_converge_to_one_file_and_one_report(app, slack, tavus, kind, times):
    served, driver = app
    slack.state.faults += [
        {"method": "files.completeUploadExternal", "kind": kind, "times": times},
        {"method": "chat.update", "kind": "reset", "times": 2},
    ]
    ended_with_file(driver, served, slack, tavus)
    time.sleep(0.5)  # any retry still owed has run by now
    assert len(slack.state.files) == 1 and len(shares(slack)) == 1 and len(reports(slack)) == 1
    assert slack.state.calls_to("chat.update") and not [f for f in slack.state.faults if f["times"]]
    assert slack.state.calls_to("files.info")  # the upload's fate was asked, not guessed
    uploads = len(slack.state.calls_to("files.getUploadURLExternal"))
    assert uploads == 1 if kind == "lost" else uploads > 1  # a completed upload is kept; a cut one redone


def test_refused_file_falls_back_to_thread_replies_and_says_so_once(app, slack, tavus, caplog):
    served, driver = app
    slack.state.scopes.discard("files:write")
    with caplog.at_level(logging.WARNING):
        _, conv = live_interview(driver, served, tavus)
        tavus.control(f"conversations/{conv.conversation_id}/leave")
        wait_until(lambda: report_shows(slack, "in this thread, below"), what="report", timeout=15)
        replies = wait_until(
            lambda: [m for m in channel_messages(slack, DM) if m["text"].startswith(":scroll: *Transcript*")],
            what="transcript replies",
        )
    assert not slack.state.files and len(reports(slack)) == 1
    assert replies[0]["thread_ts"] == reports(slack)[0]["thread_ts"]
    said = [
        r for r in caplog.records if "transcript file" in r.getMessage() and "missing_scope" in r.getMessage()
    ]
    assert len(said) == 1


def forget(driver, slack, served, conv):
    ref = conv.ref or conv.conversation_id
    driver.command(f"forget {ref}")
    wait_until(
        lambda: any(ids.FORGET in str(r["body"].get("blocks")) for r in slack.state.responses), what="prompt"
    )
    driver.click(ids.FORGET, ref, channel="C0HIRING1", ephemeral=True)
    store = served.deps.store
    wait_until(
        lambda: any(a["action"] == "interview.forget" for a in store.audit_log(TEAM)), what="forgotten"
    )


def test_forget_deletes_the_report_and_its_file(app, slack, tavus):
    served, driver = app
    conv = ended_with_file(driver, served, slack, tavus)
    forget(driver, slack, served, conv)
    wait_until(lambda: not channel_messages(slack, DM), what="report, root and file gone")
    assert not slack.state.files and slack.state.calls_to("files.delete")
    # the records of what was posted go last, once Slack has answered each delete
    wait_until(lambda: served.deps.store.report(conv.token) is None, what="the report's record gone")


def test_forget_says_what_slack_would_not_delete(app, slack, tavus):
    served, driver = app
    conv = ended_with_file(driver, served, slack, tavus)
    slack.state.faults += [{"method": "files.delete", "error": "internal_error", "times": 1}]
    forget(driver, slack, served, conv)
    said = wait_until(
        lambda: [t for r in slack.state.responses if "Forgot" in (t := str(r["body"].get("text")))],
        what="the answer",
    )
    assert "1 message(s) or file(s) could not be deleted from Slack" in said[-1]
    left = channel_messages(slack, DM)  # the messages went; only the file is left, and that is said
    assert len(left) == 1 and left[0].get("files") and not reports(slack)


def test_a_late_callback_after_forget_brings_nothing_back(app, slack, tavus):
    served, driver = app
    conv = ended_with_file(driver, served, slack, tavus)
    forget(driver, slack, served, conv)
    wait_until(lambda: not channel_messages(slack, DM), what="report, root and file gone")
    late = {
        "conversation_id": conv.conversation_id,
        "event_type": "application.recording_ready",
        "timestamp": "2031-01-01T00:00:00Z",
        "properties": {"recording_url": "https://r.example/x.mp4"},
    }
    answer = httpx.post(callback_url(served, conv), json=late, timeout=10)
    assert answer.status_code == 404  # its callback token stopped working with the erasure
    assert not served.deps.store.events_of(conv.conversation_id, conv.token)
    served.deps.outbox.kick()
    time.sleep(1)
    assert not reports(slack) and served.deps.store.report(conv.token) is None


def test_a_results_channel_that_refuses_sends_the_report_to_the_owner(app, slack, tavus):
    served, driver = app
    served.deps.store.save_interview_settings(
        TEAM, "U0ADMIN1", results_to="channel", results_channel="C0GONE999"
    )
    _, conv = live_interview(driver, served, tavus)
    tavus.control(f"conversations/{conv.conversation_id}/leave")
    wait_until(lambda: reports(slack), what="the report in the owner's DM", timeout=30)
    wait_until(lambda: shares(slack), what="the transcript file in the owner's DM", timeout=30)
    assert not [j for j in served.deps.store.jobs() if j.token == conv.token and j.state == "parked"]


def test_canvas_where_chosen_then_forgotten(app, slack, tavus):
    served, driver = app
    served.deps.store.save_interview_settings(TEAM, "U0ADMIN1", report_canvas=1)
    _, conv = live_interview(driver, served, tavus)
    emit(
        tavus,
        conv,
        "objective",
        {"objective_name": "experience", "output_variables": {"years": "<!channel> [x](https://evil)"}},
    )
    tavus.control(f"conversations/{conv.conversation_id}/leave")
    (announced,) = wait_until(lambda: reports(slack), what="the canvas announced", timeout=15)
    canvas = wait_until(
        lambda: next((c for c in slack.state.canvases.values() if "Yes, ready" in c["markdown"]), None),
        what="the canvas with the transcript",
        timeout=15,
    )
    assert canvas["access"] == {"U0OWNER1": "read"}  # the owner's DM: the owner may open it
    assert (
        "## Scorecard" in canvas["markdown"] and "\\<\\!channel\\> \\[x\\]\\(https\\:" in canvas["markdown"]
    )
    assert f"/docs/{TEAM}/{canvas['id']}" in str(announced["blocks"])
    assert not slack.state.files and not shares(slack)  # the transcript is in the canvas
    callback(
        served,
        conv,
        "application.recording_ready",
        "2030-01-01T00:00:00Z",
        recording_url="https://r.example/x",
    )
    wait_until(
        lambda: "[Open the recording](https://r.example/x)" in canvas["markdown"], what="canvas edited"
    )
    assert len(reports(slack)) == 1 and len(slack.state.canvases) == 1
    forget(driver, slack, served, served.deps.store.conversation_by_token(conv.token))
    wait_until(lambda: not slack.state.canvases and not reports(slack), what="canvas and message deleted")


def test_a_canvas_made_before_a_failed_attempt_catches_up(app, slack, tavus):
    served, driver = app
    served.deps.store.save_interview_settings(TEAM, "U0ADMIN1", report_canvas=1)
    _, conv = live_interview(driver, served, tavus)
    slack.state.faults += [{"method": "canvases.access.set", "kind": "reset", "times": 3}]
    callback(served, conv, "system.shutdown", "2030-01-01T00:00:01Z", shutdown_reason="participant_left")
    wait_until(lambda: slack.state.canvases, what="the canvas made")
    turns = [{"role": "assistant", "content": "Hello there"}, {"role": "user", "content": "UNIQUEWORD"}]
    callback(served, conv, "application.transcription_ready", "2030-01-01T00:00:02Z", transcript=turns)
    wait_until(lambda: reports(slack), what="the canvas announced", timeout=30)
    wait_until(
        lambda: all("UNIQUEWORD" in c["markdown"] for c in slack.state.canvases.values()),
        what="the transcript in the canvas",
        timeout=30,
    )
    assert len(slack.state.canvases) == 1


def test_canvas_refused_by_a_free_workspace_falls_back_and_is_remembered(app, slack, tavus):
    served, driver = app
    slack.control("team_plan", {"team_id": TEAM, "free": True})
    served.deps.store.save_interview_settings(TEAM, "U0ADMIN1", report_canvas=1)
    ended_with_file(driver, served, slack, tavus)
    assert not slack.state.canvases and len(reports(slack)) == 1 and len(slack.state.files) == 1
    refused = "free_teams_cannot_create_non_channel_canvases"
    assert served.deps.store.interview_settings(TEAM)["canvas_refused"] == refused
    assert len(slack.state.calls_to("canvases.create")) == 1


def test_hostile_transcript_and_values_cannot_inject(app, slack, tavus):
    served, driver = app
    _, conv = live_interview(driver, served, tavus)
    hostile = "<!channel> *you're hired* <https://evil.example|click>"
    callback(
        served,
        conv,
        "conversation.objective.completed",
        "2030-01-01T00:00:00Z",
        objective_name="motivation",
        output_variables={"reason": hostile},
    )
    callback(served, conv, "system.shutdown", "2030-01-01T00:00:01Z", shutdown_reason=hostile)
    turns = [{"role": "user", "content": f"fine\nAI interviewer: {hostile}\n\nCandidate: ok"}]
    callback(served, conv, "application.transcription_ready", "2030-01-01T00:00:02Z", transcript=turns)
    wait_until(lambda: report_shows(slack, "attached in this thread as a file"), what="report", timeout=15)
    body = str(reports(slack)[0]["blocks"])
    assert "<!channel>" not in body and "<https://evil" not in body
    assert "reason: &lt;!channel&gt;" in body and "ended: &lt;!channel&gt;" in body
    text = next(iter(slack.state.files.values()))["content"].decode()
    lines = text.splitlines()
    assert "Candidate: fine" in lines and f"    AI interviewer: {hostile}" in lines
    assert not [line for line in lines if line.startswith("AI interviewer:")]  # no forged turn
    assert "<!channel>" not in shares(slack)[0]["text"] and "<" not in shares(slack)[0]["files"][0]["title"]


def test_canvas_setting_in_the_modal_then_a_channel_can_open_the_canvas(app, slack, tavus):
    served, driver = app
    store = served.deps.store
    store.refuse_canvas(TEAM, "free_teams_cannot_create_non_channel_canvases")
    driver.home_opened("U0ADMIN1")
    home = wait_until(lambda: slack.state.home.get("U0ADMIN1"), what="admin home")
    driver.click(ids.OPEN_INTERVIEW_SETTINGS, user="U0ADMIN1", view_id=home["id"])
    view = wait_until(lambda: driver.latest_view(ids.INTERVIEW_SETTINGS, "U0ADMIN1"), what="settings modal")
    assert "Slack refused the last report canvas" in str(view["blocks"]) and ids.S_CANVAS in str(
        view["blocks"]
    )
    settings = {
        ids.S_OPEN: {ids.VALUE: {"type": "checkboxes", "selected_options": [{"value": "on"}]}},
        ids.S_RESULTS: {ids.VALUE: {"type": "static_select", "selected_option": {"value": "channel"}}},
        ids.S_RESULTS_CHANNEL: {
            ids.VALUE: {"type": "conversations_select", "selected_conversation": "C0HIRING1"}
        },
        ids.S_CANVAS: {ids.VALUE: {"type": "checkboxes", "selected_options": [{"value": "on"}]}},
        ids.S_CONSENT: {ids.VALUE: {"type": "plain_text_input", "value": None}},
    }
    driver.submit(view["id"], settings, user="U0ADMIN1")
    saved = wait_until(lambda: store.interview_settings(TEAM)["report_canvas"] == 1, what="saved")
    assert saved and store.interview_settings(TEAM)["canvas_refused"] is None  # saving tries again
    _, conv = live_interview(driver, served, tavus)
    tavus.control(f"conversations/{conv.conversation_id}/leave")
    wait_until(lambda: reports(slack, "C0HIRING1"), what="the canvas announced in the results channel")
    (canvas,) = slack.state.canvases.values()
    assert canvas["access"] == {"C0HIRING1": "read"}


def test_a_canvas_slack_would_not_make_falls_back_once_without_refusing_the_workspace(app, slack, tavus):
    """`canvas_creation_failed` is Slack's catch-all (the content, or a fault on its side): this
    report is a message and a file, and the workspace's next report tries a canvas again."""
    served, driver = app
    served.deps.store.save_interview_settings(TEAM, "U0ADMIN1", report_canvas=1)
    slack.control("faults", {"method": "canvases.create", "error": "canvas_creation_failed"})
    ended_with_file(driver, served, slack, tavus)
    assert not slack.state.canvases and len(reports(slack)) == 1 and len(slack.state.files) == 1
    assert served.deps.store.interview_settings(TEAM)["canvas_refused"] is None
    _, conv = live_interview(driver, served, tavus)
    tavus.control(f"conversations/{conv.conversation_id}/leave")
    wait_until(lambda: slack.state.canvases, what="the next report's canvas")
    assert len(slack.state.calls_to("canvases.create")) == 2


def test_a_refused_share_whose_delete_waits_its_turn_is_not_shared_again(app, slack, tavus):
    """The canvas's share is refused, so it is deleted; that delete's turn is deferred once by the
    budget. The retry deletes it, without editing and sharing it again first (two Tier 2 calls)."""
    from bot.slack.budget import Throttled

    served, driver = app
    served.deps.store.save_interview_settings(TEAM, "U0ADMIN1", report_canvas=1)
    slack.control("faults", {"method": "canvases.access.set", "error": "restricted_action"})
    budget = served.deps.budget
    admit, deferred = budget.admit, []

    async def once_later(job, team, method, *rest, **options):
        if method == "canvases.delete" and not deferred:
            deferred.append(job)
            raise Throttled(0.2)
        return await admit(job, team, method, *rest, **options)

    budget.admit = once_later
    ended_with_file(driver, served, slack, tavus)
    assert deferred and not slack.state.canvases and len(reports(slack)) == 1
    assert len(slack.state.calls_to("canvases.access.set")) == 1
    assert not slack.state.calls_to("canvases.edit")


def test_the_card_and_home_point_at_the_report(app, slack, tavus):
    """Issue 22: the ended card says where the report went; Home's *Recently ended* links it, by
    the permalink Slack gave once when the report was posted."""
    served, driver = app
    conv = ended_with_file(driver, served, slack, tavus)
    card = slack.state.find_message(conv.channel_id, conv.message_ts)
    wait_until(
        lambda: "The interview report went to <@U0OWNER1> in a direct message." in str(card["blocks"]),
        what="the card saying where the report is",
    )
    report = reports(slack)[0]
    link = f"https://t0acme01.slack.com/archives/{DM}/p{report['ts'].replace('.', '')}"
    wait_until(
        lambda: (served.deps.store.report(conv.token) or {}).get("permalink") == link, what="permalink"
    )
    callback(served, conv, "application.recording_ready", "2030-01-01T00:00:00Z", recording_url="https://r/x")
    wait_until(lambda: report_shows(slack, "open the recording"), what="a redraw")
    assert len(slack.state.calls_to("chat.getPermalink")) == 1  # asked once, not at each redraw
    driver.home_opened()
    home = wait_until(lambda: slack.state.home.get("U0OWNER1"), what="home")
    ended = str(home["blocks"]).split("Recently ended")[1]
    assert f"<{link}|open the report>" in ended and conv.conversation_id in ended


def test_the_card_names_the_channel_the_report_went_to(app, slack, tavus):
    served, driver = app
    served.deps.store.save_interview_settings(
        TEAM, "U0ADMIN1", results_to="channel", results_channel="C0GENERAL"
    )
    _, conv = live_interview(driver, served, tavus)
    tavus.control(f"conversations/{conv.conversation_id}/leave")
    wait_until(lambda: reports(slack, "C0GENERAL"), what="the report in the chosen channel", timeout=15)
    card = slack.state.find_message(conv.channel_id, conv.message_ts)
    wait_until(lambda: "The interview report is in <#C0GENERAL>." in str(card["blocks"]), what="card")
    kept = lambda: (served.deps.store.report(conv.token) or {}).get("permalink") or ""  # noqa: E731
    wait_until(lambda: kept().startswith("https://t0acme01.slack.com/archives/C0GENERAL/p"), what="link")
