"""Issue 25: `/tavus opening`, `/tavus openings`, `/tavus compare`, the Compare button, and the
Advance / Hold / Reject buttons with the decision modal they open."""

from __future__ import annotations

import copy
import re
from typing import Any

from bot.deps import Deps
from bot.records import PersonaRecord, name_key
from bot.services.access.answers import by_dm, by_url
from bot.services.decisions.decision_jobs import compare_job, decide_job
from bot.slack import ids
from bot.slack.blocks import as_plain
from bot.slack.decisions import build_decision_modal, read_decision_form
from bot.slack.forms import field_value
from bot.slack.modals import build_progress_view
from bot.slack.openings import build_openings_list
from handlers.guard import action_value, queue, submission_key, team_of, user_of
from handlers.modals import open_view

COMMANDS = ("opening", "openings", "compare")
URL = re.compile(r"^<?(https://[^\s|>]+)(\|[^>]*)?>?$")  # Slack sends a typed link as <url> or <url|text>
OPENING_CHOICE = "opening:"  # the Start interview form's persona picker lists openings so


def parse_opening(rest: str, find) -> tuple[str, PersonaRecord | None, str | None]:
    """`<name> <persona> [job description URL]`: the longest run of trailing words that names a
    persona is the persona, the words before it the name; a "quoted" name may come first."""
    words, jd = rest.split(), None
    if words and (m := URL.match(words[-1])):
        jd, words = m.group(1), words[:-1]
    if rest.startswith('"') and '"' in rest[1:]:
        name, _, after = rest[1:].partition('"')
        after_words = [w for w in after.split() if not URL.match(w)]
        return name, find(" ".join(after_words)) if after_words else None, jd
    for n in range(1, len(words)):
        persona = find(" ".join(words[n:]))
        if persona:
            return " ".join(words[:n]), persona, jd
    return " ".join(words), None, jd


async def openings_command(deps: Deps, ack, respond, body: dict, sub: str, rest: str) -> None:
    team, user, command = team_of(body), user_of(body), deps.settings.SLACK_COMMAND
    if sub == "openings":
        text, blocks = await openings_list(deps, team, user)
        await ack(response_type="ephemeral", text=text, blocks=blocks)
    elif sub == "opening":
        await ack()
        await create_opening(deps, respond, team, user, as_plain(rest))
    elif not rest:
        await ack(response_type="ephemeral", text=f"Which opening? `{command} compare &lt;opening name&gt;`.")
    else:  # a worker gathers them and answers in place of this line (decision_jobs.py)
        where = by_url(body.get("response_url") or "", replace=True)
        await queue(deps, compare_job(team, user, as_plain(rest), where))
        await ack(response_type="ephemeral", text=":hourglass_flowing_sand: Gathering the candidates…")


async def create_opening(deps: Deps, respond, team: str, user: str, rest: str) -> None:
    command = deps.settings.SLACK_COMMAND
    visible = await deps.db.visible_personas(team, user)
    name, persona, jd = parse_opening(rest, lambda ref: deps.personas.find(visible, user, ref))
    if not rest or not name:
        await respond(
            text=f"Usage: `{command} opening &lt;name&gt; &lt;persona&gt; [job description URL]`, e.g. "
            f"`{command} opening Backend engineer Planned`; `{command} personas` lists your personas."
        )
        return
    _, said = await deps.openings.create(team, user, name, persona, jd)
    if persona is None:
        said += f" Usage: `{command} opening &lt;name&gt; &lt;persona&gt;`."
    await respond(text=said)


async def openings_list(deps: Deps, team: str, user: str) -> tuple[str, list]:
    openings = await deps.db.openings_in(team)
    names = {p.persona_id: p.name for p in await deps.db.visible_personas(team, user)}
    return build_openings_list(
        openings, await deps.db.opening_counts(team), names, deps.settings.SLACK_COMMAND
    )


async def choose_opening(deps: Deps, team: str, values: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """The Start interview form with an opening picked: (the values with its persona picked
    instead, the opening's id); unchanged values and None for a persona."""
    chosen = field_value(values, ids.I_PERSONA)  # a static_select's chosen value, checked
    if not isinstance(chosen, str) or not chosen.startswith(OPENING_CHOICE):
        return values, None
    opening = await deps.db.opening_named(team, chosen.removeprefix(OPENING_CHOICE))
    values = copy.deepcopy(values)
    values[ids.I_PERSONA][ids.VALUE]["selected_option"]["value"] = opening.persona_id if opening else ""
    return values, opening.id if opening else None


def opening_finder(store, team: str, visible: list[PersonaRecord], find):
    """For `/tavus interview <opening or persona> …` (in a store thread): a finder that tries an
    opening's name first (it resolves to its persona, if visible to this person), then `find`;
    `.hit` holds the opening of the last successful lookup."""

    openings = store.opening_names(team)  # one query, however many runs of words are tried

    def finder(ref: str) -> PersonaRecord | None:
        opening = openings.get(name_key(ref)) or openings.get(ref)
        persona = next((p for p in visible if opening and p.persona_id == opening.persona_id), None)
        finder.hit = opening.id if persona and opening else None
        return persona or find(ref)

    finder.hit = None
    return finder


def register(app, deps: Deps) -> None:
    async def on_compare(ack, body) -> None:
        # a worker answers below the click, or from the Home tab (no response_url) by DM
        url, user = body.get("response_url"), user_of(body) or ""
        where = by_url(url, replace=False) if url else by_dm(user)
        await queue(deps, compare_job(team_of(body), user, action_value(body), where))
        await ack()

    async def on_decide(ack, body, respond, client) -> None:
        await ack()
        team, user, ref = team_of(body), user_of(body), action_value(body)
        verdict = ((body.get("actions") or [{}])[0].get("action_id") or "").removeprefix(ids.DECIDE)
        conv, latest, problem = await deps.openings.prepare(team, user, ref)
        if conv is None:
            await say(body, respond, client, problem)
            return
        version = int((latest or {}).get("version") or 0)
        await open_view(
            client,
            body.get("trigger_id", ""),
            build_decision_modal(conv.name, ref, verdict, version, latest, has_candidate=conv.has_candidate),
            None,
        )

    async def on_decision(ack, body, client) -> None:
        view, team, user = body.get("view") or {}, team_of(body), user_of(body)
        form, errors = read_decision_form(view)
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        # queued before the ack; a worker records it and shows the outcome in this modal
        await queue(deps, decide_job(team, user, form, view["id"], key=submission_key(view)))
        await ack(response_action="update", view=build_progress_view("Decision", "Recording the decision…"))

    app.action(ids.COMPARE_OPENING)(on_compare)
    for action in (ids.DECIDE_ADVANCE, ids.DECIDE_HOLD, ids.DECIDE_REJECT):
        app.action(action)(on_decide)
    app.view(ids.DECISION_VIEW)(on_decision)


async def say(body: dict, respond, client, text: str) -> None:
    """Answer a click: ephemerally where it came from, or by DM from the Home tab."""
    if body.get("response_url"):
        await respond(text=text, response_type="ephemeral", replace_original=False)
    else:
        await client.chat_postMessage(channel=user_of(body), text=text)
