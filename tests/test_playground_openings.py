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
    # three candidates for the opening, each meeting a different part of the plan
    for title, met, seen in (
        ("Design round", ["motivation"], "1 of 2"),
        ("Second round", [], "0 of 2"),
        ("Third round", ["motivation", "background"], "2 of 2"),
    ):
        page.type(f"/tavus interview Designer {title}")
        call = page.wait(lambda s, t=title: [c for c in s["tavus"] if c["name"] == t], "the call")[0]
        cid = call["conversation_id"]
        page.post(f"/pg/tavus/{cid}/join")
        page.wait(
            lambda s, c=cid: [x for x in s["tavus"] if x["conversation_id"] == c and x["joined"]], "joined"
        )
        for name in met:
            assert page.post(f"/pg/tavus/{cid}/objective", name=name)["ok"]
        page.post(f"/pg/tavus/{cid}/leave")
        page.wait(
            lambda s, t=title, n=seen: [
                r for m in s["dm"] for r in m["replies"] if t in r["text"] and n in str(r)
            ],
            "the report",
        )
    report = page.wait(
        lambda s: [
            r for m in s["dm"] for r in m["replies"] if "Design round" in r["text"] and "1 of 2" in str(r)
        ],
        "the report",
    )[-1]
    # the openings list, and its Compare button
    page.type("/tavus openings")
    listing = page.wait(lambda s: ephemeral(s, "openings"), "the openings list")[-1]
    assert "3 finished (3 undecided)" in str(listing["blocks"])
    page.post(
        "/pg/action",
        action_id=ids.COMPARE_OPENING,
        value=pg.app.state.deps.store.opening_named("T0ACME01", "Designer").id,
        channel="C0GENERAL",
        response_url=listing["response_url"],
    )
    compared = page.wait(lambda s: ephemeral(s, "Candidates for Designer"), "the comparison")[-1]
    shown = str(compared["blocks"])
    assert "*1 of 2* objectives" in shown and "reason: simulated reason" in shown
    # in order: objectives done, most first
    assert shown.index("Third round") < shown.index("Design round") < shown.index("Second round")
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
