"""Passwords (CJIS Security Policy 5.6.2.1): argon2id hashes, a minimum length and a list of
common and breached passwords that are refused.

The argon2 cost is a parameter (``Argon2Params``) so that tests use cheap hashes and a deployment
can raise it; hashes carry their own parameters, so old hashes keep verifying after a change.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from netcase.access.errors import PasswordRejected

MIN_LENGTH = 8
MAX_LENGTH = 256  # long enough for passphrases, short enough that hashing cannot be abused


@dataclass(frozen=True)
class Argon2Params:
    """argon2id cost. The default follows RFC 9106's second recommended option (64 MiB, t=3)."""

    time_cost: int = 3
    memory_cost: int = 65536  # KiB
    parallelism: int = 4

    def hasher(self) -> PasswordHasher:
        """An argon2id hasher with these costs."""
        return PasswordHasher(
            time_cost=self.time_cost, memory_cost=self.memory_cost, parallelism=self.parallelism, type=Type.ID
        )


#: Cheap parameters for tests only (never for real accounts).
TEST_ARGON2 = Argon2Params(time_cost=1, memory_cost=8, parallelism=1)


@lru_cache(maxsize=4)
def breached_passwords(extra_file: Path | None = None) -> frozenset[str]:
    """The bundled list of common/breached passwords (lower-cased), plus ``extra_file`` if given.

    Cached: the file is constant for the life of the process.
    """
    text = resources.files("netcase.access").joinpath("data/breached_passwords.txt").read_text(encoding="utf-8")
    words = {ln.strip().lower() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")}
    if extra_file is not None:
        words |= {
            ln.strip().lower()
            for ln in extra_file.read_text(encoding="utf-8", errors="replace").splitlines()
            if ln.strip() and not ln.startswith("#")
        }
    return frozenset(words)


def check_new_password(password: str, username: str | None = None, extra_file: Path | None = None) -> None:
    """Raise ``PasswordRejected`` unless ``password`` may be set (length, breached list, user name)."""
    if len(password) < MIN_LENGTH:
        raise PasswordRejected(f"a password needs at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise PasswordRejected(f"a password may have at most {MAX_LENGTH} characters")
    lowered = password.lower()
    if lowered in breached_passwords(extra_file):
        raise PasswordRejected("this password is in the list of common or breached passwords")
    if username and lowered == username.lower():
        raise PasswordRejected("a password may not be the user name")


def hash_password(password: str, params: Argon2Params) -> str:
    """The argon2id hash of ``password`` (PHC string, with salt and parameters)."""
    return params.hasher().hash(password)


def verify_password(stored_hash: str, password: str, params: Argon2Params) -> bool:
    """True if ``password`` matches ``stored_hash``."""
    try:
        return bool(params.hasher().verify(stored_hash, password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
