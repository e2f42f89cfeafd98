"""The help message."""

from __future__ import annotations

from bot.slack.blocks import Block, context, esc, section


def build_help(command: str, *, admin: bool = False, unknown: str | None = None) -> tuple[str, list[Block]]:
    """Every command, with `<…>` placeholders escaped so Slack shows them instead of reading links."""
    c = command
    rows = [
        (f"{c} persona [name]", "create a Tavus persona (opens a form, with that name filled in)"),
        (
            f"{c} personas",
            "your personas and those shared with you, with Start interview, Test, Edit and Delete",
        ),
        (f"{c} interview", "start an AI interview (opens a form)"),
        (
            f"{c} interview <persona id or name> [@candidate | name@example.com] [title]",
            "start one right here: with a candidate it is private (an invite link only they get); "
            "without, open to the channel",
        ),
        (
            f"{c} interviews",
            "your waiting and live interviews and invites, with Join, End and Note to interviewer",
        ),
        (f"{c} end <interview name, id or ref>", "end an interview or cancel an invite (owner or admin)"),
        (
            f"{c} forget <interview name or id>",
            "erase an interview: stored content, the messages about it, and the conversation at Tavus",
        ),
        (
            f"{c} sharing <interview name or id>",
            "where an interview's results went: each DM, thread, channel (and its members then) or canvas",
        ),
        (
            f"{c} note <interview name or id> <text>",
            "a note to the AI interviewer of a live interview (owner or admin)",
        ),
        (
            f"{c} test <persona name or id>",
            "try a persona for free: Tavus's test mode checks its setup (no interviewer joins, no cost)",
        ),
        (f"{c} delete <persona name or id>", "delete a persona (its owner or an admin)"),
        (
            f"{c} stats [opening or persona]",
            "the interview funnel: invited, started, completed, no-shows, decisions, minutes used "
            "(yours; an admin's is the workspace's)",
        ),
        (
            f"{c} opening <name> <persona> [job description URL]",
            "make an opening (a role): its interviews are grouped, compared and decided on",
        ),
        (
            f"{c} interview <opening> [@candidate | name@example.com] [title]",
            "the same for an opening: its persona interviews, and the interview is grouped under it",
        ),
        (f"{c} openings", "the openings, with how many candidates are in each state, and Compare"),
        (
            f"{c} compare <opening>",
            "its finished interviews side by side, with Advance, Hold and Reject (its owner or an admin)",
        ),
        (f"{c} help", "this help"),
    ]
    text = "\n".join(f"• `{esc(cmd)}` — {what}" for cmd, what in rows)
    more = [
        "The app's *Home* tab shows your personas and interviews, with buttons for everything above.",
        "*Sharing:* tick “Let the whole workspace use it” (under *More options*) on a persona, and "
        "everyone here can start interviews with it.",
    ]
    if admin:
        more.append(
            "*Admins:* the Home tab has *Tavus key* (this workspace's own Tavus API key) and a list "
            "of every waiting and live interview in the workspace."
        )
    example = f"Example: `{esc(c)} interview Interviewer @casey Backend engineer, round 1`"
    blocks = [
        section("*Tavus AI interviews in Slack*"),
        section(text),
        section("\n".join(more)),
        context(example),
    ]
    title = "Tavus interviews: commands"
    if unknown:
        notice = f"`{esc(unknown[:40])}` is not a command. Here is what I understand:"
        blocks.insert(0, section(notice))
        title = f"{unknown[:40]} is not a command. {title}"
    return title, blocks
