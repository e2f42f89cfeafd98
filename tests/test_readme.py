"""README.md and docs/ say what the app does: the command table is `/tavus help`'s, every setting
they name is one the app reads (and docs/configuration.md lists them all), and every `tavus-slack`
command they name exists."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from bot.cli import parser
from bot.config import Settings
from bot.slack.help import build_help

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
CONFIGURATION = ROOT / "docs" / "configuration.md"
# named in the docs but read by other programs than the app: the test suite, the benchmark
NOT_SETTINGS = {"TAVUS_SLACK_TEST_POSTGRES", "READS_PER_MINUTE_PER_KEY"}


def table_rows(text: str, heading: str) -> list[list[str]]:
    """The cells of the first table after `heading`, header row and rule left out; `\\|` is a `|`."""
    after = text[text.index(heading) :]
    rows, started = [], False
    for line in after.splitlines():
        if not line.startswith("|"):
            if started:
                break
            continue
        started = True
        cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        rows.append(cells)
    return rows[2:]


def readme_commands() -> list[str]:
    return [re.fullmatch(r"`(.+)`", row[0]).group(1) for row in table_rows(README.read_text(), "| Command")]


def help_commands() -> list[str]:
    _, blocks = build_help("/tavus")
    listing = blocks[1]["text"]["text"]
    return [html.unescape(m.group(1)) for m in re.finditer(r"^• `(.+?)` — ", listing, re.M)]


def words(command: str) -> tuple[str, list[str]]:
    """A command's subcommand and the names of its arguments."""
    parts = command.split(maxsplit=2)
    return (parts[1] if len(parts) > 1 else ""), re.findall(r"[<\[]([^>\]]+)[>\]]", command)


def test_readme_command_table_is_the_help():
    readme, help_ = readme_commands(), help_commands()
    assert len(help_) >= 10, help_  # the help parsed: every subcommand
    assert sorted(map(words, readme)) == sorted(map(words, help_))
    assert sorted(readme) == sorted(help_)


def test_the_table_check_fails_when_a_side_changes():
    changed = [c.replace("<persona name or id>", "<persona id>") for c in help_commands()]
    assert sorted(changed) != sorted(readme_commands())
    assert sorted(help_commands()[:-1]) != sorted(readme_commands())


def named_settings(text: str) -> set[str]:
    """Every `UPPER_CASE` name in backticks (one, or several with commas)."""
    return set(re.findall(r"`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)(?:=[^`]*)?`", text))


@pytest.mark.parametrize("page", [README, *DOCS], ids=lambda p: p.name)
def test_every_setting_named_exists(page):
    unknown = named_settings(page.read_text()) - set(Settings.model_fields) - NOT_SETTINGS
    assert not unknown, f"{page.name} names settings the app does not read: {sorted(unknown)}"


def test_configuration_lists_every_setting():
    rows = table_rows(CONFIGURATION.read_text(), "| Variable")
    listed = {name for row in rows for name in re.findall(r"`([A-Z_]+)`", row[0])}
    assert listed == set(Settings.model_fields)


def test_required_settings_are_the_ones_a_single_workspace_needs():
    rows = table_rows(README.read_text(), "| Required setting")
    assert [row[0] for row in rows] == ["`SLACK_BOT_TOKEN`", "`SLACK_SIGNING_SECRET`", "`TAVUS_API_KEY`"]


@pytest.mark.parametrize("page", [README, *DOCS], ids=lambda p: p.name)
def test_every_tavus_slack_command_named_exists(page):
    commands = set(parser()._subparsers._group_actions[0].choices)
    named = set(re.findall(r"[`/]tavus-slack ([a-z][a-z-]+)", page.read_text()))
    assert named <= commands, f"{page.name}: {sorted(named - commands)} are not tavus-slack commands"


def test_the_docs_pages_are_linked_from_the_readme():
    text = README.read_text()
    assert {p.name for p in DOCS} <= set(re.findall(r"\(docs/([a-z-]+\.md)\)", text))
    assert len(text.splitlines()) <= 160
