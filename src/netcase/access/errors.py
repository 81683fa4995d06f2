"""Errors of the access layer. Each says what was refused, never more than the caller may know."""

from __future__ import annotations


class AccessError(RuntimeError):
    """Base of every refusal by the access layer."""


class AccessDenied(AccessError):
    """The viewer may not do this (role, scope, marking or compartment)."""


class AuthenticationError(AccessError):
    """A log-on that failed. The message is the same for a wrong user, password or code."""


class AccountLocked(AuthenticationError):
    """Too many failures: only an administrator can unlock the account."""


class AccountDisabled(AuthenticationError):
    """Unused for too long, or disabled by an administrator."""


class SessionExpired(AccessError):
    """The session ended (idle for too long, logged out, or the account was locked)."""


class InvalidToken(AccessError):
    """A session or API token that is unknown, revoked or expired."""


class PasswordRejected(AccessError):
    """A new password that is too short or in the breached-passwords list."""


class NoSharingAgreement(AccessError):
    """No recorded, current information-sharing agreement covers this recipient."""
