"""GET/POST /i/{token}: the candidate's page. Plain HTML that works on a phone and with a screen
reader; no login, no script. The token in the path is the credential."""

from __future__ import annotations

import html
import json
import logging
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from bot.clock import parse_time
from bot.deps import Deps
from bot.services.starting.invite_flow import REQUESTS, LinkState
from bot.store.migrations import token_hash
from bot.web.notice import (
    NOTICE_VERSION,
    Notice,
    ask_form,
    build_notice,
    notice_html,
    paused_html,
    start_form,
)

log = logging.getLogger(__name__)

BUSY_RETRY_SECONDS = 20
MAX_FORM = 16_000  # a Start or a request form is small: the rest is not read
MAX_WORDS = 1000  # the candidate's words with a request
DEFAULT_CONSENT = (
    "Nothing starts until you tick the boxes below and press Start; until then nothing is recorded "
    "or sent to the AI."
)
STYLE = (
    "body{font:1.1rem/1.5 system-ui,sans-serif;max-width:38rem;margin:0 auto;padding:1rem;color:#111}"
    "button{font-size:1.2rem;padding:.8rem 2rem;border-radius:.4rem;border:0;background:#0b5cad;color:#fff}"
    "button:focus{outline:3px solid #f90}"
)
HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}


BUSY_RETRY_WINDOW = timedelta(minutes=15)  # how long the busy page keeps retrying by itself


def e(text: object) -> str:
    return html.escape(str(text or ""), quote=True)


def when(iso: str | None) -> str:
    moment = parse_time(iso)
    return moment.strftime("%A %d %B %Y at %H:%M UTC") if moment else "an unknown time"


def page(title: str, body: str, *, status: int = 200, refresh: str | None = None) -> HTMLResponse:
    meta = f'<meta http-equiv="refresh" content="{e(refresh)}">' if refresh else ""
    text = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"{meta}<title>{e(title)}</title><style>{STYLE}</style></head>"
        f"<body><main><h1>{e(title)}</h1>{body}</main></body></html>"
    )
    return HTMLResponse(text, status_code=status, headers=HEADERS)


def invite_endpoint(deps: Deps):
    flow = deps.invite_flow

    def workspace(team_id: str) -> tuple[str, dict]:
        """In a store thread: the workspace's stored name (learnt in the background: the page never
        waits on Slack, nor fails with it) and its interview settings."""
        return deps.ws.team_name(team_id) or "the hiring team", deps.store.interview_settings(team_id)

    async def notice_of(seen: LinkState) -> tuple[str, Notice]:
        conv, invite = seen.conv, seen.invite or {}
        assert conv is not None
        request = json.loads(invite.get("request") or "{}")
        name, settings = await deps.db.run(workspace, conv.team_id)
        notice = build_notice(
            request,
            policy=conv.policy,
            team=name,
            consent=settings.get("consent") or DEFAULT_CONSENT,
            retention_days=deps.settings.RETENTION_DAYS,
        )
        return name, notice

    async def reviewed(conv_token: str) -> str:
        """Issue 25: what the team chose to tell the candidate after their review, escaped."""
        told = [d for d in await deps.db.decisions_of(conv_token) if d.get("tell")]
        if not told:
            return ""
        feedback = told[-1].get("feedback")
        words = "".join(f"<p>{e(line)}</p>" for line in (feedback or "").splitlines() if line.strip())
        return '<h2 role="status">The team has reviewed your interview</h2>' + words

    async def details(seen: LinkState) -> str:
        name, notice = await notice_of(seen)
        return f"<p>From <strong>{e(name)}</strong>.</p>" + notice_html(notice)

    async def render(seen: LinkState, token: str, missing: str | None = None) -> Response:
        conv = seen.conv
        title = (conv.name if conv else None) or "AI video interview"
        if seen.state == "invalid":
            return page(
                "Link not valid",
                "<p>This interview link is not valid. Check it, or ask whoever sent it for a new one.</p>",
                status=404,
            )
        if seen.state == "live" and seen.room:
            form = f'<form method="post" action="/i/{e(token)}"><button>Rejoin the interview</button></form>'
            return page(title, "<p>Your interview is in progress.</p>" + form)
        if seen.state == "cancelled":
            return page(title, "<p>This interview was cancelled. The link no longer works.</p>", status=410)
        if seen.state == "ended":
            done = "<p>This interview has ended. Thank you for your time.</p>"
            mine = f'<p><a href="/i/{e(token)}/data">See, download or delete your data</a></p>'
            return page(title, done + await reviewed(conv.token if conv else "") + mine)
        if seen.state == "expired":
            return page(
                title, f"<p>This invitation expired on {e(when(conv and conv.expires_at))}.</p>", status=410
            )
        note, status = (f'<p role="alert">{e(missing)}</p>', 400) if missing else ("", 200)
        if seen.state == "paused":
            return page(title, paused_html(seen), status=409 if missing else 200)
        if seen.state == "not_open":
            return page(
                title,
                note + f"<p>This interview opens on {e(when(conv and conv.opens_at))}. Come back "
                "then with the same link.</p>" + await details(seen) + ask_form(token),
                status=status,
            )
        if seen.state == "starting":
            return page(title, "<p>Starting your interview…</p>", refresh=f"2;url=/i/{e(token)}")
        if seen.state == "busy":
            return page(
                title,
                '<p role="status">All our interviewers are busy right now. This page '
                f"tries again by itself every {BUSY_RETRY_SECONDS} seconds; please keep it open."
                "</p>",
                status=503,
                refresh=f"{BUSY_RETRY_SECONDS};url=/i/{e(token)}?retry=1",
            )
        if seen.state == "unavailable":
            return page(
                title,
                '<p role="status">This interview is not available right now. The team has been told; '
                "they will be in touch. You can close this page.</p>",
            )
        if seen.state == "error":
            note = '<p role="alert">Something went wrong starting your interview. Try again in a minute.</p>'
        _, notice = await notice_of(seen)
        body = note + await details(seen) + start_form(token, notice) + ask_form(token)
        return page(title, body, status=status)

    async def invite_page(request: Request) -> Response:
        token = request.path_params["token"]
        if len(token) <= 100 and await deps.db.erasure_by_link(token_hash(token)):  # erased (issue 24)
            return RedirectResponse(f"/i/{token}/data", status_code=303, headers=HEADERS)
        seen = await flow.look(token)
        # the busy page's own retry (a GET, from a meta refresh) starts again, for a short while after
        # a Start met the limit; a link preview of a copied ?retry=1 address later starts nothing
        busy = parse_time((seen.invite or {}).get("busy_at"))
        recent = busy is not None and datetime.now(UTC) - busy < BUSY_RETRY_WINDOW
        if request.query_params.get("retry") and seen.state == "ready" and recent:
            seen = await flow.start(token)
            if seen.state == "live" and seen.room:
                return RedirectResponse(seen.room, status_code=303, headers=HEADERS)
        return await render(seen, token)

    async def ask(seen: LinkState, token: str, form: dict[str, list[str]]) -> Response:
        """*I'd prefer an interview with a person* or *I need an accommodation* (issue 24)."""
        kind, words = (form.get("ask") or [""])[0], (form.get("words") or [""])[0].strip()
        if kind not in REQUESTS:
            return await render(seen, token, "Choose one of the two buttons.")
        if len(words) > MAX_WORDS:
            return await render(
                seen, token, f"Please write at most {MAX_WORDS} characters ({len(words)} now)."
            )
        return await render(await flow.ask(token, kind, words), token)

    async def invite_start(request: Request) -> Response:
        token = request.path_params["token"]
        seen = await flow.look(token)
        form = parse_qs((await request.body())[:MAX_FORM].decode("utf-8", "replace"))
        if form.get("ask"):
            return await ask(seen, token, form)
        if seen.state == "paused":
            return await render(seen, token, "paused")  # Start is refused: the page says why
        if seen.state == "ready":  # Start needs the consent the policy asks for (issue 24)
            _, notice = await notice_of(seen)
            ticked = set(form.get("consent") or [])
            if (form.get("notice") or [""])[0] != notice.sha256:
                return await render(
                    seen, token, "This page changed since you loaded it: read it again, then Start."
                )
            if missing := [label for key, label in notice.boxes.items() if key not in ticked]:
                return await render(seen, token, "To start, tick each box: " + " / ".join(missing))
            receipt = (notice.policy, NOTICE_VERSION, notice.sha256, {k: k in ticked for k in notice.boxes})
            seen = await flow.start(token, receipt=receipt)
        else:
            seen = await flow.start(token)
        if seen.state == "live" and seen.room:
            return RedirectResponse(seen.room, status_code=303, headers=HEADERS)
        return await render(seen, token)

    return invite_page, invite_start
