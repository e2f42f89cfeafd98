"""Plain sentences for users when Tavus or Slack fails."""

from __future__ import annotations

from bot.slack.blocks import channel_ref, esc, esc_cut, link, slack_date, user_ref
from bot.tavus import errors as te

SHUTDOWN_WORDS = {
    "max_call_duration reached": "time limit reached",
    "participant_left_timeout reached": "the candidate left",
    "participant_absent_timeout reached": "the candidate never joined",
    "end_conversation_endpoint_hit": "ended through the Tavus API",
    "bot_could_not_join_meeting_it_was_probably_ended": "the AI could not join the room",
    "daily_room_has_been_deleted": "the room was deleted",
    "exception_encountered_during_conversation_startup": "Tavus failed while starting the call",
}

SLACK_POST_FIXES = {
    "not_in_channel": "I'm not a member of {channel}. Type `/invite @Tavus` in that channel, "
    "or choose another channel.",
    "channel_not_found": "I can't see {channel}: it is private or no longer exists. If it is "
    "private, type `/invite @Tavus` in it.",
    "is_archived": "{channel} is archived, so nobody can post there. Choose another channel.",
    "restricted_action": "This workspace does not let apps post in {channel}.",
}


def shutdown_words(reason: str | None, ended_by: str | None = None) -> str | None:
    """The shutdown reason in words a person understands."""
    if ended_by:
        return f"ended by {user_ref(ended_by)} from Slack"
    if not reason:
        return None
    if reason.startswith("internal error"):
        return "Tavus had an internal error"
    # an unknown reason is Tavus's (or a forged callback's) text: escaped, so it cannot ping or link
    return SHUTDOWN_WORDS.get(reason) or esc_cut(reason.replace("_", " "), 200)


def tavus_failure(exc: te.TavusError, doing: str) -> str:
    """One sentence that says what went wrong and what to do, for `doing` (e.g. "start the interview")."""
    if isinstance(exc, te.MissingKeyError):
        return (
            f"I couldn't {doing}: this workspace has no Tavus API key yet. A workspace admin can "
            "set one from the app's Home tab (Tavus key)."
        )
    if isinstance(exc, te.OtherAccountError):
        return (
            f"I couldn't {doing}: its persona was made with another Tavus API key than this workspace's "
            "current one, and Tavus keeps it in that account only. Create the persona again "
            "(`/tavus persona`) to use it with the current key."
        )
    if isinstance(exc, te.AccountKeyGoneError):
        return (
            f"I couldn't {doing}: it was made with a Tavus API key this workspace no longer has (it "
            "was replaced), and another key cannot reach it. Nothing was done: act on it in that "
            "account's Tavus portal, or set that key again (the Home tab's Tavus key, or TAVUS_API_KEY)."
        )
    if isinstance(exc, te.WorkspaceKeyError):
        return (
            f"I couldn't {doing}: this workspace's own Tavus API key can no longer be used (Tavus "
            "refused it, or it cannot be read). A workspace admin can set it again from the app's "
            "Home tab (Tavus key)."
        )
    if isinstance(exc, te.AuthenticationError):
        return (
            f"I couldn't {doing}: Tavus rejected this app's API key. Ask whoever runs the app "
            "to check TAVUS_API_KEY."
        )
    if isinstance(exc, te.ConcurrencyLimitError):
        return (
            f"I couldn't {doing}: your Tavus account already has its maximum of simultaneous "
            "conversations. End one that is still running, then try again."
        )
    if isinstance(exc, te.OutOfCreditsError):
        return (
            f"I couldn't {doing}: the Tavus account is out of conversational credits. "
            "An account admin can add credits in the Tavus portal."
        )
    if isinstance(exc, te.RateLimitError):
        wait = f" in {int(exc.retry_after)} seconds" if exc.retry_after else " in a minute"
        return f"I couldn't {doing}: Tavus is asking us to slow down. Try again{wait}."
    if isinstance(exc, te.TavusTimeoutError):
        return f"I couldn't {doing}: Tavus did not answer in time. Nothing was changed; try again shortly."
    if isinstance(exc, te.TavusConnectionError):
        return f"I couldn't {doing}: Tavus could not be reached. Nothing was changed; try again shortly."
    if isinstance(exc, te.ServerError):
        return f"I couldn't {doing}: Tavus had a problem on its side ({exc.status}). Try again shortly."
    if isinstance(exc, te.NotFoundError):
        return f"I couldn't {doing}: Tavus no longer knows it ({esc_cut(exc.message, 300)})."
    return f"I couldn't {doing}: Tavus said “{esc_cut(exc.message, 300)}”."


def slack_post_failure(error: str, channel: str) -> str:
    fix = SLACK_POST_FIXES.get(error)
    if fix:
        return fix.format(channel=channel_ref(channel))
    return f"Slack refused to post in {channel_ref(channel)} ({esc_cut(error, 100)})."


def invite_dm_text(
    owner_id: str, name: str | None, url: str | None, opens: str | None, ends: str | None
) -> str:
    """The candidate's invitation: the link on a line of its own, as an explicit link, so no
    client runs the sentence after it into the address."""
    lines = [f"{user_ref(owner_id)} invited you to an AI video interview, *{esc(name)}*."]
    if url:
        lines.append(f"Your private link (for you only):\n{link(url, url)}")
    else:
        lines.append("Your link is not ready yet; I will send it here.")
    if opens and ends:
        lines.append(f"It opens {slack_date(opens)} and expires {slack_date(ends)}.")
    return "\n".join(lines)
