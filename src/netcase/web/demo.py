"""The web step of ``netcase demo``: demo users of every role, how to log in, and the server.

Each demo user gets a known password and a fixed TOTP secret, so a person can log in with an
authenticator app (or ``python -c "import pyotp; print(pyotp.TOTP('SECRET').now())"``). These
accounts exist for the synthetic demo world only; never create them on a real store.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from netcase.access import identity, policy
from netcase.access.viewer import Viewer
from netcase.store import Store

if TYPE_CHECKING:
    from netcase.demo import DemoContext


@dataclass(frozen=True)
class DemoUser:
    """A demo account: who, and how to log in as them."""

    username: str
    role: str
    agency: str
    country: str
    compartments: tuple[str, ...]
    password: str
    totp_secret: str


# One user per role. The investigator, prosecutor and supervisor form the case team of the
# compartments the demo world's investigations use, so the victim-shielding rules are visible.
DEMO_ROLES: tuple[tuple[str, str, str, str], ...] = (
    ("ana.analyst", "analyst", "HSI", "USA"),
    ("ivan.investigator", "investigator", "HSI", "USA"),
    ("paula.prosecutor", "prosecutor", "USAO-SDTX", "USA"),
    ("sam.supervisor", "supervisor", "HSI", "USA"),
    ("mateo.liaison", "partner_liaison", "FGR", "MEX"),
    ("vera.victimservices", "victim_services", "HSI-VAP", "USA"),
    ("aud.auditor", "auditor", "DHS-OIG", "USA"),
    ("adam.admin", "administrator", "NETCASE", "USA"),
)


def demo_password(username: str) -> str:
    """The demo password of ``username`` (long, not on any breached list, easy to type)."""
    return f"Demo-{username.split('.')[0].capitalize()}-Netcase-2026!"


def demo_totp_secret(username: str) -> str:
    """A fixed base32 TOTP secret per demo user, derived from the name (demo only)."""
    digest = hashlib.sha256(f"netcase-demo-totp:{username}".encode()).digest()[:20]
    return base64.b32encode(digest).decode("ascii")


def compartments_in(store: Store) -> tuple[str, ...]:
    """The compartments used by the loaded statements (the demo case team holds them all)."""
    return tuple(str(r[0]) for r in store.query(
        "SELECT DISTINCT compartment FROM statements WHERE compartment IS NOT NULL ORDER BY 1"))


def create_demo_users(store: Store, now: datetime | None = None) -> list[DemoUser]:
    """Create (or refresh) the demo users of every role; returns how to log in as each."""
    now = now or datetime.now(UTC).replace(tzinfo=None)
    system = Viewer.system()
    comps = compartments_in(store)
    users = []
    for username, role, agency, country in DEMO_ROLES:
        held = comps if role in ("investigator", "prosecutor", "supervisor", "victim_services") else ()
        password = demo_password(username)
        if identity.get_user(store, username) is None:
            identity.add_user(store, username=username, agency=agency, country=country, roles=[role],
                              password=password, by=system, now=now, compartments=held,
                              display_name=username.replace(".", " ").title())
        secret = demo_totp_secret(username)
        # A fixed secret, so the printed one keeps working across demo runs (demo accounts only).
        store.execute("UPDATE users SET totp_secret = ?, last_totp_step = NULL WHERE username = ?", (secret, username))
        users.append(DemoUser(username, role, agency, country, tuple(held), password, secret))
    if not store.scalar("SELECT count(*) FROM sharing_agreements WHERE country = 'MEX' AND revoked_at IS NULL"):
        policy.record_sharing_agreement(
            store, agreement_id="DEMO-MEX-FGR", country="MEX", agency=None,
            title="Demo: information-sharing arrangement with FGR (synthetic)", signed_on=date(2025, 1, 15),
            recorded_by=system, now=now)
    return users


def demo_step(ctx: DemoContext) -> None:
    """Create the demo users, print how to log in, and serve the app when asked."""
    users = create_demo_users(ctx.store)
    from rich.table import Table

    table = Table(title="Demo users (synthetic world only)")
    for col in ("user", "role", "agency", "password", "TOTP secret"):
        table.add_column(col)
    for u in users:
        table.add_row(u.username, u.role, f"{u.agency} ({u.country})", u.password, u.totp_secret)
    ctx.console.print(table)
    ctx.console.print(
        "Log in with the user name, the password and the six-digit code of an authenticator app set up with the "
        "TOTP secret, or print the code with:\n"
        f"  .venv/bin/python -c \"import pyotp; print(pyotp.TOTP('{users[0].totp_secret}').now())\"\n"
        f"Leadership brief: .venv/bin/netcase brief --db {ctx.db} --out {ctx.out / 'brief.pdf'}"
    )
    if not ctx.serve:
        ctx.console.print(f"Serve the app with: .venv/bin/netcase serve --db {ctx.db}")
        return
    import uvicorn

    from netcase.api import create_app

    app = create_app(ctx.db)
    ctx.console.print(f"Serving at http://{ctx.host}:{ctx.port}/ — press Ctrl-C to stop.")
    uvicorn.run(app, host=ctx.host, port=ctx.port, log_level="warning")
