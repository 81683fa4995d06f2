"""The synthetic task-force world: agency exports with known truth.

``generate(scale, seed, out, noise)`` writes one folder per agency in the formats of
``docs/sources.md`` and the truth under ``out/truth/``. The same seed gives byte-identical files.
How the world is made and the noise model are described in ``docs/synth.md``.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from netcase.synth.noise import NOISE_LEVELS, Renderer
from netcase.synth.rand import streams
from netcase.synth.world import SCALES, build_world
from netcase.synth.writers import Writers

__all__ = ["FILES", "NOISE_LEVELS", "SCALES", "WorldSummary", "generate"]

# Source files in the order they are written (and the random stream each one owns).
FILES: tuple[str, ...] = (
    "cbp/encounters.csv",
    "hsi/case_reports.jsonl",
    "fbi/case_reports.jsonl",
    "dea/case_reports.jsonl",
    "victims/interviews.jsonl",
    "partners/MEX_informes.csv",
    "partners/GTM_informes.csv",
    "partners/SLV_informes.csv",
    "partners/HND_informes.csv",
    "msb/wire_transfers.csv",
    "phones/call_records.csv",
    "cases/investigations.csv",
    "cases/targets.csv",
    "cases/operations.csv",
    "cases/court_cases.jsonl",
    "cases/forfeitures.csv",
    "cases/requests.csv",
)


@dataclass
class WorldSummary:
    """What ``generate`` wrote: rows per source file and the size of the truth."""

    scale: str
    seed: int
    noise: str
    out: Path
    files: dict[str, int] = field(default_factory=dict)
    persons: int = 0
    orgs: int = 0
    mentions: int = 0
    events: int = 0
    seconds: float = 0.0
    cpu_seconds: dict[str, float] = field(default_factory=dict)  # CPU time per phase of generation

    @property
    def records(self) -> int:
        """Source rows (records) over all files, truth excluded."""
        return sum(self.files.values())


def generate(scale: str, seed: int, out: Path | str, noise: str = "default") -> WorldSummary:
    """Generate the synthetic world of ``scale`` from ``seed`` into ``out`` (replacing what is there).

    ``noise`` is ``low``, ``default`` or ``high``: how often agencies mis-record names, dates of birth,
    phones and categories. Returns the row counts per file.
    """
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; expected one of {', '.join(SCALES)}")
    if noise not in NOISE_LEVELS:
        raise ValueError(f"unknown noise level {noise!r}; expected one of {', '.join(NOISE_LEVELS)}")
    started = time.perf_counter()
    out = Path(out)
    for sub in ("cbp", "hsi", "fbi", "dea", "victims", "partners", "msb", "phones", "cases", "truth"):
        shutil.rmtree(out / sub, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    phases: dict[str, float] = {}
    clock = time.process_time()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.process_time()
        phases[name] = now - clock
        clock = now

    dice = streams(seed, ["world", "persons", *FILES])
    world = build_world(SCALES[scale], dice["world"], dice["persons"])
    lap("world")
    rates = NOISE_LEVELS[noise]
    writers = Writers(world, out, {f: Renderer(dice[f], rates) for f in FILES})
    writers.encounters()
    lap("encounters")
    for agency in ("HSI", "FBI", "DEA"):
        writers.case_reports(agency)
    lap("case_reports")
    writers.interviews()
    lap("interviews")
    writers.partners()
    lap("partners")
    writers.wires()
    lap("wires")
    writers.calls()
    lap("calls")
    writers.cases()
    lap("cases")
    writers.write_truth()
    lap("truth")
    return WorldSummary(
        scale=scale, seed=seed, noise=noise, out=out,
        files={f: writers.counts.get(f, 0) for f in FILES},
        persons=sum(1 for p in world.people if p.mentioned or p.org >= 0),
        orgs=len(world.orgs), mentions=writers.truth.mentions, events=len(writers.truth.events),
        seconds=time.perf_counter() - started, cpu_seconds=phases,
    )
