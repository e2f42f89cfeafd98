"""The loop's two lanes (bot/lanes.py), on real asyncio loops: ack-lane callbacks run before the
background's, a backlog of background work cannot hold back the next network poll, background
work is never starved, and a loop we do not know is left as it is."""

from __future__ import annotations

import asyncio
import socket
import threading

import pytest

from bot import lanes


def run(coro):
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coro)
    finally:
        loop.close()


async def busy(order: list[str], tag: str, steps: int) -> None:
    for i in range(steps):
        order.append(f"{tag}{i}")
        await asyncio.sleep(0)


def test_ack_lane_runs_before_a_backlog_of_background_work():
    async def main() -> list[str]:
        assert lanes.install(asyncio.get_running_loop())
        order: list[str] = []
        backlog = [lanes.background_task(busy(order, f"b{n}.", 20)) for n in range(50)]
        await asyncio.sleep(0)  # the backlog is queued and running
        ack = asyncio.create_task(busy(order, "ack", 5))
        await ack
        done = order.index("ack4")
        await asyncio.gather(*backlog)
        return order[: done + 1]

    before_ack_done = run(main())
    # the ack's five steps went by while at most a few background callbacks ran per turn: without
    # the lanes, each of its steps waits behind all 50 background tasks' steps (250 in all)
    background_steps = [s for s in before_ack_done if s.startswith("b")]
    assert len(background_steps) < 50 + 5 * lanes.LOW_PER_TURN * 2


def test_a_backlog_does_not_delay_the_next_network_poll():
    """A request arriving on a socket is read after a few background callbacks, not all of them."""

    async def main() -> tuple[int, int]:
        loop = asyncio.get_running_loop()
        assert lanes.install(loop)
        ran = 0

        def one_step() -> None:
            nonlocal ran
            ran += 1

        left, right = socket.socketpair()
        left.setblocking(False)
        arrived = loop.create_future()
        loop.add_reader(left, lambda: arrived.done() or arrived.set_result(ran))
        context = lanes.contextvars.copy_context()
        context.run(lanes.BACKGROUND.set, True)
        for _ in range(2000):
            loop.call_soon(one_step, context=context)
        right.send(b"x")  # already readable before the loop turns
        seen_after = await arrived
        loop.remove_reader(left)
        left.close()
        right.close()
        await asyncio.sleep(0.05)
        return seen_after, ran

    seen_after, total = run(main())
    assert total == 2000  # all of the background work ran
    assert seen_after <= lanes.LOW_PER_TURN * 2  # the socket was seen after a handful of it


def test_background_is_not_starved_by_a_stream_of_ack_work():
    async def main() -> bool:
        assert lanes.install(asyncio.get_running_loop())
        finished = lanes.background_task(busy([], "b", 100))
        stop = asyncio.Event()

        async def stream() -> None:  # the ack lane never empties
            while not stop.is_set():
                await asyncio.sleep(0)

        streams = [asyncio.create_task(stream()) for _ in range(10)]
        await asyncio.wait_for(asyncio.shield(finished), timeout=5)
        stop.set()
        await asyncio.gather(*streams)
        return finished.done()

    assert run(main())


def test_call_soon_threadsafe_from_another_thread_still_wakes_the_loop():
    async def main() -> str:
        loop = asyncio.get_running_loop()
        assert lanes.install(loop)
        answer = loop.create_future()
        threading.Thread(target=lambda: loop.call_soon_threadsafe(answer.set_result, "ok")).start()
        return await asyncio.wait_for(answer, timeout=5)

    assert run(main()) == "ok"


def test_after_ack_bounds_the_work_and_puts_it_in_the_background_lane():
    async def main() -> tuple[int, list[bool], bool]:
        assert lanes.install(asyncio.get_running_loop())
        gate, inside, most, lanes_seen = lanes.AfterAck(2), 0, 0, []

        async def work() -> None:
            nonlocal inside, most
            async with gate():
                inside += 1
                most = max(most, inside)
                lanes_seen.append(lanes.BACKGROUND.get())
                await asyncio.sleep(0.01)
                inside -= 1

        await asyncio.gather(*(work() for _ in range(6)))
        return most, lanes_seen, lanes.BACKGROUND.get()

    most, seen, after = run(main())
    assert most == 2
    assert seen == [True] * 6
    assert after is False  # the lane is the work's, not the caller's afterwards


def test_an_unknown_loop_is_left_as_it_is():
    class Other:
        _ready = [1, 2]

    assert lanes.install(Other()) is False
    assert Other._ready == [1, 2]


@pytest.mark.parametrize("low_per_turn", [1, 4])
def test_nothing_is_lost_or_reordered_within_a_lane(low_per_turn):
    async def main() -> tuple[list[int], list[int]]:
        assert lanes.install(asyncio.get_running_loop(), low_per_turn=low_per_turn)
        high: list[int] = []
        low: list[int] = []
        loop = asyncio.get_running_loop()
        context = lanes.contextvars.copy_context()
        context.run(lanes.BACKGROUND.set, True)
        for i in range(300):
            loop.call_soon(low.append, i, context=context)
            loop.call_soon(high.append, i)
        await asyncio.sleep(0.05)
        return high, low

    high, low = run(main())
    assert high == list(range(300))
    assert low == list(range(300))


def test_a_background_socket_is_read_in_the_turn_it_is_ready_not_queued_at_every_poll():
    """The selector reports a readable socket at every poll until its reader has run. A background
    connection's reader left in the low lane was reported again and again: the loop spun over them
    (each poll as costly as all of them) and background throughput collapsed. Readers and writers
    run in the ack lane; the tasks they wake keep theirs."""

    async def main() -> tuple[int, int, int]:
        loop = asyncio.get_running_loop()
        assert lanes.install(loop, low_per_turn=1)
        ready = lanes.lanes_of(loop)
        left, right = socket.socketpair()
        left.setblocking(False)
        ran_before_read, backlog_ran, most = None, 0, 0

        def step() -> None:
            nonlocal backlog_ran
            backlog_ran += 1

        def read() -> None:
            nonlocal ran_before_read
            ran_before_read = backlog_ran
            left.recv(1)

        context = lanes.contextvars.copy_context()
        context.run(lanes.BACKGROUND.set, True)
        context.run(loop.add_reader, left, read)  # registered by background work
        for _ in range(300):
            loop.call_soon(step, context=context)
        right.send(b"x")
        for _ in range(50):
            most = max(most, len(ready.low))
            await asyncio.sleep(0)
        loop.remove_reader(left)
        left.close()
        right.close()
        return ran_before_read, backlog_ran, most

    ran_before_read, backlog_ran, most = run(main())
    assert ran_before_read is not None and ran_before_read <= 2  # read at once, not after the backlog
    assert most <= 300  # nothing piled up


def test_installing_while_other_threads_add_callbacks_loses_none():
    """Store threads call call_soon_threadsafe at any time, also while the lanes go in."""

    async def main() -> tuple[int, int]:
        loop = asyncio.get_running_loop()
        done, sent, stop = [], 0, threading.Event()
        for _ in range(50_000):  # a long queue, so the swap takes a while
            loop.call_soon(lambda: None)

        def hammer() -> None:
            nonlocal sent
            while not stop.is_set():
                loop.call_soon_threadsafe(done.append, 1)
                sent += 1

        thread = threading.Thread(target=hammer)
        thread.start()
        await asyncio.sleep(0)
        assert lanes.install(loop)
        await asyncio.sleep(0.05)
        stop.set()
        thread.join()
        for _ in range(100):
            if len(done) == sent:
                break
            await asyncio.sleep(0.01)
        return len(done), sent

    ran, sent = run(main())
    assert sent > 0 and ran == sent
