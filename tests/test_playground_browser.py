"""Headless Chromium clicks through the playground story and saves a screenshot.

Needs Debian's chromium and chromium-driver (.ci/run installs them); skips with a reason elsewhere.
"""

import os
import shutil
from pathlib import Path

import pytest

from sim.playground import Playground

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"

HAVE_BROWSER = os.path.exists(CHROMIUM) and os.path.exists(DRIVER)
if os.environ.get("CI") and not HAVE_BROWSER:  # CI installs them: a skip there would hide a failure
    raise RuntimeError("CI must have Debian's chromium and chromium-driver for the browser test")
pytestmark = [
    pytest.mark.skipif(
        not HAVE_BROWSER,
        reason="needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)",
    ),
    pytest.mark.xdist_group("heavy"),  # one after another with the soak and the benchmark, not together
]


@pytest.fixture
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1400,1000",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.implicitly_wait(0)
    yield driver
    driver.quit()


@pytest.fixture
def pg(tmp_path):
    playground = Playground(data_dir=str(tmp_path)).start()
    yield playground
    playground.stop()


def shot(browser, name):
    """Save a screenshot of one screen (test-artifacts/ is git-ignored) for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    assert browser.save_screenshot(str(path)) and path.stat().st_size > 10_000


WAIT = 30  # seconds: generous, since a loaded machine redraws late; it costs nothing when fast


class Page:
    """The playground as a person uses it. The page redraws itself (each poll, and the modal once
    Tavus's replica list arrives), so an element found a moment ago may be gone: every action finds
    its element afresh once settled, and retries for a bounded time when a redraw replaces it."""

    def __init__(self, browser) -> None:
        from selenium.common import exceptions as ex
        from selenium.webdriver.support.ui import WebDriverWait

        self.browser = browser
        fleeting = (
            ex.StaleElementReferenceException,
            ex.ElementNotInteractableException,
            ex.ElementClickInterceptedException,
            ex.NoSuchElementException,
        )
        self.wait = WebDriverWait(browser, WAIT, poll_frequency=0.1, ignored_exceptions=fleeting)

    def settled(self, css):
        """The element if it is present and displayed and, inside the modal, drawn for good: the
        page marks the modal data-settled once a poll finds nothing left to redraw, and a view
        still "Loading" is about to be replaced."""
        from selenium.webdriver.common.by import By

        element = self.browser.find_element(By.CSS_SELECTOR, css)
        if not element.is_displayed():
            return None
        for modal in self.browser.find_elements(By.ID, "modal"):  # none on the candidate's pages
            inside = self.browser.execute_script("return arguments[0].contains(arguments[1])", modal, element)
            if inside and (modal.get_attribute("data-settled") != "true" or "Loading" in modal.text):
                return None
        return element

    def act(self, css, do, took=None):
        """do(element) on the settled element until took(element), found afresh, says it worked
        (without took, once do() went through: a click may well remove what it clicked)."""

        def done(_):
            element = self.settled(css)
            if element is None:
                return False
            do(element)
            return took is None or took(self.browser.find_element("css selector", css))

        self.wait.until(done, f"could not act on {css}")

    def click(self, css):
        self.act(css, lambda element: element.click())

    def choose(self, css):
        """Click a radio button until it shows as chosen."""
        self.act(css, lambda e: e.is_selected() or e.click(), lambda e: e.is_selected())

    def type_into(self, css, text):
        """Make the field hold `text`: a redraw between keystrokes moves the focus away and drops
        the rest, so clear it and type again until it holds all of it."""

        def typing(element):
            if element.get_attribute("value"):
                element.clear()
            element.send_keys(text)

        self.act(css, typing, lambda element: element.get_attribute("value") == text)

    def select(self, css, value):
        from selenium.webdriver.support.ui import Select

        self.act(
            css,
            lambda e: Select(e).select_by_value(value),
            lambda e: Select(e).first_selected_option.get_attribute("value") == value,
        )

    def visible(self, css):
        return self.wait.until(lambda _: self.settled(css), f"{css} not shown")

    def text_appears(self, css, text):
        from selenium.webdriver.support import expected_conditions as ec

        self.wait.until(ec.text_to_be_present_in_element(("css selector", css), text), f"{text!r} in {css}")

    def type_command(self, text):
        from selenium.webdriver.common.keys import Keys

        self.type_into("#text", text)
        self.act("#text", lambda box: box.send_keys(Keys.ENTER))

    def value(self, css, name="value"):
        """An attribute of what the page shows now."""
        return self.wait.until(
            lambda _: [self.browser.find_element("css selector", css).get_attribute(name)]
        )[0]

    def selected(self, css) -> bool:
        return self.wait.until(lambda _: [self.browser.find_element("css selector", css).is_selected()])[0]

    def chosen(self, css) -> tuple[str, str]:
        """The value and the text of a select's chosen option."""
        from selenium.webdriver.support.ui import Select

        def read(_):
            option = Select(self.browser.find_element("css selector", css)).first_selected_option
            return [(option.get_attribute("value"), option.text)]

        return self.wait.until(read)[0]

    def last_shown(self, css):
        """The last displayed element matching css (a redraw may hide or replace the others)."""
        return self.wait.until(
            lambda d: [e for e in d.find_elements("css selector", css) if e.is_displayed()][-1:]
        )[0]

    def click_last(self, css):
        """Click the last displayed match, retrying when a redraw replaces it."""

        def done(d):
            shown = [e for e in d.find_elements("css selector", css) if e.is_displayed()]
            if not shown:
                return False
            shown[-1].click()
            return True

        self.wait.until(done, f"could not click the last {css}")


@pytest.mark.timeout(300)  # some 20 s alone; several times that beside a full suite on 2 cores
def test_click_through_the_story(browser, pg):
    sent = spy_on_commands(pg)
    browser.get(pg.url)
    try:
        _story(browser, Page(browser), sent, pg)
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        browser.save_screenshot(str(ARTIFACTS / "playground-last.png"))


def spy_on_commands(pg) -> list[str]:
    """Record each command's text exactly as the page hands it to the app."""
    sent: list[str] = []
    command = pg.driver.command

    def recording(text, **kw):
        sent.append(text)
        return command(text, **kw)

    pg.driver.command = recording
    return sent


def confirm_in_page(page, title, yes):
    """Slack's own dialog, drawn in the page: title, mrkdwn rendered, the app's labels."""

    def drawn(d):
        dialog = d.find_element("css selector", "#confirm .dialog")
        if not dialog.is_displayed():
            return None
        body = dialog.find_element("css selector", ".mbody")
        return [
            (
                dialog.text,
                dialog.find_element("id", "confirm-yes").text,
                body.text,
                body.find_elements("css selector", "b"),
            )
        ]

    text, yes_label, body, bold = page.wait.until(drawn, "the confirmation dialog")[0]
    assert title in text and yes in yes_label
    assert bold, "the *bold* of mrkdwn is rendered"
    assert "*" not in body


def _story(browser, page, sent, pg):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    text_appears, type_command = page.text_appears, page.type_command
    text_appears("#title", "general")
    # an unknown slash command gets Slack's own answer, not the app's
    type_command("/frobnicate now")
    text_appears("#messages", "/frobnicate is not a valid command")
    assert "Slackbot" in page.last_shown("#messages .ephemeral").text

    # a validation error keeps every typed value and choice
    type_command("/tavus persona")
    # the form is redrawn once Tavus's replica list arrives: each step waits for it to settle
    page.type_into("#in-name", "Browser interviewer")
    page.click("#modal button[data-action=more_persona_options]")  # issue 22: the rest of the form
    text_appears("#modal", "Pipeline mode")
    assert page.value("#in-name") == "Browser interviewer"
    page.type_into("#in-context", "Hiring product designers.")
    page.choose("#in-pipeline_mode input[value=echo]")
    page.select("#in-llm_model", "tavus-gpt-4o")
    page.select("#in-perception", "raven-0")  # issue 24: perception is off unless chosen
    page.click("#modal-submit")
    text_appears("#modal", "Echo mode cannot use a perception model")
    shot(browser, "persona-form-error")
    assert page.value("#in-name") == "Browser interviewer"
    assert page.value("#in-context") == "Hiring product designers."
    assert page.selected("#in-pipeline_mode input[value=echo]")
    assert page.chosen("#in-llm_model")[0] == "tavus-gpt-4o"
    assert page.selected("#in-smart_turn input[value=on]")
    page.choose("#in-pipeline_mode input[value=full]")
    page.type_into("#in-system_prompt", "You interview designers.")
    page.type_into("#in-plan", "portfolio: walk through one project -> project_name")
    page.click("#modal-submit")
    text_appears("#modal", "Created")
    # Start an interview from the result replaces it: one Cancel closes everything
    page.click("#modal button[data-action=start_from_persona]")
    text_appears("#modal .mtitle", "Start interview")
    page.click("#modal .mfooter button")
    page.wait.until(ec.invisibility_of_element_located((By.ID, "backdrop")))

    # the interview form: an error keeps the chosen channel and the typed name
    type_command("/tavus interview")
    text_appears("#modal", "Start interview")
    assert page.chosen("#in-persona")[1] == "Browser interviewer", "names, not ids"
    page.type_into("#in-interview_name", "First round")
    page.select("#in-channel", "C0HIRING1")
    page.type_into("#in-minutes", "99")
    page.click("#modal-submit")
    text_appears("#modal", "from 1 to 60 minutes")
    shot(browser, "interview-form-error")
    assert page.chosen("#in-channel")[0] == "C0HIRING1"
    assert page.value("#in-interview_name") == "First round"
    page.select("#in-channel", "C0GENERAL")
    page.type_into("#in-minutes", "30")
    page.click("#modal-submit")
    text_appears("#modal", "Started")
    page.click("#modal .mfooter button")
    text_appears("#messages", "Waiting for the candidate")

    page.click("#calls button[data-sim=join]")
    text_appears("#messages", "Live since")
    shot(browser, "live-call")  # the panel plays the persona's objectives and guardrails now
    page.click("#calls button[data-sim=leave]")
    text_appears("#messages", "the candidate left")
    page.click("#nav-dm")  # results go to the owner's DM (issue 14)
    text_appears("#messages", "attached in this thread as a file")
    page.click("#messages .file summary")  # issue 15: the transcript file opens in place
    text_appears("#messages .file .ftext", "Candidate: ")
    shot(browser, "report")
    page.click("a[data-target=C0GENERAL]")
    text_appears("#title", "general")
    shot(browser, "playground")

    # a mention picked from the list reaches the app as <@U…|name>
    page.type_into("#text", "/tavus interview Browser interviewer @cas")
    page.visible("#mentions li[data-user=U0CAND01]")
    shot(browser, "mention-picker")
    page.click("#mentions li[data-user=U0CAND01]")
    page.act("#text", lambda box: box.send_keys("Second round\n"))
    text_appears("#messages", "Second round")
    assert "<@U0CAND01|casey>" in sent[-1] and "@cas" not in sent[-1].replace("<@U0CAND01|casey>", "")
    text_appears("#messages", "Candidate: @casey")
    # ephemeral replies sit in time order: the card posted last is the last thing shown
    page.wait.until(lambda d: "Second round" in d.find_elements(By.CSS_SELECTOR, "#messages > .msg")[-1].text)

    # an interview with a candidate is an invite: its card has no link, and Cancel asks with Slack's dialog
    text_appears("#messages", "Invited")
    page.click_last("button[data-action=cancel_invite]")
    confirm_in_page(page, "Cancel interview?", "Cancel it")
    shot(browser, "confirm-dialog")
    page.click("#confirm-yes")
    text_appears("#messages", "Cancelled by @olivia")

    # the page never scrolls: the composer stays on screen however long the channel gets
    assert browser.execute_script("return document.scrollingElement.scrollTop") == 0
    bottom = browser.execute_script(
        "return document.getElementById('composer').getBoundingClientRect().bottom"
    )
    assert bottom <= browser.execute_script("return window.innerHeight")

    # the Home tab
    page.click("#nav-home")
    text_appears("#messages", "Your personas")
    text_appears("#messages", "Browser interviewer")
    shot(browser, "home")
    page.click("a[data-target=C0GENERAL]")

    # Slack's own /invite, as the app's advice for a private channel says
    page.click("a[data-target=G0PRIVATE]")
    text_appears("#title", "secret-hiring")
    type_command("/invite @Tavus")
    text_appears("#messages", "@tavus was added to #secret-hiring by @olivia.")
    assert "not a valid command" not in page.value("#messages", "textContent")
    shot(browser, "invite-app")
    page.click("a[data-target=C0GENERAL]")
    text_appears("#title", "general")

    _candidate_story(browser, page, pg)

    # delete the persona from the personas list: one dialog
    type_command("/tavus personas")
    page.click_last(".ephemeral button[data-action=delete_persona]")
    confirm_in_page(page, "Delete persona?", "Delete")
    page.click("#confirm-yes")
    text_appears("#messages", "Deleted persona")


def helpers(browser):
    """(wait, visible, text_appears, type_command) of a Page on the browser."""
    page = Page(browser)
    return page.wait, page.visible, page.text_appears, page.type_command


def test_quick_clicks_land_and_switching_person_keeps_the_channel(browser, pg):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    wait, visible, text_appears, type_command = helpers(browser)
    browser.get(pg.url)
    text_appears("#title", "general")
    type_command("/tavus help")  # something to redraw meanwhile
    text_appears("#messages", "Tavus AI interviews")
    targets = ["C0HIRING1", "C0GENERAL"] * 10
    for target in targets:  # 20 quick clicks while the page polls every 700 ms
        browser.find_element(By.CSS_SELECTOR, f"#channels a[data-target={target}]").click()
        expected = "hiring" if target == "C0HIRING1" else "general"
        assert browser.find_element(By.ID, "title").text.endswith(expected)
        active = browser.find_element(By.CSS_SELECTOR, "#channels a.active").get_attribute("data-target")
        assert active == target
    browser.find_element(By.CSS_SELECTOR, "#channels a[data-target=C0HIRING1]").click()
    Select(browser.find_element(By.ID, "user")).select_by_value("U0ADMIN1")
    wait.until(lambda d: d.find_element(By.ID, "title").text.endswith("hiring"))
    import time

    time.sleep(1.5)  # two polls later, still there
    assert browser.find_element(By.ID, "title").text.endswith("hiring")
    shot(browser, "hiring-as-admin")


def _candidate_story(browser, page, pg):
    """Issues 14 and 22: an external candidate's invite, played through the invite page and the
    simulated Tavus room (Join, an objective met, Leave), then the report as a canvas."""
    import re

    from selenium.webdriver.common.by import By

    pg.app.state.deps.store.save_interview_settings(pg.slack.state.team_id, "U0ADMIN1", report_canvas=1)
    page.type_command("/tavus interview")
    page.text_appears("#modal", "Start interview")
    page.type_into("#in-candidate_name", "Jane Doe")
    page.click("#modal-submit")
    page.text_appears("#modal", "Invited")
    page.click("#modal .mfooter button")
    page.text_appears("#messages", "Jane Doe")
    channel = page.wait.until(
        lambda d: [[m.text for m in d.find_elements(By.CSS_SELECTOR, "#messages > .msg:not(.ephemeral)")]]
    )[0]
    assert channel and "/i/" not in str(channel)  # never in the channel (only in the owner's own replies)
    link = page.wait.until(lambda _: page.value("#invites a[data-invite=open]", "href"))
    playground = browser.current_url
    browser.get(link)  # the candidate opens the link, reads the page, and presses Start
    page.text_appears("main", "What will happen")
    shot(browser, "invite-page")
    for box in browser.find_elements(By.CSS_SELECTOR, "main form input[type=checkbox]"):
        box.click()  # issue 24: the candidate ticks the consent the policy asks for
    page.click("main form button")
    page.text_appears("main", "Join as the candidate")  # the private room opened with its meeting token
    room = browser.current_url
    assert "?t=" in room
    shot(browser, "room-lobby")
    page.click("button.join")
    page.text_appears("main", "Leave")  # not "You are not allowed to join this meeting"
    assert "?t=" in browser.current_url
    page.wait.until(lambda d: re.fullmatch(r"00:0[1-9]|00:[1-5]\d", d.find_element(By.ID, "timer").text))
    shot(browser, "room-live")

    browser.get(playground)
    cid = room.split("/c/")[1].split("?")[0]
    page.text_appears("#messages", "Live since")
    live = page.last_shown("#messages > .msg:not(.ephemeral)").text
    # a date token drawn as Slack draws {time}: hours and minutes, no seconds, no date
    assert re.search(r"Live since \d{1,2}:\d{2} [AP]M(?!:)", live), live
    page.click(f".call[data-cid={cid}] button[data-sim=objective]")
    browser.get(room)  # back in the call, the candidate leaves
    page.click("button.leave")
    page.text_appears("main", "The call has ended")
    shot(browser, "room-ended")

    browser.get(playground)
    page.text_appears("#messages", "the candidate left")
    page.click("#nav-dm")
    page.text_appears("#messages", "open the report canvas")
    # the transcript reaches the canvas (an edit) a moment after the announcement
    page.wait.until(
        lambda _: any("Candidate:" in c["markdown"] for c in list(pg.slack.state.canvases.values()))
    )
    page.click_last("#messages a[data-canvas]")
    page.text_appears("#canvas .cbody", "Scorecard")
    assert "app.slack.com" not in browser.current_url  # it opened in place
    text = page.wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "#canvas .cbody").text)
    assert "portfolio" in text and "project_name: simulated project name" in text and "Candidate:" in text
    assert "\\" not in text and "**" not in text  # markdown drawn, not shown
    shot(browser, "canvas")
    page.click("#canvas-close")

    # issue 22: Home's Recently ended links the report; its permalink opens here, at the message
    page.click("#nav-home")
    page.text_appears("#messages", "Recently ended")
    page.click_last("#messages a[data-permalink]")
    page.text_appears("#title", "Messages")
    page.wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#messages .msg.linked"))
    shot(browser, "report-from-home")
    page.click("a[data-target=C0GENERAL]")

    # issue 27: the Workflows panel runs the example workflow; its first step gives the link
    page.click("#wf-run")
    page.text_appears("#workflows", "Send an AI interview · done")
    page.text_appears("#workflows", "Wait for an AI interview's result · running")
    assert "/i/" in page.value("#workflows a[data-output=candidate_link]", "href")
    shot(browser, "workflows")


MRKDWN_CASES = [  # (mrkdwn, the HTML the page draws): Slack's word-boundary rule for styles
    ("recruiter_rule_1 hit", "recruiter_rule_1 hit"),
    ("_italic_ and snake_case_name", "<i>italic</i> and snake_case_name"),
    ("*bold*, 2*3*4 and a*b*", "<b>bold</b>, 2*3*4 and a*b*"),
    ("~gone~ but x~y~z", "<s>gone</s> but x~y~z"),
    ("(_aside_) _ spaced _", "(<i>aside</i>) _ spaced _"),
    ("*Persona:* _Private_ pg", "<b>Persona:</b> <i>Private</i> pg"),
    ("`code_with_underscores_`", "<code>code_with_underscores_</code>"),
]

# (epoch built from the browser's own calendar, format, fallback, what it shows); "now" is
# 2 Dec 2026 3:14:34 PM wherever the browser is
DATE_CASES = [
    ("2026,11,2,15,14,34", "{date_short_pretty} at {time}", "x", "Today at 3:14 PM"),
    ("2026,11,1,23,5,0", "{date_short_pretty} at {time}", "x", "Yesterday at 11:05 PM"),
    ("2026,11,3,0,30,0", "{date_short_pretty} at {time}", "x", "Tomorrow at 12:30 AM"),
    ("2026,10,23,9,0,0", "{date_short_pretty}", "x", "Nov 23rd"),
    ("2025,0,11,12,0,0", "{date_short_pretty}", "x", "Jan 11th, 2025"),
    (
        "2026,11,2,9,5,7",
        "{date_num} · {date} · {date_short}",
        "x",
        "2026-12-02 · December 2nd, 2026 · Dec 2, 2026",
    ),
    ("2026,11,2,9,5,7", "{date_long}", "x", "Wednesday, December 2nd, 2026"),
    ("2026,11,2,9,5,7", "opens {date_pretty}, {date_long_pretty}", "x", "Opens today, today"),
    (
        "2026,10,21,9,5,7",
        "{date_pretty} / {date_long_pretty}",
        "x",
        "November 21st, 2026 / Saturday, November 21st, 2026",
    ),
    ("2026,11,2,9,5,7", "{time_secs}", "x", "9:05:07 AM"),
    ("2026,11,2,15,11,34", "{ago}", "x", "3 minutes ago"),
    ("2026,11,2,12,14,34", "{ago}", "x", "3 hours ago"),
    ("2026,11,2,9,5,7", "{date_num} {not_a_token}", "x", "2026-12-02 {not_a_token}"),
    (None, "{date_num}", "2026-12-02T15:14:34Z", "2026-12-02T15:14:34Z"),
]


def test_mrkdwn_styles_and_date_tokens_draw_as_in_slack(browser, pg):
    """Issue 22: the page's own renderer (sim/static/blockkit.js), run in the browser."""
    browser.get(pg.url)
    Page(browser).text_appears("#title", "general")
    drawn = browser.execute_script(
        "const names = {users: {}, channels: {}};"
        "return arguments[0].map(([text]) => {"
        "  const box = document.createElement('div');"
        "  box.append(...window.BlockKit.mrkdwn(text, names));"
        "  return box.innerHTML; });",
        MRKDWN_CASES,
    )
    assert drawn == [html for _, html in MRKDWN_CASES]
    shown = browser.execute_script(
        "const now = new Date(2026, 11, 2, 15, 14, 34);"
        "return arguments[0].map(([parts, format, fallback]) => {"
        "  const epoch = parts ? String(new Date(...parts.split(',').map(Number)).getTime() / 1000) : 'soon';"
        "  return window.BlockKit.slackDate(epoch, format, fallback, now); });",
        DATE_CASES,
    )
    assert shown == [text for *_, text in DATE_CASES]
    # in a message: a link on the date, and the fallback only where Slack cannot draw the date
    linked = browser.execute_script(
        "const box = document.createElement('div');"
        "const text = 'at <!date^1796224474^{date_num}^https://example.com/x|fb> ok';"
        "box.append(...window.BlockKit.mrkdwn(text, {users: {}, channels: {}}));"
        "return box.innerHTML;"
    )
    assert linked.startswith('at <a href="https://example.com/x"') and ">20" in linked and "fb" not in linked


def test_the_room_follows_the_call_when_it_changes_elsewhere(browser, pg):
    """The simulated room reads its call's state: the panel's "Candidate joins" turns the lobby into
    the call, and an end from anywhere shows the end (a private room: with its meeting token)."""
    import httpx

    page = Page(browser)
    persona = httpx.post(
        f"{pg.tavus_url}/v2/personas",
        headers={"x-api-key": pg.tavus_key_used},
        json={"persona_name": "Room watcher", "system_prompt": "You interview."},
    ).json()
    conv = httpx.post(
        f"{pg.tavus_url}/v2/conversations",
        headers={"x-api-key": pg.tavus_key_used},
        json={
            "persona_id": persona["persona_id"],
            "replica_id": "rfe12d8b9597",
            "require_auth": True,
            "conversation_name": "Watched",
        },
    ).json()
    browser.get(f"{conv['conversation_url']}?t={conv['meeting_token']}")
    page.text_appears("main", "Join as the candidate")
    httpx.post(f"{pg.url}/pg/tavus/{conv['conversation_id']}/join", json={})
    page.text_appears("main", "Leave")  # the lobby reloaded into the call by itself
    httpx.post(f"{pg.url}/pg/tavus/{conv['conversation_id']}/timeout", json={})
    page.text_appears("main", "The call reached its time limit.")
