"""Render assembled Markdown with Pandoc: reveal.js 5.1.0 decks and HTML pages with the site navbar.

Format options are read from the merged Quarto metadata and mapped to what Pandoc and reveal.js take.
Options outside the supported subset fail loudly (docs/quarto-subset.md lists them).
"""

from __future__ import annotations

import json
import os
import posixpath
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import yaml

from coursebuild.errors import BuildError

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
FILTERS = HERE / "filters"

#: Quarto revealjs options both paths support, and the reveal.js config key each maps to (None: not config).
REVEALJS_OPTIONS: dict[str, str | None] = {
    "theme": None,
    "css": None,
    "footer": None,
    "incremental": None,
    "slide-level": None,
    "html-math-method": None,
    "highlight-style": None,
    "width": "width",
    "height": "height",
    "margin": "margin",
    "slide-number": "slideNumber",
    "hash-type": "hash",
    "controls": "controls",
    "progress": "progress",
    "transition": "transition",
    "center": "center",
    "history": "history",
    "chalkboard": "chalkboard",
}

#: Quarto html options both paths support (``theme`` is Quarto's Bootstrap theme; the engine uses its css).
HTML_OPTIONS = {"theme", "css", "toc", "toc-depth", "html-math-method", "highlight-style", "page-layout"}


def pandoc_binary() -> str:
    """Pandoc from pypandoc_binary (3.9), or ``pandoc`` on PATH."""
    try:
        import pypandoc

        return pypandoc.get_pandoc_path()
    except (ImportError, OSError):
        return "pandoc"


def relative_url(from_html: str, to_path: str) -> str:
    """URL of ``to_path`` (project-relative) as seen from page ``from_html`` (project-relative)."""
    return posixpath.relpath(to_path, posixpath.dirname(from_html) or ".")


def check_options(fmt: str, options: dict[str, Any], rel: str) -> None:
    allowed = REVEALJS_OPTIONS if fmt == "revealjs" else HTML_OPTIONS
    if fmt not in {"revealjs", "html"}:
        raise BuildError(f"format '{fmt}' is outside the supported subset (html, revealjs)", rel)
    for key in options:
        if key not in allowed:
            raise BuildError(f"{fmt} option '{key}' is outside the supported Quarto subset; supported: "
                             + ", ".join(sorted(allowed)) + " (see docs/quarto-subset.md)", rel)


def katex_url(method: Any, expected: str, rel: str) -> str:
    """The KaTeX URL of ``html-math-method``; it must be ``{method: katex, url: <the site's copy>}``.

    Quarto loads KaTeX from a CDN for the plain string ``katex`` (``src/command/render/template.ts``) and uses
    ``url`` as given, relative to the page, so a page one folder down needs ``../site_libs/katex/``. Without the
    option (small test projects) the engine uses the site's KaTeX; tests/test_quarto_parity.py requires it on
    every page of the course.
    """
    if method is None:
        return expected
    if not isinstance(method, dict) or method.get("method") != "katex" or not isinstance(method.get("url"), str):
        raise BuildError(f"html-math-method is {method!r}: give {{method: katex, url: {expected}}} (Quarto loads "
                         "KaTeX from a CDN otherwise; see docs/quarto-subset.md)", rel)
    url = method["url"].rstrip("/") + "/"
    if url != expected:
        raise BuildError(f"html-math-method url '{method['url']}' does not point at the site's KaTeX from this "
                         f"page: use '{expected}' (set it in the _metadata.yml of the page's folder)", rel)
    return url


def reveal_config(options: dict[str, Any]) -> dict[str, Any]:
    """reveal.js ``Reveal.initialize`` options from Quarto's revealjs options."""
    config: dict[str, Any] = {"hash": True, "history": True, "center": False, "transition": "none",
                              "slideNumber": "c/t", "controls": True, "progress": True, "pdfSeparateFragments": False}
    for key, target in REVEALJS_OPTIONS.items():
        if target and key in options:
            value = options[key]
            if key == "slide-number":
                value = "c/t" if value is True else value
            if key == "hash-type":
                config["hash"] = True
                config["hashOneBasedIndex"] = False
                continue
            config[target] = value
    return config


def _stringify(value: Any) -> Any:
    """Metadata for Pandoc's --metadata-file: dates and numbers as plain strings."""
    if isinstance(value, dict):
        return {k: _stringify(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_stringify(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    return str(value)


def run_pandoc(markdown: str, out_file: Path, rel_html: str, fmt: str, meta: dict[str, Any],
               fmt_options: dict[str, Any], site: dict[str, Any], project_filters: list[Path],
               root: Path) -> None:
    """Render ``markdown`` to ``out_file`` as a reveal.js deck or a site page."""
    check_options(fmt, fmt_options, rel_html)
    root_prefix = relative_url(rel_html, "index.html")[: -len("index.html")]
    math_url = katex_url(fmt_options.get("html-math-method"), root_prefix + "site_libs/katex/", rel_html)
    css = [relative_url(rel_html, c) for c in [*meta.get("css", []), *fmt_options.get("css", [])]]
    doc_meta = {k: v for k, v in meta.items() if k not in {"format", "execute", "css", "freeze"}}
    variables: dict[str, Any] = {"css": css}
    args = [pandoc_binary(), "--from", "markdown", "--standalone", f"--katex={math_url}", "--wrap=none"]
    if fmt == "revealjs":
        args += ["--to", "revealjs", "--template", str(TEMPLATES / "revealjs.html"),
                 "--slide-level", str(fmt_options.get("slide-level", 2))]
        if fmt_options.get("incremental"):
            args.append("--incremental")
        variables["revealjs-url"] = root_prefix + "site_libs/revealjs"
        variables["theme"] = fmt_options.get("theme", "white")
        variables["reveal-config"] = json.dumps(reveal_config(fmt_options))
        if fmt_options.get("hash-type") == "number":  # as Quarto: no slide ids, so the address shows numbers
            args[2] = "markdown-auto_identifiers"
        else:
            variables["title-slide-id"] = True
        if "footer" in fmt_options:
            doc_meta["footer"] = fmt_options["footer"]
    else:
        args += ["--to", "html5", "--template", str(TEMPLATES / "page.html"), "--section-divs"]
        if fmt_options.get("toc", meta.get("toc")):
            args += ["--toc", "--toc-depth", str(fmt_options.get("toc-depth", 2))]
        navbar = []
        for item in site.get("navbar", {}).get("left", []):
            href = item["href"]
            target = str(Path(href).with_suffix(".html")) if href.endswith((".qmd", ".md")) else href
            navbar.append({"href": relative_url(rel_html, target), "text": item["text"],
                           "active": target == rel_html})
        doc_meta["navbar-items"] = navbar
        doc_meta["site-title"] = site.get("title", "")
        doc_meta["site-root"] = root_prefix
        doc_meta["page-footer"] = site.get("page-footer", "")
    if "pagetitle" not in doc_meta and "title" in doc_meta:
        doc_meta["pagetitle"] = str(doc_meta["title"])
    for f in [*project_filters, FILTERS / "engine.lua"]:
        args += ["--lua-filter", str(f)]
    highlight = fmt_options.get("highlight-style")
    if highlight:
        args += ["--syntax-highlighting", str(highlight)]
    with tempfile.TemporaryDirectory() as tmp:
        meta_file = Path(tmp) / "meta.yml"
        meta_file.write_text(yaml.safe_dump(_stringify(doc_meta), allow_unicode=True))
        var_file = Path(tmp) / "vars.yml"
        var_file.write_text(yaml.safe_dump({"variables": variables}, allow_unicode=True))
        args += ["--metadata-file", str(meta_file), "--defaults", str(var_file), "--output", str(out_file)]
        env = dict(os.environ, MLPC_PROJECT_DIR=str(root))
        out_file.parent.mkdir(parents=True, exist_ok=True)
        proc = subprocess.run(args, input=markdown, text=True, capture_output=True, env=env, cwd=root)
    if proc.returncode != 0:
        raise BuildError(f"pandoc failed:\n{proc.stderr.strip()}", rel_html)
    warnings = [w for w in proc.stderr.splitlines() if w.strip()]
    if warnings:
        raise BuildError("pandoc warned (a warning is a defect in a course page):\n" + "\n".join(warnings),
                         rel_html)
