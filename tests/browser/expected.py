"""What each tested explorer must show, computed independently of lrcourse's views
(torch or a direct formula), and builders of the twin explorers (called as the notebooks
and the dashboard call them). Shared by test_lab.py and test_voila.py."""
from __future__ import annotations

import math

import numpy as np
import torch


def check_ema(values: dict, summary: str) -> None:
    from lrcourse.widgets.ema import noisy_series  # the data drawn; the EMA is recomputed here

    beta = values["beta"]
    x, v = noisy_series(100), 0.0
    for t, xt in enumerate(x, start=1):
        v = beta * v + (1 - beta) * xt
    last = v / (1 - beta ** len(x)) if values["bias_correction"] else v
    assert f"1/(1-beta)={1 / (1 - beta):.1f}" in summary
    assert f"last={last:.3f}" in summary


def check_momentum(values: dict, summary: str) -> None:
    lr, beta = values["lr"], values["beta"]
    rates = []
    for lam in (0.2, 4.0):  # Hessian eigenvalues of f = 0.1 x1^2 + 2 x2^2
        R = np.array([[beta, lam], [-lr * beta, 1 - lr * lam]])  # Goh (2017), heavy ball
        rates.append(max(abs(np.linalg.eigvals(R))))
    assert f"heavy-ball rate {max(rates):.3f}" in summary


def check_schedule(values: dict, summary: str) -> None:
    kind, steps, lr = values["kind"], values["steps"], values["lr"]
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=lr)
    assert kind == "StepLR"
    sched = torch.optim.lr_scheduler.StepLR(opt, values["StepLR.step_size"], values["StepLR.gamma"])
    for _ in range(steps - 1):
        opt.step()
        sched.step()
    assert summary.startswith(f"{kind}: steps={steps}")
    assert f"step_size={values['StepLR.step_size']}" in summary
    assert f"final lr={opt.param_groups[0]['lr']:.3g}" in summary


def d2l_cosine(epoch, max_update, base_lr, final_lr, warmup_steps, warmup_begin_lr):
    """d2l's CosineScheduler(epoch), written out (its value after max_update stays final_lr)."""
    if epoch < warmup_steps:
        return warmup_begin_lr + (base_lr - warmup_begin_lr) * epoch / warmup_steps
    e = min(epoch, max_update)
    return final_lr + (base_lr - final_lr) * (1 + math.cos(math.pi * (e - warmup_steps)
                                                          / (max_update - warmup_steps))) / 2


def check_warmup(values: dict, summary: str) -> None:
    lrs = [d2l_cosine(e, values["max_update"], 0.3, 0.01, values["warmup_steps"], values["start"] * 0.3)
           for e in range(30)]
    assert f"warmup_steps={values['warmup_steps']}" in summary
    assert f"epoch 0 lr={lrs[0]:.3g}" in summary
    assert f"peak {max(lrs):.3g} at epoch {int(np.argmax(lrs))}" in summary
    assert f"final lr={lrs[-1]:.3g}" in summary


# ------------------------------------------------------------------ twins

def ema():
    from lrcourse.widgets.ema import ema_explorer
    return ema_explorer()


def momentum():
    from lrcourse.widgets.momentum import momentum_explorer
    return momentum_explorer("ill-conditioned")


def schedules(kind: str = "CosineAnnealingLR"):
    from lrcourse.widgets.schedules import schedule_explorer
    return schedule_explorer(kind)


def warmup():
    from lrcourse.widgets.warmup import warmup_explorer
    return warmup_explorer(start=0.2)  # as notebook 07 builds it (warmup starting above 0)


def dashboard_training():
    """The dashboard's training panel, as notebooks/dashboard.ipynb builds it."""
    from lrcourse.widgets.training import training_panel
    return training_panel(epochs=2, train_subset=5000)


def check_training(values: dict, summary: str) -> None:
    """A finished cosine run: settings named, the last step's lr from the cosine formula."""
    assert values["schedule"] == "cosine"
    n = values["epochs"] * math.ceil(values["train_subset"] / 128)
    final = values["lr"] * (1 + math.cos(math.pi * (n - 1) / n)) / 2
    epochs = values["epochs"]
    assert f"trained {epochs} epoch{'' if epochs == 1 else 's'}" in summary
    assert f"final lr {final:.3g}" in summary
    acc = float(summary.split("test acc ")[1].split(",")[0])
    assert 0.0 <= acc <= 1.0
