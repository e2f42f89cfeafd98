"""The help message."""

from __future__ import annotations

from bot.slack.blocks import Block, context, section


def build_help(command: str) -> tuple[str, list[Block]]:
    c = command
    rows = [
        (f"`{c} persona`", "create a Tavus persona (opens a form)"),
        (f"`{c} personas`", "list your personas, with Start interview and Delete"),
        (f"`{c} interview`", "start an AI interview (opens a form)"),
        (
            f"`{c} interview <persona id or name> [@candidate | name@example.com] [title]`",
            "start one right here: with a candidate it is private (an invite link only they get); "
            "without, open to the channel",
        ),
        (f"`{c} interviews`", "your waiting and live interviews, with Join and End"),
        (f"`{c} end <conversation id or ref>`", "end an interview, or cancel an invite (owner or admin)"),
        (
            f"`{c} forget <conversation id or ref>`",
            "erase an interview: stored content, result messages, and the conversation at Tavus",
        ),
        (f"`{c} delete <persona id>`", "delete a persona (owner or admin)"),
        (f"`{c} help`", "this help"),
    ]
    text = "\n".join(f"• {cmd} — {what}" for cmd, what in rows)
    example = f"Example: `{c} interview Interviewer @casey Backend engineer, round 1`"
    return "Tavus interviews: commands", [
        section("*Tavus AI interviews in Slack*"),
        section(text),
        context(example),
    ]
