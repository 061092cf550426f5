"""Parse a ``.qmd`` source into front matter, Markdown and executable cells, and police the Quarto subset.

The subset that both render paths (Quarto and this engine) support is defined here, once, and written
down for people in ``docs/quarto-subset.md`` (a test keeps the two in step). Anything outside it fails
with the file, the line and what to use instead, so that the two paths cannot drift apart silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from coursebuild.errors import BuildError, read_text

#: Cell options (``#| key: value``) and the values each accepts (None: any string).
CELL_OPTIONS: dict[str, tuple[Any, ...] | None] = {
    "label": None,
    "echo": (True, False),
    "eval": (True, False),
    "output": (True, False, "asis"),
    "include": (True, False),
    "warning": (True, False),
    "fig-cap": None,
    "fig-alt": None,
}

#: Classes allowed on fenced divs (``::: {.x}``), with what they do.
DIV_CLASSES: dict[str, str] = {
    "notes": "speaker notes of the slide (press S)",
    "columns": "side-by-side columns on a slide",
    "column": "one column (width=\"50%\")",
    "incremental": "bullets appear one by one",
    "nonincremental": "bullets all at once",
    "fragment": "block appears on the next key press",
    "callout-note": "note box",
    "callout-tip": "tip box",
    "callout-warning": "warning box",
    "callout-important": "important box",
    "callout-caution": "caution box",
    "content-visible": "content kept only when a condition holds",
    "content-hidden": "content dropped when a condition holds",
    "r-stack": "stacked elements on one slide",
    "smaller": "smaller text for one block",
}

#: Classes allowed on slide headings (``## Title {.x}``).
HEADING_CLASSES: dict[str, str] = {
    "smaller": "smaller text on a dense slide",
    "scrollable": "slide scrolls instead of overflowing",
    "center": "vertically centred slide",
    "unnumbered": "heading without number",
    "unlisted": "heading not in the table of contents",
}

#: Conditions of ``.content-visible`` / ``.content-hidden``.
CONDITION_KEYS = ("when-format", "unless-format", "when-profile", "unless-profile", "when-meta", "unless-meta")

#: Label prefixes that make a cell a numbered cross-reference float under Quarto (jupyter.ts puts the label on
#: the cell's div, parsefiguredivs.lua turns a ``#fig-``/``#tbl-`` div into a FloatRefTarget): refused.
CROSSREF_PREFIXES = ("fig-", "tbl-")

#: Shortcodes: only include is supported (resolved before parsing, like Quarto does).
SHORTCODES = ("include", "meta")

#: Classes used only in exercise sources, consumed by the pre-render step (never seen by Quarto).
EXERCISE_CLASSES: dict[str, str] = {
    "solution": "solution-only part of an exercise (removed from the handout)",
    "handout": "handout-only part of an exercise (e.g. skeleton code; removed from the solution)",
}

FENCE_RE = re.compile(r"^(?P<fence>`{3,}|~{3,})\s*(?P<info>.*)$")
DIV_OPEN_RE = re.compile(r"^(?P<colons>:{3,})\s*(?P<attrs>\{.*\}|[A-Za-z][\w-]*)\s*$")
DIV_CLOSE_RE = re.compile(r"^:{3,}\s*$")
HEADING_RE = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<text>.*?)\s*(?P<attrs>\{[^{}]*\})?\s*$")
SHORTCODE_RE = re.compile(r"\{\{<\s*([\w-]+)(.*?)>\}\}")
CROSSREF_RE = re.compile(r"(?<![\w@])@(fig|tbl|sec|eq|lst|thm)-[\w-]+")
INLINE_CODE_RE = re.compile(r"`\{(python|r|julia|ojs)\}\s")
ATTR_RE = re.compile(r"""(\.[\w-]+)|(#[\w-]+)|([\w-]+)=("[^"]*"|'[^']*'|\S+)""")


@dataclass
class Cell:
    """One executable ```` ```{python} ```` chunk."""

    source: str
    options: dict[str, Any]
    line: int
    index: int

    @property
    def label(self) -> str:
        return str(self.options.get("label", f"cell-{self.index + 1}"))

    def option(self, key: str, default: Any) -> Any:
        return self.options.get(key, default)


@dataclass
class Markdown:
    """A run of Markdown between cells (lines kept as written)."""

    text: str
    line: int


@dataclass
class Document:
    """A parsed source: front matter, then Markdown and cells in order."""

    path: Path
    front_matter: dict[str, Any]
    parts: list[Markdown | Cell] = field(default_factory=list)

    @property
    def cells(self) -> list[Cell]:
        return [p for p in self.parts if isinstance(p, Cell)]


def parse_attributes(text: str) -> tuple[list[str], str | None, dict[str, str]]:
    """Parse a Pandoc attribute block ``{#id .a .b key="v"}`` into (classes, id, attributes)."""
    inner = text.strip()
    if inner.startswith("{") and inner.endswith("}"):
        inner = inner[1:-1]
    else:
        return [inner], None, {}
    classes: list[str] = []
    ident: str | None = None
    attrs: dict[str, str] = {}
    for cls, hid, key, value in ATTR_RE.findall(inner):
        if cls:
            classes.append(cls[1:])
        elif hid:
            ident = hid[1:]
        elif key:
            attrs[key] = value.strip("\"'")
    return classes, ident, attrs


def split_front_matter(text: str, path: Path) -> tuple[dict[str, Any], list[str], int]:
    """Split YAML front matter from the body; returns (metadata, body lines, line number of body start)."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return {}, lines, 1
    for end in range(1, len(lines)):
        if lines[end].strip() in {"---", "..."}:
            block = "\n".join(lines[1:end])
            try:
                meta = yaml.safe_load(block) or {}
            except yaml.YAMLError as exc:
                mark = getattr(exc, "problem_mark", None)
                raise BuildError(f"invalid YAML front matter: {exc}", path,
                                 (mark.line + 2) if mark else 1) from exc
            if not isinstance(meta, dict):
                raise BuildError("front matter must be a YAML mapping", path, 1)
            return meta, lines[end + 1:], end + 2
    raise BuildError("front matter opened with '---' is never closed", path, 1)


def project_root(path: Path) -> Path:
    """The project a source belongs to: the nearest folder above it with a ``_quarto.yml`` (else its folder)."""
    start = Path(path).resolve().parent
    return next((d for d in (start, *start.parents) if (d / "_quarto.yml").exists()), start)


def expand_includes(lines: list[str], first_line: int, path: Path, depth: int = 0) -> list[tuple[str, Path, int]]:
    """Resolve ``{{< include file >}}`` lines; each output line remembers its own file and line."""
    if depth > 5:
        raise BuildError("includes nested more than 5 deep (an include loop?)", path)
    out: list[tuple[str, Path, int]] = []
    for offset, line in enumerate(lines):
        lineno = first_line + offset
        match = re.fullmatch(r"\s*\{\{<\s*include\s+(\S+)\s*>\}\}\s*", line)
        if match:
            target = (path.parent / match.group(1)).resolve()
            root = project_root(path)
            if not target.is_relative_to(root):
                raise BuildError(f"include '{match.group(1)}' is outside the project ({target} is not under "
                                 f"{root}): include only files inside the project", path, lineno)
            if not target.exists():
                raise BuildError(f"included file {match.group(1)} does not exist", path, lineno)
            inc_lines = read_text(target).splitlines()
            out.extend(expand_includes(inc_lines, 1, target, depth + 1))
        else:
            out.append((line, path, lineno))
    return out


def _check_markdown_line(line: str, path: Path, lineno: int, allow_exercise: bool) -> None:
    """Reject Quarto syntax outside the supported subset on one Markdown line."""
    for match in SHORTCODE_RE.finditer(line):
        name = match.group(1)
        if name not in SHORTCODES:
            raise BuildError(f"shortcode '{{{{< {name} >}}}}' is outside the supported Quarto subset "
                             f"(supported: {', '.join(SHORTCODES)}; see docs/quarto-subset.md)", path, lineno)
    ref = CROSSREF_RE.search(line)
    if ref:
        raise BuildError(f"cross-reference '{ref.group(0)}' is outside the supported Quarto subset: "
                         "refer to figures in words (see docs/quarto-subset.md)", path, lineno)
    if INLINE_CODE_RE.search(line):
        raise BuildError("inline code expressions (`{python} ...`) are outside the supported subset: "
                         "use a cell with '#| output: asis'", path, lineno)
    div = DIV_OPEN_RE.match(line)
    if div:
        classes, _, attrs = parse_attributes(div.group("attrs"))
        allowed = dict(DIV_CLASSES)
        if allow_exercise:
            allowed.update(EXERCISE_CLASSES)
        for cls in classes:
            if cls not in allowed and not cls.startswith("callout-"):
                hint = " (.solution/.handout only work in exercises/ sources)" if cls in EXERCISE_CLASSES else ""
                raise BuildError(f"div class '.{cls}' is outside the supported Quarto subset{hint}; supported: "
                                 + ", ".join("." + c for c in allowed) + " (see docs/quarto-subset.md)",
                                 path, lineno)
            if cls.startswith("callout-") and cls not in allowed:
                raise BuildError(f"unknown callout '.{cls}'; use one of "
                                 + ", ".join("." + c for c in allowed if c.startswith("callout-")), path, lineno)
        if {"content-visible", "content-hidden"} & set(classes):
            unknown = [k for k in attrs if k not in CONDITION_KEYS]
            if unknown or not attrs:
                raise BuildError("content-visible/content-hidden need one of "
                                 + ", ".join(CONDITION_KEYS) + f" (got {', '.join(unknown) or 'none'})",
                                 path, lineno)
        return
    heading = HEADING_RE.match(line)
    if heading and heading.group("attrs"):
        classes, _, _ = parse_attributes(heading.group("attrs"))
        for cls in classes:
            if cls not in HEADING_CLASSES:
                raise BuildError(f"heading class '.{cls}' is outside the supported Quarto subset; supported: "
                                 + ", ".join("." + c for c in HEADING_CLASSES), path, lineno)


def parse_cell_options(lines: list[str], path: Path, first_line: int) -> tuple[dict[str, Any], list[str]]:
    """Split leading ``#|`` option lines from a cell's code and validate the options."""
    option_lines: list[str] = []
    body_start = 0
    for i, line in enumerate(lines):
        if line.startswith("#|"):
            option_lines.append(line[2:])
            body_start = i + 1
        else:
            break
    try:
        options = yaml.safe_load("\n".join(option_lines)) or {} if option_lines else {}
    except yaml.YAMLError as exc:
        raise BuildError(f"cell options are not valid YAML: {exc}", path, first_line + 1) from exc
    if not isinstance(options, dict):
        raise BuildError("cell options must be 'key: value' lines after '#|'", path, first_line + 1)
    for offset, key in enumerate(options):
        line = first_line + 1 + offset
        if key not in CELL_OPTIONS:
            raise BuildError(f"cell option '{key}' is outside the supported Quarto subset; supported: "
                             + ", ".join(CELL_OPTIONS) + " (see docs/quarto-subset.md)", path, line)
        allowed = CELL_OPTIONS[key]
        if allowed is not None and options[key] not in allowed:
            raise BuildError(f"cell option '{key}: {options[key]}' must be one of "
                             + ", ".join(str(a).lower() for a in allowed), path, line)
        if allowed is None and not isinstance(options[key], str):
            raise BuildError(f"cell option '{key}' must be a string (quote it)", path, line)
    _check_label(options, path, first_line + 1 + list(options).index("label") if "label" in options else first_line)
    return options, lines[body_start:]


def _check_label(options: dict, path: Path, line: int) -> None:
    """Refuse cross-reference labels: under Quarto a ``fig-``/``tbl-`` label makes a numbered float."""
    label = str(options.get("label", ""))
    prefix = next((p for p in CROSSREF_PREFIXES if label.startswith(p)), None)
    if prefix is None:
        return
    plain = label[len(prefix):]
    what = "with" if "fig-cap" in options else "without"
    raise BuildError(f"cell label '{label}' ({what} fig-cap): Quarto makes every '{prefix}' cell a numbered "
                     f"cross-reference float ('Figure N' under it, files named '{label}-output-1.png'), the engine "
                     f"does not number figures — fix: '#| label: {plain}' (plain labels; give a caption with "
                     "fig-cap, refer to figures in words)", path, line)


def parse(path: Path, text: str | None = None, allow_exercise: bool = False) -> Document:
    """Parse and validate one ``.qmd`` file; raises :class:`BuildError` naming file and line."""
    path = Path(path)
    if text is None:
        text = read_text(path)
    meta, body, body_line = split_front_matter(text, path)
    lines = expand_includes(body, body_line, path)
    doc = Document(path=path, front_matter=meta)
    md_buf: list[str] = []
    md_start = body_line
    i = 0
    n_cells = 0
    while i < len(lines):
        line, src, lineno = lines[i]
        fence = FENCE_RE.match(line)
        if fence:
            info = fence.group("info").strip()
            close_re = re.compile("^" + re.escape(fence.group("fence")[0]) + "{" + str(len(fence.group("fence")))
                                  + r",}\s*$")
            j = i + 1
            while j < len(lines) and not close_re.match(lines[j][0]):
                j += 1
            if j == len(lines):
                raise BuildError("code block opened here is never closed", src, lineno)
            exec_lang = re.fullmatch(r"\{(\w+)([^}]*)\}", info)
            if exec_lang:
                lang = exec_lang.group(1)
                if lang != "python":
                    raise BuildError(f"executable '{{{lang}}}' cells are outside the supported subset: "
                                     "only {python} cells run", src, lineno)
                if exec_lang.group(2).strip():
                    raise BuildError("give cell options as '#| key: value' lines, not in the braces", src, lineno)
                if md_buf:
                    doc.parts.append(Markdown("\n".join(md_buf), md_start))
                    md_buf = []
                code_lines = [entry[0] for entry in lines[i + 1:j]]
                options, code = parse_cell_options(code_lines, src, lineno)
                doc.parts.append(Cell(source="\n".join(code).strip("\n"), options=options, line=lineno,
                                      index=n_cells))
                n_cells += 1
                md_start = lines[j][2] + 1 if j < len(lines) else lineno
            else:
                if not md_buf:
                    md_start = lineno
                md_buf.extend(entry[0] for entry in lines[i:j + 1])
            i = j + 1
            continue
        _check_markdown_line(line, src, lineno, allow_exercise)
        if not md_buf:
            md_start = lineno
        md_buf.append(line)
        i += 1
    if md_buf:
        doc.parts.append(Markdown("\n".join(md_buf), md_start))
    labels = [c.label for c in doc.cells]
    dupes = {lab for lab in labels if labels.count(lab) > 1}
    if dupes:
        cell = next(c for c in doc.cells if c.label in dupes)
        raise BuildError(f"cell label '{cell.label}' is used twice in this document: labels must be unique",
                         path, cell.line)
    return doc


META_SHORTCODE_RE = re.compile(r"\{\{<\s*meta\s+(?P<key>[^\s>]*)\s*>\}\}")


def meta_value(meta: dict[str, Any], key: str) -> Any:
    """The value of a dotted metadata key (``notice.exercise.message``), as Quarto's ``meta`` shortcode reads it;
    None when it is missing."""
    value: Any = meta
    for part in key.strip("\"'").split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def resolve_meta_shortcodes(markdown: str, meta: dict[str, Any], path: Path | str) -> str:
    """Replace ``{{< meta key >}}`` by the document's metadata value, as Quarto's shortcode does.

    Quarto prints ``?meta:key`` and a warning for a missing key; the engine refuses, naming the file and key.
    """
    def value(match: re.Match[str]) -> str:
        found = meta_value(meta, match.group("key"))
        if found is None or isinstance(found, (dict, list)):
            raise BuildError(f"{{{{< meta {match.group('key')} >}}}}: the document has no such (simple) metadata "
                             "value; set it in the front matter, a _metadata.yml or a file in metadata-files", path)
        if isinstance(found, bool):
            return "true" if found else "false"
        return str(found)

    return META_SHORTCODE_RE.sub(value, markdown)
