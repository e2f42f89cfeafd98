"""Issue 24: the notice the candidate reads before Start, and the boxes the policy in force asks
them to tick. The notice is plain sentences: the page shows exactly these, and a consent receipt
keeps their SHA-256 and NOTICE_VERSION (change the wording: bump the version)."""

from __future__ import annotations

import hashlib
import html
import json
from dataclasses import dataclass, field

from bot.policy import CONSENTS, policy_for
from bot.services.starting.invite_flow import REQUESTS

NOTICE_VERSION = "v1"

ANALYSIS = {  # exactly what each perception model analyses (Tavus's Perception page)
    "off": "Your video and voice are not analysed: nothing reads your expressions or emotions; "
    "only your words (the transcript) are evaluated.",
    "raven-0": "Your video is analysed by the AI (Tavus Raven-0): what your camera and any shared "
    "screen show, such as your expressions and attention; a written summary goes to the hiring team.",
    "raven-1": "Your video is analysed by the AI (Tavus Raven-1): what your camera and any shared "
    "screen show, such as your expressions and attention, and your voice for emotion and tone; "
    "a written summary goes to the hiring team.",
}


@dataclass
class Notice:
    sentences: list[str]
    boxes: dict[str, str]  # what must be ticked: key → its label
    policy: str
    topics: list[str] = field(default_factory=list)

    @property
    def sha256(self) -> str:
        text = "\n".join([NOTICE_VERSION, *self.sentences, *self.topics, *self.boxes.values()])
        return hashlib.sha256(text.encode()).hexdigest()


def build_notice(
    request: dict, *, policy: str | None, team: str, consent: str | None, retention_days: int
) -> Notice:
    """The notice for an invite, from what was stored with it at creation (services/starting/invites.py)."""
    rules = policy_for(policy)
    owner = request.get("owner_name") or "the person who invited you"
    model = request.get("perception_model") or ("raven-0" if request.get("perception") else "off")
    topics = [str(t) for t in request.get("topics") or []]
    sentences = [
        "You will talk with an AI interviewer (a video avatar made by Tavus), not a person.",
        f"It lasts at most {request.get('minutes') or 30} minutes.",
        "It evaluates your answers on the topics below, from the interview plan."
        if topics
        else "It evaluates your answers to its questions about the role.",
        "What you say is transcribed (a written record)."
        + (
            " The call is recorded (video and audio)."
            if request.get("recording")
            else " The call is not recorded as video."
        ),
        ANALYSIS.get(model, ANALYSIS["raven-1"]),
        f"Who receives the results: {owner} and the hiring team at {team}, in Slack. Tavus runs the call.",
        f"How long they are kept: {retention_days} days, then deleted.",
        "The AI's report is advisory: a person decides.",
        "Your rights: you may ask for an interview with a person instead, or for an accommodation "
        f"(below); you may ask to see the data kept about you, and to have it erased. Contact {owner} "
        f"at {team}.",
        f"Rules applied: {rules.label}.",
    ]
    if consent:
        sentences.append(consent)
    on = {"ai": True, "recording": bool(request.get("recording")), "analysis": model != "off"}
    boxes = {key: CONSENTS[key] for key in rules.consent_required if on[key]}
    return Notice(sentences, boxes, rules.key, topics)


def e(text: object) -> str:
    return html.escape(str(text or ""), quote=True)


def notice_html(notice: Notice) -> str:
    """The notice as the page shows it: each sentence as written (escaped), the plan's topics."""
    items = "".join(f"<li>{e(s)}</li>" for s in notice.sentences)
    topics = "".join(f"<li>{e(t)}</li>" for t in notice.topics)
    return (
        f"<h2>What will happen</h2><ul>{items}</ul>"
        + (f"<h2>What the AI evaluates</h2><ul>{topics}</ul>" if topics else "")
        + "<p>You need a camera, a microphone and a quiet place.</p>"
    )


def start_form(token: str, notice: Notice) -> str:
    """Start, behind the boxes the policy asks for (unticked: the candidate ticks each)."""
    boxes = "".join(
        f'<p><label><input type="checkbox" name="consent" value="{e(key)}"> {e(label)}</label></p>'
        for key, label in notice.boxes.items()
    )
    return (
        f'<form method="post" action="/i/{e(token)}"><input type="hidden" name="notice" '
        f'value="{e(notice.sha256)}">{boxes}<button>Start the interview</button></form>'
    )


def ask_form(token: str) -> str:
    """Issue 24: the alternative to the AI interview, and accommodations; the words are optional."""
    return (
        "<h2>Prefer a person, or need an accommodation?</h2>"
        f'<form method="post" action="/i/{e(token)}"><p><label>Anything we should know (optional)<br>'
        '<textarea name="words" rows="3" cols="40" maxlength="1000"></textarea></label></p>'
        '<p><button name="ask" value="person">I\'d prefer an interview with a person</button></p>'
        '<p><button name="ask" value="accommodation">I need an accommodation</button></p></form>'
    )


def paused_html(seen) -> str:
    """What happens next once the candidate asked (the invite is paused: Start creates nothing)."""
    invite = seen.invite or {}
    request = json.loads(invite.get("request") or "{}")
    owner = request.get("owner_name") or "the person who invited you"
    what = REQUESTS.get(invite.get("request_kind") or "", "another arrangement")
    return (
        f'<p role="status">You asked for {e(what)}. We told {e(owner)}, who will contact you to '
        "arrange it. The AI interview will not start from this link; you need do nothing more now.</p>"
    )
