"""Run the project's ``pre-render`` and ``post-render`` scripts exactly as Quarto does.

Quarto (``src/command/render/project.ts``, ``runScripts``) does not use a shell: it splits each command on
spaces (double quotes group, ``src/core/run/shell.ts``), and a script ending in ``.py`` runs with the Python
Quarto found for Jupyter (``src/core/run/python.ts``: ``QUARTO_PYTHON`` or ``python3``), never with whatever
``python`` is on PATH. Any other command is executed directly. The working directory is the project root;
the scripts see ``QUARTO_PROJECT_OUTPUT_DIR``, ``QUARTO_PROJECT_RENDER_ALL`` (only for a full render) and
``QUARTO_PROJECT_INPUT_FILES`` / ``QUARTO_PROJECT_OUTPUT_FILES``.

The offline engine runs the same commands through :func:`run_scripts`, with its own interpreter standing in
for the one Quarto found, so both paths run the same steps the same way.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from coursebuild.errors import BuildError

#: Set by the engine for its hook scripts (Quarto does not set it): the post-render exports with the engine.
ENGINE_VAR = "COURSEBUILD_ENGINE"


def parse_shell_run_command(command: str) -> list[str]:
    """Split ``command`` like Quarto's ``parseShellRunCommand``: spaces separate, ``"..."`` groups, no shell."""
    space = "{{space}}"
    while space in command:
        space += "&"
    grouped = re.sub(r'"([^"]*)"?', lambda m: m.group(1).replace(" ", space), command)
    return [part.replace(space, " ") for part in re.split(r" +", grouped)]


def script_argv(command: str, python: str = sys.executable) -> list[str]:
    """The argv Quarto runs for ``command``: ``.py`` scripts through ``python``, anything else as is."""
    args = parse_shell_run_command(command)
    if Path(args[0]).suffix.lower() == ".py":
        return [python, *args]
    return args


def scripts(config: dict, key: str) -> list[str]:
    """The ``project.<key>`` commands of a ``_quarto.yml`` mapping (a string or a list)."""
    value = config.get("project", {}).get(key, [])
    return [value] if isinstance(value, str) else list(value)


def run_scripts(root: Path, config: dict, key: str, env: dict[str, str]) -> None:
    """Run ``project.<key>`` of ``config`` in ``root`` with ``env`` added to this process's environment."""
    for command in scripts(config, key):
        print(f"{key}: {command}", flush=True)
        full_env = {**os.environ, **env, ENGINE_VAR: "offline", "QUARTO_PROJECT_DIR": str(root)}
        try:
            proc = subprocess.run(script_argv(command), cwd=root, env=full_env)
        except OSError as exc:
            raise BuildError(f"{key} command '{command}' could not start: {exc}", root / "_quarto.yml") from None
        if proc.returncode != 0:
            raise BuildError(f"{key} command failed ({proc.returncode}): {command}", root / "_quarto.yml")
