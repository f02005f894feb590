"""The admin's journeys in Debian's Chromium at 1280 and 360 px: add an officer for a district
named as people name it, hand over the password shown once, reset it, disable the account; read
the audit log of those changes; upload a good file and a bad one. Each step asserts what the
admin gets; each page is axe-clean (WCAG 2.2 AA), within the screen, and used with the keyboard
(skip link, visible focus, no trap). Key presses are counted and bounded so a journey cannot
silently grow. Screenshots: ``tests/artifacts/screenshots/admin-*``.

The app runs on a demo store of this module's own (uploads write to it).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.accounts import ensure_user
from tests.e2e.browsing import (
    SCREENSHOTS,
    download_context,
    focused_name,
    serving,
    sign_in_page,
    signed_in,
    tab_to,
)
from tests.e2e.test_browser import axe_violations, report
from tests.helpers import DEMO_STREET, republished

#: A month of the demo's street crime (already stored: an upload replaces it, same rows).
GOOD_FILE = DEMO_STREET["2025-12"]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A demo store of the module's own, served: (base URL, the admin's account name)."""
    from hotspots.cli import main
    from web import create_app

    store = tmp_path_factory.mktemp("admin-e2e") / "store"
    assert main(["demo", "--store", str(store)]) == 0
    app = create_app({"STORE": str(store), "WARM_PRESETS": 0})
    admin = ensure_user(app, "admin")
    with serving(app) as url:
        yield url, admin


def _checked(page: Any, width: int, name: str) -> None:
    """Within the screen, axe-clean, every button and link at least 24 px tall; a screenshot."""
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    violations = axe_violations(page)
    assert violations == [], report(violations)
    small = page.evaluate(
        """() => Array.from(document.querySelectorAll('main button, main input, main select'))
             .map(e => [e.innerText || e.name || e.id, e.getBoundingClientRect()])
             .filter(([, r]) => r.width > 0 && (r.height < 24 || r.width < 24))
             .map(([n]) => n)"""
    )
    assert small == [], small
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"admin-{name}-{width}px.png"), full_page=True)


def _sign_in_fails(browser: Any, url: str, width: int, name: str, password: str) -> str:
    """Sign in as ``name`` in a fresh context; the page's error (empty when it worked)."""
    context = download_context(browser, url, width)
    try:
        page = context.new_page()
        page.goto(url + "/login")
        page.get_by_label("Username").fill(name)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state("load")
        if signed_in(page.url):  # past the sign-in form: the map, or an officer's plan
            return ""
        return " ".join(page.locator("main").inner_text().split())
    finally:
        context.close()


@pytest.mark.parametrize("width", [1280, 360])
def test_an_admin_adds_an_officer_by_district_name_resets_and_disables_it(
    browser: Any, site: tuple[str, str], width: int
) -> None:
    url, admin = site
    officer = f"sgt.smith{width}"
    context = download_context(browser, url, width)
    page = context.new_page()
    try:
        sign_in_page(page, url, admin)
        # the skip link is the first Tab stop, shown when focused, and moves focus to the page
        page.keyboard.press("Tab")
        assert focused_name(page) == "Skip to main content"
        box = page.get_by_role("link", name="Skip to main content").bounding_box()
        assert box is not None and box["x"] >= 0 and box["y"] >= 0
        page.keyboard.press("Enter")
        assert page.evaluate("() => document.activeElement.id") == "main"
        keys = 2
        # the accounts page, from the menu, by keyboard
        page.keyboard.press("Shift+Tab")  # back up to the menu from the page's start
        keys += 1
        for _ in range(12):
            if focused_name(page) == "Accounts":
                break
            page.keyboard.press("Shift+Tab")
            keys += 1
        assert focused_name(page) == "Accounts"
        page.keyboard.press("Enter")
        page.wait_for_url(url + "/admin/users")
        keys += 1
        assert page.locator("h1").inner_text() == "Accounts"
        _checked(page, width, "accounts")
        # the form, first on the page, by keyboard: skip link, name, role (typed), area, Enter
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        keys += 2 + tab_to(page, "new-username")
        page.keyboard.type(officer)
        page.keyboard.press("Tab")
        page.keyboard.type("Officer")  # a select takes the typed option
        page.keyboard.press("Tab")
        page.keyboard.type("Cambridge")
        page.keyboard.press("Enter")
        keys += 4
        page.wait_for_load_state("load")
        done = page.locator("#done")
        assert done.locator("p").first.inner_text() == (
            f"Account {officer} added: officer for Cambridge."
        )
        password = done.locator("code.password").inner_text()
        assert len(password) >= 12
        row = page.locator(".account-list li", has_text=officer)
        assert " ".join(row.inner_text().split()).startswith(
            f"{officer} Officer: Cambridge. Can sign in."
        )
        # the form is empty again for the next account
        assert page.get_by_label("Account name").input_value() == ""
        _checked(page, width, "added")
        # from the map to the account made: 13 presses besides the typing (skip link 2, back
        # to the menu's Accounts 3, Enter; skip link 2 and Tab to the name; Tab, Tab, Enter),
        # asserted so that the journey cannot silently grow
        assert keys == 13, keys
        # the officer signs in with it and gets Cambridge's plan
        officer_context = download_context(browser, url, width)
        officer_page = officer_context.new_page()
        sign_in_page_with(officer_page, url, officer, password)
        officer_page.goto(url + "/patrol")
        assert officer_page.locator("h1").inner_text() == "Patrol plan: Cambridge"
        # reset: a new password, the officer's session ends, the old password no longer works
        row.get_by_role("button", name=f"Reset password of {officer}").click()
        page.wait_for_load_state("load")
        said = page.locator("#done").inner_text()
        assert f"New password for {officer}; their sessions have ended." in said
        new_password = page.locator("#done code.password").inner_text()
        assert new_password != password
        officer_page.goto(url + "/patrol")
        assert "/login" in officer_page.url
        officer_context.close()
        refused = "The username or password is not right, or the account is disabled."
        assert refused in _sign_in_fails(browser, url, width, officer, password)
        assert _sign_in_fails(browser, url, width, officer, new_password) == ""
        # disable: it cannot sign in, and the list says so
        page.locator(".account-list li", has_text=officer).get_by_role(
            "button", name=f"Disable {officer}"
        ).click()
        page.wait_for_load_state("load")
        assert page.locator("#done").inner_text().strip() == (
            f"Account {officer} disabled: it cannot sign in."
        )
        row = page.locator(".account-list li", has_text=officer)
        assert "Disabled: cannot sign in." in " ".join(row.inner_text().split())
        assert row.get_by_role("button", name=f"Enable {officer}").count() == 1
        assert refused in _sign_in_fails(browser, url, width, officer, new_password)
        # the admin cannot disable their own account: no button for it
        mine = page.locator(".account-list li", has_text=f"{admin} (you)")
        assert mine.get_by_role("button", name=f"Disable {admin}").count() == 0
        _checked(page, width, "disabled")
        # the audit log names the admin for each change
        page.get_by_role("link", name="Audit log").click()
        page.get_by_label("Account").fill(admin)
        page.get_by_role("button", name="Show").click()
        page.wait_for_url("**/admin/audit?*")
        rows = [" | ".join(r) for r in _table(page)]
        assert any(f"user disabled | 127.0.0.1 | user: {officer}" in r for r in rows), rows
        assert any(f"password changed | 127.0.0.1 | user: {officer}" in r for r in rows), rows
        assert any(
            f"user added | 127.0.0.1 | user: {officer}; role: officer; scope: E07000008" in r
            for r in rows
        ), rows
        # every entry's details on the screen: which account was changed, not scrolled away
        assert _outside(page, "tbody td", width) == []
        _checked(page, width, "audit")
    finally:
        context.close()


def sign_in_page_with(page: Any, url: str, name: str, password: str) -> None:
    """Sign in with a password other than the tests' own."""
    page.goto(url + "/login")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(signed_in)


def _outside(page: Any, selector: str, width: int) -> list[str]:
    """The texts of the elements of ``selector`` not wholly on a screen ``width`` px wide."""
    return list(
        page.evaluate(
            """([sel, w]) => Array.from(document.querySelectorAll(sel))
                 .filter(e => { const r = e.getBoundingClientRect();
                                return r.width > 0 && (r.left < 0 || r.right > w); })
                 .map(e => e.innerText)""",
            [selector, width],
        )
    )


def _table(page: Any) -> list[list[str]]:
    return [
        [" ".join(c.split()) for c in r.locator("td").all_inner_texts()]
        for r in page.locator("tbody tr").all()
    ]


@pytest.mark.parametrize("width", [1280, 360])
def test_an_admin_sees_a_bad_account_refused_beside_its_field(
    browser: Any, site: tuple[str, str], width: int
) -> None:
    url, admin = site
    context = download_context(browser, url, width)
    page = context.new_page()
    try:
        sign_in_page(page, url, admin)
        page.get_by_role("link", name="Accounts").click()
        page.get_by_label("Account name").fill(f"pc.jones{width}")
        page.get_by_label("Role").select_option("officer")
        page.get_by_label("Area (officers only)").fill("Cambrige")  # a typo
        page.get_by_role("button", name="Add account").click()
        page.wait_for_load_state("load")
        area = page.get_by_label("Area (officers only)")
        assert area.get_attribute("aria-invalid") == "true"
        assert area.input_value() == "Cambrige"  # kept, to be corrected
        said = page.locator("#new-area-error").inner_text()
        assert "Area 'Cambrige' is no district or ward of the store" in said
        assert "did you mean: Cambridge district E07000008" in said
        assert page.get_by_label("Role").input_value() == "officer"
        # the summary's link takes the keyboard to the field
        page.locator(".error-summary a").click()
        assert page.evaluate("() => document.activeElement.id") == "new-area"
        _checked(page, width, "refused")
        area.fill("Cambridge")
        page.get_by_role("button", name="Add account").click()
        page.wait_for_load_state("load")
        assert "added: officer for Cambridge" in page.locator("#done").inner_text()
    finally:
        context.close()


@pytest.mark.parametrize("width", [1280, 360])
def test_the_admin_pages_have_no_keyboard_trap(
    browser: Any, site: tuple[str, str], width: int
) -> None:
    """Tab from the top goes through every control of the page, each with a visible outline,
    and out of the page again (no element keeps the focus)."""
    url, admin = site
    context = download_context(browser, url, width)
    page = context.new_page()
    try:
        sign_in_page(page, url, admin)
        for path in ("/admin/users", "/admin/audit", "/upload"):
            page.goto(url + path)
            controls = page.evaluate(
                """() => { const all = Array.from(document.querySelectorAll('*'));
                     return Array.from(document.querySelectorAll(
                       'a[href], button, input:not([type=hidden]), select, [tabindex="0"]'))
                       .filter(e => e.getClientRects().length).map(e => all.indexOf(e)); }"""
            )
            seen = []  # the focused element's place in the document, each Tab
            for _ in range(3 * len(controls) + 2):  # a date field takes 3 stops
                page.keyboard.press("Tab")
                seen.append(
                    page.evaluate(
                        "() => Array.from(document.querySelectorAll('*'))"
                        ".indexOf(document.activeElement)"
                    )
                )
                if page.evaluate("() => document.activeElement === document.body"):
                    break
            # every control is reached, in document order (a date field's parts one after the
            # other), then the focus leaves the page
            assert seen[-1] == page.evaluate(
                "() => Array.from(document.querySelectorAll('*')).indexOf(document.body)"
            ), (path, seen)
            assert seen[:-1] == sorted(seen[:-1]) and set(seen[:-1]) == set(controls), (path, seen)
    finally:
        context.close()


@pytest.mark.parametrize("width", [1280, 360])
def test_an_admin_uploads_a_good_file_and_a_bad_one(
    browser: Any, site: tuple[str, str], width: int, tmp_path: Path
) -> None:
    url, admin = site
    context = download_context(browser, url, width)
    page = context.new_page()
    try:
        sign_in_page(page, url, admin)
        page.get_by_role("link", name="Upload").click()
        # December re-published with other outcomes (the demo's own file changes nothing)
        good = tmp_path / GOOD_FILE.name
        good.write_bytes(republished("2025-12", f"Outcome at width {width}"))
        page.set_input_files("#files", str(good))
        page.get_by_role("button", name="Upload and ingest").click()
        page.wait_for_load_state("load")
        notice = page.locator(".notice")
        assert "Stored: rows read = kept + rejected" in notice.inner_text()
        cells = _table(page)
        head = page.locator(".notice tbody th").all_inner_texts()
        assert head == [GOOD_FILE.name]
        _kind, months, read, kept, rejected = cells[0][:5]
        assert months == "Dec 2025"  # in words (hotspots.dates)
        assert int(read.replace(",", "")) == int(kept.replace(",", "")) + int(
            rejected.replace(",", "")
        )
        assert int(kept.replace(",", "")) > 0
        assert "every file reconciles" in page.locator("#upload-caption").inner_text()
        # each figure and the summary on the screen, not scrolled out of a phone's view
        assert _outside(page, ".notice td, .notice th, #upload-caption", width) == []
        _checked(page, width, "upload-good")
        # the same file again: nothing changed, said so
        page.set_input_files("#files", str(good))
        page.get_by_role("button", name="Upload and ingest").click()
        page.wait_for_load_state("load")
        notice = " ".join(page.locator(".notice").inner_text().split())
        assert "Nothing changed: the store already holds these rows" in notice
        assert "Stored: rows read" not in notice
        _checked(page, width, "upload-same")
        # a file whose header is no police.uk or raid file: refused, naming it, nothing stored
        bad = tmp_path / "2025-12-mystery.csv"
        bad.write_text("Crime ID,Month,Colour\nabc,2025-12,blue\n", encoding="utf-8")
        page.set_input_files("#files", str(bad))
        page.get_by_role("button", name="Upload and ingest").click()
        page.wait_for_load_state("load")
        summary = " ".join(page.locator(".error-summary").inner_text().split())
        assert summary.startswith("The upload was refused")
        assert "2025-12-mystery.csv" in summary and "Nothing was stored." in summary
        assert "/tmp" not in page.content()  # never a server path
        _checked(page, width, "upload-bad")
    finally:
        context.close()
