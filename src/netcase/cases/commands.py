"""``netcase case add|list|show``, ``netcase target add``, ``netcase deconflict``, ``netcase watch …``."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

import typer

from netcase.cliutil import DbOption, console, emit_json, fail, open_db

AsOption = Annotated[
    str | None,
    typer.Option("--as", envvar="NETCASE_USER", help="Account that acts (its access applies)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def viewer_of(store: Any, as_user: str | None) -> Any:
    """The named account's viewer, else the local operator of an embedded store without accounts."""
    from netcase.access.viewer import Viewer

    if as_user:
        from netcase.access.errors import AccessError
        from netcase.access.identity import viewer_for

        try:
            return viewer_for(store, as_user)
        except AccessError as exc:
            raise fail(str(exc), 3) from exc
    if store.table_exists("users") and store.scalar("SELECT count(*) FROM users"):
        raise fail("this store has user accounts: say who acts with --as USER (or NETCASE_USER)")
    from netcase.access.policy import EMBEDDED_ROLES

    return Viewer.local(roles=EMBEDDED_ROLES | {"investigator"})


def _date(text: str | None, name: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise fail(f"--{name}: {text!r} is not an ISO date (YYYY-MM-DD)") from exc


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    case = typer.Typer(help="Investigations: register, list, show.", no_args_is_help=True)
    target = typer.Typer(help="Targets of investigations.", no_args_is_help=True)
    watch = typer.Typer(help="Watchlists: be told when new facts touch what you watch.", no_args_is_help=True)
    app.add_typer(case, name="case")
    app.add_typer(target, name="target")
    app.add_typer(watch, name="watch")

    @case.command("add")
    def case_add(
        investigation_id: Annotated[str, typer.Argument(help="Investigation id, e.g. INV-HSI-0042.")],
        agency: Annotated[str, typer.Option(help="HSI, CBP, FBI, DEA, ATF, IRS-CI, …")],
        case_number: Annotated[str, typer.Option("--case-number", help="The agency's case number.")],
        lead_agent: Annotated[str, typer.Option("--lead-agent", help="Point of contact for deconfliction.")],
        db: DbOption = "netcase.duckdb",
        district: Annotated[str | None, typer.Option(help='Federal district, e.g. "S.D. Tex."')] = None,
        phone: Annotated[str | None, typer.Option(help="Contact phone.")] = None,
        email: Annotated[str | None, typer.Option(help="Contact e-mail.")] = None,
        status: str = "open",
        opened: Annotated[str | None, typer.Option(help="YYYY-MM-DD (default today).")] = None,
        predicate: Annotated[str | None, typer.Option(help="Criminal predicate (28 CFR 23).")] = None,
        compartment: Annotated[str | None, typer.Option(help="Compartment that restricts the case.")] = None,
        as_user: AsOption = None,
    ) -> None:
        """Register an investigation."""
        from netcase.cases.investigations import CaseError, Investigation, add_investigation

        with open_db(db) as store:
            inv = Investigation(investigation_id=investigation_id, agency=agency, case_number=case_number,
                                lead_agent=lead_agent, district=district, contact_phone=phone, contact_email=email,
                                status=status, opened=_date(opened, "opened") or _now().date(),
                                predicate=predicate, compartment=compartment)
            try:
                add_investigation(store, viewer_of(store, as_user), inv)
            except CaseError as exc:
                raise fail(str(exc)) from exc
        console.print(f"registered {investigation_id} ({agency.upper()} {case_number})")

    @case.command("list")
    def case_list(
        db: DbOption = "netcase.duckdb",
        district: Annotated[str | None, typer.Option(help='Only this district, e.g. "S.D. Tex."')] = None,
        agency: str | None = None,
        status: str | None = None,
        as_user: AsOption = None,
        json_out: JsonOption = False,
    ) -> None:
        """Investigations you may see."""
        from rich.table import Table

        from netcase.cases.investigations import list_investigations

        with open_db(db, must_exist=True) as store:
            rows = list_investigations(store, viewer_of(store, as_user), district=district, agency=agency,
                                       status=status)
        if json_out:
            emit_json(rows)
            return
        table = Table("investigation", "agency", "case number", "district", "lead agent", "status", "opened",
                      "targets")
        for r in rows:
            table.add_row(r["investigation_id"], r["agency"], r["case_number"], r["district"] or "",
                          r["lead_agent"], r["status"], str(r["opened"] or ""), str(r["targets"]))
        console.print(table)

    @case.command("show")
    def case_show(
        investigation_id: str,
        db: DbOption = "netcase.duckdb",
        as_user: AsOption = None,
        json_out: JsonOption = False,
    ) -> None:
        """One investigation: its record, targets, deconfliction alerts and court cases."""
        from netcase.cases.deconflict import alerts_for, render_alert
        from netcase.cases.investigations import get_investigation
        from netcase.cases.prosecution import court_cases_for_investigation

        with open_db(db, must_exist=True) as store:
            viewer = viewer_of(store, as_user)
            inv = get_investigation(store, viewer, investigation_id)
            if inv is None:
                raise fail(f"no investigation {investigation_id} that you may see")
            inv["alerts"] = alerts_for(store, viewer, investigation_id=investigation_id)
            inv["court_cases"] = court_cases_for_investigation(store, viewer, investigation_id)
        if json_out:
            emit_json(inv)
            return
        for key in ("investigation_id", "agency", "case_number", "district", "lead_agent", "contact_phone",
                    "contact_email", "status", "opened", "closed", "predicate", "compartment"):
            console.print(f"[bold]{key}[/]: {inv[key] if inv[key] is not None else ''}")
        console.print(f"[bold]targets[/] ({len(inv['targets'])}):")
        for t in inv["targets"]:
            ids = ", ".join(f"{k} {t[k]}" for k in ("phone", "account", "plate", "document") if t[k])
            console.print(f"  {t['target_id']}  {t['name'] or '(no name)'}  {t['dob'] or ''}  {ids}")
        for a in inv["alerts"]:
            console.print(render_alert(a), style="yellow")
        for c in inv["court_cases"]:
            console.print(f"[bold]court case[/] {c['case_number']} {c['district']} {c['filing_type']} "
                          f"{c['filing_date']}: {len(c['defendants'])} defendant(s)")

    @case.command("notices")
    def case_notices(
        db: DbOption = "netcase.duckdb",
        investigation: Annotated[str | None, typer.Option(help="Only this investigation.")] = None,
        as_user: AsOption = None,
        json_out: JsonOption = False,
    ) -> None:
        """Deconfliction notices to your side: conflicts found or withdrawn, and whom to call."""
        from netcase.cases.notices import notices_for

        with open_db(db, must_exist=True) as store:
            rows = notices_for(store, viewer_of(store, as_user), investigation_id=investigation)
        if json_out:
            emit_json(rows)
            return
        if not rows:
            console.print("no deconfliction notices")
        for n in rows:
            console.print(f"[bold]{n['created_at']:%Y-%m-%d %H:%M}[/] to {n['recipient'] or n['recipient_agency']}: "
                          f"{n['subject']}")
            console.print(n["body"], style="yellow" if n["change_kind"] == "new" else "dim")

    @target.command("add")
    def target_add(
        investigation_id: str,
        db: DbOption = "netcase.duckdb",
        entity: Annotated[str | None, typer.Option(help="A canonical entity id.")] = None,
        name: str | None = None,
        dob: Annotated[str | None, typer.Option(help="Date of birth, YYYY-MM-DD.")] = None,
        phone: str | None = None,
        account: str | None = None,
        plate: str | None = None,
        document: str | None = None,
        address: str | None = None,
        as_user: AsOption = None,
    ) -> None:
        """Add a target (an entity id or raw identifiers) to an investigation, then deconflict."""
        from netcase.cases.deconflict import alerts_for, render_alert
        from netcase.cases.investigations import CaseError, add_target
        from netcase.cases.notices import evaluate_and_notify

        with open_db(db, must_exist=True) as store:
            viewer = viewer_of(store, as_user)
            try:
                row = add_target(store, viewer, investigation_id, entity_id=entity, name=name,
                                 dob=_date(dob, "dob"), phone=phone, account=account, plate=plate,
                                 document=document, address=address, now=_now())
            except CaseError as exc:
                raise fail(str(exc)) from exc
            run, _sent = evaluate_and_notify(store, now=_now(), trigger=f"target add:{row['target_id']}")
            mine = alerts_for(store, viewer, investigation_id=investigation_id,
                              alert_ids=[c.alert_id for c in run.new])
        linked = f" linked to {row['entity_id']}" if row["entity_id"] else ""
        console.print(f"added target {row['target_id']} to {investigation_id}{linked}")
        for a in mine:
            console.print(render_alert(a), style="yellow")

    @app.command("deconflict")
    def deconflict(
        db: DbOption = "netcase.duckdb",
        max_km: Annotated[float, typer.Option("--max-km", help="Operations closer than this conflict.")] = 1.0,
        buffer_hours: Annotated[float, typer.Option("--buffer-hours", help="…or less than this apart in time.")] = 2.0,
        as_user: AsOption = None,
        json_out: JsonOption = False,
    ) -> None:
        """Recompute target and operation deconfliction; show new and withdrawn alerts."""
        from datetime import timedelta

        from netcase.cases.deconflict import alerts_for, render_alert
        from netcase.cases.notices import evaluate_and_notify, operation_notices, store_notices
        from netcase.cases.operations import evaluate_operations, operation_alerts_for

        now = _now()
        with open_db(db, must_exist=True) as store:
            viewer = viewer_of(store, as_user)
            run, _sent = evaluate_and_notify(store, now=now, trigger="netcase deconflict")
            new_ops, current_ops = evaluate_operations(store, now=now, max_km=max_km,
                                                       buffer=timedelta(hours=buffer_hours))
            store_notices(store, operation_notices(store, new_ops, now=now))
            new_sides = alerts_for(store, viewer, alert_ids=[c.alert_id for c in run.new])
            withdrawn_sides = alerts_for(store, viewer, alert_ids=run.withdrawn, status="withdrawn")
            op_sides = operation_alerts_for(store, viewer, current_ops)
        new_op_ids = {c.alert_id for c in new_ops}
        if json_out:
            emit_json({"run_id": run.run_id, "active": len(run.active), "new": new_sides,
                       "withdrawn": withdrawn_sides,
                       "operations": [{**o, "new": o["alert_id"] in new_op_ids} for o in op_sides]})
            return
        console.print(f"target deconfliction {run.run_id}: {len(run.active)} active, {len(run.new)} new, "
                      f"{len(run.withdrawn)} withdrawn")
        for a in new_sides:
            console.print(render_alert(a), style="yellow")
        for a in withdrawn_sides:
            console.print(render_alert(a), style="dim")
        console.print(f"operation deconfliction: {len(current_ops)} upcoming conflicts, {len(new_ops)} new")
        for o in op_sides:
            c = o["contact"]
            console.print(f"[{'bold red' if o['alert_id'] in new_op_ids else 'red'}]OPERATION {o['alert_id']}[/] "
                          f"your {o['kind']} {o['operation_id']} {o['starts']:%Y-%m-%d %H:%M}–{o['ends']:%H:%M} is "
                          f"{o['distance_km']:.2f} km from a {c['agency']} operation in the same window; call "
                          f"{', '.join(str(v) for v in (c['lead_agent'], c['phone'], c['email']) if v)}")

    @watch.command("add")
    def watch_add(
        kind: Annotated[str, typer.Argument(help="entity, phone, account, plate, document, name_dob, network.")],
        value: Annotated[str, typer.Argument(help="The value; name_dob is written 'NAME|YYYY-MM-DD'.")],
        db: DbOption = "netcase.duckdb",
        as_user: AsOption = None,
    ) -> None:
        """Watch an entity, an identifier or a network."""
        from netcase.cases.watch import WatchError, add_watch

        with open_db(db, must_exist=True) as store:
            try:
                w = add_watch(store, viewer_of(store, as_user), kind, value, now=_now())
            except WatchError as exc:
                raise fail(str(exc)) from exc
        console.print(f"watching {w['kind']} {w['value']} as {w['watch_id']} "
                      f"({w['baseline_statements']} facts already known)")

    @watch.command("list")
    def watch_list(db: DbOption = "netcase.duckdb", as_user: AsOption = None, json_out: JsonOption = False) -> None:
        """Your watches."""
        from netcase.cases.watch import list_watches

        with open_db(db, must_exist=True) as store:
            rows = list_watches(store, viewer_of(store, as_user).user)
        if json_out:
            emit_json(rows)
            return
        for r in rows:
            console.print(f"{r['watch_id']}  {r['kind']}  {r['value']}  since {r['created']:%Y-%m-%d}")

    @watch.command("alerts")
    def watch_alerts_cmd(
        db: DbOption = "netcase.duckdb",
        check: Annotated[bool, typer.Option(help="Check the watches against the store first.")] = True,
        as_user: AsOption = None,
        json_out: JsonOption = False,
    ) -> None:
        """Your watch alerts (checking for new ones first)."""
        from netcase.cases.watch import check_watches, watch_alerts

        with open_db(db, must_exist=True) as store:
            viewer = viewer_of(store, as_user)
            if check:
                check_watches(store, now=_now(), username=viewer.user,
                              viewer_for=lambda u: viewer if u == viewer.user else None)
            rows = watch_alerts(store, viewer.user)
        if json_out:
            emit_json(rows)
            return
        for r in rows:
            changes = ", ".join(f"{c['prop']}={c['value']}" for c in r["changes"]["changes"])
            console.print(f"{r['created']:%Y-%m-%d %H:%M} {r['kind']} {r['value']}: {r['agency']} "
                          f"{r['source_file']} (batch {r['batch_id']}) on {r['entity_id']}: {changes}")
