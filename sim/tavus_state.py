"""In-memory state of the Tavus simulator: accounts, personas, conversations, faults."""

from __future__ import annotations

import secrets
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

STOCK_REPLICAS = [
    ("rfe12d8b9597", "Nathan - Office", "phoenix-3"),
    ("rf4e9d9790f0", "Anna - Studio", "phoenix-3"),
    ("r5f0577fc829", "Carter - Lounge", "phoenix-4"),
    ("r90bbd427f71", "Olivia - Desk", "phoenix-4"),
    ("re8e740a42", "Benjamin - Library", "phoenix-3"),
]

SHUTDOWN_REASONS = {
    "end": "end_conversation_endpoint_hit",
    "leave": "participant_left_timeout reached",
    "absent": "participant_absent_timeout reached",
    "timeout": "max_call_duration reached",
    "error": "exception_encountered_during_conversation_startup",
}


PUBLIC_CONVERSATION_FIELDS = (
    "conversation_id",
    "conversation_name",
    "conversation_url",
    "callback_url",
    "replica_id",
    "persona_id",
    "created_at",
    "updated_at",
)


# the API key of the request being served: each key is an account, which sees only its own objects
CALLER: ContextVar[str | None] = ContextVar("tavus_sim_caller", default=None)


def present(row: dict[str, Any]) -> dict[str, Any]:
    """`row` without the fields that have no value: the 2026 file types them (callback_url, a
    string), and null is none of its types."""
    return {k: v for k, v in row.items() if v is not None}


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def new_id(prefix: str, hex_chars: int = 9) -> str:
    return prefix + secrets.token_hex(8)[:hex_chars]


@dataclass
class Fault:
    """One injected failure for requests matching method and path prefix."""

    method: str
    path: str
    kind: str = "status"  # status | status_after (act, then answer status) | stall_after | drop | reset
    status: int = 500
    body: dict[str, Any] | None = None
    retry_after: str | None = None
    times: int = 1
    seconds: float = 0.0

    def matches(self, method: str, path: str) -> bool:
        return self.times > 0 and self.method in ("*", method) and path.startswith(self.path)


@dataclass
class SimConversation:
    conversation_id: str
    body: dict[str, Any]
    status: str = "active"
    joined: bool = False
    events: list[dict[str, Any]] = field(default_factory=list)
    app_messages: list[dict[str, Any]] = field(default_factory=list)  # what send-app-message received
    app_message_times: list[float] = field(default_factory=list)  # for the per-minute rate

    def public(self, verbose: bool = False) -> dict[str, Any]:
        """The fields tavus-api.md lists for GET /v2/conversations/{id}."""
        # a field Tavus has no value for is left out: the file types each as a string, never null
        out = {k: self.body[k] for k in PUBLIC_CONVERSATION_FIELDS if self.body.get(k) is not None}
        out["status"] = self.status
        if verbose:
            out["events"] = list(self.events)
        return out


@dataclass
class TavusState:
    api_key: str = "sim-tavus-key"
    extra_keys: list[str] = field(default_factory=list)  # other accounts' keys (per-workspace keys)
    concurrency_limit: int = 3
    credits: int | None = None  # None: unlimited
    rate_limit_per_second: float | None = None
    time_scale: float = 1.0  # multiply Tavus's timers (max_call_duration, absent timeout)
    callback_mode: str = "normal"  # normal | duplicate | reverse | drop
    transcript_pairs: int = 4  # question/answer pairs in the generated transcript
    document_seconds: float = 0.2  # each document step (started → processing → ready/error) takes this
    document_outcome: str = "ready"  # ready | error: how the next documents finish
    document_error: str = "file_download_failed"  # error_message when document_outcome is error
    persona_answer: str = (
        "flat"  # flat (tavus-api.md) | wrapped: GET persona as {"data": [persona]} (2026 file)
    )
    recording_form: str = "current"  # current: storage_provider, storage_uri | old: bucket_name, s3_key
    app_message_rate_per_minute: int = 120  # per conversation; beyond it send-app-message answers 429
    personas: dict[str, dict[str, Any]] = field(default_factory=dict)
    objectives: dict[str, dict[str, Any]] = field(default_factory=dict)  # objectives_id → set
    guardrails: dict[str, dict[str, Any]] = field(default_factory=dict)  # guardrails_id → set
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    conversations: dict[str, SimConversation] = field(default_factory=dict)
    replicas: dict[str, dict[str, Any]] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    latency: list[tuple[str, str, float]] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    callbacks_sent: list[dict[str, Any]] = field(default_factory=list)
    owners: dict[str, str] = field(default_factory=dict)  # object id → the key (account) that made it

    def __post_init__(self) -> None:
        if not self.replicas:
            for rid, name, model in STOCK_REPLICAS:
                self.replicas[rid] = {
                    "replica_id": rid,
                    "replica_name": name,
                    "status": "ready",
                    "training_progress": "100/100",
                    "model_name": model,
                    "replica_type": "system",
                    "thumbnail_video_url": f"https://example.invalid/{rid}.mp4",
                    "created_at": "2025-01-01T00:00:00Z",
                }

    def own(self, oid: str) -> None:
        """The object `oid` belongs to the account of the request being served."""
        if key := CALLER.get():
            self.owners[oid] = key

    def visible(self, oid: str) -> bool:
        """Whether the caller's account may see `oid` (objects a test put in directly: everyone)."""
        owner, key = self.owners.get(oid), CALLER.get()
        return owner is None or key is None or owner == key

    def mine(self, table: dict[str, Any]) -> dict[str, Any]:
        """The part of `table` the caller's account owns."""
        return {oid: value for oid, value in table.items() if self.visible(oid)}

    def active_count(self) -> int:
        """Active conversations of the caller's account (its concurrency limit is its own)."""
        return sum(1 for c in self.mine(self.conversations).values() if c.status == "active")

    def take_fault(self, method: str, path: str) -> Fault | None:
        for fault in self.faults:
            if fault.matches(method, path):
                fault.times -= 1
                return fault
        return None

    def delay_for(self, method: str, path: str) -> float:
        return sum(s for m, p, s in self.latency if m in ("*", method) and path.startswith(p))
