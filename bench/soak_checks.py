"""The soak's end checks: every card against its stored state, every result reply exactly once."""

from __future__ import annotations

import contextlib
import json
import sys
from collections import Counter
from typing import Any

from bot.slack.card import build_interview_card
from bot.slack.transcript import build_transcript_messages
from bot.store import ConversationRecord, Store

HEADS = {  # the event that owes replies, and how its replies start
    "application.transcription_ready": ":scroll: *Transcript*",
    "application.perception_analysis": ":eyes: *Perception analysis*",
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
            if blocks != build_interview_card(conv)[1]:
                stale += 1
                print(f"stale card: {conv.conversation_id} stored {conv.status}", file=sys.stderr)
        for conv in convs:
            if not conv.conversation_id:
                continue
            expected: Counter[str] = Counter()
            for event in store.events_of(conv.conversation_id):
                head = HEADS.get(event.get("event_type", ""))
                if head is None:
                    continue
                parts = 1
                if event["event_type"] == "application.transcription_ready":
                    parts = len(build_transcript_messages((event.get("properties") or {}).get("transcript")))
                expected[head] += parts
            if not expected:
                continue
            replies_due += sum(expected.values())
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
            seen = Counter(h for m in replies for h in HEADS.values() if _first_text(m).startswith(h))
            for head, count in expected.items():
                if seen[head] < count:
                    missing += count - seen[head]
                    print(f"missing {head} for {conv.conversation_id}", file=sys.stderr)
                elif seen[head] > count:
                    doubled += seen[head] - count
                    print(f"doubled {head} for {conv.conversation_id}", file=sys.stderr)
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
