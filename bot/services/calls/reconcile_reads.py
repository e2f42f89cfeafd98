"""Which conversations the reconciler reads one by one: linear in active interviews, and within a
read budget per Tavus key. One listing of the key's active conversations (pages of 100) shows which
of ours ended or vanished; those are read first, then the longest unread of the rest (a missed
`replica_joined` shows only there), as far as the budget goes. The rest wait for the next round."""

from __future__ import annotations

import math
from collections.abc import Iterable

from bot.records import ConversationRecord
from bot.services.access.read_budget import READS_PER_MINUTE_PER_KEY, ReadBudget  # noqa: F401
from bot.tavus.client import PAGE_SIZE, TavusClient


def by_key(pairs: Iterable[tuple[TavusClient, ConversationRecord]]) -> dict[str, tuple[TavusClient, list]]:
    """Group conversations by the Tavus key they live under (several workspaces may share one)."""
    grouped: dict[str, tuple[TavusClient, list]] = {}
    for client, conv in pairs:
        grouped.setdefault(client.fingerprint, (client, []))[1].append(conv)
    return grouped


async def pick_reads(
    tavus: TavusClient, convs: list[ConversationRecord], budget: int, last_read: dict[str, float]
) -> tuple[list[ConversationRecord], int]:
    """(the conversations to read one by one this round, the list pages it took to choose them)."""
    pages = len(convs) // PAGE_SIZE + 2  # a little room: others' conversations share the listing
    listed = await tavus.list_conversations("active", max_pages=pages)
    used = max(1, math.ceil((len(listed) + 1) / PAGE_SIZE))
    active = {c.conversation_id for c in listed}
    # one missing from the listing ended, vanished, or slid off a page while calls ended: read it
    changed = [c for c in convs if c.conversation_id not in active]
    rest = sorted(
        (c for c in convs if c.conversation_id in active), key=lambda c: last_read.get(c.token, 0.0)
    )
    return (changed + rest)[: max(0, budget - used)], used
