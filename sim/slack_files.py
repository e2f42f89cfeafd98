"""Files and canvases for the Slack stand-in, as slack.com answers them.

An upload is three steps: files.getUploadURLExternal hands out a file id and an upload URL (here a
real POST endpoint on the stand-in), the bytes go there, and files.completeUploadExternal shares
the file into a channel or thread, where it shows as a message carrying the file (Slack's file
share). Until it is completed a file is nobody's to see. Canvases: create (refused to free
workspaces unless tabbed in a channel), edit, access.set, delete. Each method checks its scope.
"""

from __future__ import annotations

import json
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from sim.slack_state import new_id, new_ts

MAX_FILE = 1_000_000_000
MAX_CANVAS = 1_048_576


def missing(scope: str, have: set[str]) -> dict[str, Any]:
    return {"ok": False, "error": "missing_scope", "needed": scope, "provided": ",".join(sorted(have))}


class SlackFiles:
    """Mixed into SlackSimulator: `self.state`, `self.team` (the caller's workspace), `self.base_url`."""

    def file_routes(self) -> list[Route]:
        return [
            Route("/_sim/upload/{file_id}", self.upload, methods=["POST"]),
            Route("/_sim/team_plan", self.team_plan, methods=["POST"]),
            Route("/_sim/files/{file_id}", self.file_text, methods=["GET"]),
        ]

    def _need(self, scope: str) -> dict[str, Any] | None:
        return None if scope in self.state.scopes else missing(scope, self.state.scopes)

    async def team_plan(self, request: Request) -> Response:
        """Make a workspace free (canvases refused) or paid: `{"team_id", "free": true}`."""
        body = await request.json()
        team = body.get("team_id") or self.state.team_id
        (self.state.free_teams.add if body.get("free", True) else self.state.free_teams.discard)(team)
        return JSONResponse({"ok": True, "free": sorted(self.state.free_teams)})

    async def upload(self, request: Request) -> Response:
        """The upload URL: raw bytes, or a multipart form's file part, as files.slack.com takes."""
        entry = self.state.uploads.get(request.path_params["file_id"])
        if entry is None or entry.get("completed"):
            return PlainTextResponse("invalid upload", status_code=404)
        if request.headers.get("content-type", "").startswith("multipart/form-data"):
            form = await request.form()
            part = next((v for v in form.values() if hasattr(v, "read")), None)
            data = await part.read() if part is not None else b""
        else:
            data = await request.body()
        if len(data) != entry["length"]:
            return PlainTextResponse("invalid upload: length differs", status_code=400)
        entry["content"] = data
        return PlainTextResponse(f"OK - {len(data)}")

    async def file_text(self, request: Request) -> Response:
        """A shared file's bytes as text (the playground opens transcripts with this)."""
        found = self.state.files.get(request.path_params["file_id"])
        if found is None:
            return PlainTextResponse("file_not_found", status_code=404)
        return PlainTextResponse(found["content"].decode("utf-8", "replace"))

    def m_files_getUploadURLExternal(self, a: dict) -> dict:
        if refused := self._need("files:write"):
            return refused
        try:
            length = int(a.get("length", ""))
        except ValueError:
            length = -1
        if not a.get("filename") or not 0 < length <= MAX_FILE:
            return {"ok": False, "error": "invalid_arguments"}
        file_id = new_id("F")
        self.state.uploads[file_id] = {"filename": a["filename"], "length": length, "team": self.team}
        return {"ok": True, "file_id": file_id, "upload_url": f"{self.base_url}_sim/upload/{file_id}"}

    def m_files_completeUploadExternal(self, a: dict) -> dict:
        if refused := self._need("files:write"):
            return refused
        files = a.get("files")
        if isinstance(files, str):
            try:
                files = json.loads(files)
            except ValueError:
                files = None
        if not isinstance(files, list) or not files:
            return {"ok": False, "error": "invalid_arguments"}
        uploads = [self.state.uploads.get(str(f.get("id"))) for f in files if isinstance(f, dict)]
        unusable = any(u is None or "content" not in u or u.get("completed") for u in uploads)
        if len(uploads) != len(files) or unusable:
            return {"ok": False, "error": "file_not_found"}
        channel = None
        if a.get("channel_id"):
            channel, error = self._postable(a["channel_id"])
            if error:
                return {"ok": False, "error": error}
            if a.get("thread_ts") and not self.state.find_message(channel, a["thread_ts"]):
                return {"ok": False, "error": "invalid_thread_ts"}
        shown = []
        for spec, entry in zip(files, uploads, strict=True):
            entry["completed"] = True
            found = {
                "id": spec["id"],
                "name": entry["filename"],
                "title": spec.get("title") or entry["filename"],
                "size": entry["length"],
                "mimetype": "text/plain",
                "created": int(time.time()),
                "channels": [channel] if channel and channel[0] == "C" else [],
                "groups": [channel] if channel and channel[0] == "G" else [],
                "ims": [channel] if channel and channel[0] == "D" else [],
                "content": entry["content"],
            }
            self.state.files[spec["id"]] = found
            shown.append(public(found))
        if channel:  # the share: a message carrying the files, in the thread when one is given
            msg = {
                "ts": new_ts(),
                "type": "message",
                "user": self.state.bot_user,
                "bot_id": self.state.bot_id,
                "text": a.get("initial_comment") or "",
                "blocks": [],
                "files": shown,
                "upload": True,
                "thread_ts": a.get("thread_ts"),
                "at": time.time(),
            }
            self.state.messages.setdefault(channel, []).append(msg)
        return {"ok": True, "files": shown}

    def m_files_info(self, a: dict) -> dict:
        if refused := self._need("files:read"):
            return refused
        found = self.state.files.get(a.get("file", ""))
        return {"ok": True, "file": public(found)} if found else {"ok": False, "error": "file_not_found"}

    def m_files_delete(self, a: dict) -> dict:
        if refused := self._need("files:write"):
            return refused
        found = self.state.files.pop(a.get("file", ""), None)
        if found is None:
            return {"ok": False, "error": "file_not_found"}
        for channel, msgs in self.state.messages.items():  # its shares go with it
            self.state.messages[channel] = [
                m for m in msgs if not any(f["id"] == found["id"] for f in m.get("files") or [])
            ]
        self.state.deleted.append({"file": found["id"]})
        return {"ok": True}

    def m_canvases_create(self, a: dict) -> dict:
        if refused := self._need("canvases:write"):
            return refused
        if self.team in self.state.free_teams and not a.get("channel_id"):
            return {"ok": False, "error": "free_teams_cannot_create_non_channel_canvases"}
        problem = _content_problem(a.get("document_content"))
        if problem:
            return {"ok": False, "error": problem}
        canvas_id = new_id("F")
        self.state.canvases[canvas_id] = {
            "id": canvas_id,
            "title": str(a.get("title") or "Untitled"),
            "markdown": (a.get("document_content") or {}).get("markdown", ""),
            "access": {},
            "team": self.team,
        }
        return {"ok": True, "canvas_id": canvas_id}

    def m_canvases_edit(self, a: dict) -> dict:
        if refused := self._need("canvases:write"):
            return refused
        canvas = self.state.canvases.get(a.get("canvas_id", ""))
        if canvas is None:
            return {"ok": False, "error": "canvas_not_found"}
        changes = a.get("changes")
        if not isinstance(changes, list) or not changes:
            return {"ok": False, "error": "invalid_arguments"}
        for change in changes:
            if change.get("operation") != "replace" or change.get("section_id"):
                return {"ok": False, "error": "invalid_arguments"}  # the stand-in edits whole canvases
            if problem := _content_problem(change.get("document_content")):
                return {"ok": False, "error": problem}
            canvas["markdown"] = change["document_content"]["markdown"]
            canvas["edited"] = time.time()
        return {"ok": True}

    def m_canvases_access_set(self, a: dict) -> dict:
        if refused := self._need("canvases:write"):
            return refused
        canvas = self.state.canvases.get(a.get("canvas_id", ""))
        if canvas is None:
            return {"ok": False, "error": "canvas_not_found"}
        if a.get("access_level") not in ("read", "write"):
            return {"ok": False, "error": "invalid_arguments"}
        for key in ("channel_ids", "user_ids"):
            for who in str(a.get(key) or "").split(","):
                if who:
                    canvas["access"][who] = a["access_level"]
        return {"ok": True} if canvas["access"] else {"ok": False, "error": "invalid_arguments"}

    def m_canvases_delete(self, a: dict) -> dict:
        if refused := self._need("canvases:write"):
            return refused
        if self.state.canvases.pop(a.get("canvas_id", ""), None) is None:
            return {"ok": False, "error": "canvas_not_found"}
        self.state.deleted.append({"canvas": a["canvas_id"]})
        return {"ok": True}


def public(found: dict[str, Any]) -> dict[str, Any]:
    """A file as the API shows it (its bytes are behind url_private, not in the answer)."""
    return {k: v for k, v in found.items() if k != "content"}


def _content_problem(content: Any) -> str | None:
    if not isinstance(content, dict) or content.get("type") != "markdown":
        return "invalid_arguments"
    if not isinstance(content.get("markdown"), str) or len(content["markdown"].encode()) > MAX_CANVAS:
        return "canvas_creation_failed" if isinstance(content.get("markdown"), str) else "invalid_arguments"
    return None
