"""A test that needs PostgreSQL or ../shared skips with a reason here, and fails under CI=true."""

import pytest

from tests import conftest


def test_a_missing_postgres_or_shared_skips_here_and_fails_on_ci(monkeypatch):
    monkeypatch.setattr(conftest, "POSTGRES", None)
    monkeypatch.setattr(conftest, "ON_CI", False)
    with pytest.raises(pytest.skip.Exception, match="TAVUS_SLACK_TEST_POSTGRES"):
        conftest.need_postgres()
    with pytest.raises(pytest.skip.Exception, match="no-such-spec.yaml"):
        conftest.need_shared(conftest.SHARED / "no-such-spec.yaml")
    monkeypatch.setattr(conftest, "ON_CI", True)
    with pytest.raises(pytest.fail.Exception, match="CI is set"):
        conftest.need_postgres()
    with pytest.raises(pytest.fail.Exception, match="CI is set"):
        conftest.need_shared(conftest.SHARED / "no-such-spec.yaml")
