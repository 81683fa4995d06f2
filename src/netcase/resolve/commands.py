"""``netcase resolve``, ``explain``, ``judge``, ``review``, ``dedupe`` and ``export clusters``."""

from __future__ import annotations

import csv
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from netcase.cliutil import DbOption


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    @app.command()
    def resolve(
        db: DbOption = "netcase.duckdb",
        retrain: Annotated[bool, typer.Option(help="Train a new model by EM instead of reusing the saved one.")] = False,
        full: Annotated[bool, typer.Option(help="Score every pair again, not only those of new records.")] = False,
        threshold: Annotated[float, typer.Option(help="Match probability at which records are joined.")] = 0.99,
        review_low: Annotated[float, typer.Option(help="Pairs from here up to the threshold go to review.")] = 0.5,
        org_threshold: Annotated[float, typer.Option(
            help="Match probability at which organisation records are joined.")] = 0.95,
        backend: Annotated[str, typer.Option(help="duckdb (in-process) or spark.")] = "duckdb",
        as_json: Annotated[bool, typer.Option("--json", help="Print the run as JSON.")] = False,
    ) -> None:
        """Resolve person mentions into people and organisation mentions into organisations (Splink)."""
        from netcase.cliutil import console, emit_json, fail, open_db
        from netcase.resolve.engine import resolve as run

        if not 0 < review_low <= min(threshold, org_threshold) or max(threshold, org_threshold) > 1:
            raise fail("need 0 < --review-low <= --threshold, --org-threshold <= 1")
        if backend not in ("duckdb", "spark"):
            raise fail("--backend is duckdb or spark")
        store = open_db(db, must_exist=True)
        try:
            if not store.scalar("SELECT count(*) FROM statements WHERE schema = 'Person'"):
                raise fail(f"no person statements in {db} (run `netcase ingest` first)")
            result = run(store, retrain=retrain, full=full, threshold=threshold, review_low=review_low,
                         backend=backend, org_threshold=org_threshold)
        finally:
            store.close()
        if as_json:
            emit_json(asdict(result))
            return
        console.print(
            f"[bold]{result.mentions:,}[/] person records → [bold]{result.entities:,}[/] people "
            f"({result.mode} run {result.run_id}, model {result.model_id}"
            f"{', trained now' if result.trained else ''}; {result.new_mentions:,} new or changed records, "
            f"{result.pairs_scored:,} pairs scored, {result.seconds:.1f} s)"
        )
        if result.org_mentions:
            console.print(f"[bold]{result.org_mentions:,}[/] organisation records → "
                          f"[bold]{result.org_entities:,}[/] organisations (model {result.org_model_id}, "
                          f"{result.org_pairs_scored:,} pairs scored)")

    @app.command()
    def explain(
        entity_id: Annotated[str, typer.Argument(help="A person's canonical id or one of its record ids.")],
        db: DbOption = "netcase.duckdb",
        near: Annotated[int, typer.Option(help="How many near candidates to show.")] = 5,
        as_json: Annotated[bool, typer.Option("--json")] = False,
    ) -> None:
        """Why a person's records were joined, and why the nearest other records were not."""
        from rich.table import Table

        from netcase.cliutil import console, emit_json, fail, open_db
        from netcase.resolve.analyst import ResolveError
        from netcase.resolve.analyst import explain as run

        store = open_db(db, must_exist=True)
        try:
            ex = run(store, entity_id, near=near)
        except ResolveError as exc:
            raise fail(str(exc)) from exc
        finally:
            store.close()
        if as_json:
            emit_json(asdict(ex))
            return
        console.print(f"[bold]{ex.canonical_id}[/]: {len(ex.members)} record(s); prior weight "
                      f"{ex.prior_weight:+.2f}, merge threshold {ex.threshold}")
        t = Table("record", "source", "name")
        for m in ex.members:
            t.add_row(m["entity_id"], f"{m['source_file']} {m['source_record']}", m.get("name") or "")
        console.print(t)

        def waterfall(title: str, rows: list[dict[str, object]], extra: str | None = None) -> None:
            if not rows:
                return
            names = sorted({k for r in rows for k in r["weights"]})  # type: ignore[attr-defined]
            t = Table(title=title)
            for col in ("pair", "prob.", "weight", *names, *([extra] if extra else [])):
                t.add_column(col)
            for r in rows:
                w = r["weights"]
                lv = r.get("levels") or {}
                t.add_row(
                    f"{r['entity_l']} ~ {r['entity_r']}", f"{r['match_probability']:.4f}",
                    f"{r['match_weight']:+.1f}",
                    *(f"{w.get(n, 0):+.1f} {lv.get(n, '')}" for n in names),  # type: ignore[attr-defined]
                    *([str(r.get(extra) or "")] if extra else []),
                )
            console.print(t)

        waterfall("why joined (match weight per field)", ex.links, "judgement")
        waterfall("nearest not joined", ex.near_misses, "reason")
        if not ex.links and len(ex.members) > 1:
            console.print("joined by an analyst's 'same' judgement")

    @app.command()
    def judge(
        entity_a: Annotated[str, typer.Argument(help="A person (canonical id or record id).")],
        entity_b: Annotated[str, typer.Argument(help="Another person.")],
        judgement: Annotated[str, typer.Argument(help="same, not-same or unsure.")],
        user: Annotated[str, typer.Option("--user", help="Who judges (recorded).")],
        note: Annotated[str | None, typer.Option(help="Why.")] = None,
        db: DbOption = "netcase.duckdb",
    ) -> None:
        """Record that two people are the same, not the same, or unsure; every later run respects it."""
        from netcase.cliutil import console, fail, open_db
        from netcase.resolve.analyst import ResolveError
        from netcase.resolve.analyst import judge as run

        store = open_db(db, must_exist=True)
        try:
            rec = run(store, entity_a, entity_b, judgement, user, note)
        except ResolveError as exc:
            raise fail(str(exc)) from exc
        finally:
            store.close()
        console.print(f"{rec['entity_a']} {rec['judgement']} {rec['entity_b']} (by {user}); "
                      "run `netcase resolve` to apply")

    @app.command()
    def review(
        db: DbOption = "netcase.duckdb",
        limit: Annotated[int, typer.Option(help="How many pairs.")] = 20,
        as_json: Annotated[bool, typer.Option("--json")] = False,
    ) -> None:
        """Uncertain pairs, those whose decision would change the networks most first."""
        from rich.table import Table

        from netcase.cliutil import console, emit_json, fail, open_db
        from netcase.resolve.analyst import ResolveError, review_queue

        store = open_db(db, must_exist=True)
        try:
            items = review_queue(store, limit)
        except ResolveError as exc:
            raise fail(str(exc)) from exc
        finally:
            store.close()
        if as_json:
            emit_json([asdict(i) for i in items])
            return
        t = Table("a", "b", "prob.", "sizes", "degrees", "impact")
        for i in items:
            t.add_row(i.canonical_a, i.canonical_b, f"{i.probability:.3f}", f"{i.size_a}×{i.size_b}",
                      f"{i.degree_a}+{i.degree_b}", f"{i.impact:,.0f}")
        console.print(t)
        console.print("decide with `netcase judge A B same|not-same|unsure --user YOU`")

    @app.command()
    def dedupe(
        files: Annotated[list[Path], typer.Argument(help="One CSV to deduplicate, or two to link.")],
        id_column: Annotated[str, typer.Option("--id", help="The column with each row's unique id.")],
        field: Annotated[list[str], typer.Option("--field", help="NAME=COLUMN (repeat); see docs/resolution.md.")],
        out: Annotated[Path, typer.Option(help="Where to write file,record_id,cluster_id.")] = Path("clusters.csv"),
        threshold: Annotated[float, typer.Option(help="Match probability at which rows are joined.")] = 0.95,
        date_order: Annotated[str, typer.Option(help="MDY (US) or DMY (Latin America) for dd/mm dates.")] = "MDY",
    ) -> None:
        """Find the same people in a spreadsheet (or across two) without a store."""
        from netcase.cliutil import console, fail
        from netcase.resolve.dedupe import DedupeError, dedupe_files, write_clusters

        if date_order.upper() not in ("MDY", "DMY"):
            raise fail("--date-order is MDY or DMY")
        try:
            rows = dedupe_files(files, id_column, field, threshold=threshold, date_order=date_order.upper())
        except DedupeError as exc:
            raise fail(str(exc)) from exc
        write_clusters(rows, out)
        console.print(f"{len(rows):,} rows → {len({r[2] for r in rows}):,} clusters; wrote {out}")

    export = groups["export"]

    @export.command("clusters")
    def export_clusters(
        out: Annotated[Path, typer.Option(help="CSV to write (source_file,record_id,entity_id).")],
        db: DbOption = "netcase.duckdb",
    ) -> None:
        """Every resolved person record with its canonical entity id."""
        from netcase.cliutil import console, fail, open_db

        store = open_db(db, must_exist=True)
        try:
            rows = store.query(
                "SELECT m.source_file, m.source_record, coalesce(r.canonical_id, m.entity_id) "
                "FROM resolve_mentions m LEFT JOIN resolved r ON r.entity_id = m.entity_id "
                "WHERE m.schema = 'Person' ORDER BY m.source_file, m.source_record"
            )
        finally:
            store.close()
        if not rows:
            raise fail("nothing resolved yet (run `netcase resolve`)")
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["source_file", "record_id", "entity_id"])
            w.writerows(rows)
        console.print(f"wrote {len(rows):,} records to {out}")
