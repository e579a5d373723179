"""Roles and escaping in a real browser: a reviewer reads everything but finds no control
that changes a coding, and the API refuses the reviewer even when asked directly; text
that users typed (code names, memos, comments, case names, transcripts) shows as text."""
from __future__ import annotations

import pytest

from apps.cases.services import case_create
from apps.coding.models import Segment
from apps.coding.services import code_create, comment_create, memo_create, segment_create
from apps.projects.models import Role
from apps.projects.services import membership_set
from apps.transcripts.services import transcript_create
from tests.browser.conftest import assert_no_console_errors
from tests.conftest import make_user, phrase_span

pytestmark = pytest.mark.browser

IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert(2)</script>"


def fetch_status(page, method: str, url: str, body: dict | None = None) -> int:
    """Sends a request from the page with the session and the CSRF token, as the app's JS does."""
    return page.evaluate(
        """async ([method, url, body]) => {
            const token = (document.cookie.match(/(?:^|; )csrftoken=([^;]+)/) || [])[1] || "";
            const response = await fetch(url, {
                method, credentials: "same-origin",
                headers: {"X-CSRFToken": decodeURIComponent(token), "Content-Type": "application/json"},
                body: body === null ? undefined : JSON.stringify(body),
            });
            return response.status;
        }""",
        [method, url, body],
    )


@pytest.fixture
def coded(project, transcript, coder, threat):
    start, end = phrase_span(transcript, "Because Moscow wanted it to.")
    return segment_create(transcript=transcript, start=start, end=end, coder=coder, codes=[threat], memo="why")


def test_a_reviewer_finds_no_coding_controls_and_the_api_refuses(page, signed_in, live_server, reviewer, project,
                                                                 transcript, threat, coded, screenshot):
    signed_in(page, reviewer)
    page.goto(f"{live_server.url}/projects/{project.slug}/transcripts/{transcript.pk}/")
    page.wait_for_selector("body[data-workspace-ready]")
    assert page.locator("[data-transcript]").get_attribute("contenteditable") is None
    for control in ("[data-code-new]", "[data-undo]", "[data-redo]", "[data-recent-bar]"):
        assert page.locator(control).count() == 0, f"a reviewer sees {control}"
    # Selecting a passage opens no coding popover.
    page.locator(".tt").first.dblclick()
    page.wait_for_timeout(200)
    assert not page.locator("form.popover").is_visible()
    screenshot(page, "roles-reviewer-transcript")
    assert_no_console_errors(page)

    api = f"/api/projects/{project.slug}"
    assert fetch_status(page, "PATCH", f"{api}/segments/{coded.pk}", {"version": coded.version, "memo": "mine"}) == 403
    assert fetch_status(page, "DELETE", f"{api}/segments/{coded.pk}", None) == 403
    start, end = phrase_span(transcript, "Nobody wanted to fight Azerbaijan.")
    assert fetch_status(page, "POST", f"{api}/segments", {"transcript_id": transcript.pk, "start": start, "end": end,
                                                          "code_ids": [threat.pk]}) == 403
    assert fetch_status(page, "POST", f"{api}/codes", {"name": "Reviewer's code"}) == 403
    saved = Segment.objects.get(pk=coded.pk)
    assert (saved.memo, saved.version, saved.deleted_at) == ("why", coded.version, None)
    assert Segment.objects.filter(project=project).count() == 1
    # the browser logs each refused request; nothing else went wrong
    assert set(page.console_errors) == {"Failed to load resource: the server responded with a status of 403 "
                                        "(Forbidden)"}


def test_a_reviewer_finds_no_settle_or_team_controls(page, signed_in, live_server, reviewer, owner, project,
                                                     transcript, coder, threat, coded):
    cleo = make_user("cleo")
    membership_set(project=project, user=cleo, role=Role.CODER, actor=owner)
    start, end = phrase_span(transcript, "Because Moscow wanted it to. The members")
    segment_create(transcript=transcript, start=start, end=end, coder=cleo, codes=[threat])
    signed_in(page, reviewer)
    page.goto(f"{live_server.url}/projects/{project.slug}/agreement/disagreements/")
    assert page.locator("article.passage").count() == 1
    assert page.locator("button[value=keep], button[value=merge], button[value=discard]").count() == 0
    page.fill("article.passage textarea[name=text]", "Why the longer passage?")
    with page.expect_navigation():
        page.click("article.passage form.discuss button[type=submit]")
    assert "Comment added" in page.locator(".messages").inner_text()
    page.goto(f"{live_server.url}/projects/{project.slug}/members/")
    assert page.locator("select[name=role], input[name=login], button.danger").count() == 0
    assert_no_console_errors(page)


def test_an_owner_settles_a_disagreement_in_the_browser(page, signed_in, live_server, owner, project, transcript,
                                                        coder, threat, coded, screenshot):
    cleo = make_user("cleo")
    membership_set(project=project, user=cleo, role=Role.CODER, actor=owner)
    start, end = phrase_span(transcript, "Because Moscow wanted it to. The members")
    longer = segment_create(transcript=transcript, start=start, end=end, coder=cleo, codes=[threat])
    signed_in(page, owner)
    page.goto(f"{live_server.url}/projects/{project.slug}/agreement/")
    assert page.locator("table.agreement tbody tr").count() == 1
    assert page.locator("table.agreement tfoot").inner_text().startswith("All codes")
    screenshot(page, "roles-agreement")
    page.click("table.agreement a:text('passages')")
    screenshot(page, "roles-disagreements")
    with page.expect_navigation():
        page.locator(f"blockquote[data-segment='{coded.pk}'] + .settle button[value=merge]").click()
    assert "Merged the codings" in page.locator(".messages").inner_text()
    assert page.locator("article.passage").count() == 0
    merged = Segment.objects.get(pk=coded.pk)
    assert (merged.start, merged.end) == (start, end)
    assert not Segment.objects.filter(pk=longer.pk).exists()
    assert_no_console_errors(page)


def test_payloads_typed_by_users_show_as_text_everywhere(page, signed_in, live_server, owner, project, coder,
                                                         screenshot):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    code = code_create(project=project, name=f"Threat {IMG}", actor=owner)
    case = case_create(project=project, name=f"Armenia {SCRIPT}", actor=owner)
    transcript = transcript_create(project=project, title="Interview X", created_by=owner,
                                   text=f"Interviewer: Why?\n\nE1: Because {IMG} and {SCRIPT} were typed here.")
    start, end = phrase_span(transcript, f"Because {IMG}")
    segment = segment_create(transcript=transcript, start=start, end=end, coder=coder, codes=[code], cases=[case],
                             memo=f"memo {SCRIPT}")
    memo_create(project=project, author=coder, title=f"Memo {IMG}", text=f"A memo {SCRIPT}", code=code)
    comment_create(project=project, author=owner, text=f"Comment {IMG}", segment=segment)

    signed_in(page, owner)
    pages = {
        "home": (f"/projects/{project.slug}/", [f"Threat {IMG}", f"Armenia {SCRIPT}"]),
        "transcript": (f"/projects/{project.slug}/transcripts/{transcript.pk}/", [f"Because {IMG} and {SCRIPT}"]),
        "segments": (f"/projects/{project.slug}/segments/", [f"memo {SCRIPT}", f"Because {IMG}"]),
        "review": (f"/projects/{project.slug}/review/", [f"Comment {IMG}"]),
        "history": (f"/projects/{project.slug}/history/", [f"Memo {IMG}", f"Comment {IMG}", f"Threat {IMG}"]),
        "segment history": (f"/projects/{project.slug}/history/segment/{segment.pk}/", [f"memo {SCRIPT}"]),
    }
    for name, (path, texts) in pages.items():
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        body = page.locator("body").inner_text()
        for text in texts:
            assert text in body, f"{name}: {text!r} is not shown as text"
        assert page.locator("img[src='x']").count() == 0, f"{name}: the payload became an element"
        assert page.evaluate("() => [...document.scripts].filter(s => s.type !== 'application/json'"
                             " && s.text.includes('alert')).length") == 0, f"{name}: the payload became a script"
        screenshot(page, f"roles-escaped-{name.replace(' ', '-')}")
    assert dialogs == []
    assert_no_console_errors(page)


def test_a_reviewer_who_opens_an_owners_page_gets_the_styled_403_with_the_reason(page, live_server, signed_in,
                                                                                 reviewer, project):
    signed_in(page, reviewer)
    response = page.goto(f"{live_server.url}/projects/{project.slug}/transcripts/import/")
    assert response.status == 403
    assert page.locator("h1").text_content() == "Not allowed"
    assert "Your role (reviewer) may not" in page.locator("main").text_content()
    # The app's look: its stylesheet applied (no inline styles needed, so the CSP holds) and its navigation.
    assert page.evaluate("getComputedStyle(document.body).fontFamily") != page.evaluate(
        "getComputedStyle(document.createElement('x')).fontFamily || 'Times New Roman'")
    assert page.locator("link[rel=stylesheet]").count() >= 1 and page.locator("header, nav").count() >= 1
    assert page.console_errors == ["Failed to load resource: the server responded with a status of 403 (Forbidden)"]
