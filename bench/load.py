"""Load shapes: open-loop burst, closed-loop ceiling, callback storm. Each returns raw samples."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

import aiohttp
from slack_sdk.signature import SignatureVerifier

from bench.servers import SIGNING_SECRET

VERIFIER = SignatureVerifier(SIGNING_SECRET)


def session(connections: int) -> aiohttp.ClientSession:
    """aiohttp for the load: its pool costs little per request, so the load generator does not
    take the CPU it is measuring (httpx's pool scans every connection on each request)."""
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=connections), timeout=aiohttp.ClientTimeout(total=30)
    )


@dataclass
class Samples:
    sent_at: dict[str, float] = field(default_factory=dict)  # title -> when the command left
    acks: list[float] = field(default_factory=list)  # seconds
    errors: int = 0
    started: float = 0.0
    ended: float = 0.0


def command_request(
    text: str, user: str, hooks: str, channel: str = "C0HIRING1"
) -> tuple[bytes, dict[str, str]]:
    body = urlencode(
        {
            "token": "legacy",
            "team_id": "T0ACME01",
            "team_domain": "acme",
            "channel_id": channel,
            "channel_name": "hiring",
            "user_id": user,
            "user_name": "bench",
            "command": "/tavus",
            "text": text,
            "api_app_id": "A0APP0001",
            "response_url": f"{hooks}/hooks/commands/T0ACME01/{user}",
            "trigger_id": f"{time.time()}.bench",
        }
    )
    ts = str(int(time.time()))
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": VERIFIER.generate_signature(timestamp=ts, body=body),
    }
    return body.encode(), headers


async def send_command(
    http: aiohttp.ClientSession, url: str, samples: Samples, title: str, persona: str, user: str, hooks: str
) -> None:
    body, headers = command_request(f"interview {persona} {title}", user, hooks)
    samples.sent_at[title] = time.time()
    try:
        async with http.post(url, data=body, headers=headers) as response:
            await response.read()
            if response.status != 200:
                samples.errors += 1
    except aiohttp.ClientError:
        samples.errors += 1
        return
    samples.acks.append(time.time() - samples.sent_at[title])


async def burst(
    url: str,
    persona: str,
    rate: float,
    seconds: float,
    tag: str,
    hooks: str,
    words: Callable[[int], str] | None = None,
) -> Samples:
    """Open loop: commands leave at a fixed rate whatever the answers' speed; `words(i)` is what
    the i-th command says before its title (the persona by default)."""
    samples, total = Samples(), int(rate * seconds)
    async with session(2000) as http:
        loop = asyncio.get_running_loop()
        t0 = loop.time() + 0.2
        samples.started = time.time() + 0.2

        async def one(i: int) -> None:
            await asyncio.sleep(max(0.0, t0 + i / rate - loop.time()))
            # a user of its own per command: one person repeating a command is deduplicated
            said = words(i) if words else persona
            await send_command(http, url, samples, f"{tag}-{i}", said, f"UB{i:07d}", hooks)

        await asyncio.gather(*(one(i) for i in range(total)))
    samples.ended = time.time()
    return samples


async def ceiling(
    url: str,
    persona: str,
    concurrency: int,
    seconds: float,
    tag: str,
    hooks: str,
    words: Callable[[int], str] | None = None,
) -> Samples:
    """Closed loop: each sender waits for its ack, then sends the next command; `words(k)` is what
    the k-th command says before its title (the persona by default)."""
    samples = Samples(started=time.time())
    deadline = time.monotonic() + seconds
    async with session(concurrency * 2) as http:

        async def sender(n: int) -> None:
            i = 0
            while time.monotonic() < deadline:
                said = words(n * 100_000 + i) if words else persona
                await send_command(http, url, samples, f"{tag}-{n}-{i}", said, f"UC{n:03d}{i:05d}", hooks)
                i += 1

        await asyncio.gather(*(sender(n) for n in range(concurrency)))
    samples.ended = time.time()
    return samples


def callback_events(conversation_id: str, n: int) -> list[dict]:
    stamp = f"2026-01-01T00:{n % 60:02d}:00.{n:06d}Z"
    base = {"conversation_id": conversation_id, "message_type": "system", "timestamp": stamp}
    transcript = [
        {"role": "assistant", "content": "Tell me about a project."},
        {"role": "user", "content": "I rebuilt our billing pipeline."},
    ]
    return [
        {**base, "event_type": "system.replica_joined", "properties": {"replica_id": "rfe12d8b9597"}},
        {
            **base,
            "event_type": "system.shutdown",
            "properties": {"shutdown_reason": "participant_left_timeout reached"},
        },
        {
            **base,
            "message_type": "application",
            "event_type": "application.transcription_ready",
            "properties": {"transcript": transcript},
        },
    ]


async def callback_storm(app_url: str, conversations: list[tuple[str, str]], concurrency: int) -> Samples:
    """join, shutdown and transcript for each (token, conversation_id), `concurrency` at a time."""
    samples = Samples(started=time.time())
    gate = asyncio.Semaphore(concurrency)
    async with session(concurrency * 2) as http:

        async def post(token: str, event: dict) -> None:
            async with gate:
                sent = time.time()
                try:
                    async with http.post(f"{app_url}/tavus/callback/{token}", json=event) as response:
                        await response.read()
                        ok = response.status == 200
                except aiohttp.ClientError:
                    ok = False
                samples.acks.append(time.time() - sent)
                samples.errors += 0 if ok else 1

        async def conversation(n: int, token: str, cid: str) -> None:
            for event in callback_events(cid, n):  # in order for each call, calls side by side
                await post(token, event)

        await asyncio.gather(*(conversation(n, t, c) for n, (t, c) in enumerate(conversations)))
    samples.ended = time.time()
    return samples
