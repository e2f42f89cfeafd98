"""`tavus-slack sim-tavus` and `sim-slack`: one stand-in served in the foreground, accepting the key
or token the app will send, and saying how to point the app at it."""

from __future__ import annotations

import socket

import uvicorn

from sim.slack import SlackSimulator
from sim.slack_state import SlackState
from sim.tavus import TavusSimulator
from sim.tavus_state import TavusState

# What the stand-ins accept when the user set nothing (docs/testing.md documents them).
DEFAULT_TAVUS_KEY = TavusState.api_key
DEFAULT_SLACK_TOKEN = SlackState.bot_token
# 32 hex characters, the shape of Slack's signing secrets, so that `tavus-slack doctor` passes with it
DEFAULT_SIGNING_SECRET = "51ac51ac51ac51ac51ac51ac51ac51ac"


def tavus_stand_in(key: str | None) -> tuple[TavusSimulator, list[str]]:
    """The Tavus stand-in accepting `key` (or the default), and what to tell the user."""
    sim = TavusSimulator(TavusState(api_key=key or DEFAULT_TAVUS_KEY))
    if key:
        accepts = "It accepts the TAVUS_API_KEY you set (environment or .env; not shown here)."
        variables = ["TAVUS_API_URL={url}", "TAVUS_API_KEY  (keep the one you set)"]
    else:
        accepts = f"It accepts the API key {DEFAULT_TAVUS_KEY} (the default: TAVUS_API_KEY is not set)."
        variables = ["TAVUS_API_URL={url}", f"TAVUS_API_KEY={DEFAULT_TAVUS_KEY}"]
    return sim, ["tavus-slack sim-tavus: a local stand-in for the Tavus API at {url}", accepts, *variables]


def slack_stand_in(token: str | None, signing: str | None = None) -> tuple[SlackSimulator, list[str]]:
    """The Slack Web API stand-in accepting `token` (or the default), and what to tell the user,
    with the signing secret the app should check Slack's requests with (`signing`, or the default).
    This stand-in only answers the app's Web API calls: it sends the app no request to sign."""
    sim = SlackSimulator(SlackState(bot_token=token or DEFAULT_SLACK_TOKEN))
    if token:
        accepts = "It accepts the SLACK_BOT_TOKEN you set (environment or .env; not shown here)."
        if not token.startswith("xoxb-"):
            accepts += " The app itself only starts with a token that begins with xoxb-."
        variables = ["SLACK_API_URL={url}/api/", "SLACK_BOT_TOKEN  (keep the one you set)"]
    else:
        accepts = f"It accepts the bot token {DEFAULT_SLACK_TOKEN} (the default: SLACK_BOT_TOKEN is not set)."
        variables = ["SLACK_API_URL={url}/api/", f"SLACK_BOT_TOKEN={DEFAULT_SLACK_TOKEN}"]
    if signing:
        variables.append("SLACK_SIGNING_SECRET  (keep the one you set)")
    else:
        variables.append(f"SLACK_SIGNING_SECRET={DEFAULT_SIGNING_SECRET}")
    return sim, ["tavus-slack sim-slack: a local stand-in for Slack's Web API at {url}", accepts, *variables]


def serve_stand_in(which: str, host: str, port: int, secret: str | None, signing: str | None = None) -> int:
    """Serve sim-tavus or sim-slack until Ctrl-C, after printing what it accepts and the variables."""
    sim, lines = tavus_stand_in(secret) if which == "sim-tavus" else slack_stand_in(secret, signing)
    # bind first, so that port 0 becomes a real port we can print before serving
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    url = f"http://{shown}:{sock.getsockname()[1]}"
    head, accepts, *variables = (line.format(url=url) for line in lines)
    print(f"{head}  (Ctrl-C to stop)", accepts, "Point the app at it with:", sep="\n", flush=True)
    for line in variables:
        print(f"  {line}", flush=True)
    server = uvicorn.Server(uvicorn.Config(sim.app, log_level="info", log_config=None))
    server.run(sockets=[sock])
    return 0
