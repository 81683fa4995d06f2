"""Finding the loaders: user mappings, Python loaders of other stages, the built-in mappings.

Python loaders are found like CLI commands: any module ``netcase.<stage>.loaders`` with a
``LOADERS`` list (the case records of ``netcase.cases``). A stage whose module does not exist yet
simply contributes nothing. The first loader that matches a file reads it, in this order: mappings
the user passed, Python loaders, built-in mappings.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path

import netcase
from netcase.ingest.base import Loader
from netcase.ingest.ftm import FtMLoader
from netcase.ingest.loader import MappingLoader
from netcase.ingest.mapping import Mapping, load_mapping, parse_mapping
from netcase.ingest.readers import CHUNK_ROWS


def loader_for(mapping: Mapping, today: date | None = None, chunk_rows: int = CHUNK_ROWS) -> MappingLoader:
    """The loader that applies ``mapping``."""
    if mapping.format == "ftm":
        return FtMLoader(mapping, today=today, chunk_rows=chunk_rows)
    return MappingLoader(mapping, today=today, chunk_rows=chunk_rows)


def builtin_mappings() -> list[Mapping]:
    """The mappings shipped in ``netcase/ingest/mappings/*.yaml``, validated."""
    import yaml

    out = []
    folder = resources.files("netcase.ingest.mappings")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith((".yaml", ".yml")):
            data = yaml.safe_load(entry.read_text(encoding="utf-8"))
            out.append(parse_mapping(data, f"netcase/ingest/mappings/{entry.name}", entry.name.rsplit(".", 1)[0]))
    return out


def user_mappings(paths: list[Path]) -> list[Mapping]:
    """Mappings from files or folders of ``*.yaml`` files given by the user."""
    out: list[Mapping] = []
    for p in paths:
        files = sorted([*p.glob("*.yaml"), *p.glob("*.yml")]) if p.is_dir() else [p]
        out.extend(load_mapping(f) for f in files)
    return out


def python_loaders() -> list[Loader]:
    """``LOADERS`` of every ``netcase.<stage>.loaders`` module that exists."""
    found: list[Loader] = []
    for info in sorted(pkgutil.iter_modules(netcase.__path__), key=lambda m: m.name):
        if not info.ispkg or info.name == "ingest":
            continue
        # Look for the file before importing: importing every stage package (Splink, igraph…)
        # only to learn it has no loaders would cost seconds on every ingest.
        folder = Path(getattr(info.module_finder, "path", "")) / info.name
        if not (folder / "loaders.py").exists() and not (folder / "loaders").is_dir():
            continue
        name = f"netcase.{info.name}.loaders"
        try:
            if importlib.util.find_spec(name) is None:
                continue
        except (ImportError, ValueError):
            continue
        module = importlib.import_module(name)
        found.extend(getattr(module, "LOADERS", []))
    return found


@dataclass
class LoaderSet:
    """The loaders of one ingest run, in priority order."""

    loaders: list[Loader] = field(default_factory=list)

    def match(self, source_file: str) -> Loader | None:
        for loader in self.loaders:
            if loader.matches(source_file):
                return loader
        return None

    def resolve(self, path: Path, root: Path | None) -> tuple[str, Loader | None]:
        """The source-file name of ``path`` and its loader.

        Under an ingest root the name is the path relative to it. A file given alone gets the
        shortest trailing part of its path that a loader matches (``…/world/cbp/encounters.csv`` →
        ``cbp/encounters.csv``), so record ids match the world's truth however the file is named.
        """
        if root is not None:
            rel = path.resolve().relative_to(root.resolve()).as_posix()
            return rel, self.match(rel)
        parts = path.resolve().parts
        for start in range(len(parts) - 1, 0, -1):
            rel = "/".join(parts[start:])
            loader = self.match(rel)
            if loader is not None:
                return rel, loader
        return path.name, None


def default_loaders(
    extra_mappings: list[Path] | None = None, today: date | None = None, chunk_rows: int = CHUNK_ROWS
) -> LoaderSet:
    """User mappings first, then Python loaders, then the built-in mappings."""
    loaders: list[Loader] = [loader_for(m, today, chunk_rows) for m in user_mappings(extra_mappings or [])]
    loaders.extend(python_loaders())
    loaders.extend(loader_for(m, today, chunk_rows) for m in builtin_mappings())
    return LoaderSet(loaders)
