"""The project's post-render step as ``_quarto.yml`` names it: ``post-render: code/post_render.py``.

Quarto runs it after every render (with the Python it found for Jupyter, like :mod:`pre_render`), and the
offline engine runs it after ``python -m coursebuild site``. The work is :mod:`coursebuild.postrender`:
the PDFs of a full render, the local KaTeX, and the default release state of the generated sources.
"""

import sys

from coursebuild.postrender import main

if __name__ == "__main__":
    sys.exit(main())
