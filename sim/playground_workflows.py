"""The playground's Workflows panel (issue 27): the example workflow a hiring team would build in
Workflow Builder (a form -> Send an AI interview -> Wait for its result -> post the result), run by
the Slack stand-in the way Slack runs it (sim/slack_workflows.py)."""

from __future__ import annotations

from typing import Any

import httpx

from sim.slack_workflows import WorkflowRun

TITLES = {
    "form": "Form: the candidate's details",
    "send_ai_interview": "Send an AI interview",
    "wait_for_ai_interview": "Wait for an AI interview's result",
    "message": "Send a message to the channel",
}


def example_steps(persona: str, name: str, email: str, channel: str) -> list[tuple]:
    return [
        ("form", None, {"name": name, "email": email}),
        (
            "app",
            "send_ai_interview",
            {
                "interactivity": "{{trigger.interactivity}}",
                "persona": persona,
                "candidate_name": "{{steps.0.name}}",
                "candidate_email": "{{steps.0.email}}",
                "channel": channel,
                "title": "Workflow interview with {{steps.0.name}}",
            },
        ),
        ("app", "wait_for_ai_interview", {"interview_id": "{{steps.1.interview_id}}"}),
        (
            "message",
            channel,
            "{{steps.0.name}}'s AI interview is over: *{{steps.2.state}}*, {{steps.2.objectives_done}} of "
            "{{steps.2.objectives_total}} objectives done. Report: {{steps.2.report_link}}",
        ),
    ]


def poster(slack_url: str, token: str):
    """Slack's own *Send a message* step, as the workflow's message in the channel."""

    def post(channel: str, text: str) -> None:
        httpx.post(
            f"{slack_url}/api/chat.postMessage",
            data={"channel": channel, "text": text},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )

    return post


def shown(run: WorkflowRun) -> dict[str, Any]:
    """A run as the panel draws it: each step's title, state and outputs."""
    steps = []
    for index, (kind, target, _) in enumerate(run.steps):
        done = index < len(run.outputs)
        running = not done and run.state == "running" and index == len(run.outputs)
        failed = not done and run.state == "failed" and index == len(run.outputs)
        state = "done" if done else "failed" if failed else "running" if running else "to do"
        outputs = run.outputs[index] if done and kind == "app" else {}
        steps.append({"title": TITLES.get(target or kind, target), "state": state, "outputs": outputs})
    return {"state": run.state, "error": run.error, "steps": steps}
