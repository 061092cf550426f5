"""Week-9 figure helpers return figures with content, and the binning keeps Poisson counts' totals."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from mlpc.figures import week09_spectral as w9


def test_bin_channels_sums_counts():
    cube = np.arange(2 * 3 * 10).reshape(2, 3, 10)
    b = w9.bin_channels(cube, 4)
    assert b.shape == (2, 3, 2)
    assert b[0, 0, 0] == cube[0, 0, :4].sum()


def test_static_figures_have_axes_with_data():
    for fig in (w9.eds_peak_identification(), w9.xrd_peak_threshold()):
        assert isinstance(fig, Figure)
        assert all(ax.has_data() for ax in fig.axes)


def test_xrd_threshold_titles_report_more_peaks_at_lower_threshold():
    fig = w9.xrd_peak_threshold(seed=0, sigmas=(1.0, 5.0))
    n = [int(ax.get_title().split(": ")[1].split(" ")[0]) for ax in fig.axes]
    assert n[0] > n[1] > 0


# The numbers that the week-9 deck's alt text and notes and the exercise's "Expected" paragraphs state in
# prose, asserted with the tolerance the prose implies.

import pytest  # noqa: E402

from mlpc import low_rank, spectral  # noqa: E402
from mlpc.datasets.eds import eds_sem_tm002, eds_tem_fept  # noqa: E402
from mlpc.datasets.spectrum_images import score_decomposition, spectrum_image  # noqa: E402
from mlpc.datasets.xrd import xrd_pattern  # noqa: E402


@pytest.fixture(scope="module")
def steel_map():
    """The deck's and the exercise's 32 × 32 px ferrite + MnS + Al2O3 EDS map (seed 0), PCA and NMF."""
    si = spectrum_image(shape=(32, 32), kind="eds", n_phases=3, dose_counts_per_pixel=500.0,
                        correlation_length_px=4.0, seed=0)
    x = si.cube.reshape(-1, si.cube.shape[-1])
    pca = low_rank.pca(x, poisson_weighted=True, n_keep=6)
    nmf = spectral.nmf_poisson(x, 3, n_iter=300, seed=0)
    return si, x, pca, nmf


def test_tm002_alt_text_nine_named_peaks_and_one_unknown_near_3_kev():
    tm = eds_sem_tm002()
    ok = tm.energy_keV > 0.15
    peaks = spectral.find_spectral_peaks(tm.energy_keV[ok], tm.counts[ok], n_sigma=5.0)
    named = spectral.match_to_table(peaks.positions, spectral.eds_line_table(w9.TM002_ELEMENTS, (0.15, 10.0),
                                                                             min_weight=0.1), tolerance=0.06)
    assert sorted(named) == sorted(["C Ka", "Mn La", "Cu La", "Al Ka", "Si Ka", "Zr La", "Mn Ka", "Mn Kb", "Cu Ka"])
    unknown = [p for p in peaks.positions if min(abs(p - v) for v in named.values()) > 0.06]
    assert len(unknown) == 1 and 2.85 < unknown[0] < 3.1
    assert tm.energy_resolution_mn_ka_eV == pytest.approx(130.0)  # "~130 eV at Mn Kα", tolerance 60 eV ≈ half


def test_xrd_threshold_alt_text_over_200_noise_peaks_at_1_sigma_and_8_real_of_11_at_5_sigma():
    pat = xrd_pattern("duplex-steel", peak_counts=500.0, background_counts=100.0, seed=0)
    table = {**spectral.bragg_table("Fe-bcc"), **spectral.bragg_table("Fe-fcc")}
    loose, strict = (spectral.find_spectral_peaks(pat.two_theta_deg, pat.counts, n_sigma=n, window=9)
                     for n in (1.0, 5.0))
    assert len(loose.positions) > 200 and len(spectral.match_to_table(loose.positions, table, 0.3)) == len(table) == 11
    assert len(strict.positions) == 8 and len(spectral.match_to_table(strict.positions, table, 0.3)) == 8


def test_steel_map_deck_claims_two_components_pc_signs_nmf_cosines_kmeans(steel_map):
    si, x, pca, nmf = steel_map
    edge = low_rank.marchenko_pastur_edge(pca.n_samples, pca.n_features)
    assert low_rank.n_signal_components(pca.eigenvalues, edge) == 2  # "two components above the edge"
    neg = spectral.negative_fraction(pca.components[:3])  # alt text: 62, 47, 48 %
    assert 0.57 < neg[0] < 0.67 and np.all((0.42 < neg[1:]) & (neg[1:] < 0.53))
    # PC1: O Kα and Al Kα up, Fe Lα/Kα, S Kα, Mn Kα down (Al2O3 against ferrite and MnS)
    at = {e: pca.components[0][np.argmin(abs(si.axis - e))] for e in (0.525, 1.486, 0.705, 6.404, 2.307, 5.899)}
    assert at[0.525] > 0 and at[1.486] > 0 and all(at[e] < 0 for e in (0.705, 6.404, 2.307, 5.899))
    score = score_decomposition(nmf.components, si.endmembers, nmf.abundances, si.abundances.reshape(-1, 3))
    assert np.all(np.array(score.cosine) >= 0.999) and 0.02 < score.abundance_rmse < 0.03  # "≈ 0.025"
    labels = spectral.kmeans_labels(pca.scores[:, :2], 3, seed=0)
    assert 0.98 <= spectral.matched_accuracy(labels, si.phase_map) < 0.99  # alt text "98.4 %", CYU "98 %"
    lines = spectral.eds_line_table(("O", "Al", "S", "Mn", "Fe"), (0.3, 10.0), min_weight=0.1)
    mns = nmf.components[score.assignment[1]]
    pk = spectral.find_spectral_peaks(si.axis, mns * 1e5, n_sigma=5.0, window=0)
    strongest = pk.positions[np.argsort(pk.prominences)[::-1][:3]]
    assert "Fe Ln" in spectral.match_to_table(strongest, lines, 0.06)  # the exercise's misnamed Mn Lα


def test_denoising_alt_text_pixel_0_is_al2o3_with_about_500_counts_and_smoothing_lowers_its_peak(steel_map):
    si, x, _, _ = steel_map
    assert si.abundances.reshape(-1, 3)[0].argmax() == 2 and 400 < x[0].sum() < 600
    truth = si.dose_counts_per_pixel * si.abundances[0, 0] @ si.endmembers  # noise-free spectrum of pixel 0
    pca = spectral.pca_denoise(x, 2)[0]
    smoothed = (spectral.savgol_filter(x[0].astype(float), 11, 2), spectral.anscombe_savgol(x[0], 11, 2))
    assert all(v.max() < 0.8 * truth.max() for v in smoothed)  # Savitzky–Golay lowers the lines ...
    assert np.sqrt(np.mean((pca - truth) ** 2)) < 0.5 * np.sqrt(np.mean((x[0] - truth) ** 2))  # ... PCA does not
    assert pca.max() > 0.9 * truth.max()


def test_fept_task1_expected_sixteen_peaks_four_unnamed():
    fept = eds_tem_fept()
    ok = fept.energy_keV > 0.15
    peaks = spectral.find_spectral_peaks(fept.energy_keV[ok], fept.counts[ok], n_sigma=5.0)
    table = spectral.eds_line_table(("C", "O", "Si", "Fe", "Cu", "Pt"), (0.15, 20.0), min_weight=0.1)
    named = spectral.match_to_table(peaks.positions, table, tolerance=0.08)
    unnamed = [p for p in peaks.positions if min(abs(p - v) for v in named.values()) > 0.08]
    assert len(peaks.positions) == 16
    np.testing.assert_allclose(unnamed, [1.61, 2.33, 2.75, 12.95], atol=0.01)
    assert {"Fe Ka", "Fe Kb", "Fe La", "Pt Ma", "Pt La", "Pt Lb1", "Cu Ka", "Cu La", "Cu Kb"} <= set(named)


def test_alsicu_task4_expected_theta_not_unique_despite_pure_pixels():
    a = spectrum_image(shape=(32, 32), kind="eds", system="al-si-cu", dose_counts_per_pixel=500,
                       correlation_length_px=4.0, seed=1)
    truth = a.abundances.reshape(-1, 3)
    assert (truth[:, 2] > 0.99).sum() >= 24  # "dozens of pixels with more than 99 % θ"
    runs = [spectral.nmf_poisson(a.cube, k=3, n_iter=300, seed=s) for s in (0, 1)]
    scores = [score_decomposition(r.components, a.endmembers, r.abundances, truth) for r in runs]
    assert all(min(s.cosine[:2]) > 0.995 for s in scores)  # α-Al and Si found
    assert 0.78 < scores[0].cosine[2] < 0.88 and 0.08 < scores[0].abundance_rmse < 0.10  # "≈ 0.83", "≈ 0.09"
    assert abs(scores[1].cosine[2] - scores[0].cosine[2]) > 0.05  # another seed, another θ ...
    assert abs(runs[1].divergence[-1] / runs[0].divergence[-1] - 1) < 1e-3  # ... at the same fit quality


def test_xrd_map_task4_expected_all_phases_found():
    xm = spectrum_image(shape=(32, 32), kind="xrd", dose_counts_per_pixel=2000, correlation_length_px=4.0, seed=2)
    r = spectral.nmf_poisson(xm.cube, k=3, n_iter=300, seed=0)
    s = score_decomposition(r.components, xm.endmembers, r.abundances, xm.abundances.reshape(-1, 3))
    assert np.all(np.array(s.cosine) > 0.999) and 0.01 < s.abundance_rmse < 0.03  # "≈ 0.02"


def test_week09_optional_eels_lab_background_subtraction_halves_the_abundance_error():
    """Week 9 exercise, optional EELS lab: raw NMF cosine ≈ 0.99 but abundance RMSE ≈ 0.19; after per-pixel
    power-law subtraction the RMSE roughly halves (≈ 0.10)."""
    import numpy as np

    from mlpc import spectral
    from mlpc.datasets.eels import eels_spectrum, fit_power_law
    from mlpc.datasets.spectrum_images import abundance_maps, score_decomposition

    ends = [eels_spectrum(edges=e, energy_range_eV=(420.0, 760.0), dispersion_eV=1.0,
                          background_counts_at_start=400.0, seed=0)
            for e in ({"Ti_L23": 1.0, "O_K": 0.5}, {"Fe_L23": 1.5, "O_K": 0.6})]
    E = np.stack([s.expected_counts for s in ends])
    A = abundance_maps((24, 24), n_phases=2, seed=3).reshape(-1, 2)
    cube = np.random.default_rng(0).poisson(A @ E).astype(float)
    loss = ends[0].energy_loss_eV
    pre = (loss >= 420) & (loss < 450)
    raw = spectral.nmf_poisson(cube, k=2, n_iter=300, seed=0)
    s_raw = score_decomposition(raw.components, E, raw.abundances, A)
    shape = loss ** -fit_power_law(loss, cube.mean(0), (420.0, 450.0))[1]

    def sub(c):
        return np.clip(c - (c[..., pre].sum(-1) / shape[pre].sum())[..., None] * shape, 0, None)

    fit = spectral.nmf_poisson(sub(cube), k=2, n_iter=300, seed=0)
    s_sub = score_decomposition(fit.components, sub(E), fit.abundances, A)
    assert s_raw.mean_cosine > 0.98 and 0.15 < s_raw.abundance_rmse < 0.23
    assert min(s_sub.cosine) >= 0.99 and 0.07 < s_sub.abundance_rmse < 0.13
    assert s_sub.abundance_rmse < 0.6 * s_raw.abundance_rmse
    ratios = []  # "repeated on five maps (abundance seeds 3–7, noise seeds 0–4): 0.45–0.54 of the raw RMSE"
    for k in range(5):
        A = abundance_maps((24, 24), n_phases=2, seed=3 + k).reshape(-1, 2)
        cube = np.random.default_rng(k).poisson(A @ E).astype(float)
        raw = spectral.nmf_poisson(cube, k=2, n_iter=300, seed=0)
        shape = loss ** -fit_power_law(loss, cube.mean(0), (420.0, 450.0))[1]
        fit = spectral.nmf_poisson(sub(cube), k=2, n_iter=300, seed=0)
        ratios.append(score_decomposition(fit.components, sub(E), fit.abundances, A).abundance_rmse
                      / score_decomposition(raw.components, E, raw.abundances, A).abundance_rmse)
    assert (round(min(ratios), 2), round(max(ratios), 2)) == (0.45, 0.54)


def test_lab6_peaks_sit_at_bragg_and_give_the_instrument_resolution():
    """Week 9 LaB6 slide: 19 Kα1 peaks named within 0.02° of Bragg (a = 0.41569 nm); FWHM ≈ 0.07° at 30° and
    ≈ 0.09° at 120° (alt text: 0.06–0.07° up to 90°, ≈ 0.15° at 150°; 100 peak ≈ 0.10°)."""
    from pathlib import Path

    import numpy as np

    from mlpc import spectral
    from mlpc.datasets.real_xrd import lab6_bragg_deg, load_lab6

    pat = load_lab6()
    assert len(pat.counts) == 17381 and 4.5 < pat.two_theta_deg[0] < 4.7
    res = spectral.instrument_resolution(pat.two_theta_deg, pat.counts, lab6_bragg_deg())
    assert len(res.hkl) == 19 and res.hkl[:3] == ("100", "110", "111")
    assert np.all(np.abs(res.two_theta_deg - res.bragg_deg) < 0.02)
    w30, w120 = res.fwhm_at([30.0, 120.0])
    assert 0.06 < w30 < 0.075 and 0.085 < w120 < 0.1
    assert 0.14 < res.fwhm_deg[-1] < 0.17 and 0.09 < res.fwhm_deg[0] < 0.11
    mid = (res.two_theta_deg > 30) & (res.two_theta_deg < 90)
    assert np.all((res.fwhm_deg[mid] > 0.05) & (res.fwhm_deg[mid] < 0.075))
    assert isinstance(w9.lab6_resolution_figure(), Figure)
    with pytest.raises(FileNotFoundError, match="xrd-lab6"):
        load_lab6(Path("/nonexistent/xrd-lab6/LaB6.xye.bz2"))


def test_denoising_line_over_five_maps():
    """Deck line under the denoising figure: over seeds 0–4, RMSE per channel raw 0.99–1.01, SG 0.94–1.03,
    Anscombe + SG 0.85–0.91, PCA 0.20; SG worse than raw on at least one map, PCA about five times better."""
    from mlpc.figures import week09_spectral as w9

    r = w9.denoising_seed_study()
    rng = {k: (round(v.min(), 2), round(v.max(), 2)) for k, v in r.items()}
    assert rng["raw counts"] == (0.99, 1.01) and rng["Savitzky–Golay (11, 2)"] == (0.94, 1.03)
    assert rng["Anscombe + SG"] == (0.85, 0.91) and rng["PCA: mean + 2 PCs"] == (0.2, 0.2)
    assert (r["Savitzky–Golay (11, 2)"] > r["raw counts"]).any()
    assert (r["raw counts"] / r["PCA: mean + 2 PCs"]).min() > 4.5
