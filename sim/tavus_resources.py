"""Objectives, guardrails and documents in the Tavus simulator (../shared/tavus-openapi-2026-05.yaml).

Where the sources are silent or disagree this simulator picks:
- a set's `data` is a list (Tavus patches `/data/0/...`); `GET /v2/objectives/{id}` and
  `GET /v2/guardrails/{id}` answer `{"data": [...]}`; the objectives list has one row per
  objective carrying its set's `objectives_id`; the create answer's `objective_name` is the first
  objective's name;
- unknown ids answer 404 (`{"error": "Objective not found"}`, `{"error": "Guardrails not found"}`,
  `{"message": "Document not found"}`); validation errors use `message` for objectives and
  guardrails and `error` for documents, as the file documents them;
- guardrail names are at most 100 characters, prompts 1000 (the newer guardrail docs);
- a document goes `started` → `processing` (progress 50) → `ready` | `error`, one step every
  `document_seconds`; `document_outcome` decides how it ends, and a file type Tavus does not
  support ends in `error` with `file_format_unsupported`; each step POSTs the whole document to its
  `callback_url`; at most 5 crawls process at once (429); the list counts pages from 0;
  `POST /_sim/documents/{id}` `{status, error_message, notify}` moves one document at once (with
  `notify: false` its callback is not sent, so only a poll can find out).
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sim.tavus_state import new_id, now_iso, present
from sim.tavus_validate import bad, check_document, check_guardrails, check_objectives, paginate

if TYPE_CHECKING:
    from sim.tavus import TavusSimulator

SUPPORTED = (".pdf", ".txt", ".docx", ".doc", ".png", ".jpg", ".pptx", ".csv", ".xlsx", ".html", ".htm")
MAX_CONCURRENT_CRAWLS = 5


def resource_routes(sim: TavusSimulator) -> list[Route]:
    """The routes, bound to one simulator."""
    res = _Resources(sim)
    return [
        Route("/v2/objectives", res.create_objectives, methods=["POST"]),
        Route("/v2/objectives", res.list_objectives, methods=["GET"]),
        Route("/v2/objectives/{oid}", res.get_objectives, methods=["GET"]),
        Route("/v2/objectives/{oid}", res.delete_objectives, methods=["DELETE"]),
        Route("/v2/guardrails", res.create_guardrails, methods=["POST"]),
        Route("/v2/guardrails", res.list_guardrails, methods=["GET"]),
        Route("/v2/guardrails/{gid}", res.get_guardrails, methods=["GET"]),
        Route("/v2/guardrails/{gid}", res.delete_guardrails, methods=["DELETE"]),
        Route("/v2/documents", res.create_document, methods=["POST"]),
        Route("/v2/documents", res.list_documents, methods=["GET"]),
        Route("/v2/documents/{did}", res.get_document, methods=["GET"]),
        Route("/v2/documents/{did}", res.delete_document, methods=["DELETE"]),
    ]


class _Resources:
    def __init__(self, sim: TavusSimulator) -> None:
        self.sim, self.state = sim, sim.state

    # objectives
    async def create_objectives(self, request: Request) -> Response:
        body = await _json(request)
        problem = check_objectives(body)
        if problem:
            return bad(problem, key="message")
        oid, now = new_id("o", 9), now_iso()
        data = [{"confirmation_mode": "auto", "modality": "verbal", **o} for o in body["data"]]
        name = data[0]["objective_name"]
        self.state.own(oid)
        self.sim.state.objectives[oid] = {
            "objectives_id": oid,
            "objective_name": name,
            "status": "active",
            "created_at": now,
            "updated_at": now,
            "data": data,
        }
        return JSONResponse(
            {"objectives_id": oid, "objective_name": name, "status": "active", "created_at": now}
        )

    async def list_objectives(self, request: Request) -> Response:
        rows = [
            {**o, "objectives_id": oid, "created_at": s["created_at"], "updated_at": s["updated_at"]}
            for oid, s in self.state.mine(self.state.objectives).items()
            for o in s["data"]
        ]
        return paginate(request, rows)

    async def get_objectives(self, request: Request) -> Response:
        found = self.sim.state.objectives.get(request.path_params["oid"])
        return JSONResponse({"data": found["data"]}) if found else bad("Objective not found", 404)

    async def delete_objectives(self, request: Request) -> Response:
        if self.sim.state.objectives.pop(request.path_params["oid"], None) is None:
            return bad("Objective not found", 404)
        return Response(status_code=204)

    # guardrails
    async def create_guardrails(self, request: Request) -> Response:
        body = await _json(request)
        problem = check_guardrails(body)
        if problem:
            return bad(problem, key="message")
        gid, now = new_id("g", 9), now_iso()
        name = body.get("name") or "Guardrails"
        data = [{"modality": "verbal", **g} for g in body["data"]]
        self.state.own(gid)
        self.sim.state.guardrails[gid] = {
            "guardrails_id": gid,
            "guardrails_name": name,
            "status": "active",
            "created_at": now,
            "updated_at": now,
            "data": data,
        }
        return JSONResponse(
            {"guardrails_id": gid, "guardrails_name": name, "status": "active", "created_at": now}
        )

    async def list_guardrails(self, request: Request) -> Response:
        keys = ("guardrails_id", "created_at", "updated_at")
        rows = [{k: g[k] for k in keys} for g in self.state.mine(self.state.guardrails).values()]
        return paginate(request, rows)

    async def get_guardrails(self, request: Request) -> Response:
        found = self.sim.state.guardrails.get(request.path_params["gid"])
        return JSONResponse({"data": found["data"]}) if found else bad("Guardrails not found", 404)

    async def delete_guardrails(self, request: Request) -> Response:
        if self.sim.state.guardrails.pop(request.path_params["gid"], None) is None:
            return bad("Guardrails not found", 404)
        return Response(status_code=204)

    # documents
    async def create_document(self, request: Request) -> Response:
        body = await _json(request)
        problem = check_document(body)
        if problem:
            return bad(problem)
        crawl = body.get("crawl")
        if crawl and self._crawls_running() >= MAX_CONCURRENT_CRAWLS:
            return bad("Concurrent crawl limit reached (5). Try again when a crawl finishes.", 429)
        did, now, url = f"d{new_id('', 1)}-{new_id('', 12)}", now_iso(), body["document_url"]
        doc = {
            "document_id": did,
            "document_name": body.get("document_name") or (urlparse(url).path.rsplit("/", 1)[-1] or url),
            "document_url": url,
            "status": "started",
            "progress": None,
            "error_message": None,
            "created_at": now,
            "updated_at": now,
            "callback_url": body.get("callback_url"),
            "tags": body.get("tags") or [],
            "crawl_config": crawl,
            "crawled_urls": None,
            "last_crawled_at": None,
            "crawl_count": None,
        }
        self.state.documents[did] = doc
        self.state.own(did)
        supported = not _extension(url) or _extension(url) in SUPPORTED
        error = None if supported else "file_format_unsupported"
        if self.state.document_outcome == "error":
            error = error or self.state.document_error
        step = self.state.document_seconds
        self._notify(doc)
        self.sim.callbacks.later(did, step, lambda: self._advance(did, "processing", None))
        self.sim.callbacks.later(
            did, 2 * step, lambda: self._advance(did, "error" if error else "ready", error)
        )
        return JSONResponse(present(doc))

    def _advance(self, did: str, status: str, error: str | None) -> None:
        doc = self.state.documents.get(did)
        if doc is None:
            return  # deleted while processing
        now = now_iso()
        doc.update(status=status, updated_at=now, progress=50 if status == "processing" else None)
        if status == "error":
            doc["error_message"] = error
        if status == "ready" and doc["crawl_config"]:
            doc.update(crawled_urls=[doc["document_url"]], last_crawled_at=now, crawl_count=1)
        self._notify(doc)

    def _notify(self, doc: dict[str, Any]) -> None:
        if doc.get("callback_url"):
            self.sim.callbacks.post(doc["callback_url"], dict(doc))

    def _crawls_running(self) -> int:
        pending = ("started", "processing", "recrawling")
        return sum(1 for d in self.state.documents.values() if d["crawl_config"] and d["status"] in pending)

    async def list_documents(self, request: Request) -> Response:
        q = request.query_params
        rows = list(self.state.mine(self.state.documents).values())
        if q.get("sort") == "descending":
            rows.reverse()
        if q.get("status"):
            rows = [d for d in rows if d["status"] == q["status"]]
        if q.get("name_or_uuid"):
            rows = [d for d in rows if q["name_or_uuid"] in (d["document_id"], d["document_name"])]
        if q.get("tags"):
            wanted = set(q["tags"].split(","))
            rows = [d for d in rows if wanted & set(d["tags"])]
        try:
            limit = max(1, min(100, int(q.get("limit", 10))))
            page = max(0, int(q.get("page", 0)))
        except ValueError:
            return bad("Invalid request: limit must be a positive integer")
        data = [present(d) for d in rows[page * limit : (page + 1) * limit]]
        return JSONResponse({"data": data, "total_count": len(rows), "page": page, "limit": limit})

    async def get_document(self, request: Request) -> Response:
        doc = self.state.documents.get(request.path_params["did"])
        return JSONResponse(present(doc)) if doc else bad("Document not found", 404, key="message")

    async def delete_document(self, request: Request) -> Response:
        if self.state.documents.pop(request.path_params["did"], None) is None:
            return bad("Document not found", 404, key="message")
        self.sim.callbacks.cancel_timers(request.path_params["did"])
        return Response(status_code=204)


async def _json(request: Request) -> Any:
    try:
        return json.loads(await request.body() or b"null")
    except ValueError:
        return None


def _extension(url: str) -> str:
    match = re.search(r"(\.[A-Za-z0-9]{1,5})$", urlparse(url).path)
    return match.group(1).lower() if match else ""
