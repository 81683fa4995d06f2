"""The ``netcase`` command.

Each stage package that offers commands has a ``commands`` module with a
``register(app, groups)`` function; the CLI finds them, so a stage adds commands without editing
this file. Command modules import heavy libraries inside the command bodies, keeping start-up fast.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import typer

import netcase

GROUP_HELP = {
    "export": "Export clusters, networks and graphs to files.",
    "user": "Manage users, roles and compartments.",
    "audit": "Read and verify the tamper-evident audit log.",
    "retention": "28 CFR Part 23 review and purge.",
}


def build_app() -> typer.Typer:
    app = typer.Typer(
        name="netcase",
        help="Joint task-force platform against human smuggling and trafficking networks.",
        no_args_is_help=True,
        pretty_exceptions_show_locals=False,
        add_completion=False,
    )
    groups = {name: typer.Typer(help=text, no_args_is_help=True) for name, text in GROUP_HELP.items()}
    for info in sorted(pkgutil.iter_modules(netcase.__path__), key=lambda m: m.name):
        if not info.ispkg:
            continue
        name = f"netcase.{info.name}.commands"
        # Look for the file first: find_spec would import the package itself (netcase.api pulls in
        # FastAPI and FollowTheMoney, seconds of start-up for every command).
        if not (Path(netcase.__file__).parent / info.name / "commands.py").exists():
            continue
        module = importlib.import_module(name)
        module.register(app, groups)
    for name, group in groups.items():
        if group.registered_commands or group.registered_groups:
            app.add_typer(group, name=name)
    return app


def main() -> None:
    build_app()()


if __name__ == "__main__":
    main()
