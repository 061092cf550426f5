"""What Quarto does that the course relies on, pinned as tests of the repository (Quarto cannot run here).

Each test names the file of quarto-cli (the release .github/workflows/publish.yml pins) that the behaviour
comes from; docs/quarto-subset.md says what still differs between Quarto and the offline engine.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from coursebuild import freezer, hooks, pdf, postrender, prerender, qmd, release, render
from coursebuild.errors import BuildError
from coursebuild.project import Project
from coursebuild.render import FILTERS, pandoc_binary

#: Before the first exercise session of the semester: no solution is released.
BEFORE_SEMESTER = "2026-03-01"


def quarto_config(root: Path) -> dict:
    return yaml.safe_load((root / "_quarto.yml").read_text())


def dotenv(root: Path) -> dict[str, str]:
    """The project's ``_environment`` as Quarto's dotenv reads it (KEY=VALUE lines, # comments)."""
    pairs = [line.split("=", 1) for line in (root / "_environment").read_text().splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    return {key.strip(): value.strip() for key, value in pairs}


@pytest.fixture
def project(root: Path, tmp_path: Path) -> Path:
    """A copy of the project's sources (no builds, no node_modules, no git), to run the steps in."""
    copy = tmp_path / "project"
    ignore = shutil.ignore_patterns("node_modules", "_site*", "_build", "_freeze", ".quarto", ".git", "handouts",
                                    "solutions", "calendar", "__pycache__", "*.egg-info", "artifacts")
    shutil.copytree(root, copy, ignore=ignore)
    return copy


def quarto_script_env(project: Path, **extra: str) -> dict[str, str]:
    """What Quarto's process gives a pre/post-render script: the shell's variables, the _environment ones the
    shell does not set (src/quarto-core/dotenv.ts), the QUARTO_PROJECT_* ones (src/command/render/project.ts)."""
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "MLPC_BUILD", "MLPC_TODAY",
                                                             hooks.ENGINE_VAR, prerender.NESTED_VAR}}
    env.update({k: v for k, v in dotenv(project).items() if k not in env})
    env.update(QUARTO_PROJECT_DIR=str(project), QUARTO_PROJECT_OUTPUT_DIR=str(project / "_site"), **extra)
    return env


# -- item 2: the pre-render command ----------------------------------------------------------------------------

def test_shell_split_matches_quarto():
    # src/core/run/shell.ts (parseShellRunCommand): split on spaces, double quotes group, no shell
    assert hooks.parse_shell_run_command('code/pre_render.py --a "b c"  d') == ["code/pre_render.py", "--a", "b c",
                                                                                "d"]


def test_pre_render_runs_with_only_python3_on_path(project: Path, tmp_path: Path):
    # src/command/render/project.ts (runScripts) spawns the command without a shell; src/core/run/python.ts runs a
    # `.py` script with the Python Quarto found for Jupyter (src/core/jupyter/exec.ts: python3 on Linux/macOS),
    # so the command must be a .py script: `python -m ...` fails where only python3 exists (stock macOS, Debian)
    command = quarto_config(project)["project"]["pre-render"]
    assert isinstance(command, str) and command.endswith(".py")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(sys.executable)
    (bin_dir / "python").write_text("#!/bin/sh\necho 'another interpreter' >&2\nexit 3\n")
    (bin_dir / "python").chmod(0o755)
    python3 = shutil.which("python3", path=str(bin_dir))
    argv = hooks.script_argv(command, python=python3)
    assert argv[0] == python3
    env = quarto_script_env(project, PATH=str(bin_dir), MLPC_TODAY=BEFORE_SEMESTER)
    proc = subprocess.run(argv, cwd=project, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "pre-render: student build" in proc.stdout
    assert len(list((project / "handouts").glob("week*.qmd"))) == 13
    assert not list((project / "solutions").glob("*.qmd"))


def test_engine_runs_the_pre_render_the_way_quarto_does(root: Path, monkeypatch: pytest.MonkeyPatch):
    # src/command/render/project.ts (runScripts): no shell, cwd = project root, QUARTO_PROJECT_* in the env
    from coursebuild import site

    calls = []
    monkeypatch.setattr(hooks.subprocess, "run", lambda argv, **kw: calls.append((argv, kw)) or
                        subprocess.CompletedProcess(argv, 0))
    site.run_pre_render(Project.load(root), site.hook_env({"MLPC_BUILD": "student"}, root / "_site", full=True))
    (argv, kw), = calls
    assert argv == [sys.executable, "code/pre_render.py"] and "shell" not in kw and kw["cwd"] == root
    assert kw["env"]["QUARTO_PROJECT_RENDER_ALL"] == "1" and kw["env"]["MLPC_BUILD"] == "student"


@pytest.mark.parametrize(("only", "full"), [(None, True), (["index.qmd"], False)])
def test_engine_runs_the_post_render_after_a_build(root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    only, full):
    # src/command/render/project.ts runs post-render after every render, QUARTO_PROJECT_RENDER_ALL=1 only when full
    from coursebuild import site

    calls = []
    monkeypatch.setattr(site, "_build_site", lambda *args: [])
    monkeypatch.setattr(site, "run_scripts", lambda r, config, key, env: calls.append((key, env)))
    out = tmp_path / "_site"  # never the checkout's _site: the (mocked, empty) build would replace it
    site.build_site(root, out=out, env={"MLPC_BUILD": "instructor"}, only=only, post_render=True)
    (key, env), = calls
    assert key == "post-render" and env["MLPC_BUILD"] == "instructor"
    # the post-render (PDF export) works on the fresh folder of the build, before it replaces the old site
    fresh = Path(env["QUARTO_PROJECT_OUTPUT_DIR"])
    assert fresh.name == "_site" and fresh.parent.name.startswith("._site.building-")
    assert fresh.parent.parent == tmp_path
    assert ("QUARTO_PROJECT_RENDER_ALL" in env) == full


# -- kernels import this checkout's code -----------------------------------------------------------------------

@pytest.mark.parametrize("folder", [".", "lectures"])
def test_environment_file_makes_kernels_import_this_checkout(project: Path, folder: str):
    # src/quarto-core/dotenv.ts reads _environment into Quarto's environment; src/resources/jupyter/notebook.py
    # starts the kernel in the document's folder (resources.metadata.path), where relative entries resolve
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | dotenv(project)
    code = "import mlpc, coursebuild.schedule; print(mlpc.__file__); print(coursebuild.schedule.__file__)"
    out = subprocess.run([sys.executable, "-c", code], cwd=project / folder, env=env, capture_output=True,
                         text=True, check=True).stdout.split()
    assert all(Path(p).is_relative_to(project / "code") for p in out), out


def test_pre_render_refuses_a_pythonpath_that_hides_this_checkout(project: Path, root: Path):
    # src/quarto-core/dotenv.ts: _environment does not override a variable the shell already set
    assert prerender.kernel_path_problem(project, dotenv(project)) is None
    problem = prerender.kernel_path_problem(project, {"PYTHONPATH": str(root / "code")})
    assert problem and "would import mlpc from" in problem and "fix:" in problem
    assert "no PYTHONPATH entry" in prerender.kernel_path_problem(project, {})
    env = quarto_script_env(project, PYTHONPATH=str(root / "code"), MLPC_TODAY=BEFORE_SEMESTER)
    proc = subprocess.run([sys.executable, "code/pre_render.py"], cwd=project, env=env, capture_output=True, text=True)
    assert proc.returncode == 1 and "would import mlpc from" in proc.stderr
    env.pop("QUARTO_PROJECT_OUTPUT_DIR")  # run by hand, not by Quarto: nothing to check
    assert subprocess.run([sys.executable, "code/pre_render.py"], cwd=project, env=env).returncode == 0


# -- item 1: every Quarto call of the PDF step carries the build's state; nested renders change nothing -------

def test_pdf_export_passes_the_build_state_to_quarto(root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    # src/command/render/project.ts runs the pre-render (and post-render) on every render, a single page too:
    # without MLPC_BUILD/MLPC_TODAY the page's own pre-render would switch to a student build on the real clock
    seen = {}

    def fake_quarto(argv, **kw):
        seen.update(argv=argv, env=kw["env"])
        out = Path(argv[argv.index("--output-dir") + 1])
        (out / "page.pdf").write_bytes(b"%PDF")
        return subprocess.CompletedProcess(argv, 0, "", "")

    monkeypatch.setattr(pdf.subprocess, "run", fake_quarto)
    for key, value in {"MLPC_BUILD": "instructor", "MLPC_TODAY": "2026-05-14T18:00",
                       "QUARTO_PROJECT_RENDER_ALL": "1", "QUARTO_PROJECT_OUTPUT_DIR": "_site"}.items():
        monkeypatch.setenv(key, value)
    pdf.export_page_quarto(root, "solutions/week05-cnn-training.qmd", tmp_path / "out.pdf")
    assert seen["argv"][:3] == ["quarto", "render", "solutions/week05-cnn-training.qmd"]
    # src/command/render/project.ts (computeProjectRenderConfig): a render of named files always executes them
    # unless --use-freezer; the outer pre-render dropped every stale frozen result (coursebuild.freezer)
    assert "--use-freezer" in seen["argv"]
    env = seen["env"]
    assert env["MLPC_BUILD"] == "instructor" and env["MLPC_TODAY"] == "2026-05-14T18:00"
    assert env[prerender.NESTED_VAR] == "1" and not any(k.startswith("QUARTO_PROJECT_") for k in env)


def test_nested_pre_and_post_render_change_nothing(project: Path, monkeypatch: pytest.MonkeyPatch):
    # the nested `quarto render <page> --to typst` runs the project's scripts again (src/command/render/project.ts)
    monkeypatch.chdir(project)
    monkeypatch.setenv("MLPC_BUILD", "instructor")
    prerender.run(project)
    solutions = sorted((project / "solutions").glob("*.qmd"))
    assert len(solutions) == len(list((project / "exercises").glob("*.qmd")))  # 13 weeks + the optional labs
    for module in (prerender, postrender):
        env = quarto_script_env(project, MLPC_TODAY=BEFORE_SEMESTER, QUARTO_PROJECT_RENDER_ALL="1",
                                **{prerender.NESTED_VAR: "1"})
        subprocess.run([sys.executable, "-c", f"import sys; from coursebuild.{module.__name__.split('.')[-1]} "
                        "import main; sys.exit(main())"], cwd=project, env=env, check=True,
                       capture_output=True)
    assert sorted((project / "solutions").glob("*.qmd")) == solutions


FAKE_QUARTO = """#!/bin/sh
# records each call (arguments, build state) and makes the PDF a `quarto render <page> --to typst` would
printf '%s|%s|%s|%s\\n' "$*" "$MLPC_BUILD" "$MLPC_TODAY" "$COURSEBUILD_NESTED" >> "$FAKE_QUARTO_LOG"
while [ "$1" != "--output-dir" ]; do shift; done
mkdir -p "$2/x" && printf '%%PDF-1.4' > "$2/x/page.pdf"
"""


def test_post_render_of_a_quarto_instructor_build_exports_in_its_state_then_restores(
        project: Path, root: Path, tmp_path: Path):
    # src/command/render/project.ts: after a full render Quarto runs post-render with its own environment
    # (the build's MLPC_* included) and QUARTO_PROJECT_RENDER_ALL=1; each page's PDF is another `quarto render`
    (project / "node_modules").symlink_to(root / "node_modules")
    state = {"MLPC_BUILD": "instructor", "MLPC_TODAY": "2026-04-20"}
    env = quarto_script_env(project, **state)
    subprocess.run([sys.executable, "code/pre_render.py"], cwd=project, env=env, check=True, capture_output=True)
    site = project / "_site"
    pages = [*sorted((project / "handouts").glob("week*.qmd"))[:2], *sorted((project / "solutions").glob("*.qmd"))]
    for source in pages:
        html = site / source.relative_to(project).with_suffix(".html")
        html.parent.mkdir(parents=True, exist_ok=True)
        html.write_text("<html></html>")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "quarto").write_text(FAKE_QUARTO)
    (bin_dir / "quarto").chmod(0o755)
    log = tmp_path / "quarto.log"
    env.update(PATH=f"{bin_dir}:{env['PATH']}", QUARTO_PROJECT_RENDER_ALL="1", FAKE_QUARTO_LOG=str(log))
    proc = subprocess.run([sys.executable, "code/post_render.py"], cwd=project, env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    calls = [line.split("|") for line in log.read_text().splitlines()]
    assert len(calls) == len(pages) == len(list((site / "pdf").glob("*.pdf")))
    for args, build, today, nested in calls:
        assert "--to typst --use-freezer" in args and (build, today, nested) == ("instructor", "2026-04-20", "1")
    assert (site / "site_libs/katex/katex.min.js").exists()
    meta = json.loads((project / "_build/schedule-meta.json").read_text())
    assert meta["build"] == "student"  # sources back in the default state for the next preview


# -- item 3: preview after an instructor build -------------------------------------------------------------

def test_preview_after_an_instructor_build_lists_only_files_that_survive_its_pre_render(
        project: Path, monkeypatch: pytest.MonkeyPatch):
    # src/project/serve/serve.ts (serveFiles) lists the files to render before the pre-render runs, and
    # src/command/render/project.ts then fails "Render target does not exist" for any file the pre-render deleted
    monkeypatch.chdir(project)
    # the real clock, on a day before the first session (MLPC_TODAY would be dropped by the restore)
    monkeypatch.setattr(release, "now", lambda schedule: dt.datetime(2026, 3, 1, 12, tzinfo=ZoneInfo("Europe/Berlin")))
    monkeypatch.setenv("MLPC_BUILD", "instructor")
    prerender.run(project)
    assert len(list((project / "solutions").glob("*.qmd"))) == len(list((project / "exercises").glob("*.qmd")))
    (project / "_site").mkdir()
    monkeypatch.setattr(postrender, "copy_katex", lambda root, out: None)
    # a partial render of an instructor preview session keeps its sources (its next render needs them) ...
    postrender.run(project, project / "_site", {"MLPC_BUILD": "instructor"})
    assert len(list((project / "solutions").glob("*.qmd"))) == len(list((project / "exercises").glob("*.qmd")))
    # ... the post-render step of a full instructor build puts the default state back
    postrender.run(project, project / "_site", {"MLPC_BUILD": "instructor", "QUARTO_PROJECT_RENDER_ALL": "1",
                                                "COURSEBUILD_NO_PDF": "1"})
    monkeypatch.delenv("MLPC_BUILD")
    listed = Project.load(project).render_list()  # what `quarto preview` lists now
    prerender.run(project)  # preview's own pre-render: student build
    assert [p for p in listed if not p.exists()] == []


def test_pre_render_names_the_leftovers_a_preview_listed(project: Path):
    # after an instructor preview session, a student `quarto preview` lists solutions its pre-render deletes;
    # Quarto then stops with "Render target does not exist" (src/command/render/project.ts): say why first
    env = quarto_script_env(project, MLPC_BUILD="instructor", MLPC_TODAY="2026-07-01")
    subprocess.run([sys.executable, "code/pre_render.py"], cwd=project, env=env, check=True, capture_output=True)
    leftover = sorted(p.relative_to(project).as_posix() for p in (project / "solutions").glob("*.qmd"))[-1]
    env = quarto_script_env(project, MLPC_TODAY=BEFORE_SEMESTER, QUARTO_PROJECT_INPUT_FILES=f"index.qmd\n{leftover}")
    proc = subprocess.run([sys.executable, "code/pre_render.py"], cwd=project, env=env, capture_output=True, text=True)
    assert proc.returncode == 0 and f"{leftover} left over from an instructor build or preview" in proc.stderr
    assert "run the command again" in proc.stderr and not (project / leftover).exists()


# -- item 4: figure labels ---------------------------------------------------------------------------------

@pytest.mark.parametrize("caption", ["", '#| fig-cap: "Grain map"\n'])
def test_crossref_labels_are_refused_with_file_line_and_fix(tmp_path: Path, caption: str):
    # src/core/jupyter/jupyter.ts puts a cell's label on its div; src/resources/filters/quarto-pre/
    # parsefiguredivs.lua makes a #fig- div a numbered FloatRefTarget ("Figure N", files <label>-output-1.png)
    source = tmp_path / "deck.qmd"
    source.write_text(f"---\ntitle: t\n---\n\n```{{python}}\n#| echo: false\n#| label: fig-grain-map\n{caption}"
                      "x = 1\n```\n")
    with pytest.raises(BuildError) as err:
        qmd.parse(source)
    assert str(err.value.path) == str(source) and err.value.line == 7
    assert "Figure N" in str(err.value) and "fix: '#| label: grain-map'" in str(err.value)


def test_no_source_uses_a_crossref_label(root: Path):
    # same files as above: a fig-/tbl- label anywhere would number figures only under Quarto
    sources = [*root.glob("*.qmd"), *root.glob("lectures/*.qmd"), *root.glob("exercises/*.qmd")]
    labels = [m.group(1) for s in sources for m in re.finditer(r"^#\|\s*label:\s*(\S+)", s.read_text(), re.M)]
    assert len(labels) > 150 and not [lab for lab in labels if lab.startswith(qmd.CROSSREF_PREFIXES)]


# -- item 5: the notice is a real callout on both paths ----------------------------------------------------

#: Quarto's Lua API as far as course.lua uses it (a filter runs in Quarto with the `quarto` global set).
STUB_QUARTO = """
quarto = {Callout = function(t)
  return pandoc.Div(t.content, pandoc.Attr("", {"stub-quarto-callout", t.type, table.unpack(t.attr.classes)},
    {title = pandoc.utils.stringify(t.title)}))
end}
dofile(%r)
"""


def notice_week(project: Path) -> tuple[int, str]:
    meta = json.loads((project / "_build" / "schedule-meta.json").read_text())
    week, info = next((w, i) for w, i in meta["weeks"].items() if i["notices"])
    return int(week), info["notices"][0]["label"]


def run_filters(project: Path, filters: list[Path], markdown: str, to: str = "html") -> subprocess.CompletedProcess:
    args = [pandoc_binary(), "--from", "markdown", "--to", to]
    for f in filters:
        args += ["--lua-filter", str(f)]
    return subprocess.run(args, input=markdown, text=True, capture_output=True, cwd=project,
                          env={**os.environ, "MLPC_PROJECT_DIR": str(project)})


def test_notice_is_a_quarto_callout_under_quarto_and_the_same_callout_offline(project: Path, tmp_path: Path,
                                                                                monkeypatch: pytest.MonkeyPatch):
    # src/resources/filters/main.lua parses .callout-* divs (normalize) before user filters run (pre-quarto), so
    # course.lua must build quarto.Callout (src/resources/filters/customnodes/callout.lua, Lua API >= 1.3)
    monkeypatch.chdir(project)
    prerender.run(project)
    week, label = notice_week(project)
    doc = f"---\ntitle: t\nweek: {week}\ndoc-kind: deck\n---\n\ntext\n"
    stub = tmp_path / "stub.lua"
    stub.write_text(STUB_QUARTO % str(FILTERS / "course.lua"))
    under_quarto = run_filters(project, [stub], doc)
    assert under_quarto.returncode == 0, under_quarto.stderr
    assert re.search(r'class="stub-quarto-callout important notice-callout"\s+title="' + re.escape(label),
                     under_quarto.stdout)
    offline = run_filters(project, [FILTERS / "course.lua", FILTERS / "engine.lua"], doc)
    assert offline.returncode == 0, offline.stderr
    assert 'class="callout callout-important notice-callout"' in offline.stdout
    assert re.search(r'class="callout-title">\s*' + re.escape(label), offline.stdout)


# -- item 6: KaTeX and fonts from the site -----------------------------------------------------------------

def test_every_page_loads_katex_from_the_site(project: Path, monkeypatch: pytest.MonkeyPatch):
    # src/command/render/template.ts (mathConfig): `katex` alone loads KaTeX from a CDN; {method, url} uses url
    # as given. src/project/project-shared.ts (toInputRelativePaths) rebases a relative value only when it names
    # an existing file, so site_libs/katex/ must not exist in the sources and each folder sets its own url
    monkeypatch.chdir(project)
    prerender.run(project)
    assert not (project / "site_libs").exists()
    proj = Project.load(project)
    pages = proj.render_list()
    assert {Path(proj.relative(p)).parent.as_posix() for p in pages} == {".", "lectures", "handouts", "solutions"}
    for source in pages:
        meta = proj.document_metadata(source, qmd.parse(source).front_matter)
        options = next(iter(meta["format"].values()))
        rel_html = proj.relative(source.with_suffix(".html"))
        expected = render.relative_url(rel_html, "site_libs/katex") + "/"
        method = options.get("html-math-method")
        assert isinstance(method, dict), f"{rel_html}: no html-math-method (Quarto would load MathJax from a CDN)"
        assert render.katex_url(method, expected, rel_html) == expected
    with pytest.raises(BuildError, match="CDN"):
        render.katex_url("katex", "site_libs/katex/", "index.html")
    with pytest.raises(BuildError, match="use '../site_libs/katex/'"):
        render.katex_url({"method": "katex", "url": "site_libs/katex/"}, "../site_libs/katex/", "lectures/x.html")


def test_post_render_copies_katex_into_the_site(root: Path, tmp_path: Path):
    # Quarto does not bundle KaTeX (src/command/render/template.ts loads it from jsdelivr by default)
    postrender.copy_katex(root, tmp_path)
    assert (tmp_path / "site_libs/katex/katex.min.js").exists() and list((tmp_path / "site_libs/katex/fonts").glob(
        "*.woff2"))


def test_no_web_fonts(root: Path):
    # src/resources/formats/html/bootstrap/themes/cosmo.scss @imports Google Fonts unless $web-font-path is false;
    # src/format/reveal/format-reveal-theme.ts maps `white` to Quarto's `default`, whose quarto.scss uses the
    # bundled ./fonts/source-sans-pro (no network), as reveal.js's own white.css does for the engine
    html = quarto_config(root)["format"]["html"]
    assert html["theme"][0] == "cosmo"
    scss = (root / html["theme"][1]).read_text()
    assert re.search(r"^\$web-font-path:\s*false;", scss, re.M)
    white = (root / "node_modules/reveal.js/dist/theme/white.css").read_text()
    assert "@import url(./fonts/source-sans-pro/source-sans-pro.css)" in white.replace('"', "").replace("'", "")
    assert "fonts.googleapis" not in white


# -- item 7: the post-render hook exports the PDFs on both paths -------------------------------------------

@pytest.mark.parametrize(("extra", "exports", "quarto"), [
    ({"QUARTO_PROJECT_RENDER_ALL": "1"}, True, True),
    ({"QUARTO_PROJECT_RENDER_ALL": "1", hooks.ENGINE_VAR: "offline"}, True, False),
    ({}, False, None),
    ({"QUARTO_PROJECT_RENDER_ALL": "1", "COURSEBUILD_NO_PDF": "1"}, False, None),
])
def test_post_render_exports_the_pdfs_of_a_full_render(root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       extra: dict, exports: bool, quarto: bool | None):
    # src/command/render/project.ts (runPostRender): QUARTO_PROJECT_RENDER_ALL=1 only when every file rendered
    assert quarto_config(root)["project"]["post-render"] == "code/post_render.py"
    assert (root / "code/post_render.py").exists()
    calls = []
    monkeypatch.setattr(pdf, "export_all", lambda r, out, quarto, use_cache: calls.append(quarto))
    monkeypatch.setattr(postrender, "copy_katex", lambda r, out: None)
    postrender.run(root, tmp_path, {"MLPC_BUILD": "student", **extra})
    assert calls == ([quarto] if exports else [])


# -- item 8: freeze cannot go stale -------------------------------------------------------------------------

def test_freeze_is_dropped_when_imported_code_or_schedule_state_changes(project: Path,
                                                                        monkeypatch: pytest.MonkeyPatch):
    # src/command/render/freeze.ts (freezeInputHash) hashes the input file only; src/command/render/render-files.ts
    # thaws .quarto/_freeze (the hidden freezer) in `quarto preview` even for freeze: false pages
    monkeypatch.chdir(project)
    prerender.run(project)
    deck5, deck2 = "lectures/week05-cnn-microstructures", "lectures/week02-data-formation"
    frozen = [project / "_freeze" / deck5, project / "_freeze" / deck2, project / ".quarto/_freeze/index",
              project / ".quarto/_freeze/lectures"]  # lectures.qmd's folder holds lectures/*.qmd's folders too
    for path in frozen:
        (path / "execute-results").mkdir(parents=True)
        (path / "execute-results/html.json").write_text("{}")
    frozen = [path / "execute-results" for path in frozen]
    assert prerender.invalidate_freeze(project) == []  # recorded now, nothing changed
    helper = project / "code/mlpc/figures/week05_cnn.py"
    helper.write_text(helper.read_text() + "\n# edited\n")
    dropped = dict(prerender.invalidate_freeze(project))
    assert dropped == {f"{deck5}.qmd": ["code/mlpc/figures/week05_cnn.py"]}
    assert not frozen[0].exists() and frozen[1].exists() and frozen[2].exists()
    meta = project / "_build/schedule-meta.json"
    meta.write_text(meta.read_text().replace('"phase"', '"phase" ', 1))  # another release state
    assert set(dict(prerender.invalidate_freeze(project))) >= {"index.qmd", "lectures.qmd"}
    assert not frozen[2].exists() and not frozen[3].exists() and frozen[1].exists()


def test_import_closure_follows_relative_imports(root: Path):
    deps = freezer.import_closure(root / "code", ["from mlpc.figures.week05_cnn import x"])
    names = {p.relative_to(root / "code").as_posix() for p in deps}
    assert {"mlpc/__init__.py", "mlpc/figures/__init__.py", "mlpc/figures/week05_cnn.py", "mlpc/plotting.py"} <= names


# -- item 9: exercise sources are never pages --------------------------------------------------------------

def test_direct_render_of_an_exercise_source_fails_before_any_output(project: Path, root: Path):
    # src/command/render/render-shared.ts renders a file outside the render list on its own, beside its source,
    # yet with the project's metadata, filters and the folder's _metadata.yml (src/command/render/
    # render-contexts.ts, resolveFormats), so course.lua stops it and no cell runs (eval: false)
    meta = yaml.safe_load((root / "exercises/_metadata.yml").read_text())
    assert meta == {"doc-kind": "exercise-source", "execute": {"eval": False}}
    source = root / "exercises/week05-cnn-training.qmd"
    proc = run_filters(project, [FILTERS / "course.lua"],
                       source.read_text().replace("---\n", "---\ndoc-kind: exercise-source\n", 1))
    assert proc.returncode != 0 and "never a page" in proc.stderr and "handouts/<name>.qmd" in proc.stderr
    assert "exercises/" not in [p.parent.name + "/" for p in Project.load(root).render_list()]
    ignored = (root / ".gitignore").read_text().splitlines()
    assert {"/exercises/*.html", "/exercises/*_files/"} <= set(ignored)


# -- item 10/11: the pinned release and what Quarto adds to .gitignore --------------------------------------

def test_workflow_pins_the_release_the_readme_names(root: Path):
    # version.txt / news/changelog-1.10.md of quarto-cli: 1.10 is the current stable line (tag v1.10.18)
    workflow = yaml.safe_load((root / ".github/workflows/publish.yml").read_text())
    step = next(s for s in workflow["jobs"]["build"]["steps"] if "quarto-actions/setup" in s.get("uses", ""))
    version = str(step["with"]["version"])
    assert tuple(int(x) for x in version.split(".")) >= (1, 10, 18)
    assert f"Quarto {version}" in (root / "README.md").read_text()


def test_handout_dates_are_not_labelled_published(root: Path):
    # src/resources/language/_language.yml: the title block labels `date` "Published" unless the project
    # sets title-block-published; a handout's date is its exercise session (course.lua sets it)
    assert quarto_config(root)["language"] == {"title-block-published": "Session"}


def test_gitignore_has_what_quarto_adds(root: Path):
    # src/project/project-gitignore.ts (kQuartoIgnore): /.quarto/ and, since 1.8, **/*.quarto_ipynb
    lines = set((root / ".gitignore").read_text().splitlines())
    assert {"/.quarto/", "**/*.quarto_ipynb", "/_freeze/"} <= lines


def test_post_render_restores_only_after_a_non_default_build():
    assert not postrender.non_default_state({"MLPC_BUILD": "student"})
    assert postrender.non_default_state({"MLPC_TODAY": dt.date(2026, 5, 1).isoformat()})
    assert postrender.non_default_state({"MLPC_BUILD": "instructor"})
