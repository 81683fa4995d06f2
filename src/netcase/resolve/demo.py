"""The demo's resolution step: person records → people (and organisations), scored against the truth."""

from __future__ import annotations

from pathlib import Path

from rich.table import Table

from netcase.demo import DemoContext
from netcase.eval.resolution import read_truth, score
from netcase.resolve.engine import resolve


def demo_step(ctx: DemoContext) -> None:
    """Resolve ``ctx.store``; print records → people, and accuracy when the world's truth is at hand."""
    result = resolve(ctx.store)
    ctx.state["resolve_run"] = result.run_id
    ctx.console.print(
        f"[bold]{result.mentions:,}[/] person records became [bold]{result.entities:,}[/] people "
        f"(model {result.model_id}{', trained by EM' if result.trained else ''}; "
        f"{result.pairs_scored:,} pairs scored in {result.seconds:.1f} s)"
    )
    if result.org_mentions:
        ctx.console.print(f"[bold]{result.org_mentions:,}[/] organisation records became "
                          f"[bold]{result.org_entities:,}[/] organisations")
    world = ctx.state.get("world")
    truth_file = Path(str(world)) / "truth" / "records.csv" if world else None
    if truth_file is None or not truth_file.exists():
        return
    truth = read_truth(Path(str(world)))
    pred = {
        (sf, sr): c
        for sf, sr, c in ctx.store.query(
            "SELECT m.source_file, m.source_record, r.canonical_id FROM resolve_mentions m "
            "JOIN resolved r ON r.entity_id = m.entity_id WHERE m.schema = 'Person'"
        )
    }
    s = score(pred, truth)
    t = Table(title="Resolution against the synthetic truth")
    for col in ("records", "true people", "found", "pair precision", "pair recall", "pair F1", "B³ F1"):
        t.add_column(col, justify="right")
    t.add_row(f"{s.records:,}", f"{s.true_entities:,}", f"{s.predicted_entities:,}", f"{s.pair_precision:.4f}",
              f"{s.pair_recall:.4f}", f"{s.pair_f1:.4f}", f"{s.bcubed_f1:.4f}")
    ctx.console.print(t)
