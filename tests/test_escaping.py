"""One escaping boundary: hostile outside text through every builder in bot/slack.

In mrkdwn (section and context texts, confirm texts, notification `text`) no `<`, `>` or bare `&`
from the input survives, so outside text cannot mention, link or format; plain_text fields carry
the raw text, cut to Block Kit's limits.
"""

import re
from typing import Any

import pytest

from bot.records import ConversationRecord, PersonaRecord
from bot.services.results.results import recording_text
from bot.slack.blocks import build_notice, cut, esc, esc_cut, section
from bot.slack.card import build_interview_card
from bot.slack.help import build_help
from bot.slack.home import build_home
from bot.slack.interview_modal import build_interview_modal
from bot.slack.lists import (
    build_delete_prompt,
    build_interviews_list,
    build_personas_list,
    build_start_outcome,
)
from bot.slack.messages import shutdown_words, slack_post_failure, tavus_failure
from bot.slack.modals import build_progress_view, build_result_view, build_tavus_key_modal, with_errors
from bot.slack.persona_modal import build_persona_modal
from bot.slack.transcript import build_transcript_messages
from bot.tavus import errors as te
from bot.tavus.models import Replica

EVIL = "<!channel> <https://evil.example|Rejoin> & <@U0VICTIM> &amp <#C0SECRET> >"
HOSTILE = [EVIL, EVIL * 80, "a&" * 2000, "x" + "&" * 3100, "<" * 3001, "ab&&&&" * 700]
# what our own code writes in mrkdwn: mentions of ids, dates, and links to plain https URLs
OURS = re.compile(
    r"<@U0OWNER1>|<#C0HIRING1>|<!date\^\d+\^[^|<>]+\|[^<>]*>|<https://tavus\.example/[\w/-]+\|[^<>]*>"
)
LIMITS = {"section": 3000, "context": 2000, "header": 150, "button": 75, "option": 75}


def texts(node: Any, kind: str = "") -> list[tuple[str, str, str]]:
    """(type, where, text) for every text object in a block tree."""
    found = []
    if isinstance(node, dict):
        if node.get("type") in ("mrkdwn", "plain_text") and isinstance(node.get("text"), str):
            found.append((node["type"], kind, node["text"]))
        for key, value in node.items():
            where = node.get("type") if key == "text" and node.get("type") in LIMITS else key
            found += texts(value, where if isinstance(where, str) else kind)
    elif isinstance(node, list):
        for item in node:
            found += texts(item, kind)
    return found


def assert_safe_mrkdwn(text: str) -> None:
    rest = OURS.sub("", text)
    assert "<" not in rest and ">" not in rest, f"unescaped angle bracket in {text[:200]!r}"
    assert not re.search(r"&(?!(?:amp|lt|gt);)", rest), f"bare & in {text[:200]!r}"
    assert "<!channel>" not in text and "<https://evil" not in text


def check(built: Any, *, note: str = "") -> list[str]:
    """Check a builder's output; returns the plain texts, for the caller's own assertions."""
    if isinstance(built, tuple):  # (notification text, blocks)
        assert_safe_mrkdwn(built[0])
        assert len(built[0]) <= 40_000
        built = built[1]
    plains = []
    for kind, where, text in texts(built):
        if kind == "mrkdwn":
            assert_safe_mrkdwn(text)
            assert len(text) <= LIMITS.get(where, 3000), (where, len(text))
        else:
            assert "&lt;" not in text and "&amp;" not in text, f"escaped plain text {text[:80]!r} {note}"
            assert len(text) <= LIMITS.get(where, 3000), (where, len(text))
            plains.append(text)
    return plains


def conv(hostile: str, **extra: Any) -> ConversationRecord:
    values = dict(
        token="t" * 32,
        team_id="T0ACME01",
        owner_id="U0OWNER1",
        status="ended",
        created_at="2026-01-01T00:00:00Z",
        live_at="2026-01-01T00:01:00Z",
        ended_at="2026-01-01T00:05:00Z",
        conversation_id="c123",
        persona_id="p123",
        persona_name=hostile,
        channel_id="C0HIRING1",
        message_ts="1.2",
        url="https://tavus.example/c123",
        name=hostile,
        candidate_id="U0OWNER1",
        shutdown_reason=hostile,
        error=hostile,
    )
    values.update(extra)
    return ConversationRecord(**values)


def persona(hostile: str) -> PersonaRecord:
    return PersonaRecord(
        persona_id="p123",
        team_id="T0ACME01",
        owner_id="U0OWNER1",
        name=hostile,
        created_at="2026-01-01T00:00:00Z",
        pipeline_mode="full",
        replica_id="rfe12d8b9597",
        perception_model=hostile,
    )


@pytest.mark.parametrize("hostile", HOSTILE)
@pytest.mark.parametrize("status", ["waiting", "live", "ended", "failed"])
def test_the_card(hostile, status):
    card = build_interview_card(conv(hostile, status=status))
    plains = check(card)
    assert any(cut(f":movie_camera: {hostile}", 150, mrkdwn=False) == p for p in plains)  # the raw header


def test_the_reproduction_shutdown_reason_cannot_ping_or_link():
    text, blocks = build_interview_card(
        conv("Interview", shutdown_reason="<!channel> <https://evil.example|Rejoin>")
    )
    assert "<!channel>" not in text + str(blocks) and "<https://evil" not in text + str(blocks)
    assert "&lt;!channel&gt; &lt;https://evil.example|Rejoin&gt;" in text


@pytest.mark.parametrize("hostile", HOSTILE)
def test_lists_home_and_prompts(hostile):
    p, c = persona(hostile), conv(hostile, status="live")
    check(build_personas_list([p] * 20, "/tavus"))
    check(build_delete_prompt(p))
    check(build_interviews_list([c] * 20, "/tavus"))
    check(build_home([p] * 12, [c] * 12, [conv(hostile)] * 12, notice=esc(hostile), can_set_key=True))
    check(build_help("/tavus"))
    check(build_notice(esc(hostile), [section(esc_cut(hostile, 3000))]))


@pytest.mark.parametrize("hostile", HOSTILE)
def test_start_outcomes(hostile):
    from bot.records import StartOutcome

    failure = tavus_failure(te.ValidationError(hostile, status=400), f"start *{esc(hostile)}*")
    check(build_start_outcome(StartOutcome(error=failure, running=[conv(hostile, status="live")])))
    check(build_start_outcome(StartOutcome(conv=conv(hostile, status="waiting"), duplicate=True)))
    posted = slack_post_failure(hostile, "C0HIRING1")
    check(build_start_outcome(StartOutcome(conv=conv(hostile, status="waiting"), post_error=posted)))
    check(build_start_outcome(StartOutcome(conv=conv(hostile, status="waiting", url=hostile))))
    check(build_start_outcome(StartOutcome(conv=conv(hostile, status="waiting"))))


@pytest.mark.parametrize("hostile", HOSTILE)
def test_every_failure_sentence(hostile):
    for kind in (
        te.ValidationError,
        te.NotFoundError,
        te.AuthenticationError,
        te.WorkspaceKeyError,
        te.ServerError,
        te.ConcurrencyLimitError,
        te.OutOfCreditsError,
    ):
        sentence = tavus_failure(kind(hostile, status=400), "create the persona")
        check(build_notice(sentence))
    check(build_notice(tavus_failure(te.MissingKeyError(hostile), "x")))
    check(build_notice(slack_post_failure(hostile, "C0HIRING1")))
    check(build_notice(slack_post_failure("not_in_channel", hostile)))
    check(build_notice(shutdown_words(hostile) or ""))
    check(build_notice(recording_text({"storage_uri": hostile, "duration": 75})))
    check(build_notice(recording_text({"bucket_name": hostile, "s3_key": hostile})))


@pytest.mark.parametrize("hostile", HOSTILE)
def test_modals(hostile):
    errors = {"_form": hostile, "p_name": hostile, "i_name": hostile}
    replicas = [Replica(replica_id="r1234abcd", replica_name=hostile, status="ready")]
    values = {"name": hostile, "system_prompt": hostile, "context": hostile, "custom_replica": hostile}
    plains = check(build_persona_modal(replicas, "rfe12d8b9597", values=values, errors=errors))
    check(build_persona_modal(replicas, "rfe12d8b9597", values=values, errors=errors, more=True))
    assert cut(hostile, 75, mrkdwn=False) in plains  # the replica's name, raw, cut to an option's limit
    personas = [persona(hostile)] * 3
    check(
        build_interview_modal(
            personas, "C0HIRING1", values={"name": hostile, "greeting": hostile}, errors=errors
        )
    )
    check(build_tavus_key_modal(True, hostile))
    check(build_progress_view(hostile, f"Creating *{esc(hostile)}* at Tavus…"))
    check(build_result_view(hostile, [section(esc(hostile))]))
    check({"blocks": with_errors([{"type": "input", "block_id": "p_name"}], errors)})


@pytest.mark.parametrize("hostile", HOSTILE)
def test_transcripts_and_their_chunk_borders(hostile):
    turns = [{"role": "system", "content": hostile}]
    turns += [{"role": role, "content": hostile * 3} for role in ("assistant", "user", hostile)] * 3
    messages = build_transcript_messages(turns)
    assert messages
    for message in messages:
        check(message)


def test_escaping_is_idempotent_and_cuts_never_tear_an_entity():
    assert esc(esc(EVIL)) == esc(EVIL)
    for n in range(1, 12):
        assert_safe_mrkdwn(cut(esc("&" * 50), n))
        assert_safe_mrkdwn(esc_cut("<>" * 50, n))


def test_sentences_for_plain_text_fields_carry_no_mrkdwn():
    from bot.slack.blocks import as_plain

    for error in ("channel_not_found", "is_archived", "not_in_channel", "restricted_action", "other"):
        text = as_plain(slack_post_failure(error, "C0HIRING1"))
        assert "<#" not in text and "&lt;" not in text and "&amp;" not in text
    assert EVIL[:40] in as_plain(slack_post_failure(EVIL, "C0HIRING1"))  # raw, as users read it
