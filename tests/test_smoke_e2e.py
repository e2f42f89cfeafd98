def test_help(driver, slack):
    r = driver.command("")
    assert r.status_code == 200, r.text
    assert "persona" in r.json()["text"] or r.json().get("blocks")
