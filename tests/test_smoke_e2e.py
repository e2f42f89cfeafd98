"""The help a user gets from a bare /tavus, or /tavus help, names every subcommand the app accepts."""

import json

import pytest

from bot.slack.commands import SUBCOMMANDS


@pytest.mark.parametrize("text", ["", "help"])
def test_help_names_every_subcommand(driver, text):
    response = driver.command(text)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["response_type"] == "ephemeral"
    shown = json.dumps(body["blocks"], ensure_ascii=False)
    missing = sorted(sub for sub in SUBCOMMANDS if f"`/tavus {sub}" not in shown)
    assert missing == [], f"the help does not name {missing}"
