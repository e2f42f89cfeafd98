"""Issue 25: openings (a role that groups interviews), the side-by-side comparison of an opening's
finished interviews, and a person's decision on each. The app never decides: it records who decided,
when, why and what the report said then, and tells the candidate only when the decider chose to."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.records import ConversationRecord, OpeningRecord, PersonaRecord
from bot.services.access.people import People
from bot.services.access.workspaces import Workspaces
from bot.services.decisions.recorded import mine, recorded
from bot.services.outbox.job_kinds import dm_job, report_job
from bot.services.results.refusals import GONE
from bot.services.results.report import gather_report
from bot.slack.blocks import esc, esc_cut
from bot.slack.decisions import WORDS
from bot.slack.openings import Candidate
from bot.slack.report import scorecard_lines
from bot.slack.report_canvas import build_comparison_canvas
from bot.store.aio import AsyncStore
from bot.store.openings import Decided, OpeningTaken

log = logging.getLogger(__name__)
MAX_NAME = 80


@dataclass
class Comparison:
    opening: OpeningRecord
    rows: list[Candidate] = field(default_factory=list)
    error: str | None = None
    canvas_url: str = ""  # past MAX_ROWS candidates: all of them, in a canvas


class Openings:
    def __init__(self, db: AsyncStore, ws: Workspaces, people: People, slack) -> None:
        self.db, self.ws, self.people, self.slack = db, ws, people, slack

    async def create(
        self, team: str, user: str, name: str, persona: PersonaRecord | None, jd: str | None = None
    ) -> tuple[OpeningRecord | None, str]:
        """(the opening, what to say); None and why when nothing was made."""
        name = " ".join(name.split())
        if not name or len(name) > MAX_NAME:
            return None, f"An opening needs a name of 1 to {MAX_NAME} characters."
        if persona is None:
            return None, "I found no persona of that name that you can use."
        try:
            opening = await self.db.add_opening(team, name, persona.persona_id, user, jd)
        except OpeningTaken:
            return None, f"There is already an opening called *{esc(name)}* in this workspace."
        return (
            opening,
            f":white_check_mark: Opening *{esc(name)}* created, interviewed by *{esc(persona.name)}*.",
        )

    async def may_manage(self, team: str, user: str, opening: OpeningRecord) -> bool:
        """The opening's owner or an admin (bot/services/access/people.py, asked afresh)."""
        return await self.people.can_manage(team, user, opening)  # type: ignore[arg-type]

    async def compare(self, team: str, user: str, ref: str) -> Comparison | None:
        """The finished interviews of one opening, most objectives done first, then earliest; None
        when there is no such opening."""
        opening = await self.db.opening_named(team, ref) or await self._persona_group(team, user, ref)
        if opening is None:
            return None
        out = Comparison(opening)
        if not await self.may_manage(team, user, opening):
            out.error = (
                f"Only <@{opening.owner_id}> (who made *{esc(opening.name)}*) or an admin "
                "can compare its candidates."
            )
            return out
        if opening.id:
            grouped = await self.db.interviews_of_opening(team, opening.id)
        else:  # a persona's group: one's own interviews, everyone's for an admin (as with managing)
            grouped = await self.db.interviews_of_persona(team, opening.persona_id)
            if not await self.people.is_admin(team, user):
                grouped = [c for c in grouped if c.owner_id == user]
        finished = [c for c in grouped if c.status == "ended"]
        plan = None  # one persona: its plan is asked of Tavus once, not per candidate
        for conv in finished:
            state = await gather_report(self.db, self.ws, conv, plan=plan)
            plan = plan or state.plan
            done, _ = scorecard_lines(state)
            out.rows.append(Candidate(conv, state, done, len(state.objectives()), decision=state.decision))
        out.rows.sort(key=lambda r: (-r.done, r.conv.live_at or r.conv.created_at))
        long = len(out.rows) > MAX_ROWS
        for row in out.rows[: MAX_CANVAS_ROWS if long else MAX_ROWS]:
            row.link = await self._report_link(row.conv)
        if long and opening.id:  # a persona's group keeps no canvas: it would be a new one each time
            out.canvas_url = await self._canvas(opening, out.rows[:MAX_CANVAS_ROWS], user)
        return out

    async def _persona_group(self, team: str, user: str, ref: str) -> OpeningRecord | None:
        """A persona (by id or name) the person can use, standing for the group of its interviews
        started without an opening: each person compares their own, an admin everyone's."""
        key = " ".join(ref.split()).casefold()
        visible = await self.db.visible_personas(team, user)
        persona = next((p for p in visible if key in (p.persona_id.casefold(), p.name.casefold())), None)
        if persona is None:
            return None
        return OpeningRecord(
            id="",
            team_id=team,
            name=persona.name,
            persona_id=persona.persona_id,
            owner_id=user,  # the group is the person's own interviews of it
            created_at=persona.created_at,
        )

    async def _canvas(self, opening: OpeningRecord, rows: list[Candidate], user: str) -> str:
        """Past a screenful, every candidate in a canvas only those who compare may read: made
        once per opening and made again (replaced) at each compare. "" when Slack refuses one."""
        token = await self.ws.bot_token(opening.team_id)
        title = " ".join(f"Candidates for {opening.name}".split())[:120]
        content = {"type": "markdown", "markdown": build_comparison_canvas(title, rows)}
        canvas_id = await self.db.compare_canvas(opening.id)
        try:
            if canvas_id and not await self._replace(token, canvas_id, content):
                canvas_id = None
            if not canvas_id:
                made = await self.slack.canvases_create(token=token, title=title, document_content=content)
                canvas_id = made["canvas_id"]
                await self.db.set_compare_canvas(opening.id, canvas_id)
            await self.slack.canvases_access_set(
                token=token, canvas_id=canvas_id, access_level="read", user_ids=[user]
            )
        except SlackApiError as exc:  # no canvases here: the first rows still show as blocks
            log.warning("no comparison canvas for opening %s: %s", opening.id, exc.response.get("error"))
            return ""
        return f"https://app.slack.com/docs/{opening.team_id}/{canvas_id}"

    async def _replace(self, token: str | None, canvas_id: str, content: dict) -> bool:
        """Replace the canvas's content; False when Slack no longer has it."""
        try:
            change = {"operation": "replace", "document_content": content}
            await self.slack.canvases_edit(token=token, canvas_id=canvas_id, changes=[change])
        except SlackApiError as exc:
            if str(exc.response.get("error")) not in GONE:
                raise
            return False
        return True

    async def _report_link(self, conv: ConversationRecord) -> str:
        report = await self.db.report(conv.token)
        if not report or not report.get("ts"):
            return ""
        if report.get("permalink"):  # kept when the report was posted: no call to Slack
            return report["permalink"]
        try:
            answer = await self.slack.chat_getPermalink(
                token=await self.ws.bot_token(conv.team_id),
                channel=report["channel"],
                message_ts=report["ts"],
            )
        except SlackApiError as exc:  # deleted meanwhile: the row still shows, without a link
            log.info("no permalink for a report: %s", exc.response.get("error"))
            return ""
        return answer.get("permalink") or ""

    async def may_decide(self, team: str, user: str, conv: ConversationRecord) -> bool:
        """The interview's owner, its opening's owner, or an admin."""
        if conv.team_id != team:
            return False
        opening = await self.db.opening_of(conv)
        if opening is not None and opening.owner_id == user:
            return True
        return await self.people.can_manage(team, user, conv)

    async def prepare(
        self, team: str, user: str, ref: str
    ) -> tuple[ConversationRecord | None, dict | None, str]:
        """Before the modal opens: (the interview, its latest decision, why not when it may not be)."""
        conv = await self.db.conversation_by_ref(team, ref) if ref else None
        if conv is None or conv.forgotten:
            return None, None, "That interview was forgotten or does not exist: there is nothing to decide."
        if not await self.may_decide(team, user, conv):
            return (
                None,
                None,
                f"Only <@{conv.owner_id}>, the opening's owner or an admin can decide on this interview.",
            )
        if conv.status != "ended":
            return None, None, "A decision is made once the interview has ended."
        return conv, await self.db.decision_of(conv.token), ""

    async def decide(self, team: str, user: str, form: dict[str, Any]) -> tuple[bool, str]:
        """Record the decision (one atomic write, on the version the decider saw); (done, what to say)."""
        conv, _, problem = await self.prepare(team, user, form["ref"])
        if conv is None:
            return False, problem
        if form["verdict"] not in WORDS or form["version"] < 0:
            return False, "That decision form is not one I sent. Click Advance, Hold or Reject again."
        if form["verdict"] == "reject" and not form["reason"]:
            return False, "A rejection needs a reason."
        state = await gather_report(self.db, self.ws, conv)
        done, _ = scorecard_lines(state)
        row = {
            "verdict": form["verdict"],
            "reason": form["reason"],
            "watched": form["watched"],
            "feedback": form["feedback"],
            "tell": form["tell"] if conv.has_candidate else 0,
            "by_user": user,
            "objectives_done": done,
            "objectives_total": len(state.objectives()),
            "state": conv.status,
        }
        jobs = [report_job(conv)]
        if row["tell"] and conv.candidate_id:
            key = f"dm:decision:{form['version'] + 1}:{conv.token}"
            jobs.append(dm_job(conv, key, conv.candidate_id, told_text(conv, form["feedback"])))
        try:
            await self.db.decide(conv, form["version"], row, jobs)
        except Decided as first:
            if first.latest is None:
                return False, "That interview was forgotten meanwhile: nothing was recorded."
            latest = first.latest
            if mine(latest, user, form):  # this decision, recorded by a run cut short before it said so
                return True, recorded(row, conv)
            return False, (
                f"<@{latest['by_user']}> decided first: *{WORDS.get(latest['verdict'], '?')}*. "
                "Nothing was changed; open the report again to decide on what they chose."
            )
        return True, recorded(row, conv)


MAX_ROWS = 10  # a screenful of candidates in Block Kit
MAX_CANVAS_ROWS = 200  # a comparison canvas's rows (each asks Slack for its report's link)


def told_text(conv: ConversationRecord, feedback: str | None) -> str:
    """What a Slack candidate reads: the team's review and its feedback, escaped."""
    text = f"The team has reviewed your interview *{esc_cut(conv.name, 120)}*."
    quoted = "\n".join(">" + line for line in esc_cut(feedback, 2000).splitlines()) if feedback else ""
    return text + (f"\n{quoted}" if quoted else "")
