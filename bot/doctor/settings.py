"""The settings as doctor and migrate read them: every setting that can be read, and a sentence for
each one missing or malformed, so that each check prints its own line where `serve` would stop at
the start with one message."""

from __future__ import annotations

from pydantic import SecretStr, ValidationError, model_validator

from bot.config import CREDENTIALS, HINTS, Settings, credential_problems


class LenientSettings(Settings):
    """Settings with nothing required: what is missing is left for the checks to report."""

    SLACK_SIGNING_SECRET: SecretStr | None = None

    @model_validator(mode="after")
    def _enough_to_run(self) -> LenientSettings:  # replaces Settings' rule: read_settings reports it
        return self


def read_settings(**overrides: object) -> tuple[Settings, dict[str, str]]:
    """The settings, each malformed one at its default, and a sentence per problem by variable
    (never the value: it may be a secret)."""
    problems: dict[str, str] = {}
    try:
        settings = LenientSettings(**overrides)
    except ValidationError as exc:
        fields = LenientSettings.model_fields
        for error in exc.errors(include_input=False, include_url=False):
            name = str(error["loc"][0]) if error["loc"] else ""
            if name not in fields:
                continue
            reason = error["msg"].removeprefix("Value error, ")
            hint = f": it should be {HINTS[name]}" if name in HINTS else ""
            problems[name] = f"{name} is malformed ({reason}){hint}"
            overrides[name] = fields[name].default
        settings = LenientSettings(**overrides)
    for problem in credential_problems({name: getattr(settings, name) for name in CREDENTIALS}):
        problems.setdefault(problem.split()[0], problem)
    return settings, problems
