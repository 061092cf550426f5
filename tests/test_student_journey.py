"""A student's journey, end to end: the wheel from the built site, a fresh virtual environment, every notebook.

As the set-up page tells a student: a new virtual environment (not ``--system-site-packages``), ``pip install``
of only the wheel published in ``_site/python/`` (its declared dependencies come from the package index as a
student's pip would get them; torch is the CPU build, here the local ``torch==2.13.0`` wheel), then
``python -m mlpc doctor``, then every handout notebook (skeletons may leave placeholders; nothing may raise) and
every released solution notebook (``MLPC_CHECK_STRICT=1``: every ``check(...)`` must pass) from ``_site/``.
The kernels run the venv's Python with the working directory and ``HOME`` outside the repository, no repository
on ``sys.path`` and no network (a ``sitecustomize`` refuses every connection that is not local and records it;
any attempt fails the notebook). Times go to ``_build/student-journey.json``; each notebook must stay within
the exercise budget (3 minutes on 2 cores).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import venv
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from coursebuild import course_map
from coursebuild import schedule as sched

pytestmark = [pytest.mark.site, pytest.mark.journey]

BUDGET_S = 180.0
TORCH = "torch==2.13.0"  # the local CPU wheel (pip's find-links here); students: the CPU index, see setup.qmd
WEEKS = [w for w in sched.load().weeks if w.exercise_source]
#: Every notebook the site publishes: (test id, page stem, the week whose release state it follows).
NOTEBOOKS = [(f"week{w.number:02d}", w.slug, w.number) for w in WEEKS] + [
    (f"lab{lab.lab:02d}", lab.stem, lab.week) for lab in course_map.OPTIONAL_LABS]
RESULTS: dict[str, dict] = {}

#: Loaded by the kernels' Python at start-up (its folder is on their PYTHONPATH): no connection leaves the machine.
SITECUSTOMIZE = '''
import os, socket
_LOG = os.environ["MLPC_JOURNEY_NET_LOG"]
_LOCAL = ("127.", "::1", "localhost", "0.0.0.0")
_connect = socket.socket.connect
def _guard(self, address, *a, **k):
    host = address[0] if isinstance(address, tuple) else str(address)
    if self.family == getattr(socket, "AF_UNIX", None) or str(host).startswith(_LOCAL):
        return _connect(self, address, *a, **k)
    with open(_LOG, "a") as f:
        f.write(f"{address!r}\\n")
    raise OSError(f"network access attempted: {address!r} (the course runs offline)")
socket.socket.connect = _guard
socket.socket.connect_ex = lambda self, address: _guard(self, address)
'''


def _record(key: str, **values) -> None:
    RESULTS.setdefault(key, {}).update(values)
    out = Path(__file__).resolve().parents[1] / "_build" / "student-journey.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(RESULTS, indent=1))


@pytest.fixture(scope="module", autouse=True)
def journey_summary():
    """Print the numbers (wheel size, install, doctor, each notebook, total) when the module is done."""
    yield
    total = sum(v.get("seconds", 0) for v in RESULTS.values())
    lines = [f"{k}: {v}" for k, v in RESULTS.items()]
    print("\nstudent journey:\n  " + "\n  ".join(lines) + f"\n  total {total:.0f} s", file=sys.stderr)


@pytest.fixture(scope="module")
def wheel(site: Path) -> Path:
    wheels = sorted((site / "python").glob("mlpc-*-py3-none-any.whl"))
    assert len(wheels) == 1, f"the site must publish exactly one mlpc wheel in python/, found {wheels}"
    _record("wheel", name=wheels[0].name, size_MB=round(wheels[0].stat().st_size / 1e6, 2))
    return wheels[0]


@pytest.fixture(scope="module")
def student(tmp_path_factory, wheel: Path) -> dict[str, Path]:
    """A fresh venv with the wheel and its declared dependencies; a home, a work folder, kernel specs."""
    base = tmp_path_factory.mktemp("student")
    env_dir = base / "mlpc-env"
    venv.create(env_dir, with_pip=True, clear=True)
    python = env_dir / "bin" / "python"
    assert "include-system-site-packages = false" in (env_dir / "pyvenv.cfg").read_text()
    t0 = time.perf_counter()
    proc = subprocess.run([str(python), "-m", "pip", "install", "-q", str(wheel), TORCH], cwd=base,
                          capture_output=True, text=True, env=_clean_env(base))
    install_s = time.perf_counter() - t0
    assert proc.returncode == 0, f"pip install of {wheel.name} failed:\n{proc.stderr[-3000:]}"
    _record("install", seconds=round(install_s, 1), command=f"pip install {wheel.name} {TORCH}")
    guard = base / "netguard"
    guard.mkdir()
    (guard / "sitecustomize.py").write_text(SITECUSTOMIZE)
    home, work = base / "home", base / "work"
    home.mkdir()
    work.mkdir()
    kernels = base / "jupyter" / "kernels"
    for name, strict in (("journey-handout", "0"), ("journey-solution", "1")):
        (kernels / name).mkdir(parents=True)
        (kernels / name / "kernel.json").write_text(json.dumps({
            "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": name, "language": "python",
            "env": {"PYTHONPATH": str(guard), "HOME": str(home), "MLPC_CHECK_STRICT": strict,
                    "MLPC_JOURNEY_NET_LOG": str(base / "network.log"), "MPLBACKEND": "agg"}}))
    return {"base": base, "python": python, "home": home, "work": work, "jupyter": base / "jupyter",
            "guard": guard}


#: Variables of the developer's shell that a student's laptop does not have (the repository, caches, build modes).
FOREIGN_ENV = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "NUMBA_", "MLPC_", "COURSEBUILD_", "QUARTO_", "JUPYTER_")


def _clean_env(base: Path) -> dict[str, str]:
    """The caller's environment without anything that points into the repository or its caches."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(FOREIGN_ENV)}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def unchecked_values(week: int, printed: list[str]) -> list[str]:
    """The values of week ``week``'s registered checkpoints that no printed check result names."""
    from mlpc.checkpoints import CHECKPOINTS

    seen: set[tuple[str, str]] = set()
    for text in printed:
        key = text.split()[1]
        seen |= {(key, name) for name in re.findall(r"^[✓✗…] (\w+)", text, re.M)}
    return [f"{key}:{name}" for key, point in CHECKPOINTS.items() if key.split(".")[0] == str(week)
            for name in point.values if (key, name) not in seen]


def test_installed_package_is_the_wheel_not_the_repository(student, root):
    """The venv imports mlpc from its own site-packages, without the site build, and its doctor passes."""
    env = dict(_clean_env(student["base"]), PYTHONPATH=str(student["guard"]), HOME=str(student["home"]),
               MLPC_JOURNEY_NET_LOG=str(student["base"] / "network.log"))
    probe = ("import sys, mlpc, importlib.util; print(mlpc.__file__); "
             "print(importlib.util.find_spec('coursebuild') is None); print(any('" + str(root) + "' in p "
             "for p in sys.path))")
    out = subprocess.run([str(student["python"]), "-c", probe], cwd=student["work"], env=env,
                         capture_output=True, text=True, check=True).stdout.split()
    assert out[0].startswith(str(student["base"] / "mlpc-env")), out
    assert out[1:] == ["True", "False"], "the wheel must not contain the site build, nor see the repository"
    t0 = time.perf_counter()
    doctor = subprocess.run([str(student["python"]), "-m", "mlpc", "doctor"], cwd=student["work"], env=env,
                            capture_output=True, text=True)
    _record("doctor", seconds=round(time.perf_counter() - t0, 1))
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert "✗" not in doctor.stdout and "everything the exercises need works" in doctor.stdout


@pytest.mark.parametrize("kind", ["handout", "solution"])
@pytest.mark.parametrize("item", NOTEBOOKS, ids=[n[0] for n in NOTEBOOKS])
def test_notebook_runs_in_the_students_environment(student, site, root, item, kind, monkeypatch):
    _, stem, number = item
    folder = "handouts" if kind == "handout" else "solutions"
    path = site / folder / f"{stem}.ipynb"
    meta = json.loads((root / "_build" / "schedule-meta.json").read_text())  # the site build's release state
    published = kind == "handout" or meta["weeks"][str(number)]["solution_visible"]
    assert path.exists() is published, f"{path.name}: published={published} in this build, exists={path.exists()}"
    if not published:
        return  # an unreleased solution has no notebook (tests/test_student_notebooks.py checks the dates)
    notebook = nbformat.read(path, as_version=4)
    for key in [k for k in os.environ if k.startswith(FOREIGN_ENV)]:
        monkeypatch.delenv(key)  # kernels inherit this process's environment
    monkeypatch.setenv("JUPYTER_PATH", str(student["jupyter"]))
    client = NotebookClient(notebook, kernel_name=f"journey-{kind}", timeout=600,
                            resources={"metadata": {"path": str(student["work"])}})
    # a last cell reports the kernel's CPU time: wall time alone says little on a shared machine
    notebook.cells.append(nbformat.v4.new_code_cell("import os\nprint(sum(os.times()[:2]))"))
    t0 = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - t0
    cpu = float(notebook.cells.pop()["outputs"][0]["text"])
    _record(f"{folder}/{path.name}", seconds=round(seconds, 1), cpu_seconds=round(cpu, 1))
    net_log = student["base"] / "network.log"
    assert not net_log.exists(), f"{path.name} tried the network: {net_log.read_text()}"
    texts = ["".join(o.get("text", "")) for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    checks = [t for t in texts if t.startswith("Checkpoint ")]
    if kind == "solution":  # strict kernels raise on a miss; this also catches a check that printed nothing
        assert not any("✗" in t or "not computed yet" in t for t in checks), "\n".join(checks)
        calls = sum(c.source.count('check("') for c in notebook.cells if c.cell_type == "code")
        assert len(checks) == calls, f"{path.name}: {calls} check(...) calls, {len(checks)} printed a result"
        unchecked = unchecked_values(number, checks) if stem.startswith("week") else []  # a lab has no boxes
        assert not unchecked, (f"{path.name}: the handout's checkpoint boxes print values its solution never "
                               f"checks: {unchecked} (add them to a check(...) call of the solution)")
    assert seconds < BUDGET_S, (f"{path.name} ran {seconds:.0f} s ({cpu:.0f} s of CPU), over the {BUDGET_S:.0f} s "
                                "budget (CPU time far below wall time means a busy machine, not a slow notebook)")
