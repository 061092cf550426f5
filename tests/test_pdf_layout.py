"""Handout and solution PDFs that read: A4, no word printed over another, a first page that is not half empty.

Word boxes come from poppler's ``pdftotext -bbox`` (poppler-utils). Two words overprint when their boxes share
more than a quarter of the smaller box: text of one table column running into the next, a long identifier
over the cell beside it. Words of one line that merely touch do not count.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

A4_PT = (595.28, 841.89)
#: share of the smaller box two words may have in common before they count as overprinted
OVERLAP_SHARE = 0.25
#: on a PDF of several pages, page 1's text reaches at least this far down the page
FIRST_PAGE_FILL = 0.6

WORD_RE = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')
PAGE_RE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.S)


@dataclass(frozen=True)
class Word:
    x0: float
    y0: float
    x1: float
    y1: float
    text: str

    @property
    def area(self) -> float:
        return max(self.x1 - self.x0, 0.0) * max(self.y1 - self.y0, 0.0)


@dataclass
class Page:
    width: float
    height: float
    words: list[Word]


def read_pages(pdf: Path) -> list[Page]:
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [Page(float(w), float(h), [Word(*map(float, m.groups()[:4]), m.group(5)) for m in WORD_RE.finditer(body)])
            for w, h, body in PAGE_RE.findall(out)]


def overprinted(words: list[Word]) -> list[tuple[Word, Word]]:
    """Pairs of words whose boxes share more than OVERLAP_SHARE of the smaller one (sweep over y)."""
    ordered = sorted(words, key=lambda w: w.y0)
    pairs = []
    for i, a in enumerate(ordered):
        for b in ordered[i + 1:]:
            if b.y0 >= a.y1:
                break
            common = max(0.0, min(a.x1, b.x1) - max(a.x0, b.x0)) * max(0.0, min(a.y1, b.y1) - max(a.y0, b.y0))
            smaller = min(a.area, b.area)
            if a.text == b.text and common > 0.6 * max(a.area, b.area):
                continue  # one glyph cluster reported twice (a letter with a combining accent, e.g. l̄)
            if smaller > 0 and common > OVERLAP_SHARE * smaller:
                pairs.append((a, b))
    return pairs


def handout_pdfs(site: Path) -> list[Path]:
    pdfs = sorted((site / "pdf").glob("*-handout.pdf")) + sorted((site / "pdf").glob("*-solution.pdf"))
    if not pdfs:
        pytest.fail("no handout/solution PDFs in _site/pdf: build the site (`make site`) first")
    return pdfs


@pytest.fixture(scope="module")
def layouts(site) -> dict[str, list[Page]]:
    if not shutil.which("pdftotext"):
        pytest.fail("pdftotext is missing: install poppler-utils (`make deps` does)")
    return {pdf.name: read_pages(pdf) for pdf in handout_pdfs(site)}


def test_overlap_detection_finds_overprinted_words_and_ignores_neighbours():
    neighbours = [Word(0, 0, 20, 10, "left"), Word(20.5, 0, 40, 10, "right"), Word(0, 10, 30, 20, "below")]
    assert overprinted(neighbours) == []
    collided = [Word(0, 0, 50, 10, "a_very_long_identifier"), Word(40, 0, 60, 10, "next")]
    assert len(overprinted(collided)) == 1
    assert overprinted([Word(0, 0, 5, 10, "l̄"), Word(0, 0, 5, 10, "l̄")]) == [], "an accent reported twice"
    assert len(overprinted([Word(0, 0, 30, 10, "same"), Word(15, 0, 45, 10, "same")])) == 1


def test_every_handout_and_solution_pdf_is_a4(layouts):
    wrong = {name: (round(p.width), round(p.height)) for name, pages in layouts.items() for p in pages[:1]
             if abs(p.width - A4_PT[0]) > 1 or abs(p.height - A4_PT[1]) > 1}
    assert not wrong, f"not A4 (595 x 842 pt): {wrong}"


def test_no_word_overprints_another(layouts):
    found = []
    for name, pages in layouts.items():
        for number, page in enumerate(pages, 1):
            found += [f"{name} p.{number}: '{a.text}' and '{b.text}' at y={a.y0:.0f}"
                      for a, b in overprinted(page.words)]
    assert not found, f"{len(found)} overprinted words:\n" + "\n".join(found[:40])


def test_first_page_is_not_half_empty(layouts):
    short = {}
    for name, pages in layouts.items():
        if len(pages) > 1 and pages[0].words:
            reach = max(w.y1 for w in pages[0].words) / pages[0].height
            if reach < FIRST_PAGE_FILL:
                short[name] = f"text ends at {reach:.0%} of page 1"
    assert not short, f"first pages left mostly empty: {short}"


def test_title_block_has_no_stray_words_from_the_html_page(site):
    """The HTML page's date line links to the PDF (`… 17:45 · PDF`); in the PDF neither the link nor its `·` stays."""
    stray = {}
    for pdf in handout_pdfs(site):
        head = subprocess.run(["pdftotext", "-l", "1", str(pdf), "-"], capture_output=True, text=True,
                              check=True).stdout.splitlines()[:6]
        bad = [line for line in head if line.rstrip().endswith("·") or line.strip() == "PDF" or " PDF" in line]
        if bad:
            stray[pdf.name] = bad
    assert not stray, f"stray words in the title block: {stray}"
