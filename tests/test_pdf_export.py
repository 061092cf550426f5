"""The PDFs of the built site: one page per slide for every deck, every handout and released solution exported,
and the deck-PDF cache is keyed on what decktape prints (HTML, figures, styles)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from coursebuild.pages import pdf_url
from coursebuild.pdf import deck_pdf_key, pdf_page_count, site_documents


def test_every_deck_pdf_has_one_page_per_slide(root, site):
    decks = [d for d in site_documents(root, site) if d["format"] == "revealjs"]
    assert len(decks) >= 13
    for deck in decks:
        html = (site / deck["output"]).read_text(encoding="utf-8")
        slides = len(re.findall(r"<section\b", html))
        pdf = site / "pdf" / Path(pdf_url(deck["output"])).name
        assert pdf.exists(), f"{deck['output']}: no PDF"
        assert pdf_page_count(pdf) == slides, f"{pdf.name}: {pdf_page_count(pdf)} pages for {slides} slides"


def test_every_handout_and_released_solution_has_a_pdf(root, site):
    pages = [d for d in site_documents(root, site) if d["format"] != "revealjs"]
    assert any(d["output"].startswith("handouts/") for d in pages)
    for page in pages:
        pdf = site / "pdf" / Path(pdf_url(page["output"])).name
        assert pdf.exists() and pdf_page_count(pdf) >= 1, page["output"]
    exported = {p.name for p in (site / "pdf").glob("*-solution.pdf")}
    built = {Path(pdf_url(d["output"])).name for d in pages if d["output"].startswith("solutions/")}
    assert exported == built, "a solution PDF exists exactly when its page is in this build"


def test_page_count_reads_plain_and_compressed_pdfs(tmp_path):
    import zlib

    plain = b"%PDF-1.4\n1 0 obj << /Type /Pages /Count 2 >> endobj\n2 0 obj << /Type /Page >> endobj\n" \
            b"3 0 obj << /Type /Page >> endobj\n%%EOF"
    (tmp_path / "plain.pdf").write_bytes(plain)
    body = zlib.compress(b"<< /Type /Page >> << /Type /Page >> << /Type /Page >> << /Type /Pages >>")
    head = b"5 0 obj << /Type /ObjStm /Filter /FlateDecode /Length " + str(len(body)).encode() + b" >>\nstream\n"
    packed = b"%PDF-1.7\n" + head + body + b"\nendstream\nendobj\n%%EOF"
    (tmp_path / "packed.pdf").write_bytes(packed)
    assert pdf_page_count(tmp_path / "plain.pdf") == 2
    assert pdf_page_count(tmp_path / "packed.pdf") == 3


def test_deck_pdf_key_changes_with_a_figure_and_nothing_else(tmp_path, root):
    site = tmp_path / "site"
    (site / "lectures" / "week01-x_files" / "figure-revealjs").mkdir(parents=True)
    (site / "styles").mkdir()
    (site / "lectures" / "week01-x.html").write_text("<section>one</section>")
    figure = site / "lectures" / "week01-x_files" / "figure-revealjs" / "fig-a-1.png"
    figure.write_bytes(b"png-1")
    (site / "styles" / "slides.css").write_text("h2 { font-size: 2em }")
    key = deck_pdf_key(root, site, "lectures/week01-x.html")
    copy = tmp_path / "copy"
    shutil.copytree(site, copy)
    assert deck_pdf_key(root, copy, "lectures/week01-x.html") == key, "same content, same key"
    figure.write_bytes(b"png-2")
    assert deck_pdf_key(root, site, "lectures/week01-x.html") != key
    figure.write_bytes(b"png-1")
    (site / "styles" / "slides.css").write_text("h2 { font-size: 3em }")
    assert deck_pdf_key(root, site, "lectures/week01-x.html") != key
