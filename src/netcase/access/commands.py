"""``netcase user …``, ``netcase audit …`` and ``netcase retention …``.

Who acts: ``--as USER`` (or ``$NETCASE_USER``) names an existing account; its roles decide what the
command may do (``COMMAND_ACTIONS``) and it is the "who" of the audit entries. The CLI runs where
the database is, so it does not ask for the password: the account is for least privilege and
accountability, the operating system guards the database file or the PostgreSQL login. A store
without any account is in single-user embedded mode: the local operator acts with
``EMBEDDED_ROLES`` (and the first ``user add`` creates the first administrator).
Exit codes: 0 done, 1 verification failed, 2 usage or input error, 3 access denied.
"""

from __future__ import annotations

import json
import os
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from netcase.cliutil import DbOption, console, emit_json, fail, open_db

AsOption = Annotated[
    str | None,
    typer.Option("--as", envvar="NETCASE_USER", help="Account that acts (its roles apply; audited as it)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
DENIED = 3


def _auth_config() -> Any:
    """Argon2 cost from ``$NETCASE_ARGON2`` ("time,memory_kib,parallelism"), else the default."""
    from netcase.access.identity import AuthConfig
    from netcase.access.passwords import Argon2Params

    spec = os.environ.get("NETCASE_ARGON2")
    extra = os.environ.get("NETCASE_BREACHED_PASSWORDS")
    params = Argon2Params(*(int(x) for x in spec.split(","))) if spec else Argon2Params()
    return AuthConfig(argon2=params, extra_breached_file=Path(extra) if extra else None)


def _actor(store: Any, as_user: str | None) -> Any:
    """The viewer acting for this command."""
    from netcase.access.errors import AccessError
    from netcase.access.identity import viewer_for
    from netcase.access.policy import EMBEDDED_ROLES
    from netcase.access.viewer import Viewer

    if as_user:
        try:
            return viewer_for(store, as_user)
        except AccessError as exc:
            raise fail(str(exc), DENIED) from exc
    if not store.scalar("SELECT count(*) FROM users"):
        return Viewer.local(roles=EMBEDDED_ROLES)
    raise fail("this store has user accounts: say who acts with --as USER (or NETCASE_USER)")


def _guard(store: Any, as_user: str | None, command: tuple[str, ...]) -> Any:
    """Resolve the actor and check the command's action; a refusal is audited and exits 3."""
    from netcase.access.audit import record
    from netcase.access.policy import COMMAND_ACTIONS, decide

    actor = _actor(store, as_user)
    action = COMMAND_ACTIONS[command]
    decision = decide(actor, action)
    if not decision.allowed:
        record(store, actor, action, object_type="command", object_id=" ".join(command), outcome="denied",
               source="cli", details={"reason": decision.reason})
        raise fail(f"{' '.join(command)}: access denied ({decision.reason})", DENIED)
    return actor


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise fail(f"not a date (YYYY-MM-DD): {text!r}") from exc


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    """Add the user, audit and retention commands."""
    user, audit, retention = groups["user"], groups["audit"], groups["retention"]

    # -- user ---------------------------------------------------------------------------------------
    @user.command("add")
    def user_add(
        username: str,
        agency: Annotated[str, typer.Option(help="Agency (HSI, CBP, FBI, DEA, USAO-SDTX, FGR, …).")],
        country: Annotated[str, typer.Option(help="ISO trigraph: USA, MEX, GTM, SLV, HND.")] = "USA",
        role: Annotated[list[str] | None, typer.Option("--role", help="Role (repeat).")] = None,
        compartment: Annotated[list[str] | None, typer.Option("--compartment", help="Investigation (repeat).")] = None,
        password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True,
                                              envvar="NETCASE_NEW_PASSWORD")] = "",
        display_name: Annotated[str | None, typer.Option(help="Full name.")] = None,
        db: DbOption = "netcase.duckdb",
        as_user: AsOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Create an account; prints its TOTP secret and otpauth:// URI once."""
        from netcase.access.audit import utc_now
        from netcase.access.errors import AccessError
        from netcase.access.identity import add_user

        with open_db(db) as store:
            actor = _guard(store, as_user, ("user", "add"))
            try:
                enrol = add_user(store, username=username, agency=agency, country=country, roles=role or ["analyst"],
                                 compartments=compartment or [], password=password, display_name=display_name,
                                 by=actor, now=utc_now(), config=_auth_config(), source="cli")
            except AccessError as exc:
                raise fail(str(exc), DENIED) from exc
            except ValueError as exc:
                raise fail(str(exc)) from exc
        if as_json:
            emit_json({"username": enrol.username, "totp_secret": enrol.secret, "totp_uri": enrol.uri})
            return
        console.print(f"user [bold]{username}[/] created. TOTP secret (shown once): [bold]{enrol.secret}[/]")
        typer.echo(enrol.uri)

    @user.command("list")
    def user_list(db: DbOption = "netcase.duckdb", as_user: AsOption = None, as_json: JsonOption = False) -> None:
        """List accounts with roles, compartments and state."""
        from netcase.access.audit import record
        from netcase.access.identity import list_users

        with open_db(db, must_exist=True) as store:
            actor = _guard(store, as_user, ("user", "list"))
            users = list_users(store)
            record(store, actor, "read:users", object_type="users", source="cli", details={"rows": len(users)})
        if as_json:
            emit_json(users)
            return
        for u in users:
            state = "locked" if u["locked"] else "disabled" if u["disabled"] else "active"
            console.print(f"{u['username']:<20} {u['agency']:<10} {u['country']} {state:<8} "
                          f"roles={','.join(u['roles'])} compartments={','.join(u['compartments']) or '-'}")

    @user.command("lock")
    def user_lock(
        username: str,
        reason: Annotated[str, typer.Option(help="Why.")] = "locked by administrator",
        db: DbOption = "netcase.duckdb",
        as_user: AsOption = None,
    ) -> None:
        """Lock an account and end its sessions."""
        from netcase.access.audit import utc_now
        from netcase.access.identity import lock_user

        with open_db(db, must_exist=True) as store:
            actor = _guard(store, as_user, ("user", "lock"))
            try:
                lock_user(store, username, by=actor, now=utc_now(), reason=reason, source="cli")
            except ValueError as exc:
                raise fail(str(exc)) from exc
        console.print(f"{username} locked")

    @user.command("unlock")
    def user_unlock(username: str, db: DbOption = "netcase.duckdb", as_user: AsOption = None) -> None:
        """Unlock (and re-enable) an account."""
        from netcase.access.audit import utc_now
        from netcase.access.identity import unlock_user

        with open_db(db, must_exist=True) as store:
            actor = _guard(store, as_user, ("user", "unlock"))
            try:
                unlock_user(store, username, by=actor, now=utc_now(), source="cli")
            except ValueError as exc:
                raise fail(str(exc)) from exc
        console.print(f"{username} unlocked")

    def _grant_or_revoke(command: str, username: str, roles: list[str] | None, comps: list[str] | None,
                         db: str, as_user: str | None) -> None:
        from netcase.access.audit import utc_now
        from netcase.access.identity import grant, revoke

        if not roles and not comps:
            raise fail("give --role and/or --compartment")
        with open_db(db, must_exist=True) as store:
            actor = _guard(store, as_user, ("user", command))
            fn = grant if command == "grant" else revoke
            try:
                fn(store, username, by=actor, now=utc_now(), roles=tuple(roles or ()), compartments=tuple(comps or ()),
                   source="cli")
            except ValueError as exc:
                raise fail(str(exc)) from exc
        console.print(f"{command}: {username} roles={','.join(roles or []) or '-'} "
                      f"compartments={','.join(comps or []) or '-'}")

    @user.command("grant")
    def user_grant(
        username: str,
        role: Annotated[list[str] | None, typer.Option("--role")] = None,
        compartment: Annotated[list[str] | None, typer.Option("--compartment")] = None,
        db: DbOption = "netcase.duckdb",
        as_user: AsOption = None,
    ) -> None:
        """Grant roles and/or compartments."""
        _grant_or_revoke("grant", username, role, compartment, db, as_user)

    @user.command("revoke")
    def user_revoke(
        username: str,
        role: Annotated[list[str] | None, typer.Option("--role")] = None,
        compartment: Annotated[list[str] | None, typer.Option("--compartment")] = None,
        db: DbOption = "netcase.duckdb",
        as_user: AsOption = None,
    ) -> None:
        """Revoke roles and/or compartments."""
        _grant_or_revoke("revoke", username, role, compartment, db, as_user)

    @user.command("token")
    def user_token(
        username: str,
        name: Annotated[str, typer.Option(help="What the token is for.")],
        scope: Annotated[list[str], typer.Option("--scope", help="Action scope (repeat), e.g. read:entities.")],
        db: DbOption = "netcase.duckdb",
        as_user: AsOption = None,
    ) -> None:
        """Issue a scoped API token for a machine acting as USERNAME (printed once)."""
        from netcase.access.audit import utc_now
        from netcase.access.errors import AccessError
        from netcase.access.identity import issue_api_token

        with open_db(db, must_exist=True) as store:
            actor = _guard(store, as_user, ("user", "token"))
            try:
                tok = issue_api_token(store, username=username, name=name, scopes=scope, by=actor, now=utc_now(),
                                      source="cli")
            except AccessError as exc:
                raise fail(str(exc), DENIED) from exc
            except ValueError as exc:
                raise fail(str(exc)) from exc
        console.print(f"token {tok.token_id} for {username} ({', '.join(sorted(tok.scopes))}), shown once:")
        typer.echo(tok.token)

    @user.command("agreement")
    def user_agreement(
        country: Annotated[str, typer.Argument(help="Partner country (MEX, GTM, SLV, HND).")],
        agreement_id: Annotated[str, typer.Option("--id", help="Reference of the agreement.")],
        title: Annotated[str, typer.Option(help="What it is (MOU, letter of agreement…).")],
        signed: Annotated[str, typer.Option(help="Date signed (YYYY-MM-DD).")],
        expires: Annotated[str | None, typer.Option(help="End date, if any.")] = None,
        agency: Annotated[str | None, typer.Option(help="Only this partner agency (default: the country).")] = None,
        db: DbOption = "netcase.duckdb",
        as_user: AsOption = None,
    ) -> None:
        """Record an information-sharing agreement: partner liaisons of COUNTRY see nothing without one."""
        from netcase.access.audit import utc_now
        from netcase.access.policy import record_sharing_agreement

        signed_on = _parse_date(signed)
        expires_on = _parse_date(expires) if expires else None
        with open_db(db, must_exist=True) as store:
            actor = _guard(store, as_user, ("user", "agreement"))
            try:
                record_sharing_agreement(store, agreement_id=agreement_id, country=country, title=title,
                                         signed_on=signed_on, expires_on=expires_on, agency=agency,
                                         recorded_by=actor, now=utc_now())
            except Exception as exc:  # a duplicate id is reported by each backend in its own words
                raise fail(f"cannot record agreement {agreement_id}: {exc}") from exc
        console.print(f"agreement {agreement_id} with {country.upper()}{' / ' + agency if agency else ''} recorded")

    # -- audit --------------------------------------------------------------------------------------
    @audit.command("show")
    def audit_show(
        user_name: Annotated[str | None, typer.Option("--user", help="Only this user's entries.")] = None,
        since: Annotated[str | None, typer.Option(help="From this UTC time or date (ISO).")] = None,
        action: Annotated[str | None, typer.Option(help="Only this action.")] = None,
        search: Annotated[str | None, typer.Option(help="Entries of searches for this term.")] = None,
        limit: Annotated[int | None, typer.Option(help="At most this many entries.")] = None,
        db: DbOption = "netcase.duckdb",
        as_user: AsOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Show audit entries (who, when, from where, what, which object, outcome)."""
        from netcase.access.audit import entries, format_time, record, search_digest

        try:
            since_t = datetime.fromisoformat(since) if since else None
        except ValueError as exc:
            raise fail(f"--since: not an ISO time: {since!r}") from exc
        with open_db(db, must_exist=True) as store:
            actor = _guard(store, as_user, ("audit", "show"))
            object_id = search_digest(store, search) if search else None
            rows = entries(store, user=user_name, since=since_t, action=action, object_id=object_id, limit=limit)
            # Reading the audit trail is itself audited (CJIS 5.4.1.1).
            record(store, actor, "read:audit", object_type="audit_log", source="cli",
                   details={"user": user_name, "since": since, "action": action, "rows": len(rows)})
        if as_json:
            emit_json([e.as_dict() for e in rows])
            return
        for e in rows:
            obj = f"{e.object_type}:{e.object_id}" if e.object_type else "-"
            console.print(f"{e.seq:>6} {format_time(e.at)} {e.user:<16} {e.source:<15} {e.action:<22} {obj:<40} {e.outcome}",
                          markup=False, highlight=False)

    @audit.command("verify")
    def audit_verify(
        public_key: Annotated[str | None, typer.Option(help="Pinned public key: hex, or a PEM/hex file.")] = None,
        sth: Annotated[list[Path] | None, typer.Option("--sth", help="An earlier signed tree head (JSON file; repeat).")] = None,
        db: DbOption = "netcase.duckdb",
        as_user: AsOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Recompute the Merkle tree and check signatures and consistency with earlier tree heads."""
        from netcase.access.audit import TreeHead, load_public_key, record, verify

        pk = None
        if public_key:
            text = Path(public_key).read_text() if Path(public_key).exists() else public_key
            try:
                pk = load_public_key(text)
            except ValueError as exc:
                raise fail(f"--public-key: {exc}") from exc
        heads = []
        for path in sth or []:
            try:
                heads.append(TreeHead.from_dict(json.loads(path.read_text())))
            except (OSError, ValueError, KeyError) as exc:
                raise fail(f"--sth {path}: {exc}") from exc
        with open_db(db, must_exist=True) as store:
            actor = _guard(store, as_user, ("audit", "verify"))
            report = verify(store, public_key=pk, old_heads=heads)
            record(store, actor, "verify:audit", object_type="audit_log", source="cli",
                   outcome="ok" if report.ok else "failed", details={"problems": len(report.problems)})
        if as_json:
            emit_json({"ok": report.ok, "tree_size": report.tree_size, "root_hash": report.root_hash,
                       "checked_heads": report.checked_heads, "problems": report.problems})
        elif report.ok:
            console.print(f"[green]audit log intact[/]: {report.tree_size} entries, root {report.root_hash}, "
                          f"{report.checked_heads} earlier tree head(s) consistent")
        else:
            for p in report.problems:
                console.print(f"[red]FAIL[/] {p}")
        if not report.ok:
            raise typer.Exit(1)

    @audit.command("sth")
    def audit_sth(
        out: Annotated[Path | None, typer.Option(help="Also write the tree head to this JSON file.")] = None,
        db: DbOption = "netcase.duckdb",
        as_user: AsOption = None,
    ) -> None:
        """Keep the current signed tree head as a checkpoint and print it (give it to an auditor)."""
        from netcase.access.audit import checkpoint

        with open_db(db, must_exist=True) as store:
            _guard(store, as_user, ("audit", "sth"))
            head = checkpoint(store)
        if head is None:
            raise fail("the audit log is empty")
        text = json.dumps(head.as_dict(), indent=2)
        if out:
            out.write_text(text + "\n")
        typer.echo(text)

    @audit.command("proof")
    def audit_proof(
        seq: Annotated[int | None, typer.Option(help="Inclusion proof of this entry.")] = None,
        old_size: Annotated[int | None, typer.Option(help="Consistency proof from this tree size.")] = None,
        db: DbOption = "netcase.duckdb",
        as_user: AsOption = None,
    ) -> None:
        """Print an RFC 6962 inclusion or consistency proof against the current tree head."""
        from netcase.access.audit import consistency, inclusion_proof

        if (seq is None) == (old_size is None):
            raise fail("give exactly one of --seq or --old-size")
        with open_db(db, must_exist=True) as store:
            _guard(store, as_user, ("audit", "proof"))
            try:
                doc = inclusion_proof(store, seq) if seq is not None else consistency(store, old_size or 0)
            except (ValueError, IndexError) as exc:
                raise fail(str(exc)) from exc
        emit_json(doc)

    # -- retention ----------------------------------------------------------------------------------
    @retention.command("review")
    def retention_review(
        as_of: Annotated[str | None, typer.Option(help="Review date to check against (default today).")] = None,
        warn_days: Annotated[int, typer.Option(help="Also list what falls due within this many days.")] = 0,
        db: DbOption = "netcase.duckdb",
        as_user: AsOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """List statements due for 28 CFR 23.20(h) review."""
        from netcase.access.audit import record, utc_now
        from netcase.access.retention import due_for_review

        day = _parse_date(as_of) if as_of else utc_now().date()
        with open_db(db, must_exist=True) as store:
            actor = _guard(store, as_user, ("retention", "review"))
            rows = due_for_review(store, day, warn_days=warn_days)
            record(store, actor, "retention:review", source="cli", details={"as_of": day.isoformat(), "due": len(rows)})
        if as_json:
            emit_json(rows)
            return
        console.print(f"{len(rows)} statement(s) due for review by {day.isoformat()}")
        for r in rows:
            console.print(f"{r['statement_id']} {r['entity_id']} {r['prop']:<16} review_by={r['review_by']} "
                          f"agency={r['submitting_agency']} compartment={r['compartment'] or '-'}",
                          markup=False, highlight=False)

    @retention.command("revalidate")
    def retention_revalidate(
        statement_id: Annotated[list[str], typer.Argument(help="Statement ids.")],
        reason: Annotated[str, typer.Option(help="Why the records are still needed.")],
        until: Annotated[str | None, typer.Option(help="New review date (at most five years on).")] = None,
        db: DbOption = "netcase.duckdb",
        as_user: AsOption = None,
    ) -> None:
        """Revalidate statements: record who and why, and extend their review date."""
        from netcase.access.audit import utc_now
        from netcase.access.retention import revalidate

        with open_db(db, must_exist=True) as store:
            actor = _guard(store, as_user, ("retention", "revalidate"))
            try:
                target = revalidate(store, statement_id, by=actor, reason=reason, now=utc_now(),
                                    new_review_by=_parse_date(until) if until else None, source="cli")
            except ValueError as exc:
                raise fail(str(exc)) from exc
        console.print(f"{len(set(statement_id))} statement(s) revalidated until {target.isoformat()}")

    @retention.command("purge")
    def retention_purge(
        as_of: Annotated[str, typer.Option(help="Purge what was not revalidated before this date.")],
        db: DbOption = "netcase.duckdb",
        as_user: AsOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Purge statements past their review date; notify earlier recipients."""
        from netcase.access.audit import utc_now
        from netcase.access.retention import purge

        with open_db(db, must_exist=True) as store:
            actor = _guard(store, as_user, ("retention", "purge"))
            report = purge(store, _parse_date(as_of), by=actor, now=utc_now(), source="cli")
        if as_json:
            emit_json({"as_of": report.as_of, "purged": report.statement_ids, "entities": report.entity_ids,
                       "notifications": report.notifications})
            return
        console.print(f"purged {len(report.statement_ids)} statement(s) of {len(report.entity_ids)} entities; "
                      f"{len(report.notifications)} recipient notification(s)")
        for n in report.notifications:
            console.print(f"notify {n['recipient']} ({n['recipient_agency']}, {n['recipient_country']}): "
                          f"{n['subject']}", markup=False, highlight=False)
