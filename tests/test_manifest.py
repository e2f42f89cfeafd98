"""manifest.yml agrees with the code: command, URLs, events, scopes."""

import re
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
    # Slack sends only the events the manifest lists: exactly those the app listens for
    handled = set(
        re.findall(r'app\.event\("(\w+)"\)', "".join(p.read_text() for p in (ROOT / "handlers").glob("*.py")))
    )
    assert (
        set(settings["event_subscriptions"]["bot_events"]) == handled >= {"app_uninstalled", "tokens_revoked"}
    )
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
