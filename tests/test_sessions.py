"""Sessions that can be ended, and sign-in limits that protect without locking anyone out.

Revocation: a session cookie saved before sign-out, a password, role or scope change, or a
disable/enable (from the web or from ``hotspots users``) is refused when replayed afterwards
(pages redirect to ``/login``, JSON answers 401), while other accounts' sessions go on.

Limits: failures are counted per account (``LOGIN_MAX_FAILURES``) and, far higher, per address
(``LOGIN_MAX_FAILURES_PER_ADDRESS``); each attempt is counted before its password is checked, in
one transaction, so parallel attempts cannot all pass; the address is the one the configured
number of trusted proxies (``PROXY_COUNT``) saw.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from hotspots.cli import main
from hotspots.users import UserStore
from tests.accounts import PASSWORD, csrf_token, ensure_user, sign_in
from tests.helpers import AppFactory

COOKIE = "hotspots_session"
PAGE = "/upload"  # a page analysts may see that needs no analysis
JSON = "/api/v1/meta"


@pytest.fixture
def app(app_factory: AppFactory, tmp_path: Path) -> Flask:
    return app_factory(USERS_DB=str(tmp_path / "u.sqlite3"), WARM_PRESETS=0, CACHE_DIR="")


def _store(app: Flask) -> UserStore:
    return UserStore(app.config["USERS_DB"], actor="test")


def _replay(app: Flask, cookie: str) -> tuple[int, str, int]:
    """A fresh client carrying a saved session cookie: (page status, its Location, JSON status)."""
    client = app.test_client()
    client.set_cookie(COOKIE, cookie)
    page = client.get(PAGE)
    json_status = client.get(JSON).status_code
    return page.status_code, page.headers.get("Location", ""), json_status


def _saved_session(app: Flask, role: str = "analyst", name: str | None = None) -> str:
    """Sign a new client in and return its session cookie (as a thief would have saved it)."""
    client = app.test_client()
    name = ensure_user(app, role, name=name)
    response = client.post(
        "/login", data={"username": name, "password": PASSWORD, "csrf_token": csrf_token(client)}
    )
    assert response.status_code == 302
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None
    return cookie.value


def _cli(app: Flask, *args: str) -> None:
    assert main(["users", "--users-db", app.config["USERS_DB"], *args]) == 0


def _sign_out_on_the_web(app: Flask) -> None:
    client = sign_in(app.test_client(), "analyst")
    assert client.post("/logout", data={"csrf_token": csrf_token(client, PAGE)}).status_code == 302


EVENTS: dict[str, Callable[[Flask], None]] = {
    "sign-out": _sign_out_on_the_web,
    "password": lambda app: _store(app).set_password("test-analyst", "a brand new password"),
    "password-cli": lambda app: _cli(app, "passwd", "test-analyst", "--generate"),
    "role": lambda app: _store(app).set_role("test-analyst", "admin"),
    "role-cli": lambda app: _cli(app, "role", "test-analyst", "commissioner"),
    "disable-enable": lambda app: (
        _store(app).set_disabled("test-analyst", True),
        _store(app).set_disabled("test-analyst", False),
    ),
    "disable-enable-cli": lambda app: (
        _cli(app, "disable", "test-analyst"),
        _cli(app, "enable", "test-analyst"),
    ),
}


@pytest.mark.parametrize("event", list(EVENTS))
def test_a_session_saved_before_the_event_is_refused_after_it(app: Flask, event: str) -> None:
    saved = _saved_session(app, "analyst")
    other = _saved_session(app, "analyst", name="other-analyst")
    assert _replay(app, saved) == (200, "", 200)  # the saved cookie works until the event
    EVENTS[event](app)
    status, location, json_status = _replay(app, saved)
    assert (status, json_status) == (302, 401)
    assert location.startswith("/login")
    assert _replay(app, other) == (200, "", 200)  # another account's session goes on


def test_signing_out_ends_the_session_the_cookie_was_saved_from(app: Flask) -> None:
    client = sign_in(app.test_client(), "analyst")
    saved = client.get_cookie(COOKIE).value
    assert client.post("/logout", data={"csrf_token": csrf_token(client, PAGE)}).status_code == 302
    assert _replay(app, saved)[::2] == (302, 401)


def test_a_scope_change_ends_the_officers_sessions(app: Flask) -> None:
    name = ensure_user(app, "officer")  # Cambridge
    saved = _saved_session(app, "officer")
    client = app.test_client()
    client.set_cookie(COOKIE, saved)
    assert client.get(JSON).status_code == 200
    _store(app).set_role(name, "officer", ["E06000031"])  # now Peterborough
    assert client.get(JSON).status_code == 401
    assert client.get("/patrol?to=2025-11").headers["Location"].startswith("/login")


def test_signing_in_again_after_the_event_works(app: Flask) -> None:
    saved = _saved_session(app, "analyst")
    _store(app).set_password("test-analyst", "a brand new password")
    assert _replay(app, saved)[2] == 401
    client = app.test_client()
    response = client.post(
        "/login",
        data={
            "username": "test-analyst",
            "password": "a brand new password",
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code == 302
    assert client.get(JSON).status_code == 200


def test_a_session_from_before_the_upgrade_is_refused(app: Flask) -> None:
    """A cookie signed with the right key but holding no session version (an old session)."""
    ensure_user(app, "analyst")
    client = app.test_client()
    with client.session_transaction() as session:
        session.update({"user": "test-analyst", "since": __import__("time").time()})
    assert client.get(JSON).status_code == 401


# -- sign-in limits ------------------------------------------------------------------------------


def _limited_app(app_factory: AppFactory, tmp_path: Path, **config: object) -> Flask:
    return app_factory(
        USERS_DB=str(tmp_path / "u.sqlite3"),
        WARM_PRESETS=0,
        CACHE_DIR="",
        LOGIN_MAX_FAILURES=5,
        LOGIN_WINDOW_MINUTES=15,
        **config,
    )


def _attempt(
    app: Flask, name: str, password: str, address: str = "10.0.0.1", **headers: str
) -> int:
    """One sign-in from ``address`` (the TCP peer) with a fresh client: its status."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    data = {"username": name, "password": password, "csrf_token": csrf_token(client)}
    return client.post("/login", data=data, headers=headers).status_code


def test_failures_for_one_account_do_not_lock_out_others_at_the_address(
    app_factory: AppFactory, tmp_path: Path
) -> None:
    app = _limited_app(app_factory, tmp_path)
    victim = ensure_user(app, "analyst", name="user-a")
    colleague = ensure_user(app, "analyst", name="user-b")
    assert [_attempt(app, victim, "wrong password") for _ in range(5)] == [401] * 5
    assert _attempt(app, colleague, PASSWORD) == 302  # same address, other account: signs in
    assert _attempt(app, victim, PASSWORD) == 429  # the account is limited...
    assert _attempt(app, victim, PASSWORD, address="10.9.9.9") == 429  # ...from every address
    entries = _store(app).recent(20)
    assert [e.action for e in entries[:3]] == ["login_blocked", "login_blocked", "login"]
    assert entries[0].detail == {"reason": "too many failures for this account"}


def test_the_address_limit_is_far_higher_and_counts_failures_only(
    app_factory: AppFactory, tmp_path: Path
) -> None:
    app = _limited_app(app_factory, tmp_path, LOGIN_MAX_FAILURES_PER_ADDRESS=12)
    assert app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] == 12
    good = ensure_user(app, "analyst", name="good-user")
    for _ in range(20):  # successes from the address count for nothing
        assert _attempt(app, good, PASSWORD) == 302
    # 12 failures spread over names (under each account's limit of 5) from one address
    statuses = [_attempt(app, f"guess-{i % 4}", "wrong password") for i in range(12)]
    assert statuses == [401] * 12
    assert _attempt(app, good, PASSWORD) == 429  # the address is now limited
    assert _attempt(app, good, PASSWORD, address="10.0.0.2") == 302  # other addresses are not
    blocked = _store(app).recent(1, "login_blocked")[0]
    assert blocked.detail == {"reason": "too many failures from this address"}


def test_the_default_address_limit_is_far_above_the_account_limit(app: Flask) -> None:
    assert app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] >= 10 * app.config["LOGIN_MAX_FAILURES"]
    assert app.config["PROXY_COUNT"] == 0


def test_parallel_wrong_attempts_cannot_all_pass_the_limit(
    app_factory: AppFactory, tmp_path: Path
) -> None:
    """20 threads sign in with a wrong password at once against a limit of 5: at most 5 reach
    the password check (each answered 401 and audited ``login_failed``), the rest get 429."""
    app = _limited_app(app_factory, tmp_path)
    name = ensure_user(app, "analyst")
    clients = []
    for _ in range(20):
        client = app.test_client()
        clients.append((client, csrf_token(client)))
    start = threading.Barrier(len(clients))
    statuses: list[int] = []

    def attempt(client: FlaskClient, token: str) -> None:
        data = {"username": name, "password": "wrong password", "csrf_token": token}
        start.wait()
        statuses.append(client.post("/login", data=data).status_code)

    threads = [threading.Thread(target=attempt, args=pair) for pair in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [401] * 5 + [429] * 15
    audit = _store(app).recent(100)
    assert sum(e.action == "login_failed" for e in audit) == 5
    assert sum(e.action == "login_blocked" for e in audit) == 15


@pytest.mark.parametrize("proxies", [0, 1])
def test_the_client_address_comes_from_the_trusted_proxies(
    app_factory: AppFactory, tmp_path: Path, proxies: int
) -> None:
    app = _limited_app(app_factory, tmp_path, PROXY_COUNT=proxies, LOGIN_MAX_FAILURES_PER_ADDRESS=2)
    name = ensure_user(app, "analyst")
    # the proxy (10.0.0.1) appends the client's address; a client may forge earlier entries
    first = {"X-Forwarded-For": "192.0.2.66, 203.0.113.7"}
    assert _attempt(app, "guess-1", "wrong password", **first) == 401
    assert _attempt(app, "guess-2", "wrong password", **first) == 401
    addresses = {e.address for e in _store(app).recent(2, "login_failed")}
    assert addresses == ({"203.0.113.7"} if proxies else {"10.0.0.1"})
    second = {"X-Forwarded-For": "198.51.100.20"}
    # behind one proxy, another client of the same proxy is not limited; without
    # PROXY_COUNT the header means nothing and every client shares the proxy's address
    assert _attempt(app, name, PASSWORD, **second) == (302 if proxies else 429)
    assert _attempt(app, name, PASSWORD, **first) == 429


@pytest.mark.parametrize(
    ("role", "sent_next", "lands"),
    [
        ("officer", "/", "/patrol"),  # the site's address: an officer's own plan
        ("officer", None, "/patrol"),
        ("officer", "/compare?from=2025-10", "/compare?from=2025-10"),  # a page asked for
        ("analyst", "/", "/"),
        ("commissioner", "/", "/briefing"),  # the office's job: the briefing
        ("commissioner", "/compare", "/compare"),
        ("admin", None, "/"),
    ],
)
def test_a_sign_in_lands_on_the_roles_home_unless_a_page_was_asked_for(
    app: Flask, role: str, sent_next: str | None, lands: str
) -> None:
    client = app.test_client()
    form = {"username": ensure_user(app, role), "password": PASSWORD}
    form["csrf_token"] = csrf_token(client)
    if sent_next is not None:
        form["next"] = sent_next
    response = client.post("/login", data=form)
    assert response.status_code == 302 and response.headers["Location"] == lands
    assert client.get(lands).status_code == 200
