"""The offline engine: the Quarto subset, loud failures with file and line, execution, caching, URLs."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from coursebuild import qmd
from coursebuild.errors import BuildError
from coursebuild.project import Project
from coursebuild.site import build_site

GOOD = """---
title: "Deck"
format: revealjs
---

## A figure

```{python}
#| label: line
#| fig-alt: "A straight line"
import matplotlib.pyplot as plt
fig, ax = plt.subplots()
ax.plot([0, 1], [0, 1])
plt.show()
```

## Code is the lesson

```{python}
#| echo: true
print(6 * 7)
```

::: {.notes}
Speaker notes.
:::

[Back home](../index.qmd)
"""


@pytest.mark.parametrize(("body", "line", "words"), [
    ("Text\n\n{{< video intro.mp4 >}}\n", 7, "shortcode '{{< video >}}' is outside the supported Quarto subset"),
    ("::: {.panel-tabset}\nx\n:::\n", 5, "div class '.panel-tabset' is outside the supported Quarto subset"),
    ("## Slide {.r-fit-text}\n", 5, "heading class '.r-fit-text'"),
    ("See @fig-line.\n", 5, "cross-reference '@fig-line'"),
    ("```{python}\n#| label: a\n#| code-fold: true\nx = 1\n```\n", 7, "cell option 'code-fold'"),
    ("```{python}\n#| echo: maybe\nx = 1\n```\n", 6, "cell option 'echo: maybe' must be one of"),
    ("```{r}\nx <- 1\n```\n", 5, "executable '{r}' cells"),
    ("::: {.solution}\nx\n:::\n", 5, ".solution/.handout only work in exercises/ sources"),
    ("::: {.content-visible}\nx\n:::\n", 5, "content-visible/content-hidden need one of"),
    ("```{python}\nx = 1\n", 5, "code block opened here is never closed"),
])
def test_unsupported_syntax_fails_with_file_and_line(tmp_path, body, line, words):
    path = tmp_path / "deck.qmd"
    path.write_text("---\ntitle: t\n---\n\n" + body)
    with pytest.raises(BuildError) as err:
        qmd.parse(path)
    assert f"{path}:{line}: " in str(err.value)
    assert words in str(err.value)


def test_every_course_document_is_inside_the_subset(root):
    project = Project.load(root)
    for source in project.render_list():
        qmd.parse(source)
    for source in sorted((root / "exercises").glob("week*.qmd")):
        qmd.parse(source, allow_exercise=True)


def make_project(tmp_path: Path, root: Path, deck: str) -> Path:
    proj = tmp_path / "proj"
    (proj / "lectures").mkdir(parents=True)
    (proj / "_quarto.yml").write_text(
        "project:\n  type: website\n  render:\n    - index.qmd\n    - lectures/*.qmd\n"
        "website:\n  title: T\n  navbar:\n    left:\n      - {href: index.qmd, text: Home}\n"
        "execute:\n  echo: false\n")
    (proj / "index.qmd").write_text("---\ntitle: Home\n---\n\n[Deck](lectures/week01-deck.qmd)\n")
    shutil.copy(root / "lectures" / "_metadata.yml", proj / "lectures" / "_metadata.yml")
    (proj / "lectures" / "_metadata.yml").write_text(
        (root / "lectures" / "_metadata.yml").read_text().replace("doc-kind: deck\n", ""))
    (proj / "styles").mkdir()
    shutil.copy(root / "styles" / "slides.css", proj / "styles" / "slides.css")
    (proj / "node_modules").symlink_to(root / "node_modules")
    (proj / "lectures" / "week01-deck.qmd").write_text(deck)
    return proj


def test_engine_renders_a_deck_with_figures_notes_and_quarto_urls(tmp_path, root, capsys):
    proj = make_project(tmp_path, root, GOOD)
    reports = build_site(proj)
    out = proj / "_site"
    html = (out / "lectures" / "week01-deck.html").read_text()
    assert 'alt="A straight line"' in html
    assert (out / "lectures" / "week01-deck_files" / "figure-revealjs" / "line-1.png").exists()
    assert '<aside class="notes">' in html and "42" in html
    assert 'href="../index.html"' in html, "links to .qmd become Quarto's .html URLs"
    assert "../site_libs/revealjs/dist/reveal.js" in html
    assert not re.search(r"""(src|href)=["']https?://""", html), "decks load nothing from the network"
    assert (out / "site_libs" / "revealjs" / "dist" / "reveal.js").exists()
    assert [r.cache_hit for r in reports] == [False, False]
    printed = capsys.readouterr().out
    assert "[ 2/2] lectures/week01-deck.qmd" in printed and "summary: 2 documents" in printed
    again = build_site(proj)
    assert all(r.cache_hit for r in again if r.cells), "a rebuild with nothing changed runs no kernel"


def test_a_failing_cell_names_the_document_and_the_cell(tmp_path, root):
    bad = GOOD.replace("print(6 * 7)", "x = 1\nraise ValueError('porosity must be in [0, 1]')")
    proj = make_project(tmp_path, root, bad)
    with pytest.raises(BuildError) as err:
        build_site(proj)
    message = str(err.value)
    assert message.startswith("lectures/week01-deck.qmd:19: cell 'cell-2' (cell 2 of 2) failed:")
    assert "ValueError: porosity must be in [0, 1]" in message


def test_missing_reveal_js_fails_before_any_kernel_starts(tmp_path, root, capsys):
    slow = GOOD.replace("print(6 * 7)", "raise RuntimeError('this cell must never run')")
    proj = make_project(tmp_path, root, slow)
    (proj / "node_modules").unlink()
    with pytest.raises(BuildError, match=r"reveal.js is not installed: run `npm ci`"):
        build_site(proj)
    assert "executing" not in capsys.readouterr().out


def test_the_cli_exits_non_zero_and_says_build_failed(tmp_path, root):
    import subprocess
    import sys

    proj = make_project(tmp_path, root, GOOD.replace("{.notes}", "{.speaker}"))
    proc = subprocess.run([sys.executable, "-m", "coursebuild", "build", "--root", str(proj)],
                          capture_output=True, text=True)
    assert proc.returncode == 1
    assert "BUILD FAILED" in proc.stderr and "week01-deck.qmd:24: div class '.speaker'" in proc.stderr


def test_no_network_fixture_refuses_and_records_connections(no_network):
    import socket

    with pytest.raises(OSError, match="network access attempted"):
        socket.create_connection(("127.0.0.1", 9), timeout=1)
    with pytest.raises(OSError):
        socket.socket().connect(("127.0.0.1", 9))
    assert len(no_network) == 2
    no_network.clear()  # both attempts were the point of this test


def test_kernels_and_mlpc_let_idle_openmp_threads_sleep(tmp_path, root):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    probe = "import mlpc, os; print(os.environ['OMP_WAIT_POLICY'])"
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "PASSIVE"
    probe = ("import os; from pathlib import Path; from coursebuild.execute import Executor; "
             f"Executor(Path('.'), Path({str(tmp_path)!r}), Path('.')); print(os.environ['OMP_WAIT_POLICY'])")
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "PASSIVE"


def test_an_edit_re_runs_only_the_documents_that_read_or_list_it(tmp_path, root):
    reader = GOOD.replace("print(6 * 7)", "print(open('../data/a.csv').read())")
    proj = make_project(tmp_path, root, reader)
    (proj / "data").mkdir()
    (proj / "data" / "a.csv").write_text("x\n1\n")
    (proj / "data" / "b.yml").write_text("k: 1\n")
    (proj / "lectures" / "week02-list.qmd").write_text(
        "---\ntitle: L\nformat: revealjs\n---\n\n## Files\n\n```{python}\nimport glob\n"
        "print(sorted(glob.glob('../data/*.csv')))\n```\n")

    def executed() -> set[str]:
        return {r.source for r in build_site(proj) if r.executed}

    assert executed() == {"lectures/week01-deck.qmd", "lectures/week02-list.qmd"}
    with open(proj / "data" / "b.yml", "a") as fh:
        fh.write("# a comment\n")
    assert executed() == set(), "no document read b.yml: nothing runs"
    (proj / "data" / "a.csv").write_text("x\n2\n")
    assert executed() == {"lectures/week01-deck.qmd"}, "only the reader of a.csv runs"
    (proj / "data" / "c.csv").write_text("x\n")
    assert executed() == {"lectures/week02-list.qmd"}, "only the document that lists data/ runs"
    html = (proj / "_site" / "lectures" / "week02-list.html").read_text()
    assert "c.csv" in html


def test_each_kernel_gets_its_own_numba_cache_and_this_checkouts_code(tmp_path, root, monkeypatch):
    """Two kernels that compile the same numba functions into one cache folder at once left a cache file that
    crashed every later kernel (orix: segfault on import). Each document gets its own folder, passed to its
    kernel directly (not through os.environ, which the two kernel threads share)."""
    probe = ("```{python}\nimport os, sys\nprint(os.environ['NUMBA_CACHE_DIR'])\n"
             "print(next(p for p in sys.path if p.endswith('code')))\n```\n")
    proj = make_project(tmp_path, root, GOOD.split("```{python}")[0] + probe)
    (proj / "lectures" / "week02-deck.qmd").write_text(GOOD.split("```{python}")[0] + probe)
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.setenv("COURSEBUILD_JOBS", "2")
    build_site(proj)
    caches, paths = set(), set()
    for deck in ("week01-deck", "week02-deck"):
        text = (proj / "_site" / "lectures" / f"{deck}.html").read_text()
        cache = re.search(r"/[^\s<>]+/numba-cache/[\w.-]+", text).group(0)
        assert cache.startswith(str((proj / "_build" / "numba-cache").resolve())) and deck in cache
        caches.add(cache)
        paths.add(re.search(r"/[^\s<>]+/code(?=[\s<])", text).group(0))
    assert len(caches) == 2, "the two documents share a numba cache folder"
    assert paths == {str((proj / "code").resolve())}, "the kernels import this project's code/ first"


def test_a_yaml_data_file_counts_by_its_data_not_its_comments(tmp_path, root):
    """A comment in data/schedule.yml (or any YAML data file a document reads) re-runs nothing; a changed value
    re-runs every document that read the file."""
    reader = GOOD.replace("print(6 * 7)", "import yaml\nprint(yaml.safe_load(open('../data/s.yml'))['room'])")
    proj = make_project(tmp_path, root, reader)
    (proj / "data").mkdir()
    (proj / "data" / "s.yml").write_text("room: H1\n")

    def executed() -> set[str]:
        return {r.source for r in build_site(proj) if r.executed}

    assert executed() == {"lectures/week01-deck.qmd"}
    with open(proj / "data" / "s.yml", "a") as fh:
        fh.write("# the room is booked until July\n")
    assert executed() == set(), "a comment changes no data: nothing runs"
    (proj / "data" / "s.yml").write_text("# the room is booked until July\nroom: H2\n")
    assert executed() == {"lectures/week01-deck.qmd"}, "a changed value re-runs the reader"
    assert "H2" in (proj / "_site" / "lectures" / "week01-deck.html").read_text()
