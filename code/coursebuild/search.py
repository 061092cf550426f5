"""The site's offline search index: Pagefind (npm ``pagefind``, its platform binary from npm too) over the built site.

Every page, deck and handout in the output folder is indexed after the build, so the index holds exactly
what this build publishes: a solution that is not released has no page, hence no entry. The search box
(Pagefind's UI, ``templates/page.html``) loads the index from ``pagefind/`` next to the pages; nothing is
fetched from the network.

Indexed: the page content (``main``) and every slide of a deck (title and text). Not indexed: the navbar,
the footer, the table of contents, speaker notes and reveal.js controls.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path

from coursebuild.errors import BuildError

PAGEFIND_VERSION = "1.6.0"
#: what is left out of the index (page chrome, speaker notes, reveal.js controls)
EXCLUDE = ["nav", "footer", ".toc", ".skip-link", "aside.notes", ".slide-number", ".reveal .controls",
           ".reveal .progress", "script", "style"]
INDEX_DIR = "pagefind"


def pagefind_binary(root: Path) -> Path:
    """The ``pagefind`` launcher of ``node_modules``; a clear error with the fix when it is missing or the wrong one."""
    launcher = root / "node_modules" / ".bin" / "pagefind"
    pkg = root / "node_modules" / "pagefind" / "package.json"
    if not launcher.exists() or not pkg.exists():
        raise BuildError("pagefind (the site search) is not installed: run `npm ci`", root / "package.json")
    version = json.loads(pkg.read_text())["version"]
    if version != PAGEFIND_VERSION:
        raise BuildError(f"pagefind {version} is installed, the site needs {PAGEFIND_VERSION}: run `npm ci`",
                         root / "package.json")
    return launcher


def build_index(root: Path, site: Path) -> dict[str, int | float]:
    """Index ``site`` into ``site/pagefind``; returns the page count and seconds (also printed)."""
    launcher = pagefind_binary(root)
    target = site / INDEX_DIR
    if target.exists():
        shutil.rmtree(target)
    start = time.perf_counter()
    cmd = [str(launcher), "--site", str(site), "--output-subdir", INDEX_DIR, "--keep-index-url",
           "--force-language", "en", "--exclude-selectors", ", ".join(EXCLUDE)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if proc.returncode != 0 or not (target / "pagefind-ui.js").exists():
        raise BuildError(f"pagefind failed ({proc.returncode}):\n{proc.stdout[-1500:]}\n{proc.stderr[-1500:]}",
                         site)
    pages = sum(1 for _ in (target / "fragment").glob("*.pf_fragment"))
    seconds = round(time.perf_counter() - start, 2)
    print(f"search index: {pages} pages indexed in {seconds:.1f} s -> {target}", flush=True)
    return {"pages": pages, "seconds": seconds}


def index_text(site: Path) -> str:
    """Every page the index holds, as its URL and its text (Pagefind's compressed fragments), for leak checks.

    Pagefind keeps a page's text with its whitespace collapsed: code lines of a page become one line.
    """
    import gzip

    parts = []
    for fragment in sorted((site / INDEX_DIR / "fragment").glob("*.pf_fragment")):
        data = json.loads(gzip.decompress(fragment.read_bytes()).removeprefix(b"pagefind_dcd"))
        parts.append(f"{data['url']}\n{data['content']}")
    return "\n".join(parts)
