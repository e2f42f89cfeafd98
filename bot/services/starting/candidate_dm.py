"""The candidate's DM as an outbox job (issues 14 and 17): the private link, posted once, then
edited once the interview is over. Budgeted and retried like every Slack call the app makes on
its own, and it survives a crash. Its text is drawn from the stored state when it runs: it carries
the link, which the database never holds. The DM's ts is recorded as soon as Slack answers, and a
job that finds it recorded edits rather than posts; a reset before Slack acts, or a crash before
the post, makes the next attempt post it, once. (Only an answer lost after Slack took the post,
a stall past the timeout, can double it: Slack's chat.postMessage has no idempotency key.)"""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError

from bot.records import ConversationRecord
from bot.services.outbox.pacing import turn_key
from bot.slack.errors import slack_failed
from bot.store import OutboxRecord

if TYPE_CHECKING:
    from bot.services.calls.jobs import CallRunners


async def run_candidate_dm(runners: CallRunners, job: OutboxRecord, conv: ConversationRecord) -> str | None:
    """Post the DM if it is not out yet, else edit it to the interview's end; the DM's ts."""
    db = runners.db
    invite = await db.invite(conv.token)
    if invite is None or invite.get("dm_final") or not conv.candidate_id:
        return invite.get("dm_ts") if invite else None
    text = runners.invites.dm_text(conv, invite)
    token = await runners._token(conv.team_id)
    if not invite.get("dm_ts"):
        answer = await runners.slack.chat_postMessage(
            token=token, channel=conv.candidate_id, text=text, unfurl_links=False
        )
        await db.dm_sent(conv.token, answer["channel"], answer["ts"], final=conv.status == "ended")
        return answer["ts"]
    if conv.status != "ended":
        return invite["dm_ts"]  # re-armed while it was out: nothing to edit yet
    if job.team_id:  # the budget admitted a post in run(): the edit is Tier 3's, per workspace
        await runners.budget.admit(turn_key(job, 1), job.team_id, "chat.update", None, 1)
    try:
        await runners.slack.chat_update(
            token=token, channel=invite["dm_channel"], ts=invite["dm_ts"], text=text
        )
    except SlackApiError as exc:
        status = getattr(exc.response, "status_code", 200)
        if status == 429 or status >= 500 or exc.response.get("error") in ("ratelimited", "internal_error"):
            raise  # retried by the outbox
        slack_failed(exc, "update the candidate's DM")  # deleted, or the candidate left: as before
    finally:
        if job.team_id:  # counted from its answer, as the budget counts every call
            runners.budget.settle(turn_key(job, 1), job.team_id, "chat.update")
    await db.dm_done(conv.token)
    return invite["dm_ts"]
