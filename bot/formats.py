"""One pattern per kind of id the app reads from people, Slack or Tavus; everything else imports these."""

from __future__ import annotations

import re

USER = r"[UW][A-Z0-9]{1,20}"
CHANNEL = r"[CGD][A-Z0-9]{1,20}"
REPLICA = r"r[0-9a-zA-Z]{5,20}"

USER_ID = re.compile(rf"^{USER}$")
CHANNEL_ID = re.compile(rf"^{CHANNEL}$")
REPLICA_ID = re.compile(rf"^{REPLICA}$")
MENTION = re.compile(rf"^<@({USER})(?:\|[^>]*)?>$")  # what Slack sends for a picked @name
