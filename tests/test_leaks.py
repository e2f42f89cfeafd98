"""Callback tokens against the real app process: never in a log line (uvicorn's access log
included), never sent to Slack, refused a set time after the call ended, refusals logged at a
rate; a chunked body is cut off at the limit while it is still arriving."""

import socket
import time
from urllib.parse import urlsplit

import httpx

from bot.slack import ids
from bot.web.callbacks import MAX_BODY
from sim.driver import SlackDriver
from tests.conftest import SIGNING_SECRET, wait_until
from tests.helpers import persona_values
from tests.procs import start_app

EVIL = "<!channel> <https://evil.example|Rejoin>"
WINDOW_HOURS = 0.002  # 7.2 seconds, so the test can watch a token expire


def start_call(driver, tavus) -> tuple[str, str]:
    """A persona and an interview through Slack; (conversation id, callback URL)."""
    driver.command("persona")
    view = wait_until(lambda: driver.latest_view(ids.NEW_PERSONA), what="modal")
    driver.submit(view["id"], persona_values())
    persona_id = wait_until(lambda: next(iter(tavus.state.personas), None), what="persona")
    # Tavus has the persona a moment before the app has stored it: until then the command
    # answers "no such persona" (and does nothing), so it is sent again until it is taken
    wait_until(
        lambda: "Try `" not in driver.command(f"interview {persona_id}", channel="C0HIRING1").text,
        what="the interview command taken",
    )
    cid = wait_until(lambda: next(iter(tavus.state.conversations), None), what="conversation")
    return cid, tavus.state.conversations[cid].body["callback_url"]


def chunked_post_without_end(url: str, total: int) -> bytes:
    """POST `total` bytes as chunks and never send the last (empty) chunk: an app that reads the
    whole body first waits forever; one that counts while reading answers 413."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=15) as sock:
        sock.sendall(
            f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n".encode()
        )
        chunk, sent = b"x" * 65536, 0
        while sent <= total:
            sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            sent += len(chunk)
        try:
            return sock.recv(4096)
        except TimeoutError:
            return b"(no answer while the body was still arriving)"


def test_callback_tokens_never_reach_logs_or_slack_and_expire(tmp_path, tavus, slack):
    app = start_app(
        tmp_path,
        tavus.url,
        slack.url,
        LOG_LEVEL="INFO",
        SLACK_CALLS="1",
        CALLBACK_TOKEN_HOURS=str(WINDOW_HOURS),
    )
    driver = SlackDriver(app.url, SIGNING_SECRET, slack.state, slack.url)
    try:
        cid, url = start_call(driver, tavus)
        token = url.rsplit("/", 1)[1]
        card = wait_until(lambda: slack.state.messages.get("C0HIRING1"), what="card")[-1]
        # whoever holds the token forges a shutdown: its reason reaches the card escaped, not as a ping
        shutdown = {
            "conversation_id": cid,
            "event_type": "system.shutdown",
            "message_type": "system",
            "timestamp": "2026-01-01T00:05:00Z",
            "properties": {"shutdown_reason": EVIL},
        }
        assert httpx.post(url, json=shutdown).status_code == 200
        wait_until(lambda: "Ended" in str(card["blocks"]), what="card shows ended")
        assert "<!channel>" not in str(card) and "<https://evil" not in str(card)
        assert "&lt;!channel&gt;" in card["text"]
        # a body over the limit is refused while it is still arriving
        assert b" 413 " in chunked_post_without_end(url, MAX_BODY).split(b"\r\n")[0]
        # a late transcript within the window still lands
        late = {**shutdown, "event_type": "application.transcription_ready", "properties": {"transcript": []}}
        assert httpx.post(url, json=late).status_code == 200
        ended = time.monotonic()
        time.sleep(max(0.0, WINDOW_HOURS * 3600 + 0.5 - (time.monotonic() - ended)))
        recording = {**late, "event_type": "application.recording_ready", "properties": {"s3_key": "k"}}
        assert httpx.post(url, json=recording).status_code == 404  # expired: like an unknown token
        for guess in range(40):
            assert (
                httpx.post(f"{app.url}/tavus/callback/guess{guess:04d}xxxxxxxxxx", json={}).status_code == 404
            )
        doc_token = "docsecret0123456789abcdef"  # a job description's callback token is masked too
        assert httpx.post(f"{app.url}/tavus/document/{doc_token}", json={}).status_code in (400, 404)
    finally:
        app.stop()
    log = app.log.read_text()
    assert token not in log and doc_token not in log
    assert "POST /tavus/callback/*** HTTP/1.1" in log  # uvicorn's access log, with the token masked
    assert "POST /tavus/document/*** HTTP/1.1" in log
    refusals = [
        line for line in log.splitlines() if "refused" in line and "callback(s) with an unknown" in line
    ]
    assert len([line for line in refusals if "document callback(s)" in line]) == 1
    refusals = [line for line in refusals if "document" not in line]
    assert len(refusals) == 1, refusals  # 41 refusals within a minute: one line, not 41
    traffic = (
        str(slack.state.log) + str(slack.state.messages) + str(slack.state.responses) + str(slack.state.calls)
    )
    assert token not in traffic
    added = slack.state.calls_to("calls.add")
    assert added and added[0]["args"]["external_unique_id"] == cid


def test_log_level_holds_for_uvicorn_too(tmp_path, tavus, slack):
    app = start_app(tmp_path, tavus.url, slack.url, LOG_LEVEL="ERROR")
    try:
        for _ in range(3):
            httpx.post(f"{app.url}/tavus/callback/not-a-token-at-all", json={})
            httpx.get(f"{app.url}/healthz")
    finally:
        app.stop()
    log = app.log.read_text()
    assert "/tavus/callback" not in log and "GET /healthz" not in log and " INFO " not in log, log[-2000:]
