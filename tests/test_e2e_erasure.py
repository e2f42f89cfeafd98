"""Issue 24 end to end: the candidate's own data from their invite link (a copy as JSON and text),
*Delete my interview* through the same path as `/tavus forget` (Tavus, Slack, the store), its
receipt, idempotence, a wrong token, an erasure Slack refuses (retried, an admin alerted daily),
where the results went, and the audit export."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import httpx
import pytest

from bot.services.calls.reconciler import Reconciler
from bot.services.rights import erasure
from bot.services.rights.erasure import retry_erasures
from bot.store.migrations import token_hash
from bot.tavus import errors as te
from sim.driver import SlackDriver
from tests.conftest import SIGNING_SECRET, run_in_app_loop, wait_until
from tests.helpers import channel_messages, create_persona, press_start
from tests.test_e2e_candidates import external, result_link, start_with
from tests.test_e2e_report import PLAN, emit

OWNER_DM = "D0OWNER1"


@pytest.fixture
def persona(driver, served):
    return create_persona(driver, served, name="Planned", plan=PLAN)


def finished(driver, slack, tavus, served, persona, results=OWNER_DM):
    """An external candidate's interview, started from their link, with an objective met, ended,
    its results in the owner's DM; (the interview, the link)."""
    store = served.deps.store
    conv = start_with(driver, served, persona.persona_id, **external())
    link = result_link(slack)
    assert press_start(link).status_code == 303
    conv = store.conversation_by_token(conv.token)
    tavus.control(f"conversations/{conv.conversation_id}/join")
    wait_until(lambda: store.conversation_by_token(conv.token).status == "live", what="live")
    emit(tavus, conv, "objective", {"objective_name": "experience", "output_variables": {"years": "7"}})
    tavus.control(f"conversations/{conv.conversation_id}/leave")
    wait_until(lambda: len(channel_messages(slack, results)) >= 3, what="results")
    wait_until(lambda: store.report(conv.token) and store.report(conv.token).get("ts"), what="report kept")
    return store.conversation_by_token(conv.token), link


def results_left(slack) -> list[dict]:
    """Anything of the interview's results still in the owner's DM (the owner's notice aside)."""
    return [m for m in channel_messages(slack, OWNER_DM) if "asked for their interview" not in m["text"]]


def hourly_round(served):
    return run_in_app_loop(served, Reconciler.of(served.deps, interval=60).round())


def test_candidate_downloads_their_data_then_deletes_it_everywhere(driver, slack, tavus, served, persona):
    store = served.deps.store
    conv, link = finished(driver, slack, tavus, served, persona)
    assert f"{link.split('://')[1].split('/', 1)[1]}/data" in httpx.get(link).text  # the ended page links it
    page = httpx.get(f"{link}/data")
    assert (
        page.status_code == 200 and "transcript of your interview" in page.text and "scorecard" in page.text
    )
    copy = httpx.get(f"{link}/data.json")
    assert "attachment" in copy.headers["content-disposition"]
    data = copy.json()
    assert data["candidate"]["name"] == "Jane Doe" and data["transcript"]
    assert data["scorecard"] == [{"objective": "experience", "values": {"years": "7"}}]
    text = httpx.get(f"{link}/data.txt").text
    assert "experience: years = 7" in text and "Transcript:" in text and "Jane Doe" in text
    went = wait_until(lambda: store.recipients(conv.token), what="where the report went")
    assert [(r["place"], r["channel"], r["members"]) for r in went] == [("dm", OWNER_DM, 2)]
    # asked first: nothing happens before the confirmation
    asked = httpx.post(f"{link}/delete")
    assert asked.status_code == 200 and 'name="confirm"' in asked.text
    assert conv.conversation_id in tavus.state.conversations and store.events_of(conv.conversation_id)
    done = httpx.post(f"{link}/delete", data={"confirm": "yes"})
    assert done.status_code == 303 and done.headers["location"].endswith("/data")
    receipt = httpx.get(f"{link}/data").text
    assert "Completed on" in receipt and "deleted at Tavus" in receipt and "Not finished" not in receipt
    assert conv.conversation_id not in tavus.state.conversations
    wait_until(lambda: not results_left(slack), what="results deleted from Slack")
    assert not slack.state.files or all(f.get("deleted") for f in slack.state.files.values())
    assert store.events_of(conv.conversation_id) == [] and store.result_messages(conv.token) == []
    assert store.report(conv.token) is None and "Jane" not in str(store.conversation_by_token(conv.token))
    assert "Jane" not in str([j.data for j in store.jobs()]) and "years" not in str(
        [j.data for j in store.jobs()]
    )
    told = wait_until(
        lambda: [m for m in channel_messages(slack, OWNER_DM) if "asked for" in m["text"]], what="owner"
    )
    assert "Jane" not in told[0]["text"] and conv.ref in told[0]["text"]
    assert "and the conversation at Tavus" in told[0]["text"] and "could not" not in told[0]["text"]
    # a reload, a second tab, a replayed confirmation: the same receipt, nothing done again
    deletes = len(slack.state.calls_to("chat.delete"))
    assert httpx.post(f"{link}/delete", data={"confirm": "yes"}).status_code == 303
    assert httpx.get(link, follow_redirects=True).text == receipt
    assert len(slack.state.calls_to("chat.delete")) == deletes
    assert store.erasure_of(conv.token)["attempts"] == 1
    assert all(r["deleted_at"] for r in store.recipients(conv.token))  # every place it went: deleted
    assert len(store.db.read("select * from erasure_requests")) == 1


def test_a_wrong_token_changes_nothing(driver, slack, tavus, served, persona):
    store = served.deps.store
    conv, link = finished(driver, slack, tavus, served, persona)
    forged = link[:-4] + ("AAAA" if not link.endswith("AAAA") else "BBBB")
    for url in (f"{forged}/delete", f"{link.rsplit('/', 1)[0]}/x/delete"):
        answer = httpx.post(url, data={"confirm": "yes"})
        assert answer.status_code == 404
    assert httpx.get(f"{forged}/data.json").status_code == 404
    assert conv.conversation_id in tavus.state.conversations and store.events_of(conv.conversation_id)
    assert results_left(slack) and not store.db.read("select * from erasure_requests")
    assert httpx.post(f"{link}/delete").status_code == 200  # the right link is asked, as ever


@pytest.fixture
def admin_app(serve, slack):
    served = serve(TAVUS_SLACK_ADMINS="U0ADMIN1")
    driver = SlackDriver(served.url, SIGNING_SECRET, slack.sim.state, slack.url)
    yield served, driver
    driver.close()


def test_a_delete_slack_refuses_is_retried_and_an_admin_is_alerted_each_day(admin_app, slack, tavus):
    served, driver = admin_app
    store = served.deps.store
    conv, link = finished(
        driver, slack, tavus, served, create_persona(driver, served, name="Planned", plan=PLAN)
    )
    refusal = {"method": "chat.delete", "error": "cant_delete_message", "times": 1000}
    slack.state.faults.append(refusal)
    httpx.post(f"{link}/delete", data={"confirm": "yes"})
    receipt = httpx.get(f"{link}/data").text
    assert (
        "Not finished yet" in receipt and "a message in Slack: Slack refused: cant_delete_message" in receipt
    )
    assert "Completed" not in receipt and "deleted at Tavus" in receipt
    assert store.erasure_of(conv.token)["completed_at"] is None
    told = lambda: [m["text"] for m in channel_messages(slack, OWNER_DM) if "asked for" in m["text"]]  # noqa: E731
    assert "could not be deleted yet" in wait_until(told, what="the owner told")[0]  # no claim of more
    hourly_round(served)  # Slack refuses again: an admin is told
    alert = lambda: [m for m in channel_messages(slack, "D0ADMIN1") if "erasure" in m["text"]]  # noqa: E731
    wait_until(alert, what="the admin's alert")
    assert "Jane" not in alert()[0]["text"] and "cant_delete_message" in alert()[0]["text"]
    hourly_round(served)  # an hour later, still refused: no second alert the same day
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    run_in_app_loop(served, retry_erasures(served.deps, tomorrow))
    wait_until(lambda: len(alert()) == 2, what="the next day's alert")
    time.sleep(0.5)
    assert len(alert()) == 2  # one a day, not one an hour
    slack.state.faults.remove(refusal)
    hourly_round(served)  # Slack takes it now
    assert store.erasure_of(conv.token)["completed_at"] and not results_left(slack)
    assert "Completed on" in httpx.get(f"{link}/data").text
    assert json.loads(store.erasure_of(conv.token)["left_items"]) == []


def test_where_the_results_went_is_recorded_with_the_channels_members_and_shown(
    driver, slack, tavus, served, persona
):
    store = served.deps.store
    store.save_interview_settings("T0ACME01", "U0ADMIN1", results_to="channel", results_channel="C0HIRING1")
    conv, _ = finished(driver, slack, tavus, served, persona, results="C0HIRING1")
    members = len(slack.state.channels["C0HIRING1"].members)
    # recorded just after the report is posted (the report job's last step)
    (row,) = wait_until(lambda: store.recipients(conv.token), what="where the report went")
    assert (row["place"], row["channel"], row["members"]) == ("channel", "C0HIRING1", members)
    asked = [
        c for c in slack.state.calls_to("conversations.info") if c.get("args", {}).get("include_num_members")
    ]
    assert asked, "the count is Slack's, asked for as Slack documents it"
    for user, says in (
        ("U0OTHER1", "Only <@U0OWNER1> or an admin"),
        ("U0OWNER1", f"the channel <#C0HIRING1>, {members} member(s) then"),
    ):
        url = driver.command(f"sharing {conv.ref}", user=user).response_url
        answer = wait_until(
            lambda url=url: [r["body"]["text"] for r in slack.state.responses if r["url"] == url],
            what="answer",
        )
        assert says in answer[-1], answer


def export(url: str, cwd, *args: str) -> subprocess.CompletedProcess:
    """`tavus-slack audit export …` as an operator runs it, against the database at `url`."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DATABASE_URL": url}
    command = [sys.executable, "-m", "bot", "audit", "export", *args]
    return subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=90)


def test_the_audit_export_lists_every_step_without_content(
    driver, slack, tavus, served, persona, database_url, tmp_path
):
    store = served.deps.store
    conv, link = finished(driver, slack, tavus, served, persona)
    assert store.receipt(conv.token)  # the candidate consented when they pressed Start
    httpx.post(f"{link}/delete", data={"confirm": "yes"})
    since = datetime.now(UTC).date().isoformat()
    made = export(database_url, tmp_path, "--since", since)
    assert made.returncode == 0, made.stderr
    records = [json.loads(line) for line in made.stdout.splitlines()]
    actions = [r["action"] for r in records if r["record"] == "audit"]
    assert {"persona.create", "interview.start", "interview.candidate_started", "interview.forget"} <= set(
        actions
    )
    (ran,) = [r for r in records if r["record"] == "settings"]
    assert ran["interview"] == conv.ref and ran["persona_id"] == persona.persona_id
    assert ran["objectives_id"] == persona.objectives_id and ran["guardrails_id"] == persona.guardrails_id
    (erased,) = [r for r in records if r["record"] == "erasure"]
    assert erased["requested_by"] == "candidate" and erased["completed_at"] and erased["left"] == 0
    (shared,) = [r for r in records if r["record"] == "sharing"]
    assert (shared["place"], shared["members"]) == ("dm", 2) and shared["deleted_at"]
    (consent,) = [r for r in records if r["record"] == "consent"]
    assert consent["interview"] == conv.ref and consent["notice_version"] == "v1" and consent["policy"]
    assert (
        conv.token not in made.stdout and "Jane" not in made.stdout and "Backend round 1" not in made.stdout
    )
    sheet = export(database_url, tmp_path, "--since", since, "--format", "csv").stdout.splitlines()
    assert sheet[0].startswith("record,at") and len(sheet) == len(records) + 1
    # past RETENTION_DAYS, before six months: content goes, the audit's rows and facts stay
    with store.db.write() as tx:
        tx.execute("update audit set at = ?", ((datetime.now(UTC) - timedelta(days=120)).isoformat(),))
    hourly_round(served)
    assert all(a["detail"] is None for a in store.audit_log("T0ACME01"))
    later = export(database_url, tmp_path, "--since", "2020-01-01").stdout
    assert '"record": "settings"' in later and '"interview.forget"' in later


def test_the_audit_export_of_a_fresh_database(tmp_path):
    url = f"sqlite:///{tmp_path}/fresh.db"
    made = export(url, tmp_path, "--since", "2026-01-01")
    assert made.returncode == 0 and made.stdout == "", made.stderr
    sheet = export(url, tmp_path, "--since", "2026-01-01", "--format", "csv")
    assert sheet.returncode == 0 and sheet.stdout == "record,at\n"
    wrong = export(url, tmp_path, "--since", "last tuesday")
    assert wrong.returncode == 2 and "--since must be a date" in wrong.stderr


def test_an_erasure_cut_short_by_a_restart_is_finished_by_the_hourly_run(
    driver, slack, tavus, served, persona
):
    store = served.deps.store
    conv, link = finished(driver, slack, tavus, served, persona)
    # the request was recorded, then the instance stopped before anything was deleted
    store.open_erasure(conv.token, conv.team_id, "candidate", token_hash(link.rsplit("/", 1)[1]))
    page = httpx.get(f"{link}/data").text
    assert "being deleted now" in page and "Deleted from" not in page and "Completed" not in page
    hourly_round(served)
    assert "Completed on" in httpx.get(f"{link}/data").text
    assert (
        conv.conversation_id not in tavus.state.conversations and store.events_of(conv.conversation_id) == []
    )
    wait_until(lambda: not results_left(slack), what="results deleted from Slack")


def test_the_owner_hears_of_an_erasure_even_when_the_first_telling_was_cut_off(
    driver, slack, tavus, served, persona
):
    store = served.deps.store
    conv, link = finished(driver, slack, tavus, served, persona)
    assert httpx.post(f"{link}/delete", data={"confirm": "yes"}).status_code in (200, 303)
    key = f"tell:erased:{conv.token}"
    wait_until(lambda: store.job(key), what="the owner's DM queued")
    with store.db.write() as tx:  # as if the process stopped between the erasure and that queueing
        tx.execute("delete from outbox where key = ?", (key,))
    httpx.post(f"{link}/delete", data={"confirm": "yes"})  # the candidate reloads
    assert (
        store.job(key) is not None
        and "asked for their interview to be deleted" in store.job(key).data["text"]
    )


def test_an_admins_erasure_alert_carries_tavus_text_escaped(served, monkeypatch):
    """Slack's and Tavus's reasons reach the admins' DM as text: they cannot mention or link."""

    class Refusing:
        async def delete_conversation(self, conversation_id):
            raise te.TavusError("<!channel> <https://evil.example|Click to finish the deletion>")

    monkeypatch.setattr(served.deps.ws, "tavus_for", lambda conv: Refusing())
    conv = SimpleNamespace(conversation_id="c1", team_id="T0ACME01", tavus_account=None)
    _, why = run_in_app_loop(served, erasure.delete_at_tavus(served.deps, conv))
    monkeypatch.setattr(erasure, "admins_of", lambda deps, req: _admins())
    req = {
        "id": 1,
        "alerted_at": None,
        "requested_at": "2026-12-01T00:00:00+00:00",
        "conv_token": "t",
        "team_id": "T0ACME01",
    }
    run_in_app_loop(
        served, erasure.alert_if_due(served.deps, req, [{"kind": "tavus", "why": why}], datetime.now(UTC))
    )
    (job,) = [j for j in served.deps.store.jobs() if j.key.startswith("erasure-alert:1:")]
    assert "&lt;!channel&gt;" in job.data["text"] and "<!channel>" not in job.data["text"]


async def _admins():
    return ["U0ADMIN1"]
