"""The help message."""

from __future__ import annotations

from bot.slack.blocks import Block, context, esc, section


def build_help(command: str) -> tuple[str, list[Block]]:
    c = command
    rows = [
        (f"`{c} persona`", "create a Tavus persona (opens a form)"),
        (f"`{c} personas`", "list your personas, with Start interview and Delete"),
        (f"`{c} interview`", "start an AI interview (opens a form)"),
        (f"`{c} interview <persona id or name> [@candidate] [title]`", "start one right here"),
        (f"`{c} interviews`", "your waiting and live interviews, with Join and End"),
        (f"`{c} end <conversation id>`", "end an interview (owner or admin)"),
        (f"`{c} delete <persona id>`", "delete a persona (owner or admin)"),
        (f"`{c} help`", "this help"),
    ]
    # `<persona id>` is a placeholder, not a Slack link: escaped like any other text
    text = "\n".join(f"• {esc(cmd)} — {what}" for cmd, what in rows)
    example = f"Example: `{c} interview Interviewer @casey Backend engineer, round 1`"
    return "Tavus interviews: commands", [
        section("*Tavus AI interviews in Slack*"),
        section(text),
        context(example),
    ]
