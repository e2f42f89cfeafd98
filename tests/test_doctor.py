"""`tavus-slack doctor` against the stand-ins and the served app, with good and bad settings."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.doctor import doctor
from bot.store import Store
from sim.server import free_port
from tests.conftest import BOT_TOKEN, POSTGRES, TAVUS_KEY, make_settings, postgres_schema
from tests.procs import stand_ins

SIGNING = "8f14e45fceea167a5a36dedd4bea2543"  # the shape of Slack's: 32 hex characters
DB_PASSWORD = "pg-Secret-pw-77"


def run(settings) -> tuple[int, dict[str, str], str]:
    """Doctor's exit status, its lines by check name, and its whole output."""
    lines: list[str] = []
    status = doctor(settings, echo=lines.append)
    by_name = {}
    for line in lines[:-1]:
        verdict, rest = line.split(None, 1)
        name, text = rest.split(": ", 1)
        by_name[name] = f"{verdict} {text}"
    return status, by_name, "\n".join(lines)


@pytest.fixture
def good(tmp_path: Path, tavus, slack, serve):
    """Settings that pass: the stand-ins, the app served at PUBLIC_URL, its migrated database."""
    served = serve()
    url = served.deps.settings.DATABASE_URL

    def settings(**overrides):
        values = dict(SLACK_SIGNING_SECRET=SIGNING, DATABASE_URL=url, PUBLIC_URL=served.url)
        return make_settings(tmp_path, tavus, slack, **{**values, **overrides})

    return settings


def assert_no_secrets(output: str, *extra: str) -> None:
    for secret in (BOT_TOKEN, TAVUS_KEY, SIGNING, DB_PASSWORD, *extra):
        assert secret not in output


def test_good_settings_pass(good):
    status, checks, output = run(good())
    assert status == 0, output
    assert list(checks) == ["Slack token", "Slack signing secret", "Tavus key", "Database", "PUBLIC_URL"]
    assert all(text.startswith("ok ") for text in checks.values()), output
    assert "T0ACME01" in checks["Slack token"] and "every scope" in checks["Slack token"]
    assert output.endswith("All 5 checks passed.")
    assert_no_secrets(output)


def test_wrong_slack_token(good):
    status, checks, output = run(good(SLACK_BOT_TOKEN="xoxb-not-the-right-one"))
    assert status == 1
    assert checks["Slack token"].startswith("FAIL Slack refused SLACK_BOT_TOKEN (invalid_auth)")
    assert "OAuth & Permissions" in checks["Slack token"]
    assert_no_secrets(output, "xoxb-not-the-right-one")


def test_token_missing_a_scope_names_it(good, slack):
    slack.state.scopes.discard("groups:read")
    status, checks, _ = run(good())
    assert status == 1
    text = checks["Slack token"]
    assert text.startswith("FAIL") and "lacks the scopes groups:read:" in text and "reinstall" in text


def test_slack_calls_needs_calls_write(good, slack):
    slack.state.scopes.discard("calls:write")
    assert run(good())[0] == 0  # only wanted with SLACK_CALLS
    status, checks, _ = run(good(SLACK_CALLS=True))
    assert status == 1 and "lacks the scopes calls:write:" in checks["Slack token"]


def test_slack_unreachable(good):
    status, checks, _ = run(good(SLACK_API_URL=f"http://127.0.0.1:{free_port()}/api/"))
    assert status == 1 and checks["Slack token"].startswith("FAIL could not reach Slack")


@pytest.mark.parametrize(
    "secret",
    [
        "test-signing-secret-5f1e2d3c4b5a",  # not hex
        "8f14e45fceea167a5a36dedd4bea254",  # 31 characters
        " 8f14e45fceea167a5a36dedd4bea2543",  # a space pasted with it
    ],
)
def test_malformed_signing_secret(good, secret):
    status, checks, output = run(good(SLACK_SIGNING_SECRET=secret))
    assert status == 1
    assert checks["Slack signing secret"].startswith("FAIL SLACK_SIGNING_SECRET does not look like")
    assert "Basic Information" in checks["Slack signing secret"]
    assert ("spaces or quotes around it" in output) == secret.startswith(" ")
    assert secret.strip() not in output


def test_wrong_tavus_key(good):
    status, checks, output = run(good(TAVUS_API_KEY="an-old-revoked-key"))
    assert status == 1
    assert checks["Tavus key"].startswith("FAIL Tavus answered 401: TAVUS_API_KEY is wrong")
    assert_no_secrets(output, "an-old-revoked-key")


def test_tavus_connection_reset(good, tavus):
    tavus.control("faults", {"method": "GET", "path": "/v2/replicas", "kind": "reset"})
    status, checks, _ = run(good())
    assert status == 1 and checks["Tavus key"].startswith("FAIL could not reach Tavus")


def test_unreachable_postgres_names_it_without_the_password(good):
    url = f"postgresql://tavus:{DB_PASSWORD}@127.0.0.1:{free_port()}/nowhere"
    status, checks, output = run(good(DATABASE_URL=url))
    assert status == 1
    assert checks["Database"].startswith("FAIL cannot use postgresql://tavus:***@127.0.0.1:")
    assert_no_secrets(output)


def test_missing_sqlite_file_is_not_created(good, tmp_path):
    path = tmp_path / "typo" / "tavus.db"
    status, checks, _ = run(good(DATABASE_URL=f"sqlite:///{path}"))
    assert status == 1 and checks["Database"].startswith(f"FAIL no folder {path.parent} for the database")
    assert not path.exists()


def test_pending_migrations_are_named(good, tmp_path):
    path = tmp_path / "empty.db"
    sqlite3.connect(path).close()  # a database this release's app never opened
    status, checks, _ = run(good(DATABASE_URL=f"sqlite:///{path}"))
    assert status == 1 and "migration(s) are not applied (m001_initial, " in checks["Database"]


@pytest.mark.skipif(not POSTGRES, reason="set TAVUS_SLACK_TEST_POSTGRES to check PostgreSQL")
def test_postgres_new_then_migrated(good):
    for url in postgres_schema(POSTGRES):
        assert "FAIL" in run(good(DATABASE_URL=url))[1]["Database"]  # an empty schema: nothing applied
        Store(url).close()
        assert run(good(DATABASE_URL=url))[1]["Database"].startswith("ok ")


def test_public_url_not_serving_the_app(good, tavus):
    status, checks, _ = run(good(PUBLIC_URL=tavus.url))  # something answers, but not this app
    assert status == 1 and "but not as tavus-slack" in checks["PUBLIC_URL"]
    status, checks, _ = run(good(PUBLIC_URL=f"http://127.0.0.1:{free_port()}"))
    assert status == 1 and checks["PUBLIC_URL"].startswith("FAIL nothing answered")


def test_oauth_mode_checks_what_it_can(good, slack):
    key = Fernet.generate_key()
    oauth = dict(
        SLACK_BOT_TOKEN=None,
        SLACK_CLIENT_ID="1111.2222",
        SLACK_CLIENT_SECRET="0123456789abcdef0123456789abcdef",
        TAVUS_SLACK_ENCRYPTION_KEY=key.decode(),
    )
    status, checks, output = run(good(**oauth))
    assert status == 0, output
    assert checks["Slack OAuth client"].startswith("ok ")
    assert "OAuth mode" in checks["Slack token"]
    assert checks["Installed workspaces"].startswith("ok none yet: send a workspace admin to http://")
    status, checks, output = run(good(**{**oauth, "SLACK_CLIENT_SECRET": "not-a-client-secret"}))
    assert status == 1 and "SLACK_CLIENT_SECRET does not look like" in checks["Slack OAuth client"]
    assert "not-a-client-secret" not in output

    settings = good(**oauth)
    store = Store(settings.DATABASE_URL)
    tokens = {"T0BETA001": "xoxb-beta-good-1", "T0GAMMA01": "xoxb-gamma-2", "T0DELTA01": "xoxb-delta-3"}
    slack.state.installed[tokens["T0BETA001"]] = {
        "team_id": "T0BETA001",
        "team_name": "Beta",
        "user": "U0BETA001",
        "bot_user": "UB0BETA001",
    }
    store.save_workspace(
        "T0BETA001", bot_token_enc=Fernet(key).encrypt(tokens["T0BETA001"].encode()).decode()
    )
    status, checks, output = run(settings)
    assert status == 0 and checks["Installed workspaces"].startswith("ok 1 installed;"), output

    other_key = Fernet(Fernet.generate_key())  # sealed before TAVUS_SLACK_ENCRYPTION_KEY was changed
    store.save_workspace("T0GAMMA01", bot_token_enc=other_key.encrypt(tokens["T0GAMMA01"].encode()).decode())
    # uninstalled from Slack's side while the app was down: Slack no longer knows the token
    store.save_workspace(
        "T0DELTA01", bot_token_enc=Fernet(key).encrypt(tokens["T0DELTA01"].encode()).decode()
    )
    store.close()
    status, checks, output = run(settings)
    assert status == 1
    text = checks["Installed workspaces"]
    assert text.startswith("FAIL 3 installed; T0GAMMA01 cannot be opened: TAVUS_SLACK_ENCRYPTION_KEY is not")
    assert "T0DELTA01 Slack refused its token (invalid_auth), reinstall at http://" in text
    assert "T0BETA001" not in text
    assert_no_secrets(output, *tokens.values(), key.decode())


def test_the_real_command(good, tmp_path):
    settings = good()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING,
        "TAVUS_API_KEY": TAVUS_KEY,
        "TAVUS_API_URL": settings.TAVUS_API_URL,
        "SLACK_API_URL": settings.SLACK_API_URL,
        "DATABASE_URL": settings.DATABASE_URL,
        "PUBLIC_URL": settings.PUBLIC_URL,
    }

    def doctor_process(**changes: str) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "bot", "doctor"]
        return subprocess.run(
            command, env={**env, **changes}, cwd=tmp_path, capture_output=True, text=True, timeout=90
        )

    result = doctor_process()
    assert result.returncode == 0, result.stdout + result.stderr
    assert [line.split()[0] for line in result.stdout.splitlines()] == ["ok"] * 5 + ["All"]
    result = doctor_process(TAVUS_API_KEY="wrong-key-123456", SLACK_SIGNING_SECRET="short")
    assert result.returncode == 1
    failed = [line for line in result.stdout.splitlines() if line.startswith("FAIL")]
    assert [line.split(":")[0] for line in failed] == ["FAIL  Slack signing secret", "FAIL  Tavus key"]
    assert_no_secrets(result.stdout + result.stderr, "wrong-key-123456", "short")


def doctor_command(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """`tavus-slack doctor` in a fresh folder with exactly `env` (and PATH)."""
    return subprocess.run(
        [sys.executable, "-m", "bot", "doctor"],
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), **env},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=90,
    )


def lines_by_check(stdout: str) -> dict[str, str]:
    """`ok  Name: text` / `FAIL  Name: text` lines by name; the last line is the sum."""
    *checks, total = stdout.splitlines()
    assert total.endswith(("checks passed.", "checks failed.")), stdout
    by_name = {}
    for line in checks:
        verdict, rest = line.split(None, 1)
        assert verdict in ("ok", "FAIL"), stdout
        name, text = rest.split(": ", 1)
        by_name[name] = f"{verdict} {text}"
    return by_name


def test_the_command_without_settings_prints_every_check(tmp_path):
    result = doctor_command(tmp_path, {})
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and result.stderr == ""
    checks = lines_by_check(result.stdout)
    assert list(checks) == ["Slack token", "Slack signing secret", "Tavus key", "Database", "PUBLIC_URL"]
    assert checks["Slack token"].startswith("FAIL SLACK_BOT_TOKEN is missing")
    assert checks["Slack signing secret"].startswith("FAIL SLACK_SIGNING_SECRET is not set")
    assert "sim-slack" in checks["Slack signing secret"]
    assert checks["Tavus key"].startswith("FAIL TAVUS_API_KEY is missing")
    assert checks["Database"].startswith("ok no database at ")
    assert "tavus-slack migrate" in checks["Database"]
    assert result.stdout.splitlines()[-1] == "3 of 5 checks failed."
    assert not (tmp_path / "tavus-slack.db").exists()  # the doctor looks; it creates nothing


def test_a_malformed_setting_is_a_line_not_a_stop(tmp_path):
    env = {"SLACK_BOT_TOKEN": "not-a-bot-token", "PORT": "seventy", "SLACK_SIGNING_SECRET": SIGNING}
    result = doctor_command(tmp_path, env)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    checks = lines_by_check(result.stdout)
    assert checks["Settings"].startswith("FAIL PORT is malformed")
    assert checks["Slack token"].startswith("FAIL SLACK_BOT_TOKEN is malformed (must start with xoxb-)")
    assert checks["Slack signing secret"].startswith("ok ")
    assert "not-a-bot-token" not in result.stdout + result.stderr


def test_the_stand_ins_printed_variables_pass(tmp_path):
    """The README's way through: run both stand-ins, set what they print, run doctor."""
    with stand_ins(tmp_path) as start:
        printed = {**start("sim-slack").variables(), **start("sim-tavus").variables()}
        assert set(printed) == {
            "SLACK_API_URL",
            "SLACK_BOT_TOKEN",
            "SLACK_SIGNING_SECRET",
            "TAVUS_API_URL",
            "TAVUS_API_KEY",
        }
        result = doctor_command(tmp_path, printed)
    assert result.returncode == 0, result.stdout + result.stderr
    checks = lines_by_check(result.stdout)
    assert all(text.startswith("ok ") for text in checks.values()), result.stdout
    assert checks["Database"].startswith("ok no database at ")
    assert result.stdout.splitlines()[-1] == "All 5 checks passed."


def test_a_fresh_database_is_a_note_and_migrate_creates_it(good, tmp_path):
    path = tmp_path / "fresh" / "tavus.db"
    path.parent.mkdir()
    status, checks, _ = run(good(DATABASE_URL=f"sqlite:///{path}"))
    assert status == 0
    assert checks["Database"].startswith(f"ok no database at {path} yet: `tavus-slack serve` creates it")
    assert not path.exists()
    command = [sys.executable, "-m", "bot", "migrate"]
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DATABASE_URL": f"sqlite:///{path}"}
    made = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=90)
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith(f"sqlite:///{path}: applied ") and "m001_initial" in made.stdout
    assert run(good(DATABASE_URL=f"sqlite:///{path}"))[1]["Database"].endswith("every migration applied")
    again = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=90)
    assert again.returncode == 0 and again.stdout.endswith("already up to date\n")


def test_migrate_names_a_database_it_cannot_use(tmp_path):
    url = f"postgresql://tavus:{DB_PASSWORD}@127.0.0.1:{free_port()}/nowhere"
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DATABASE_URL": url}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "migrate"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert result.returncode == 1 and "cannot migrate postgresql://tavus:***@127.0.0.1:" in result.stderr
    assert "Traceback" not in result.stderr
    assert_no_secrets(result.stdout + result.stderr)
