"""The project's pre-render step, shared by both render paths.

``_quarto.yml`` names it (``pre-render: python -m coursebuild.prerender``), so ``quarto render`` runs it
before rendering (Quarto >= 1.5 re-reads the render list afterwards), and the offline engine runs the
same command the same way. From ``data/schedule.yml`` and the clock it:

1. validates the schedule (a broken file stops the build with file, field and fix);
2. writes ``_build/schedule-meta.json`` (dates, notices, release state) for the schedule filter
   (``coursebuild/filters/course.lua``);
3. writes every week's handout to ``handouts/`` and, only when released (or in an instructor build),
   its solution to ``solutions/``; any other file there is deleted, so an unreleased solution does
   not exist as a source, a page, a link or a search entry in the student build;
4. writes the calendar ``calendar/ml-pc.ics``;
5. writes each week's notice metadata ``_build/notices/weekNN.yml``, which the week's deck and exercise list
   in ``metadata-files`` (holiday wording comes from the schedule: :mod:`coursebuild.schedule_prose`).

Both generated folders are in .gitignore: the exercise source in ``exercises/`` is the only one to edit.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from coursebuild.errors import BuildError
from coursebuild.exercises import split_exercise

GENERATED_DIRS = ("handouts", "solutions")
CALENDAR = Path("calendar") / "ml-pc.ics"


def schedule_meta(schedule, when, mode) -> dict:
    """What the schedule filter and the pages need, as JSON."""
    from coursebuild import release
    from coursebuild.pages import handout_url, pdf_url, slides_url, solution_url

    pos = release.position(schedule, when)
    weeks = {}
    for w in schedule.weeks:
        weeks[str(w.number)] = {
            "title": w.title,
            "unit": w.unit,
            "lecture": {"date_text": w.lecture.date_text, "date": w.lecture.date.isoformat()},
            "exercise": {"date_text": w.exercise.date_text, "date": w.exercise.date.isoformat()},
            "notices": [{"kind": n.kind, "holiday": n.holiday, "message": n.message, "session": n.session,
                         "label": n.label} for n in w.notices],
            "deck": w.deck,
            "pdf": {kind: pdf_url(url) for kind, url in (("deck", slides_url(w)), ("handout", handout_url(w)),
                                                          ("solution", solution_url(w))) if url},
            "exercise_source": w.exercise_source,
            "solution_visible": release.solution_visible(w, when, mode),
            "release_at": w.release_at.isoformat() if w.exercise_source else None,
        }
    return {
        "course": {"short": schedule.course["short"], "title": schedule.course["title"],
                   "semester": schedule.course["semester"]},
        "build": mode,
        "phase": pos.phase,
        "current_week": pos.current.number if pos.current else None,
        "weeks": weeks,
    }


def site_url(root: Path) -> str | None:
    """The published site's address (``website.site-url`` in ``_quarto.yml``), if set: the calendar links to it."""
    import yaml

    config = yaml.safe_load((root / "_quarto.yml").read_text(encoding="utf-8")) or {}
    return (config.get("website") or {}).get("site-url")


def write_notice_metadata(root: Path, schedule) -> None:
    """Each week's notice as metadata (``_build/notices/weekNN.yml``) that its deck and exercise list in
    ``metadata-files``: holiday wording in them comes from here (see :mod:`coursebuild.schedule_prose`)."""
    import yaml

    from coursebuild.schedule_prose import metadata_file, notice_metadata

    for week in schedule.weeks:
        target = root / metadata_file(week.number)
        target.parent.mkdir(parents=True, exist_ok=True)
        text = "# written by the pre-render step from data/schedule.yml: edit that file instead\n" + yaml.safe_dump(
            notice_metadata(week), allow_unicode=True, sort_keys=False)
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")


def run(root: Path) -> dict:
    """Run the pre-render step in ``root``; returns a summary."""
    from coursebuild import release
    from coursebuild import schedule as sched

    try:
        schedule = sched.load(root / "data" / "schedule.yml", root=root)
    except sched.ScheduleError as exc:
        raise BuildError("\n".join(f"{e.field}: {e.problem} — fix: {e.fix}" for e in exc.errors), exc.path) from None
    mode = release.build_mode()
    when = release.now(schedule)
    build_dir = root / "_build"
    build_dir.mkdir(exist_ok=True)
    meta = schedule_meta(schedule, when, mode)
    (build_dir / "schedule-meta.json").write_text(json.dumps(meta, indent=1, ensure_ascii=False))
    write_notice_metadata(root, schedule)
    wanted: dict[Path, str] = {}
    for week in schedule.weeks:
        if not week.exercise_source:
            continue
        split = split_exercise(root / week.exercise_source, week.number)
        name = Path(week.exercise_source).name
        wanted[root / "handouts" / name] = split.handout
        if release.solution_visible(week, when, mode):
            wanted[root / "solutions" / name] = split.solution
    for folder in GENERATED_DIRS:
        (root / folder).mkdir(exist_ok=True)
        for path in (root / folder).glob("*.qmd"):
            if path not in wanted:
                path.unlink()
    for path, text in wanted.items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
    (root / CALENDAR).parent.mkdir(exist_ok=True)
    (root / CALENDAR).write_bytes(sched.to_ics(schedule, site_url=site_url(root)))
    released = [w.number for w in schedule.weeks if meta["weeks"][str(w.number)]["solution_visible"]]
    summary = {"mode": mode, "now": when.isoformat(timespec="minutes"), "handouts": sum(
        1 for p in wanted if p.parent.name == "handouts"), "solutions": released}
    print(f"pre-render: {mode} build at {summary['now']}: {summary['handouts']} handouts, solutions of weeks "
          f"{released or 'none'}", flush=True)
    return summary


def main() -> int:
    root = Path(os.environ.get("QUARTO_PROJECT_DIR") or Path.cwd()).resolve()
    try:
        run(root)
    except (BuildError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
