"""The reconciler's Tavus reads per minute per key at 100, 1 000 and 10 000 active interviews.

    python -m bench.reconciler_reads [--scales 100,1000,10000] [--ended 0.01]

Seeds the store and the Tavus simulator with that many active interviews (a share of them ended
at Tavus without a callback, as if it was lost), runs reconciler rounds a minute apart on a
virtual minute, and counts the requests the simulator received.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from bot.app import slack_client
from bot.config import Settings
from bot.deps import Deps
from bot.records import ConversationRecord
from bot.services.calls.reconcile_reads import READS_PER_MINUTE_PER_KEY
from bot.services.calls.reconciler import Reconciler
from bot.store import Store, utcnow
from bot.tavus.client import TavusClient, default_http_client
from sim.server import ServerThread
from sim.tavus import TavusSimulator
from sim.tavus_state import SimConversation

KEY = "bench-tavus-key"


def seed(store: Store, sim: TavusSimulator, n: int) -> None:
    now = utcnow()
    for i in range(n):
        token = f"tok{i:07d}"
        store.begin_conversation(
            ConversationRecord(
                token=token,
                team_id="T0ACME01",
                owner_id="U0OWNER1",
                status="creating",
                created_at=now,
                channel_id="C0HIRING1",
                name=f"r{i}",
            )
        )
        cid = f"c{i:07d}"
        sim.state.conversations[cid] = SimConversation(
            cid, {"conversation_id": cid, "conversation_name": f"r{i}"}
        )
    with store.db.write() as tx:  # created and carded, as if long ago
        tx.execute(
            "update conversations set status = 'waiting', conversation_id = 'c' || substr(token, 4), "
            "message_ts = '1.0', card_status = 'waiting'"
        )


async def measure(n: int, ended: float, rounds: int) -> dict:
    sim = TavusSimulator()
    sim.state.api_key = KEY
    server = ServerThread(sim.app).start()
    try:
        tmp = Path(tempfile.mkdtemp(prefix="reconcile-bench-"))
        settings = Settings(
            _env_file=None,
            SLACK_BOT_TOKEN="xoxb-bench",
            SLACK_SIGNING_SECRET="bench-signing-secret",
            TAVUS_API_KEY=KEY,
            TAVUS_API_URL=server.url,
            DATABASE_URL=f"sqlite:///{tmp / 'app.db'}",
        )
        store = Store.from_url(settings.DATABASE_URL)
        seed(store, sim, n)
        http = default_http_client(10)
        tavus = TavusClient(KEY, base_url=server.url, http_client=http)
        deps = Deps.build(settings, store, tavus, slack_client(settings), http)
        clock = [0.0]
        reconciler = Reconciler.of(deps, interval=60, pace=0)
        reconciler.budget.clock = lambda: clock[0]
        per_round = []
        for _ in range(rounds):
            for cid in list(sim.state.conversations)[: int(n * ended)]:  # lost callbacks
                sim.state.conversations[cid].status = "ended"
            before = len(sim.state.requests)
            started = time.monotonic()
            await reconciler.round()
            reads = [q for q in sim.state.requests[before:] if q["path"].startswith("/v2/conversations")]
            per_round.append((len(reads), time.monotonic() - started))
            clock[0] += 60  # the next round, a minute later
        await http.aclose()
        deps.db.close()
        return {
            "active": n,
            "reads_per_minute": max(r for r, _ in per_round),
            "round_seconds": max(s for _, s in per_round),
            "naive_reads_per_minute": min(n, 300),  # one by one at 0.2 s apart, as before
        }
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scales", default="100,1000,10000")
    parser.add_argument(
        "--ended", type=float, default=0.01, help="share of calls ending unannounced a minute"
    )
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"budget: {READS_PER_MINUTE_PER_KEY} reads a minute per key")
    for n in (int(s) for s in args.scales.split(",")):
        print(asyncio.run(measure(n, args.ended, args.rounds)), flush=True)


if __name__ == "__main__":
    main()
