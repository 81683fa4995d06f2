"""Log-on (password + TOTP), replay, lock-out, idle sessions, inactive accounts, API tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from netcase.access import audit
from netcase.access.errors import (
    AccessDenied,
    AccountDisabled,
    AccountLocked,
    AuthenticationError,
    InvalidToken,
    PasswordRejected,
    SessionExpired,
)
from netcase.access.identity import (
    AuthConfig,
    add_user,
    authenticate,
    disable_inactive,
    get_user,
    grant,
    issue_api_token,
    lock_user,
    logout,
    revoke,
    revoke_api_token,
    session_viewer,
    token_viewer,
    unlock_user,
    viewer_for,
)
from netcase.access.passwords import TEST_ARGON2, check_new_password
from netcase.access.policy import authorize
from netcase.access.viewer import Viewer
from netcase.store import Store

CFG = AuthConfig(argon2=TEST_ARGON2)
T0 = datetime(2026, 11, 29, 20, 0, 0)
ADMIN = Viewer.system()
PW = "Orange-Canyon-Radio-7"


def code(secret: str, at: datetime) -> str:
    return pyotp.TOTP(secret).at(at.replace(tzinfo=UTC))


def make(store: Store, name: str = "ana", **kw: object) -> str:
    args: dict[str, object] = dict(username=name, agency="HSI", country="USA", roles=["analyst"], password=PW,
                                   by=ADMIN, now=T0 - timedelta(days=1), config=CFG)
    args.update(kw)
    return add_user(store, **args).secret  # type: ignore[arg-type]


@pytest.mark.parametrize("pw", ["short", "password123", "Qwerty123", "P@ssw0rd", "iloveyou1", "Summer2024", "12345678"])
def test_weak_passwords_refused(pw: str) -> None:
    with pytest.raises(PasswordRejected):
        check_new_password(pw)


def test_username_as_password_refused() -> None:
    with pytest.raises(PasswordRejected):
        check_new_password("carlos.mendez", "Carlos.Mendez")
    check_new_password("correct horse battery staple")


def test_add_user_stores_argon2id_and_shows_totp_once(store: Store) -> None:
    enrol = add_user(store, username="ana", agency="HSI", country="usa", roles=["analyst"], compartments=["OP-1"],
                     password=PW, by=ADMIN, now=T0, config=CFG)
    assert enrol.uri.startswith("otpauth://totp/netcase:ana?secret=")
    stored = store.scalar("SELECT password_hash FROM users WHERE username = 'ana'")
    assert stored.startswith("$argon2id$") and PW not in stored
    user = get_user(store, "ana")
    assert user is not None and user["roles"] == ["analyst"] and user["compartments"] == ["OP-1"]
    assert "totp_secret" not in user and "password_hash" not in user
    assert audit.entries(store, action="user:add")


def test_only_administrators_add_users(store: Store) -> None:
    analyst = Viewer("x", "HSI", "USA", frozenset({"analyst"}))
    with pytest.raises(AccessDenied):
        make(store, by=analyst)
    with pytest.raises(ValueError):
        make(store, name="p", country="MEX", roles=["analyst"])  # partners are liaisons only


def test_logon_with_password_and_totp(store: Store) -> None:
    secret = make(store)
    s = authenticate(store, "ana", PW, code(secret, T0), T0, "10.0.0.5", CFG)
    assert s.viewer.user == "ana" and s.viewer.roles == {"analyst"}
    assert store.scalar("SELECT count(*) FROM sessions WHERE token_hash = ?", (s.token,)) == 0  # hashed only
    assert session_viewer(store, s.token, T0 + timedelta(minutes=5), CFG).user == "ana"
    (e,) = audit.entries(store, action="logon")
    assert (e.user, e.source, e.outcome) == ("ana", "10.0.0.5", "ok")


def test_wrong_password_or_code_or_user_same_error(store: Store) -> None:
    secret = make(store)
    msgs = []
    for user, pw, c in (("ana", "wrong-password", code(secret, T0)), ("ana", PW, "000000"), ("nobody", PW, "123456")):
        with pytest.raises(AuthenticationError) as exc:
            authenticate(store, user, pw, c, T0, "10.0.0.5", CFG)
        msgs.append(str(exc.value))
    assert len(set(msgs)) == 1
    entries = audit.entries(store, action="logon")
    assert [e.outcome for e in entries] == ["failure"] * 3
    assert entries[2].user == "unknown:" + audit.search_digest(store, "nobody")  # never the typed text


def test_replayed_totp_refused(store: Store) -> None:
    secret = make(store)
    c = code(secret, T0)
    authenticate(store, "ana", PW, c, T0, "ip", CFG)
    with pytest.raises(AuthenticationError):
        authenticate(store, "ana", PW, c, T0 + timedelta(seconds=10), "ip", CFG)
    # an older step (still within the drift window) is a replay too
    with pytest.raises(AuthenticationError):
        authenticate(store, "ana", PW, code(secret, T0 - timedelta(seconds=30)), T0 + timedelta(seconds=10), "ip", CFG)
    authenticate(store, "ana", PW, code(secret, T0 + timedelta(seconds=30)), T0 + timedelta(seconds=31), "ip", CFG)
    details = [e.as_dict()["details"] for e in audit.entries(store, action="logon") if e.outcome == "failure"]
    assert {d["reason"] for d in details} == {"replayed code"}


def test_five_failures_in_15_minutes_lock_until_admin_unlocks(store: Store) -> None:
    secret = make(store)
    for k in range(4):
        with pytest.raises(AuthenticationError) as exc:
            authenticate(store, "ana", "bad-password", "000000", T0 + timedelta(minutes=3 * k), "ip", CFG)
        assert not isinstance(exc.value, AccountLocked)
    with pytest.raises(AccountLocked):
        authenticate(store, "ana", "bad-password", "000000", T0 + timedelta(minutes=14), "ip", CFG)
    # even the right password and code are refused now, and an hour later
    later = T0 + timedelta(hours=1)
    with pytest.raises(AccountLocked):
        authenticate(store, "ana", PW, code(secret, later), later, "ip", CFG)
    unlock_user(store, "ana", by=ADMIN, now=later)
    assert authenticate(store, "ana", PW, code(secret, later), later, "ip", CFG).username == "ana"


def test_failures_spread_over_more_than_15_minutes_do_not_lock(store: Store) -> None:
    make(store)
    for k in range(6):
        with pytest.raises(AuthenticationError) as exc:
            authenticate(store, "ana", "bad-password", "000000", T0 + timedelta(minutes=4 * k), "ip", CFG)
        assert not isinstance(exc.value, AccountLocked)
    assert not get_user(store, "ana")["locked"]  # type: ignore[index]


def test_idle_session_ends_after_30_minutes(store: Store) -> None:
    secret = make(store)
    s = authenticate(store, "ana", PW, code(secret, T0), T0, "ip", CFG)
    session_viewer(store, s.token, T0 + timedelta(minutes=29), CFG)
    session_viewer(store, s.token, T0 + timedelta(minutes=58), CFG)  # activity refreshed the timer
    with pytest.raises(SessionExpired):
        session_viewer(store, s.token, T0 + timedelta(minutes=89), CFG)
    with pytest.raises(SessionExpired):
        session_viewer(store, s.token, T0 + timedelta(minutes=90), CFG)
    with pytest.raises(InvalidToken):
        session_viewer(store, "not-a-token", T0, CFG)


def test_logout_and_lock_end_sessions(store: Store) -> None:
    secret = make(store)
    s1 = authenticate(store, "ana", PW, code(secret, T0), T0, "ip", CFG)
    logout(store, s1.token, T0 + timedelta(minutes=1))
    with pytest.raises(SessionExpired):
        session_viewer(store, s1.token, T0 + timedelta(minutes=2), CFG)
    t = T0 + timedelta(minutes=5)
    s2 = authenticate(store, "ana", PW, code(secret, t), t, "ip", CFG)
    lock_user(store, "ana", by=ADMIN, now=t + timedelta(minutes=1))
    with pytest.raises(SessionExpired):
        session_viewer(store, s2.token, t + timedelta(minutes=2), CFG)


def test_accounts_unused_for_90_days_are_disabled(store: Store) -> None:
    secret = make(store)
    make(store, name="bo")
    late = T0 + timedelta(days=91)
    with pytest.raises(AccountDisabled):
        authenticate(store, "ana", PW, code(secret, late), late, "ip", CFG)
    assert get_user(store, "ana")["disabled"]  # type: ignore[index]
    assert disable_inactive(store, now=late, config=CFG) == ["bo"]
    unlock_user(store, "ana", by=ADMIN, now=late)
    assert authenticate(store, "ana", PW, code(secret, late), late, "ip", CFG).username == "ana"


def test_grant_and_revoke_change_the_viewer(store: Store) -> None:
    make(store)
    grant(store, "ana", by=ADMIN, now=T0, roles=("investigator",), compartments=("OP-7",))
    v = viewer_for(store, "ana")
    assert v.roles == {"analyst", "investigator"} and v.compartments == {"OP-7"}
    revoke(store, "ana", by=ADMIN, now=T0, compartments=("OP-7",))
    assert viewer_for(store, "ana").compartments == frozenset()
    assert [e.action for e in audit.entries(store, user="system")][-2:] == ["user:grant", "user:revoke"]


def test_api_tokens_are_scoped_and_revocable(store: Store) -> None:
    make(store, name="svc", roles=["analyst"])
    tok = issue_api_token(store, username="svc", name="graph exporter", scopes=["read:networks"], by=ADMIN, now=T0)
    v = token_viewer(store, tok.token, T0)
    assert v.scopes == {"read:networks"}
    authorize(v, "read:networks")
    with pytest.raises(AccessDenied):
        authorize(v, "read:entities")  # the role allows it, the token does not
    with pytest.raises(AccessDenied):  # a token never widens the account's roles
        issue_api_token(store, username="svc", name="x", scopes=["write:cases"], by=ADMIN, now=T0)
    revoke_api_token(store, tok.token_id, by=ADMIN, now=T0 + timedelta(hours=1))
    with pytest.raises(InvalidToken):
        token_viewer(store, tok.token, T0 + timedelta(hours=2))
    exp = issue_api_token(store, username="svc", name="y", scopes=["export"], by=ADMIN, now=T0,
                          expires_at=T0 + timedelta(days=1))
    token_viewer(store, exp.token, T0 + timedelta(hours=23))
    with pytest.raises(InvalidToken):
        token_viewer(store, exp.token, T0 + timedelta(days=1))
    assert store.scalar("SELECT count(*) FROM api_tokens WHERE token_hash = ?", (tok.token,)) == 0


def test_password_change_by_self_or_administrator(store: Store) -> None:
    from netcase.access.identity import set_password

    secret = make(store)
    ana = viewer_for(store, "ana")
    with pytest.raises(PasswordRejected):
        set_password(store, "ana", "password2024", by=ana, now=T0, config=CFG)
    set_password(store, "ana", "Quiet-Harbor-Lantern-9", by=ana, now=T0, config=CFG)
    with pytest.raises(AccessDenied):
        set_password(store, "ana", "Other-Quiet-Harbor-1", by=Viewer("bo", "HSI", "USA", frozenset({"analyst"})),
                     now=T0, config=CFG)
    with pytest.raises(AuthenticationError):
        authenticate(store, "ana", PW, code(secret, T0), T0, "ip", CFG)
    t = T0 + timedelta(minutes=1)
    assert authenticate(store, "ana", "Quiet-Harbor-Lantern-9", code(secret, t), t, "ip", CFG).username == "ana"


def test_a_good_logon_resets_the_consecutive_failure_count(store: Store) -> None:
    secret = make(store)
    for k in range(4):
        with pytest.raises(AuthenticationError):
            authenticate(store, "ana", "bad-password", "000000", T0 + timedelta(minutes=k), "ip", CFG)
    t = T0 + timedelta(minutes=5)
    authenticate(store, "ana", PW, code(secret, t), t, "ip", CFG)
    for k in range(4):
        with pytest.raises(AuthenticationError) as exc:
            authenticate(store, "ana", "bad-password", "000000", t + timedelta(minutes=1 + k), "ip", CFG)
        assert not isinstance(exc.value, AccountLocked)
    with pytest.raises(AccountLocked):
        authenticate(store, "ana", "bad-password", "000000", t + timedelta(minutes=6), "ip", CFG)
