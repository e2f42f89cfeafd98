"""Nothing cached or stored is shown to another workspace, and a workspace key that cannot be used
is said as such, never replaced by the operator's key."""

import logging

from cryptography.fernet import Fernet

from bot.services.calls.reconciler import Reconciler
from bot.slack import ids
from sim.driver import SlackDriver
from tests.conftest import SIGNING_SECRET, run_in_app_loop, wait_until
from tests.helpers import create_persona, responses_text, start_interview

SEAL = Fernet.generate_key().decode()
ACME, BETA = "T0ACME01", "T0BETA002"
ACME_KEY = "acme-own-tavus-key-7731"
PRIVATE = {
    "replica_id": "rACMEPRIV1",
    "replica_name": "Acme private CEO clone",
    "status": "ready",
    "replica_type": "user",
    "owner_key": ACME_KEY,  # the stand-in lists it only to this key
}


def replica_modal(driver, team, user):
    driver.command("persona", team=team, user=user)
    return wait_until(
        lambda: (v := driver.latest_view(ids.NEW_PERSONA, user)) and "Loading" not in str(v["blocks"]) and v,
        what=f"{team}'s persona modal with replicas",
    )


def test_replica_list_is_cached_per_tavus_key(serve, slack, tavus):
    served = serve(TAVUS_SLACK_ENCRYPTION_KEY=SEAL)
    driver = SlackDriver(served.url, SIGNING_SECRET, slack.state, slack.url)
    tavus.control("config", {"extra_keys": [ACME_KEY]})
    tavus.state.replicas[PRIVATE["replica_id"]] = dict(PRIVATE)
    served.deps.ws.set_tavus_key(ACME, ACME_KEY, by="U0ADMIN1")
    # Beta, on the operator's key, fetches and caches the stock list
    assert "Acme private CEO clone" not in str(replica_modal(driver, BETA, "U0OTHER1")["blocks"])
    # Acme, within the cache's ten minutes, still gets its own account's list, private replica included
    assert "Acme private CEO clone" in str(replica_modal(driver, ACME, "U0OWNER1")["blocks"])
    # and Beta again, now that Acme's list is cached too: never Acme's replica
    beta = replica_modal(driver, BETA, "U0OTHER1")
    assert "Acme private CEO clone" not in str(beta["blocks"]) and "rACMEPRIV1" not in str(beta["blocks"])
    assert "Anna - Studio" in str(beta["blocks"])  # Beta did get its own (stock) list


def test_undecryptable_workspace_key_is_a_sentence_and_never_the_operators_key(serve, slack, tavus, caplog):
    served = serve(TAVUS_SLACK_ENCRYPTION_KEY=SEAL)
    driver = SlackDriver(served.url, SIGNING_SECRET, slack.state, slack.url)
    persona = create_persona(driver, served)  # on the operator's key, before the workspace set one
    # the workspace's key, sealed with a key the app no longer has (TAVUS_SLACK_ENCRYPTION_KEY changed)
    lost = Fernet(Fernet.generate_key()).encrypt(ACME_KEY.encode()).decode()
    served.deps.store.save_workspace(ACME, tavus_key_enc=lost)
    before = len(tavus.state.requests)
    with caplog.at_level(logging.ERROR):
        response = driver.command(f"interview {persona.persona_id}", channel="C0HIRING1")
        sentence = wait_until(
            lambda: [t for t in responses_text(slack, response.response_url) if "Tavus API key" in t],
            what="the workspace-key sentence",
        )[0]
    assert "this workspace's own Tavus API key can no longer be used" in sentence
    assert "Home tab" in sentence and "TAVUS_API_KEY" not in sentence
    assert not tavus.state.conversations  # nothing billed to the operator's account
    assert len(tavus.state.requests) == before  # not one request went out with another key
    assert any(r.levelno == logging.ERROR and "cannot be decrypted" in r.getMessage() for r in caplog.records)


def test_reconciler_never_ends_a_call_when_the_key_is_refused(serve, slack, tavus, caplog):
    served = serve(TAVUS_SLACK_ENCRYPTION_KEY=SEAL)
    driver = SlackDriver(served.url, SIGNING_SECRET, slack.state, slack.url)
    tavus.control("config", {"extra_keys": [ACME_KEY]})
    served.deps.ws.set_tavus_key(ACME, ACME_KEY, by="U0ADMIN1")
    persona = create_persona(driver, served)
    conv = start_interview(driver, served, persona.persona_id)
    tavus.control(f"conversations/{conv.conversation_id}/join")
    wait_until(lambda: served.deps.store.conversation_by_token(conv.token).status == "live", what="live")
    reconciler = Reconciler.of(served.deps, interval=60, pace=0)
    # Tavus now refuses the workspace's key (revoked in the portal)
    tavus.control("config", {"extra_keys": []})
    with caplog.at_level(logging.ERROR):
        run_in_app_loop(served, reconciler.round())
    assert served.deps.store.conversation_by_token(conv.token).status == "live"
    assert any(r.levelno == logging.ERROR and "refused" in r.getMessage() for r in caplog.records)
    # and a key that can no longer be decrypted: still not "room deleted"
    lost = Fernet(Fernet.generate_key()).encrypt(ACME_KEY.encode()).decode()
    served.deps.store.save_workspace(ACME, tavus_key_enc=lost)
    run_in_app_loop(served, reconciler.round())
    stored = served.deps.store.conversation_by_token(conv.token)
    assert stored.status == "live" and stored.shutdown_reason is None
    assert tavus.state.conversations[conv.conversation_id].status == "active"
