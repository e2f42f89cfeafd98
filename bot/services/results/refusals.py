"""Slack's answers the results' jobs read: a kind of content refused, a thing already gone. Imports
nothing of bot/, so the canvas, the report and `forget`'s guards all read them from here."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError

# Slack refusing a kind of content for this workspace or token: no retry will change it.
FILE_REFUSED = {
    "missing_scope",
    "not_allowed_token_type",
    "restricted_action",
    "not_allowed",
    "file_uploads_disabled",
    "file_uploads_except_images_disabled",
}
CANVAS_REFUSED = FILE_REFUSED | {
    "free_teams_cannot_create_non_channel_canvases",
    "team_tier_cannot_create_canvases",
    "canvas_disabled_user_team",
}
# Slack's catch-all for a canvas it would not make (its content, or a fault on its side): this
# report falls back to a message and a file, and the workspace's next report tries a canvas again
CANVAS_FAILED = {"canvas_creation_failed"}
GONE = {"message_not_found", "canvas_not_found", "file_not_found", "file_deleted"}


def _code(exc: SlackApiError) -> str:
    return str(exc.response.get("error") or "")
