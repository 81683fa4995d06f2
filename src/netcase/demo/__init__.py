"""The demo: synthetic world → ingest → resolve → networks → assessment → disruption → brief → web.

Each stage contributes a step by having a module ``netcase.<stage>.demo`` with a function
``demo_step(ctx: DemoContext) -> None``; the demo runs them in ``STAGE_ORDER``. A stage that has
not landed yet simply has no step.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console

from netcase.store import Store

STAGE_ORDER: tuple[str, ...] = (
    "synth",
    "ingest",
    "resolve",
    "graph",
    "assess",
    "disrupt",
    "cases",
    "trends",
    "access",
    "report",
    "web",
)


@dataclass
class DemoContext:
    """What the steps share: where the world is, the open store, the console, and the options."""

    out: Path
    db: str
    store: Store
    console: Console
    scale: str = "small"
    seed: int = 7
    serve: bool = False
    host: str = "127.0.0.1"
    port: int = 8000
    state: dict[str, Any] = field(default_factory=dict)


def demo_steps() -> list[tuple[str, Callable[[DemoContext], None]]]:
    """The steps of the stages that have one, in order."""
    steps = []
    for stage in STAGE_ORDER:
        name = f"netcase.{stage}.demo"
        if importlib.util.find_spec(f"netcase.{stage}") is None or importlib.util.find_spec(name) is None:
            continue
        module = importlib.import_module(name)
        steps.append((stage, module.demo_step))
    return steps
