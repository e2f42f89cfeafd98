"""Benchmark: ack latency under a burst, the start-and-post ceiling, and a callback storm, for our
app beside an empty Bolt app (the floor) and a naive variant that calls Tavus before acking.

    python -m bench.run [--rate 100] [--seconds 5] [--latency 1.5] [--concurrency 50] [--callbacks 1500]

The stand-ins, each app variant and this load generator run as separate processes on loopback.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench import load
from bench.servers import CANDIDATES, SIGNING_SECRET, TAVUS_KEY
from bot.records import PersonaRecord
from bot.store import Store, utcnow
from sim.server import free_port, wait_until_serving


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


class RssSampler(threading.Thread):
    """Reads the server's resident memory from /proc every 50 ms."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.stop_flag = pid, 0, False

    def now(self) -> int:
        try:
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        except OSError:
            return 0
        return 0

    def run(self) -> None:
        while not self.stop_flag:
            self.peak = max(self.peak, self.now())
            time.sleep(0.05)


@dataclass
class Stack:
    """The stand-ins process and, one at a time, an app process."""

    tmp: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="tavus-bench-")))
    # the app's Slack budget times this: these rows run against a stand-in without Slack's tiers,
    # which answers every call at once (bench/hiring_day.py runs at the real tiers, scale 1)
    rate_scale: float = 1000.0
    workers: int = 1  # ours: worker processes beside its web process (issue 26)

    def start_sims(self) -> None:
        port_file = self.tmp / "sims.json"
        self.sims = subprocess.Popen(
            [sys.executable, "-m", "bench.servers", "sims", "--port-file", str(port_file)]
        )
        deadline = time.time() + 30
        while not port_file.exists() or not port_file.read_text():
            if time.time() > deadline:
                raise RuntimeError("the stand-ins did not start")
            time.sleep(0.05)
        urls = json.loads(port_file.read_text())
        self.slack, self.tavus = urls["slack"], urls["tavus"]

    def start_app(self, variant: str) -> tuple[subprocess.Popen, str, str]:
        port, db = free_port(), str(self.tmp / f"{variant}-{time.time():.0f}.db")
        # BENCH_DATABASE_URL=postgresql://…: the app's store there instead (a database of its own)
        db = os.environ.get("BENCH_DATABASE_URL") or db
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.servers",
                "app",
                "--variant",
                variant,
                "--port",
                str(port),
                "--slack",
                self.slack,
                "--tavus",
                self.tavus,
                "--db",
                db,
                "--rate-scale",
                str(self.rate_scale),
                "--workers",
                str(self.workers),
            ]
        )
        url = f"http://127.0.0.1:{port}"
        wait_until_serving(f"{url}/slack/events", proc)
        return proc, url, db

    def tavus_control(self, path: str, body: dict) -> None:
        httpx.post(f"{self.tavus}/_sim/{path}", json=body).raise_for_status()

    def shared_persona(self, db: str) -> str:
        """A persona every bench user may use: at the Tavus simulator and in the app's store."""
        created = httpx.post(
            f"{self.tavus}/v2/personas",
            headers={"x-api-key": TAVUS_KEY},
            json={
                "persona_name": "Bench",
                "system_prompt": "You interview.",
                "default_replica_id": "rfe12d8b9597",
            },
        ).json()
        store = Store(db)
        store.add_persona(
            PersonaRecord(
                persona_id=created["persona_id"],
                team_id="T0ACME01",
                owner_id="U0OWNER1",
                name="Bench",
                created_at=utcnow(),
                shared=1,
            )
        )
        store.close()
        return created["persona_id"]

    def posted(self) -> dict[str, float]:
        stats = httpx.get(f"{self.slack}/_sim/stats", timeout=30).json()
        return {m["text"].split(":")[0]: m["at"] for m in stats["posted"]}

    def calls(self) -> dict[str, int]:
        return httpx.get(f"{self.slack}/_sim/stats", timeout=30).json()["calls"]


def wait_posts(stack: Stack, titles: list[str], timeout: float) -> dict[str, float]:
    deadline = time.time() + timeout
    while True:
        posted = stack.posted()
        if all(t in posted for t in titles) or time.time() > deadline:
            return {t: posted[t] for t in titles if t in posted}
        time.sleep(0.25)


def run_burst(stack: Stack, variant: str, args) -> dict:
    proc, url, db = stack.start_app(variant)
    try:
        persona = stack.shared_persona(db) if variant != "empty" else "none"
        stack.tavus_control(
            "latency", {"method": "POST", "path": "/v2/conversations", "seconds": args.latency}
        )
        rss = RssSampler(proc.pid)
        rss_start = rss.now()
        rss.start()
        tag = f"{variant}{int(time.time())}"
        samples = asyncio.run(
            load.burst(f"{url}/slack/events", persona, args.rate, args.seconds, tag, stack.slack)
        )
        row = {
            "variant": variant,
            "commands": len(samples.sent_at),
            "errors": samples.errors,
            "ack_p50": pct(samples.acks, 50),
            "ack_p95": pct(samples.acks, 95),
            "ack_p99": pct(samples.acks, 99),
            "ack_max": max(samples.acks, default=float("nan")),
            "acks_over_3s": sum(1 for a in samples.acks if a > 3),
            "rss_start": rss_start,
        }
        if variant != "empty":
            posts = wait_posts(stack, list(samples.sent_at), timeout=args.latency * 4 + 30)
            delays = [posts[t] - samples.sent_at[t] for t in posts]
            row.update(
                posted=len(posts),
                post_p50=pct(delays, 50),
                post_p99=pct(delays, 99),
                overhead_p99=pct(delays, 99) - args.latency,
            )
        time.sleep(2)  # let background work drain before reading memory again
        rss.stop_flag = True
        row.update(rss_peak=rss.peak, rss_after=rss.now())
        if variant == "ours":
            row.update(run_ceiling(stack, url, persona, args), **run_storm(stack, url, db, args))
        return row
    finally:
        stack.tavus_control("latency", {"method": "POST", "path": "/v2/conversations", "seconds": 0})
        proc.terminate()
        proc.wait(timeout=20)


def run_ceiling(stack: Stack, url: str, persona: str, args) -> dict:
    stack.tavus_control("latency", {"method": "POST", "path": "/v2/conversations", "seconds": 0})
    tag = f"ceil{int(time.time())}"
    # --candidates: each command names a candidate (a stand-in user of its own), as a recruiter's do
    words = (lambda k: f"{persona} <@U0CB{k % CANDIDATES:05d}>") if args.candidates else None
    samples = asyncio.run(
        load.ceiling(
            f"{url}/slack/events", persona, args.concurrency, args.ceiling_seconds, tag, stack.slack, words
        )
    )
    posts = wait_posts(stack, list(samples.sent_at), timeout=60)
    last = max(posts.values(), default=samples.ended)
    return {
        "ceiling_sent": len(samples.sent_at),
        "ceiling_posted": len(posts),
        "ceiling_per_s": len(posts) / max(1e-9, last - samples.started),
        "ceiling_ack_p99": pct(samples.acks, 99),
        "ceiling_errors": samples.errors,
    }


def callback_token(token: str) -> str:
    """The token in the callback URL the benchmark app gave Tavus for this record."""
    from types import SimpleNamespace

    from pydantic import SecretStr

    from bot.services.access.keys import derived_token

    keys = SimpleNamespace(TAVUS_SLACK_ENCRYPTION_KEY=None, SLACK_SIGNING_SECRET=SecretStr(SIGNING_SECRET))
    return derived_token(keys, "callback", token)


def run_storm(stack: Stack, url: str, db: str, args) -> dict:
    rows = (
        sqlite3.connect(db)
        .execute(
            "select token, conversation_id from conversations where status = 'waiting' "
            "and conversation_id is not null limit ?",
            (args.callbacks // 3,),
        )
        .fetchall()
    )
    # Tavus knows each callback URL; the load generator derives it as the app does
    tokens = [token for token, _ in rows]
    rows = [(callback_token(token), cid) for token, cid in rows]
    samples = asyncio.run(load.callback_storm(url, rows, args.concurrency))
    ended = cards_showing_the_end(db, tokens)
    return {
        "storm_callbacks": len(samples.acks),
        "storm_errors": samples.errors,
        "storm_per_s": len(samples.acks) / max(1e-9, samples.ended - samples.started),
        "storm_p99": pct(samples.acks, 99),
        "storm_cards_ended": ended,
        "storm_cards": len(tokens),
    }


def cards_showing_the_end(db: str, tokens: list[str], wait: float = 15.0) -> int:
    """Cards whose drawn state is `ended` (the outbox redraws them after the callbacks' 200s)."""
    marks = ", ".join("?" for _ in tokens) or "''"
    sql = f"select count(*) from conversations where card_status = 'ended' and token in ({marks})"
    deadline = time.time() + wait
    while True:
        with sqlite3.connect(db) as conn:
            ended = conn.execute(sql, tokens).fetchone()[0]
        if ended == len(tokens) or time.time() > deadline:
            return ended
        time.sleep(0.2)


def table(rows: list[dict], args) -> str:
    ms = lambda v: f"{v * 1000:.1f} ms"  # noqa: E731
    mb = lambda v: f"{v / 1e6:.0f} MB"  # noqa: E731
    by = {r["variant"]: r for r in rows}
    ours, empty, naive = by.get("ours"), by.get("empty"), by.get("naive")
    lines = [
        f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        f"burst: {args.rate}/s for {args.seconds} s, Tavus create latency {args.latency} s",
        "",
        "| variant | commands | errors | ack p50 | ack p95 | ack p99 | ack max | acks > 3 s | "
        "post p50 | post p99 | RSS start / peak / after |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        post = (ms(r["post_p50"]), ms(r["post_p99"])) if "post_p50" in r else ("-", "-")
        lines.append(
            f"| {r['variant']} | {r['commands']} | {r['errors']} | {ms(r['ack_p50'])} | "
            f"{ms(r['ack_p95'])} | {ms(r['ack_p99'])} | {ms(r['ack_max'])} | {r['acks_over_3s']} | "
            f"{post[0]} | {post[1]} | {mb(r['rss_start'])} / {mb(r['rss_peak'])} / "
            f"{mb(r['rss_after'])} |"
        )
    with_candidates = ", with candidates" if args.candidates else ""
    if ours:
        lines += [
            "",
            f"command-to-post overhead beyond Tavus, p99: {ms(ours['overhead_p99'])} "
            f"({ours['posted']}/{ours['commands']} posted)",
        ]
        if empty:
            lines.append(f"ack p99, ours / empty Bolt app: {ours['ack_p99'] / empty['ack_p99']:.2f}x")
        if naive:
            lines.append(f"ack p99, naive / ours: {naive['ack_p99'] / ours['ack_p99']:.1f}x")
        lines += [
            f"ceiling ({args.concurrency} senders, Tavus instant{with_candidates}): "
            f"{ours['ceiling_per_s']:.0f} "
            f"interviews started and posted per second ({ours['ceiling_posted']} posted, "
            f"ack p99 {ms(ours['ceiling_ack_p99'])}, {ours['ceiling_errors']} errors)",
            f"callback storm: {ours['storm_callbacks']} callbacks, {ours['storm_per_s']:.0f}/s, "
            f"p99 {ms(ours['storm_p99'])}, {ours['storm_cards_ended']}/{ours['storm_cards']} cards show "
            f"the end, {ours['storm_errors']} errors",
        ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rate", type=float, default=100)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--latency", type=float, default=1.5)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--ceiling-seconds", type=float, default=5)
    parser.add_argument("--callbacks", type=int, default=1500)
    parser.add_argument("--variants", default="empty,naive,ours")
    parser.add_argument("--candidates", action="store_true", help="the ceiling's commands name a candidate")
    parser.add_argument("--workers", type=int, default=1, help="ours: worker processes beside the web one")
    args = parser.parse_args()
    stack = Stack(workers=args.workers)
    stack.start_sims()
    try:
        rows = [run_burst(stack, v, args) for v in args.variants.split(",")]
    finally:
        stack.sims.terminate()
    print(table(rows, args))
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / f"run-{int(time.time())}.json").write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
