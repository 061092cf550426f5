"""The publishing workflows: valid against GitHub's schema, scheduled after the last session, student-only."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from coursebuild import schedule as sched

WORKFLOWS = sorted((Path(__file__).resolve().parents[1] / ".github" / "workflows").glob("*.yml"))


def load(name: str) -> dict:
    path = next(p for p in WORKFLOWS if p.name == name)
    data = yaml.safe_load(path.read_text())
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as True
    return data


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_is_valid_against_the_github_schema(path):
    proc = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
                           str(path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_there_is_a_publish_and_a_pull_request_workflow():
    assert {p.name for p in WORKFLOWS} == {"publish.yml", "tests.yml"}
    assert "pull_request" in load("tests.yml")["on"]
    steps = " ".join(str(s.get("run", "")) for s in load("tests.yml")["jobs"]["test"]["steps"])
    assert "make test" in steps


def test_publish_runs_on_push_to_main_and_daily_after_the_last_session():
    wf = load("publish.yml")
    assert wf["on"]["push"]["branches"] == ["main"]
    (cron,) = [c["cron"] for c in wf["on"]["schedule"]]
    minute, hour, *rest = cron.split()
    assert rest == ["*", "*", "*"], "daily"
    run_utc = dt.time(int(hour), int(minute))
    s = sched.load()
    for week in s.weeks:
        for session in (week.lecture, week.exercise):
            end_utc = session.ends_at.astimezone(dt.UTC).time()
            assert run_utc > end_utc, f"the daily rebuild at {run_utc} UTC runs before {session.date} ends ({end_utc})"


def test_publish_renders_only_the_student_site_and_deploys_it():
    wf = load("publish.yml")
    assert wf["env"]["MLPC_BUILD"] == "student"
    text = yaml.safe_dump(wf)
    assert "instructor" not in text, "the publishing workflow must not mention the instructor build"
    build = wf["jobs"]["build"]["steps"]
    uses = [s.get("uses", "") for s in build]
    assert any(u.startswith("quarto-dev/quarto-actions/setup@") for u in uses)
    quarto = next(s for s in build if s.get("uses", "").startswith("quarto-dev/quarto-actions/setup@"))
    assert quarto["with"]["version"][0].isdigit(), "Quarto is pinned to a version"
    runs = [s.get("run", "") for s in build]
    assert any("python -m coursebuild site" in r for r in runs)
    upload = next(s for s in build if s.get("uses", "").startswith("actions/upload-pages-artifact@"))
    assert upload["with"]["path"] == "_site"
    deploy = [s.get("uses", "") for s in wf["jobs"]["deploy"]["steps"]]
    assert any(u.startswith("actions/deploy-pages@") for u in deploy)
    assert wf["jobs"]["deploy"]["needs"] == "build"
    # the calendar's events link to the published site: the render step gets the Pages address
    pages = next(s for s in build if s.get("uses", "").startswith("actions/configure-pages@"))
    render = next(s for s in build if "python -m coursebuild site" in s.get("run", ""))
    assert render["env"]["MLPC_SITE_URL"] == "${{ steps." + pages["id"] + ".outputs.base_url }}"
    assert build.index(pages) < build.index(render)


@pytest.mark.parametrize("out", ["_site", "_site/preview"])
def test_the_build_command_refuses_to_put_an_instructor_build_in_the_published_folder(root, out):
    proc = subprocess.run([sys.executable, "-m", "coursebuild", "site", "--out", str(root / out)],
                          capture_output=True, text=True, cwd=root,
                          env={"MLPC_BUILD": " instructor", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(root / "code")})
    assert proc.returncode == 2 and "never goes to _site/ or inside it" in proc.stderr


def run_guard(tmp_path: Path, gh: str) -> subprocess.CompletedProcess:
    """Run the publish workflow's first step with a stand-in ``gh`` whose body is ``gh``."""
    step = load("publish.yml")["jobs"]["build"]["steps"][0]
    fake = tmp_path / "bin" / "gh"
    fake.parent.mkdir(exist_ok=True)
    fake.write_text(f"#!/bin/sh\n{gh}\n")
    fake.chmod(0o755)
    env = {"PATH": f"{fake.parent}:/usr/bin:/bin", "GITHUB_REPOSITORY": "uni/ml-pc", "GH_TOKEN": "t"}
    return subprocess.run(["bash", "-e", "-c", step["run"]], capture_output=True, text=True, env=env)


def test_publishing_refuses_to_run_from_a_public_repository(tmp_path):
    wf = load("publish.yml")
    first = wf["jobs"]["build"]["steps"][0]
    assert first["name"] == "Refuse to publish from a public repository", "the guard runs before anything else"
    assert "github.token" in first["env"]["GH_TOKEN"]
    assert wf["jobs"]["deploy"]["needs"] == "build", "no deploy without the build job (and its guard)"
    private = run_guard(tmp_path, 'echo true')
    assert private.returncode == 0 and "uni/ml-pc is private: publishing" in private.stdout
    public = run_guard(tmp_path, 'echo false')
    assert public.returncode == 1
    assert "uni/ml-pc is not private (private=false)" in public.stdout
    assert "Make the repository private" in public.stdout
    unknown = run_guard(tmp_path, 'echo "HTTP 403" >&2; exit 1')
    assert unknown.returncode == 1 and "(private=unknown)" in unknown.stdout, "an unanswered check fails closed"
