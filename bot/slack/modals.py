"""Modal primitives (inputs, errors, the view itself), and the small progress, result and key views."""

from __future__ import annotations

import json
from typing import Any

from bot.slack import ids
from bot.slack.blocks import Block, context, cut, esc, plain, section

LANGUAGES = ["english", "spanish", "french", "german", "italian", "portuguese", "japanese", "multilingual"]
LLM_MODELS = ["tavus-gpt-oss", "tavus-gpt-4o", "tavus-gpt-4o-mini"]
PERCEPTION = [  # issue 24: opt-in; Tavus's own default (no model set) would be raven-1
    ("off", "Off (nothing is analysed beyond the words)"),
    ("raven-0", "Raven-0 (sees the candidate: expressions, screen)"),
    ("raven-1", "Raven-1 (also reads emotion from the voice)"),
]


def option(value: str, text: str | None = None) -> dict[str, Any]:
    return {"text": plain(text or value), "value": value}


def text_input(
    block_id: str,
    label: str,
    *,
    multiline: bool = False,
    optional: bool = False,
    initial: str | None = None,
    max_length: int = 3000,
    hint: str | None = None,
    placeholder: str | None = None,
) -> Block:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": ids.VALUE,
        "multiline": multiline,
        "max_length": max_length,
    }
    if initial:
        element["initial_value"] = cut(initial, max_length)
    if placeholder:
        element["placeholder"] = plain(placeholder, 150)
    block = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label, 2000),
        "optional": optional,
        "element": element,
    }
    if hint:
        block["hint"] = plain(hint, 2000)
    return block


def select_input(
    block_id: str, label: str, options: list[dict[str, Any]], *, initial: str | None, optional: bool = False
) -> Block:
    element: dict[str, Any] = {"type": "static_select", "action_id": ids.VALUE, "options": options[:100]}
    chosen = next((o for o in options[:100] if o["value"] == initial), None)
    if chosen:
        element["initial_option"] = chosen
    return {
        "type": "input",
        "block_id": block_id,
        "label": plain(label, 2000),
        "optional": optional,
        "element": element,
    }


def checkbox_input(block_id: str, label: str, options: list[dict[str, Any]], selected: set[str]) -> Block:
    element: dict[str, Any] = {"type": "checkboxes", "action_id": ids.VALUE, "options": options}
    initial = [o for o in options if o["value"] in selected]
    if initial:
        element["initial_options"] = initial
    return {
        "type": "input",
        "block_id": block_id,
        "label": plain(label, 2000),
        "optional": True,
        "element": element,
    }


def with_errors(blocks: list[Block], errors: dict[str, str] | None) -> list[Block]:
    """After views.update Slack shows no inline errors: put each under its input ourselves."""
    if not errors:
        return blocks
    out: list[Block] = []
    for block in blocks:
        out.append(block)
        if block.get("block_id") in errors:
            out.append(context(f":warning: {esc(errors[block['block_id']])}"))
    general = errors.get("_form")
    return ([section(f":warning: {esc(general)}")] if general else []) + out


def modal(
    callback_id: str,
    title: str,
    blocks: list[Block],
    *,
    submit: str | None = None,
    metadata: dict[str, Any] | None = None,
    close: str = "Cancel",
) -> dict[str, Any]:
    view = {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, 24),
        "close": plain(close, 24),
        "blocks": blocks,
        "private_metadata": json.dumps(metadata or {})[:3000],
    }
    if submit:
        view["submit"] = plain(submit, 24)
    return view


def build_progress_view(title: str, text: str) -> dict[str, Any]:
    """What the modal shows while Tavus works, so the user knows something is happening."""
    return modal(ids.PROGRESS, title, [section(f":hourglass_flowing_sand: {text}")], close="Close")


def build_result_view(
    title: str, blocks: list[Block], metadata: dict[str, Any] | None = None
) -> dict[str, Any]:
    return modal(ids.PROGRESS, title, blocks, close="Done", metadata=metadata)


def build_tavus_key_modal(own_key: bool, error: str | None = None) -> dict[str, Any]:
    """Set this workspace's own Tavus API key. The current key is never shown, only whether one is set."""
    now = (
        "This workspace uses *its own* Tavus key."
        if own_key
        else "This workspace uses the app's Tavus key, if the app has one."
    )
    blocks = [
        section(now + " A new key replaces it; it is stored encrypted and never shown again."),
        text_input(ids.K_KEY, "Tavus API key", max_length=200, placeholder="paste the key"),
    ]
    return modal(
        ids.TAVUS_KEY, "Tavus key", with_errors(blocks, {ids.K_KEY: error} if error else None), submit="Save"
    )
