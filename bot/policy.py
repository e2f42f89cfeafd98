"""Issue 24: the rules an interview runs under, one row per legal regime. Everything that differs by
place reads this table (the invite page's boxes, perception, notice timing); no code asks which
policy it is. Facts from /work/shared/hiring-law.md: this is product behaviour, not legal advice."""

from __future__ import annotations

from dataclasses import dataclass, field

# what a candidate can be asked to agree to, in the words of the invite page's boxes
CONSENTS = {
    "ai": "I agree to be interviewed by an AI interviewer, which evaluates my answers against the "
    "topics above and writes a report for the hiring team.",
    "recording": "I agree that the call is recorded (video and audio).",
    "analysis": "I agree that the AI analyses my video during the call, as described above.",
}


@dataclass(frozen=True)
class Policy:
    key: str
    label: str
    # whether a persona may read emotion or expressions (Tavus raven-1 from the voice; raven-0's
    # visual summary describes expressions)
    emotion_perception_allowed: bool
    # which boxes the candidate must tick (when recording or analysis is on for the interview)
    consent_required: tuple[str, ...]
    # business days between the notice (the invite's creation) and the invite opening
    notice_business_days: int = 0
    # every interview has a named candidate who reads the notice and consents on the invite page
    # before anything starts (so no open interviews, and none without PUBLIC_URL's invite page)
    notice_page_required: bool = False
    # the law behind each rule above, by field name
    sources: dict[str, str] = field(default_factory=dict)


POLICIES: dict[str, Policy] = {
    "eu": Policy(
        "eu",
        "EU/EEA",
        emotion_perception_allowed=False,
        consent_required=("ai", "recording", "analysis"),
        notice_page_required=True,
        sources={
            "notice_page_required": "EU AI Act Art. 50(1) and GDPR Art. 13: the person is told before "
            "the AI interacts with them and their data is collected",
            "emotion_perception_allowed": "EU AI Act (Regulation 2024/1689) Art. 5(1)(f): no emotion "
            "inference in the workplace, recruitment included (since 2 February 2025)",
            "consent_required": "EU AI Act Art. 50(1) (told it is an AI) and Art. 26; GDPR Art. 13 "
            "(information at collection) and Art. 22 (a person decides)",
            "notice_business_days": "no waiting period in the AI Act or the GDPR",
        },
    ),
    "illinois": Policy(
        "illinois",
        "Illinois",
        emotion_perception_allowed=True,
        consent_required=("ai", "recording", "analysis"),
        notice_page_required=True,
        sources={
            "notice_page_required": "820 ILCS 42/5: notice, explanation and consent before the interview",
            "emotion_perception_allowed": "820 ILCS 42 regulates AI analysis of video interviews but "
            "does not ban it: allowed when disclosed and consented to",
            "consent_required": "Artificial Intelligence Video Interview Act, 820 ILCS 42/5: notice, "
            "an explanation of how the AI works, and consent before the interview",
            "notice_business_days": "820 ILCS 42 sets no waiting period",
        },
    ),
    "nyc": Policy(
        "nyc",
        "New York City",
        emotion_perception_allowed=True,
        consent_required=("ai", "recording", "analysis"),
        notice_business_days=10,
        notice_page_required=True,
        sources={
            "notice_page_required": "Local Law 144: the candidate gets the notice before the tool is used",
            "emotion_perception_allowed": "Local Law 144 of 2021 asks for a bias audit and notice, not a ban",
            "consent_required": "Local Law 144 asks for notice only; the app asks for consent as well",
            "notice_business_days": "NYC Admin. Code 20-871(b) and 6 RCNY 5-304: notice at least ten "
            "business days before use (unless given in the job posting)",
        },
    ),
    "other": Policy(
        "other",
        "Other",
        emotion_perception_allowed=True,
        consent_required=("ai", "recording", "analysis"),
        sources={
            "emotion_perception_allowed": "no specific rule: perception is opt-in per persona",
            "consent_required": "good practice: an informed, affirmative choice before the interview",
            "notice_business_days": "no waiting period",
        },
    ),
}
DEFAULT = "other"


def policy_for(key: str | None) -> Policy:
    """The policy of that key; an unknown or missing one is Other."""
    return POLICIES.get(key or DEFAULT) or POLICIES[DEFAULT]


def reads_emotion(perception_model: str | None, pipeline_mode: str | None = "full") -> bool:
    """Whether a persona's perception reads emotion or expressions. Tavus's default when no model
    is set is raven-1, so only an explicit `off` (or echo mode, which runs no perception) is safe."""
    if pipeline_mode == "echo":
        return False
    return (perception_model or "raven-1") != "off"
