"""`tavus-slack sim-tavus` and `sim-slack` as real processes: they accept the key or token the user
set (environment or .env), or a printed default, and say how to point the app at them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.procs import stand_ins


@pytest.fixture
def stand_in(tmp_path: Path) -> Iterator:
    with stand_ins(tmp_path) as start:
        yield start


def tavus_status(url: str, key: str) -> int:
    return httpx.get(f"{url}/v2/replicas", params={"limit": 1}, headers={"x-api-key": key}).status_code


def slack_auth(url: str, token: str) -> dict:
    return httpx.post(f"{url}auth.test", headers={"Authorization": f"Bearer {token}"}).json()


def test_sim_tavus_accepts_the_key_set_in_the_environment(stand_in):
    sim = stand_in("sim-tavus", {"TAVUS_API_KEY": "my-own-chosen-key-42"})
    url = sim.variable("TAVUS_API_URL")
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url)
    assert tavus_status(url, "my-own-chosen-key-42") == 200
    assert tavus_status(url, "sim-tavus-key") == 401  # the default no longer opens it
    assert tavus_status(url, "my-own-chosen-key-4") == 401
    assert "TAVUS_API_KEY you set" in sim.text
    assert "my-own-chosen-key-42" not in sim.text  # the user's key is theirs: never echoed


def test_sim_tavus_reads_the_key_from_dotenv(stand_in):
    sim = stand_in("sim-tavus", dotenv="TAVUS_API_KEY=key-from-dotenv-7\n")
    url = sim.variable("TAVUS_API_URL")
    assert tavus_status(url, "key-from-dotenv-7") == 200
    assert tavus_status(url, "sim-tavus-key") == 401


def test_sim_tavus_without_a_key_prints_the_default_it_accepts(stand_in):
    sim = stand_in("sim-tavus")
    url, key = sim.variable("TAVUS_API_URL"), sim.variable("TAVUS_API_KEY")
    assert key == "sim-tavus-key"
    assert tavus_status(url, key) == 200
    assert tavus_status(url, "another-key") == 401


def test_sim_slack_accepts_the_token_set_and_names_its_scopes(stand_in):
    sim = stand_in("sim-slack", {"SLACK_BOT_TOKEN": "xoxb-1-mine-abc"})
    url = sim.variable("SLACK_API_URL")
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/api/", url)
    answer = httpx.post(f"{url}auth.test", headers={"Authorization": "Bearer xoxb-1-mine-abc"})
    assert answer.json()["ok"] is True
    assert "chat:write" in answer.headers["x-oauth-scopes"].split(",")
    assert slack_auth(url, "xoxb-sim-token") == {"ok": False, "error": "invalid_auth"}
    assert "xoxb-1-mine-abc" not in sim.text


def test_sim_slack_without_a_token_prints_the_default_it_accepts(stand_in):
    sim = stand_in("sim-slack")
    url, token = sim.variable("SLACK_API_URL"), sim.variable("SLACK_BOT_TOKEN")
    assert token == "xoxb-sim-token"
    assert slack_auth(url, token)["ok"] is True
    assert slack_auth(url, "xoxb-other") == {"ok": False, "error": "invalid_auth"}


def test_sim_slack_prints_a_signing_secret_of_slacks_shape(stand_in):
    sim = stand_in("sim-slack")
    assert re.fullmatch(r"[0-9a-f]{32}", sim.variable("SLACK_SIGNING_SECRET"))


def test_sim_slack_keeps_the_signing_secret_set(stand_in):
    sim = stand_in("sim-slack", dotenv="SLACK_SIGNING_SECRET=0123456789abcdef0123456789abcdef\n")
    assert "SLACK_SIGNING_SECRET  (keep the one you set)" in sim.text
    assert "0123456789abcdef0123456789abcdef" not in sim.text
