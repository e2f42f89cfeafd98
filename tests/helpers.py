"""Shared steps for end-to-end tests: create personas and interviews through Slack requests."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from bot.records import ConversationRecord, marker_for
from bot.slack import ids
from sim.driver import (
    SlackDriver,
    channel_value,
    checks_value,
    form_values,
    number_value,
    select_value,
    text_value,
    user_value,
)
from tests.conftest import wait_until


def persona_values(
    name: str = "Interviewer",
    prompt: str | None = "You interview backend engineers.",
    *,
    replica: str = "rfe12d8b9597",
    custom: str | None = None,
    mode: str = "full",
    perception: str = "raven-0",
    smart_turn: bool = True,
    shared: bool = False,
    context: str | None = "We hire for the payments team.",
    plan: str | None = None,
    template: str | None = None,
    guardrails: bool = True,
    why: str | None = None,
    guardrail_lines: str | None = None,
    jd_url: str | None = None,
    essentials_only: bool = False,
) -> dict[str, Any]:
    """The New persona form as submitted: the long form (with More options), or with
    `essentials_only` the short one a first persona sees (issue 22)."""
    fields = {
        ids.P_NAME: text_value(name),
        ids.P_PROMPT: text_value(prompt),
        ids.P_CONTEXT: text_value(context),
        ids.P_REPLICA: select_value(replica),
        ids.P_CUSTOM_REPLICA: text_value(custom),
        ids.P_MODE: select_value(mode, "radio_buttons"),
        ids.P_PERCEPTION: select_value(perception),
        ids.P_SMART_TURN: checks_value("on") if smart_turn else checks_value(),
        ids.P_LLM: select_value(None),
        ids.P_SHARED: checks_value("shared") if shared else checks_value(),
        ids.P_TEMPLATE: select_value(template),
        ids.P_PLAN: text_value(plan),
        ids.P_GUARDRAILS: checks_value("on") if guardrails else checks_value(),
        ids.P_GUARDRAILS_WHY: text_value(why),
        ids.P_GUARDRAIL_LINES: text_value(guardrail_lines),
        ids.P_JD_URL: text_value(jd_url),
    }
    if essentials_only:
        fields = {k: v for k, v in fields.items() if k in ESSENTIALS}
    return form_values(**fields)


ESSENTIALS = (  # the short New persona form, before More options
    ids.P_NAME,
    ids.P_PROMPT,
    ids.P_REPLICA,
    ids.P_TEMPLATE,
    ids.P_PLAN,
    ids.P_GUARDRAILS,
    ids.P_GUARDRAILS_WHY,
)


def interview_values(
    persona_id: str,
    *,
    channel: str = "C0HIRING1",
    name: str | None = "Backend round 1",
    candidate: str | None = None,  # issue 14: with a candidate an interview is private (an invite)
    minutes: str | None = "30",
    options: tuple[str, ...] = (),
    language: str = "english",
) -> dict[str, Any]:
    return form_values(
        **{
            ids.I_PERSONA: select_value(persona_id),
            ids.I_NAME: text_value(name),
            ids.I_CANDIDATE: user_value(candidate),
            ids.I_CHANNEL: channel_value(channel),
            ids.I_GREETING: text_value(None),
            ids.I_CONTEXT: text_value(None),
            ids.I_MINUTES: number_value(minutes),
            ids.I_OPTIONS: checks_value(*options),
            ids.I_LANGUAGE: select_value(language),
        }
    )


def open_modal(
    driver: SlackDriver, text: str, callback_id: str, user: str = "U0OWNER1", channel: str = "C0GENERAL"
) -> dict[str, Any]:
    response = driver.command(text, user=user, channel=channel)
    assert response.status_code == 200, response.text

    def ready():  # the persona modal fills in Tavus's replicas a moment after it opens
        view = driver.latest_view(callback_id, user)
        return view if view and "Loading replicas" not in str(view["blocks"]) else None

    return wait_until(ready, what=f"{callback_id} modal")


def create_persona(driver: SlackDriver, served, user: str = "U0OWNER1", **values: Any):
    """Open the New persona modal, submit it, wait for the persona in the store."""
    view = open_modal(driver, "persona", ids.NEW_PERSONA, user)
    name = values.get("name", "Interviewer")
    response = driver.submit(view["id"], persona_values(**values), user=user)
    assert response.json().get("response_action") == "update", response.text
    store = served.deps.store
    return wait_until(
        lambda: next((p for p in store.personas_of(driver.state.team_id, user) if p.name == name), None),
        what="persona in the store",
    )


def start_interview(driver: SlackDriver, served, persona_id: str, user: str = "U0OWNER1", **values: Any):
    """Open the Start interview modal, submit it, wait for the card's ts in the store."""
    view = open_modal(driver, "interview", ids.START_INTERVIEW, user)
    response = driver.submit(view["id"], interview_values(persona_id, **values), user=user)
    assert response.json().get("response_action") == "update", response.text
    store = served.deps.store

    def posted():
        convs = [c for c in store.active_of(driver.state.team_id, user) if c.persona_id == persona_id]
        return next((c for c in convs if c.message_ts), None)

    return wait_until(posted, what="interview card posted")


def channel_messages(slack, channel: str) -> list[dict[str, Any]]:
    return slack.state.messages.get(channel, [])


def responses_text(slack, url: str) -> list[str]:
    return [r["body"].get("text", "") for r in slack.state.responses if r["url"] == url]


def interrupted_start(store, persona, token: str, name: str, *, created_at_tavus=None) -> dict | None:
    """What a crash leaves: the intent in the store, and maybe the conversation Tavus made for it
    (pass the simulator as `created_at_tavus`); returns Tavus's answer when it made one."""
    store.begin_conversation(
        ConversationRecord(
            token=token,
            team_id="T0ACME01",
            owner_id="U0OWNER1",
            status="creating",
            # a crash leaves an intent from the past: recovery leaves starts younger than a second alone
            created_at=(datetime.now(UTC) - timedelta(seconds=5)).isoformat(timespec="milliseconds"),
            persona_id=persona.persona_id,
            persona_name=persona.name,
            channel_id="C0HIRING1",
            name=name,
        )
    )
    if created_at_tavus is None:
        return None
    return httpx.post(
        f"{created_at_tavus.url}/v2/conversations",
        headers={"x-api-key": "sim-tavus-key"},
        json={"persona_id": persona.persona_id, "conversation_name": f"{name} [{marker_for(token)}]"},
    ).json()


def callback_url(served, conv) -> str:
    """The callback URL the app gave Tavus for this interview (its credential is derived, not stored)."""
    return served.deps.interviews.callback_url(conv.token)


# TavusClient tests (tests/test_tavus_client.py, tests/test_tavus_plan_client.py)
TRANSPORTS = ["aiohttp-pool", "httpcore-pool"]  # the app's default (httpx over aiohttp), plain httpx


class Sleeps(list):
    """A TavusClient's sleep that only records how long it was asked to wait."""

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


def sim_tavus_client(tavus, transport: str):
    """A TavusClient on the simulator over one of TRANSPORTS, its backoff sleeps recorded in `.sleeps`."""
    from httpx_aiohttp import HttpxAiohttpClient

    from bot.tavus.client import TavusClient
    from tests.conftest import TAVUS_KEY

    sleeps = Sleeps()
    http = (HttpxAiohttpClient if transport == "aiohttp-pool" else httpx.AsyncClient)(timeout=2.0)
    client = TavusClient(TAVUS_KEY, base_url=tavus.url, backoff=0.01, sleep=sleeps, http_client=http)
    client.sleeps = sleeps
    return client


# contract tests against Tavus's OpenAPI files (tests/test_tavus_contract*.py)
def json_types() -> dict[str, tuple[type, ...]]:
    """The Python classes each JSON Schema type admits."""
    from pydantic import BaseModel

    return {
        "string": (str,),
        "integer": (int,),
        "boolean": (bool,),
        "array": (list,),
        "object": (dict, BaseModel),
        "number": (int, float),
    }


JSON_TYPES = json_types()


def python_types(annotation) -> set[type]:
    """The concrete classes an annotation admits (unions and generics unpacked)."""
    import types
    import typing

    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return set().union(*(python_types(a) for a in typing.get_args(annotation)))
    if origin is typing.Literal:
        return {type(a) for a in typing.get_args(annotation)}
    return {origin} if origin is not None else {annotation}


def compatible(annotation, schema: dict) -> bool:
    """Whether a model field's annotation admits the JSON type a schema names."""
    wanted = JSON_TYPES.get(schema.get("type", "object"), (object,))
    admitted = python_types(annotation) - {type(None)}
    return any(issubclass(t, wanted) for t in admitted if isinstance(t, type))


def consent_form(page_text: str, *, tick: bool = True) -> dict[str, Any]:
    """The invite page's Start form as a candidate submits it: the notice's hash, every box ticked
    (issue 24: Start needs the consent the policy asks for)."""
    notice = re.search(r'name="notice" value="([0-9a-f]+)"', page_text)
    boxes = re.findall(r'name="consent" value="([a-z]+)"', page_text) if tick else []
    return {"notice": notice.group(1) if notice else "", "consent": boxes}


def press_start(link: str, **kwargs: Any) -> httpx.Response:
    """Open the invite page, tick its boxes and press Start, as the candidate does."""
    return httpx.post(link, data=consent_form(httpx.get(link, timeout=20).text), **kwargs)
