"""The ``netcase`` command.

Each stage package that offers commands has a ``commands`` module with a
``register(app, groups)`` function; the CLI finds them, so a stage adds commands without editing
this file. Command modules import heavy libraries inside the command bodies, keeping start-up fast.

``netcase STAGE …`` where a stage package named STAGE registers a command STAGE (``netcase disrupt``,
``netcase synth``…) imports that one commands module only, not every stage's (some import numpy or
the synthetic world at module level): about 0.2 CPU s less start-up. Anything else (``--help``, a
group such as ``netcase user``, a command registered by a package of another name) builds the whole
application as before.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

import typer

import netcase

GROUP_HELP = {
    "export": "Export clusters, networks and graphs to files.",
    "user": "Manage users, roles and compartments.",
    "audit": "Read and verify the tamper-evident audit log.",
    "retention": "28 CFR Part 23 review and purge.",
}


def _stage_modules() -> list[str]:
    """Names of the stage packages that have a ``commands`` module, sorted."""
    root = Path(netcase.__file__).parent
    # Look for the file first: find_spec would import the package itself (netcase.api pulls in
    # FastAPI and FollowTheMoney, seconds of start-up for every command).
    return sorted(info.name for info in pkgutil.iter_modules(netcase.__path__)
                  if info.ispkg and (root / info.name / "commands.py").exists())


def build_app(only: str | None = None) -> typer.Typer:
    """The ``netcase`` application; ``only``: register just that stage package's commands."""
    app = typer.Typer(
        name="netcase",
        help="Joint task-force platform against human smuggling and trafficking networks.",
        no_args_is_help=True,
        pretty_exceptions_show_locals=False,
        add_completion=False,
    )
    if only is not None:
        # With a single command Typer would run it without its name; a callback keeps `netcase NAME …`.
        @app.callback()
        def _stage() -> None:
            """Joint task-force platform against human smuggling and trafficking networks."""

    groups = {name: typer.Typer(help=text, no_args_is_help=True) for name, text in GROUP_HELP.items()}
    for stage in _stage_modules() if only is None else [only]:
        importlib.import_module(f"netcase.{stage}.commands").register(app, groups)
    for name, group in groups.items():
        if group.registered_commands or group.registered_groups:
            app.add_typer(group, name=name)
    return app


def _command_names(app: typer.Typer) -> set[str]:
    names = {c.name or (c.callback.__name__.lower().replace("_", "-") if c.callback else "")
             for c in app.registered_commands}
    return names | {g.name or "" for g in app.registered_groups}


def _app_for(argv: list[str]) -> typer.Typer:
    """The application for a command line: one stage's commands when the first word names a stage
    package that registers a command of that name, else all of them."""
    first = argv[0] if argv else ""
    if first.isidentifier() and first in _stage_modules():
        app = build_app(only=first)
        if first in _command_names(app):
            return app
    return build_app()


def main() -> None:
    _app_for(sys.argv[1:])()


if __name__ == "__main__":
    main()
