"""A persona's job description in words: processing, ready, or failed and why."""

from __future__ import annotations

from bot.records import PersonaRecord
from bot.slack.blocks import esc_cut

READ_FAILED = "Tavus failed while reading it; try again later, or use another link"
ERROR_WORDS = {  # Tavus's error_message codes (its OpenAPI file, May 2026)
    "file_download_failed": "Tavus could not download it; check that the link opens without a login",
    "file_format_unsupported": "Tavus cannot read that kind of file; use a PDF, Word, text or web page",
    "file_size_too_large": "the file is larger than Tavus's 50 MB limit",
    "file_empty": "the file is empty",
    "invalid_file_url": "the link is not a file or web page Tavus can open",
    "document_processing_failed": READ_FAILED,
    "website_processing_failed": READ_FAILED,
    "chunking_failed": READ_FAILED,
    "embedding_failed": READ_FAILED,
    "vector_store_failed": READ_FAILED,
    "contact_support": "Tavus asks you to contact its support",
    "document_deleted": "the document no longer exists at Tavus",
}


def error_words(code: str | None) -> str:
    """Tavus's error code as a plain sentence fragment (an unknown one shown as it came, escaped)."""
    if not code:
        return "Tavus gave no reason"
    return ERROR_WORDS.get(code) or esc_cut(code.replace("_", " "), 100)


def document_words(p: PersonaRecord) -> str:
    """'job description ready' and the like, or '' when the persona has none."""
    if not p.document_id:
        return ""
    if p.document_status == "ready":
        return ":page_facing_up: job description ready"
    if p.document_status == "error":
        return f":warning: job description failed: {error_words(p.document_error)}"
    return ":hourglass_flowing_sand: job description processing"
