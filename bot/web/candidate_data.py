"""Issue 24: the candidate's data from their invite link: GET /i/{token}/data (what is stored, with
downloads and *Delete my interview*), /i/{token}/data.json and .txt (a copy), POST /i/{token}/delete
(asked, then confirmed by a second POST; ends on the receipt). The token is the credential; a wrong
one finds nothing and changes nothing. After erasure the receipt is found by the token's hash."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.clock import parse_time
from bot.deps import Deps
from bot.services.rights.candidate_data import as_json, as_text, stored_data, what_is_stored
from bot.services.rights.erasure import FINISH_WITHIN, candidate_erase, tell_owner_erased
from bot.store.migrations import token_hash
from bot.web.invites import HEADERS, e, page, when

NOT_VALID = "<p>This interview link is not valid. Check it, or ask whoever sent it for a new one.</p>"
WHAT_WENT = (
    "your transcript, the AI's analysis, the report and scorecard, the recording link and the stored events"
)


def receipt(req: dict) -> Response:
    """The erasure's receipt: when, what was deleted, what is left and why. Claims only what happened."""
    done = json.loads(req.get("deleted") or "{}")
    left = json.loads(req.get("left_items") or "[]")
    asked = parse_time(req["requested_at"])
    parts = [f"<p>You asked for your interview to be deleted on {e(when(req['requested_at']))}.</p>"]
    parts.append(f"<p>Deleted from our records: {WHAT_WENT}.</p>")
    if done.get("slack"):
        parts.append(f"<p>Deleted from Slack: {e(done['slack'])} message(s) or file(s) about it.</p>")
    tavus = {
        "deleted": "The conversation is deleted at Tavus, the video provider.",
        "gone": "The conversation was already deleted at Tavus, the video provider.",
    }.get(done.get("tavus"))
    parts += [f"<p>{e(tavus)}</p>"] if tavus else []
    if req.get("completed_at"):
        parts.append(f"<p><strong>Completed on {e(when(req['completed_at']))}.</strong></p>")
    elif not req.get("attempts"):  # under way (or cut short by a restart: the hourly run finishes it)
        parts = [f"<p>You asked for your interview to be deleted on {e(when(req['requested_at']))}.</p>"]
        parts.append('<p role="status">It is being deleted now. Reload this page in a minute.</p>')
    else:
        due = when((asked + FINISH_WITHIN).isoformat()) if asked else "within 30 days"
        rows = "".join(f"<li>{e(thing(i))}: {e(i.get('why'))}</li>" for i in left)
        parts.append(
            f"<p><strong>Not finished yet.</strong> These could not be deleted yet:</p><ul>{rows}</ul>"
            f"<p>We retry every hour, and a person is told each day until it is done, by {e(due)}.</p>"
        )
    return page(
        "Your interview is deleted" if req.get("completed_at") else "Deleting your interview", "".join(parts)
    )


def thing(item: dict) -> str:
    return {
        "message": "a message in Slack",
        "file": "a file in Slack",
        "canvas": "a canvas in Slack",
        "tavus": "the conversation at Tavus",
    }.get(item.get("kind", ""), "an item")


def data_endpoints(deps: Deps):
    async def found(token: str):
        """(erasure receipt row, invite's conversation): at most one of them."""
        if not token or len(token) > 100:
            return None, None
        if req := await deps.db.erasure_by_link(token_hash(token)):
            if req["attempts"]:  # erased: the owner is told, unless that was cut off (once: its key)
                await tell_owner_erased(deps, req["conv_token"])
            return req, None
        seen = await deps.db.invite_by_link(token)
        return None, seen[1] if seen else None

    async def data_page(request: Request) -> Response:
        token = request.path_params["token"]
        req, conv = await found(token)
        if req:
            return receipt(req)
        if conv is None:
            return page("Link not valid", NOT_VALID, status=404)
        items = what_is_stored(await stored_data(deps, conv))
        listed = "".join(f"<li>{e(i)}</li>" for i in items) or "<li>nothing more than this link</li>"
        base = f"/i/{e(token)}"
        body = (
            f"<h2>What we keep about you</h2><ul>{listed}</ul>"
            f'<p>Download a copy: <a href="{base}/data.json" download>JSON</a> or '
            f'<a href="{base}/data.txt" download>text</a>.</p>'
            "<h2>Delete my interview</h2><p>This deletes everything above, here, in Slack and at "
            "Tavus (the video provider), and tells the hiring team. It cannot be undone.</p>"
            f'<form method="post" action="{base}/delete"><button>Delete my interview</button></form>'
        )
        return page("Your data", body)

    async def download(request: Request) -> Response:
        token, kind = request.path_params["token"], request.path_params["kind"]
        req, conv = await found(token)
        if conv is None or kind not in ("json", "txt"):
            return page("Link not valid", NOT_VALID, status=404) if not req else receipt(req)
        data = await stored_data(deps, conv)
        text, media = (as_json(data), "application/json") if kind == "json" else (as_text(data), "text/plain")
        headers = {**HEADERS, "Content-Disposition": f'attachment; filename="my-interview.{kind}"'}
        return Response(text, media_type=f"{media}; charset=utf-8", headers=headers)

    async def delete(request: Request) -> Response:
        token = request.path_params["token"]
        form = parse_qs((await request.body()).decode("utf-8", "replace")[:1000])
        req, conv = await found(token)
        if req and req["attempts"]:  # a reload, another tab, a replay: the receipt, nothing again
            return RedirectResponse(f"/i/{token}/data", status_code=303, headers=HEADERS)
        if req is None and conv is None:
            return page("Link not valid", NOT_VALID, status=404)
        if req is None and form.get("confirm") != ["yes"]:
            body = (
                "<p>Are you sure? Your transcript, the AI's analysis, the report, the recording link "
                "and the messages about your interview will be deleted everywhere. It cannot be undone.</p>"
                f'<form method="post" action="/i/{e(token)}/delete"><input type="hidden" name="confirm" '
                'value="yes"><button>Yes, delete my interview</button></form>'
                f'<p><a href="/i/{e(token)}/data">No, keep it</a></p>'
            )
            return page("Delete your interview?", body)
        outcome = await candidate_erase(deps, token)
        if outcome == "running":
            return page(
                "Your interview is in progress",
                "<p>Leave the call first, then delete it here.</p>",
                status=409,
            )
        if outcome is None:
            return page("Link not valid", NOT_VALID, status=404)
        return RedirectResponse(f"/i/{token}/data", status_code=303, headers=HEADERS)

    return data_page, download, delete
