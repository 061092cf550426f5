"""Where the course teaches what: learning outcomes, lab possibilities and difficult topics -> weeks.

The texts of the learning outcomes (course page, section 1.4) and of the lab possibilities (section 1.5)
are kept verbatim; the week numbers are the course's own mapping. The render functions read the schedule
(:func:`coursebuild.schedule.load`) and link a week's deck (``lectures/<stem>.html``) and handout
(``handouts/<stem>.html``) only when the schedule lists them, so a link never points at a page that is
not built: a week with neither shows "Week N (in preparation)".

Used by ``index.qmd`` (outcomes, labs, course facts) and ``review.qmd`` (materials, difficult topics).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from coursebuild import release
from coursebuild.pages import esc, handout_url, pdf_url, slides_url, solution_url
from coursebuild.schedule import Schedule, Week, load


@dataclass(frozen=True)
class Mapping:
    """A text of the course page (or a review topic) and the weeks where it is taught, main week first.

    ``evidence`` holds one regular expression per week (same order as ``weeks``): what that week's deck or
    exercise source must contain for the link to be true (case-insensitive; ``tests/test_course_map.py``).
    """

    text: str
    weeks: tuple[int, ...]
    note: str = ""
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True)
class OptionalLab:
    """An optional lab notebook: its source and the week it builds on.

    The pre-render step splits ``source`` like an exercise into ``handouts/<name>.qmd`` and, once ``week``'s
    solution is released, ``solutions/<name>.qmd`` (each with its notebook); ``lab`` is the lab possibility it
    realises (1-based position in :data:`LAB_POSSIBILITIES`).
    """

    lab: int
    source: str
    week: int

    @property
    def stem(self) -> str:
        """``lab09-ebsd-patterns``: the name of its handout and solution pages and notebooks."""
        return Path(self.source).stem


#: Optional lab notebooks that realise a lab possibility no week's exercise covers.
OPTIONAL_LABS: tuple[OptionalLab, ...] = (
    OptionalLab(9, "exercises/lab09-ebsd-patterns.qmd", 4),
)


#: The seven learning outcomes (course page 1.4, verbatim) -> weeks that teach them, with the evidence.
LEARNING_OUTCOMES: tuple[Mapping, ...] = (
    Mapping("Interpret materials processing and characterization data as learning problems.", (1, 2, 3),
            evidence=(r"From physics-based to data-driven models", r"data formation", r"grouped|GroupKFold")),
    Mapping("Build ML pipelines for microstructure analysis, process prediction, and spectral data.",
            (4, 5, 7, 9, 10),
            evidence=(r"microstructure features", r"U-Net", r"surrogate", r"\bNMF\b", r"4D-STEM")),
    Mapping("Understand the physics of data formation to avoid common ML pitfalls.", (2, 3),
            evidence=(r"data formation", r"physics of the data")),
    Mapping("Evaluate generalization, robustness, and uncertainty in experimental ML models.", (3, 6, 7, 8, 11),
            evidence=(r"leakage", r"Transfer fails", r"Generalisation", r"robust", r"uncertaint")),
    Mapping("Apply Gaussian Processes and neural networks as surrogate models.", (11, 7, 12),
            evidence=(r"Gaussian Process", r"surrogate", r"monotone network")),
    Mapping("Integrate physical constraints into ML workflows.", (12, 8, 7),
            evidence=(r"penalty", r"monoton", r"Features with a physical meaning")),
    Mapping("Critically assess claims about ML in materials processing and characterization.", (3, 10, 13),
            evidence=(r"leakage", r"when not to reach for a transformer", r"honest split")),
)

#: The ten lab possibilities (course page 1.5, verbatim) -> weeks whose exercise (or deck) realises them.
LAB_POSSIBILITIES: tuple[Mapping, ...] = (
    Mapping("Microscopy datasets: noise, metadata, units, and artifacts.", (1, 2),
            evidence=(r"metadata", r"artefact|artifact")),
    Mapping("Fourier inspection of SEM/TEM images.", (2,), evidence=(r"Fourier",)),
    Mapping("Broken vs correct ML pipelines (data leakage case studies).", (3,), evidence=(r"flawed pipeline",)),
    Mapping("Feature extraction vs learned representations.", (4,), evidence=(r"features vs an MLP",)),
    Mapping("Fine-tuning pretrained CNNs on microstructures.", (6,), evidence=(r"fine-tun",)),
    Mapping("Process–property regression with uncertainty.", (11, 13), "GP vs ensembles; quantile intervals",
            evidence=(r"ensemble", r"quantile")),
    Mapping("GP-based process maps.", (11,), "a GP process map and constrained BO in the deck; the exercise fits it",
            evidence=(r"GP process map",)),
    Mapping("Spectral decomposition (NMF) of EELS/XRD data.", (9,), "EDS and XRD maps; EELS as the optional lab",
            evidence=(r"NMF of an EELS map",)),
    Mapping("ML-assisted autofocus or EBSD pattern classification.", (4,),
            "EBSD pattern classification as an optional lab (autofocus is not covered); Week 4 introduces EBSD",
            evidence=(r"EBSD",)),
    Mapping("Multi-modal fusion of images, spectra, and process parameters.", (13,),
            evidence=(r"Multi-modal data of one specimen",)),
)

#: Topics students find difficult -> where to revisit them (for the Week 14 review).
DIFFICULT_TOPICS: tuple[Mapping, ...] = (
    Mapping("Sampling, the Nyquist limit and aliasing in micrographs", (2,), evidence=(r"Nyquist",)),
    Mapping("Data leakage and grouped cross-validation (split by specimen or build, not by image)", (3,),
            evidence=(r"grouped|GroupKFold",)),
    Mapping("Receptive field: what a CNN (or an attention layer) can see", (5, 10),
            evidence=(r"receptive field", r"receptive field")),
    Mapping("Transfer learning with few labelled micrographs", (6,), evidence=(r"Transfer learning",)),
    Mapping("Surrogates from process signals: does the signal beat the nominal settings? Split by time and machine",
            (7,), evidence=(r"nominal \(P, v\)",)),
    Mapping("Ill-posed inverse problems: many process settings, one microstructure", (8,),
            evidence=(r"ill-posed",)),
    Mapping("Spectral unmixing with NMF: non-negativity, number of components", (9,), evidence=(r"non-negativ",)),
    Mapping("Attention, memory and when a transformer is the wrong tool", (10,), evidence=(r"memory",)),
    Mapping("Gaussian Process kernels and their hyperparameters; design questions with constraints", (11,),
            evidence=(r"length scale",)),
    Mapping("Physical constraints: penalty terms versus hard constraints; a misspecified law", (12,),
            evidence=(r"Wrong plateau|misspecified",)),
    Mapping("Honest comparisons: same model and budget, spread over seeds, the trivial baseline", (13, 3),
            evidence=(r"seeds", r"baseline")),
)


@dataclass(frozen=True)
class SelfTest:
    """A self-test question of one week and its answer (shown once the week's solution is released)."""

    week: int
    question: str
    answer: str


#: Self-test questions of Weeks 7–13 for the review (answers are released with the week's solution).
SELF_TESTS: tuple[SelfTest, ...] = (
    SelfTest(7, "A forest on photodiode features and a forest on the nominal (P, v) predict track porosity. "
                "What does the difference between their errors measure?",
             "What the signal adds beyond the settings: what the track did that its nominal settings did not fix "
             "(absorptivity scatter, keyhole collapses). If the two tie, the sensor earns nothing for this target."),
    SelfTest(8, "Why can a model with the lower RMSE outside the sampled box still be the riskier one?",
             "RMSE averages over all cubes; the decision counts false-safe settings. A model that carries the window "
             "into unsampled space can call failing cubes safe near its true edge."),
    SelfTest(9, "NMF of a raw EELS map gives components with cosine 0.99 to the truth. Why is that not yet success?",
             "The shared power-law background dominates every spectrum, so any mixture looks similar; score the "
             "abundances or subtract the background first."),
    SelfTest(10, "Naive attention at L = 4096 holds about 134 MB, Flash Attention about 1 MB. Same FLOPs?",
             "Yes: both compute the same 4 L² d products; the fused kernel never holds the L × L scores and "
             "weights at once (tiles and a running softmax)."),
    SelfTest(11, "Why is 'maximise density' a poor BO objective for LPBF, and what is a better one?",
             "Density saturates at 100 % over the whole window, so the optimum is flat and capped. Maximise the "
             "build rate subject to density ≥ a limit, with the probability of feasibility in the acquisition."),
    SelfTest(12, "A hybrid (law + residual) beats every network above the training range. What must you check "
                 "before believing it?",
             "Whether the data generator (or nature) follows exactly that law: refit with a misspecified plateau "
             "and a wrong form; a wrong form loses the lead entirely."),
    SelfTest(13, "Random folds give 28 MPa, leave-builds-out 30 MPa on one data seed. Is that a leak?",
             "Not on one seed: over five seeds the gap is −2 to +6 MPa, smaller than the scatter between seeds. "
             "Repeat over seeds with the same model and budget before naming an effect."),
)


@dataclass(frozen=True)
class Concept:
    """A node of the review's concept map: a short label, the week that teaches it, its place in the drawing.

    ``row`` counts from the top; ``column`` is 0 (left), 1 (right) or 0.5 (centre): the layout keeps most links
    between neighbouring rows, so that a phone-width drawing stays legible.
    """

    key: str
    label: str
    week: int
    row: int
    column: float


#: The concept map of the review page: one central concept per teaching week ...
CONCEPTS: tuple[Concept, ...] = (
    Concept("data", "Materials data\n(PSPP, noise)", 1, 0, 0),
    Concept("formation", "Physics of\ndata formation", 2, 0, 1),
    Concept("leakage", "Leakage,\ngrouped splits", 3, 1, 0),
    Concept("nmf", "Spectral\nunmixing (NMF)", 9, 1, 1),
    Concept("surrogate", "Signal\nsurrogates", 7, 2, 0),
    Concept("features", "Features vs\nlearned", 4, 2, 1),
    Concept("maps", "Inverse problems,\nprocess maps", 8, 3, 0),
    Concept("cnn", "CNNs,\nreceptive field", 5, 3, 1),
    Concept("gp", "GP uncertainty,\nBayesian opt.", 11, 4, 0),
    Concept("transfer", "Transfer with\nfew labels", 6, 4, 1),
    Concept("constraints", "Physical\nconstraints", 12, 5, 0),
    Concept("attention", "Attention,\ntransformers", 10, 5, 1),
    Concept("honest", "Honest comparison,\nexplanation", 13, 6, 0.5),
)

#: ... and how they build on each other: (from, relation, to), read "from — relation — to".
CONCEPT_LINKS: tuple[tuple[str, str, str], ...] = (
    ("data", "is made by instruments, explained by", "formation"),
    ("formation", "fixes the noise model (Poisson) of", "nmf"),
    ("formation", "names the non-physical cues (scale bars, gain) tested in", "honest"),
    ("data", "has few independent specimens, hence", "leakage"),
    ("leakage", "sets the split (by time, by machine) of", "surrogate"),
    ("leakage", "is re-tested over seeds, same model and budget, in", "honest"),
    ("features", "are learned from pixels by", "cnn"),
    ("cnn", "is reused with few labelled micrographs by", "transfer"),
    ("cnn", "sees locally; globally, with a memory cost:", "attention"),
    ("surrogate", "is the forward model searched in", "maps"),
    ("maps", "gain uncertainty and a design loop from", "gp"),
    ("maps", "use monotone limits, generalised in", "constraints"),
    ("gp", "says where the model is blind; extrapolation needs", "constraints"),
    ("nmf", "supplies spectra for the multi-modal fusion in", "honest"),
)


def concept_map_markdown() -> str:
    """The concept map as text (the figure's text equivalent): one line per link, with the weeks."""
    by_key = {c.key: c for c in CONCEPTS}

    def name(key: str) -> str:
        c = by_key[key]
        return f"**{c.label.replace(chr(10), ' ')}** (Week {c.week})"

    return "\n".join(f"{i}. {name(a)} — {rel} — {name(b)}"
                      for i, (a, rel, b) in enumerate(CONCEPT_LINKS, start=1)) + "\n"


def concept_map_figure(schedule: Schedule | None = None):
    """The concept map drawn (:func:`mlpc.figures.home.concept_map`), boxes coloured by the week's unit."""
    from mlpc.figures.home import concept_map

    schedule = schedule or load()
    units = {w.number: list(schedule.units).index(w.unit) + 1 for w in schedule.weeks}
    return concept_map([(c.key, c.label, c.week, c.row, c.column) for c in CONCEPTS],
                       [(a, b) for a, _, b in CONCEPT_LINKS], units)


def self_test_markdown(schedule: Schedule | None = None, when: dt.datetime | None = None,
                       mode: str | None = None) -> str:
    """Self-test questions by week; each answer appears once that week's solution is released."""
    schedule = schedule or load()
    when = when or release.now(schedule)
    lines = []
    for item in SELF_TESTS:
        week = schedule.week(item.week)
        shown = bool(week.slug) and release.solution_visible(week, when, mode or release.build_mode())
        answer = item.answer if shown else "answer released with the week's solution"
        lines.append(f"- **Week {item.week}.** {item.question}  \n  *Answer:* {answer}")
    return "\n".join(lines) + "\n"


def course_facts(schedule: Schedule | None = None) -> str:
    """``Summer semester 2026 · 5 ECTS · 2 h lecture + 2 h exercises per week`` from the schedule's course block."""
    course = (schedule or load()).course
    return f"{course['semester']} · {course['ects']} ECTS · {course['hours']}"


def week_links(week: Week, solution: bool = False, pdf: bool = False, when: dt.datetime | None = None,
               mode: str | None = None, schedule: Schedule | None = None, root: str = "") -> str:
    """Markdown for one week: ``Week N: [slides](…) · [exercise](…)``, only for what the schedule lists.

    A week with neither a deck nor an exercise gives ``Week N (in preparation)``. With ``pdf`` the PDF exports
    are linked too; with ``solution`` the solution is linked once :mod:`coursebuild.release` shows it. ``root`` is
    the path from the page to the site root (``"../"`` for a page in a folder such as ``handouts/``).
    """
    if not week.deck and not week.slug:
        return f"Week {week.number} (in preparation)"
    parts = []
    for url, text in ((slides_url(week), "slides"), (handout_url(week), "exercise")):
        if url is None:
            parts.append(f"{text} in preparation")
            continue
        parts.append(f"[{text}]({root}{url})" + (f" ([PDF]({root}{pdf_url(url)}))" if pdf else ""))
    if solution and week.slug:
        schedule = schedule or load()
        when = when or release.now(schedule)
        if release.solution_visible(week, when, mode or release.build_mode()):
            url = solution_url(week)
            parts.append(f"[solution]({root}{url})" + (f" ([PDF]({root}{pdf_url(url)}))" if pdf else ""))
    return f"Week {week.number}: " + " · ".join(parts)


def lab_links(lab: OptionalLab, schedule: Schedule, when: dt.datetime | None = None, mode: str | None = None,
              root: str = "") -> str:
    """``Optional lab: [notebook](handouts/lab….html)`` and its solution once its week's solution is released."""
    text = f"Optional lab: [handout and notebook]({root}handouts/{lab.stem}.html)"
    when = when or release.now(schedule)
    if release.solution_visible(schedule.week(lab.week), when, mode or release.build_mode()):
        text += f" · [solution]({root}solutions/{lab.stem}.html)"
    return text


def optional_labs_markdown(schedule: Schedule | None = None, when: dt.datetime | None = None,
                           mode: str | None = None) -> str:
    """Every optional lab: the lab possibility it realises, the week it builds on, its handout and solution."""
    schedule = schedule or load()
    lines = []
    for lab in OPTIONAL_LABS:
        text = LAB_POSSIBILITIES[lab.lab - 1].text
        links = lab_links(lab, schedule, when=when, mode=mode).removeprefix("Optional lab: ")
        lines.append(f"- *Lab {lab.lab}: {esc(text)}* (builds on Week {lab.week}) — {links}")
    return "\n".join(lines) + "\n"


def _mapped_list(items: tuple[Mapping, ...], schedule: Schedule, numbered: bool, root: str = "",
                 labs: dict[int, OptionalLab] | None = None) -> str:
    lines = []
    for i, item in enumerate(items, start=1):
        where = "; ".join(week_links(schedule.week(n), root=root) for n in item.weeks)
        if labs and i in labs:
            where = lab_links(labs[i], schedule, root=root) + "; " + where
        where_label = f"Where ({item.note})" if item.note else "Where"
        bullet = f"{i}." if numbered else "-"
        lines.append(f"{bullet} {item.text}  \n   *{where_label}:* {where}")
    return "\n".join(lines) + "\n"


def outcomes_markdown(schedule: Schedule | None = None) -> str:
    """The seven learning outcomes, numbered, each with links to the weeks that teach it."""
    return _mapped_list(LEARNING_OUTCOMES, schedule or load(), numbered=True)


def labs_markdown(schedule: Schedule | None = None, root: str = "") -> str:
    """The ten lab possibilities, each with links to the week's exercise and deck that realise it.

    ``root`` is the path from the page to the site root (``"../"`` from a handout).
    """
    return _mapped_list(LAB_POSSIBILITIES, schedule or load(), numbered=False, root=root,
                        labs={lab.lab: lab for lab in OPTIONAL_LABS})


def difficult_topics_markdown(schedule: Schedule | None = None) -> str:
    """The difficult topics of the review week, each with where to revisit it."""
    return _mapped_list(DIFFICULT_TOPICS, schedule or load(), numbered=False)


def buffer_text(schedule: Schedule | None = None) -> str:
    """The buffer week's description from the schedule (the course page's Week 14 text)."""
    schedule = schedule or load()
    week = next(w for w in schedule.weeks if w.buffer)
    return week.description or ""


def materials_markdown(schedule: Schedule | None = None, when: dt.datetime | None = None,
                       mode: str | None = None) -> str:
    """Every week's deck, handout, released solution and their PDFs, by unit (links only for listed files)."""
    schedule = schedule or load()
    lines, unit = [], None
    for w in schedule.weeks:
        if w.buffer:
            continue
        if w.unit != unit:
            unit = w.unit
            lines.append(f"\n**Unit {unit}: {esc(schedule.units[unit])}**\n")
        lines.append(f"- *{esc(w.title)}* — "
                     + week_links(w, solution=True, pdf=True, when=when, mode=mode, schedule=schedule))
    return "\n".join(lines).lstrip("\n") + "\n"
