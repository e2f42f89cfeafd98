"""Issue 23: each Tavus object is acted on with the key (account) that made it. Tavus answers 404 for
another account's conversation or persona, so a 404 from the wrong key says nothing about the call:
after a key change, `end`, `forget`, `delete` and the reconciler use the old account's key, or say
plainly that they cannot, and never claim an end or a deletion that did not happen."""

from cryptography.fernet import Fernet

from bot.services.calls.reconciler import Reconciler
from bot.slack import ids
from sim.driver import SlackDriver, form_values, text_value
from tests.conftest import SIGNING_SECRET, run_in_app_loop, wait_until
from tests.helpers import create_persona, start_interview

SEAL = Fernet.generate_key().decode()
TEAM = "T0ACME01"
OLD_KEY, NEW_KEY = "acme-old-tavus-key-1111", "acme-new-tavus-key-2222"


def set_key(driver, slack, key: str) -> str:
    """An admin saves the workspace's Tavus key from the Home tab; the text the modal answered."""
    driver.home_opened("U0ADMIN1")
    home = wait_until(lambda: slack.state.home.get("U0ADMIN1"), what="admin home")
    driver.click(ids.OPEN_TAVUS_KEY, user="U0ADMIN1", view_id=home["id"])
    modal = wait_until(lambda: driver.latest_view(ids.TAVUS_KEY, "U0ADMIN1"), what="key modal")
    driver.submit(modal["id"], form_values(key=text_value(key)), user="U0ADMIN1")
    return wait_until(
        lambda: "Saved" in (text := str(slack.state.views[modal["id"]]["blocks"])) and text, what="key saved"
    )


def answer(slack, *fragments: str) -> str:
    """The first answer to a command or click that holds every fragment."""

    def said() -> str | None:
        texts = [r["body"].get("text") or "" for r in slack.state.responses]
        return next((t for t in texts if all(f in t for f in fragments)), None)

    try:
        return wait_until(said, what=f"an answer saying {fragments}")
    except AssertionError:
        raise AssertionError([r["body"].get("text") for r in slack.state.responses]) from None


def live_interview(driver, served, tavus, **values):
    persona = create_persona(driver, served, **values)
    conv = start_interview(driver, served, persona.persona_id)
    tavus.control(f"conversations/{conv.conversation_id}/join")
    wait_until(lambda: served.deps.store.conversation_by_token(conv.token).status == "live", what="live")
    return persona, conv


def test_a_key_change_leaves_a_live_call_on_its_key_and_end_ends_it_there(serve, slack, tavus):
    served = serve(TAVUS_SLACK_ENCRYPTION_KEY=SEAL)
    driver = SlackDriver(served.url, SIGNING_SECRET, slack.state, slack.url)
    tavus.control("config", {"extra_keys": [OLD_KEY, NEW_KEY]})
    set_key(driver, slack, OLD_KEY)
    _, conv = live_interview(driver, served, tavus)
    saved = set_key(driver, slack, NEW_KEY)
    # the admin is told which live interviews stay on the previous key
    assert "stay on the previous key" in saved and conv.name in saved
    driver.command(f"end {conv.conversation_id}")
    answer(slack, "Ended")
    remote = tavus.state.conversations[conv.conversation_id]
    assert remote.status == "ended"  # ended at Tavus, not merely said to be
    ends = [r for r in tavus.state.requests if r["path"] == f"/v2/conversations/{conv.conversation_id}/end"]
    assert [r["key"] for r in ends] == [OLD_KEY]
    # the replaced key stays sealed for what it made, and is no key in clear
    assert OLD_KEY not in str(served.deps.store.db.read("select * from tavus_keys"))
    # a new interview with the persona of the old account is refused in a sentence, never billed there
    before = len(tavus.state.conversations)
    driver.command(f"interview {conv.persona_id}", channel="C0HIRING1")
    answer(slack, "made with another Tavus API key")
    assert len(tavus.state.conversations) == before


def test_without_the_key_that_made_them_nothing_claims_an_end_or_a_deletion(serve, slack, tavus, tmp_path):
    """The operator replaced TAVUS_API_KEY with another account's key and restarted: the calls and
    personas made with the old one are out of reach, and the app says so."""
    first = serve()
    driver = SlackDriver(first.url, SIGNING_SECRET, slack.state, slack.url)
    persona, live = live_interview(driver, first, tavus)
    _, done = live_interview(driver, first, tavus, name="Second")
    tavus.control(f"conversations/{done.conversation_id}/leave")
    wait_until(lambda: first.deps.store.conversation_by_token(done.token).status == "ended", what="ended")
    first.server.stop()
    tavus.control("config", {"extra_keys": [NEW_KEY]})
    served = serve(TAVUS_API_KEY=NEW_KEY)
    driver = SlackDriver(served.url, SIGNING_SECRET, slack.state, slack.url)
    store = served.deps.store

    driver.command(f"end {live.conversation_id}")
    answer(slack, "end", "no longer has")
    assert tavus.state.conversations[live.conversation_id].status == "active"
    assert store.conversation_by_token(live.token).status == "live"

    run_in_app_loop(served, Reconciler.of(served.deps, interval=60, pace=0).round())
    stored = store.conversation_by_token(live.token)
    assert stored.status == "live" and stored.shutdown_reason is None  # not "room deleted"

    driver.click(ids.FORGET, done.conversation_id, channel="C0HIRING1", ephemeral=True)
    said = answer(slack, "Forgot the interview")
    assert "NOT deleted at Tavus" in said and "and the conversation deleted" not in said
    assert done.conversation_id in tavus.state.conversations

    driver.click(ids.DELETE_PERSONA, persona.persona_id, channel="C0GENERAL", ephemeral=True)
    answer(slack, "delete", "no longer has")
    assert persona.persona_id in tavus.state.personas
    assert store.persona(TEAM, persona.persona_id) is not None
