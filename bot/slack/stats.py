"""Issue 25: the funnel drawn so a person sees it at a glance: a bar per stage, rates, medians."""

from __future__ import annotations

from bot.records import Funnel
from bot.slack.blocks import Block, context, esc, esc_cut, section

BAR = 10
MAX_GROUPS = 10  # a message's blocks stay few; `stats <name>` shows any one
MAX_HOME_GROUPS = 3


def bar(part: int, whole: int) -> str:
    """`█████░░░░░  50 %`: the share of `whole` that `part` is."""
    share = part / whole if whole else 0.0
    filled = round(share * BAR)
    return "█" * filled + "░" * (BAR - filled) + f" {share * 100:3.0f} %"


def hours(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.1f} h" if value < 48 else f"{value / 24:.1f} days"


def funnel_text(f: Funnel) -> str:
    """One group's funnel as lines of mrkdwn."""
    n = f.invited
    rows = [
        ("Invited", f.invited),
        ("Started", f.started),
        ("Completed", f.completed),
        ("No-show", f.no_show),
        ("Expired", f.expired),
        ("Alternative asked", f.alternative_asked),
        ("Decided", f.decided_total),
    ]
    lines = [f"`{bar(count, n)}` {label}: *{count}*" for label, count in rows]
    d = f.decided
    lines.append(f"Decisions: advance *{d['advance']}* · hold *{d['hold']}* · reject *{d['reject']}*")
    lines.append(
        f"Completion rate *{f.completion_rate * 100:.0f} %* · median invite → start "
        f"*{hours(f.start_hours)}* · end → decision *{hours(f.decision_hours)}* "
        f"· *{f.minutes:.0f}* Tavus minutes"
    )
    return f"*{esc_cut(f.label, 80)}*\n" + "\n".join(lines)


def build_stats(funnels: list[Funnel], command: str, wanted: str | None = None) -> tuple[str, list[Block]]:
    """The answer to `/tavus stats [opening or persona]`."""
    if not funnels:
        what = f" for *{esc_cut(wanted, 80)}*" if wanted else ""
        text = f"No interviews to count{what} yet. `{esc(command)} stats` lists every opening or persona."
        return text, [section(text)]
    blocks: list[Block] = [section(funnel_text(f)) for f in funnels[:MAX_GROUPS]]
    if len(funnels) > MAX_GROUPS:
        blocks.append(context(f"{len(funnels) - MAX_GROUPS} more: `{esc(command)} stats <name>` shows one."))
    return "Interview funnel", blocks


def home_stats(funnels: list[Funnel], used_minutes: float, cap: int | None) -> list[Block]:
    """The Home tab's compact funnel: the busiest groups and the month's Tavus minutes."""
    month = f"*{used_minutes:.0f}* Tavus minutes this month" + (
        f" of {cap}: `{bar(round(used_minutes), cap)}`" if cap else ""
    )
    blocks: list[Block] = [{"type": "divider"}, section("*Funnel*"), context(month)]
    busiest = sorted(funnels, key=lambda f: f.invited, reverse=True)[:MAX_HOME_GROUPS]
    blocks += [section(funnel_text(f)) for f in busiest]
    if not busiest:
        blocks.append(context("No interviews yet."))
    return blocks
