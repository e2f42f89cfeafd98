"""Plain records every layer may pass around: the store's rows as dataclasses, and the services'
results the Slack builders draw (a start's outcome, a funnel). Imports nothing of bot/, so
handlers/ and bot/slack/ take records from here and never import bot.store or bot.services."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, fields
from statistics import median
from typing import Any

ACTIVE = ("waiting", "live")
FINAL = ("ended", "failed")
INVITED = "invited"  # issue 14: an invite waiting for its candidate; no Tavus conversation yet
DECISIONS = ("advance", "hold", "reject")  # issue 25: what a recruiter decides
FORGOTTEN = "forgotten:"  # a forgotten conversation's token_hash starts so (its callback URL dies)


def marker_for(token: str) -> str:
    """A reference derived from the token that Tavus echoes back (in the callback URL), so a create
    whose answer was lost can be found again; it says nothing of the token itself."""
    return "ref-" + hashlib.sha256(token.encode()).hexdigest()[:10]


class _Record:
    @classmethod
    def from_row(cls, row: dict[str, Any] | None):
        if row is None:
            return None
        names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        return cls(**{k: v for k, v in row.items() if k in names})


@dataclass(slots=True)
class PersonaRecord(_Record):
    persona_id: str
    team_id: str
    owner_id: str
    name: str
    created_at: str
    enterprise_id: str | None = None
    pipeline_mode: str = "full"
    replica_id: str | None = None
    perception_model: str | None = None
    shared: int = 0
    deleted_at: str | None = None
    objectives_id: str | None = None  # issue 15: the interview plan at Tavus
    guardrails_id: str | None = None
    document_id: str | None = None
    document_status: str | None = None  # Tavus's: started, processing, ready, error, recrawling
    document_error: str | None = None  # Tavus's error code when it failed
    document_hook: str | None = None  # sha256 of the document callback URL's token
    document_checked_at: str | None = None
    tavus_account: str | None = None  # issue 23: the fingerprint of the key it was made with
    guardrail_words: str | None = None  # issue 22: JSON {guardrail name: the recruiter's words}


@dataclass(slots=True)
class ConversationRecord(_Record):
    token: str
    team_id: str
    owner_id: str
    status: str
    created_at: str
    conversation_id: str | None = None
    enterprise_id: str | None = None
    persona_id: str | None = None
    persona_name: str | None = None
    channel_id: str | None = None
    message_ts: str | None = None
    url: str | None = None
    name: str | None = None
    candidate_id: str | None = None
    request_key: str | None = None
    live_at: str | None = None
    ended_at: str | None = None
    shutdown_reason: str | None = None
    ended_by: str | None = None
    error: str | None = None
    updated_at: str | None = None
    call_id: str | None = None
    token_hash: str | None = None
    card_status: str | None = None
    candidate_name: str | None = None  # issue 14: an external candidate, or a Slack user's name
    candidate_email: str | None = None
    opens_at: str | None = None  # an invite's window
    expires_at: str | None = None
    ref: str | None = None  # a public reference (ref-…) for buttons and commands, safe to show
    tavus_account: str | None = None  # issue 23: the fingerprint of the key it was made with
    recording: int | None = None  # issue 22: 1 recorded, 0 not, None not known (older rows)
    seconds_used: int | None = None  # issue 25: Tavus time, live to end, settled once it ended
    opening_id: str | None = None  # issue 25: the opening (role) it interviews for
    policy: str | None = None  # issue 24: the legal policy in force (bot/policy.py), fixed at start

    @property
    def has_candidate(self) -> bool:
        """An interview with a candidate is private: no room or invite link on its card."""
        return bool(self.candidate_id or self.candidate_name)

    @property
    def forgotten(self) -> bool:
        """Erased by `forget`: its jobs post nothing more (bot/store/erasure.py)."""
        return (self.token_hash or "").startswith(FORGOTTEN)


def name_key(name: str) -> str:
    """An opening's name as it is looked up: any case, any spacing."""
    return " ".join(name.split()).casefold()


@dataclass(slots=True)
class OpeningRecord(_Record):
    """Issue 25: a role; its interviews are grouped and compared. `owner_id` decides with admins."""

    id: str
    team_id: str
    name: str
    persona_id: str
    owner_id: str
    created_at: str
    job_description: str | None = None


class DuplicateRequest(Exception):
    """The same request key was already used: `existing` is what it started."""

    def __init__(self, existing: ConversationRecord) -> None:
        super().__init__(existing.token)
        self.existing = existing


@dataclass
class StartOutcome:
    """What starting an interview came to (bot/services/starting/interviews.py), for its notice."""

    conv: ConversationRecord | None = None
    error: str | None = None  # Tavus refused or failed: nothing is running
    post_error: str | None = None  # running, but the card could not go to the channel
    duplicate: bool = False
    running: list[ConversationRecord] = field(default_factory=list)  # at the concurrency limit
    link: str | None = None  # issue 14: the private invite or room link, for the owner only


def median_hours(seconds: list[int]) -> float | None:
    return round(median(seconds) / 3600, 1) if seconds else None


@dataclass
class Funnel:
    """Issue 25: an opening's (or persona's) funnel, counted in bot/services/decisions/funnel.py."""

    key: str
    label: str
    invited: int = 0
    started: int = 0
    completed: int = 0
    no_show: int = 0
    expired: int = 0
    alternative_asked: int = 0
    decided: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DECISIONS, 0))
    seconds: int = 0
    to_start: list[int] = field(default_factory=list)  # seconds from invite to join
    to_decision: list[int] = field(default_factory=list)  # seconds from end to first decision
    stages: dict[str, list[str | None]] = field(default_factory=dict)  # stage → its decisions

    @property
    def decided_total(self) -> int:
        return sum(self.decided.values())

    @property
    def completion_rate(self) -> float:
        return self.completed / self.invited if self.invited else 0.0

    @property
    def minutes(self) -> float:
        return self.seconds / 60

    @property
    def start_hours(self) -> float | None:
        return median_hours(self.to_start)

    @property
    def decision_hours(self) -> float | None:
        return median_hours(self.to_decision)
