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
        self.bolt, self.events = bolt, []

    def event(self, event, *args, **kwargs):
        self.events.append(event)
        return self.bolt.event(event, *args, **kwargs)

    def __getattr__(self, name: str):
        return getattr(self.bolt, name)


@pytest.fixture
def handled_events(tmp_path, tavus, slack) -> set[str]:
    """The Events API types the app has listeners for, as the app itself registers them."""
    seen: list = []

    def listeners(bolt, deps) -> None:
        recording = RecordingBolt(bolt)
        register_listeners(recording, deps)
        seen.extend(recording.events)

    app = create_app(make_settings(tmp_path, tavus, slack), reconcile=False, listeners=listeners)
    app.state.deps.store.close()
    assert all(isinstance(e, str) for e in seen), seen  # plain types: a manifest lists names
    return set(seen)


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
    } and set(settings) <= {
        "event_subscriptions",
        "interactivity",
        "socket_mode_enabled",
        "org_deploy_enabled",
        "token_rotation_enabled",
    }
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == set(BOT_SCOPES)  # what OAuth asks for too
    assert {"commands", "chat:write", "chat:write.public", "im:write", "users:read"} <= set(BOT_SCOPES)
    for limit, text in (
        (35, manifest["display_information"]["name"]),
        (80, manifest["features"]["bot_user"]["display_name"]),
    ):
        assert len(text) <= limit


def test_procfile_serves_on_port():
    assert (ROOT / "Procfile").read_text().strip() == "web: tavus-slack serve"
