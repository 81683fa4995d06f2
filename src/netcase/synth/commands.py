"""``netcase synth``: write the synthetic task-force world."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    """Add ``netcase synth`` to the CLI."""

    @app.command()
    def synth(
        out: Annotated[Path, typer.Option(help="Folder to write the world into (its agency folders are replaced).")],
        scale: Annotated[str, typer.Option(help="tiny, small, medium or large.")] = "small",
        seed: Annotated[int, typer.Option(help="Seed: the same seed gives byte-identical files.")] = 7,
        noise: Annotated[str, typer.Option(help="Recording noise: low, default or high.")] = "default",
        json_out: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    ) -> None:
        """Generate a synthetic world of agency exports with known truth (see docs/synth.md)."""
        from netcase.cliutil import console, emit_json, fail
        from netcase.synth import NOISE_LEVELS, SCALES, generate

        if scale not in SCALES:
            raise fail(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
        if noise not in NOISE_LEVELS:
            raise fail(f"unknown noise level {noise!r}; choose one of {', '.join(NOISE_LEVELS)}")
        with console.status(f"generating the {scale} world (seed {seed}, {noise} noise)…"):
            summary = generate(scale=scale, seed=seed, out=out, noise=noise)
        if json_out:
            emit_json({"scale": summary.scale, "seed": summary.seed, "noise": summary.noise, "out": summary.out,
                       "files": summary.files, "records": summary.records, "persons": summary.persons,
                       "orgs": summary.orgs, "mentions": summary.mentions, "events": summary.events,
                       "seconds": round(summary.seconds, 2),
                       "cpu_seconds": {k: round(v, 2) for k, v in summary.cpu_seconds.items()}})
            return
        from netcase.synth.demo import summary_table

        console.print(summary_table(summary))
