"""Issue 23 ("Trust, again"): the HTTP surface, listeners and access, against the served app."""

from __future__ import annotations

import hashlib
import hmac
import logging
import socket
import time
from urllib.parse import urlsplit

from bot.web.slack_events import MAX_SLACK_BODY
from tests.conftest import SIGNING_SECRET
from tests.test_leaks import chunked_post_without_end


def signed_bytes(raw: bytes, content_type: str) -> dict[str, str]:
    """Slack's signature over raw bytes (the driver signs text, and this body is not text)."""
    ts = str(int(time.time()))
    mac = hmac.new(SIGNING_SECRET.encode(), b"v0:" + ts.encode() + b":" + raw, hashlib.sha256)
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": "v0=" + mac.hexdigest(),
    }


def test_slack_events_refuses_a_body_past_the_limit_while_it_arrives(served):
    url = f"{served.url}/slack/events"
    # chunked, never finished: an app that buffers the whole body first never answers
    assert b" 413 " in chunked_post_without_end(url, MAX_SLACK_BODY).split(b"\r\n")[0]
    # a Content-Length past the limit is refused before a byte of the body is read
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=15) as sock:
        sock.sendall(
            f"POST /slack/events HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {150_000_000}\r\n\r\n".encode()
        )
        assert b" 413 " in sock.recv(4096).split(b"\r\n")[0]


def test_slack_events_answers_400_to_a_body_not_utf8_logged_at_a_rate(driver, caplog):
    raw = b"payload=%FF&text=\xff\xfe"  # the bytes 0xff 0xfe are never UTF-8
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            headers = signed_bytes(raw, "application/x-www-form-urlencoded")
            answer = driver.http.post(f"{driver.app_url}/slack/events", content=raw, headers=headers)
            assert answer.status_code == 400, answer.text
    lines = [r.getMessage() for r in caplog.records if "not UTF-8" in r.getMessage()]
    assert len(lines) == 1, lines
    assert "Traceback" not in caplog.text
