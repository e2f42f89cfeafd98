"""Settings read once from the environment (and an optional .env file)."""

from __future__ import annotations

from pydantic import AnyHttpUrl, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.config_hints import HINTS
from bot.formats import REPLICA_ID


class Settings(BaseSettings):
    """Everything the app reads from its environment; secrets stay SecretStr."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=True)

    SLACK_BOT_TOKEN: SecretStr | None = None  # one workspace; or OAuth with the two below
    SLACK_CLIENT_ID: str | None = None
    SLACK_CLIENT_SECRET: SecretStr | None = None
    SLACK_SIGNING_SECRET: SecretStr
    SLACK_APP_TOKEN: SecretStr | None = None
    SLACK_API_URL: str = "https://slack.com/api/"
    TAVUS_API_KEY: SecretStr | None = None  # optional once workspaces can set their own
    TAVUS_SLACK_ENCRYPTION_KEY: SecretStr | None = None
    TAVUS_API_URL: str = "https://tavusapi.com"
    TAVUS_DEFAULT_REPLICA_ID: str = Field("rfe12d8b9597", pattern=REPLICA_ID.pattern)
    DATABASE_URL: str = "sqlite:///tavus-slack.db"
    PUBLIC_URL: str | None = None
    HOST: str = "0.0.0.0"
    PORT: int = Field(3000, ge=1, le=65535)
    # who may manage anything in their workspace: `T…:U…` entries; a plain `U…` with one workspace
    # only (with OAuth it would be an admin in every workspace installed, so it is refused)
    TAVUS_SLACK_ADMINS: str = ""
    SLACK_COMMAND: str = Field("/tavus", pattern=r"^/[a-z0-9_\-]{1,31}$")
    SLACK_CALLS: bool = False
    RECONCILE_SECONDS: float = Field(60.0, gt=0)
    # how long a callback URL keeps working after its conversation ended: Tavus's transcript and
    # recording callbacks come minutes (a long recording: up to an hour or two) after the end
    CALLBACK_TOKEN_HOURS: float = Field(24.0, gt=0, le=24 * 30)
    SLACK_TIMEOUT_SECONDS: float = Field(10.0, ge=1, le=60)  # one Web API call
    # the outbox's retries: the first after about this long, doubling, given up after hours
    OUTBOX_RETRY_SECONDS: float = Field(2.0, gt=0)
    OUTBOX_GIVE_UP_SECONDS: float = Field(6 * 3600.0, gt=0)
    # a job a dead process was running is taken over after this; a run is cut at 80 % of it
    OUTBOX_LEASE_SECONDS: float = Field(45.0, ge=2)
    # an idle worker looks for due jobs this often; a new job wakes it at once (bot/store/wake.py)
    OUTBOX_POLL_SECONDS: float = Field(1.0, gt=0)
    # Slack's rate limits times this in the app's rate budget: 1 against Slack; > 1 only against a
    # stand-in whose tiers are scaled the same (tests)
    SLACK_RATE_SCALE: float = Field(1.0, gt=0)
    # a start still `creating` this long after it began is resolved by recovery (adopted or failed)
    RECOVERY_GRACE_SECONDS: float = Field(180.0, ge=0)
    TAVUS_TIMEOUT_SECONDS: float = Field(20.0, gt=0, le=120)
    RETENTION_DAYS: int = Field(90, ge=1, le=3650)  # stored transcripts, analyses, callback bodies
    DECISION_NUDGE_HOURS: int = Field(24, ge=1, le=720)  # issue 25: remind an owner with no decision
    LOG_LEVEL: str = Field("INFO", pattern=r"^(DEBUG|INFO|WARNING|ERROR)$")

    @field_validator("SLACK_BOT_TOKEN")
    @classmethod
    def _bot_token_shape(cls, v: SecretStr | None) -> SecretStr | None:
        if v is not None and not v.get_secret_value().startswith("xoxb-"):
            raise ValueError("must start with xoxb-")
        return v

    @field_validator("TAVUS_SLACK_ENCRYPTION_KEY")
    @classmethod
    def _fernet_key(cls, v: SecretStr | None) -> SecretStr | None:
        if v is not None:
            from cryptography.fernet import Fernet

            try:
                Fernet(v.get_secret_value().encode())
            except ValueError:
                raise ValueError("must be a Fernet key (Fernet.generate_key())") from None
        return v

    @model_validator(mode="after")
    def _enough_to_run(self) -> Settings:
        problems = credential_problems({k: getattr(self, k) for k in CREDENTIALS})
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def oauth(self) -> bool:
        """Installed in many workspaces through Slack's OAuth flow."""
        return bool(self.SLACK_CLIENT_ID and self.SLACK_CLIENT_SECRET)

    @field_validator("SLACK_APP_TOKEN")
    @classmethod
    def _app_token_shape(cls, v: SecretStr | None) -> SecretStr | None:
        if v is not None and not v.get_secret_value():
            return None
        if v is not None and not v.get_secret_value().startswith("xapp-"):
            raise ValueError("must start with xapp-")
        return v

    @field_validator("SLACK_SIGNING_SECRET", "TAVUS_API_KEY")
    @classmethod
    def _not_blank(cls, v: SecretStr | None) -> SecretStr | None:
        if v is not None and not v.get_secret_value().strip():
            raise ValueError("must not be empty")
        return v

    @field_validator("SLACK_API_URL", "TAVUS_API_URL", "PUBLIC_URL")
    @classmethod
    def _url_shape(cls, v: str | None) -> str | None:
        if v in (None, ""):
            return None
        AnyHttpUrl(v)  # raises with pydantic's own wording when malformed
        return v

    @field_validator("DATABASE_URL")
    @classmethod
    def _database_shape(cls, v: str) -> str:
        if not v.startswith(("sqlite:///", "postgresql://", "postgres://")):
            raise ValueError("must start with sqlite:/// (or postgresql:// for PostgreSQL)")
        return v

    @field_validator("TAVUS_SLACK_ADMINS")
    @classmethod
    def _admins_shape(cls, v: str) -> str:
        for entry in _split(v):
            team, _, user = entry.rpartition(":")
            if user[:1] not in ("U", "W") or not user.isalnum():
                raise ValueError(f"{entry!r} is not a Slack user id (U… or W…, or T…:U…)")
            if team and (team[:1] not in ("T", "E") or not team.isalnum()):
                raise ValueError(f"{entry!r} does not start with a workspace id (T…:U…)")
        return v

    @model_validator(mode="after")
    def _admins_per_workspace(self) -> Settings:
        """With OAuth the app serves many workspaces, and a user id alone would make its holder an
        admin in every one of them: each entry must name its workspace."""
        plain = [e for e in _split(self.TAVUS_SLACK_ADMINS) if ":" not in e]
        if self.oauth and plain:
            raise ValueError(
                "TAVUS_SLACK_ADMINS must name each admin's workspace when the app is installed in many "
                f"workspaces (SLACK_CLIENT_ID/SECRET): write T…:U… instead of {', '.join(plain)}"
            )
        return self

    @property
    def admins(self) -> frozenset[str]:
        """TAVUS_SLACK_ADMINS' entries: `T…:U…` (an admin of that workspace) or, with one
        workspace only, `U…`; bot/services/access/people.py reads them."""
        return frozenset(_split(self.TAVUS_SLACK_ADMINS))

    @property
    def slack_api_url(self) -> str:
        """The Web API base, always ending in a slash as slack-sdk expects."""
        return self.SLACK_API_URL.rstrip("/") + "/"

    @property
    def sqlite_path(self) -> str:
        """The file behind a sqlite:/// DATABASE_URL."""
        return self.DATABASE_URL.removeprefix("sqlite:///")


CREDENTIALS = (
    "SLACK_BOT_TOKEN",
    "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET",
    "TAVUS_API_KEY",
    "TAVUS_SLACK_ENCRYPTION_KEY",
)


def credential_problems(values: dict[str, object]) -> list[str]:
    """Which credentials are missing, given which others are set (rules across variables)."""
    has = {name: bool(values.get(name)) for name in CREDENTIALS}
    oauth = has["SLACK_CLIENT_ID"] and has["SLACK_CLIENT_SECRET"]
    problems = []
    if oauth and not has["TAVUS_SLACK_ENCRYPTION_KEY"]:
        problems.append(
            "TAVUS_SLACK_ENCRYPTION_KEY is missing: with SLACK_CLIENT_ID/SECRET the app "
            "stores each workspace's bot token encrypted with it; set it to "
            + HINTS["TAVUS_SLACK_ENCRYPTION_KEY"]
        )
    if not oauth and not has["SLACK_BOT_TOKEN"]:
        problems.append(
            "SLACK_BOT_TOKEN is missing: set it to "
            + HINTS["SLACK_BOT_TOKEN"]
            + " (or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET to install in many workspaces)"
        )
    if not has["TAVUS_API_KEY"] and not has["TAVUS_SLACK_ENCRYPTION_KEY"]:
        problems.append(
            "TAVUS_API_KEY is missing: set it to "
            + HINTS["TAVUS_API_KEY"]
            + " (or TAVUS_SLACK_ENCRYPTION_KEY, so each workspace's admin can set one)"
        )
    return problems


class RawCredentials(BaseSettings):
    """The credentials as set (environment over .env), unchecked: for the rules across variables
    when Settings fails, and for the local stand-ins, which accept whatever key the app will send."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=True)

    SLACK_BOT_TOKEN: str | None = None
    SLACK_CLIENT_ID: str | None = None
    SLACK_CLIENT_SECRET: str | None = None
    SLACK_SIGNING_SECRET: str | None = None  # for sim-slack, which prints the one to use
    TAVUS_API_KEY: str | None = None
    TAVUS_SLACK_ENCRYPTION_KEY: str | None = None


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


class SettingsError(Exception):
    """Start-up configuration is missing or malformed; the text names every variable."""


def load_settings(**overrides: object) -> Settings:
    """Read and validate the settings once, turning pydantic's errors into one plain message."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        message = describe_errors(exc)
        # rules across variables only run once every field is valid: check them here too
        raw = {**RawCredentials().model_dump(), **overrides}
        extra = [p for p in credential_problems(raw) if p.split(":")[0] not in message]
        raise SettingsError("\n".join([message, *(f"  {p}." for p in extra)])) from None


def describe_errors(exc: ValidationError) -> str:
    """One line per bad variable, never echoing the value (it may be a secret)."""
    lines = ["tavus-slack cannot start: fix these environment variables (or .env):"]
    for error in exc.errors(include_input=False, include_url=False):
        if not error["loc"]:  # a rule about several variables: its message names them
            lines.append("  " + error["msg"].removeprefix("Value error, ") + ".")
            continue
        name = str(error["loc"][0])
        hint = HINTS.get(name, "")
        if error["type"] == "missing":
            lines.append(f"  {name} is missing: set it to {hint}.")
        else:
            reason = error["msg"].removeprefix("Value error, ")
            lines.append(f"  {name} is malformed ({reason}): it should be {hint}.")
    return "\n".join(lines)
