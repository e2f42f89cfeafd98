"""The report's records (m008_report) on both backends: recorded once, updated, forgotten."""

import pytest

from bot.store import Store

BOTH_BACKENDS = True


@pytest.fixture
def store(database_url):
    s = Store(database_url)
    yield s
    s.close()


def test_report_row_is_upserted_field_by_field(store):
    assert store.report("tok") is None
    store.save_report("tok", "T1", channel="D1", ts="1.1", thread_ts="1.0")
    store.save_report("tok", "T1", file_pending="F1")
    store.save_report("tok", "T1", file_id="F1", file_pending=None, transcript_as="file")
    row = store.report("tok")
    assert (row["channel"], row["ts"], row["thread_ts"], row["file_id"]) == ("D1", "1.1", "1.0", "F1")
    assert row["file_pending"] is None and row["transcript_as"] == "file"
    with pytest.raises(ValueError):
        store.save_report("tok", "T1", name="not a field")


def test_canvas_setting_and_refusal(store):
    assert store.interview_settings("T1")["report_canvas"] == 0
    assert store.interview_settings("T1")["canvas_refused"] is None
    store.save_interview_settings("T1", "U1", report_canvas=1)
    store.refuse_canvas("T1", "free_teams_cannot_create_non_channel_canvases")
    chosen = store.interview_settings("T1")
    assert chosen["report_canvas"] == 1 and chosen["canvas_refused"].startswith("free_teams")
    store.save_interview_settings("T1", "U1", report_canvas=1, canvas_refused=None)  # saving tries again
    assert store.interview_settings("T1")["canvas_refused"] is None
    store.refuse_canvas("T2", "missing_scope")  # a workspace without settings yet
    assert store.interview_settings("T2")["canvas_refused"] == "missing_scope"
