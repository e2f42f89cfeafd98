"""The Slack stand-in's files and canvases answer like slack.com (issue 15): the three upload
steps, the share in a thread, scopes, refusals and bad uploads."""

import asyncio

import httpx
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from tests.conftest import BOT_TOKEN


def call(slack, method, **args):
    return httpx.post(
        f"{slack.url}/api/{method}", json=args, headers={"Authorization": f"Bearer {BOT_TOKEN}"}
    ).json()


def root(slack, channel="C0HIRING1"):
    return call(slack, "chat.postMessage", channel=channel, text="report")["ts"]


def test_slack_sdk_files_upload_v2_shares_the_file_in_the_thread(slack):
    ts = root(slack)

    async def upload():
        client = AsyncWebClient(token=BOT_TOKEN, base_url=f"{slack.url}/api/")
        return await client.files_upload_v2(
            channel="C0HIRING1", thread_ts=ts, content="Candidate: hi\n", filename="t.txt", title="T"
        )

    answer = asyncio.run(upload())
    file_id = answer["file"]["id"]
    share = slack.state.messages["C0HIRING1"][-1]
    assert share["thread_ts"] == ts and share["files"][0]["id"] == file_id and share["upload"]
    assert slack.state.files[file_id]["content"] == b"Candidate: hi\n"
    info = call(slack, "files.info", file=file_id)
    assert info["file"]["channels"] == ["C0HIRING1"] and "content" not in info["file"]
    assert httpx.get(f"{slack.url}/_sim/files/{file_id}").text == "Candidate: hi\n"
    assert call(slack, "files.delete", file=file_id) == {"ok": True}
    assert not [m for m in slack.state.messages["C0HIRING1"] if m.get("files")]  # its share goes too
    assert call(slack, "files.info", file=file_id)["error"] == "file_not_found"


def test_upload_errors(slack):
    assert call(slack, "files.getUploadURLExternal", filename="t.txt")["error"] == "invalid_arguments"
    slot = call(slack, "files.getUploadURLExternal", filename="t.txt", length=5)
    done = call(
        slack, "files.completeUploadExternal", files=[{"id": slot["file_id"]}], channel_id="C0HIRING1"
    )
    assert done["error"] == "file_not_found"  # nothing was uploaded yet
    assert httpx.post(slot["upload_url"], content=b"toolong").status_code == 400
    assert httpx.post(slot["upload_url"], content=b"12345").status_code == 200
    assert call(slack, "files.info", file=slot["file_id"])["error"] == "file_not_found"  # not completed
    wrong = [{"id": slot["file_id"]}]
    bad_thread = call(
        slack, "files.completeUploadExternal", files=wrong, channel_id="C0HIRING1", thread_ts="1.2"
    )
    assert bad_thread["error"] == "invalid_thread_ts"
    assert call(slack, "files.completeUploadExternal", files=wrong, channel_id="G0PRIVATE")["error"] == (
        "channel_not_found"
    )
    assert call(slack, "files.completeUploadExternal", files=wrong, channel_id="C0HIRING1")["ok"]
    again = call(slack, "files.completeUploadExternal", files=wrong, channel_id="C0HIRING1")
    assert (
        again["error"] == "file_not_found"
        and len([m for m in slack.state.messages["C0HIRING1"] if m.get("files")]) == 1
    )
    slack.state.scopes.discard("files:write")
    refused = call(slack, "files.getUploadURLExternal", filename="t.txt", length=5)
    assert refused["error"] == "missing_scope" and refused["needed"] == "files:write"


def test_canvases(slack):
    content = {"type": "markdown", "markdown": "# Report"}
    made = call(slack, "canvases.create", title="Report", document_content=content)
    canvas = made["canvas_id"]
    change = {"operation": "replace", "document_content": {"type": "markdown", "markdown": "# New"}}
    assert call(slack, "canvases.edit", canvas_id=canvas, changes=[change]) == {"ok": True}
    assert slack.state.canvases[canvas]["markdown"] == "# New"
    assert call(slack, "canvases.access.set", canvas_id=canvas, access_level="read", user_ids="U0OWNER1")[
        "ok"
    ]
    assert slack.state.canvases[canvas]["access"] == {"U0OWNER1": "read"}
    assert call(slack, "canvases.delete", canvas_id=canvas) == {"ok": True}
    assert call(slack, "canvases.edit", canvas_id=canvas, changes=[change])["error"] == "canvas_not_found"
    assert (
        call(slack, "canvases.create", title="x", document_content={"type": "html"})["error"]
        == "invalid_arguments"
    )
    slack.control("team_plan", {"team_id": "T0ACME01", "free": True})
    free = call(slack, "canvases.create", title="Report", document_content=content)
    assert free["error"] == "free_teams_cannot_create_non_channel_canvases"
    assert call(slack, "canvases.create", title="Tab", document_content=content, channel_id="C0HIRING1")["ok"]
    slack.state.scopes.discard("canvases:write")
    assert call(slack, "canvases.create", title="x", document_content=content)["error"] == "missing_scope"


def test_the_official_client_raises_on_refusals(slack):
    slack.state.scopes.discard("files:write")

    async def upload():
        client = AsyncWebClient(token=BOT_TOKEN, base_url=f"{slack.url}/api/")
        await client.files_upload_v2(channel="C0HIRING1", content="x", filename="t.txt")

    try:
        asyncio.run(upload())
    except SlackApiError as exc:
        assert exc.response["error"] == "missing_scope"
    else:
        raise AssertionError("the upload was not refused")
