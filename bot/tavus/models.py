"""Pydantic models for what we send to Tavus and what it answers.

Answers keep unknown fields (`extra="allow"`): Tavus adds fields without notice.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, model_validator

MAX_CALL_SECONDS = 3600  # Tavus's own cap on max_call_duration
SMART_TURN_MODEL = "sparrow-1"  # current turn detection; stt.smart_turn_detection is the legacy form


class TavusModel(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    def to_json(self) -> dict[str, Any]:
        """The body Tavus expects: unset fields left out."""
        return self.model_dump(mode="json", exclude_none=True)


class PerceptionLayer(TavusModel):
    perception_model: str | None = None  # raven-0, raven-1, basic, off
    ambient_awareness_queries: list[str] | None = None
    perception_analysis_queries: list[str] | None = None
    perception_tool_prompt: str | None = None
    perception_tools: list[dict[str, Any]] | None = None


class SttLayer(TavusModel):
    stt_engine: str | None = None
    hotwords: str | list[str] | None = None  # a string in Tavus's docs, a list in some specs
    smart_turn_detection: bool | None = None  # the quickstart's older form


class ConversationalFlowLayer(TavusModel):
    """Sending any one field turns the others on with Tavus's defaults."""

    turn_detection_model: str | None = None  # sparrow-1, sparrow-0 (older docs: time-based)
    turn_taking_patience: Literal["low", "medium", "high"] | None = None
    replica_interruptibility: Literal["low", "medium", "high"] | None = None
    voice_isolation: str | None = None  # off | near
    idle_engagement: str | None = None  # off | patient | eager


class LlmLayer(TavusModel):
    model: str | None = None
    base_url: str | None = None
    api_key: str | None = Field(None, repr=False)  # a bring-your-own LLM key: keep out of reprs
    speculative_inference: bool | None = None
    tools: list[dict[str, Any]] | None = None


class TtsLayer(TavusModel):
    tts_engine: str | None = None
    external_voice_id: str | None = None
    tts_model_name: str | None = None
    tts_emotion_control: bool | str | None = None
    voice_settings: dict[str, Any] | None = None


class Layers(TavusModel):
    perception: PerceptionLayer | None = None
    stt: SttLayer | None = None
    conversational_flow: ConversationalFlowLayer | None = None
    llm: LlmLayer | None = None
    tts: TtsLayer | None = None

    def uses_perception(self) -> bool:
        model = self.perception.perception_model if self.perception else None
        return model not in (None, "", "off")

    def smart_turn_detection(self) -> bool:
        """Whether smart turn-taking is on, in the current form (a sparrow model) or the legacy one."""
        flow = self.conversational_flow.turn_detection_model if self.conversational_flow else None
        legacy = self.stt.smart_turn_detection if self.stt else None
        return bool(legacy) or str(flow or "").startswith("sparrow")

    @classmethod
    def with_smart_turns(cls, on: bool, **layers: Any) -> Layers:
        """Layers asking for the current smart turn-taking when `on` (never the legacy field)."""
        flow = ConversationalFlowLayer(turn_detection_model=SMART_TURN_MODEL) if on else None
        return cls(conversational_flow=flow, **layers)


class PersonaCreate(TavusModel):
    persona_name: str | None = None
    system_prompt: str | None = None
    context: str | None = None
    pipeline_mode: Literal["full", "echo"] = "full"
    default_replica_id: str | None = None
    document_ids: list[str] | None = None
    document_tags: list[str] | None = None
    objectives_id: str | None = None
    guardrails_id: str | None = None
    layers: Layers | None = None

    @model_validator(mode="after")
    def _echo_has_no_perception_or_stt(self) -> PersonaCreate:
        conflict = echo_conflict(self.pipeline_mode, self.layers)
        if conflict:
            raise ValueError(conflict)
        return self


def echo_conflict(pipeline_mode: str, layers: Layers | None) -> str | None:
    """Tavus warns that echo mode cannot run the perception or speech-recognition layers."""
    if pipeline_mode != "echo" or layers is None:
        return None
    if layers.uses_perception():
        return "echo mode cannot be combined with a perception model"
    if layers.stt is not None and layers.stt.to_json():
        return "echo mode cannot be combined with speech recognition settings"
    return None


class Persona(TavusModel):
    persona_id: str = Field(validation_alias=AliasChoices("persona_id", "pal_id"))  # Tavus's new name
    persona_name: str | None = Field(None, validation_alias=AliasChoices("persona_name", "pal_name"))
    system_prompt: str | None = None
    context: str | None = None
    pipeline_mode: str | None = None
    default_replica_id: str | None = Field(
        None, validation_alias=AliasChoices("default_replica_id", "default_face_id")
    )
    document_ids: list[str] | None = None
    document_tags: list[str] | None = None
    objectives_id: str | None = None
    guardrails_id: str | None = Field(None, validation_alias=AliasChoices("guardrails_id", "guardrail_id"))
    layers: Layers | None = None
    created_at: str | None = None
    updated_at: str | None = None


class PatchOperation(TavusModel):
    """One RFC 6902 operation."""

    op: Literal["add", "remove", "replace", "copy", "move", "test"]
    path: str
    value: Any = None
    from_: str | None = Field(None, alias="from")

    def to_json(self) -> dict[str, Any]:
        body = self.model_dump(mode="json", by_alias=True, exclude_none=True)
        if self.op in ("add", "replace", "test"):
            body["value"] = self.value  # null is a legitimate value for these
        return body


class Replica(TavusModel):
    replica_id: str
    replica_name: str | None = None
    status: str | None = None
    training_progress: str | None = None
    thumbnail_video_url: str | None = None
    model_name: str | None = None
    replica_type: str | None = None
    created_at: str | None = None


class ConversationProperties(TavusModel):
    max_call_duration: int | None = Field(None, ge=10, le=MAX_CALL_SECONDS)
    participant_left_timeout: int | None = Field(None, ge=0)
    participant_absent_timeout: int | None = Field(None, ge=0)
    enable_recording: bool | None = None
    enable_closed_captions: bool | None = None
    apply_greenscreen: bool | None = None
    language: str | None = None


class ConversationCreate(TavusModel):
    persona_id: str | None = None
    replica_id: str | None = None
    conversation_name: str | None = None
    conversational_context: str | None = None
    custom_greeting: str | None = None
    callback_url: str | None = None
    audio_only: bool | None = None
    test_mode: bool | None = None
    require_auth: bool | None = None
    max_participants: int | None = Field(None, ge=2)
    document_ids: list[str] | None = None
    document_tags: list[str] | None = None
    document_retrieval_strategy: Literal["speed", "quality", "balanced"] | None = None
    memory_stores: list[str] | None = None
    properties: ConversationProperties | None = None


class CallbackEvent(TavusModel):
    """The envelope Tavus POSTs to callback_url, also listed in a verbose conversation."""

    conversation_id: str
    event_type: str
    message_type: str | None = None
    timestamp: str | None = None
    webhook_url: str | None = None
    properties: dict[str, Any] = Field(default_factory=dict)


class Conversation(TavusModel):
    conversation_id: str
    conversation_name: str | None = None
    conversation_url: str | None = None
    status: str | None = None
    callback_url: str | None = None
    replica_id: str | None = Field(None, validation_alias=AliasChoices("replica_id", "face_id"))
    persona_id: str | None = Field(None, validation_alias=AliasChoices("persona_id", "pal_id"))
    meeting_token: str | None = Field(None, repr=False)  # only with require_auth; lets anyone join
    created_at: str | None = None
    updated_at: str | None = None
    events: list[CallbackEvent] | None = None

    def join_url(self) -> str | None:
        """The URL to join with: a private room (require_auth) needs `?t=<meeting_token>`."""
        if not self.conversation_url or not self.meeting_token:
            return self.conversation_url
        sep = "&" if "?" in self.conversation_url else "?"
        return f"{self.conversation_url}{sep}t={self.meeting_token}"
