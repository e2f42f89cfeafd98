"""Settings: read from the environment, validated once, errors that name each variable."""

import subprocess
import sys

import pytest

from bot.config import Settings, SettingsError, load_settings

GOOD = {
    "SLACK_BOT_TOKEN": "xoxb-1-2-abc",
    "SLACK_SIGNING_SECRET": "s3cr3t-signing",
    "TAVUS_API_KEY": "tavus-key-123",
}


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    for name in list(Settings.model_fields):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_defaults(monkeypatch):
    for k, v in GOOD.items():
        monkeypatch.setenv(k, v)
    s = load_settings()
    assert s.SLACK_API_URL == "https://slack.com/api/" and s.TAVUS_API_URL == "https://tavusapi.com"
    assert s.TAVUS_DEFAULT_REPLICA_ID == "rfe12d8b9597" and s.PORT == 3000
    assert s.DATABASE_URL == "sqlite:///tavus-slack.db" and s.SLACK_COMMAND == "/tavus"
    assert s.PUBLIC_URL is None and s.SLACK_APP_TOKEN is None and s.admins == frozenset()


def test_dotenv_is_read(tmp_path):
    (tmp_path / ".env").write_text("\n".join(f"{k}={v}" for k, v in GOOD.items()) + "\nPORT=8080\n")
    assert load_settings().PORT == 8080


def test_missing_variables_are_each_named():
    with pytest.raises(SettingsError) as info:
        load_settings()
    text = str(info.value)
    for name in GOOD:
        assert f"{name} is missing" in text


def test_malformed_variables_are_named_without_their_values(monkeypatch):
    for k, v in GOOD.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxp-user-token-secret")
    monkeypatch.setenv("PORT", "99999")
    monkeypatch.setenv("TAVUS_SLACK_ADMINS", "U123,not-a-user")
    monkeypatch.setenv("PUBLIC_URL", "not a url")
    with pytest.raises(SettingsError) as info:
        load_settings()
    text = str(info.value)
    for name in ("SLACK_BOT_TOKEN", "PORT", "TAVUS_SLACK_ADMINS", "PUBLIC_URL"):
        assert f"{name} is malformed" in text
    assert "xoxp-user-token-secret" not in text


def test_secrets_stay_secret(monkeypatch):
    for k, v in GOOD.items():
        monkeypatch.setenv(k, v)
    s = load_settings(TAVUS_SLACK_ADMINS="U1, W2")
    assert "tavus-key-123" not in repr(s) and "s3cr3t" not in str(s)
    assert s.admins == frozenset({"U1", "W2"})


def test_serve_without_settings_exits_with_the_message(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "bot", "serve"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN is missing" in result.stderr


def test_rules_across_variables_read_dotenv_too(tmp_path, monkeypatch):
    """With another variable malformed, the OAuth rule still sees the credentials set in .env."""
    (tmp_path / ".env").write_text(
        "SLACK_CLIENT_ID=1111.2222\nSLACK_CLIENT_SECRET=client-secret-abc\nSLACK_SIGNING_SECRET=s\n"
        "TAVUS_API_KEY=tavus-key-123\n"
    )
    monkeypatch.setenv("PORT", "99999")
    with pytest.raises(SettingsError) as info:
        load_settings()
    text = str(info.value)
    assert "PORT is malformed" in text and "TAVUS_SLACK_ENCRYPTION_KEY is missing" in text
    assert "SLACK_BOT_TOKEN is missing" not in text  # .env's client id and secret count
    assert "client-secret-abc" not in text
