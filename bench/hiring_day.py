"""Benchmark at Slack's real rate limits: a hiring day, the burst with candidates, loop lag.

    python -m bench.hiring_day [--interviews 200] [--rate 100] [--seconds 5]

1. The burst with candidates (each command names one, so each start also DMs them): ack p99 of
   our app beside the empty Bolt app, in the same run; the app's event-loop lag p99 during it.
2. A hiring day, with the Slack stand-in enforcing Slack's tiers: `--interviews` interviews in
   one workspace and three channels go live and end within two minutes. Reported: seconds from
   the last event until every card shows its stored final state, the floor the tiers set, the
   429s Slack answered, and the cards wrong at the end. It takes minutes by nature (chat.update:
   50 a minute per workspace): run it by hand, never in the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import time

import aiohttp
import httpx

from bench import load
from bench.run import Stack, callback_token, pct
from bench.servers import CANDIDATES
from bot.services.results.report_links import card_report_words
from bot.slack.card import build_interview_card
from bot.store import Store

CHANNELS = ("C0HIRING1", "C0HIRING2", "C0HIRING3")
UPDATES_PER_MINUTE = 50  # chat.update, Tier 3, per workspace
POSTS_PER_SECOND = 1.0  # chat.postMessage, per channel


def burst_with_candidates(stack: Stack, args) -> dict:
    """Ack p99 of the empty Bolt app, then of ours with candidates; ours' loop lag during it."""
    row: dict = {}
    for variant in ("empty", "ours"):
        proc, url, db = stack.start_app(variant)
        try:
            persona = stack.shared_persona(db) if variant == "ours" else "none"
            if variant == "ours":
                httpx.get(f"{url}/healthz/loop?reset=1")
            # a candidate of its own for each command, as on a real hiring day: each start DMs
            # someone else (one candidate for all would leave the DMs to Slack's 1 a second)
            samples = asyncio.run(
                load.burst(
                    f"{url}/slack/events",
                    persona,
                    args.rate,
                    args.seconds,
                    variant,
                    stack.slack,
                    words=lambda i, p=persona: f"{p} <@U0CB{i % CANDIDATES:05d}>",
                )
            )
            row[f"{variant}_ack_p99"] = pct(samples.acks, 99)
            row[f"{variant}_errors"] = samples.errors
            if variant == "ours":
                row["loop"] = httpx.get(f"{url}/healthz/loop").json()
                row["dms"] = candidate_dms(stack, len(samples.acks))
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    return row


def candidate_dms(stack: Stack, wanted: int, wait: float = 60.0) -> dict:
    """How many candidates got their DM, and how long after the burst the last one came."""
    began, dms = time.time(), 0
    while time.time() - began < wait:
        messages = httpx.get(f"{stack.slack}/_sim/state", timeout=60).json()["messages"]
        dms = sum(len(ms) for channel, ms in messages.items() if channel.startswith("D0CB"))
        if dms >= wanted:
            break
        time.sleep(0.5)
    return {"sent": dms, "seconds_after_burst": round(time.time() - began, 1)}


def events(cid: str, kind: str) -> dict:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
    base = {"conversation_id": cid, "message_type": "system", "timestamp": stamp}
    if kind == "join":
        return {**base, "event_type": "system.replica_joined", "properties": {"replica_id": "rfe12d8b9597"}}
    return {
        **base,
        "event_type": "system.shutdown",
        "properties": {"shutdown_reason": "participant_left_timeout reached"},
    }


async def send_commands(url: str, persona: str, n: int, spread: float, hooks: str) -> None:
    async with load.session(200) as http:

        async def one(i: int) -> None:
            await asyncio.sleep(i * spread / n)
            body, headers = load.command_request(
                f"interview {persona} <@U0CAND01> hd-{i}", f"UH{i:07d}", hooks, CHANNELS[i % 3]
            )
            async with http.post(f"{url}/slack/events", data=body, headers=headers) as response:
                await response.read()

        await asyncio.gather(*(one(i) for i in range(n)))


async def play_day(url: str, rows: list[tuple[str, str]], window: float) -> tuple[float, float, float, int]:
    """Each call goes live in the first half of the window and ends in the second; returns the
    times of the first event, the first end and the last event, and the failures."""
    plan = []
    for token, cid in rows:
        live = random.uniform(0, window / 2)
        plan += [(live, token, cid, "join"), (random.uniform(window / 2, window), token, cid, "end")]
    plan.sort()
    failed = 0
    start = time.time()
    async with load.session(100) as http:

        async def fire(at: float, token: str, cid: str, kind: str) -> None:
            nonlocal failed
            await asyncio.sleep(max(0.0, start + at - time.time()))
            try:
                async with http.post(f"{url}/tavus/callback/{token}", json=events(cid, kind)) as r:
                    failed += r.status != 200
            except aiohttp.ClientError:
                failed += 1

        await asyncio.gather(*(fire(*p) for p in plan))
    first_end = min(at for at, _, _, kind in plan if kind == "end")
    return start + plan[0][0], start + first_end, time.time(), failed


def wrong_cards(stack: Stack, db: str) -> tuple[int, int]:
    """(cards not showing their stored state, cards posted)."""
    messages = httpx.get(f"{stack.slack}/_sim/state", timeout=60).json()["messages"]
    by_ts = {(c, m["ts"]): m for c, ms in messages.items() for m in ms}
    store = Store(db)
    try:
        wrong = posted = 0
        tokens = sqlite3.connect(db).execute("select token from conversations where name like 'hd-%'")
        for conv in (store.conversation_by_token(t) for (t,) in tokens.fetchall()):
            card = by_ts.get((conv.channel_id, conv.message_ts))
            posted += card is not None
            expected = build_interview_card(conv, card_report_words(store, conv))[1]
            if card is None or card.get("blocks") != expected:
                wrong += 1
        return wrong, posted
    finally:
        store.close()


def hiring_day(stack: Stack, args) -> dict:
    scale = args.scale
    httpx.post(f"{stack.slack}/_sim/tiers", json={"on": True, "scale": scale}).raise_for_status()
    proc, url, db = stack.start_app("ours")
    try:
        persona = stack.shared_persona(db)
        began = time.time()
        asyncio.run(send_commands(url, persona, args.interviews, args.spread / scale, stack.slack))
        sql = (
            "select token, conversation_id from conversations "
            "where name like 'hd-%' and conversation_id is not null"
        )
        deadline = time.time() + 120
        while len(rows := sqlite3.connect(db).execute(sql).fetchall()) < args.interviews:
            if time.time() > deadline:
                break
            time.sleep(0.5)
        rows = [(callback_token(token), cid) for token, cid in rows]  # the URL's token, as Tavus has it
        first, first_end, last, failed = asyncio.run(play_day(url, rows, args.window / scale))
        converged = None
        while time.time() - last < args.patience / scale:
            wrong, posted = wrong_cards(stack, db)
            if wrong == 0:
                converged = time.time()
                break
            time.sleep(0.5)
        wrong, posted = wrong_cards(stack, db)
        stats = httpx.get(f"{stack.slack}/_sim/stats", timeout=60).json()
        updates = stats["calls"].get("chat.update", 0)
        done = converged or time.time()
        parked = (
            sqlite3.connect(db).execute("select count(*) from outbox where state = 'parked'").fetchone()[0]
        )
        per_channel = max(sum(1 for i in range(len(rows)) if i % 3 == k) for k in range(3))
        # Updates needed: one chat.update per card, drawing its final state (perfect coalescing: a
        # card whose turn comes after its end is never drawn live). Final states exist from the
        # first end on, so the floor runs from there: needed / the tier's rate. By the last event
        # the tier can have drawn at most (last - first end) x rate of them: the rest is the floor
        # from the last event. (Its post, 1 a second per channel, ran in parallel, finished first.)
        rate = UPDATES_PER_MINUTE / 60 * scale
        needed = len(rows)
        floor = needed / rate
        # each candidate DM the app sent is edited once at the end, in the card's final redraw job:
        # the same chat.update tier carries it before that card counts as final
        dms = sqlite3.connect(db).execute("select count(*) from invites where dm_final").fetchone()[0]
        floor_after_last = max(0.0, floor - (last - first_end))
        return {
            "scale": scale,
            "interviews": len(rows),
            "callback_failures": failed,
            "commands_to_first_event": (first - began) * scale,
            "event_window": (last - first) * scale,
            "first_end_after_first_event": (first_end - first) * scale,
            "first_event_to_converged": (done - first) * scale,
            "first_end_to_converged": (done - first_end) * scale,
            "after_last_event": (done - last) * scale,
            "floor_from_first_end": floor * scale,
            "floor_from_last_event": floor_after_last * scale,
            "ratio_from_first_end": (done - first_end) / floor,
            "ratio_from_last_event": (done - last) / floor_after_last if floor_after_last else None,
            "ratio_old_first_event_over_floor": (done - first) / floor,
            "dm_edits": dms,
            "floor_with_dm_edits_from_first_end": (needed + dms) / rate * scale,
            "ratio_with_dm_edits_from_first_end": (done - first_end) / ((needed + dms) / rate),
            "post_floor": per_channel / POSTS_PER_SECOND,
            "converged": converged is not None,
            "chat_update_calls": updates,
            "calls": stats["calls"],
            "limited": stats["limited"],
            "wrong": wrong,
            "posted": posted,
            "parked": parked,
        }
    finally:
        httpx.post(f"{stack.slack}/_sim/tiers", json={"on": False})
        proc.terminate()
        proc.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--interviews", type=int, default=200)
    parser.add_argument("--spread", type=float, default=20.0, help="seconds the commands take")
    parser.add_argument("--window", type=float, default=120.0, help="seconds the calls go live and end in")
    parser.add_argument("--patience", type=float, default=900.0)
    parser.add_argument(
        "--scale", type=float, default=1.0, help="Slack's rates times this, times divided by it (both sides)"
    )
    parser.add_argument("--rate", type=float, default=100)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--skip-burst", action="store_true")
    parser.add_argument("--skip-day", action="store_true")
    parser.add_argument(
        "--workers", type=int, default=1, help="worker processes beside the web one (issue 26)"
    )
    args = parser.parse_args()
    stack = Stack(
        rate_scale=args.scale, workers=args.workers
    )  # Slack's real tiers (or scaled), on both sides
    stack.start_sims()
    try:
        burst = {} if args.skip_burst else burst_with_candidates(stack, args)
        print("burst:", burst, flush=True)
        if not args.skip_day:
            print("hiring day:", hiring_day(stack, args), flush=True)
    finally:
        stack.sims.terminate()


if __name__ == "__main__":
    main()
