"""Pure Block Kit builders, checked against the Slack stand-in's Block Kit limits."""

from bot.records import ConversationRecord, PersonaRecord, StartOutcome
from bot.slack import card, home, interview_modal, lists, modals, persona_modal, transcript
from bot.slack import help as help_text
from bot.tavus.models import Replica
from sim.blockkit import blocks_problem, view_problem


def conv(status="waiting", **kw):
    base = dict(
        token="t",
        team_id="T1",
        owner_id="U1",
        status=status,
        created_at="2026-01-01T00:00:00Z",
        conversation_id="c123456789",
        url="https://x/c123456789",
        name="Round <1> & <!channel>",
        persona_name="Interviewer",
        channel_id="C1",
        candidate_id=None,  # an open interview; see test_private_card_and_outcome for candidates
    )
    return ConversationRecord(**{**base, **kw})


def persona(i=0, name="Interviewer"):
    return PersonaRecord(
        persona_id=f"p{i:07d}",
        team_id="T1",
        owner_id="U1",
        name=name,
        created_at="2026-01-01T00:00:00Z",
        replica_id="rfe12d8b9597",
    )


def mrkdwn_texts(obj) -> list[str]:
    if isinstance(obj, dict):
        found = [obj["text"]] if obj.get("type") == "mrkdwn" else []
        return found + [t for v in obj.values() for t in mrkdwn_texts(v)]
    if isinstance(obj, list):
        return [t for v in obj for t in mrkdwn_texts(v)]
    return []


def test_card_by_status():
    fallback, waiting = card.build_interview_card(conv())
    assert "Waiting for the candidate" in str(waiting) and blocks_problem(waiting) is None
    # user text cannot ping the channel: escaped wherever Slack parses mrkdwn
    assert "<!channel>" not in fallback + str(mrkdwn_texts(waiting))
    assert "&lt;!channel&gt;" in str(mrkdwn_texts(waiting))
    _, live = card.build_interview_card(conv("live", live_at="2026-01-01T00:01:00Z"))
    assert "Live since <!date^1767225660^{time}|" in str(live)
    _, ended = card.build_interview_card(
        conv(
            "ended",
            live_at="2026-01-01T00:01:00Z",
            ended_at="2026-01-01T00:13:30Z",
            shutdown_reason="max_call_duration reached",
        )
    )
    text = str(ended)
    assert "12 min 30 s" in text and "time limit reached" in text and "end_interview" not in text
    _, by_user = card.build_interview_card(
        conv(
            "ended",
            ended_at="2026-01-01T00:05:00Z",
            ended_by="U9",
            shutdown_reason="end_conversation_endpoint_hit",
        )
    )
    assert "ended by <@U9> from Slack" in str(by_user)


def test_long_title_is_cut_to_fit():
    _, long_card = card.build_interview_card(conv(name="x" * 500))
    assert blocks_problem(long_card) is None


def test_lists_and_help_fit():
    _, many = lists.build_personas_list([persona(i) for i in range(40)], "/tavus")
    assert blocks_problem(many) is None and "…and 25 more." in str(many)
    _, rows = lists.build_interviews_list([conv() for _ in range(40)], "/tavus")
    assert blocks_problem(rows) is None
    _, help_blocks = help_text.build_help("/tavus")
    assert blocks_problem(help_blocks) is None


def test_outcomes():
    ok = lists.build_start_outcome(StartOutcome(conv=conv()))[0]
    assert "Started" in ok and "<#C1>" in ok
    dup = lists.build_start_outcome(StartOutcome(conv=conv(), duplicate=True))[0]
    assert "already started" in dup
    failed = lists.build_start_outcome(StartOutcome(error="no", running=[conv()]))[1]
    assert "end_interview" in str(failed) and blocks_problem(failed) is None


def test_modals_fit():
    replicas = [Replica(replica_id=f"r{i:011d}", replica_name=f"R{i}") for i in range(150)]
    view = persona_modal.build_persona_modal(replicas, "rfe12d8b9597", errors={"name": "x", "_form": "y"})
    assert view_problem(view) is None
    assert len(next(b for b in view["blocks"] if b.get("block_id") == "replica")["element"]["options"]) == 100
    interview = interview_modal.build_interview_modal(
        [persona(i) for i in range(120)], "C1", values={"minutes": 45, "options": ["captions"]}
    )
    assert view_problem(interview) is None
    assert view_problem(interview_modal.build_interview_modal([], "C1")) is None
    assert view_problem(modals.build_progress_view("A title that is far too long", "x")) is None


def test_home_fits_with_many_things():
    view = home.build_home(
        [persona(i) for i in range(30)],
        [conv() for _ in range(30)],
        [conv("ended", ended_at="2026-01-01T00:05:00Z") for _ in range(30)],
        notice="hi",
    )
    assert view_problem(view) is None


def test_transcript_split_and_labels():
    turns = [
        {"role": "system", "content": "secret prompt"},
        {"role": "assistant", "content": "Hello <b>"},
        {"role": "user", "content": "y" * 7000},
        {"role": "weird", "content": ""},
        "junk",
    ]
    messages = transcript.build_transcript_messages(turns)
    text = str(messages)
    assert "secret prompt" not in text and "2 turns" in text and "&lt;b&gt;" in text
    for _, msg_blocks in messages:
        assert blocks_problem(msg_blocks) is None
    assert "Nothing was said" in str(transcript.build_transcript_messages([]))
    huge = transcript.build_transcript_messages([{"role": "user", "content": "z" * 2900}] * 200)
    assert len(huge) == transcript.MAX_MESSAGES + 1 and "rest is in Tavus" in str(huge[-1])


def test_usage_lines_escape_angle_brackets_and_help_says_more():
    _, blocks = help_text.build_help("/tavus")
    text = str(mrkdwn_texts(blocks))
    assert "&lt;persona id or name&gt;" in text and "&lt;interview name, id or ref&gt;" in text
    assert "<persona" not in text and "<interview" not in text and "<conversation" not in text
    assert "Home" in text and "Sharing" in text and "Tavus key" not in text
    _, admin = help_text.build_help("/tavus", admin=True)
    assert "Tavus key" in str(admin)
    _, unknown = help_text.build_help("/tavus", unknown="foo")
    assert mrkdwn_texts(unknown)[0] == "`foo` is not a command. Here is what I understand:"


def test_split_command_tells_unknown_from_empty():
    from bot.slack.commands import split_command

    assert split_command("  ") == ("help", "")
    assert split_command("Foo bar") == ("unknown", "Foo")
    assert split_command("END Round 1") == ("end", "Round 1")


def test_lists_show_replica_names_shared_personas_and_ask_before_end():
    mine, theirs = persona(1, "Mine"), persona(2, "Theirs")
    theirs.owner_id = "U9"
    _, blocks = lists.build_personas_list(
        [mine], "/tavus", shared=[theirs], replica_names={"rfe12d8b9597": "Anna"}
    )
    text = str(blocks)
    assert "replica Anna" in text and "`rfe12d8b9597`" not in text and "*Shared with you* (1)" in text
    assert text.count("edit_persona") == 1 and text.count("delete_persona") == 1  # only on your own
    _, unknown_replica = lists.build_personas_list([mine], "/tavus")
    assert "`rfe12d8b9597`" in str(unknown_replica)
    _, none_own = lists.build_personas_list([], "/tavus", shared=[theirs])
    assert "no personas yet" not in str(none_own) and "Theirs" in str(none_own)
    for rows in (lists.interview_rows([conv()]), home.build_home([], [conv()], [])["blocks"]):
        end = next(
            e
            for b in rows
            if b["type"] == "actions"
            for e in b["elements"]
            if e["action_id"] == "end_interview"
        )
        assert end["confirm"] == card.end_button(conv())["confirm"]


def test_delete_prompt_asks_once_and_choices_list_each():
    _, prompt = lists.build_delete_prompt(persona())
    button = prompt[-1]["elements"][0]
    assert button["action_id"] == "delete_persona" and "confirm" not in button
    _, choices = lists.build_persona_choices("Interviewer", [persona(1), persona(2)])
    assert str(choices).count("delete_persona") == 2 and blocks_problem(choices) is None
    _, ends = lists.build_interview_choices("Round", [conv(), conv(owner_id="U7")])
    assert str(ends).count("end_interview") == 2 and "<@U7>" in str(ends)


def test_home_for_an_admin_lists_everyone_and_shared():
    other = persona(3, "Team bot")
    other.owner_id = "U9"
    view = home.build_home([], [], [], shared=[other], everyone=[conv(owner_id="U7")])
    text = str(view["blocks"])
    assert "Shared with you" in text and "Team bot" in text and "Everyone's invites, waiting and live" in text
    assert "<@U7>" in text and view_problem(view) is None
    assert "Everyone" not in str(home.build_home([], [], [])["blocks"])


def test_persona_form_labels_and_edit_mode():
    view = persona_modal.build_persona_modal([], "rfe12d8b9597")
    prompt = next(b for b in view["blocks"] if b.get("block_id") == "system_prompt")
    assert prompt["label"]["text"] == "System prompt" and prompt["hint"]["text"].startswith("Needed")
    edit = persona_modal.build_persona_modal(
        [], "rfe12d8b9597", values={"name": "A", "system_prompt": "P", "pipeline_mode": "echo"}, editing="p1"
    )
    assert edit["callback_id"] == "edit_persona_view" and edit["title"]["text"] == "Edit persona"
    blocks = {b.get("block_id") for b in edit["blocks"]}
    assert {"name", "system_prompt", "context", "replica"} <= blocks and "pipeline_mode" not in blocks
    assert view_problem(edit) is None


def test_picker_shows_names_and_starts_on_the_one_used_last():
    people = [persona(1, "Newest echo bot"), persona(2, "Interviewer"), persona(3, "Interviewer")]
    view = interview_modal.build_interview_modal(people, "C1", last_used="p0000002")
    picker = next(b for b in view["blocks"] if b.get("block_id") == "persona")["element"]
    assert picker["initial_option"]["value"] == "p0000002"
    labels = [o["text"]["text"] for o in picker["options"]]
    assert labels == ["Newest echo bot", "Interviewer (p0000002)", "Interviewer (p0000003)"]
    first = interview_modal.build_interview_modal(people, "C1", last_used="p_gone")
    assert (
        next(b for b in first["blocks"] if b.get("block_id") == "persona")["element"]["initial_option"][
            "value"
        ]
        == "p0000001"
    )


def test_patch_ops_send_only_what_changed():
    from bot.services.personas.personas import patch_ops
    from bot.slack.forms import PersonaForm
    from bot.tavus.models import Persona

    now = Persona(
        persona_id="p1", persona_name="A", system_prompt="old", context=None, default_replica_id="r1"
    )
    form = PersonaForm("A", "new", "ctx", "r1", "full", "off", False, None, False)
    ops = [op.to_json() for op in patch_ops(now, form)]
    # the background goes into the system prompt (Tavus's 2026 persona has no `context`)
    assert ops == [
        {"op": "replace", "path": "/system_prompt", "value": "new\n\n## Background for this interview\nctx"},
    ]
    cleared = PersonaForm("A", "old", "", "r1", "full", "off", False, None, False)
    assert [op.to_json() for op in patch_ops(now.model_copy(update={"context": "c"}), cleared)] == [
        {"op": "remove", "path": "/context"}
    ]


def test_context_is_folded_into_the_system_prompt_and_back():
    from bot.tavus.persona_context import fold_context, unfold_context

    for prompt, background in (("Ask well.", "Payments team."), ("", "Only background."), ("Ask.", "")):
        folded = fold_context(prompt, background)
        assert unfold_context(folded) == (prompt, background)
        assert background in (folded or "")
    assert fold_context("", "") is None and unfold_context(None) == ("", "")


def test_private_card_and_outcome():
    """Issue 14: an interview with a candidate shows no room and no invite link, in every state."""
    invited = conv(
        "invited",
        conversation_id=None,
        url=None,
        candidate_name="Jane <b>",
        ref="ref-1",
        opens_at="2026-01-01T00:00:00Z",
        expires_at="2026-01-04T00:00:00Z",
    )
    for record in (
        invited,
        conv("waiting", candidate_id="U2"),
        conv("live", candidate_id="U2", live_at="2026-01-01T00:01:00Z"),
        conv(
            "ended",
            candidate_id="U2",
            ended_at="2026-01-01T00:05:00Z",
            shutdown_reason="participant_absent_timeout reached",
        ),
        conv(
            "ended",
            conversation_id=None,
            url=None,
            candidate_name="J",
            shutdown_reason="invite_expired",
            ended_at="x",
        ),
    ):
        text, blocks = card.build_interview_card(record)
        assert "https://x/" not in str(blocks) + text and "join_interview" not in str(blocks)
        assert blocks_problem(blocks) is None
    _, blocks = card.build_interview_card(invited)
    assert "Invited" in str(blocks) and "<!date^" in str(blocks) and "cancel_invite" in str(blocks)
    assert "Jane &lt;b&gt;" in str(blocks)
    no_show = card.build_interview_card(
        conv(
            "ended",
            candidate_id="U2",
            ended_at="2026-01-01T00:05:00Z",
            shutdown_reason="participant_absent_timeout reached",
        )
    )[0]
    assert "No-show" in no_show
    expired = card.build_interview_card(conv("ended", candidate_name="J", shutdown_reason="invite_expired"))[
        0
    ]
    assert "Expired, never used" in expired
    outcome = lists.build_start_outcome(StartOutcome(conv=invited, link="https://app/i/abc"))[0]
    assert "https://app/i/abc" in outcome and "Send it to them yourself" in outcome


def test_a_canvas_is_cut_to_slacks_limit_in_bytes_not_characters():
    from bot.slack.report import ReportState
    from bot.slack.report_canvas import MAX_CANVAS, build_report_canvas

    turns = [{"role": "user", "content": "שלום 🎥 " * 2_000}] * 40  # 1.2 M characters, 2.5 MB
    markdown = build_report_canvas(ReportState(conv=conv("ended"), ended=True, transcript=turns))
    assert len(markdown.encode()) <= MAX_CANVAS < len(markdown) * 2  # multi-byte text, cut by bytes
    markdown.encode().decode("utf-8")  # and never inside a character


def report_of(state_conv, **kw):
    from bot.slack.report import ReportState, build_report

    text, blocks = build_report(ReportState(conv=state_conv, ended=True, **kw))
    assert blocks_problem(blocks) is None
    return text, str(mrkdwn_texts(blocks))


def test_report_names_guardrails_in_words_and_falls_back_to_a_readable_name():
    from bot.slack.plan_form import compliance_guardrails, own_words, read_words

    words = read_words(own_words(compliance_guardrails(["Never mention our competitors"])))
    assert words == {"recruiter_rule_1": "Never mention our competitors"}  # the built-in set has labels
    trips = [("no_age", "their birth year"), ("recruiter_rule_1", None), ("recruiter_rule_2", None)]
    _, body = report_of(conv("ended"), trips=trips, rule_words=words)
    assert "*asked about age*: their birth year" in body and "*Never mention our competitors*" in body
    assert "*recruiter rule 2*" in body  # a persona made before its words were kept
    assert "no_age" not in body and "recruiter_rule" not in body
    assert read_words("not json") == {} and read_words(None) == {}


def test_report_says_not_recorded_when_the_call_was_not():
    assert "*Recording* · not recorded" in report_of(conv("ended", recording=0))[1]
    assert "*Recording* · on its way" in report_of(conv("ended", recording=1))[1]
    assert "if this interview was recorded" in report_of(conv("ended"))[1]  # an older row: not known
    assert "not recorded" not in report_of(conv("ended", recording=0), recording_line="Ready")[1]


def test_report_and_results_root_say_open_interview_plainly():
    _, body = report_of(conv("ended"))
    assert "Open interview, no named candidate · persona" in body
    assert "Candidate open" not in body and "open link" not in body
    _, slack_user = report_of(conv("ended", candidate_id="U0CAND01"))
    assert "Candidate <@U0CAND01> · persona" in slack_user


def test_report_shows_an_external_candidates_email_only_in_the_owners_dm():
    from bot.slack.report import ReportState
    from bot.slack.report_canvas import build_report_canvas

    quick = conv("ended", candidate_name="jo@example.com", candidate_email="jo@example.com")
    shared = report_of(quick)  # a thread or channel
    assert "jo@example.com" not in str(shared) and "An external candidate · persona" in shared[1]
    assert "Candidate jo@example.com" in report_of(quick, private=True)[1]
    assert "jo@example" not in build_report_canvas(ReportState(conv=quick, ended=True))
    named = conv("ended", candidate_name="Jo Bloggs", candidate_email="jo@example.com")
    assert "Candidate Jo Bloggs" in report_of(named)[1] and "jo@example" not in str(report_of(named))


def test_report_text_cannot_mention_the_channel():
    text, body = report_of(conv("ended", name="<!channel> x"))
    assert "<!channel>" not in text + body and "&lt;!channel&gt; x" in text


def test_a_persona_name_of_several_words_is_named_whole_when_not_found():
    from bot.slack.commands import parse_quick_interview, split_command

    assert split_command("interview\nNonexistent Persona") == ("interview", "Nonexistent Persona")
    found = {"screening bot": persona(name="Screening bot")}
    find = lambda ref: found.get(ref.casefold())  # noqa: E731
    for typed, named in [
        ("Nonexistent Persona", "Nonexistent Persona"),
        ("Nonexistent Persona <@U0CAND01> Final round", "Nonexistent Persona"),
        ("Nonexistent Persona jo@example.com", "Nonexistent Persona"),
        ('"Nonexistent Persona" <@U0CAND01>', "Nonexistent Persona"),
        ("Not <here> @casey", "Not &lt;here&gt;"),
    ]:
        error = parse_quick_interview(typed, find).error
        assert f"I found no persona called `{named}` that you can use." == error, typed
    parsed = parse_quick_interview("Screening bot <@U0CAND01> Final round", find)
    assert parsed.persona is not None and parsed.candidate_id == "U0CAND01" and parsed.title == "Final round"


def test_the_candidates_dm_keeps_its_link_apart_from_the_next_sentence():
    from bot.slack.messages import invite_dm_text

    url = "https://app.example.com/i/AfNuQ2WB3A"
    text = invite_dm_text("U0OWNER1", "Round <1>", url, "2026-01-01T09:00:00Z", "2026-01-04T09:00:00Z")
    assert f"\n<{url}|{url}>\nIt opens <!date^" in text  # its own line, an explicit link
    assert f"{url} It" not in text and "Round &lt;1&gt;" in text
    assert "None" not in invite_dm_text("U0OWNER1", "R", None, None, None)


def test_an_ended_card_says_where_its_report_is_and_home_links_it():
    ended = conv("ended", live_at="2026-01-01T00:01:00Z", ended_at="2026-01-01T00:09:00Z")
    for kind, channel, words in [
        ("owner", None, "The interview report went to <@U1> in a direct message."),
        ("thread", "C1", "The interview report is in this message's thread."),
        ("channel", "C0RESULTS", "The interview report is in <#C0RESULTS>."),
    ]:
        _, blocks = card.build_interview_card(ended, card.report_place_words(ended, kind, channel))
        assert words in str(blocks) and blocks_problem(blocks) is None
    live = card.build_interview_card(conv("live"), "The interview report is in <#C0RESULTS>.")[1]
    assert "interview report" not in str(live)  # only once it ended
    url = "https://acme.slack.com/archives/D0OWNER1/p1767225660000100"
    view = home.build_home([], [], [ended], report_links={"t": url})
    assert f"<{url}|open the report>" in str(view["blocks"]) and view_problem(view) is None
    assert "open the report" not in str(home.build_home([], [], [ended])["blocks"])
