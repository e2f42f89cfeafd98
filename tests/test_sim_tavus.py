"""The Tavus simulator's own behaviour: timers, rate limits, the room page, the CLI."""

import asyncio
import subprocess
import sys
import time

import httpx

from tests.conftest import TAVUS_KEY, free_port, wait_until

H = {"x-api-key": TAVUS_KEY}


def make_conversation(tavus, **body):
    persona = httpx.post(
        f"{tavus.url}/v2/personas",
        headers=H,
        json={"system_prompt": "Hi", "default_replica_id": "rfe12d8b9597"},
    ).json()
    return httpx.post(
        f"{tavus.url}/v2/conversations", headers=H, json={"persona_id": persona["persona_id"], **body}
    ).json()


def test_max_call_duration_ends_the_call(tavus):
    tavus.control("config", {"time_scale": 0.01})
    conv = make_conversation(tavus, properties={"max_call_duration": 30})
    tavus.control(f"conversations/{conv['conversation_id']}/join")
    sim_conv = tavus.state.conversations[conv["conversation_id"]]
    wait_until(lambda: sim_conv.status == "ended", what="timer")
    reasons = [e["properties"].get("shutdown_reason") for e in sim_conv.events]
    assert "max_call_duration reached" in reasons


def test_absent_candidate_times_out(tavus):
    tavus.control("config", {"time_scale": 0.001})
    conv = make_conversation(tavus)
    sim_conv = tavus.state.conversations[conv["conversation_id"]]
    wait_until(lambda: sim_conv.status == "ended", what="absent timeout")
    assert sim_conv.events[-1]["properties"]["shutdown_reason"] == "participant_absent_timeout reached"


def test_test_mode_holds_no_slot(tavus):
    tavus.control("config", {"concurrency_limit": 1})
    assert make_conversation(tavus, test_mode=True)["status"] == "ended"
    assert make_conversation(tavus)["status"] == "active"


def test_rate_limit_answers_429_with_retry_after(tavus):
    tavus.control("config", {"rate_limit_per_second": 5})

    async def burst() -> list[httpx.Response]:  # all at once, so a slow machine still exceeds 5 a second
        async with httpx.AsyncClient(headers=H) as client:
            return await asyncio.gather(*(client.get(f"{tavus.url}/v2/replicas") for _ in range(12)))

    answers = asyncio.run(burst())
    limited = [a for a in answers if a.status_code == 429]
    assert limited and limited[0].headers["retry-after"] == "1"
    assert limited[0].json() == {"message": "Too many requests"}


def test_room_page_and_join_form(tavus):
    conv = make_conversation(tavus)
    page = httpx.get(conv["conversation_url"])
    assert page.status_code == 200 and "Join as the candidate" in page.text
    joined = httpx.post(
        f"{tavus.url}/_sim/conversations/{conv['conversation_id']}/join",
        data={"x": "1"},
        follow_redirects=False,
    )
    assert joined.status_code == 303
    assert tavus.state.conversations[conv["conversation_id"]].joined


def test_patch_without_change_answers_304(tavus):
    persona = httpx.post(f"{tavus.url}/v2/personas", headers=H, json={"system_prompt": "Hi"}).json()
    same = [{"op": "replace", "path": "/system_prompt", "value": "Hi"}]
    assert (
        httpx.patch(f"{tavus.url}/v2/personas/{persona['persona_id']}", headers=H, json=same).status_code
        == 304
    )
    bad = [{"op": "replace", "path": "/nope/deeper", "value": 1}]
    assert (
        httpx.patch(f"{tavus.url}/v2/personas/{persona['persona_id']}", headers=H, json=bad).status_code
        == 400
    )


def test_cli_serves_the_simulator():
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "sim-tavus", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:

        def up():
            try:
                return (
                    httpx.get(
                        f"http://127.0.0.1:{port}/v2/replicas", headers={"x-api-key": "sim-tavus-key"}
                    ).status_code
                    == 200
                )
            except httpx.TransportError:
                return False

        wait_until(up, timeout=20, what="sim-tavus up")
        time.sleep(0.1)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
