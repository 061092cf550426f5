"""The build under faults and bad input: nothing hangs, nothing leaks, nothing is lost.

Each case runs the command line (a subprocess with a timeout) on a tiny project that was built once, and
asserts the exit code, the message (file, cell or line, and the fix) and that the previous site is still there,
byte for byte (so nothing the failed build made, an unreleased solution included, got into it).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from coursebuild import qmd
from coursebuild.errors import BuildError
from test_engine import GOOD, make_project

ROOT = Path(__file__).resolve().parents[1]
DECK = "lectures/week01-deck.qmd"


def snapshot(site: Path) -> dict[str, str]:
    """Every file of a site and its hash."""
    return {str(p.relative_to(site)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(site.rglob("*")) if p.is_file()}


def cli(proj: Path, *args: str, timeout: float = 60, **env: str) -> subprocess.CompletedProcess:
    full = {**os.environ, "PYTHONPATH": str(ROOT / "code"), "COURSEBUILD_JOBS": "1", **env}
    return subprocess.run([sys.executable, "-m", "coursebuild", *args, "--root", str(proj)], capture_output=True,
                          text=True, env=full, timeout=timeout)


def no_kernel_dirs(pid: int) -> bool:
    return not list(Path("/tmp").glob(f"cbk-{pid}-*"))


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A tiny project (a home page and a deck with a figure), built once: site and caches."""
    proj = make_project(tmp_path_factory.mktemp("built"), ROOT, GOOD)
    proc = cli(proj, "build")
    assert proc.returncode == 0, proc.stderr
    return proj


@pytest.fixture()
def proj(built, tmp_path) -> tuple[Path, dict[str, str]]:
    """A copy of the built project (caches included) and the snapshot of its site."""
    copy = tmp_path / "p"
    shutil.copytree(built, copy, symlinks=True)
    return copy, snapshot(copy / "_site")


def edit_deck(proj: Path, old: str, new: str) -> None:
    deck = proj / DECK
    deck.write_text(deck.read_text().replace(old, new))


def assert_site_intact(proj: Path, before: dict[str, str]) -> None:
    assert snapshot(proj / "_site") == before, "the previous site changed"
    assert not list(proj.glob("._site.building-*")), "the fresh folder of the failed build was left behind"


def assert_fails(proj: tuple[Path, dict[str, str]], code: int, message: str, *args: str, **env: str) -> str:
    """Run the command line; it must exit with ``code``, say ``message`` and leave the previous site intact."""
    path, before = proj
    proc = cli(path, *args, timeout=60, **env)
    assert proc.returncode == code, proc.stderr
    assert message in proc.stderr
    assert_site_intact(path, before)
    return proc.stderr


# -- leaks --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("mode", "out"), [
    (" instructor", "_site"), ("INSTRUCTOR\n", "_site"), ("instructor", "_site/preview"), (None, "_site/x/y"),
])
def test_an_instructor_build_never_goes_into_the_published_folder(proj, mode, out):
    args = ["site", "--out", str(proj[0] / out)] + (["--instructor"] if mode is None else [])
    err = assert_fails(proj, 2, "refused: the instructor build never goes to _site/ or inside it", *args,
                       **({"MLPC_BUILD": mode} if mode else {}))
    assert "use --instructor (-> _site-instructor/)" in err


def test_an_unknown_build_mode_names_the_variable_and_the_allowed_values(proj):
    assert_fails(proj, 2, "MLPC_BUILD='teacher' is not a build mode: use one of student, instructor", "build",
                 MLPC_BUILD="teacher")


def test_a_release_time_with_an_offset_is_converted_to_the_course_time_zone(tmp_path, monkeypatch):
    from coursebuild import release
    from coursebuild import schedule as sched

    text = (ROOT / "data" / "schedule.yml").read_text(encoding="utf-8")
    week3 = re.search(r"(?m)^  - week: 3\n", text)
    assert week3, "data/schedule.yml lists week 3 as '  - week: 3'"
    text = text[:week3.end()] + "    release: 2026-04-30T16:00:00Z\n" + text[week3.end():]
    path = tmp_path / "schedule.yml"
    path.write_text(text, encoding="utf-8")
    week = sched.load(path).week(3)
    berlin = week.release_at.tzinfo
    assert week.release_at == dt.datetime(2026, 4, 30, 18, 0, tzinfo=berlin), "16:00 UTC is 18:00 in Berlin"
    assert not release.is_released(week, dt.datetime(2026, 4, 30, 17, 0, tzinfo=berlin))
    monkeypatch.setenv("MLPC_TODAY", "2026-04-30T15:30:00+00:00")
    now = release.now(sched.load(path))
    assert (now.hour, now.minute) == (17, 30) and not release.is_released(week, now)


# -- hangs --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("cell", "words"), [
    ("import time\ntime.sleep(100000)", "did not finish within 4 s (the cell timeout): make it faster"),
    ("import os\nos._exit(3)", "the kernel died (exit code 3)"),
    ("import os\nos.write(2, b'fatal: out of widgets\\n')\nos._exit(4)", "  fatal: out of widgets"),
])
def test_a_hung_or_dead_kernel_fails_within_the_timeout_naming_document_and_cell(proj, cell, words):
    path, before = proj
    edit_deck(path, "print(6 * 7)", cell)
    start = time.monotonic()
    proc = cli(path, "build", "--cell-timeout", "4", timeout=60)
    assert time.monotonic() - start < 40
    assert proc.returncode == 1, proc.stderr
    assert f"{DECK}:19: cell 'cell-2' (cell 2 of 2)" in proc.stderr and words in proc.stderr
    assert_site_intact(path, before)


def test_what_the_kernel_process_writes_goes_to_its_log_not_the_build_output(proj):
    path, _ = proj
    edit_deck(path, "print(6 * 7)", "import os\nos.write(2, b'C-level chatter\\n')\nprint(6 * 7)")
    proc = cli(path, "build", timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "C-level chatter" not in proc.stdout + proc.stderr
    logs = list((path / "_build" / "kernel-logs").glob("*.log"))
    assert any("C-level chatter" in log.read_text() for log in logs), logs


def start_sleeping_build(path: Path) -> tuple[subprocess.Popen, int]:
    """Start a build whose deck sleeps in a cell; returns the build process and the sleeping kernel's pid."""
    pid_file = path / "kernel.pid"
    edit_deck(path, "print(6 * 7)", f"import os, time\nopen({str(pid_file)!r}, 'w').write(str(os.getpid()))\n"
                                    "time.sleep(100000)")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "code"), "COURSEBUILD_JOBS": "1"}
    build = subprocess.Popen([sys.executable, "-m", "coursebuild", "build", "--root", str(path)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.monotonic() + 45
    while not (pid_file.exists() and pid_file.read_text()) and time.monotonic() < deadline:
        time.sleep(0.2)
    if not pid_file.exists():
        build.kill()
        pytest.fail("the sleeping cell never started")
    return build, int(pid_file.read_text())


def gone(pid: int, within: float) -> bool:
    """Whether process ``pid`` has ended (or ends within ``within`` seconds)."""
    deadline = time.monotonic() + within
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_or_sigterm_stops_at_once_and_kills_the_kernel(proj, signum):
    path, before = proj
    build, kernel = start_sleeping_build(path)
    try:
        build.send_signal(signum)
        _, err = build.communicate(timeout=10)
    finally:
        build.kill()
    assert build.returncode == 130 and "INTERRUPTED: stopped at once, its kernels killed" in err
    assert gone(kernel, 1), "the kernel was killed"
    assert no_kernel_dirs(build.pid)
    assert_site_intact(path, before)


def test_a_killed_build_leaves_the_site_and_the_next_build_cleans_up(proj):
    path, before = proj
    build, kernel = start_sleeping_build(path)
    build.kill()
    build.wait(timeout=10)
    assert gone(kernel, 10), "a kernel whose build was killed ends by itself (it watches its parent)"
    assert snapshot(path / "_site") == before
    assert list(path.glob("._site.building-*")) and not no_kernel_dirs(build.pid), "the kill left its folders"
    edit_deck(path, "time.sleep(100000)", "print(6 * 7)")
    proc = cli(path, "build")
    assert proc.returncode == 0, proc.stderr
    assert no_kernel_dirs(build.pid) and not list(path.glob("._site.building-*")), "the next build cleaned up"


# -- losses -------------------------------------------------------------------------------------------------

def test_a_failing_build_keeps_the_previous_site(proj):
    path, before = proj
    edit_deck(path, "print(6 * 7)", "raise ValueError('porosity must be in [0, 1]')")
    proc = cli(path, "build")
    assert proc.returncode == 1
    assert f"{DECK}:19: cell 'cell-2' (cell 2 of 2) failed: ValueError: porosity" in proc.stderr
    assert_site_intact(path, before)
    proc = cli(path, "build", "--only", str(path / DECK))
    assert proc.returncode == 1 and "ValueError: porosity" in proc.stderr
    assert_site_intact(path, before)


def test_an_only_build_replaces_just_its_page_and_keeps_the_rest(proj):
    path, before = proj
    edit_deck(path, "## Code is the lesson", "## Code is still the lesson")
    proc = cli(path, "build", "--only", str(path / DECK))
    assert proc.returncode == 0, proc.stderr
    after = snapshot(path / "_site")
    assert set(after) == set(before)
    assert [k for k in after if after[k] != before[k]] == ["lectures/week01-deck.html"]


@pytest.mark.parametrize("code", [1, 0])
def test_the_quarto_path_also_swaps_the_site_in_only_on_success(proj, tmp_path, code):
    path, before = proj
    fake = tmp_path / "bin" / "quarto"
    fake.parent.mkdir()
    fake.write_text(f'#!/bin/sh\nmkdir -p "$3" && echo half > "$3/index.html"\nexit {code}\n')
    fake.chmod(0o755)
    proc = cli(path, "site", PATH=f"{fake.parent}:{os.environ['PATH']}")
    assert "render path: quarto" in proc.stdout
    if code:
        assert proc.returncode == 1
        assert "quarto render failed (exit code 1); the previous site is unchanged" in proc.stderr
        assert_site_intact(path, before)
    else:
        assert proc.returncode == 0, proc.stderr
        assert (path / "_site" / "index.html").read_text() == "half\n" and not (path / "_site" / "lectures").exists()


@pytest.mark.parametrize("which", ["cache", "render-cache"])
def test_a_truncated_cache_entry_is_a_miss_with_a_note(proj, which):
    path, before = proj
    entries = [p for p in (path / "_build" / which).iterdir() if p.suffix in {".json", ".html"}]
    assert entries
    for entry in entries:
        entry.write_bytes(entry.read_bytes()[: entry.stat().st_size // 2])
    proc = cli(path, "build")
    assert proc.returncode == 0, proc.stderr
    assert re.search(rf"cache: \S+/_build/{which}/\S+ \(\S+\) is damaged: checksum mismatch", proc.stdout)
    assert snapshot(path / "_site") == before, "the rebuilt site is the complete one"


def test_a_second_build_in_the_same_checkout_says_who_holds_the_lock(proj):
    lock = proj[0] / "_build" / "build.lock"
    with open(lock, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fh.write("4242\n")
        fh.flush()
        assert_fails(proj, 1, "another build (pid 4242) is running in this checkout: wait for it to finish, or "
                     "stop it (kill 4242)", "build")


def test_the_build_refuses_to_run_another_checkouts_code(proj):
    (proj[0] / "code" / "coursebuild").mkdir(parents=True)
    assert_fails(proj, 2, "run from this checkout: make site, or PYTHONPATH=code python3 -m coursebuild", "build")


# -- bad input ----------------------------------------------------------------------------------------------

def test_a_cell_with_huge_output_fails_with_the_cap(proj):
    path, before = proj
    edit_deck(path, "print(6 * 7)", "while True:\n    print('x' * 100_000)")
    start = time.monotonic()
    proc = cli(path, "build", COURSEBUILD_MAX_OUTPUT_MB="2")
    assert time.monotonic() - start < 40
    assert proc.returncode == 1
    assert (f"{DECK}:19: cell 'cell-2' (cell 2 of 2) produced more than 2 MB of output, the cap of one cell: "
            "print a summary") in proc.stderr
    assert_site_intact(path, before)


def test_a_non_utf8_deck_names_the_file_the_line_and_the_fix(proj):
    deck = proj[0] / DECK
    deck.write_bytes(deck.read_bytes().replace(b"Speaker notes.", "Spannungsüberhöhung".encode("latin-1")))
    assert_fails(proj, 1, f"{deck}:25: not UTF-8 text (byte 0xfc on this line): save the file as UTF-8", "build")


def including(project: Path, name: str, body: str) -> Path:
    """A project (just ``_quarto.yml``) with one source ``name`` whose body (from line 5) is ``body``."""
    (project / "_quarto.yml").write_text("project:\n  type: website\n")
    source = project / name
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_text(f"---\ntitle: t\n---\n\n{body}\n")
    return source


@pytest.mark.parametrize("target", ["../../../../../../../../etc/hostname", "/etc/hostname"])
def test_an_include_must_stay_inside_the_project(tmp_path, target):
    deck = including(tmp_path, "lectures/deck.qmd", f"Text\n\n{{{{< include {target} >}}}}")
    with pytest.raises(BuildError) as err:
        qmd.parse(deck)
    assert str(err.value).startswith(f"{deck}:7: include '{target}' is outside the project")
    assert "include only files inside the project" in str(err.value)


def test_an_included_file_that_is_not_utf8_is_named(tmp_path):
    (tmp_path / "part.md").write_bytes("a\nb\nGrö\xdfe\n".encode("latin-1"))
    deck = including(tmp_path, "deck.qmd", "{{< include part.md >}}")
    with pytest.raises(BuildError, match=r"part.md:3: not UTF-8 text \(byte 0xf6 on this line\)"):
        qmd.parse(deck)


# -- every data string on the schedule pages is escaped -----------------------------------------------------

EVIL = '<script>alert(1)</script> [click](javascript:alert(2)) *x*'


def test_schedule_strings_are_escaped_on_every_page():
    import dataclasses

    from coursebuild import course_map, pages, release
    from coursebuild import schedule as sched
    from coursebuild.render import pandoc_binary

    s = sched.load()
    weeks = [dataclasses.replace(w, title=EVIL) for w in s.weeks]
    evil = dataclasses.replace(s, weeks=weeks, units={k: EVIL for k in s.units},
                               course={**s.course, "short": EVIL})
    when = release.now(s)
    outputs = {
        "schedule_table": pages.schedule_table(evil, when, "student"),
        "calendar_note": pages.calendar_note(evil),
        "week_card": pages.week_card(evil, s.weeks[2].lecture.starts_at, "student"),
        "lecture_list": pages.lecture_list(evil),
        "exercise_list": pages.exercise_list(evil, when, "student"),
        "review": course_map.materials_markdown(evil),
    }
    for name, text in outputs.items():
        html = subprocess.run([pandoc_binary(), "--from", "markdown", "--to", "html5"], input=text,
                              capture_output=True, text=True, check=True).stdout
        html = html.replace(pages.SUBSCRIBE_SCRIPT, "")  # the page's own fixed script; no data reaches it
        assert "<script" not in html, name
        assert "javascript:" not in re.sub(r">[^<]*<", "><", html), f"{name}: a data string became a link"
        assert "alert(1)" in html, f"{name}: the string is shown as text"
