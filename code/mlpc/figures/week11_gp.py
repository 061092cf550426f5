"""Week 11 figures: aleatoric vs epistemic uncertainty, Gaussian processes and Bayesian optimisation for LPBF.

Data: LPBF 316L relative density over laser power (W) and scan speed (mm/s) from
:mod:`mlpc.datasets.process` (porosity trend after Gong et al. 2014 and King et al. 2014, Archimedes noise
σ = 0.15 %), and repeat Vickers indents from :func:`mlpc.datasets.tabular.process_property_table`
(σ = 4 HV repeatability). Models: :mod:`mlpc.uncertainty` (GP after Rasmussen & Williams 2006; expected
improvement after Jones et al. 1998). Numbers on slides come from the ``*_markdown`` functions here.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure

from mlpc import uncertainty as unc
from mlpc.datasets import process as pr
from mlpc.datasets.tabular import process_property_table
from mlpc.plotting import OKABE_ITO, close, label, new_figure

POWER_1D_W = 200.0
NOISE_PCT = 0.15
SPEEDS = np.linspace(100.0, 3000.0, 300)


def measure_density(power_W, speed_mm_s, rng: np.random.Generator) -> np.ndarray:
    """One Archimedes measurement of relative density (%) at (P, v): model + N(0, 0.15 %), capped at 100 %."""
    true = pr.relative_density_model(power_W, speed_mm_s)
    return np.minimum(true + rng.normal(0, NOISE_PCT, np.shape(true)), 100.0)


@functools.cache
def line_data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Twelve cubes at 200 W: six at 200–700 mm/s, six at 1500–2000 mm/s; a gap between, nothing above."""
    rng = np.random.default_rng(seed)
    v = np.sort(np.r_[rng.uniform(200.0, 700.0, 6), rng.uniform(1500.0, 2000.0, 6)])
    return v, measure_density(POWER_1D_W, v, rng)


def line_inputs(speed_mm_s) -> np.ndarray:
    """GP input of the 1D examples: ln(v / (mm/s)) as a column. Density changes over a *factor* in speed
    (energy per length ∝ P/v), so ln v makes the response closer to stationary than v itself."""
    return np.log(np.asarray(speed_mm_s, dtype=float)).reshape(-1, 1)


@functools.cache
def line_gp(seed: int = 0):
    """GP on :func:`line_data` in ln v: the length scale is a relative change of speed (ℓ = 0.5 ≈ ×1.6)."""
    v, y = line_data(seed)
    return unc.fit_gp(line_inputs(v), y, length_scale=0.3, length_scale_bounds=(0.01, 10.0), seed=seed)


def aleatoric_vs_epistemic(seed: int = 0) -> Figure:
    """Left: repeat indents per specimen (aleatoric scatter). Right: GP band narrow at data, wide in the gap."""
    data = process_property_table(n_builds=1, specimens_per_build=6, indents_per_specimen=5, seed=seed)
    f = data.frame
    fig, (a, b) = new_figure(2)
    spec = f.groupby(["power_W", "speed_mm_s"], sort=False).ngroup().to_numpy()
    a.plot(spec + 1, f["hardness_HV"], "o", color=OKABE_ITO[0], alpha=0.8)
    means = f.groupby(spec)["hardness_HV"].mean()
    a.plot(means.index + 1, means.to_numpy(), "_", color="k", ms=30, mew=3)
    a.set(xlabel="specimen", ylabel=label("hardness", "HV"), title="repeat indents: aleatoric")
    gp = line_gp(seed)
    v, y = line_data(seed)
    mu, sd_e = unc.gp_predict(gp, line_inputs(SPEEDS), include_noise=False)
    b.fill_between(SPEEDS, mu - 2 * sd_e, mu + 2 * sd_e, color=OKABE_ITO[4], alpha=0.4, label="±2σ epistemic")
    b.plot(SPEEDS, pr.relative_density_model(POWER_1D_W, SPEEDS), "k--", lw=1.5, label="truth")
    b.plot(SPEEDS, mu, color=OKABE_ITO[0], label="GP mean")
    b.plot(v, y, "o", color=OKABE_ITO[5], label="cubes")
    b.set(xlabel=label("scan speed", "mm/s"), ylabel=label("relative density", "%"), ylim=(88, 104),
          title="no data: epistemic")
    b.legend(loc="lower left", fontsize=12)
    return close(fig)


def uncertainty_markdown(seed: int = 0) -> str:
    """Repeat-indent std vs the GP's noise std and its epistemic std at 2500 mm/s."""
    f = process_property_table(n_builds=1, specimens_per_build=6, indents_per_specimen=5, seed=seed).frame
    within = f.groupby(["power_W", "speed_mm_s"])["hardness_HV"].std().mean()
    gp = line_gp(seed)
    hp = unc.gp_hyperparameters(gp)
    _, sd_in = unc.gp_predict(gp, line_inputs([500.0]), include_noise=False)
    _, sd_gap = unc.gp_predict(gp, line_inputs([1100.0]), include_noise=False)
    _, sd_out = unc.gp_predict(gp, line_inputs([2800.0]), include_noise=False)
    return (f"- Repeat indents: mean within-specimen std **{within:.1f} HV** (more data does not shrink it)\n"
            f"- GP noise std (WhiteKernel): **{hp['noise_std']:.2f} %** density (true 0.15 %)\n"
            f"- Epistemic std: **{sd_in[0]:.2f} %** at 500 mm/s (data), **{sd_gap[0]:.2f} %** at 1100 mm/s "
            f"(gap), **{sd_out[0]:.2f} %** at 2800 mm/s (beyond)\n")


def gp_samples(seed: int = 0) -> Figure:
    """Prior samples of the fitted kernel vs posterior samples after ten cubes at 200 W."""
    gp = line_gp(seed)
    v, y = line_data(seed)
    fig, axes = new_figure(2, sharey=True)
    prior = unc.GaussianProcessRegressor(gp.kernel_, optimizer=None, normalize_y=False)
    ym = float(np.mean(y))
    draws = [prior.sample_y(line_inputs(SPEEDS), 5, random_state=seed) * gp._y_train_std + ym,
             gp.sample_y(line_inputs(SPEEDS), 5, random_state=seed)]
    for ax, d, title in zip(axes, draws, ("prior: before any cube", "posterior: after 12 cubes"), strict=True):
        ax.plot(SPEEDS, d, lw=1.6, alpha=0.9)
        ax.set(xlabel=label("scan speed", "mm/s"), title=title, ylim=(88, 104))
    axes[1].plot(v, y, "ko", ms=7)
    axes[0].set_ylabel(label("relative density", "%"))
    return close(fig)


TOO_SHORT, TOO_LONG = 0.05, 5.0
"""Length scales in ln v for the "too short" (±5 % in speed) and "too long" (a factor 150) panels."""


def length_scale_effect(seed: int = 0) -> Figure:
    """Fixed length scales in ln v of 0.05 and 5 around the fitted one, on the same twelve cubes."""
    v, y = line_data(seed)
    fitted = float(unc.gp_hyperparameters(line_gp(seed))["length_scale"][0])
    fig, axes = new_figure(3, sharey=True)
    for ax, ls, name in zip(axes, (TOO_SHORT, fitted, TOO_LONG), ("too short", "fitted", "too long"),
                            strict=True):
        gp = line_gp(seed) if ls == fitted else unc.fit_gp(line_inputs(v), y, length_scale=ls, noise_level=0.01,
                                                           optimize=False, seed=seed)
        mu, sd = unc.gp_predict(gp, line_inputs(SPEEDS))
        ax.fill_between(SPEEDS, mu - 2 * sd, mu + 2 * sd, color=OKABE_ITO[4], alpha=0.4)
        ax.plot(SPEEDS, mu, color=OKABE_ITO[0])
        ax.plot(v, y, "o", color=OKABE_ITO[5])
        ax.set_xscale("log")
        ax.set_xticks([100, 300, 1000, 3000], ["100", "300", "1000", "3000"])
        ax.minorticks_off()
        ax.set(xlabel=label("speed, log axis", "mm/s"), title=f"ℓ = {ls:.2g} ({name})", ylim=(88, 104))
    axes[0].set_ylabel(label("relative density", "%"))
    return close(fig)


@functools.cache
def map_data(n: int = 40, seed: int = 0):
    """``n`` scattered cubes from :func:`mlpc.datasets.process.process_experiments` and a 2D GP on them in
    (ln P, ln v): the regime boundaries (E_v ∝ P/v, ΔH/h_s ∝ P/√v, L/W ∝ √(P v)) are straight lines there."""
    df = pr.process_experiments(n_points=n, seed=seed)
    X = df[["power_W", "speed_mm_s"]].to_numpy()
    y = df["relative_density_pct"].to_numpy()
    return X, y, unc.fit_gp(np.log(X), y, length_scale=(0.3, 0.3), length_scale_bounds=(0.01, 10.0), seed=seed)


def gp_map(seed: int = 0) -> Figure:
    """GP mean and std of relative density over the P–v plane; the std is low where cubes were built."""
    X, y, gp = map_data(seed=seed)
    p, v = np.linspace(50, 400, 50), np.linspace(100, 3000, 60)
    pp, vv = np.meshgrid(p, v, indexing="ij")
    mu, sd = unc.gp_predict(gp, np.log(np.c_[pp.ravel(), vv.ravel()]), include_noise=False)
    fig, (a, b) = new_figure(2)
    for ax, z, title, kw in ((a, mu, "GP mean density (%)", {"vmin": 85, "vmax": 100}),
                             (b, sd, "GP epistemic std (%)", {})):
        im = ax.pcolormesh(vv, pp, z.reshape(pp.shape), shading="auto", **kw)
        ax.plot(X[:, 1], X[:, 0], "o", mfc="w", mec="k", ms=6)
        ax.set(xlabel=label("scan speed", "mm/s"), ylabel=label("laser power", "W"), title=title)
        fig.colorbar(im, ax=ax)
    return close(fig)


def map_markdown(seed: int = 0) -> str:
    """Fitted 2D length scales (in ln P and ln v, read as factors e^ℓ) and the noise std."""
    hp = unc.gp_hyperparameters(map_data(seed=seed)[2])
    lp, lv = hp["length_scale"]
    return (f"- Fitted length scales: **ℓ = {lp:.2f} in ln P** (a factor {np.exp(lp):.1f} in power), "
            f"**{lv:.2f} in ln v** (a factor {np.exp(lv):.1f} in speed)\n"
            f"- Noise std (WhiteKernel): **{hp['noise_std']:.2f} %**; signal std **{hp['signal_std']:.1f} %**\n")


CAND_P = np.linspace(50.0, 400.0, 30)
CAND_V = np.linspace(100.0, 3000.0, 40)
HATCH_MM, LAYER_MM = 0.1, 0.03
DENSITY_LIMIT_PCT = 99.0
"""The design question: the highest build rate v·h·t with relative density ≥ 99 % (hatch 100 µm, layer 30 µm)."""
N_INIT, N_ITER = 5, 20


def build_rate_cm3_h(speed_mm_s) -> np.ndarray:
    """Volume build rate v·h·t of one laser, converted from mm³/s to cm³/h (× 3.6)."""
    return np.asarray(speed_mm_s, dtype=float) * HATCH_MM * LAYER_MM * 3.6


@functools.cache
def design_candidates() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The 30 × 40 grid of machine settings (P, v), their build rates and their noise-free densities."""
    pp, vv = np.meshgrid(CAND_P, CAND_V, indexing="ij")
    X = np.c_[pp.ravel(), vv.ravel()]
    return X, build_rate_cm3_h(X[:, 1]), pr.relative_density_model(X[:, 0], X[:, 1])


def design_optimum() -> tuple[float, float, float]:
    """The answer on the grid, from the generator's noise-free density: (build rate cm³/h, P W, v mm/s)."""
    X, rate, truth = design_candidates()
    ok = np.flatnonzero(truth >= DENSITY_LIMIT_PCT)
    i = ok[np.argmax(rate[ok])]
    return float(rate[i]), float(X[i, 0]), float(X[i, 1])


@functools.cache
def design_bo(seed: int = 0) -> unc.ConstrainedBOHistory:
    """One campaign: 5 random cubes, then 20 chosen by constrained EI with a GP on (ln P, ln v); density is
    measured with 0.15 % Archimedes noise and clipped at 95 % for the GP."""
    X, rate, _ = design_candidates()
    rng = np.random.default_rng(seed + 100)
    return unc.constrained_bayes_opt(lambda i: float(measure_density(X[i, 0], X[i, 1], rng)), np.log(X), rate,
                                     DENSITY_LIMIT_PCT, n_init=N_INIT, n_iter=N_ITER, floor=95.0, seed=seed)


def design_random(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Random search with the same budget on the same grid: candidate indices and measured densities."""
    X, _, _ = design_candidates()
    rng = np.random.default_rng(seed + 200)
    idx = rng.choice(len(X), N_INIT + N_ITER, replace=False)
    return idx, measure_density(X[idx, 0], X[idx, 1], rng)


@dataclass(frozen=True)
class DesignStudy:
    """Per seed (rows) and experiment (columns): the best build rate among cubes whose *true* density meets
    the limit (the score; only a synthetic benchmark knows it) for BO and random search; and the true
    density of the lab's pick after the last cube (the fastest cube *measured* ≥ the limit)."""

    seeds: tuple[int, ...]
    bo: np.ndarray
    random: np.ndarray
    bo_pick_true_density: np.ndarray
    random_pick_true_density: np.ndarray


def _pick_true_density(idx, measured, rate, truth) -> float:
    ok = np.flatnonzero(np.asarray(measured) >= DENSITY_LIMIT_PCT)
    return float(truth[idx[ok[np.argmax(rate[idx][ok])]]]) if len(ok) else float("nan")


@functools.cache
def design_study(seeds: tuple[int, ...] = tuple(range(10))) -> DesignStudy:
    """Constrained BO against random search over ``seeds`` (same grid, budget and noise model)."""
    _, rate, truth = design_candidates()
    bo, rnd, pb, pr_ = [], [], [], []
    for s in seeds:
        h = design_bo(s)
        bo.append(unc.best_feasible_so_far(rate[h.index], truth[h.index], DENSITY_LIMIT_PCT))
        pb.append(_pick_true_density(h.index, h.measured, rate, truth))
        idx, meas = design_random(s)
        rnd.append(unc.best_feasible_so_far(rate[idx], truth[idx], DENSITY_LIMIT_PCT))
        pr_.append(_pick_true_density(idx, meas, rate, truth))
    return DesignStudy(tuple(seeds), np.array(bo), np.array(rnd), np.array(pb), np.array(pr_))


def bo_acquisition(iterations=(1, 5, 20), seed: int = 0) -> Figure:
    """Constrained EI over (P, v) at three iterations, the cubes so far, the next pick and the true 99 % line."""
    h = design_bo(seed)
    X, _, truth = design_candidates()
    shape = (len(CAND_P), len(CAND_V))
    fig, axes = new_figure(len(iterations), sharey=True)
    for ax, it in zip(axes, iterations, strict=True):
        a = np.where(np.isfinite(h.acquisition[it - 1]), h.acquisition[it - 1], 0.0).reshape(shape)
        ax.pcolormesh(CAND_V, CAND_P, a, shading="auto", cmap="magma")
        ax.contour(CAND_V, CAND_P, truth.reshape(shape), [DENSITY_LIMIT_PCT], colors=[OKABE_ITO[1]],
                   linewidths=2, linestyles="--")
        n = h.n_init + it - 1
        ax.plot(X[h.index[:n], 1], X[h.index[:n], 0], "o", mfc="w", mec="k", ms=6)
        ax.plot(X[h.index[n], 1], X[h.index[n], 0], "*", color=OKABE_ITO[2], ms=20, mec="k")
        ax.set(xlabel=label("speed", "mm/s"), title=f"iteration {it}")
    axes[0].set_ylabel(label("laser power", "W"))
    return close(fig)


def bo_convergence(study: DesignStudy) -> Figure:
    """Best truly-feasible build rate vs experiment number: median and interquartile band over seeds for
    constrained BO and random search, with the grid's optimum."""
    fig, ax = new_figure(size=(11.0, 4.6))
    x = np.arange(1, study.bo.shape[1] + 1)
    for runs, name, style, color in ((study.bo, "GP + constrained EI", "-o", OKABE_ITO[0]),
                                     (study.random, "random search", "--s", OKABE_ITO[1])):
        q1, med, q3 = np.percentile(runs, [25, 50, 75], axis=0)
        ax.fill_between(x, q1, q3, color=color, alpha=0.25)
        ax.plot(x, med, style, color=color, ms=5, label=f"{name} (median, IQR band)")
    ax.axvline(N_INIT + 0.5, color="0.5", lw=1)
    ax.axhline(design_optimum()[0], color=OKABE_ITO[2], lw=1.5, ls=":", label="best on grid (noise-free)")
    ax.set(xlabel="experiment number (cubes built)", ylabel=label("best build rate, density ≥ 99 %", "cm³/h"))
    ax.set_title(f"{len(study.seeds)} seeds; score from the noise-free density", fontsize=14)
    ax.legend(loc="lower right", fontsize=12)
    return close(fig)


def bo_markdown(study: DesignStudy) -> str:
    """Medians and ranges at 10 and 25 cubes, wins per seed, and the winner's curse of the measured pick."""
    best, p, v = design_optimum()

    def cell(a):
        return f"{np.median(a):.1f} [{a.min():.1f}–{a.max():.1f}]"

    n = study.bo.shape[1]
    lines = ["| cubes built | GP + constrained EI | random search |", "|---|---|---|"]
    for k in (10, n):
        lines.append(f"| {k} | {cell(study.bo[:, k - 1])} | {cell(study.random[:, k - 1])} |")
    wins = int(np.sum(study.bo[:, -1] > study.random[:, -1]))
    ties = int(np.sum(study.bo[:, -1] == study.random[:, -1]))
    hit = int(np.sum(np.isclose(study.bo[:, -1], best)))
    ok_bo = np.nanmean(study.bo_pick_true_density >= DENSITY_LIMIT_PCT)
    ok_rnd = np.nanmean(study.random_pick_true_density >= DENSITY_LIMIT_PCT)
    return ("\n".join(lines) + f"\n\nBuild rate in cm³/h, median [min–max] over {len(study.seeds)} seeds. "
            f"Grid optimum **{best:.1f} cm³/h** at {p:.0f} W, {v:.0f} mm/s. After {n} cubes BO is ahead on "
            f"{wins}, tied on {ties} of {len(study.seeds)} seeds and has built the optimum on {hit}. The lab's pick "
            f"(fastest cube *measured* ≥ 99 %) is truly ≥ 99 % in {ok_bo:.0%} (BO) and {ok_rnd:.0%} (random) "
            f"of campaigns.\n")
