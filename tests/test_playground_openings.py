"""Issue 25 in the playground, through the page's own HTTP endpoints: an opening, an interview
for it, the comparison from the openings list's Compare button, and a decision on the report."""

import pytest

from bot.slack import ids
from sim.driver import checks_value, form_values, text_value
from sim.playground import Playground
from tests.helpers import persona_values
from tests.test_playground import Page


@pytest.fixture(scope="module")
def pg(tmp_path_factory):
    playground = Playground(data_dir=str(tmp_path_factory.mktemp("pg-openings"))).start()
    yield playground
    playground.stop()


def ephemeral(state, words, channel="C0GENERAL"):
    return [e for e in state["ephemeral"].get(channel, []) if words in e["text"]]


def test_an_opening_its_comparison_and_a_decision_in_the_playground(pg):
    page = Page(pg)
    plan = "motivation: why this role -> reason\nbackground: their last project"
    page.new_persona(persona_values(name="Opening pg", plan=plan))
    page.type("/tavus opening Designer Opening pg")
    page.wait(lambda s: ephemeral(s, "Opening *Designer* created"), "the opening made")
    page.type("/tavus interview Designer Design round")
    call = page.wait(lambda s: [c for c in s["tavus"] if c["name"] == "Design round"], "the call")[0]
    cid = call["conversation_id"]
    page.post(f"/pg/tavus/{cid}/join")
    page.wait(lambda s: [c for c in s["tavus"] if c["conversation_id"] == cid and c["joined"]], "joined")
    assert page.post(f"/pg/tavus/{cid}/objective", name="motivation")["ok"]
    page.post(f"/pg/tavus/{cid}/leave")
    report = page.wait(
        lambda s: [
            r for m in s["dm"] for r in m["replies"] if "Design round" in r["text"] and "1 of 2" in str(r)
        ],
        "the report",
    )[-1]
    # the openings list, and its Compare button
    page.type("/tavus openings")
    listing = page.wait(lambda s: ephemeral(s, "openings"), "the openings list")[-1]
    assert "1 finished (1 undecided)" in str(listing["blocks"])
    page.post(
        "/pg/action",
        action_id=ids.COMPARE_OPENING,
        value=pg.app.state.deps.store.opening_named("T0ACME01", "Designer").id,
        channel="C0GENERAL",
        response_url=listing["response_url"],
    )
    compared = page.wait(lambda s: ephemeral(s, "Candidates for Designer"), "the comparison")[-1]
    assert "*1 of 2* objectives" in str(compared["blocks"]) and "reason: simulated reason" in str(
        compared["blocks"]
    )
    # Hold, from the report in the owner's DM
    ref = next(b for b in report["blocks"] if b["type"] == "actions")["elements"][1]["value"]
    page.post("/pg/action", action_id=ids.DECIDE_HOLD, value=ref, channel="D0OWNER1", message=report)
    modal = page.modal(ids.DECISION_VIEW)
    values = form_values(
        **{
            ids.D_REASON: text_value("Second opinion first"),
            ids.D_WATCHED: checks_value("watched"),
            ids.D_FEEDBACK: text_value(None),
            ids.D_TELL: checks_value(),
        }
    )
    page.post("/pg/submit", view_id=modal["id"], values=values)
    page.wait(
        lambda s: [
            r
            for m in s["dm"]
            for r in m["replies"]
            if "Design round" in r["text"] and "Hold by <@U0OWNER1>" in str(r["blocks"])
        ],
        "the decision on the report",
    )
