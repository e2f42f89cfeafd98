"""Objective and guardrail events: what Tavus reports while a call runs, read whatever the shape.

Tavus documents the in-call events (`conversation.objective.completed` `{objective_name,
output_variables}`, a guardrail trigger with `guardrail_name` or `guardrail`, a `reason` and an id)
but not the server callbacks that carry them. We accept any `event_type` containing `objective`
or `guardrail`, with the fields under `properties` (the usual envelope) or at the top level;
anything else yields None, never an exception.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from bot.tavus.models import CallbackEvent

NOT_COMPLETIONS = ("activat", "pending")  # objective.activated / objective.pending


class ObjectiveCompletion(NamedTuple):
    objective_name: str
    output_variables: dict[str, Any]


class GuardrailTrigger(NamedTuple):
    guardrail_name: str
    reason: str | None  # what triggered it, in Tavus's words
    guardrail_id: str | None


def read_event(body: Any) -> CallbackEvent | None:
    """A callback body as a CallbackEvent, or None when it lacks a conversation id or event type."""
    if not isinstance(body, dict):
        return None
    props = body.get("properties")
    cid, kind = body.get("conversation_id"), body.get("event_type")
    if not (isinstance(cid, str) and cid and isinstance(kind, str) and kind):
        return None
    fixed = {**body, "properties": props if isinstance(props, dict) else {}}
    try:
        return CallbackEvent.model_validate(fixed)
    except ValueError:
        return None


def objective_completion(event: CallbackEvent | dict[str, Any]) -> ObjectiveCompletion | None:
    """(objective name, output variables) when this event reports a completed objective."""
    kind, fields = _kind_and_fields(event)
    if "objective" not in kind or any(word in kind for word in NOT_COMPLETIONS):
        return None
    name = _name(fields, "objective_name", "objective", "name")
    if name is None:
        return None
    return ObjectiveCompletion(name, _variables(fields.get("output_variables")))


def guardrail_trigger(event: CallbackEvent | dict[str, Any]) -> GuardrailTrigger | None:
    """(guardrail name, what triggered it, its id) when this event reports a tripped guardrail."""
    kind, fields = _kind_and_fields(event)
    if "guardrail" not in kind:
        return None
    name = _name(fields, "guardrail_name", "guardrail", "name")
    if name is None:
        return None
    reason = _text(fields, "reason", "trigger", "triggered_by", "message", "utterance")
    ident = _text(fields, "guardrail_id", "guardrails_id", "id")
    nested = fields.get("guardrail")
    if ident is None and isinstance(nested, dict):
        ident = _text(nested, "guardrail_id", "guardrails_id", "id")
    return GuardrailTrigger(name, reason, ident)


def _kind_and_fields(event: CallbackEvent | dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The lower-cased event type and the fields, `properties` winning over the top level."""
    body = event.model_dump() if isinstance(event, CallbackEvent) else event
    if not isinstance(body, dict):
        return "", {}
    props = body.get("properties")
    kind = body.get("event_type")
    fields = {**body, **(props if isinstance(props, dict) else {})}
    return (kind.lower() if isinstance(kind, str) else ""), fields


def _name(fields: dict[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = fields.get(key)
        if isinstance(value, dict):  # {"guardrail": {"guardrail_name": ...}}
            value = _name(value, *keys)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _text(fields: dict[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = fields.get(key)
        if isinstance(value, str | int | float) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()
    return None


def _variables(value: Any) -> dict[str, Any]:
    """Output variables as {name: value}; a list of {name, value} pairs is accepted too."""
    if isinstance(value, dict):
        return {str(k): v for k, v in value.items()}
    if isinstance(value, list):
        pairs = {}
        for item in value:
            if isinstance(item, dict):
                key = item.get("name") or item.get("variable") or item.get("key")
                if isinstance(key, str):
                    pairs[key] = item.get("value")
        return pairs
    return {}


STORAGE = {"s3": "Amazon S3", "gcs": "Google Cloud Storage", "azure_blob": "Azure Blob Storage"}


class Recording(NamedTuple):
    """Where `application.recording_ready` says the recording is."""

    url: str | None  # an https link a person can open
    where: str | None  # a storage path (s3://…, gs://…) when there is no link
    storage: str | None  # the storage's name in words, when Tavus named it
    seconds: int | None


def recording_ready(props: dict[str, Any]) -> Recording:
    """The current form (`storage_provider`, `storage_uri`) or the older one (`bucket_name`,
    `s3_key`, `duration`), and the link some answers carry."""
    links = [props.get(k) for k in ("recording_url", "download_url", "url", "storage_uri")]
    url = next((v for v in links if isinstance(v, str) and v.startswith("https://")), None)
    where = props.get("storage_uri") or (
        f"s3://{props.get('bucket_name')}/{props.get('s3_key')}" if props.get("s3_key") else None
    )
    provider = str(props.get("storage_provider") or ("s3" if props.get("s3_key") else "")).lower()
    duration = props.get("duration")
    seconds = int(duration) if isinstance(duration, int | float) and 0 <= duration < 86_400 * 7 else None
    path = str(where) if where and not url else None
    return Recording(url, path, STORAGE.get(provider, provider or None), seconds)
