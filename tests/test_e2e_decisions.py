"""Issue 25 end to end: an opening groups three candidates' interviews, `/tavus compare` shows them
side by side (most objectives done first), a person decides with a reason (required to reject),
two deciders at once (one wins), the candidate told when chosen (Slack DM, the invite page), and
no decision on a forgotten interview."""

from __future__ import annotations

import json
import threading
import time

import httpx
import pytest

from bot.services.rights.erasure import erase
from bot.slack import ids
from sim.driver import SlackDriver, checks_value, form_values, text_value
from tests.conftest import SIGNING_SECRET, run_in_app_loop, wait_until
from tests.helpers import channel_messages, create_persona, interview_values, open_modal, press_start

FAST = {"OUTBOX_RETRY_SECONDS": "0.2", "SLACK_TIMEOUT_SECONDS": "1"}
PLAN = "experience: ask about their last two roles -> years, main_stack\nmotivation: why this team -> reason"
TEAM, DM = "T0ACME01", "D0OWNER1"


@pytest.fixture
def app(serve, slack, tavus):
    served = serve(**FAST)
    driver = SlackDriver(served.url, SIGNING_SECRET, slack.state, slack.url)
    create_persona(driver, served, name="Planned", plan=PLAN)
    yield served, driver
    driver.close()


def emit(tavus, conv, name, values):
    body = {"objective_name": name, "output_variables": values}
    answer = httpx.post(f"{tavus.url}/_sim/conversations/{conv.conversation_id}/objective", json=body)
    assert answer.status_code == 200, answer.text


def reports(slack):
    return [m for m in channel_messages(slack, DM) if m.get("text", "").startswith("Interview report")]


def report_of(slack, conv):
    """The report message of one interview (its buttons carry the interview's ref)."""
    found = [
        m for m in reports(slack) if f"'value': '{conv.ref or conv.conversation_id}'" in str(m["blocks"])
    ]
    return found[0] if found else None


def last_response(slack, *words):
    bodies = [r["body"] for r in slack.state.responses if all(w in json.dumps(r["body"]) for w in words)]
    return bodies[-1] if bodies else None


def interview(served, driver, slack, tavus, who: str, title: str, objectives: dict):
    """`/tavus interview <opening> <candidate> <title>`; the candidate presses Start on their page,
    the interviewer meets `objectives`, the call ends and its report comes."""
    response = driver.command(f"interview Backend engineer {who} {title}", channel="C0HIRING1")
    assert response.status_code == 200, response.text
    store = served.deps.store
    conv = wait_until(
        lambda: next((c for c in store._conversations("name = ?", (title,)) if c.ref), None), what=title
    )
    link = wait_until(lambda: run_in_app_loop(served, served.deps.invites.find_link(conv)), what="its link")
    assert press_start(link).status_code == 303
    conv = store.conversation_by_token(conv.token)
    tavus.control(f"conversations/{conv.conversation_id}/join")
    wait_until(lambda: store.conversation_by_token(conv.token).status == "live", what="live")
    for name, values in objectives.items():
        emit(tavus, conv, name, values)
    tavus.control(f"conversations/{conv.conversation_id}/leave")
    done = len(objectives)
    wait_until(lambda: report_of(slack, conv), what=f"{title}'s report", timeout=15)
    wait_until(
        lambda: f"{done} of 2 objectives done" in str(report_of(slack, conv)["blocks"]), what="its scorecard"
    )
    return store.conversation_by_token(conv.token), link


def settled(store) -> bool:
    """No outbox job waiting (the reports' redraws ask Tavus for the plan too), twice in a row."""
    idle = "select count(*) as n from outbox where state = 'pending'"
    if store.db.read(idle)[0]["n"]:
        return False
    time.sleep(0.5)  # a late callback (analysis, recording) may still queue one
    return not store.db.read(idle)[0]["n"]


def open_decision(driver, slack, conv, verdict, user="U0OWNER1"):
    before = {v["id"] for v in slack.state.views.values() if v.get("callback_id") == ids.DECISION_VIEW}
    message = report_of(slack, conv)
    driver.click(
        ids.DECIDE + verdict, conv.ref or conv.conversation_id, user=user, message=message, channel=DM
    )
    return wait_until(
        lambda: next(
            (
                v
                for v in slack.state.views.values()
                if v.get("callback_id") == ids.DECISION_VIEW and v["id"] not in before
            ),
            None,
        ),
        what="the decision modal",
    )


def decision(reason=None, feedback=None, tell=False, watched=True):
    return form_values(
        **{
            ids.D_REASON: text_value(reason),
            ids.D_WATCHED: checks_value("watched") if watched else checks_value(),
            ids.D_FEEDBACK: text_value(feedback),
            ids.D_TELL: checks_value("tell") if tell else checks_value(),
        }
    )


def view_text(slack, view_id):
    return wait_until(
        lambda: (
            "Recording" not in str(slack.state.views[view_id]["blocks"])
            and str(slack.state.views[view_id]["blocks"])
        ),
        what="the decision's outcome",
    )


def test_an_opening_compares_its_candidates_and_people_decide(app, slack, tavus):
    served, driver = app
    store = served.deps.store
    driver.command("opening Backend engineer Planned https://example.org/jobs/backend", channel="C0HIRING1")
    said = wait_until(lambda: last_response(slack, "Opening"), what="the opening made")
    assert "Backend engineer" in said["text"] and "Planned" in said["text"]
    opening = store.opening_named(TEAM, "backend  ENGINEER")
    assert opening and opening.job_description == "https://example.org/jobs/backend"
    driver.command("opening Backend engineer Planned", channel="C0HIRING1")
    assert wait_until(lambda: last_response(slack, "already an opening"), what="a second one refused")

    experience = {"years": "7", "main_stack": "Go & Postgres"}
    casey, casey_link = interview(
        served, driver, slack, tavus, "<@U0CAND01|casey>", "Round C", {"experience": experience}
    )
    jane, jane_link = interview(
        served,
        driver,
        slack,
        tavus,
        "jane@example.com",
        "Round J",
        {"experience": {"years": "3", "main_stack": "Rust"}, "motivation": {"reason": "the mission"}},
    )
    bob, _ = interview(served, driver, slack, tavus, "bob@example.com", "Round B", {})
    assert {c.opening_id for c in (casey, jane, bob)} == {opening.id}

    # the list: counts per state
    listed = driver.command("openings", channel="C0HIRING1").json()
    assert "Backend engineer" in str(listed["blocks"]) and "3 finished (3 undecided)" in str(listed["blocks"])
    assert "<https://example.org/jobs/backend|job description>" in str(listed["blocks"])

    # the comparison: most objectives done first, with their values and report links
    driver.command("compare backend engineer", channel="C0HIRING1")
    shown = wait_until(lambda: last_response(slack, "Candidates for Backend engineer"), what="the comparison")
    text = json.dumps(shown["blocks"])
    order = [text.index(who) for who in ("jane@example.com", "<@U0CAND01>", "bob@example.com")]
    assert order == sorted(order), text
    assert "*2 of 2* objectives" in text and "years: 3, main_stack: Rust" in text
    assert "main_stack: Go &amp; Postgres" in text and "|report>" in text, text
    assert text.count(ids.DECIDE_REJECT) == 3
    # not the owner, not an admin: no comparison
    driver.command("compare Backend engineer", user="U0OTHER1", channel="C0HIRING1")
    assert wait_until(lambda: last_response(slack, "or an admin can compare"), what="refused")

    # a reject needs its reason; with one it is recorded and shown on the report; Casey is told
    view = open_decision(driver, slack, casey, "reject")
    assert ids.D_TELL in str(view["blocks"])
    refused = driver.submit(view["id"], decision()).json()
    assert refused["response_action"] == "errors" and ids.D_REASON in refused["errors"]
    assert store.decision_of(casey.token) is None
    said = "Not enough *depth* <b>here</b>"
    driver.submit(view["id"], decision("Too little on-call experience", feedback=said, tell=True))
    assert "Recorded" in view_text(slack, view["id"])
    row = store.decision_of(casey.token)
    assert row["verdict"] == "reject" and row["by_user"] == "U0OWNER1" and row["watched"] == 1
    assert (row["objectives_done"], row["objectives_total"], row["state"]) == (1, 2, "ended")
    wait_until(
        lambda: (
            "Decision* · Reject by <@U0OWNER1>" in str(report_of(slack, casey)["blocks"])
            and "Too little on-call experience" in str(report_of(slack, casey)["blocks"])
        ),
        what="the decision on the report",
    )
    assert report_of(slack, casey)["metadata"]["event_payload"]["decision"] == "reject"
    told = wait_until(
        lambda: [m for m in channel_messages(slack, "D0CAND01") if "reviewed your interview" in m["text"]],
        what="Casey told",
    )
    assert "&lt;b&gt;here&lt;/b&gt;" in told[0]["text"] and "Reject" not in told[0]["text"]

    # two deciders at once: one wins, the other is told who decided
    assert "reviewed" not in httpx.get(jane_link).text  # nothing is told before a person chooses to
    mine, theirs = (
        open_decision(driver, slack, jane, "advance"),
        open_decision(driver, slack, jane, "hold", user="U0ADMIN1"),
    )
    feedback = "Thanks <b>Jane</b> & see you soon"
    threads = [
        threading.Thread(target=driver.submit, args=(mine["id"], decision(feedback=feedback, tell=True))),
        threading.Thread(
            target=driver.submit,
            args=(theirs["id"], decision(feedback=feedback, tell=True)),
            kwargs={"user": "U0ADMIN1"},
        ),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    outcomes = [view_text(slack, v["id"]) for v in (mine, theirs)]
    assert sum("Recorded" in o for o in outcomes) == 1 and sum("decided first" in o for o in outcomes) == 1
    winner = store.decision_of(jane.token)["by_user"]
    assert f"<@{winner}> decided first" in next(o for o in outcomes if "decided first" in o)
    assert len(store.decisions_of(jane.token)) == 1
    page = httpx.get(jane_link).text
    assert (
        "The team has reviewed your interview" in page and "Thanks &lt;b&gt;Jane&lt;/b&gt; &amp; see" in page
    )
    assert "The team has reviewed your interview" in httpx.get(casey_link).text  # told: the page says so too

    # the comparison and the list show the decisions
    listed = driver.command("openings", channel="C0HIRING1").json()
    assert "1 Reject" in str(listed["blocks"]) and "1 undecided" in str(listed["blocks"])

    # a decision on a forgotten interview is refused, even from a form opened before
    view = open_decision(driver, slack, bob, "hold")
    driver.command(f"forget {bob.ref}")
    wait_until(
        lambda: any(ids.FORGET in str(r["body"].get("blocks")) for r in slack.state.responses), what="ask"
    )
    driver.click(ids.FORGET, bob.ref, channel="C0HIRING1", ephemeral=True)
    wait_until(lambda: store.conversation_by_token(bob.token).forgotten, what="forgotten")
    driver.submit(view["id"], decision())
    assert "forgotten" in view_text(slack, view["id"])
    assert store.decision_of(bob.token) is None
    driver.click(ids.DECIDE_ADVANCE, bob.ref, channel=DM)
    assert wait_until(lambda: last_response(slack, "forgotten or does not exist"), what="refused")


def test_only_the_owner_or_an_admin_decides(app, slack, tavus):
    served, driver = app
    driver.command("opening Backend engineer Planned", channel="C0HIRING1")
    wait_until(lambda: served.deps.store.opening_named(TEAM, "Backend engineer"), what="opening")
    casey, _ = interview(served, driver, slack, tavus, "<@U0CAND01|casey>", "Round O", {})
    driver.click(ids.DECIDE_ADVANCE, casey.ref, user="U0OTHER1", channel=DM, message=report_of(slack, casey))
    assert wait_until(lambda: last_response(slack, "or an admin can decide"), what="refused")
    assert not [v for v in slack.state.views.values() if v.get("callback_id") == ids.DECISION_VIEW]


def test_past_a_screenful_the_comparison_is_a_canvas_made_again_at_each_compare(app, slack, tavus):
    served, driver = app
    store = served.deps.store
    driver.command("opening Backend engineer Planned", channel="C0HIRING1")
    opening = wait_until(lambda: store.opening_named(TEAM, "Backend engineer"), what="opening")
    for n in range(11):  # open interviews (no candidate): created at once, then a call that ends
        driver.command(f"interview Backend engineer Round {n:02}", channel="C0HIRING1")
        conv = wait_until(
            lambda n=n: next(
                iter(store._conversations("name = ? and conversation_id is not null", (f"Round {n:02}",))),
                None,
            ),
            what=f"round {n}",
        )
        assert conv.opening_id == opening.id
        tavus.control(f"conversations/{conv.conversation_id}/join")
        wait_until(lambda c=conv: store.conversation_by_token(c.token).status == "live", what="live")
        tavus.control(f"conversations/{conv.conversation_id}/leave")
    wait_until(lambda: len(reports(slack)) == 11, what="eleven reports", timeout=30)
    wait_until(lambda: settled(store), what="the reports' redraws done", timeout=30)
    before = len(tavus.state.requests)
    driver.command("compare Backend engineer", channel="C0HIRING1")
    shown = wait_until(lambda: last_response(slack, "the comparison canvas"), what="the comparison")
    asked = [r for r in tavus.state.requests[before:] if r["path"].startswith("/v2/objectives")]
    assert len(asked) == 1  # the persona's plan once, not once per candidate
    assert json.dumps(shown["blocks"]).count(ids.DECIDE_REJECT) == 10 and "1 more" in json.dumps(
        shown["blocks"]
    )
    (canvas,) = slack.state.canvases.values()
    assert canvas["markdown"].count("| 0 of 2 |") == 11
    assert canvas["markdown"].count("open interview, no named candidate") == 11  # named by their titles
    assert "U0OWNER1" in str(canvas) and "U0OTHER1" not in str(canvas)  # only who compared may read it
    driver.command("compare Backend engineer", user="U0ADMIN1", channel="C0HIRING1")
    wait_until(lambda: "U0ADMIN1" in str(slack.state.canvases), what="the admin may read it too")
    assert len(slack.state.canvases) == 1  # made again in place, not a second canvas
    # erasing one of its candidates deletes the comparison too (it showed them); the next makes it anew
    run_in_app_loop(served, erase(served.deps, conv, "U0OWNER1"))
    assert not slack.state.canvases and store.compare_canvas(opening.id) is None


def test_the_start_form_takes_an_opening_and_home_shows_openings_and_decisions(app, slack, tavus):
    served, driver = app
    store = served.deps.store
    driver.command("opening Backend engineer Planned", channel="C0HIRING1")
    opening = wait_until(lambda: store.opening_named(TEAM, "Backend engineer"), what="opening")
    view = open_modal(driver, "interview", ids.START_INTERVIEW)
    assert "Opening: Backend engineer" in str(view["blocks"])
    values = interview_values(f"opening:{opening.id}", name="Form round")
    assert driver.submit(view["id"], values).json()["response_action"] == "update"
    conv = wait_until(
        lambda: next(
            iter(store._conversations("name = ? and message_ts is not null", ("Form round",))), None
        ),
        what="the interview started from the form",
    )
    assert conv.opening_id == opening.id and conv.persona_id == opening.persona_id
    tavus.control(f"conversations/{conv.conversation_id}/join")
    wait_until(lambda: store.conversation_by_token(conv.token).status == "live", what="live")
    tavus.control(f"conversations/{conv.conversation_id}/leave")
    wait_until(lambda: report_of(slack, conv), what="its report", timeout=15)
    view = open_decision(driver, slack, conv, "advance")
    assert ids.D_TELL not in str(view["blocks"]) and "no candidate to tell" in str(view["blocks"])
    driver.submit(view["id"], decision("Strong on the basics"))
    wait_until(lambda: store.decision_of(conv.token), what="the decision")
    driver.home_opened()
    home = wait_until(
        lambda: (
            "Openings" in str(slack.state.home.get("U0OWNER1", {}).get("blocks"))
            and str(slack.state.home["U0OWNER1"]["blocks"])
        ),
        what="Home with the openings",
    )
    assert "Backend engineer" in home and "1 finished (1 Advance)" in home and "decision: *Advance*" in home
    assert ids.COMPARE_OPENING in home
    home_view = slack.state.home["U0OWNER1"]
    driver.click(ids.COMPARE_OPENING, opening.id, view_id=home_view["id"])
    wait_until(  # from Home (no response_url): in the app's DM with this person only
        lambda: [m for m in channel_messages(slack, DM) if m["text"].startswith("Candidates for Backend")],
        what="the comparison by DM",
    )


def test_without_an_opening_the_persona_is_the_group(app, slack, tavus):
    served, driver = app
    store = served.deps.store
    driver.command("interview Planned Persona round", channel="C0HIRING1")
    conv = wait_until(
        lambda: next(
            iter(store._conversations("name = ? and conversation_id is not null", ("Persona round",))), None
        ),
        what="the interview",
    )
    assert conv.opening_id is None
    tavus.control(f"conversations/{conv.conversation_id}/join")
    wait_until(lambda: store.conversation_by_token(conv.token).status == "live", what="live")
    tavus.control(f"conversations/{conv.conversation_id}/leave")
    wait_until(lambda: report_of(slack, conv), what="its report", timeout=15)
    driver.command("compare planned", channel="C0HIRING1")
    shown = wait_until(
        lambda: last_response(slack, "Candidates for Planned"), what="the persona's comparison"
    )
    assert "1 finished interview " in json.dumps(shown) and json.dumps(shown).count(ids.DECIDE_HOLD) == 1
    # shared with the workspace, the persona's group is each person's own interviews: not the owner's
    with store.db.write() as tx:
        tx.execute("update personas set shared = 1 where persona_id = ?", (conv.persona_id,))
    asked = driver.command("compare planned", channel="C0HIRING1", user="U0OTHER1")
    other = wait_until(
        lambda: next(
            (
                r["body"]
                for r in slack.state.responses
                if r["url"] == asked.response_url and "has finished yet" in json.dumps(r["body"])
            ),
            None,
        ),
        what="another person's comparison",
        timeout=10,
    )
    assert "has finished yet" in json.dumps(other) and ids.DECIDE_HOLD not in json.dumps(other)
    driver.command("compare Nothing like it", channel="C0HIRING1")
    assert wait_until(lambda: last_response(slack, "I found no opening"), what="an unknown name")


def test_bad_opening_commands_get_a_clear_message_and_make_nothing(app, slack):
    served, driver = app
    driver.command("opening", channel="C0HIRING1")
    assert wait_until(lambda: last_response(slack, "Usage: `/tavus opening"), what="usage")
    driver.command("opening Backend engineer Nobody", channel="C0HIRING1")
    assert wait_until(lambda: last_response(slack, "found no persona"), what="no persona")
    driver.command(f"opening {'x' * 81} Planned", channel="C0HIRING1")
    assert wait_until(lambda: last_response(slack, "1 to 80 characters"), what="too long")
    assert served.deps.store.openings_in(TEAM) == []
    assert "Which opening?" in driver.command("compare", channel="C0HIRING1").json()["text"]
    assert "No openings yet" in driver.command("openings", channel="C0HIRING1").json()["text"]
