"""The simulated Tavus room (`/c/{id}`): what the playground shows of a Tavus call.

A lobby with the candidate's *Join* button, then the call (the AI interviewer's tile and the
candidate's, a timer, *Leave*), then the end. A private room (`require_auth`) needs its meeting
token: in the address (`?t=`) to see the page, in the form to join or leave, and in a header to
read the call's state. The token never goes into a path the simulator logs, and the page asks the
browser to send no Referer, as a room with a secret in its address should.
"""

from __future__ import annotations

import html
import json
import secrets
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, quote

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from sim.tavus_state import SimConversation

if TYPE_CHECKING:
    from sim.tavus import TavusSimulator

HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
ENDED_WORDS = {
    "participant_left_timeout reached": "You left the call.",
    "participant_absent_timeout reached": "Nobody joined in time.",
    "max_call_duration reached": "The call reached its time limit.",
    "end_conversation_endpoint_hit": "The interviewer ended the call.",
}


def room_routes(sim: TavusSimulator) -> list[Route]:
    def allowed(conv: SimConversation, given: str | None) -> bool:
        token = conv.body.get("meeting_token")
        return not token or secrets.compare_digest(str(given or ""), token)

    async def page(request: Request) -> Response:
        conv = sim.state.conversations.get(request.path_params["cid"])
        if conv is None:
            return notice("This meeting does not exist", 404)
        if not allowed(conv, request.query_params.get("t")):
            return notice("You are not allowed to join this meeting", 403)
        return HTMLResponse(room_html(sim, conv, conv.body.get("meeting_token")), headers=HEADERS)

    async def state(request: Request) -> Response:
        conv = sim.state.conversations.get(request.path_params["cid"])
        if conv is None:
            return JSONResponse({"error": "no such meeting"}, status_code=404)
        if not allowed(conv, request.headers.get("x-meeting-token")):
            return JSONResponse({"error": "not allowed"}, status_code=403)
        return JSONResponse({"status": conv.status, "joined": conv.joined}, headers=HEADERS)

    def act(what: str):
        async def handler(request: Request) -> Response:
            conv = sim.state.conversations.get(request.path_params["cid"])
            if conv is None:
                return notice("This meeting does not exist", 404)
            given = (parse_qs((await request.body()).decode("utf-8", "replace")).get("t") or [None])[0]
            if not allowed(conv, given):
                return notice("You are not allowed to join this meeting", 403)
            if what == "join":
                sim.callbacks.join(conv)
            else:
                sim.callbacks.finish(conv, "leave")
            # back to the room with its token, or a private room would refuse its own page
            token = conv.body.get("meeting_token")
            again = f"/c/{conv.conversation_id}" + (f"?t={quote(token)}" if token else "")
            return RedirectResponse(again, status_code=303, headers=HEADERS)

        return handler

    return [
        Route("/c/{cid}", page, methods=["GET"]),
        Route("/c/{cid}/state", state, methods=["GET"]),
        Route("/c/{cid}/join", act("join"), methods=["POST"]),
        Route("/c/{cid}/leave", act("leave"), methods=["POST"]),
    ]


def e(text: object) -> str:
    return html.escape(str(text if text is not None else ""), quote=True)


def initials(name: str) -> str:
    words = [w for w in name.replace("-", " ").split() if w[:1].isalnum()]
    return "".join(w[0].upper() for w in words[:2]) or "AI"


def notice(title: str, status: int) -> HTMLResponse:
    body = f'<main class="end"><div class="brand">tavus</div><h1>{e(title)}</h1></main>'
    return HTMLResponse(document(title, body), status_code=status, headers=HEADERS)


def joined_at(conv: SimConversation) -> float | None:
    for event in conv.events:
        if event["event_type"] == "system.replica_joined":
            return datetime.fromisoformat(event["timestamp"].replace("Z", "+00:00")).timestamp()
    return None


def ended_at(conv: SimConversation) -> float | None:
    for event in conv.events:
        if event["event_type"] == "system.shutdown":
            return datetime.fromisoformat(event["timestamp"].replace("Z", "+00:00")).timestamp()
    return None


def room_html(sim: TavusSimulator, conv: SimConversation, token: str | None) -> str:
    name = conv.body.get("conversation_name") or conv.conversation_id
    replica = sim.state.replicas.get(conv.body.get("replica_id") or "", {})
    ai_name = (replica.get("replica_name") or "AI interviewer").split(" - ")[0]
    props = conv.body.get("properties") or {}
    cid, hidden = conv.conversation_id, f'<input type="hidden" name="t" value="{e(token)}">' if token else ""
    if conv.status != "active":
        return document(name, ended_html(conv, name))
    started = joined_at(conv)
    limit = props.get("max_call_duration")
    meta = [
        '<span class="rec">● REC</span>' if props.get("enable_recording") else "",
        f'<span class="limit">max {int(limit) // 60} min</span>' if limit else "",
    ]
    ai_tile = (
        f'<div class="tile ai"><div class="avatar">{e(initials(ai_name))}</div>'
        f'<div class="label">{e(ai_name)} · AI interviewer</div>'
        + ('<div class="speaking">in the call</div>' if started else '<div class="waiting">waiting</div>')
        + "</div>"
    )
    me_tile = (
        '<div class="tile me"><div class="avatar">You</div>'
        f'<div class="label">You · candidate{"" if started else " (camera preview)"}</div></div>'
    )
    if started:
        action = (
            f'<form method="post" action="/c/{e(cid)}/leave">{hidden}'
            '<button class="leave">Leave</button></form>'
        )
    else:
        action = (
            f'<form method="post" action="/c/{e(cid)}/join">{hidden}'
            '<button class="join">Join as the candidate</button></form>'
        )
    clock = "00:00" if started else "Lobby"
    timer = f'<span class="timer" id="timer" data-start="{started or ""}">{clock}</span>'
    body = (
        f'<main class="call" data-state="{"live" if started else "lobby"}">'
        f'<header><span class="brand">tavus</span><span class="name">{e(name)}</span>'
        f'<span class="meta">{"".join(meta)}{timer}</span></header>'
        f'<section class="tiles">{ai_tile}{me_tile}</section>'
        f"<footer>{action}</footer></main>" + script(cid, token, bool(started))
    )
    return document(name, body)


def ended_html(conv: SimConversation, name: str) -> str:
    reason = next(
        (
            ev["properties"].get("shutdown_reason")
            for ev in conv.events
            if ev["event_type"] == "system.shutdown"
        ),
        None,
    )
    start, end = joined_at(conv), ended_at(conv)
    took = ""
    if start and end:
        minutes, seconds = divmod(int(end - start), 60)
        took = f"<p>The call lasted {minutes:02d}:{seconds:02d}.</p>"
    return (
        f'<main class="end"><div class="brand">tavus</div><h1>The call has ended</h1>'
        f"<p>{e(ENDED_WORDS.get(reason or '', 'This conversation is over.'))}</p>{took}"
        f'<p class="small">{e(name)}</p></main>'
    )


def script(cid: str, token: str | None, live: bool) -> str:
    """The timer ticks; the page follows the call (joined or ended elsewhere) by reading its state."""
    return (
        "<script>(function(){"
        f"var cid={json.dumps(cid)},token={json.dumps(token or '')},live={json.dumps(live)};"
        "var timer=document.getElementById('timer');"
        "function tick(){var start=Number(timer.dataset.start);if(!start)return;"
        "var s=Math.max(0,Math.floor(Date.now()/1000-start));"
        "timer.textContent=String(Math.floor(s/60)).padStart(2,'0')+':'+String(s%60).padStart(2,'0');}"
        "tick();setInterval(tick,1000);"
        "setInterval(function(){fetch('/c/'+cid+'/state',{headers:{'X-Meeting-Token':token}})"
        ".then(function(r){return r.json();}).then(function(s){"
        "if(s.status!=='active'||s.joined!==live)location.reload();}).catch(function(){});},2000);"
        "})();</script>"
    )


STYLE = """
*{box-sizing:border-box}html,body{height:100%;margin:0}body{display:flow-root}
body{font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#111318;color:#f2f3f5}
.brand{font-weight:800;letter-spacing:.04em;color:#7c5cff}
.call{display:flex;flex-direction:column;height:100%}
.call header{display:flex;align-items:center;gap:16px;padding:14px 22px;border-bottom:1px solid #23262e}
.call header .name{font-weight:600;flex:1;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.meta{display:flex;gap:12px;align-items:center;font-size:14px;color:#b7bcc7}
.rec{color:#ff4d4f;font-weight:700}.timer{font-variant-numeric:tabular-nums;background:#23262e;
padding:3px 10px;border-radius:12px;color:#fff}
.tiles{flex:1;display:grid;grid-template-columns:1fr 1fr;gap:16px;padding:22px;min-height:0}
.tile{position:relative;border-radius:14px;background:linear-gradient(160deg,#2a2f3a,#1b1e25);
display:flex;align-items:center;justify-content:center;overflow:hidden;border:2px solid transparent}
.tile.ai{background:linear-gradient(160deg,#3b2f73,#1d1b33)}
[data-state=live] .tile.ai{border-color:#7c5cff}
.avatar{width:120px;height:120px;border-radius:50%;display:flex;align-items:center;justify-content:center;
font-size:36px;font-weight:700;background:#4a4f5c;color:#fff}
.tile.ai .avatar{background:#7c5cff}
.label{position:absolute;left:14px;bottom:12px;background:rgba(0,0,0,.55);padding:4px 10px;
border-radius:8px;font-size:14px}
.speaking,.waiting{position:absolute;right:14px;top:12px;font-size:13px;padding:3px 9px;border-radius:10px}
.speaking{background:#1f7a4d}.waiting{background:#3a3f4b;color:#cfd3db}
.call footer{display:flex;justify-content:center;padding:18px;border-top:1px solid #23262e}
button{font:inherit;font-weight:700;border:0;border-radius:24px;padding:12px 30px;cursor:pointer;color:#fff}
button.join{background:#7c5cff}button.leave{background:#e5484d}
button:focus{outline:3px solid #f5a524;outline-offset:2px}
.end{max-width:34rem;margin:12vh auto;padding:2rem;text-align:center;background:#1b1e25;border-radius:16px}
.end h1{font-size:1.6rem;margin:.6rem 0}.end .small{color:#9aa0ab;font-size:14px}
@media (max-width:700px){.tiles{grid-template-columns:1fr}.avatar{width:80px;height:80px;font-size:26px}}
"""


def document(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(title)}</title><style>{STYLE}</style></head><body>{body}</body></html>"
    )
