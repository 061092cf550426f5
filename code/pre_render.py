"""The project's pre-render step as ``_quarto.yml`` names it: ``pre-render: code/pre_render.py``.

A ``.py`` script, so Quarto runs it with the Python it found for Jupyter (``QUARTO_PYTHON`` or ``python3``;
``src/core/run/python.ts``), not with a ``python`` from PATH that may be missing or another interpreter. Run
as a file, its own folder (this checkout's ``code/``) comes first on ``sys.path``, so it imports this
checkout's ``coursebuild`` whatever else is installed. The work is :mod:`coursebuild.prerender`.
"""

import sys

from coursebuild.prerender import main

if __name__ == "__main__":
    sys.exit(main())
