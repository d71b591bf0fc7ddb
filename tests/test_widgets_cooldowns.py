"""The WSD experiment's figures: built from hand-made runs, their summaries against numbers computed here."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

from lrcourse.train.branches import Cooldowns, Segment
from lrcourse.widgets.cooldowns import budget_view, cooldown_view


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def seg(start, stop, lr, evals):
    return Segment(start, lr=[lr] * (stop - start), loss=[1.0] * (stop - start), eval_steps=[e for e, _ in evals],
                   test_loss=[0.5] * len(evals), test_acc=[a for _, a in evals])


def test_cooldown_view_draws_every_run_and_names_the_best_cooldown():
    main = seg(0, 16, 0.1, [(8, 0.70), (16, 0.75)])
    branches = {(10, "linear"): seg(8, 10, 0.05, [(10, 0.74)]), (10, "1-sqrt"): seg(8, 10, 0.05, [(10, 0.73)]),
                (20, "linear"): seg(16, 20, 0.05, [(20, 0.81)]), (20, "1-sqrt"): seg(16, 20, 0.05, [(20, 0.82)])}
    runs = Cooldowns(main, branches, [10, 20], ("linear", "1-sqrt"), {10: 2, 20: 4})
    view = cooldown_view(runs, {20: seg(0, 20, 0.08, [(10, 0.7), (20, 0.8)])}, steps_per_epoch=4)
    assert view.summary == ("constant run to step 16 (4 epochs), 4 cooldowns, 1 cosine runs; best cooldown: "
                            "budget 5 epochs, 1-sqrt, test acc 0.820")
    lr_ax, acc_ax = view.fig.axes[:2]
    assert len(lr_ax.lines) >= 1 + 4 + 1 and acc_ax.get_ylim()[0] == pytest.approx(0.68)
    branch = [ln for ln in acc_ax.lines if ln.get_label() == "WSD cooldown, linear"][0]
    assert branch.get_xdata().tolist() == [2.0, 2.5]  # starts at the branch point's evaluation (step 8)


def test_budget_view_summary_is_mean_and_range_per_budget():
    finals = {"cosine": np.array([[0.70, 0.80], [0.72, 0.84], [0.71, 0.83]])}
    view = budget_view([1, 3], finals)
    assert view.summary == "budget 1: cosine 0.710 [0.700, 0.720]; budget 3: cosine 0.823 [0.800, 0.840]"
    with pytest.raises(ValueError, match=r"finals\['cosine'\] must have shape \(seeds, 3\), got \(3, 2\)"):
        budget_view([1, 2, 3], finals)
    with pytest.raises(ValueError, match="finals must hold at least one method"):
        budget_view([1], {})
