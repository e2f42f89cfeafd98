"""manifest.yml agrees with the code: command, URLs, events, scopes."""

from pathlib import Path

import yaml

from bot.app import BOT_SCOPES

ROOT = Path(__file__).resolve().parents[1]


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
    assert settings["event_subscriptions"]["bot_events"] == ["app_home_opened"]
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == set(BOT_SCOPES)  # what OAuth asks for too
    assert {"commands", "chat:write", "chat:write.public", "im:write", "users:read"} <= set(BOT_SCOPES)
    for limit, text in (
        (35, manifest["display_information"]["name"]),
        (80, manifest["features"]["bot_user"]["display_name"]),
    ):
        assert len(text) <= limit


def test_procfile_serves_on_port():
    assert (ROOT / "Procfile").read_text().strip() == "web: tavus-slack serve"
