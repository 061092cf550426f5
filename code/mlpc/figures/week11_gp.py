"""Week 11 figures: aleatoric vs epistemic uncertainty, Gaussian processes and Bayesian optimisation for LPBF.

Data: LPBF 316L relative density over laser power (W) and scan speed (mm/s) from
:mod:`mlpc.datasets.process` (porosity trend after Gong et al. 2014 and King et al. 2014, Archimedes noise
σ = 0.15 %), and repeat Vickers indents from :func:`mlpc.datasets.tabular.process_property_table`
(σ = 4 HV repeatability). Models: :mod:`mlpc.uncertainty` (GP after Rasmussen & Williams 2006; expected
improvement after Jones et al. 1998). Numbers on slides come from the ``*_markdown`` functions here.
"""

from __future__ import annotations

import functools

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


@functools.cache
def line_gp(seed: int = 0):
    """GP on :func:`line_data` with a speed length scale fitted in mm/s."""
    v, y = line_data(seed)
    return unc.fit_gp(v[:, None], y, length_scale=300.0, length_scale_bounds=(20.0, 1e4), seed=seed)


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
    mu, sd_e = unc.gp_predict(gp, SPEEDS[:, None], include_noise=False)
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
    _, sd_in = unc.gp_predict(gp, [[500.0]], include_noise=False)
    _, sd_gap = unc.gp_predict(gp, [[1100.0]], include_noise=False)
    _, sd_out = unc.gp_predict(gp, [[2800.0]], include_noise=False)
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
    draws = [prior.sample_y(SPEEDS[:, None], 5, random_state=seed) * gp._y_train_std + ym,
             gp.sample_y(SPEEDS[:, None], 5, random_state=seed)]
    for ax, d, title in zip(axes, draws, ("prior: before any cube", "posterior: after 12 cubes"), strict=True):
        ax.plot(SPEEDS, d, lw=1.6, alpha=0.9)
        ax.set(xlabel=label("scan speed", "mm/s"), title=title, ylim=(88, 104))
    axes[1].plot(v, y, "ko", ms=7)
    axes[0].set_ylabel(label("relative density", "%"))
    return close(fig)


def length_scale_effect(seed: int = 0) -> Figure:
    """Fixed length scales 40 mm/s, fitted, 3000 mm/s on the same twelve cubes."""
    v, y = line_data(seed)
    fitted = float(unc.gp_hyperparameters(line_gp(seed))["length_scale"][0])
    fig, axes = new_figure(3, sharey=True)
    for ax, ls, name in zip(axes, (40.0, fitted, 3000.0), ("too short", "fitted", "too long"), strict=True):
        gp = unc.fit_gp(v[:, None], y, length_scale=ls, noise_level=0.01, optimize=ls == fitted, seed=seed)
        if ls == fitted:
            gp = line_gp(seed)
        mu, sd = unc.gp_predict(gp, SPEEDS[:, None])
        ax.fill_between(SPEEDS, mu - 2 * sd, mu + 2 * sd, color=OKABE_ITO[4], alpha=0.4)
        ax.plot(SPEEDS, mu, color=OKABE_ITO[0])
        ax.plot(v, y, "o", color=OKABE_ITO[5])
        ax.set(xlabel=label("speed", "mm/s"), title=f"ℓ = {ls:.0f} mm/s ({name})", ylim=(88, 104))
    axes[0].set_ylabel(label("relative density", "%"))
    return close(fig)


@functools.cache
def map_data(n: int = 40, seed: int = 0):
    """``n`` scattered cubes from :func:`mlpc.datasets.process.process_experiments` and a 2D GP on them."""
    df = pr.process_experiments(n_points=n, seed=seed)
    X = df[["power_W", "speed_mm_s"]].to_numpy()
    y = df["relative_density_pct"].to_numpy()
    return X, y, unc.fit_gp(X, y, seed=seed)


def gp_map(seed: int = 0) -> Figure:
    """GP mean and std of relative density over the P–v plane; the std is low where cubes were built."""
    X, y, gp = map_data(seed=seed)
    p, v = np.linspace(50, 400, 50), np.linspace(100, 3000, 60)
    pp, vv = np.meshgrid(p, v, indexing="ij")
    mu, sd = unc.gp_predict(gp, np.c_[pp.ravel(), vv.ravel()], include_noise=False)
    fig, (a, b) = new_figure(2)
    for ax, z, title, kw in ((a, mu, "GP mean density (%)", {"vmin": 85, "vmax": 100}),
                             (b, sd, "GP epistemic std (%)", {})):
        im = ax.pcolormesh(vv, pp, z.reshape(pp.shape), shading="auto", **kw)
        ax.plot(X[:, 1], X[:, 0], "o", mfc="w", mec="k", ms=6)
        ax.set(xlabel=label("scan speed", "mm/s"), ylabel=label("laser power", "W"), title=title)
        fig.colorbar(im, ax=ax)
    return close(fig)


def map_markdown(seed: int = 0) -> str:
    """Fitted 2D length scales (W, mm/s) and the noise std."""
    hp = unc.gp_hyperparameters(map_data(seed=seed)[2])
    lp, lv = hp["length_scale"]
    return (f"- Fitted length scales: **ℓ_P = {lp:.0f} W**, **ℓ_v = {lv:.0f} mm/s**\n"
            f"- Noise std (WhiteKernel): **{hp['noise_std']:.2f} %**; signal std **{hp['signal_std']:.1f} %**\n")


CAND_P = np.linspace(50.0, 400.0, 30)
CAND_V = np.linspace(100.0, 3000.0, 40)


@functools.cache
def bo_run(acquisition: str = "ei", n_init: int = 5, n_iter: int = 10, seed: int = 0) -> unc.BOHistory:
    """The live loop: maximise measured relative density over a 30 × 40 grid of (P, v)."""
    pp, vv = np.meshgrid(CAND_P, CAND_V, indexing="ij")
    rng = np.random.default_rng(seed + 100)
    return unc.bayes_opt(lambda x: float(measure_density(x[0], x[1], rng)), np.c_[pp.ravel(), vv.ravel()],
                         n_init=n_init, n_iter=n_iter, acquisition=acquisition, seed=seed)


def bo_acquisition(iterations=(1, 5, 10), seed: int = 0) -> Figure:
    """Expected improvement over (P, v) at three iterations, with the points tried so far and the next pick."""
    h = bo_run(seed=seed)
    shape = (len(CAND_P), len(CAND_V))
    fig, axes = new_figure(len(iterations), sharey=True)
    for ax, it in zip(axes, iterations, strict=True):
        a = np.where(np.isfinite(h.acquisition[it - 1]), h.acquisition[it - 1], 0.0).reshape(shape)
        ax.pcolormesh(CAND_V, CAND_P, a, shading="auto", cmap="magma")
        n = h.n_init + it - 1
        ax.plot(h.X[:n, 1], h.X[:n, 0], "o", mfc="w", mec="k", ms=6)
        ax.plot(h.X[n, 1], h.X[n, 0], "*", color=OKABE_ITO[2], ms=20, mec="k")
        ax.set(xlabel=label("speed", "mm/s"), title=f"iteration {it}")
    axes[0].set_ylabel(label("laser power", "W"))
    return close(fig)


def bo_convergence(seed: int = 0, n_random_runs: int = 20) -> Figure:
    """Best measured density vs experiment number: EI and UCB loops vs random search (mean of 20 runs)."""
    fig, ax = new_figure(size=(11.0, 4.6))
    ei, ucb = bo_run("ei", seed=seed), bo_run("ucb", seed=seed)
    n = len(ei.y)
    rng = np.random.default_rng(seed + 7)
    pp, vv = np.meshgrid(CAND_P, CAND_V, indexing="ij")
    truth = pr.relative_density_model(pp.ravel(), vv.ravel())
    rand = np.array([np.maximum.accumulate(np.minimum(
        truth[rng.choice(truth.size, n, replace=False)] + rng.normal(0, NOISE_PCT, n), 100))
        for _ in range(n_random_runs)]).mean(axis=0)
    x = np.arange(1, n + 1)
    ax.plot(x, ei.best_so_far, "-o", label="GP + expected improvement")
    ax.plot(x, ucb.best_so_far, "-s", label="GP + UCB (κ = 2)")
    ax.plot(x, rand, "--", color="k", label=f"random search (mean of {n_random_runs})")
    ax.axvline(ei.n_init + 0.5, color="0.5", lw=1)
    ax.axhline(truth.max(), color=OKABE_ITO[2], lw=1.2, ls=":", label="best on grid (noise-free)")
    ax.set(xlabel="experiment number", ylabel=label("best density so far", "%"), ylim=(97, 100.2))
    ax.legend(loc="lower right", fontsize=13)
    return close(fig)


def bo_markdown(seed: int = 0) -> str:
    """Where the EI loop ended and what it measured."""
    h = bo_run(seed=seed)
    i = int(np.argmax(h.y))
    return (f"- Best after {len(h.y)} cubes: **{h.y[i]:.2f} %** at **{h.X[i, 0]:.0f} W, {h.X[i, 1]:.0f} mm/s**\n"
            f"- Best of the {h.n_init} random starting cubes: **{h.y[:h.n_init].max():.2f} %**\n")
