"""Issue 27: the end of a Workflow Builder step, told to Slack through the outbox (durable, in the
rate budget, once). *Send an AI interview* completes once its card is posted (its outputs carry
the card's permalink); *Wait for an AI interview's result* once the interview reaches its end."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.records import ConversationRecord
from bot.services.outbox.job_kinds import NotYet
from bot.services.results.outcome import final_state, forgotten, report_metadata  # noqa: F401
from bot.services.results.report import gather_report
from bot.services.results.runner import LinkRunner
from bot.store import OutboxRecord

log = logging.getLogger(__name__)

# Slack's answers that mean the step can no longer be completed (ended by Slack, or never ours)
OVER = {"function_execution_not_found", "execution_not_in_running_state", "access_denied"}


class StepFailed(Exception):
    """The step cannot end well: the sentence is what the workflow's author reads."""


class StepRunner(LinkRunner):
    """The `step` job's runner: a workflow step told its end, in the rate budget, once."""

    KINDS = ("step",)

    async def run_step(self, job: OutboxRecord, _conv: Any) -> str | None:
        step = await self.db.step(job.key.removeprefix("step:"))  # (retention may empty a payload)
        if step is None or step["state"] == "done":
            return "done"  # told already (a redelivered job)
        conv = await self.db.conversation_by_token(step["conv_token"]) if step["conv_token"] else None
        if step["error"]:
            outcome = await self._complete(job, step, error=step["error"])
        elif step["kind"] == "send":
            try:
                outcome = await self._complete(job, step, outputs=await self._sent(job, conv))
            except StepFailed as failed:  # its card never posted: the invite goes too
                await self.db.close_invite(conv.token, "invite_cancelled", None)
                await self.invites.changed(conv.token)  # a Slack candidate's DM says so
                outcome = await self._complete(job, step, error=str(failed))
        else:
            if (state := final_state(conv)) is None:
                return "waiting"  # queued again by the interview's end (bot/services/calls/jobs.py run_card)
            outcome = await self._complete(job, step, outputs=await self._result(job, conv, state))
        await self.db.step_done(step["execution_id"], outcome)
        return outcome

    async def _sent(self, job: OutboxRecord, conv: ConversationRecord | None) -> dict[str, Any]:
        if forgotten(conv):
            return {"interview_id": "", "candidate_link": "", "card_link": ""}
        if not conv.message_ts:
            post = await self.db.job(f"post:{conv.token}")
            if conv.status == "failed" or (post is not None and post.state == "parked"):
                raise StepFailed(
                    "The interview was created, but its card could not be posted in that channel."
                )
            raise NotYet("its card is not posted yet")
        link = await self.invites.find_link(conv) if conv.has_candidate else conv.url
        return {
            "interview_id": conv.ref or "",
            "candidate_link": link or "",
            "card_link": await self._permalink(job, conv.team_id, conv.channel_id, conv.message_ts),
        }

    async def _result(self, job: OutboxRecord, conv: ConversationRecord, state: str) -> dict[str, Any]:
        """The outputs of *Wait*: no candidate content, only the state, counts and a link."""
        if state == "forgotten":
            return {"state": state}
        row = await self.db.report(conv.token)
        report = await gather_report(self.db, self.ws, conv, row)
        if report.has_results and not (row and row.get("ts")):
            pending = await self.db.job(f"report:{conv.token}")
            if pending is not None and pending.state == "pending":
                raise NotYet("its report is on its way")
        link = (row or {}).get("permalink") or ""  # kept when the report was posted
        if not link and row and row.get("ts"):
            link = await self._permalink(job, conv.team_id, row["channel"], row["ts"])
        return {
            "state": state,
            "interview_id": conv.ref or "",
            "objectives_done": len(report.done),
            "objectives_total": len(report.plan),
            "report_link": link,
            "decision": (report.decision or {}).get("verdict") or "",  # issue 25: the latest decision
        }

    async def _permalink(self, job: OutboxRecord, team: str | None, channel: str, ts: str) -> str:
        return await self.permalink(
            job, await self._token(team), channel, ts
        )  # (bot/services/results/report_links.py)

    async def _complete(
        self,
        job: OutboxRecord,
        step: dict,
        *,
        outputs: dict | None = None,
        error: str | None = None,
    ) -> str:
        token = await self._token(step["team_id"])
        method = "functions.completeError" if error else "functions.completeSuccess"
        await self._admit(job, method)
        try:
            if error:
                await self.slack.functions_completeError(
                    token=token, function_execution_id=step["execution_id"], error=error
                )
            else:
                await self.slack.functions_completeSuccess(
                    token=token, function_execution_id=step["execution_id"], outputs=outputs or {}
                )
        except SlackApiError as exc:
            code, status = exc.response.get("error"), getattr(exc.response, "status_code", 200)
            if code in OVER:
                log.info("workflow step %s was already over at Slack", step["execution_id"])
                return "over"
            if error or status == 429 or status >= 500:
                raise  # a retry, as for any job (parked, and logged, if it never goes)
            # Slack refused the outputs themselves: the step still ends, with a sentence, not never
            log.error("Slack refused workflow step %s's outputs: %s", step["execution_id"], code)
            return await self._complete(
                job, step, error=f"The app could not hand over its result (Slack said {code})."
            )
        return "failed" if error else (outputs or {}).get("state", "sent")
