"""coursebuild: the offline build engine of the ML-PC site.

Quarto is what the lecturer uses; it cannot be installed on the development and CI machines (its PyPI
package downloads a binary at install time). This package renders the same sources to the same URLs
with the engines Quarto itself drives: cells run in a Jupyter kernel (nbclient + ipykernel), documents
go through Pandoc (reveal.js 5.1.0 decks, HTML pages with the site navbar), and reveal.js and KaTeX are
copied into the site so that nothing is fetched from the network.

Entry point: ``python -m coursebuild --help``. The supported Quarto subset is written down in
``docs/quarto-subset.md``; anything outside it fails loudly with file and line.
"""

from coursebuild.errors import BuildError

__all__ = ["BuildError"]
