"""Accounts and the audit log (hotspots.users) and the ``hotspots users`` command."""

from __future__ import annotations

import io
import sqlite3
import time
from pathlib import Path

import pandas as pd
import pytest

from hotspots.cli import main
from hotspots.users import (
    SignInLimits,
    TooManyFailures,
    UserError,
    UserStore,
    hash_password,
    verify_password,
)

PASSWORD = "a long enough password"


def test_passwords_are_salted_hashes_never_stored(tmp_path: Path) -> None:
    one, two = hash_password(PASSWORD), hash_password(PASSWORD)
    assert one != two and one.startswith("scrypt$") and PASSWORD not in one
    assert verify_password(PASSWORD, one) and verify_password(PASSWORD, two)
    assert not verify_password(PASSWORD + "x", one)
    assert not verify_password(PASSWORD, "md5$abc") and not verify_password(PASSWORD, "garbage")
    users = UserStore(tmp_path / "u.sqlite3")
    users.add("Jo.Bloggs", PASSWORD, "analyst")
    raw = (tmp_path / "u.sqlite3").read_bytes()
    assert PASSWORD.encode() not in raw
    assert (tmp_path / "u.sqlite3").stat().st_mode & 0o777 == 0o600


def test_accounts_roles_scopes_and_disabling(tmp_path: Path) -> None:
    users = UserStore(tmp_path / "u.sqlite3", actor="cli:test")
    user = users.add("Jo.Bloggs", PASSWORD, "officer", ["e07000008", "E05013051"])
    assert (user.username, user.scope) == ("jo.bloggs", ("E05013051", "E07000008"))
    assert users.authenticate("JO.BLOGGS", PASSWORD) == user
    assert users.authenticate("jo.bloggs", "wrong password!!") is None
    assert users.authenticate("nobody", PASSWORD) is None
    assert users.set_role("jo.bloggs", "commissioner").scope == ()
    users.set_disabled("jo.bloggs", True)
    assert users.authenticate("jo.bloggs", PASSWORD) is None
    users.set_disabled("jo.bloggs", False)
    users.set_password("jo.bloggs", "another long password")
    assert users.authenticate("jo.bloggs", "another long password") is not None
    actions = [e.action for e in users.recent(10)]
    assert actions == [
        "password_changed",
        "user_enabled",
        "user_disabled",
        "role_changed",
        "user_added",
    ]
    assert {e.username for e in users.recent(10)} == {"cli:test"}


@pytest.mark.parametrize(
    ("name", "password", "role", "scope", "message"),
    [
        ("x", PASSWORD, "analyst", [], "username 'x'"),
        ("a b", PASSWORD, "analyst", [], "username 'a b'"),
        ("ok.name", "short", "analyst", [], "password too short"),
        ("ok.name", PASSWORD, "sheriff", [], "role 'sheriff'"),
        ("ok.name", PASSWORD, "officer", [], "an officer needs a scope"),
        ("ok.name", PASSWORD, "analyst", ["E07000008"], "only officers have a scope"),
        ("ok.name", PASSWORD, "officer", ["Cambridge"], "GSS codes"),
    ],
)
def test_bad_accounts_are_refused_with_the_reason(
    tmp_path: Path, name: str, password: str, role: str, scope: list[str], message: str
) -> None:
    with pytest.raises(UserError, match=message):
        UserStore(tmp_path / "u.sqlite3").add(name, password, role, scope)


def test_a_name_is_taken_once(tmp_path: Path) -> None:
    users = UserStore(tmp_path / "u.sqlite3")
    users.add("jo", PASSWORD, "analyst")
    with pytest.raises(UserError, match="already exists"):
        users.add("JO", PASSWORD, "admin")


def test_the_users_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "store"
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    users = ["users", "--store", str(store)]
    add = ["add", "Jo.Bloggs", "--role", "officer", "--scope", "E07000008", "--password-stdin"]
    assert main([*users, *add]) == 0
    assert "added jo.bloggs: officer (E07000008)" in capsys.readouterr().out
    assert main([*users, "add", "sam", "--role", "admin", "--generate"]) == 0
    out = capsys.readouterr().out
    generated = out.split("password: ")[1].strip()
    assert UserStore(store / "users.sqlite3").authenticate("sam", generated) is not None
    assert main(["users", "--store", str(store), "disable", "jo.bloggs"]) == 0
    assert main(["users", "--store", str(store), "list"]) == 0
    listing = capsys.readouterr().out
    assert "jo.bloggs: officer (E07000008) [disabled]" in listing and "sam: admin" in listing
    assert main(["users", "--store", str(store), "role", "sam", "officer"]) == 2
    assert "an officer needs a scope" in capsys.readouterr().err
    assert main(["users", "--store", str(store), "audit", "--last", "2"]) == 0
    audit = capsys.readouterr().out.splitlines()
    assert len(audit) == 2 and "user_disabled" in audit[0] and "cli:" in audit[0]


def test_a_scope_the_store_does_not_hold_is_refused(
    demo_store_copy: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: an officer scoped to Liverpool (E08000012) was added to the Cambridgeshire store;
    every page of that account was then empty (or a 500)."""
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n" + PASSWORD + "\n"))
    users = ["users", "--store", str(demo_store_copy)]
    add = ["add", "pat", "--role", "officer", "--password-stdin", "--scope"]
    assert main([*users, *add, "E07000008,E08000012"]) == 2
    err = capsys.readouterr().err
    assert "['E08000012']" in err and "E07000008 (Cambridge)" in err and "E06000031" in err
    assert UserStore(demo_store_copy / "users.sqlite3").get("pat") is None
    assert main([*users, *add, "E07000008"]) == 0
    assert main([*users, "role", "pat", "officer", "--scope", "E08000012"]) == 2
    assert main([*users, "role", "pat", "officer", "--scope", "e05013051"]) == 0  # a ward


def test_demo_makes_one_account_per_role_once(tmp_path: Path) -> None:
    from hotspots.cli.users import DEMO_ACCOUNTS, demo_accounts

    made = demo_accounts(tmp_path)
    assert [(n, r) for n, r, _ in made] == [(n, r) for n, r, _ in DEMO_ACCOUNTS]
    users = UserStore(tmp_path / "users.sqlite3")
    for name, _role, password in made:
        assert users.authenticate(name, password) is not None
    listed = (tmp_path / "DEMO-ACCOUNTS.txt").read_text().splitlines()
    assert [line.split("\t")[0] for line in listed] == [n for n, _, _ in made]
    assert (tmp_path / "DEMO-ACCOUNTS.txt").stat().st_mode & 0o777 == 0o600
    assert demo_accounts(tmp_path) == []  # kept as they are


def test_the_database_is_plain_sqlite(tmp_path: Path) -> None:
    UserStore(tmp_path / "u.sqlite3").add("jo", PASSWORD, "analyst")
    with sqlite3.connect(tmp_path / "u.sqlite3") as con:
        assert con.execute("SELECT username, role FROM users").fetchall() == [("jo", "analyst")]


def test_an_old_accounts_file_is_migrated_in_place(tmp_path: Path) -> None:
    """A file made before session versions existed: accounts kept, the column added."""
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as con:
        con.execute(
            "CREATE TABLE users (username TEXT PRIMARY KEY, password_hash TEXT NOT NULL, "
            "role TEXT NOT NULL, scope TEXT NOT NULL DEFAULT '[]', disabled INTEGER NOT NULL "
            "DEFAULT 0, created TEXT NOT NULL, updated TEXT NOT NULL)"
        )
        con.execute(
            "INSERT INTO users VALUES ('jo', ?, 'analyst', '[]', 0, 'then', 'then')",
            (hash_password(PASSWORD),),
        )
    con.close()
    users = UserStore(path)
    user = users.authenticate("jo", PASSWORD)
    assert user is not None and (user.role, user.session_version) == ("analyst", 0)
    users.set_password("jo", "another long password")
    assert users.get("jo").session_version == 1
    users.add("sam", PASSWORD, "admin")  # new rows fit the migrated table
    assert UserStore(path).get("sam").session_version == 0  # a second opener migrates nothing


def test_every_account_change_bumps_the_session_version(tmp_path: Path) -> None:
    users = UserStore(tmp_path / "u.sqlite3")
    users.add("jo", PASSWORD, "officer", ["E07000008"])
    users.add("sam", PASSWORD, "analyst")
    changes = [
        lambda: users.set_password("jo", "another long password"),
        lambda: users.set_role("jo", "officer", ["E06000031"]),
        lambda: users.set_role("jo", "commissioner"),
        lambda: users.set_disabled("jo", True),
        lambda: users.set_disabled("jo", False),
        lambda: users.end_sessions("jo"),
    ]
    for expected, change in enumerate(changes, start=1):
        change()
        assert users.get("jo").session_version == expected
    assert users.get("sam").session_version == 0  # other accounts untouched


def test_sign_in_limits_per_account_and_per_address(tmp_path: Path) -> None:
    users = UserStore(tmp_path / "u.sqlite3")
    users.add("jo", PASSWORD, "analyst")
    users.add("sam", PASSWORD, "analyst")
    limits = SignInLimits(per_account=2, per_address=3, window_minutes=15)
    for _ in range(2):
        assert users.sign_in("JO", "wrong password!!", "10.0.0.1", limits) is None
    with pytest.raises(TooManyFailures, match="account"):
        users.sign_in("jo", PASSWORD, "10.0.0.2", limits)  # the account, from anywhere
    assert users.sign_in("sam", PASSWORD, "10.0.0.1", limits) is not None  # not the address
    assert users.sign_in("nobody", "wrong password!!", "10.0.0.1", limits) is None  # 3rd there
    with pytest.raises(TooManyFailures, match="address"):
        users.sign_in("sam", PASSWORD, "10.0.0.1", limits)
    assert users.sign_in("sam", PASSWORD, "10.0.0.3", limits) is not None


def test_sign_in_limits_lift_when_the_window_passes(tmp_path: Path) -> None:
    users = UserStore(tmp_path / "u.sqlite3")
    users.add("jo", PASSWORD, "analyst")
    limits = SignInLimits(per_account=1, per_address=100, window_minutes=2 / 60)
    assert users.sign_in("jo", "wrong password!!", "10.0.0.1", limits) is None
    with pytest.raises(TooManyFailures, match="account"):
        users.sign_in("jo", PASSWORD, "10.0.0.1", limits)
    time.sleep(2.1)  # the window (2 s) passes; the refused attempt did not count
    assert users.sign_in("jo", PASSWORD, "10.0.0.1", limits) is not None


def _ward_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ward_code": ["E05000001", "E05000002", "E05000003", "E05000004"],
            "ward_name": ["Abbey", "Abbey", "Market", "Peterborough"],
            "district_code": ["E07000001", "E07000002", "E07000001", "E06000031"],
            "district_name": ["Northshire", "Southshire", "Northshire", "Peterborough"],
        }
    )


@pytest.mark.parametrize(
    ("entries", "codes"),
    [
        (["Northshire"], ["E07000001"]),  # a district by name, any case
        (["market"], ["E05000003"]),  # a ward by a name only it has
        (["Abbey (Southshire)"], ["E05000002"]),  # a ward as the app names it
        (["e05000001", " Southshire "], ["E05000001", "E07000002"]),  # codes as before
    ],
)
def test_a_scope_may_name_districts_and_wards(entries: list[str], codes: list[str]) -> None:
    from hotspots.users import resolve_scope

    assert resolve_scope(_ward_table(), entries) == codes


@pytest.mark.parametrize(
    ("entry", "named"),
    [
        ("Abbey", ["Abbey (Northshire) E05000001", "Abbey (Southshire) E05000002"]),
        ("Peterborough", ["Peterborough district E06000031", "Peterborough (Peterborough)"]),
        ("Narket", ["Market (Northshire) E05000003"]),  # none: the nearest names
    ],
)
def test_an_ambiguous_or_unknown_name_is_refused_listing_candidates(
    entry: str, named: list[str]
) -> None:
    from hotspots.users import resolve_scope

    with pytest.raises(UserError) as caught:
        resolve_scope(_ward_table(), [entry])
    message = str(caught.value)
    assert entry in message and all(n in message for n in named), message


def test_the_users_command_takes_area_names(
    demo_store_copy: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--scope`` took codes only; an admin now names the area as people name it."""
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    users = ["users", "--store", str(demo_store_copy)]
    add = ["add", "pat", "--role", "officer", "--password-stdin", "--scope", "cambridge"]
    assert main([*users, *add]) == 0
    assert UserStore(demo_store_copy / "users.sqlite3").get("pat").scope == ("E07000008",)
    assert main([*users, "role", "pat", "officer", "--scope", "King's Hedges,Peterborough"]) == 0
    scope = UserStore(demo_store_copy / "users.sqlite3").get("pat").scope
    assert scope == ("E05013056", "E06000031")
    capsys.readouterr()
    assert main([*users, "role", "pat", "officer", "--scope", "Cambridg"]) == 2
    assert "Cambridge" in capsys.readouterr().err
