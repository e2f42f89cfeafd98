"""Issue 25: the interview funnel per opening (per persona until openings exist), counted from the
interviews themselves: how many were invited, started, completed, missed, expired, asked for an
alternative and were decided, how fast, and the Tavus minutes they used. `/tavus stats`, the Home
tab and `tavus-slack stats export` all read it from here."""

from __future__ import annotations

import csv
import io

from bot.clock import duration_seconds
from bot.records import DECISIONS, Funnel

STAGES = ("invited", "started", "completed", "no_show", "expired", "alternative_asked", "decided")
CLOSED_UNUSED = ("invite_expired", "invite_cancelled")


def stages_of(row: dict) -> list[str]:
    """The funnel stages one interview reached."""
    if row["status"] == "failed" and not row.get("conversation_id"):
        return []  # Tavus never made it: nobody was invited
    reached = ["invited"]
    if row.get("live_at"):
        reached.append("started")
        if row["status"] == "ended":
            reached.append("completed")
    elif row["status"] == "ended" and row.get("shutdown_reason") not in CLOSED_UNUSED:
        reached.append("no_show")
    if row.get("shutdown_reason") == "invite_expired":
        reached.append("expired")
    if row.get("alternative_at"):
        reached.append("alternative_asked")
    if row.get("decision") in DECISIONS:
        reached.append("decided")
    return reached


def funnels(rows: list[dict], wanted: str | None = None) -> list[Funnel]:
    """One funnel per group, in the order groups first appeared; `wanted` keeps the group whose
    name or id it is (any case)."""
    out: dict[str, Funnel] = {}
    for row in rows:
        key = row.get("grp") or "none"
        funnel = out.setdefault(key, Funnel(key, row.get("persona_name") or key))
        funnel.label = row.get("persona_name") or funnel.label  # the latest name
        add(funnel, row)
    if wanted:
        w = wanted.strip().casefold()
        return [f for f in out.values() if w in (f.key.casefold(), f.label.casefold())]
    return list(out.values())


def add(funnel: Funnel, row: dict) -> None:
    reached = stages_of(row)
    for stage in reached:
        if stage in ("decided",):
            funnel.decided[row["decision"]] += 1
        elif stage in STAGES:
            setattr(funnel, stage, getattr(funnel, stage) + 1)
        funnel.stages.setdefault(stage, []).append(row.get("decision"))
    funnel.seconds += int(row.get("seconds_used") or 0)
    if "started" in reached and (wait := duration_seconds(row["created_at"], row["live_at"])) is not None:
        funnel.to_start.append(wait)
    decided = duration_seconds(row.get("ended_at"), row.get("decided_at"))
    if decided is not None:
        funnel.to_decision.append(decided)


def cell(text: str) -> str:
    """A spreadsheet reads a cell starting with = + - @ as a formula: a name is never run."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export_csv(funnels_: list[Funnel]) -> str:
    """Decision rates per stage and group, for a bias audit: who reached each stage, and what was
    decided for them (counts and shares of that stage)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["group", "label", "stage", "count", "share_of_invited", *DECISIONS, "undecided",
                     *(f"{d}_rate" for d in DECISIONS), "minutes_used"])  # fmt: skip
    for f in funnels_:
        for stage in STAGES:
            decisions = f.stages.get(stage, [])
            counts = [decisions.count(d) for d in DECISIONS]
            n = len(decisions)
            rates = [f"{c / n:.3f}" if n else "" for c in counts]
            share = f"{n / f.invited:.3f}" if f.invited else ""
            names = [cell(f.key), cell(f.label), stage]
            writer.writerow([*names, n, share, *counts, n - sum(counts), *rates, f"{f.minutes:.1f}"])
    return out.getvalue()


async def visible_funnels(db, people, team_id: str, user_id: str, wanted: str | None = None) -> list[Funnel]:
    """An admin sees the workspace's funnels; anyone else those of their own interviews."""
    admin = await people.is_admin(team_id, user_id)
    rows = await db.funnel_rows(team_id, None if admin else user_id)
    return funnels(rows, wanted)


def export_command(database_url: str, opening: str | None, team: str | None, out) -> int:
    """`tavus-slack stats export`: the funnel's numbers as CSV on `out`; 1 when nothing matched."""
    from bot.store import Store  # noqa: PLC0415 (a command line tool opens the store itself)

    store = Store(database_url)
    try:
        found = funnels(store.funnel_rows(team), opening)
    finally:
        store.close()
    out.write(export_csv(found))
    return 0 if found else 1
