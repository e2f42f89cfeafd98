"""The result messages we posted (so `forget` can delete them), and erasure: `forget` of one
interview, and retention's purge of content older than RETENTION_DAYS.

Forget is two steps around the Slack deletions: `begin_forget` marks the interview forgotten and
stops its jobs first; a job already running that posts afterwards finds its record refused
(`add_result_message`, `save_report` return False) and deletes what it just posted itself. The
refusal is decided under the conversation row's lock, so it and the mark never pass each other."""

from __future__ import annotations

import json
from typing import Any

from bot.clock import utcnow
from bot.records import FORGOTTEN
from bot.store.backends import Tx, insert_sql
from bot.store.base import StoreBase
from bot.store.steps import follow_steps

# the jobs that carry or post results; and a start (its request may name the candidate), whose
# token is the conversation's own from the moment it is queued
CONTENT_JOBS = ("reply", "dm", "report", "transcript", "start", "note")
# the candidate's DM job carries no content (it is drawn when it runs) and still owes its final edit
NOT_CANDIDATE_DM = "key not like 'dm:candidate:%'"
CONTENT_CLEARED = "its content was deleted after RETENTION_DAYS"


def unforgotten(tx: Tx, conv_token: str) -> bool:
    """False when the interview was forgotten. The no-op update takes the row's lock on PostgreSQL:
    a `begin_forget` waits for this transaction to commit, or this one waits and sees its mark."""
    tx.execute("update conversations set token_hash = token_hash where token = ?", (conv_token,))
    rows = tx.query(
        "select 1 from conversations where token = ? and token_hash like ?", (conv_token, FORGOTTEN + "%")
    )
    return not rows


class ErasureRecords(StoreBase):
    # results we posted
    def add_result_message(self, conv_token: str, channel: str, ts: str, *, root: bool = False) -> bool:
        """Remember a message posted about an interview; False, with nothing written, once the
        interview is forgotten (the caller deletes the message)."""
        row = {"conv_token": conv_token, "channel": channel, "ts": ts, "thread_root": int(root)}
        row["at"] = utcnow()
        with self.db.write() as tx:
            if not unforgotten(tx, conv_token):
                return False
            tx.execute(*insert_sql("result_messages", row))
        return True

    def result_messages(self, conv_token: str) -> list[dict[str, Any]]:
        return self.db.read("select * from result_messages where conv_token = ? order by id", (conv_token,))

    # erasure
    def begin_forget(self, conv_token: str, by: str) -> None:
        """Forget an interview, first step: mark it forgotten (its callback token stops working, so a
        late transcript cannot bring content back), delete its stored content, and stop its jobs.
        What it posted (result_messages, reports) stays listed until `end_forget`."""
        now = utcnow()
        with self.db.write() as tx:
            tx.execute(
                "update conversations set name = 'Forgotten interview', candidate_name = null, "
                "candidate_email = null, error = null, token_hash = ? || token, updated_at = ? "
                "where token = ?",
                (FORGOTTEN, now, conv_token),
            )
            tx.execute(
                "delete from events where token = ? or conversation_id in "
                "(select conversation_id from conversations where token = ?)",
                (conv_token, conv_token),
            )
            # the outbox's copies of the results: a job waiting must not post after erasure. A job
            # running keeps its lease, so `forget_in_flight` sees it until it ends.
            kinds = ", ".join(f"'{k}'" for k in CONTENT_JOBS)
            tx.execute(
                f"update outbox set payload = '{{}}', result = null, state = 'done' "
                f"where token = ? and kind in ({kinds}) and {NOT_CANDIDATE_DM}",
                (conv_token,),
            )
            tx.execute(
                "update invites set request = null, request_text = null, meeting_token = null, "
                "revoked_at = coalesce(revoked_at, ?) where conv_token = ?",
                (now, conv_token),
            )
            tx.execute("delete from decisions where conv_token = ?", (conv_token,))  # reasons, feedback
            team = tx.query("select team_id from conversations where token = ?", (conv_token,))
            self._audit(tx, team[0]["team_id"] if team else None, by, "interview.forget", conv_token, None)
            follow_steps(tx, conv_token)  # a workflow waiting on it is told: forgotten, nothing else

    def clear_job_content(self, key: str, keep: dict[str, Any] | None = None) -> None:
        """A listener's job that has done its work keeps no copy of the form it carried (a persona's
        prompt, a note, a sealed key, a workflow's candidate): a rerun then finds nothing to do, or
        only `keep` (the answer still owed to the person)."""
        with self.db.write() as tx:
            tx.execute("update outbox set payload = ? where key = ?", (json.dumps(keep or {}), key))

    def forget_in_flight(self, conv_token: str) -> int:
        """How many of a forgotten interview's result jobs are still running (leased) somewhere."""
        kinds = ", ".join(f"'{k}'" for k in CONTENT_JOBS)
        rows = self.db.read(
            f"select count(*) as n from outbox where token = ? and kind in ({kinds}) and {NOT_CANDIDATE_DM} "
            "and lease_until is not null and lease_until > ?",
            (conv_token, utcnow()),
        )
        return int(rows[0]["n"]) if rows else 0

    def end_forget(self, conv_token: str) -> None:
        """Forget, last step: what it posted was deleted (or said to be left): its records go."""
        with self.db.write() as tx:
            tx.execute("delete from result_messages where conv_token = ?", (conv_token,))
            tx.execute("delete from reports where conv_token = ?", (conv_token,))

    def purge_before(self, cutoff: str) -> int:
        """Retention: delete callback bodies (transcripts, analyses) received before `cutoff`, the
        content of ended interviews, the detail of older audit rows (who/what/when stay), and the
        content of every job created before it, whatever its state: a job still pending is parked
        with the reason (nothing is left to send). Returns how many callback bodies went."""
        with self.db.write() as tx:
            gone = tx.execute("delete from events where received_at < ?", (cutoff,))
            old = "select token from conversations where status in ('ended', 'failed') and updated_at < ?"
            tx.execute(
                f"update invites set request = null, request_text = null, meeting_token = null "
                f"where conv_token in ({old})",
                (cutoff,),
            )
            tx.execute(
                f"update conversations set candidate_email = null, error = null where token in ({old})",
                (cutoff,),
            )
            tx.execute(  # issue 25: a decision's words about the candidate; who decided what stays
                f"update decisions set reason = null, feedback = null where conv_token in ({old})", (cutoff,)
            )
            tx.execute("update audit set detail = null where at < ? and detail is not null", (cutoff,))
            stale = f"created_at < ? and {NOT_CANDIDATE_DM} and (payload != '{{}}' or result is not null)"
            tx.execute(
                "update outbox set state = 'parked', last_error = ?, updated_at = ? "
                f"where state = 'pending' and payload != '{{}}' and {stale}",
                (CONTENT_CLEARED, utcnow(), cutoff),
            )
            tx.execute(f"update outbox set payload = '{{}}', result = null where {stale}", (cutoff,))
        return gone
