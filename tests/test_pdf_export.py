"""The PDFs of the built site: one page per slide for every deck (16:9 at the deck's size, fragments collapsed,
footer and slide number on every page), a notes edition with a page of speaker notes after each slide that has
them, every handout and released solution exported, and the deck-PDF cache keyed on what the exporter prints
(HTML, figures, styles, edition, exporter)."""

from __future__ import annotations

import html as html_lib
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from coursebuild.pages import notes_pdf_url, pdf_url
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


def deck_slides(site: Path, rel_html: str) -> list[str]:
    """The HTML of each slide of a deck, in order (the title slide first)."""
    page = (site / rel_html).read_text(encoding="utf-8")
    return page.split("<section")[1:]


def pdf_pages_text(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return text.split("\f")[:-1]


def words(fragment_html: str) -> str:
    """Visible text of an HTML fragment, whitespace collapsed."""
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", fragment_html)).split())


def collapse(text: str) -> str:
    """Text without whitespace: line breaks and the spaces HTML tags leave behind do not matter."""
    return "".join(text.split())


@pytest.fixture(scope="module")
def decks(root, site) -> list[str]:
    found = [d["output"] for d in site_documents(root, site) if d["format"] == "revealjs"]
    assert len(found) >= 13
    return found


def test_every_deck_pdf_is_16_9_at_the_decks_size_with_footer_and_slide_number_on_every_page(site, decks):
    for deck in decks:
        pdf = site / "pdf" / Path(pdf_url(deck)).name
        info = subprocess.run(["pdfinfo", "-f", "1", "-l", "9999", str(pdf)], capture_output=True, text=True,
                              check=True).stdout
        sizes = {(float(w) * 4 / 3, float(h) * 4 / 3) for w, h in re.findall(r"size:\s+([\d.]+) x ([\d.]+) pts", info)}
        # reveal.js prints the 1280x720 slide plus its 6 % margin on a page of floor(1.06 * size) CSS px
        assert len(sizes) == 1, f"{pdf.name}: pages of different sizes {sizes}"
        width, height = sizes.pop()
        assert abs(width - 1356) < 1 and abs(height - 763) < 1, f"{pdf.name}: page of {width:.1f}x{height:.1f} px"
        deck_html = (site / deck).read_text(encoding="utf-8")
        footer = words(re.search(r'<div class="footer footer-default"><p>(.*?)</p>', deck_html).group(1))
        pages = pdf_pages_text(pdf)
        for n, text in enumerate(pages, 1):
            assert collapse(footer) in collapse(text), f"{pdf.name} page {n}: no footer '{footer}'"
            assert re.search(rf"\b{n}\s*/\s*{len(pages)}\b", text), f"{pdf.name} page {n}: no slide number {n} / …"


def test_a_printed_page_renders_at_the_size_of_the_browsers_slide(site, decks, tmp_path):
    pdf = site / "pdf" / Path(pdf_url(decks[0])).name
    subprocess.run(["pdftoppm", "-r", "96", "-png", "-f", "2", "-l", "3", str(pdf), str(tmp_path / "p")], check=True)
    from PIL import Image

    shots = sorted(tmp_path.glob("p-*.png"))
    assert len(shots) == 2
    for shot in shots:
        with Image.open(shot) as image:
            width, height = image.size
        assert abs(width - 1356) <= 1 and abs(height - 763) <= 1, f"{shot.name}: {width}x{height} px"
        assert abs(width / height - 1280 / 720) < 0.003, "16:9 as the slide in the browser"


def test_fragments_are_collapsed_onto_their_slides_page(site, decks):
    with_fragments = 0
    for deck in decks:
        slides = deck_slides(site, deck)
        pages = None
        for n, slide in enumerate(slides):
            fragments = re.findall(r'<(\w+)[^>]*class="[^"]*\bfragment\b[^"]*"[^>]*>(.*?)</\1>', slide, re.S)
            if not fragments:
                continue
            with_fragments += 1
            pages = pages or pdf_pages_text(site / "pdf" / Path(pdf_url(deck)).name)
            last = words(fragments[-1][1])
            assert collapse(last)[:40] in collapse(pages[n]), f"{deck} slide {n}: last fragment '{last}' missing"
    assert with_fragments >= 13, f"{with_fragments} slides build step by step: want a few per deck"


def test_every_deck_has_a_notes_edition_with_a_page_of_notes_after_each_slide_that_has_them(site, decks):
    for deck in decks:
        slides = deck_slides(site, deck)
        with_notes = [n for n, s in enumerate(slides) if '<aside class="notes">' in s]
        pdf = site / "pdf" / Path(notes_pdf_url(deck)).name
        assert pdf.exists(), f"{deck}: no notes edition"
        pages = pdf_pages_text(pdf)
        assert len(pages) == len(slides) + len(with_notes), f"{pdf.name}: {len(pages)} pages"
        n = with_notes[-1]
        note = words(re.search(r'<aside class="notes">(.*?)</aside>', slides[n], re.S).group(1))
        assert collapse(note)[:50] in collapse(pages[n + with_notes.index(n) + 1]), f"{pdf.name}: notes of slide {n}"


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
    assert deck_pdf_key(root, site, "lectures/week01-x.html", notes=True) != key, "the notes edition is its own PDF"
    figure.write_bytes(b"png-2")
    assert deck_pdf_key(root, site, "lectures/week01-x.html") != key
    figure.write_bytes(b"png-1")
    (site / "styles" / "slides.css").write_text("h2 { font-size: 3em }")
    assert deck_pdf_key(root, site, "lectures/week01-x.html") != key


def test_both_deck_pdfs_are_linked_from_the_title_slide_and_the_schedule(site, decks):
    schedule = (site / "schedule.html").read_text(encoding="utf-8")
    for deck in decks:
        title = (site / deck).read_text(encoding="utf-8").split("quarto-title-block", 1)[1].split("</section>", 1)[0]
        for url, text in ((pdf_url(deck), "PDF"), (notes_pdf_url(deck), "PDF with notes")):
            assert f'href="../{url}"' in title and f">{text}</a>" in title, f"{deck}: title slide lacks '{text}'"
            assert f'href="{url}"' in schedule, f"schedule: no link to {url}"
            assert (site / url).exists(), f"{url} is linked but was not exported"
    assert schedule.count(">PDF with notes</a>") == len(decks)
