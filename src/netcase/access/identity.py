"""Identity, log-on and sessions (CJIS Security Policy 5.5 and 5.6).

Users belong to an agency and a country, hold roles and are granted compartments (investigations).
A log-on needs the password (argon2id) and a TOTP code (RFC 6238, pyotp); a code's time step can be
used once (the last accepted step is remembered per user). Five failures within 15 minutes lock
the account until an administrator unlocks it; sessions end after 30 idle minutes; accounts unused
for 90 days are disabled. Session and API tokens are random and stored only as SHA-256 hashes.

Every function takes ``now`` (naive UTC or aware): the clock is injected, nothing sleeps.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyotp

from netcase.access.audit import record, search_digest
from netcase.access.errors import (
    AccessDenied,
    AccountDisabled,
    AccountLocked,
    AuthenticationError,
    InvalidToken,
    SessionExpired,
)
from netcase.access.passwords import (
    Argon2Params,
    check_new_password,
    hash_password,
    verify_password,
)
from netcase.access.policy import ACTIONS, authorize, decide
from netcase.access.viewer import ROLES, Viewer
from netcase.model.marking import PARTNER_COUNTRIES
from netcase.store import Store

TOTP_ISSUER = "netcase"
TOTP_STEP = 30


@dataclass(frozen=True)
class AuthConfig:
    """The knobs of log-on. Defaults are the CJIS values; tests pass cheap argon2 parameters."""

    argon2: Argon2Params = field(default_factory=Argon2Params)
    max_failures: int = 5
    failure_window: timedelta = timedelta(minutes=15)
    idle_timeout: timedelta = timedelta(minutes=30)
    inactive_after: timedelta = timedelta(days=90)
    totp_window: int = 1  # accept codes one step either side of now (clock drift)
    extra_breached_file: Path | None = None


DEFAULT_AUTH = AuthConfig()


@dataclass(frozen=True)
class TotpEnrollment:
    """The TOTP secret of a new user, shown once (as text and as an otpauth:// URI for a QR code)."""

    username: str
    secret: str
    uri: str


@dataclass(frozen=True)
class Session:
    """A logged-on person. ``token`` is the bearer secret (only its hash is stored)."""

    token: str
    username: str
    created_at: datetime
    viewer: Viewer


def _utc(now: datetime) -> datetime:
    """Naive UTC (what the store keeps)."""
    return now.astimezone(UTC).replace(tzinfo=None) if now.tzinfo is not None else now


def token_hash(token: str) -> str:
    """SHA-256 of a token: tokens are high-entropy, so a fast hash suffices (no salt needed)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# -- users --------------------------------------------------------------------------------------


def _check_roles(roles: set[str] | frozenset[str] | list[str] | tuple[str, ...]) -> None:
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown role(s): {', '.join(sorted(unknown))}; roles are {', '.join(ROLES)}")


def add_user(
    store: Store,
    *,
    username: str,
    agency: str,
    country: str,
    roles: list[str] | tuple[str, ...] | frozenset[str],
    password: str,
    by: Viewer,
    now: datetime,
    compartments: list[str] | tuple[str, ...] | frozenset[str] = (),
    display_name: str | None = None,
    config: AuthConfig = DEFAULT_AUTH,
    source: str = "local",
) -> TotpEnrollment:
    """Create a user and return their TOTP enrolment (the only time the secret is shown)."""
    authorize(by, "manage:users")
    now = _utc(now)
    country = country.upper()
    if country not in PARTNER_COUNTRIES:
        raise ValueError(f"country {country!r} is not one of {', '.join(PARTNER_COUNTRIES)}")
    _check_roles(roles)
    if "partner_liaison" in roles and country == "USA":
        raise ValueError("a partner liaison belongs to a partner country, not USA")
    if country != "USA" and set(roles) - {"partner_liaison"}:
        # Least privilege: a partner-country account gets the liaison role only.
        raise ValueError("users of a partner country may hold only the partner_liaison role")
    check_new_password(password, username, config.extra_breached_file)
    if store.scalar("SELECT count(*) FROM users WHERE username = ?", (username,)):
        raise ValueError(f"user {username!r} already exists")
    secret = pyotp.random_base32()
    with store.transaction():
        store.execute(
            "INSERT INTO users (username, display_name, agency, country, password_hash, totp_secret, last_totp_step,"
            " locked, locked_reason, disabled, disabled_reason, created_at, last_login_at)"
            " VALUES (?, ?, ?, ?, ?, ?, NULL, FALSE, NULL, FALSE, NULL, ?, NULL)",
            (username, display_name, agency, country, hash_password(password, config.argon2), secret, now),
        )
        for role in sorted(set(roles)):
            store.execute("INSERT INTO user_roles VALUES (?, ?, ?, ?)", (username, role, by.user, now))
        for comp in sorted(set(compartments)):
            store.execute("INSERT INTO user_compartments VALUES (?, ?, ?, ?)", (username, comp, by.user, now))
        record(store, by, "user:add", object_type="user", object_id=username, now=now, source=source,
               details={"agency": agency, "country": country, "roles": sorted(set(roles)),
                        "compartments": sorted(set(compartments))})
    uri = pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=TOTP_ISSUER)
    return TotpEnrollment(username, secret, uri)


def get_user(store: Store, username: str) -> dict[str, Any] | None:
    """A user's record with roles and compartments, without the password hash or TOTP secret."""
    rows = store.query_dicts(
        "SELECT username, display_name, agency, country, locked, locked_reason, disabled, disabled_reason,"
        " created_at, last_login_at FROM users WHERE username = ?",
        (username,),
    )
    if not rows:
        return None
    user = rows[0]
    user["roles"] = sorted(r[0] for r in store.query("SELECT role FROM user_roles WHERE username = ?", (username,)))
    user["compartments"] = sorted(
        r[0] for r in store.query("SELECT compartment FROM user_compartments WHERE username = ?", (username,))
    )
    return user


def list_users(store: Store) -> list[dict[str, Any]]:
    """Every user (no secrets), by name."""
    names = [r[0] for r in store.query("SELECT username FROM users ORDER BY username")]
    return [u for u in (get_user(store, n) for n in names) if u is not None]


def viewer_for(store: Store, username: str, *, scopes: frozenset[str] | None = None) -> Viewer:
    """The ``Viewer`` of an existing, usable account (raises ``AccessDenied`` otherwise)."""
    user = get_user(store, username)
    if user is None:
        raise AccessDenied(f"no user {username!r}")
    if user["locked"]:
        raise AccountLocked(f"account {username} is locked")
    if user["disabled"]:
        raise AccountDisabled(f"account {username} is disabled")
    return Viewer(
        user=username,
        agency=user["agency"],
        country=user["country"],
        roles=frozenset(user["roles"]),
        compartments=frozenset(user["compartments"]),
        scopes=scopes,
    )


def _require_user(store: Store, username: str) -> None:
    if not store.scalar("SELECT count(*) FROM users WHERE username = ?", (username,)):
        raise ValueError(f"no user {username!r}")


def lock_user(store: Store, username: str, *, by: Viewer, now: datetime, reason: str = "locked by administrator",
              source: str = "local") -> None:
    """Lock an account and end its sessions."""
    authorize(by, "manage:users")
    _require_user(store, username)
    now = _utc(now)
    with store.transaction():
        store.execute("UPDATE users SET locked = TRUE, locked_reason = ? WHERE username = ?", (reason, username))
        _end_sessions(store, username, now, "locked")
        record(store, by, "user:lock", object_type="user", object_id=username, now=now, source=source,
               details={"reason": reason})


def unlock_user(store: Store, username: str, *, by: Viewer, now: datetime, source: str = "local") -> None:
    """Unlock (and re-enable) an account; its failure count starts again from zero."""
    authorize(by, "manage:users")
    _require_user(store, username)
    now = _utc(now)
    with store.transaction():
        store.execute(
            "UPDATE users SET locked = FALSE, locked_reason = NULL, disabled = FALSE, disabled_reason = NULL,"
            " last_login_at = ? WHERE username = ?",
            # Re-enabling counts as activity, else a 90-day-idle account would be disabled again at once.
            (now, username),
        )
        store.execute("DELETE FROM login_failures WHERE username = ?", (username,))
        record(store, by, "user:unlock", object_type="user", object_id=username, now=now, source=source)


def grant(store: Store, username: str, *, by: Viewer, now: datetime, roles: tuple[str, ...] = (),
          compartments: tuple[str, ...] = (), source: str = "local") -> None:
    """Grant roles and/or compartments."""
    authorize(by, "manage:users")
    _require_user(store, username)
    _check_roles(roles)
    now = _utc(now)
    user = get_user(store, username) or {}
    if user.get("country") != "USA" and set(roles) - {"partner_liaison"}:
        raise ValueError("users of a partner country may hold only the partner_liaison role")
    with store.transaction():
        for role in sorted(set(roles) - set(user.get("roles", []))):
            store.execute("INSERT INTO user_roles VALUES (?, ?, ?, ?)", (username, role, by.user, now))
        for comp in sorted(set(compartments) - set(user.get("compartments", []))):
            store.execute("INSERT INTO user_compartments VALUES (?, ?, ?, ?)", (username, comp, by.user, now))
        record(store, by, "user:grant", object_type="user", object_id=username, now=now, source=source,
               details={"roles": sorted(set(roles)), "compartments": sorted(set(compartments))})


def revoke(store: Store, username: str, *, by: Viewer, now: datetime, roles: tuple[str, ...] = (),
           compartments: tuple[str, ...] = (), source: str = "local") -> None:
    """Revoke roles and/or compartments (effective at the next request: viewers are rebuilt per request)."""
    authorize(by, "manage:users")
    _require_user(store, username)
    now = _utc(now)
    with store.transaction():
        for role in roles:
            store.execute("DELETE FROM user_roles WHERE username = ? AND role = ?", (username, role))
        for comp in compartments:
            store.execute("DELETE FROM user_compartments WHERE username = ? AND compartment = ?", (username, comp))
        record(store, by, "user:revoke", object_type="user", object_id=username, now=now, source=source,
               details={"roles": sorted(set(roles)), "compartments": sorted(set(compartments))})


def set_password(store: Store, username: str, new_password: str, *, by: Viewer, now: datetime,
                 config: AuthConfig = DEFAULT_AUTH, source: str = "local") -> None:
    """Set a new password (the user themself, or an administrator)."""
    if by.user != username:
        authorize(by, "manage:users")
    _require_user(store, username)
    check_new_password(new_password, username, config.extra_breached_file)
    with store.transaction():
        store.execute("UPDATE users SET password_hash = ? WHERE username = ?",
                      (hash_password(new_password, config.argon2), username))
        record(store, by, "user:password", object_type="user", object_id=username, now=now, source=source)


def disable_inactive(store: Store, *, now: datetime, config: AuthConfig = DEFAULT_AUTH) -> list[str]:
    """Disable accounts unused for ``config.inactive_after`` (run daily); returns their names."""
    now = _utc(now)
    cutoff = now - config.inactive_after
    names = [r[0] for r in store.query(
        "SELECT username FROM users WHERE NOT disabled AND coalesce(last_login_at, created_at) < ? ORDER BY username",
        (cutoff,),
    )]
    with store.transaction():
        for name in names:
            _disable(store, name, now, config)
    return names


def _disable(store: Store, username: str, now: datetime, config: AuthConfig) -> None:
    days = config.inactive_after.days
    store.execute("UPDATE users SET disabled = TRUE, disabled_reason = ? WHERE username = ?",
                  (f"unused for {days} days", username))
    _end_sessions(store, username, now, "disabled")
    record(store, Viewer.system(), "user:disable", object_type="user", object_id=username, now=now,
           details={"reason": f"unused for {days} days"})


# -- log-on -------------------------------------------------------------------------------------


def _totp_step(secret: str, code: str, now: datetime, window: int, last_step: int | None) -> tuple[int | None, bool]:
    """(the time step ``code`` belongs to, whether it was a replay)."""
    code = code.strip().replace(" ", "")
    if not code.isdigit():
        return None, False
    totp = pyotp.TOTP(secret)
    current = int(now.replace(tzinfo=UTC).timestamp()) // TOTP_STEP
    for step in range(current - window, current + window + 1):
        if hmac.compare_digest(totp.at(step * TOTP_STEP), code):
            if last_step is not None and step <= last_step:
                return step, True
            return step, False
    return None, False


# A real argon2 hash used to spend the same time when the user does not exist (no user enumeration
# through timing). Its password is random and forgotten.
def _dummy_hash(params: Argon2Params) -> str:
    return hash_password(secrets.token_hex(16), params)


def authenticate(
    store: Store,
    username: str,
    password: str,
    totp: str,
    now: datetime,
    source_ip: str,
    config: AuthConfig = DEFAULT_AUTH,
) -> Session:
    """Log a person on with password and TOTP code; return a new ``Session``.

    Raises ``AuthenticationError`` (the same message for an unknown user, a wrong password or a
    wrong or replayed code), ``AccountLocked`` (five failures in 15 minutes, or locked by an
    administrator) or ``AccountDisabled`` (unused for 90 days, or disabled). Every attempt is
    audited, the failures with their reason (the reason is for auditors, not for the caller).
    """
    now = _utc(now)
    rows = store.query(
        "SELECT password_hash, totp_secret, last_totp_step, locked, disabled, created_at, last_login_at"
        " FROM users WHERE username = ?",
        (username,),
    )
    generic = "invalid user name, password or one-time code"
    if not rows:
        verify_password(_dummy_hash(config.argon2), password, config.argon2)
        # A name that is no account is often a password typed in the wrong field: keep a digest
        # (an auditor can test a guess with search_digest), never the text.
        tried = "unknown:" + search_digest(store, username)
        record(store, tried, "logon", object_type="user", object_id=tried, outcome="failure", now=now,
               source=source_ip, details={"reason": "unknown user"})
        raise AuthenticationError(generic)
    pw_hash, secret, last_step, locked, disabled, created_at, last_login = rows[0]
    if disabled:
        record(store, username, "logon", object_type="user", object_id=username, outcome="failure", now=now,
               source=source_ip, details={"reason": "disabled"})
        raise AccountDisabled(f"account {username} is disabled; ask an administrator")
    if (last_login or created_at) < now - config.inactive_after:
        with store.transaction():
            _disable(store, username, now, config)
            record(store, username, "logon", object_type="user", object_id=username, outcome="failure", now=now,
                   source=source_ip, details={"reason": "inactive"})
        raise AccountDisabled(f"account {username} was unused for {config.inactive_after.days} days and is disabled")
    if locked:
        record(store, username, "logon", object_type="user", object_id=username, outcome="failure", now=now,
               source=source_ip, details={"reason": "locked"})
        raise AccountLocked(f"account {username} is locked; ask an administrator to unlock it")
    password_ok = verify_password(pw_hash, password, config.argon2)
    step, replay = _totp_step(secret, totp, now, config.totp_window, last_step)
    if password_ok and step is not None and not replay:
        token = secrets.token_urlsafe(32)
        with store.transaction():
            store.execute("UPDATE users SET last_totp_step = ?, last_login_at = ? WHERE username = ?",
                          (step, now, username))
            # CJIS 5.5.3 counts *consecutive* failures: a good log-on starts the count again (the
            # audit log keeps every failure).
            store.execute("DELETE FROM login_failures WHERE username = ?", (username,))
            store.execute(
                "INSERT INTO sessions (token_hash, username, created_at, last_seen_at, ended_at, end_reason, source_ip)"
                " VALUES (?, ?, ?, ?, NULL, NULL, ?)",
                (token_hash(token), username, now, now, source_ip),
            )
            record(store, username, "logon", object_type="user", object_id=username, outcome="ok", now=now,
                   source=source_ip)
        return Session(token, username, now, viewer_for(store, username))
    reason = "password" if not password_ok else ("replayed code" if replay else "one-time code")
    with store.transaction():
        store.execute("INSERT INTO login_failures (username, failed_at, source_ip, reason) VALUES (?, ?, ?, ?)",
                      (username, now, source_ip, reason))
        recent = int(store.scalar(
            "SELECT count(*) FROM login_failures WHERE username = ? AND failed_at > ? AND failed_at <= ?",
            (username, now - config.failure_window, now),
        ) or 0)
        record(store, username, "logon", object_type="user", object_id=username, outcome="failure", now=now,
               source=source_ip, details={"reason": reason, "recent_failures": recent})
        just_locked = recent >= config.max_failures
        if just_locked:
            store.execute("UPDATE users SET locked = TRUE, locked_reason = ? WHERE username = ?",
                          (f"{recent} failed log-ons within {int(config.failure_window.total_seconds() // 60)} minutes",
                           username))
            _end_sessions(store, username, now, "locked")
            record(store, Viewer.system(), "user:lock", object_type="user", object_id=username, now=now,
                   source=source_ip, details={"reason": "too many failed log-ons"})
    if just_locked:
        raise AccountLocked(f"account {username} is locked after {recent} failed log-ons; ask an administrator")
    raise AuthenticationError(generic)


def _end_sessions(store: Store, username: str, now: datetime, reason: str) -> None:
    store.execute("UPDATE sessions SET ended_at = ?, end_reason = ? WHERE username = ? AND ended_at IS NULL",
                  (now, reason, username))


#: How stale a session's ``last_seen_at`` or a token's ``last_used_at`` may get before a request
#: writes it again (the idle rule is 30 minutes; usage is reported by the day).
TOUCH_INTERVAL = timedelta(minutes=1)


def session_viewer(store: Store, token: str, now: datetime, config: AuthConfig = DEFAULT_AUTH) -> Viewer:
    """The ``Viewer`` of a live session, refreshing its idle timer.

    Raises ``InvalidToken`` for an unknown token and ``SessionExpired`` for one that ended (idle
    for 30 minutes, logged out, account locked or disabled).
    """
    now = _utc(now)
    rows = store.query(
        "SELECT username, last_seen_at, ended_at, end_reason FROM sessions WHERE token_hash = ?", (token_hash(token),)
    )
    if not rows:
        raise InvalidToken("unknown session token")
    username, last_seen, ended_at, end_reason = rows[0]
    if ended_at is not None:
        raise SessionExpired(f"session ended ({end_reason})")
    if now - last_seen > config.idle_timeout:
        with store.transaction():
            store.execute("UPDATE sessions SET ended_at = ?, end_reason = 'idle' WHERE token_hash = ?",
                          (now, token_hash(token)))
            record(store, username, "logoff", object_type="session", outcome="idle timeout", now=now)
        raise SessionExpired(f"session ended after {int(config.idle_timeout.total_seconds() // 60)} idle minutes")
    try:
        viewer = viewer_for(store, username)
    except (AccountLocked, AccountDisabled, AccessDenied) as exc:
        raise SessionExpired(f"session ended: {exc}") from exc
    if now - last_seen >= TOUCH_INTERVAL:
        # The idle timer is kept to the minute: a write (a commit, an fsync) on every request would
        # serialise a busy server for no gain in a 30-minute rule.
        store.execute("UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?", (now, token_hash(token)))
    return viewer


def logout(store: Store, token: str, now: datetime) -> None:
    """End a session (idempotent)."""
    now = _utc(now)
    rows = store.query("SELECT username FROM sessions WHERE token_hash = ? AND ended_at IS NULL", (token_hash(token),))
    if not rows:
        return
    with store.transaction():
        store.execute("UPDATE sessions SET ended_at = ?, end_reason = 'logout' WHERE token_hash = ?",
                      (now, token_hash(token)))
        record(store, rows[0][0], "logoff", object_type="session", now=now)


# -- API tokens ------------------------------------------------------------------------------------

API_TOKEN_PREFIX = "nct"


@dataclass(frozen=True)
class ApiToken:
    """A machine credential: shown once as ``token``; ``token_id`` names it for revocation."""

    token_id: str
    token: str
    username: str
    scopes: frozenset[str]
    expires_at: datetime | None


def issue_api_token(
    store: Store,
    *,
    username: str,
    name: str,
    scopes: list[str] | tuple[str, ...] | frozenset[str],
    by: Viewer,
    now: datetime,
    expires_at: datetime | None = None,
    source: str = "local",
) -> ApiToken:
    """Issue a scoped API token acting as ``username`` (a service account or a person).

    Scopes are action names (``read:entities``, ``read:networks``, ``write:cases``, ``export``…)
    and may not exceed what the account's roles allow: a token narrows, never widens.
    """
    authorize(by, "manage:tokens")
    if by.user != username:
        authorize(by, "manage:users")
    now = _utc(now)
    unknown = set(scopes) - set(ACTIONS)
    if unknown or not scopes:
        raise ValueError(f"unknown or missing scope(s): {', '.join(sorted(unknown)) or '(none)'}")
    owner = viewer_for(store, username)
    beyond = sorted(s for s in scopes if not decide(owner, s).allowed)
    if beyond:
        raise AccessDenied(f"{username}'s roles do not allow: {', '.join(beyond)}")
    token_id = secrets.token_hex(6)
    token = f"{API_TOKEN_PREFIX}_{token_id}_{secrets.token_urlsafe(32)}"
    with store.transaction():
        store.execute(
            "INSERT INTO api_tokens (token_id, token_hash, username, name, scopes, created_at, expires_at, revoked_at,"
            " last_used_at) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL)",
            (token_id, token_hash(token), username, name, " ".join(sorted(set(scopes))), now,
             _utc(expires_at) if expires_at else None),
        )
        record(store, by, "token:issue", object_type="api_token", object_id=token_id, now=now, source=source,
               details={"user": username, "name": name, "scopes": sorted(set(scopes))})
    return ApiToken(token_id, token, username, frozenset(scopes), expires_at)


def revoke_api_token(store: Store, token_id: str, *, by: Viewer, now: datetime, source: str = "local") -> None:
    """Revoke an API token at once."""
    rows = store.query("SELECT username FROM api_tokens WHERE token_id = ?", (token_id,))
    if not rows:
        raise ValueError(f"no API token {token_id!r}")
    if rows[0][0] != by.user:
        authorize(by, "manage:users")
    now = _utc(now)
    with store.transaction():
        store.execute("UPDATE api_tokens SET revoked_at = ? WHERE token_id = ? AND revoked_at IS NULL", (now, token_id))
        record(store, by, "token:revoke", object_type="api_token", object_id=token_id, now=now, source=source)


def token_viewer(store: Store, token: str, now: datetime) -> Viewer:
    """The ``Viewer`` of an API token (with its scopes); ``InvalidToken`` if unknown, revoked or expired.

    One query for the token, its user, roles and compartments: every API request starts here.
    """
    now = _utc(now)
    rows = store.query(
        "SELECT t.token_id, t.username, t.scopes, t.expires_at, t.revoked_at, t.last_used_at, u.username, u.agency,"
        " u.country, u.locked, u.disabled, r.role, c.compartment FROM api_tokens t"
        " LEFT JOIN users u ON u.username = t.username"
        " LEFT JOIN user_roles r ON r.username = t.username"
        " LEFT JOIN user_compartments c ON c.username = t.username WHERE t.token_hash = ?",
        (token_hash(token),),
    )
    if not rows:
        raise InvalidToken("unknown API token")
    token_id, username, scopes, expires_at, revoked_at, last_used, user, agency, country, locked, disabled = rows[0][:11]
    if revoked_at is not None:
        raise InvalidToken(f"API token {token_id} was revoked")
    if expires_at is not None and now >= expires_at:
        raise InvalidToken(f"API token {token_id} expired")
    if user is None:
        raise InvalidToken(f"API token {token_id}: no user {username!r}")
    if locked:
        raise InvalidToken(f"API token {token_id}: account {username} is locked")
    if disabled:
        raise InvalidToken(f"API token {token_id}: account {username} is disabled")
    viewer = Viewer(
        user=username,
        agency=agency,
        country=country,
        roles=frozenset(str(r[11]) for r in rows if r[11] is not None),
        compartments=frozenset(str(r[12]) for r in rows if r[12] is not None),
        scopes=frozenset(scopes.split()),
    )
    if last_used is None or now - last_used >= TOUCH_INTERVAL:
        store.execute("UPDATE api_tokens SET last_used_at = ? WHERE token_id = ?", (now, token_id))
    return viewer
