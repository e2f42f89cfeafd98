"""Reruns cut at an awkward moment (issue 26's second review): a `decide` job whose first run
recorded the decision and died before it kept only its answer tells its decider it is recorded,
not that someone decided first; an invite start cut between its record and its card's queueing
still gets its card on the rerun."""

from __future__ import annotations

import json

from bot.slack import ids
from tests.conftest import wait_until
from tests.helpers import interview_values, open_modal
from tests.test_e2e_decisions import app, decision, open_decision, report_of, view_text  # noqa: F401
from tests.test_listener_jobs_rerun import rerun

TEAM = "T0ACME01"


def test_a_decide_rerun_after_the_record_does_not_tell_its_decider_nothing_changed(app, slack, tavus):  # noqa: F811
    served, driver = app
    store = served.deps.store
    driver.command("opening Backend engineer Planned", channel="C0HIRING1")
    opening = wait_until(lambda: store.opening_named(TEAM, "Backend engineer"), what="opening")
    view = open_modal(driver, "interview", ids.START_INTERVIEW)
    driver.submit(view["id"], interview_values(f"opening:{opening.id}", name="Rerun round"))
    posted = "name = ? and message_ts is not null"
    conv = wait_until(lambda: next(iter(store._conversations(posted, ("Rerun round",))), None), what="it")
    tavus.control(f"conversations/{conv.conversation_id}/join")
    wait_until(lambda: store.conversation_by_token(conv.token).status == "live", what="live")
    tavus.control(f"conversations/{conv.conversation_id}/leave")
    wait_until(lambda: report_of(slack, conv), what="its report", timeout=15)
    modal = open_decision(driver, slack, conv, "advance")
    meta = json.loads(modal["private_metadata"])
    driver.submit(modal["id"], decision("Strong on the basics"))
    assert "Recorded" in view_text(slack, modal["id"])
    form = {"ref": meta["ref"], "verdict": meta["verdict"], "version": int(meta["version"]),
            "reason": "Strong on the basics", "watched": 1, "feedback": None, "tell": 0}  # fmt: skip
    # the first run's worker died after openings.decide, before the job kept only its answer
    rerun(served, "decide", {"user": "U0OWNER1", "form": form, "where": {"view": modal["id"]}})
    assert store.decision_of(conv.token)["by_user"] == "U0OWNER1"
    shown = str(slack.state.views[modal["id"]]["blocks"])
    assert "decided first" not in shown and "Nothing was changed" not in shown, shown


def test_an_invite_start_cut_after_its_record_still_gets_its_card(serve, slack, tavus):
    """The first run of a start with a candidate fails right after begin_invite committed (a
    database error, a kill, the run's cut): its rerun meets the invite and answers "started", but
    nothing ever queues the card's post (`without_card` looks at waiting and live ones only)."""
    from sim.driver import SlackDriver, form_values
    from tests.conftest import SIGNING_SECRET
    from tests.helpers import create_persona
    from tests.test_e2e_candidates import external

    served = serve(OUTBOX_RETRY_SECONDS="0.2")
    driver = SlackDriver(served.url, SIGNING_SECRET, slack.state, slack.url)
    persona = create_persona(driver, served)
    invites, real = served.deps.invites, served.deps.invites.post_card
    cut = []

    async def post_card_cut_once(conv, job=None):
        if not cut:
            cut.append(conv.token)
            raise RuntimeError("killed between the invite's write and its card's")
        return await real(conv, job)

    invites.post_card = post_card_cut_once
    view = open_modal(driver, "interview", ids.START_INTERVIEW)
    values = interview_values(persona.persona_id)
    values.update(form_values(**external()))
    driver.submit(view["id"], values)
    store = served.deps.store
    wait_until(lambda: [j for j in store.jobs(kind="start") if j.state == "done"], what="the start's rerun")
    [conv] = [c for c in store._conversations("team_id = ?", (TEAM,))]
    assert cut == [conv.token] and conv.status == "invited"
    wait_until(lambda: store.conversation_by_token(conv.token).message_ts, what="the card", timeout=10)
    driver.close()
