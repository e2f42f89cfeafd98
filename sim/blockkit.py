"""Block Kit limits as Slack enforces them; the Slack stand-in refuses what breaks them."""

from __future__ import annotations

from typing import Any

LIMITS = {"message": 50, "modal": 100, "home": 100}
BLOCK_TYPES = {
    "section",
    "header",
    "context",
    "actions",
    "divider",
    "input",
    "image",
    "call",
    "rich_text",
    "video",
    "file",
}
ELEMENT_TEXT_MAX = 75


def text_problem(obj: Any, where: str, max_len: int, *, plain_only: bool = False) -> str | None:
    if not isinstance(obj, dict) or obj.get("type") not in ("plain_text", "mrkdwn"):
        return f"{where}: must be a text object"
    if plain_only and obj["type"] != "plain_text":
        return f"{where}: must be plain_text"
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        return f"{where}: text must be a non-empty string"
    if len(text) > max_len:
        return f"{where}: must be less than {max_len + 1} characters"
    return None


def element_problem(el: Any, where: str) -> str | None:
    if not isinstance(el, dict) or "type" not in el:
        return f"{where}: must be an element"
    kind = el["type"]
    if len(str(el.get("action_id", ""))) > 255:
        return f"{where}.action_id: too long"
    if kind == "button":
        if problem := text_problem(el.get("text"), f"{where}.text", ELEMENT_TEXT_MAX, plain_only=True):
            return problem
        if len(el.get("url", "")) > 3000 or len(el.get("value", "")) > 2000:
            return f"{where}: url or value too long"
        if el.get("style") not in (None, "primary", "danger"):
            return f"{where}.style: must be primary or danger"
    if kind in ("static_select", "radio_buttons", "checkboxes", "multi_static_select", "overflow"):
        options = el.get("options") or [o for g in el.get("option_groups") or [] for o in g["options"]]
        if not options and kind != "overflow" and not el.get("option_groups"):
            return f"{where}.options: must not be empty"
        if len(options) > (10 if kind in ("radio_buttons", "checkboxes") else 100):
            return f"{where}.options: too many options"
        for i, opt in enumerate(options):
            if problem := text_problem(opt.get("text"), f"{where}.options[{i}].text", ELEMENT_TEXT_MAX):
                return problem
            if not isinstance(opt.get("value"), str) or len(opt["value"]) > 150:
                return f"{where}.options[{i}].value: must be a string of at most 150 characters"
    if kind == "plain_text_input" and len(str(el.get("initial_value", ""))) > 3000:
        return f"{where}.initial_value: too long"
    return None


def block_problem(block: Any, where: str) -> str | None:
    if not isinstance(block, dict) or block.get("type") not in BLOCK_TYPES:
        return f"{where}: unknown block type"
    kind = block["type"]
    if kind == "section":
        if "text" not in block and "fields" not in block:
            return f"{where}: a section needs text or fields"
        if "text" in block and (p := text_problem(block["text"], f"{where}.text", 3000)):
            return p
        for i, f in enumerate(block.get("fields") or []):
            if p := text_problem(f, f"{where}.fields[{i}]", 2000):
                return p
        if len(block.get("fields") or []) > 10:
            return f"{where}.fields: at most 10"
        if "accessory" in block and (p := element_problem(block["accessory"], f"{where}.accessory")):
            return p
    elif kind == "header":
        return text_problem(block.get("text"), f"{where}.text", 150, plain_only=True)
    elif kind == "context":
        elements = block.get("elements") or []
        if not elements or len(elements) > 10:
            return f"{where}.elements: between 1 and 10"
        for i, el in enumerate(elements):
            if el.get("type") != "image" and (p := text_problem(el, f"{where}.elements[{i}]", 2000)):
                return p
    elif kind == "actions":
        elements = block.get("elements") or []
        if not elements or len(elements) > 25:
            return f"{where}.elements: between 1 and 25"
        for i, el in enumerate(elements):
            if p := element_problem(el, f"{where}.elements[{i}]"):
                return p
    elif kind == "input":
        if p := text_problem(block.get("label"), f"{where}.label", 2000, plain_only=True):
            return p
        if p := element_problem(block.get("element"), f"{where}.element"):
            return p
    elif kind == "call" and not block.get("call_id"):
        return f"{where}.call_id: required"
    return None


def blocks_problem(blocks: Any, surface: str = "message") -> str | None:
    """None when the blocks are valid for the surface, else the first problem, in Slack's words."""
    if blocks is None:
        return None
    if not isinstance(blocks, list):
        return "blocks: must be an array"
    if len(blocks) > LIMITS[surface]:
        return f"blocks: must have no more than {LIMITS[surface]} items"
    seen: set[str] = set()
    for i, block in enumerate(blocks):
        if p := block_problem(block, f"blocks[{i}]"):
            return p
        block_id = block.get("block_id")
        if block_id is not None:
            if block_id in seen or len(str(block_id)) > 255:
                return f"blocks[{i}].block_id: must be unique and at most 255 characters"
            seen.add(block_id)
        if block["type"] == "input" and surface == "message":
            return f"blocks[{i}]: input blocks are not allowed in messages"
    return None


def view_problem(view: Any) -> str | None:
    """None when a modal or Home view is valid."""
    if not isinstance(view, dict) or view.get("type") not in ("modal", "home"):
        return "view.type: must be modal or home"
    if view["type"] == "modal":
        if p := text_problem(view.get("title"), "view.title", 24, plain_only=True):
            return p
        for key in ("submit", "close"):
            if key in view and (p := text_problem(view[key], f"view.{key}", 24, plain_only=True)):
                return p
        if any(b.get("type") == "input" for b in view.get("blocks") or []) and "submit" not in view:
            return "view.submit: required when the view has input blocks"
    if len(view.get("private_metadata") or "") > 3000:
        return "view.private_metadata: must be at most 3000 characters"
    if len(view.get("callback_id") or "") > 255:
        return "view.callback_id: must be at most 255 characters"
    return blocks_problem(view.get("blocks") or [], view["type"])
