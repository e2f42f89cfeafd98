"""The Slack rate budget on a virtual clock, and Slack's tiers in the stand-in over HTTP."""

from __future__ import annotations

import asyncio

import httpx

from bot.slack.budget import SlackBudget, Throttled
from sim.slack_tiers import RateTiers


class VirtualClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_budget_spaces_a_burst_to_the_tier_and_the_stand_in_lets_all_through():
    clock = VirtualClock()
    budget = SlackBudget(clock=clock, sleep=clock.sleep)
    slack = RateTiers()

    async def updates(n: int) -> list[float]:
        refused = []
        for _ in range(n):
            await budget.wait("T1", "chat.update")
            if wait := slack.check("T1", "chat.update", None, now=clock.now):
                refused.append(wait)
        return refused

    assert asyncio.run(updates(200)) == []  # Slack's rolling minute never refuses one
    # the whole tier is used, bursts included: 50 at once, then 50 each time the minute rolls on
    assert 180 <= clock.now <= 180.01


def test_posts_are_budgeted_per_channel_and_other_workspaces_are_apart():
    clock = VirtualClock()
    budget = SlackBudget(clock=clock, sleep=clock.sleep)

    async def run() -> None:
        for _ in range(5):
            await budget.wait("T1", "chat.postMessage", "C1")
        start = clock.now
        await budget.wait("T1", "chat.postMessage", "C2")  # another channel: no wait
        await budget.wait("T2", "chat.update")  # another workspace: no wait
        assert clock.now == start

    asyncio.run(run())
    assert clock.now >= 4 - 0.01  # five posts in one channel take four gaps


def test_a_429_empties_the_bucket_for_retry_after_and_slows_it():
    clock = VirtualClock()
    budget = SlackBudget(clock=clock, sleep=clock.sleep)

    async def run() -> float:
        await budget.wait("T1", "chat.update")
        budget.refused("T1", "chat.update", None, retry_after=7)
        return await budget.wait("T1", "chat.update")

    assert asyncio.run(run()) >= 7
    assert budget.buckets[("T1", "chat.update")].factor < 1


def test_the_stand_in_answers_429_with_retry_after_when_tiers_are_on(slack):
    token = {"Authorization": f"Bearer {slack.state.bot_token}"}
    channel = next(iter(slack.state.channels))
    posted = httpx.post(
        f"{slack.url}/api/chat.postMessage", data={"channel": channel, "text": "a"}, headers=token
    )
    ts = posted.json()["ts"]
    slack.control("tiers", {"on": True})
    try:
        # one kept-alive client: a new one per call loads the CA bundle each time, and on a loaded
        # machine 51 of those took long enough for Slack's minute to refill the bucket
        update = {"channel": channel, "ts": ts, "text": "b"}
        with httpx.Client(timeout=30) as http:
            answers = [
                http.post(f"{slack.url}/api/chat.update", data=update, headers=token)
                for _ in range(51)
            ]
        assert [a.status_code for a in answers[:50]] == [200] * 50
        assert answers[50].status_code == 429
        assert int(answers[50].headers["Retry-After"]) >= 1
        assert answers[50].json() == {"ok": False, "error": "ratelimited"}
        assert httpx.get(f"{slack.url}/_sim/stats").json()["limited"] == {"chat.update": 1}
    finally:
        slack.control("tiers", {"on": False})


def test_the_app_reports_its_event_loop_lag(served):
    from tests.conftest import wait_until

    def sampled():
        summary = httpx.get(f"{served.url}/healthz/loop").json()
        return summary if summary["samples"] >= 50 else None

    summary = wait_until(sampled, what="loop lag samples")
    assert 0 <= summary["p50_ms"] <= summary["p99_ms"] <= summary["max_ms"]
    before = httpx.get(f"{served.url}/healthz/loop?reset=1").json()["samples"]
    assert httpx.get(f"{served.url}/healthz/loop").json()["samples"] < before  # reset cleared them


def test_jobs_whose_turns_passed_while_queued_go_one_gap_apart():
    from bot.slack.budget import POSTS_PER_SECOND

    clock = VirtualClock()
    budget = SlackBudget(clock=clock, sleep=clock.sleep)
    sent: list[float] = []

    async def run() -> None:
        for i in range(10):  # queued: most are deferred to a turn of their own
            try:
                await budget.admit(f"j{i}", "T1", "chat.postMessage", "C1")
                sent.append(clock.now)
            except Throttled:
                pass
        clock.now += 60  # the queue was slow: every turn has passed by the time they run
        for i in range(len(sent), 10):
            await budget.admit(f"j{i}", "T1", "chat.postMessage", "C1")
            sent.append(clock.now)

    asyncio.run(run())
    gaps = [b - a for a, b in zip(sent, sent[1:], strict=False)]
    assert len(sent) == 10 and min(gaps) >= 1 / POSTS_PER_SECOND - 1e-9  # never bunched


def test_a_final_state_overtakes_passing_states_that_waited_longer():
    clock = VirtualClock()
    budget = SlackBudget(clock=clock, sleep=clock.sleep)

    async def ask(job: str, priority: int) -> float | None:
        try:
            await budget.admit(job, "T1", "chat.update", priority=priority)
        except Throttled as exc:
            return clock.now + exc.seconds
        budget.settle(job, "T1", "chat.update")
        return None

    async def run() -> None:
        for i in range(50):  # the minute is spent, one call every 1.2 s
            clock.now = i * 1.2
            await budget.wait("T1", "chat.update")
        clock.now = 58.0  # its turns are further off than a job sleeps for
        due = {f"live{i}": await ask(f"live{i}", 0) for i in range(5)}  # cards drawn live, waiting
        assert list(due.values()) == sorted(due.values()) and due["live0"] == 60.0
        clock.now = 58.2
        due["ended"] = await ask("ended", 1)  # a card's final state, queued later
        assert due["ended"] == 60.0  # the first turn, ahead of every passing state
        clock.now = 60.0
        assert await ask("live0", 0) == 61.2  # its turn went to the final state: it comes back next
        assert await ask("ended", 1) is None
        clock.now = 61.2
        assert await ask("live0", 0) is None

    asyncio.run(run())


def test_a_call_that_answers_a_person_never_waits():
    clock = VirtualClock()
    budget = SlackBudget(clock=clock, sleep=clock.sleep)
    assert all(budget.try_take(f"c{i}", "T1", "conversations.info") for i in range(50))
    assert not budget.try_take("c50", "T1", "conversations.info")  # the minute is spent: no waiting
    assert clock.now == 0
    for i in range(50):
        budget.settle(f"c{i}", "T1", "conversations.info")
    clock.now = 60.01
    assert budget.try_take("c51", "T1", "conversations.info")
