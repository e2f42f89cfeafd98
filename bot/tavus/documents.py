"""Models for Tavus documents (the knowledge base): a job description the interviewer can read.

A document is processed asynchronously: `started` → `processing` → `ready` | `error` (and
`recrawling` when a crawled site is fetched again). Its status comes to the document's
`callback_url` and can be polled with `GET /v2/documents/{id}`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from pydantic import Field, field_validator

from bot.tavus.models import TavusModel

STARTED, PROCESSING, READY, ERROR, RECRAWLING = "started", "processing", "ready", "error", "recrawling"
PENDING = frozenset({STARTED, PROCESSING, RECRAWLING})  # poll again later
SUPPORTED_FILES = (".pdf", ".txt", ".docx", ".doc", ".png", ".jpg", ".pptx", ".csv", ".xlsx")


class Crawl(TavusModel):
    """Follow links from a web page: at most 100 crawls per account, 5 at once."""

    depth: int | None = Field(None, ge=1, le=10)
    max_pages: int | None = Field(None, ge=1, le=100)


class DocumentCreate(TavusModel):
    """The body of `POST /v2/documents`: a file or web page by URL (50 MB at most)."""

    document_url: str
    document_name: str | None = None
    callback_url: str | None = None
    tags: list[str] | None = None
    crawl: Crawl | None = None

    @field_validator("document_url")
    @classmethod
    def _web_url(cls, value: str) -> str:
        parts = urlparse(value.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("document_url must be an http(s) URL Tavus can download")
        return value.strip()


class CrawlConfig(TavusModel):
    depth: int | None = None
    max_pages: int | None = None


class Document(TavusModel):
    """A document as Tavus answers it, and as the simulator posts it to `callback_url`."""

    document_id: str
    document_name: str | None = None
    document_url: str | None = None
    status: str | None = None
    progress: int | None = None  # a percentage while processing
    error_message: str | None = None  # a code such as file_download_failed, only with `error`
    created_at: str | None = None
    updated_at: str | None = None
    callback_url: str | None = None
    tags: list[str] | None = None
    crawl_config: CrawlConfig | None = None
    crawled_urls: list[str] | None = None
    last_crawled_at: str | None = None
    crawl_count: int | None = None

    @property
    def ready(self) -> bool:
        return self.status == READY

    @property
    def failed(self) -> bool:
        return self.status == ERROR

    @property
    def pending(self) -> bool:
        """Still being processed (an unknown status counts as pending: poll again)."""
        return not (self.ready or self.failed)


def document_update(body: Any) -> Document | None:
    """A document status callback as a Document, or None when it carries no document id.
    Tavus does not document the callback's shape: we take the document itself, or the same
    fields under `properties` (the conversation callbacks' envelope) or under `data`."""
    if not isinstance(body, dict):
        return None
    for candidate in (body, body.get("properties"), body.get("data")):
        if isinstance(candidate, dict) and isinstance(candidate.get("document_id"), str):
            try:
                return Document.model_validate(candidate)
            except ValueError:
                return None
    return None
