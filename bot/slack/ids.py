"""callback_id, action_id and block_id names shared by blocks, handlers and tests."""

# modals (callback_id)
NEW_PERSONA = "new_persona"
START_INTERVIEW = "start_interview"
PROGRESS = "progress"
TAVUS_KEY = "tavus_key"
EDIT_PERSONA_VIEW = "edit_persona_view"

# buttons (action_id)
JOIN = "join_interview"
END = "end_interview"
DELETE_PERSONA = "delete_persona"
EDIT_PERSONA = "edit_persona"
START_FROM_PERSONA = "start_from_persona"
OPEN_NEW_PERSONA = "open_new_persona"
OPEN_START_INTERVIEW = "open_start_interview"
OPEN_TAVUS_KEY = "open_tavus_key"

# New persona modal (block_id; each input's action_id is "value")
P_NAME = "name"
P_PROMPT = "system_prompt"
P_CONTEXT = "context"
P_REPLICA = "replica"
P_CUSTOM_REPLICA = "custom_replica"
P_MODE = "pipeline_mode"
P_PERCEPTION = "perception"
P_SMART_TURN = "smart_turn"
P_LLM = "llm_model"
P_SHARED = "shared"
P_PLAN = "plan"  # issue 15: the interview plan, guardrails, job description
P_TEMPLATE = "plan_template"
P_GUARDRAILS = "guardrails"
P_GUARDRAILS_WHY = "guardrails_why"
P_GUARDRAIL_LINES = "guardrail_lines"
P_JD_URL = "jd_url"
P_MORE = "more_options"  # issue 22: the actions block of the More options button
MORE_PERSONA_OPTIONS = "more_persona_options"  # its action_id

# Start interview modal
I_PERSONA = "persona"
I_NAME = "interview_name"
I_CANDIDATE = "candidate"
I_CHANNEL = "channel"
I_GREETING = "greeting"
I_CONTEXT = "extra_context"
I_MINUTES = "minutes"
I_OPTIONS = "options"
I_LANGUAGE = "language"
I_POLICY = "policy"  # issue 24: this interview's legal policy, when not the workspace's

K_KEY = "key"  # the Tavus key modal's one input

VALUE = "value"  # the action_id of every modal input

# issue 14: candidates, invites, interview settings, forget
CANCEL_INVITE = "cancel_invite"
MARK_HANDLED = "mark_request_handled"  # issue 24: a candidate's request for a person or an accommodation
FORGET = "forget_interview"
OPEN_INTERVIEW_SETTINGS = "open_interview_settings"
INTERVIEW_SETTINGS = "interview_settings"
I_CANDIDATE_NAME = "candidate_name"
I_CANDIDATE_EMAIL = "candidate_email"
I_OPENS = "opens_at"
I_HOURS = "valid_hours"
S_OPEN = "open_interviews"
S_RESULTS = "results_to"
S_RESULTS_CHANNEL = "results_channel"
S_CONSENT = "consent"
S_CANVAS = "report_canvas"
S_CAP = "minutes_cap"  # issue 25
S_POLICY = "policy"  # issue 24
S_NOTICE_POSTED = "notice_in_posting"

# issue 15: live notes to the interviewer, testing a persona
OPEN_NOTE = "open_note_to_interviewer"  # the button on the owner's private views of a live interview
NOTE_VIEW = "note_to_interviewer"  # the modal's callback_id
N_TEXT = "note_text"
TEST_PERSONA = "test_persona"

# issue 25: openings, the comparison, decisions
COMPARE_OPENING = "compare_opening"  # the button on an opening; its value is the opening's id
DECIDE = "decide_"  # + advance, hold or reject: the buttons on a report and the comparison
DECIDE_ADVANCE, DECIDE_HOLD, DECIDE_REJECT = DECIDE + "advance", DECIDE + "hold", DECIDE + "reject"
DECISION_VIEW = "decision_view"  # the modal's callback_id
D_REASON = "decision_reason"
D_WATCHED = "decision_watched"
D_FEEDBACK = "decision_feedback"
D_TELL = "decision_tell"
