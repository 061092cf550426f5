"""Turn a parsed document plus its cell outputs into the Markdown that Pandoc renders.

This is the part of Quarto's Jupyter engine the course needs: ``echo`` shows the code, ``output: asis``
passes Markdown through, images become figures with ``fig-cap`` and ``fig-alt``, ``include: false``
hides a cell entirely, ``warning: false`` drops warnings. Figures are written next to the page, in
Quarto's ``<name>_files/figure-<format>/`` folder.
"""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path
from typing import Any

from coursebuild.errors import BuildError
from coursebuild.qmd import Cell, Document, Markdown

ANSI_RE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _text(data: Any) -> str:
    return "".join(data) if isinstance(data, list) else str(data)


def _fenced(text: str, classes: str = "") -> str:
    ticks = "```"
    while ticks in text:
        ticks += "`"
    return f"{ticks}{(' {' + classes + '}') if classes else ''}\n{text.rstrip()}\n{ticks}"


def _attr_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


class Assembler:
    """Builds the Markdown of one document; writes its figures under ``figure_dir``."""

    def __init__(self, doc: Document, outputs: dict[int, list[dict[str, Any]]], figure_dir: Path,
                 figure_url: str, fmt: str, defaults: dict[str, Any], rel: str):
        self.doc = doc
        self.outputs = outputs
        self.figure_dir = figure_dir
        self.figure_url = figure_url
        self.fmt = fmt
        self.defaults = defaults
        self.rel = rel
        self.figures_written: list[Path] = []

    def option(self, cell: Cell, key: str, fallback: Any) -> Any:
        return cell.options.get(key, self.defaults.get(key, fallback))

    def markdown(self) -> str:
        blocks: list[str] = []
        for part in self.doc.parts:
            if isinstance(part, Markdown):
                blocks.append(part.text)
            else:
                blocks.append(self.cell_markdown(part))
        return "\n".join(blocks) + "\n"

    def cell_markdown(self, cell: Cell) -> str:
        if not self.option(cell, "include", True):
            return ""
        pieces: list[str] = []
        if self.option(cell, "echo", True) and cell.source.strip():
            pieces.append(_fenced(cell.source, ".python .cell-code"))
        output_mode = self.option(cell, "output", True)
        if output_mode is not False and self.option(cell, "eval", True):
            pieces.extend(self.output_markdown(cell, asis=output_mode == "asis"))
        if not pieces:
            return ""
        body = "\n\n".join(pieces)
        return f"\n::: {{.cell #{_safe_id(cell.label)}}}\n{body}\n:::\n"

    def output_markdown(self, cell: Cell, asis: bool) -> list[str]:
        outs = self.outputs.get(cell.index, [])
        show_warnings = self.option(cell, "warning", True)
        pieces: list[str] = []
        n_fig = 0
        images = [o for o in outs if o.get("output_type") in {"display_data", "execute_result"}
                  and "image/png" in o.get("data", {})]
        for out in outs:
            kind = out.get("output_type")
            if kind == "stream":
                text = ANSI_RE.sub("", _text(out.get("text", "")))
                if out.get("name") == "stderr" and not show_warnings:
                    continue
                if not text.strip():
                    continue
                pieces.append(text if asis else _fenced(text, ".cell-output .cell-output-" + out.get("name", "stdout")))
            elif kind in {"display_data", "execute_result"}:
                data = out.get("data", {})
                if "image/png" in data:
                    n_fig += 1
                    pieces.append(self.figure(cell, data["image/png"], n_fig, len(images)))
                elif "text/markdown" in data:
                    pieces.append(_text(data["text/markdown"]))
                elif "text/html" in data:
                    content = _text(data["text/html"])
                    pieces.append(content if asis else f"```{{=html}}\n<div class=\"cell-output-display\">\n"
                                  f"{content}\n</div>\n```")
                elif "text/plain" in data:
                    text = _text(data["text/plain"])
                    pieces.append(text if asis else _fenced(text, ".cell-output .cell-output-display"))
            elif kind == "error":
                raise BuildError(f"cell '{cell.label}' has an error output", self.rel, cell.line)
        return pieces

    def figure(self, cell: Cell, png_b64: Any, number: int, total: int) -> str:
        stem = _safe_id(cell.label) + (f"-{number}" if total > 1 else "-1")
        self.figure_dir.mkdir(parents=True, exist_ok=True)
        path = self.figure_dir / f"{stem}.png"
        path.write_bytes(base64.b64decode(_text(png_b64)))
        self.figures_written.append(path)
        url = f"{self.figure_url}/{path.name}"
        caption = cell.options.get("fig-cap", "") if number == total else ""
        alt = cell.options.get("fig-alt") or cell.options.get("fig-cap") or ""
        alt_attr = f' fig-alt="{_attr_escape(alt)}"' if alt else ""
        if caption:
            return f"![{caption}]({url}){{{alt_attr.strip()}}}"
        # no caption: a bare image (not a captioned figure); the filter turns fig-alt into its alt text
        return f"![]({url}){{{alt_attr.strip()}}}"


def _safe_id(label: str) -> str:
    return re.sub(r"[^\w-]", "-", label)


def html_escape(text: str) -> str:
    return html.escape(text, quote=True)
