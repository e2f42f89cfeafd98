"""manifest.yml agrees with the code: command, URLs, events, scopes."""

from pathlib import Path

import pytest
import yaml

from bot.app import BOT_SCOPES, create_app
from handlers import register_listeners
from tests.conftest import make_settings

ROOT = Path(__file__).resolve().parents[1]


def manifest() -> dict:
    return yaml.safe_load((ROOT / "manifest.yml").read_text())


class RecordingBolt:
    """The real Bolt app, noting the event types its listeners are registered for."""

    def __init__(self, bolt) -> None:
        self.bolt, self.events, self.functions = bolt, [], []

    def event(self, event, *args, **kwargs):
        self.events.append(event)
        return self.bolt.event(event, *args, **kwargs)

    def function(self, callback_id, *args, **kwargs):
        self.events.append("function_executed")  # Slack delivers a step as this event
        self.functions.append(callback_id)
        return self.bolt.function(callback_id, *args, **kwargs)

    def __getattr__(self, name: str):
        return getattr(self.bolt, name)


@pytest.fixture
def registered(tmp_path, tavus, slack) -> RecordingBolt:
    """What the app registers with Bolt, as the app itself registers it."""
    recordings: list[RecordingBolt] = []

    def listeners(bolt, deps) -> None:
        recordings.append(RecordingBolt(bolt))
        register_listeners(recordings[0], deps)

    app = create_app(make_settings(tmp_path, tavus, slack), reconcile=False, listeners=listeners)
    app.state.deps.store.close()
    return recordings[0]


@pytest.fixture
def handled_events(registered) -> set[str]:
    """The Events API types the app has listeners for."""
    seen = registered.events
    assert all(isinstance(e, str) for e in seen), seen  # plain types: a manifest lists names
    return set(seen)


# Workflow Builder's parameter types (Slack's "custom steps" and manifest references)
STEP_TYPES = {
    "string",
    "integer",
    "number",
    "boolean",
    "timestamp",
    "object",
    "array",
    "slack#/types/user_id",
    "slack#/types/channel_id",
    "slack#/types/timestamp",
    "slack#/types/date",
    "slack#/types/rich_text",
    "slack#/types/usergroup_id",
    "slack#/types/message_ts",
    "slack#/types/interactivity",
}


def test_manifest_declares_the_workflow_steps_the_app_runs(registered):
    manifest_ = manifest()
    functions = manifest_["functions"]
    assert set(functions) == set(registered.functions) == {"send_ai_interview", "wait_for_ai_interview"}
    assert manifest_["settings"]["org_deploy_enabled"] is True  # custom steps need an org-ready app
    assert manifest_["settings"]["function_runtime"] == "remote"
    for callback_id, spec in functions.items():
        assert set(spec) <= {"title", "description", "input_parameters", "output_parameters"}, callback_id
        assert 0 < len(spec["title"]) <= 255 and len(spec["description"]) <= 255
        for side in ("input_parameters", "output_parameters"):
            properties, required = spec[side]["properties"], spec[side].get("required", [])
            assert properties and set(required) <= set(properties), (callback_id, side)
            for name, param in properties.items():
                assert param["type"] in STEP_TYPES, (callback_id, name)
                assert set(param) <= {"type", "title", "description", "hint", "default"}, (callback_id, name)


def test_manifest_subscribes_only_to_events_the_app_handles(handled_events):
    bot_events = manifest()["settings"]["event_subscriptions"]["bot_events"]
    assert "app_home_opened" in handled_events
    assert set(bot_events) <= handled_events  # Slack would send what nobody listens to


def test_manifest_subscribes_to_every_event_the_app_handles(handled_events):
    bot_events = manifest()["settings"]["event_subscriptions"]["bot_events"]
    assert handled_events <= set(bot_events)  # a handler Slack never calls is dead code
    assert {"app_uninstalled", "tokens_revoked"} <= handled_events  # clean-up when a workspace leaves


def test_manifest_matches_the_app():
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text())
    command = manifest["features"]["slash_commands"][0]
    assert command["command"] == "/tavus" and command["should_escape"] is True
    settings = manifest["settings"]
    urls = [
        command["url"],
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
    ]
    assert all(url.startswith("https://") and url.endswith("/slack/events") for url in urls)
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    # the manifest's structure as ../shared/slack-notes.md documents it (no internet for Slack's schema)
    assert set(manifest) <= {
        "_metadata",
        "display_information",
        "features",
        "oauth_config",
        "settings",
        "functions",
    } and set(settings) <= {
        "event_subscriptions",
        "interactivity",
        "socket_mode_enabled",
        "org_deploy_enabled",
        "token_rotation_enabled",
        "function_runtime",
    }
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == set(BOT_SCOPES)  # what OAuth asks for too
    assert {"commands", "chat:write", "chat:write.public", "im:write", "users:read"} <= set(BOT_SCOPES)
    for limit, text in (
        (35, manifest["display_information"]["name"]),
        (80, manifest["features"]["bot_user"]["display_name"]),
    ):
        assert len(text) <= limit


def test_procfile_declares_the_web_and_the_worker_process():
    lines = (ROOT / "Procfile").read_text().strip().splitlines()
    assert lines == ["web: tavus-slack web", "worker: tavus-slack worker"]
    from bot.cli import parser

    for line in lines:  # each is a command the CLI knows
        assert parser().parse_args([line.split()[-1]]).command == line.split()[-1]
