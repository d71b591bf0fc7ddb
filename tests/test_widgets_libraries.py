"""The library schedules view: each case's lrcourse.compat curve and torch-class curve equal the library's
(transformers, timm) at every step, at several lrs; the warmup conventions against formulas written here."""
from __future__ import annotations

import warnings

import matplotlib.pyplot as plt
import numpy as np
import pytest

from lrcourse.widgets.libraries import (CASES, TIMM, TRANSFORMERS, case_traces, library_grid, warmup_conventions,
                                        warmup_view)

ALL = [(lib, name) for lib, cases in CASES.items() for name in cases]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(autouse=True)
def quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's "step() before optimizer.step()"-style notices
        yield


@pytest.mark.parametrize("lr", [1.0, 0.5])  # timm warmup_lr_init 0.1 and lr_min 0.05 are absolute
@pytest.mark.parametrize("library, name", ALL, ids=[f"{a}-{b}" for a, b in ALL])
def test_every_curve_equals_the_library_at_every_step(library, name, lr):
    tr = case_traces(CASES[library][name], steps=130, lr=lr)  # past the end of every schedule (T = 100)
    ref = tr["library"]
    assert len(ref) == 130 and np.all(np.isfinite(ref)) and ref.max() > 0
    assert np.ptp(ref) > 0.1 * lr or name == "constant"  # a curve that moves: the equality means something
    for key in ("lrcourse.compat", "torch classes", "lrcourse classes"):
        np.testing.assert_allclose(tr[key][:100], ref[:100], rtol=1e-12, atol=1e-15 * lr, err_msg=key)
    np.testing.assert_allclose(tr["lrcourse.compat"], ref, rtol=1e-12, atol=1e-15 * lr)


def test_the_cases_cover_the_libraries():
    from lrcourse.compat.transformers import SCHEDULER_NAMES
    assert set(TRANSFORMERS) == set(SCHEDULER_NAMES) - {"reduce_lr_on_plateau"}
    from lrcourse.compat.timm import SCHEDULERS
    assert {c.name for c in TIMM.values()} == {cls.__name__ for cls in SCHEDULERS.values()}


@pytest.mark.parametrize("library", ["transformers", "timm"])
def test_library_grid(library):
    view = library_grid(library, steps=60)
    n = len(CASES[library])
    assert view.summary.startswith(f"{n} {library} schedules, 60 steps, lr=1: max |difference from {library}|")
    worst = [float(x.split()[-1]) for x in view.summary.split(": ", 1)[1].split("|", 2)[2].split(",")]
    assert len(worst) == 3 and max(worst) < 1e-12
    assert sum(ax.has_data() for ax in view.fig.axes) == n


def test_library_grid_refuses():
    with pytest.raises(ValueError, match="library must be one of 'transformers', 'timm'"):
        library_grid("fairseq")
    with pytest.raises(TypeError, match="case must be a Case"):
        case_traces("cosine")


@pytest.mark.parametrize("W, init, lr", [(5, 0.0, 1.0), (4, 0.1, 1.0), (10, 0.001, 0.03)])
def test_warmup_conventions(W, init, lr):
    c = warmup_conventions(W, steps=W + 3, lr=lr, warmup_lr_init=init)
    t = np.arange(W + 3)
    np.testing.assert_allclose(c["transformers"], lr * np.minimum(1, t / W), rtol=1e-14)  # step 0 at 0
    np.testing.assert_allclose(c["timm"], np.where(t < W, init + (lr - init) * t / W, lr), rtol=1e-14)
    for key in ("torch LinearLR", "lrcourse warmup_factor"):  # step 0 at lr/W, the peak one step earlier
        np.testing.assert_allclose(c[key], lr * np.minimum(1, (t + 1) / W), rtol=1e-14)


def test_warmup_view_summary():
    s = warmup_view(5, 8).summary
    assert s == ("transformers: step 0 at 0, peak from step 5; timm: step 0 at 0, peak from step 5; "
                 "torch LinearLR: step 0 at 0.2, peak from step 4; lrcourse warmup_factor: step 0 at 0.2, peak from step 4")
    with pytest.raises(ValueError, match="warmup_steps must be an int >= 2"):
        warmup_view(1)
