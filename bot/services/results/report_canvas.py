"""Issue 15: the report as a canvas, where the workspace chose it: created once, shared with the
results' readers, announced by a short message in the results thread, and edited on late callbacks."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError

from bot.records import ConversationRecord
from bot.services.results.forgotten import keep_report
from bot.services.results.refusals import CANVAS_FAILED, CANVAS_REFUSED, FILE_REFUSED, GONE, _code  # noqa: F401
from bot.slack.blocks import esc_cut, link, section
from bot.slack.report import ReportState, decision_blocks, scorecard_lines
from bot.slack.report_canvas import build_report_canvas, canvas_title

if TYPE_CHECKING:
    from bot.services.results.report_jobs import ReportRunners

log = logging.getLogger(__name__)


def _markdown(state: ReportState) -> dict[str, str]:
    return {"type": "markdown", "markdown": build_report_canvas(state)}


class CanvasSteps:
    """The canvas steps of the report job; mixed into ReportRunners."""

    def _told_once(self, team: str | None, what: str, error: str) -> None:
        """A fallback is logged once per workspace and kind (by each running app)."""
        told: set[tuple[str, str]] = self.__dict__.setdefault("_told_fallback", set())
        if (team or "", what) not in told:
            told.add((team or "", what))
            log.warning("Slack refused %s in workspace %s (%s): falling back", what, team, error)

    async def _wants_canvas(self: ReportRunners, conv: ConversationRecord) -> bool:
        # An admin setting, off by default, rather than "try a canvas first": a canvas is a separate
        # document with its own access list, each one costs a Tier 2 call, it needs a reinstall with
        # canvases:write, and free workspaces refuse it; the admin knows the plan and chooses. A
        # refusal is remembered per workspace (shown in the settings; saving them tries again).
        chosen = await self.db.interview_settings(conv.team_id)
        return bool(chosen["report_canvas"]) and not chosen["canvas_refused"]

    async def _create_canvas(self: ReportRunners, job, conv, token, state: ReportState) -> str | None:
        await self._admit(job, "canvases.create")
        try:
            answer = await self.slack.canvases_create(
                token=token, title=canvas_title(state), document_content=_markdown(state)
            )
        except SlackApiError as exc:
            return await self._canvas_refused(conv, _code(exc), exc)
        # recorded at once: a retry after a reset further on uses this canvas, not a second one
        undo = lambda: self.slack.canvases_delete(token=token, canvas_id=answer["canvas_id"])  # noqa: E731
        await keep_report(self.db, conv, undo, canvas_id=answer["canvas_id"], transcript_as="canvas")
        return answer["canvas_id"]

    async def _share_canvas(
        self: ReportRunners, job, conv, token, canvas_id: str, kind: str, where: dict
    ) -> bool:
        """Let the results' readers open the canvas: the channel, or the owner in a DM."""
        audience: dict[str, Any] = (
            {"channel_ids": [where["channel"]]}
            if kind in ("thread", "channel")
            else {"user_ids": [conv.owner_id]}
        )
        await self._admit(job, "canvases.access.set")
        try:
            await self.slack.canvases_access_set(
                token=token, canvas_id=canvas_id, access_level="read", **audience
            )
            return True
        except SlackApiError as exc:
            await self._canvas_refused(conv, _code(exc), exc)
        await self._drop_canvas(job, conv, token, canvas_id)
        return False

    async def _drop_canvas(self: ReportRunners, job, conv, token, canvas_id: str) -> None:
        """Nobody could open it: it goes, and the report is a message after all. A retry (the
        delete's turn deferred, a reset) comes back here, not through another edit and share."""
        await self._admit(job, "canvases.delete")
        try:
            await self.slack.canvases_delete(token=token, canvas_id=canvas_id)
        except SlackApiError as exc:
            log.warning("could not delete an unshared report canvas: %s", _code(exc))
        await keep_report(self.db, conv, canvas_id=None, transcript_as=None)

    async def _canvas_refused(self: ReportRunners, conv, error: str, exc: SlackApiError) -> None:
        if error in CANVAS_FAILED:
            log.warning("Slack made no report canvas for %s (%s): a message", conv.conversation_id, error)
            return None
        if error not in CANVAS_REFUSED:
            raise exc
        self._told_once(conv.team_id, "a report canvas", error)
        await self.db.refuse_canvas(conv.team_id, error)
        return None

    def _announcement(self, conv: ConversationRecord, state: ReportState, canvas_id: str) -> tuple[str, list]:
        count, _ = scorecard_lines(state)
        url = f"https://app.slack.com/docs/{conv.team_id}/{canvas_id}"  # the canvas's own link
        text = (
            f":bar_chart: *Interview report: {esc_cut(conv.name, 120)}* · {count} of "
            f"{len(state.objectives())} objectives done · {link(url, 'open the report canvas')}\n"
            "The canvas is updated as the transcript, the analysis and the recording arrive."
        )
        return f"Interview report: {esc_cut(conv.name, 120)} (canvas)", [
            section(text),
            *decision_blocks(state),
        ]
