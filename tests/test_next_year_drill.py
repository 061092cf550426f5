"""The drill: take the course over next year with the README's one command, and everything follows.

A copy of the repository (its tracked files) is moved to the 2027 semester (first lecture Tuesday
13 April 2027: Himmelfahrt, Pfingstdienstag and Fronleichnam then fall in other weeks than in 2026) with
``python -m coursebuild.schedule move --start 2027-04-13 --notices --write``; then ``check`` passes, a
student build at a date inside the 2027 semester succeeds, and the schedule, release, notice and site tests
pass against that build (pytest runs inside the copy). No page names a 2026 date, and no page names a
holiday on a week that has none.

It runs in CI as part of ``make test`` (marker ``drill``; ``pytest -m "not drill"`` leaves it out). The
execution cache is copied, so only what the move changes re-runs: the documents that read the schedule.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from coursebuild import schedule as sched

START = "2027-04-13"
TODAY = "2027-05-20T12:00"  # a Thursday inside the 2027 semester
TESTS = ["tests/test_schedule_data.py", "tests/test_schedule_validation.py", "tests/test_schedule_notices.py",
         "tests/test_release.py", "tests/test_site.py"]


def old_dates(schedule: sched.Schedule) -> re.Pattern[str]:
    """Every way a page could name a date or the name of the semester before the move (data sets may carry dates
    of their own, e.g. the build dates of a synthetic campaign: those are not course dates)."""
    days = {s.date for w in schedule.weeks for s in w.sessions} | set(schedule.university_days_off)
    forms = {f"{d:%d.%m.%Y}" for d in days} | {d.isoformat() for d in days} | {f"{d:%Y%m%d}T" for d in days}
    forms.add(schedule.course["semester"])
    return re.compile("|".join(re.escape(f) for f in sorted(forms)))

pytestmark = pytest.mark.drill


def run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: int) -> tuple[subprocess.CompletedProcess, float]:
    t0 = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    seconds = time.perf_counter() - t0
    print(f"drill: {' '.join(cmd[2:])} -> exit {done.returncode} in {seconds:.0f} s", flush=True)
    return done, seconds


def copy_checkout(root: Path, target: Path) -> None:
    """The tracked files (as they are in the working tree), node_modules linked, the caches copied."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True).stdout
    for rel in filter(None, files.decode().split("\0")):
        src = root / rel
        if src.is_file():
            (target / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target / rel)
    (target / "node_modules").symlink_to(root / "node_modules")
    for cache in ("cache", "render-cache"):
        if (root / "_build" / cache).is_dir():
            shutil.copytree(root / "_build" / cache, target / "_build" / cache)


def pages(site: Path) -> dict[str, str]:
    return {p.relative_to(site).as_posix(): p.read_text(encoding="utf-8", errors="ignore")
            for p in site.rglob("*") if p.suffix in {".html", ".ics", ".json"} and "site_libs" not in p.parts}


@pytest.fixture()
def scratch():
    """A folder of its own: pytest deletes its older tmp_path folders when other pytest sessions start, which on a
    shared machine removed the drill's copy in the middle of its run."""
    with tempfile.TemporaryDirectory(prefix="mlpc-next-year-drill-") as folder:
        yield Path(folder)


def test_next_year_in_one_command(root, scratch):
    tmp_path = scratch
    copy = tmp_path / "course"
    copy_checkout(root, copy)
    stale_re = old_dates(sched.load(root=copy))
    env = {**os.environ, "PYTHONPATH": str(copy / "code"), "MLPC_BUILD": "student",
           "COURSEBUILD_JOBS": os.environ.get("COURSEBUILD_JOBS", "2")}
    env.pop("MLPC_TODAY", None)
    # numba compiles into a cache of its own here: a shared cache in site-packages, half-written by a killed
    # process, made orix (EBSD) segfault on import on the development machine
    env["NUMBA_CACHE_DIR"] = str(tmp_path / "numba-cache")
    times = {}
    moved, times["move"] = run([sys.executable, "-m", "coursebuild.schedule", "move", "--start", START, "--notices",
                                "--write"], copy, env, 300)
    assert moved.returncode == 0, moved.stdout + moved.stderr
    assert "Summer semester 2027" in moved.stdout and "notices applied" in moved.stdout
    checked, times["check"] = run([sys.executable, "-m", "coursebuild.schedule", "check"], copy, env, 300)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    built, times["build"] = run([sys.executable, "-m", "coursebuild", "site", "--today", TODAY], copy, env, 3600)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    report = json.loads((copy / "_build" / "build-report-_site.json").read_text())
    executed = sum(d["execute_seconds"] for d in report["documents"] if d["executed"])
    ran = sum(1 for d in report["documents"] if d["executed"])

    schedule = sched.load(root=copy)
    assert schedule.weeks[0].lecture.date.isoformat() == START
    site = copy / "_site"
    texts = pages(site)
    stale = {name: m.group(0) for name, text in texts.items() if (m := stale_re.search(text))}
    assert not stale, f"pages that still name a date or the semester of before the move: {stale}"
    noticed = {n.holiday for w in schedule.weeks for n in w.notices}
    names = sched.holiday_names(schedule) - noticed
    for name, text in texts.items():
        wrong = [h for h in names if re.search(rf"\b{re.escape(h)}\b", text)]
        assert not wrong, f"{name} names {wrong}, which no session of 2027 falls on"
    for week in schedule.weeks:
        for rel in filter(None, (week.deck, week.exercise_source and f"handouts/{week.slug}.qmd")):
            html = texts[str(Path(rel).with_suffix(".html"))]
            other = [h for h in noticed if h not in {n.holiday for n in week.notices} and h in html]
            assert not other, f"{rel} (week {week.number}) names {other}, a holiday of another week"
            assert ("Study guide" in html) is bool(week.lecture.notice and week.lecture.notice.kind == "self-study"
                                                   and rel == week.deck), f"{rel}: study guide shown wrongly"

    # the tests judge the build at the date it was built for (the real clock may lie before the 2027 semester):
    # the build's post-render put the generated sources back in the real clock's state, so write them for that date
    state = {**env, "MLPC_TODAY": TODAY}
    prerendered, _ = run([sys.executable, "code/pre_render.py"], copy, state, 300)
    assert prerendered.returncode == 0, prerendered.stdout + prerendered.stderr
    tested, times["tests"] = run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *TESTS], copy,
                                 state, 3600)
    assert tested.returncode == 0, tested.stdout[-5000:] + tested.stderr[-2000:]
    total = sum(times.values())
    print(f"drill: {total:.0f} s in all ({', '.join(f'{k} {v:.0f} s' for k, v in times.items())}); the 2027 build "
          f"executed {ran} of {len(report['documents'])} documents ({executed:.0f} s of kernel time)", flush=True)
