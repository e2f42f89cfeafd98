"""Soak: mixed commands, clicks, form submissions and call events from many users in two
workspaces against the app (its own process), with faults injected at random in both stand-ins.

    python -m bench.soak [--minutes 10] [--users 12] [--seed N]

It prints what it did and the verdict; it exits 1 if any request or callback got a 5xx, any
interview was lost (created at Tavus but unknown to the store, or never posted nor reported and
ended), any card does not show its stored state, any transcript, analysis or recording reply is
missing or doubled, or the driver itself raised.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

from bench.run import RssSampler
from bench.servers import BOT_TOKEN, SIGNING_SECRET, TAVUS_KEY
from bench.soak_checks import check_slack
from bot.slack import ids
from sim.driver import (
    SlackDriver,
    channel_value,
    checks_value,
    form_values,
    number_value,
    select_value,
    text_value,
    user_value,
)
from sim.server import ServerThread, free_port, wait_until_serving
from sim.slack import SlackSimulator
from sim.slack_state import make_user
from sim.tavus import TavusSimulator
from sim.tavus_state import Fault

TEAMS = ("T0ACME01", "T0OTHER99")
CHANNELS = ("C0GENERAL", "C0HIRING1", "G0PRIVATE")
TAVUS_FAULTS = [
    {"method": "POST", "path": "/v2/conversations", "status": 503, "times": 2},
    {"method": "POST", "path": "/v2/conversations", "status": 429, "retry_after": "1", "times": 2},
    {"method": "POST", "path": "/v2/conversations", "status": 429, "times": 1},
    {"method": "POST", "path": "/v2/conversations", "kind": "drop"},
    {"method": "POST", "path": "/v2/personas", "status": 500, "times": 1},
    {"method": "GET", "path": "/v2/conversations", "status": 502, "times": 3},
    {"method": "POST", "path": "/v2/conversations/", "status": 503, "times": 2},
]
SLACK_TIMEOUT = 3  # the app's Slack client timeout in the soak, so a stall outlasts it quickly
SLACK_FAULTS = [
    {"method": "chat.postMessage", "status": 429, "retry_after": 1, "times": 1},
    {"method": "chat.update", "status": 429, "retry_after": 1, "times": 1},
    {"method": "chat.postMessage", "delay": 1.0, "times": 1},
    {"method": "views.update", "error": "not_found", "times": 1},
    {"method": "chat.postMessage", "status": 500, "error": "internal_error", "times": 2},
    # the way networks fail: a connection reset before Slack acts, or a stall past the timeout
    {"method": "chat.postMessage", "kind": "reset", "times": 4},
    {"method": "chat.update", "kind": "reset", "times": 4},
    {"method": "chat.postMessage", "kind": "stall", "seconds": SLACK_TIMEOUT + 1, "times": 1},
    {"method": "chat.update", "kind": "stall", "seconds": SLACK_TIMEOUT + 1, "times": 1},
    {"method": "*", "kind": "reset", "times": 2},
]
SETTLE_SECONDS = 90  # after the faults stop: reconciler rounds and outbox retries converge


class Soak:
    def __init__(self, minutes: float, users: int, seed: int) -> None:
        self.deadline = time.monotonic() + minutes * 60
        self.rng = random.Random(seed)
        self.counts: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.tmp = Path(tempfile.mkdtemp(prefix="tavus-soak-"))
        self.slack, self.tavus = SlackSimulator(), TavusSimulator()
        self.slack.state.bot_token = self.slack.bot_token = BOT_TOKEN
        self.tavus.state.api_key = TAVUS_KEY
        self.tavus.state.concurrency_limit = 8
        self.tavus.state.time_scale = 0.02  # Tavus's timers (duration, absent timeout) run 50x faster
        self.users = [f"U0SOAK{i:03d}" for i in range(users)]
        for i, user in enumerate(self.users):
            self.slack.state.users[user] = make_user(
                user, TEAMS[i % 2], f"soak{i}", f"Soak {i}", admin=i == 0
            )
            for channel in CHANNELS[:2]:
                self.slack.state.channels[channel].members.add(user)

    def count(self, what: str, n: int = 1) -> None:
        with self.lock:
            self.counts[what] += n

    def start(self) -> None:
        self.slack_server = ServerThread(self.slack.app).start()
        self.tavus_server = ServerThread(self.tavus.app).start()
        port = free_port()
        self.app_url = f"http://127.0.0.1:{port}"
        self.db = str(self.tmp / "soak.db")
        env = {
            **os.environ,
            "OUTBOX_RETRY_SECONDS": "0.5",
            "SLACK_TIMEOUT_SECONDS": str(SLACK_TIMEOUT),
            "RECOVERY_GRACE_SECONDS": "30",
        }
        self.app = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.servers",
                "app",
                "--port",
                str(port),
                "--slack",
                self.slack_server.url,
                "--tavus",
                self.tavus_server.url,
                "--db",
                self.db,
                "--public-url",
                self.app_url,
                "--reconcile-seconds",
                "5",
                "--rate-scale",  # its stand-in enforces no tiers: the budget must not pace as Slack does
                "1000",
            ],
            env=env,
        )
        wait_until_serving(f"{self.app_url}/healthz", self.app)
        self.rss = RssSampler(self.app.pid)
        self.rss.start()

    def stop(self) -> None:
        self.rss.stop_flag = True
        self.app.terminate()
        self.app.wait(timeout=20)
        self.slack_server.stop()
        self.tavus_server.stop()

    # what people do
    def user_loop(self, n: int) -> None:
        user, team = self.users[n], TEAMS[n % 2]
        driver = SlackDriver(self.app_url, SIGNING_SECRET, self.slack.state, self.slack_server.url)
        rng = random.Random(self.rng.random())
        actions = [
            self.create_persona,
            self.quick_interview,
            self.quick_interview,
            self.lists,
            self.end_one,
            self.delete_one,
            self.garbage,
            self.modal_interview,
        ]
        while time.monotonic() < self.deadline:
            try:
                rng.choice(actions)(driver, user, team, rng)
            except Exception as exc:  # counted and shown: a driver that swallows hides bugs
                self.count("driver exceptions")
                self.count(f"driver exception: {type(exc).__name__}: {str(exc)[:80]}")
            time.sleep(rng.uniform(0.2, 0.8))
        driver.close()

    def send(self, response: httpx.Response) -> httpx.Response:
        self.count("requests")
        if response.status_code >= 500:
            self.count("5xx")
        return response

    def create_persona(self, driver, user, team, rng) -> None:
        self.send(driver.command("persona", user=user, team=team))
        view = self.wait_view(driver, ids.NEW_PERSONA, user)
        if view is None:
            return
        echo = rng.random() < 0.2
        values = form_values(
            **{
                ids.P_NAME: text_value(rng.choice(["", f"P{rng.randint(0, 999)}", "x" * 120])),
                ids.P_PROMPT: text_value("You interview people." if rng.random() < 0.9 else None),
                ids.P_REPLICA: select_value(rng.choice(["rfe12d8b9597", "rf4e9d9790f0"])),
                ids.P_CUSTOM_REPLICA: text_value(rng.choice([None, None, "r00000bad"])),
                ids.P_MODE: select_value("echo" if echo else "full", "radio_buttons"),
                ids.P_PERCEPTION: select_value("off" if echo else "raven-0"),
                ids.P_SMART_TURN: checks_value() if echo else checks_value("on"),
                ids.P_SHARED: checks_value("shared") if rng.random() < 0.3 else checks_value(),
            }
        )
        self.send(driver.submit(view["id"], values, user=user, team=team))

    def wait_view(self, driver, callback_id, user, timeout=3.0):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            view = driver.latest_view(callback_id, user)
            if view and "Loading" not in str(view["blocks"]):
                return view
            time.sleep(0.05)
        return None

    def personas_of(self, team, user) -> list[str]:
        rows = (
            sqlite3.connect(self.db, timeout=10)
            .execute(
                "select persona_id from personas where team_id = ? and (owner_id = ? or shared = 1) "
                "and deleted_at is null",
                (team, user),
            )
            .fetchall()
        )
        return [r[0] for r in rows]

    def quick_interview(self, driver, user, team, rng) -> None:
        personas = self.personas_of(team, user)
        ref = rng.choice(personas) if personas and rng.random() < 0.9 else "nobody"
        self.send(
            driver.command(
                f"interview {ref} soak {rng.randint(0, 10**6)}",
                user=user,
                team=team,
                channel=rng.choice(CHANNELS),
            )
        )

    def modal_interview(self, driver, user, team, rng) -> None:
        personas = self.personas_of(team, user)
        if not personas:
            return
        self.send(driver.command("interview", user=user, team=team, channel="C0HIRING1"))
        view = self.wait_view(driver, ids.START_INTERVIEW, user)
        if view is None or "submit" not in view:
            return
        values = form_values(
            **{
                ids.I_PERSONA: select_value(rng.choice(personas + ["p_forged"])),
                ids.I_NAME: text_value(f"modal {rng.randint(0, 999)}"),
                ids.I_CANDIDATE: user_value(None),
                ids.I_CHANNEL: channel_value(rng.choice(["C0HIRING1", "C0GENERAL", "C0NOWHERE9"])),
                ids.I_MINUTES: number_value(rng.choice(["1", "30", "90", "-1"])),
                ids.I_OPTIONS: checks_value(),
                ids.I_LANGUAGE: select_value("english"),
            }
        )
        self.send(driver.submit(view["id"], values, user=user, team=team))

    def lists(self, driver, user, team, rng) -> None:
        self.send(driver.command(rng.choice(["personas", "interviews", "help", ""]), user=user, team=team))
        if rng.random() < 0.3:
            self.send(driver.home_opened(user))

    def end_one(self, driver, user, team, rng) -> None:
        rows = (
            sqlite3.connect(self.db, timeout=10)
            .execute(
                "select conversation_id, channel_id, message_ts from conversations where team_id = ? and "
                "status in ('waiting', 'live') and message_ts is not null",
                (team,),
            )
            .fetchall()
        )
        if rows:
            cid, channel, ts = rng.choice(rows)
            message = {"ts": ts, "text": "", "blocks": []}
            self.send(driver.click(ids.END, cid, user=user, team=team, channel=channel, message=message))

    def delete_one(self, driver, user, team, rng) -> None:
        personas = self.personas_of(team, user)
        if personas and rng.random() < 0.3:
            self.send(
                driver.click(
                    ids.DELETE_PERSONA, rng.choice(personas), user=user, team=team, channel="C0GENERAL"
                )
            )

    def garbage(self, driver, user, team, rng) -> None:
        text = rng.choice(["end c0000000", "delete p0000000", "<@U1|x> <#C1>", "x" * 5000, "\u202e☃"])
        self.send(driver.command(text, user=user, team=team))

    # what the candidates and Tavus do
    def tavus_loop(self) -> None:
        rng = random.Random(self.rng.random())
        while time.monotonic() < self.deadline:
            active = [c for c in list(self.tavus.state.conversations.values()) if c.status == "active"]
            if active:
                conv = rng.choice(active)
                action = "join" if not conv.joined else rng.choice(["leave", "timeout", "join"])
                try:
                    httpx.post(f"{self.tavus_server.url}/_sim/conversations/{conv.conversation_id}/{action}")
                    self.count(f"candidate {action}")
                except httpx.HTTPError:
                    pass
            time.sleep(rng.uniform(0.3, 1.0))

    def fault_loop(self) -> None:
        rng = random.Random(self.rng.random())
        while time.monotonic() < self.deadline:
            time.sleep(rng.uniform(1.0, 3.0))
            kind = rng.random()
            if kind < 0.45:
                self.tavus.state.faults.append(Fault(**rng.choice(TAVUS_FAULTS)))
            elif kind < 0.8:
                fault = dict(rng.choice(SLACK_FAULTS))
                self.slack.state.faults.append(fault)
                if fault.get("kind") in ("reset", "stall"):
                    self.count("Slack connection faults")
            else:
                self.tavus.state.callback_mode = rng.choice(["duplicate", "reverse", "drop", "normal"])
            self.count("faults injected")
        self.tavus.state.callback_mode = "normal"

    def run(self) -> dict:
        self.start()
        threads = [threading.Thread(target=self.user_loop, args=(n,)) for n in range(len(self.users))]
        threads += [threading.Thread(target=self.tavus_loop), threading.Thread(target=self.fault_loop)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.tavus.state.faults.clear()
        self.slack.state.faults.clear()
        self.settle()
        try:
            return self.verdict()
        finally:
            self.stop()

    def settle(self) -> None:
        """Wait until the app's outbox has nothing due and two reconciler rounds have run."""
        time.sleep(12)
        deadline = time.monotonic() + SETTLE_SECONDS
        while time.monotonic() < deadline:
            with contextlib.closing(sqlite3.connect(self.db, timeout=10)) as db:
                pending = db.execute("select count(*) from outbox where state = 'pending'").fetchone()[0]
            if not pending:
                break
            time.sleep(1)
        else:  # say what never settled, so a failure can be understood
            with contextlib.closing(sqlite3.connect(self.db, timeout=10)) as db:
                rows = db.execute(
                    "select kind, key, attempts, due_at, last_error from outbox where state = 'pending'"
                ).fetchall()
            for row in rows:
                print(f"still pending after {SETTLE_SECONDS} s: {row}", file=sys.stderr)
        time.sleep(2)

    def verdict(self) -> dict:
        db = sqlite3.connect(self.db, timeout=10)
        known = {
            r[0]: r
            for r in db.execute(
                "select conversation_id, status, message_ts, error from conversations "
                "where conversation_id is not null"
            )
        }
        created = self.tavus.state.conversations
        lost = [
            cid
            for cid, conv in created.items()
            if cid not in known
            or (conv.status == "active" and known[cid][2] is None and known[cid][3] is None)
        ]
        broken = db.execute(
            "select count(*) from conversations where status in ('waiting','live') "
            "and conversation_id is null"
        ).fetchone()[0]
        for cid in lost:  # say what was lost, so a failure can be understood
            conv = created[cid]
            print(
                f"lost: {cid} at Tavus {conv.status} {conv.body.get('conversation_name')!r}, "
                f"store: {known.get(cid)}",
                file=sys.stderr,
            )
        user_errors = sum(
            1
            for r in self.slack.state.responses
            if any(w in str(r["body"].get("text", "")) for w in ("couldn't", ":warning:"))
        )
        return {
            "requests served": self.counts["requests"],
            "faults injected": self.counts["faults injected"],
            "of which Slack resets and stalls": self.counts["Slack connection faults"],
            "errors seen by users": user_errors,
            "5xx answers": self.counts["5xx"],
            "interviews started": len(created),
            "posted": sum(1 for r in known.values() if r[2]),
            "ended": sum(1 for c in created.values() if c.status == "ended"),
            "lost": len(lost) + broken,
            "callback answers 5xx": sum(
                1
                for c in self.tavus.state.callbacks_sent
                if not isinstance(c["status"], int) or c["status"] >= 500
            ),
            "driver exceptions": self.counts["driver exceptions"],
            **{k: v for k, v in sorted(self.counts.items()) if k.startswith("driver exception:")},
            **check_slack(self.db, self.slack.state),
            "peak RSS (MB)": round(self.rss.peak / 1e6),
            "candidate events": sum(v for k, v in self.counts.items() if k.startswith("candidate")),
        }


VERDICT = (
    "5xx answers",
    "callback answers 5xx",
    "lost",
    "stale cards",
    "missing replies",
    "doubled replies",
    "driver exceptions",
)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--users", type=int, default=12)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    args = parser.parse_args()
    if args.minutes < 1:
        parser.error("--minutes must be at least 1")
    result = Soak(args.minutes, args.users, args.seed).run()
    print(f"soak: {args.minutes:g} min, {args.users} users in 2 workspaces, seed {args.seed}")
    for key, value in result.items():
        print(f"  {key}: {value}")
    # a run in which nothing started, or no card or reply was checked, proves nothing
    exercised = result["interviews started"] > 0 and result["cards checked"] > 0
    ok = exercised and result["result replies checked"] > 0 and all(result[k] == 0 for k in VERDICT)
    print("verdict: " + ("OK" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
