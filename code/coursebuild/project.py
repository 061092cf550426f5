"""Read the Quarto project configuration (``_quarto.yml``, ``_metadata.yml``) exactly as Quarto does.

Nothing here duplicates the configuration: the render list, navbar, execute defaults, filters, formats
and resources all come from the YAML files. Metadata is merged the Quarto way: project-level options,
then every ``_metadata.yml`` from the project root down to the document's folder, then the document's
own front matter; later levels win, dictionaries merge key by key.
"""

from __future__ import annotations

import copy
import fnmatch
import glob
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from coursebuild.errors import BuildError, read_text

#: Keys of ``_quarto.yml`` that configure the project, not documents.
PROJECT_ONLY_KEYS = {"project", "website", "book", "profile"}


def read_yaml(path: Path) -> dict[str, Any]:
    """Read a YAML mapping; an empty file is an empty mapping; anything else fails with the file named."""
    try:
        data = yaml.safe_load(read_text(path))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise BuildError(f"invalid YAML: {exc}", path, mark.line + 1 if mark else None) from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise BuildError("expected a YAML mapping (key: value) at the top level", path, 1)
    return data


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Merge ``override`` into a copy of ``base``: dictionaries merge recursively, other values replace."""
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def normalise_format(meta: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Return ``(format name, format options)`` from a document's merged ``format`` key.

    ``format: revealjs`` and ``format: {revealjs: {...}}`` both work; a website page defaults to html.
    With several formats listed, the first one is the one rendered to the site.
    """
    fmt = meta.get("format", "html")
    if isinstance(fmt, str):
        return fmt, {}
    if isinstance(fmt, dict) and fmt:
        name, options = next(iter(fmt.items()))
        if options in (None, "default"):
            options = {}
        return name, dict(options)
    raise BuildError(f"unsupported 'format' value {fmt!r}: use 'html' or 'revealjs' or a mapping of them")


@dataclass
class Project:
    """A Quarto website project on disk."""

    root: Path
    config: dict[str, Any]
    profile: str | None = None
    _dir_meta_cache: dict[Path, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, root: Path, profile: str | None = None) -> Project:
        """Load ``_quarto.yml`` (and ``_quarto-<profile>.yml`` when a profile is active)."""
        root = root.resolve()
        path = root / "_quarto.yml"
        if not path.exists():
            raise BuildError("no _quarto.yml here: run the build from the repository root", root)
        config = read_yaml(path)
        if profile:
            prof = root / f"_quarto-{profile}.yml"
            if prof.exists():
                config = deep_merge(config, read_yaml(prof))
        project = config.get("project")
        if not isinstance(project, dict) or project.get("type") != "website":
            raise BuildError("project.type must be 'website' for the course site", path)
        return cls(root=root, config=config, profile=profile)

    # -- project options ------------------------------------------------------------------------
    @property
    def output_dir(self) -> Path:
        return self.root / self.config["project"].get("output-dir", "_site")

    @property
    def website(self) -> dict[str, Any]:
        return self.config.get("website", {})

    @property
    def pre_render(self) -> list[str]:
        value = self.config["project"].get("pre-render", [])
        return [value] if isinstance(value, str) else list(value)

    @property
    def resources(self) -> list[str]:
        value = self.config["project"].get("resources", [])
        return [value] if isinstance(value, str) else list(value)

    @property
    def filters(self) -> list[Path]:
        """Project-level Lua filters (paths relative to the project root)."""
        return [self.root / f for f in self.config.get("filters", [])]

    def render_list(self) -> list[Path]:
        """Expand ``project.render`` (globs, ``!`` exclusions) into source files, in order, no duplicates."""
        patterns = self.config["project"].get("render")
        if not patterns:
            raise BuildError("project.render must list the documents of the site", self.root / "_quarto.yml")
        include = [p for p in patterns if not p.startswith("!")]
        exclude = [p[1:] for p in patterns if p.startswith("!")]
        files: list[Path] = []
        for pattern in include:
            matches = sorted(glob.glob(pattern, root_dir=self.root, recursive=True))
            for rel in matches:
                name = Path(rel).name
                if name.startswith("_") or name.startswith("."):
                    continue  # Quarto ignores files whose names start with _ or .
                if any(fnmatch.fnmatch(rel, ex) or rel.startswith(ex.rstrip("/") + "/") for ex in exclude):
                    continue
                path = self.root / rel
                if path.suffix in {".qmd", ".md"} and path not in files:
                    files.append(path)
        return files

    # -- document metadata ----------------------------------------------------------------------
    def project_metadata(self) -> dict[str, Any]:
        """Document options given at project level (everything in _quarto.yml but project/website)."""
        return {k: v for k, v in self.config.items() if k not in PROJECT_ONLY_KEYS}

    def directory_metadata(self, directory: Path) -> dict[str, Any]:
        """Merged ``_metadata.yml`` of every folder from the root down to ``directory``."""
        directory = directory.resolve()
        if directory in self._dir_meta_cache:
            return self._dir_meta_cache[directory]
        if directory == self.root:
            merged: dict[str, Any] = {}
        else:
            merged = self.directory_metadata(directory.parent)
        meta_file = directory / "_metadata.yml"
        if meta_file.exists():
            merged = deep_merge(merged, self.rebase_paths(read_yaml(meta_file), directory))
        self._dir_meta_cache[directory] = merged
        return merged

    def document_metadata(self, source: Path, front_matter: dict[str, Any]) -> dict[str, Any]:
        """The metadata Quarto would see for ``source``: project, folders, then front matter.

        Format-specific options (``format: {revealjs: {...}}``) from every level are merged too.
        """
        levels = [self.rebase_paths(self.project_metadata(), self.root),
                  self.directory_metadata(source.parent), self.rebase_paths(front_matter, source.parent)]
        levels += [self.rebase_paths(meta, source.parent) for meta in self.metadata_files(source, front_matter)]
        merged: dict[str, Any] = {}
        for level in levels:
            merged = deep_merge(merged, {k: v for k, v in level.items() if k != "format"})
        # resolve the format name from the most specific level that names one
        fmt_name = "html"
        for level in levels:
            if "format" in level:
                fmt_name, _ = normalise_format(level)
        fmt_options: dict[str, Any] = {}
        for level in levels:
            fmt = level.get("format")
            if isinstance(fmt, dict) and isinstance(fmt.get(fmt_name), dict):
                fmt_options = deep_merge(fmt_options, fmt[fmt_name])
        merged["format"] = {fmt_name: fmt_options}
        return merged

    def metadata_files(self, source: Path, front_matter: dict[str, Any]) -> list[dict[str, Any]]:
        """The front matter's ``metadata-files`` (relative to the document), merged after it as Quarto does.

        Quarto skips a missing file silently; the engine refuses, naming the document and the fix.
        """
        out = []
        for name in front_matter.get("metadata-files") or []:
            path = (source.parent / name).resolve()
            if not path.is_relative_to(self.root):
                raise BuildError(f"metadata-files: {name} is outside the project", source)
            if not path.is_file():
                raise BuildError(f"metadata-files: {name} does not exist: the pre-render step writes it "
                                 "(python -m coursebuild.prerender), or remove the entry", source)
            out.append(read_yaml(path))
        return out

    def rebase_paths(self, meta: dict[str, Any], base: Path) -> dict[str, Any]:
        """Make file options (``css``) project-relative, as Quarto resolves them from the file that sets them."""
        out = dict(meta)
        for key, value in meta.items():
            if key == "css":
                items = [value] if isinstance(value, str) else list(value)
                out[key] = [self.relative((base / item).resolve()) for item in items]
            elif key == "format" and isinstance(value, dict):
                out[key] = {name: self.rebase_paths(opts, base) if isinstance(opts, dict) else opts
                            for name, opts in value.items()}
        return out

    def relative(self, path: Path) -> str:
        """Project-relative POSIX path of ``path``."""
        return path.resolve().relative_to(self.root).as_posix()

    def output_path(self, source: Path) -> Path:
        """Quarto's URL for a source: same folders, ``.html`` instead of ``.qmd``."""
        return self.output_dir / Path(self.relative(source)).with_suffix(".html")
