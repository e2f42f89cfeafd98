"""Issue 25's records (m013_openings_decisions) on both backends: openings by name, decisions with
history and a compare-and-set, erased by forget and cleared by retention."""

import threading

import pytest

from bot.records import ConversationRecord
from bot.store import Store
from bot.store.openings import Decided, OpeningTaken

BOTH_BACKENDS = True


@pytest.fixture
def store(database_url):
    s = Store(database_url)
    yield s
    s.close()


def ended(store, token="tok1", opening_id=None):
    conv = ConversationRecord(
        token=token,
        team_id="T1",
        owner_id="U1",
        status="creating",
        created_at="2026-01-01T00:00:00Z",
        name="Round",
        request_key=token,
        opening_id=opening_id,
    )
    store.begin_conversation(conv)
    store.mark_ended(token, at="2026-01-01T00:30:00Z", reason="participant_left")
    return store.conversation_by_token(token)


def verdict(v, by="U1", reason=None):
    return {"verdict": v, "reason": reason, "feedback": "words", "tell": 1, "watched": 1, "by_user": by}


def test_openings_by_name_any_case_and_once_per_workspace(store):
    made = store.add_opening("T1", "Backend engineer", "p1", "U1")
    assert store.opening_named("T1", "  backend   ENGINEER ").id == made.id
    assert store.opening_named("T1", made.id).name == "Backend engineer"
    assert store.opening_named("T2", "Backend engineer") is None
    with pytest.raises(OpeningTaken):
        store.add_opening("T1", "BACKEND ENGINEER", "p2", "U2")
    store.add_opening("T2", "Backend engineer", "p3", "U3")  # another workspace's own
    names = store.opening_names("T1")  # the quick command's one query: by name key and by id
    assert names["backend engineer"].id == made.id and names[made.id].id == made.id and len(names) == 2
    conv = ended(store, opening_id=made.id)
    assert store.opening_of(conv).id == made.id
    assert store.opening_counts("T1") == {made.id: {"ended": 1}}


def test_decisions_keep_history_and_the_version_seen_wins_once(store):
    conv = ended(store)
    store.decide(conv, 0, verdict("hold"))
    with pytest.raises(Decided) as lost:
        store.decide(conv, 0, verdict("advance", by="U2"))
    assert lost.value.latest["by_user"] == "U1"
    store.decide(conv, 1, verdict("reject", reason="no"))
    assert [d["verdict"] for d in store.decisions_of(conv.token)] == ["hold", "reject"]
    assert store.decision_of(conv.token)["verdict"] == "reject"


def test_many_deciders_at_once_one_wins(store):
    conv = ended(store)
    won, lost = [], []

    def decide(user):
        try:
            store.decide(conv, 0, verdict("advance", by=user))
            won.append(user)
        except Decided:
            lost.append(user)

    threads = [threading.Thread(target=decide, args=(f"U{n}",)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 1 and len(lost) == 5 and len(store.decisions_of(conv.token)) == 1


def test_forget_erases_decisions_and_refuses_new_ones_and_retention_clears_their_words(store):
    conv = ended(store)
    store.decide(conv, 0, verdict("reject", reason="why"))
    store.begin_forget(conv.token, "U1")
    assert store.decisions_of(conv.token) == []
    with pytest.raises(Decided) as refused:
        store.decide(conv, 0, verdict("advance"))
    assert refused.value.latest is None
    other = ended(store, "tok2")
    store.decide(other, 0, verdict("reject", reason="why"))
    store.purge_before("2999-01-01T00:00:00Z")
    row = store.decision_of(other.token)
    assert row["reason"] is None and row["feedback"] is None and row["verdict"] == "reject"
