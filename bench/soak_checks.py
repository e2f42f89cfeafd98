"""The soak's end checks: every card against its stored state; one report per interview with
results, showing each of them, and its transcript file exactly once."""

from __future__ import annotations

import contextlib
import json
import sys
from typing import Any

from bot.records import ConversationRecord
from bot.services.results.report_links import card_report_words
from bot.slack.card import build_interview_card
from bot.store import Store

REPORT = ":bar_chart: *Interview report"  # issue 15: one report per interview, redrawn in place
SHOWN = {  # each result the report must show once it came (the latest state wins)
    "application.transcription_ready": "attached in this thread as a file",
    "application.perception_analysis": ":eyes: *Perception analysis*\n",
    "application.recording_ready": ":film_frames: *Recording ready*",
}


def _first_text(message: dict[str, Any]) -> str:
    blocks = message.get("blocks") or []
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    for block in blocks:
        text = (block.get("text") or {}).get("text") if isinstance(block, dict) else None
        if text:
            return text
    return message.get("text") or ""


def explain(store: Store, conv: ConversationRecord) -> None:
    """What the store says of an interview whose results are missing: its jobs and its report."""
    jobs = store.db.read(
        "select kind, state, attempts, result, last_error from outbox where token = ?", (conv.token,)
    )
    rows = [tuple(j.values()) for j in jobs]
    print(f"  {conv.status} {conv.shutdown_reason!r}; jobs: {rows}", file=sys.stderr)
    print(f"  report: {store.report(conv.token)}", file=sys.stderr)


def check_slack(db_path: str, slack_state) -> dict[str, int]:
    """Stale cards (Slack shows something else than the store), missing and doubled replies."""
    store = Store(db_path)
    try:
        convs = [ConversationRecord.from_row(r) for r in store.db.read("select * from conversations")]
        stale = missing = doubled = cards = replies_due = 0
        for conv in convs:
            if not conv.message_ts:
                continue
            cards += 1
            shown = slack_state.find_message(conv.channel_id, conv.message_ts)
            blocks = shown.get("blocks") if shown else None
            if isinstance(blocks, str):
                blocks = json.loads(blocks)
            if blocks != build_interview_card(conv, card_report_words(store, conv))[1]:
                stale += 1
                print(f"stale card: {conv.conversation_id} stored {conv.status}", file=sys.stderr)
        for conv in convs:
            if not conv.conversation_id:
                continue
            kinds = {e.get("event_type") for e in store.events_of(conv.conversation_id)} & set(SHOWN)
            if not kinds:
                continue
            # one report, showing every result that came, and the transcript once as a file
            replies_due += 1 + ("application.transcription_ready" in kinds)
            # results go where the workspace decided: the card's thread, or a results thread (the
            # owner's DM by default) whose root the app recorded
            roots = {r["ts"] for r in store.result_messages(conv.token) if r["thread_root"]}
            threads = roots | ({conv.message_ts} if conv.message_ts else set())
            replies = [
                m
                for msgs in list(slack_state.messages.values())
                for m in list(msgs)
                if m.get("thread_ts") in threads
            ]
            reports = [m for m in replies if _first_text(m).startswith(REPORT)]
            files = [m for m in replies if m.get("files")]
            wanted = [(reports, 1, "report")]
            if "application.transcription_ready" in kinds:
                wanted.append((files, 1, "transcript file"))
            for found, count, what in wanted:
                if len(found) < count:
                    missing += count - len(found)
                    print(f"missing {what} for {conv.conversation_id}", file=sys.stderr)
                    explain(store, conv)
                elif len(found) > count:
                    doubled += len(found) - count
                    print(f"doubled {what} for {conv.conversation_id}", file=sys.stderr)
            blocks = (reports[0].get("blocks") or []) if reports else []
            blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
            shows = "\n".join(str((b.get("text") or {}).get("text")) for b in blocks if isinstance(b, dict))
            if reports and not all(SHOWN[k] in shows for k in kinds):
                missing += 1
                print(f"report behind its results for {conv.conversation_id}", file=sys.stderr)
        return {
            "cards checked": cards,
            "stale cards": stale,
            "result replies checked": replies_due,
            "missing replies": missing,
            "doubled replies": doubled,
        }
    finally:
        with contextlib.suppress(Exception):
            store.close()
