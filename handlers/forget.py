"""Issues 14 and 22: `/tavus forget <interview name or id>` behind one confirmation, the card's
Cancel (revokes an invite), and the workspace's interview settings (admins, from the Home tab)."""

from __future__ import annotations

from bot.deps import Deps
from bot.services.access.answers import where_clicked
from bot.services.access.channels import channel_problem
from bot.services.decisions.decision_jobs import home_job
from bot.services.rights.forget_job import forget_job
from bot.services.rights.retention import find_to_forget
from bot.services.starting.end_job import CANCEL, end_job
from bot.slack import ids
from bot.slack.blocks import build_notice, button, esc, esc_cut, section
from bot.slack.settings_modal import build_settings_modal, read_settings
from handlers.actions import _where
from handlers.guard import action_value, queue, team_of, user_of, values_of
from handlers.modals import open_view


async def forget_command(deps: Deps, respond, body: dict, rest: str) -> None:
    """`forget <interview name or id>`: one prompt with the Forget button (asked once: no dialog)."""
    team, user, command = team_of(body), user_of(body), deps.settings.SLACK_COMMAND
    found = await find_to_forget(deps, team, user, rest) if rest else []
    usage = f"Usage: `{command} forget &lt;interview name or id&gt;`."
    if not rest:
        text, blocks = build_notice(f"Which interview? {usage}")
    elif not found:
        text, blocks = build_notice(
            f"I found no interview `{esc_cut(rest, 600)}` that you can forget, by name or id. {usage}"
        )
    elif len(found) > 1:
        refs = ", ".join(f"`{c.ref or c.conversation_id}`" for c in found if c.ref or c.conversation_id)
        text, blocks = build_notice(
            f"More than one interview is called *{esc_cut(rest, 600)}*: forget one by its id ({refs})."
        )
    elif not await deps.people.can_manage(team, user, conv := found[0]):
        text, blocks = build_notice(f"Only <@{conv.owner_id}> or an admin can forget *{esc(conv.name)}*.")
    else:
        question = (
            f"Forget *{esc(conv.name)}*? This deletes its transcript, analysis and stored events, "
            "the messages posted about it in Slack, and the conversation at Tavus. It cannot be undone."
        )
        ref = conv.ref or conv.conversation_id or ""
        yes = button("Forget", ids.FORGET, value=ref, style="danger")
        text, blocks = question, [section(question), {"type": "actions", "elements": [yes]}]
    await respond(text=text, blocks=blocks)


def register(app, deps: Deps) -> None:
    async def on_forget(ack, body) -> None:
        team, user, _ = _where(body)
        # queued before the ack; a worker replaces the prompt with a progress line, then the answer
        await queue(deps, forget_job(team, user, action_value(body), body.get("response_url") or ""))
        await ack()

    async def on_cancel(ack, body) -> None:
        team, user, _ = _where(body)
        await queue(deps, end_job(CANCEL, team, user, action_value(body), where_clicked(body)))
        await ack()

    async def on_open_settings(ack, body, client) -> None:
        await ack()
        team, user = team_of(body), user_of(body)
        if not await deps.people.is_admin(team, user):
            return  # the button is only shown to admins; a forged click opens nothing
        view = build_settings_modal(await deps.db.interview_settings(team))  # off the loop
        await open_view(client, body.get("trigger_id", ""), view, None)

    async def on_save_settings(ack, body, client) -> None:
        view, team, user = body.get("view") or {}, team_of(body), user_of(body)
        values, errors = read_settings(values_of(view))
        if not errors and not await deps.people.is_admin(team, user):
            errors = {ids.S_RESULTS: "Only a workspace admin can change these settings."}
        channel = values["results_channel"]  # results must be able to land there
        if not errors and channel and (problem := await channel_problem(client, channel)):
            errors = {ids.S_RESULTS_CHANNEL: problem}
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        before = (await deps.db.interview_settings(team)).get("minutes_cap")
        if values["minutes_cap"] != before:  # a new cap: its setter hears of it, its 80 % warns afresh
            values.update(cap_set_by=user if values["minutes_cap"] else None, cap_warned_month=None)
        await deps.db.save_interview_settings(team, user, **values)  # saved and queued before the ack
        await queue(deps, home_job(team, user, ":white_check_mark: Interview settings saved."))  # a worker
        await ack()

    app.action(ids.FORGET)(on_forget)
    app.action(ids.CANCEL_INVITE)(on_cancel)
    app.action(ids.OPEN_INTERVIEW_SETTINGS)(on_open_settings)
    app.view(ids.INTERVIEW_SETTINGS)(on_save_settings)
