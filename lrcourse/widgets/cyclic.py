r"""CyclicLR and OneCycleLR under sliders: the lr and the momentum they cycle against it.

CyclicLR (Smith 2017) moves the lr between ``base_lr`` and ``max_lr`` in triangles of
``step_size_up + step_size_down`` steps; ``triangular2`` halves the amplitude each cycle,
``exp_range`` scales it by :math:`\gamma^t`. OneCycleLR (Smith & Topin 2018) warms up from
``max_lr/div_factor`` to ``max_lr`` over ``pct_start`` of the run, then anneals to
``max_lr/(div_factor·final_div_factor)``. Both move the momentum (SGD ``momentum`` or
Adam's :math:`\beta_1`) the opposite way, between ``max_momentum`` and ``base_momentum``.

Example:
    >>> view = onecycle_view(pct_start=0.25)
    >>> "pct_start=0.25" in view.summary
    True
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .. import catalog
from .base import Explorer, View, control


def _traces(name: str, steps: int, optimizer: str, **settings) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """``{"torch": (lrs, momenta), "lrcourse": (lrs, momenta)}`` of the catalog's schedule ``name``."""
    traces = {label: catalog.simulate(lambda o: catalog.build_scheduler(name, o, steps, module=module, **settings),
                                      steps, optimizer=optimizer)
              for label, module in catalog.SCHEDULER_MODULES.items()}
    return {label: (tr.lr, tr.momentum) for label, tr in traces.items()}


def _draw(traces, title: str, momentum_label: str):
    fig, (ax, axm) = plt.subplots(2, 1, figsize=(7, 4.6), layout="constrained", sharex=True)
    t = np.arange(len(traces["torch"][0]))
    for a, k in ((ax, 0), (axm, 1)):
        a.plot(t, traces["torch"][k], color="0.7", lw=5, label="torch")
        a.plot(t, traces["lrcourse"][k], color="C0" if k == 0 else "C1", ls="--", lw=1.5, label="lrcourse")
        a.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1))  # off the curves, right of them
    ax.set(title=title, ylabel="learning rate")
    ax.title.set_fontsize("small")
    axm.set(title=f"{momentum_label}, cycled against the lr", xlabel="optimizer step", ylabel=momentum_label)
    return fig


def _diff(traces) -> str:
    d = max(np.max(np.abs(a - b)) for a, b in zip(traces["lrcourse"], traces["torch"]))
    return f", max |lrcourse - torch|={d:.1e}"


def cyclic_view(mode: str = "triangular", base_lr: float = 0.01, max_lr: float = 0.1, step_size_up: int = 20,
                step_size_down: int = 20, gamma: float = 0.99, steps: int = 200,
                optimizer: str = "sgd") -> View:
    """CyclicLR's lr (top) and momentum (bottom) over ``steps`` steps.

    Args:
        mode: ``"triangular"``, ``"triangular2"`` or ``"exp_range"``. Default ``"triangular"``.
        base_lr: lower lr bound. Default 0.01.
        max_lr: upper lr bound. Default 0.1.
        step_size_up: steps from base to max. Default 20.
        step_size_down: steps from max back to base. Default 20.
        gamma: per-step amplitude decay of ``exp_range``. Default 0.99.
        steps: steps drawn. Default 200.
        optimizer: ``"sgd"`` (momentum cycled) or ``"adam"`` (beta1 cycled). Default ``"sgd"``.
    """
    traces = _traces("CyclicLR", steps, optimizer, base_lr=base_lr, max_lr=max_lr, step_size_up=step_size_up,
                     step_size_down=step_size_down, mode=mode, gamma=gamma)
    label = "momentum" if optimizer == "sgd" else "Adam beta1"
    title = (f"CyclicLR(mode={mode}, base_lr={base_lr:.3g}, max_lr={max_lr:.3g}, step_size_up={step_size_up}, "
             f"step_size_down={step_size_down}" + (f", gamma={gamma:.3f})" if mode == "exp_range" else ")"))
    fig = _draw(traces, title, label)
    lrs = traces["lrcourse"][0]
    summary = (f"mode={mode}, base_lr={base_lr:.3g}, max_lr={max_lr:.3g}, step_size_up={step_size_up}, "
               f"step_size_down={step_size_down}, gamma={gamma:.3f}, optimizer={optimizer} | "
               f"cycle={step_size_up + step_size_down} steps, lr range [{lrs.min():.3g}, {lrs.max():.3g}]"
               + _diff(traces))
    return View(fig, summary)


def onecycle_view(max_lr: float = 0.1, pct_start: float = 0.3, anneal_strategy: str = "cos",
                  div_factor: float = 25.0, final_div_factor: float = 1e4, three_phase: bool = False,
                  total_steps: int = 200, optimizer: str = "sgd") -> View:
    """OneCycleLR's lr (top) and momentum (bottom) over ``total_steps`` steps.

    Args:
        max_lr: peak lr. Default 0.1.
        pct_start: fraction of the run spent warming up (the slider: the catalog's 0.05 to 0.45). Default 0.3.
        anneal_strategy: ``"cos"`` or ``"linear"``. Default ``"cos"``.
        div_factor: initial lr = max_lr / div_factor. Default 25.
        final_div_factor: final lr = initial lr / final_div_factor. Default 1e4.
        three_phase: go back to the initial lr symmetrically, then anneal to the final lr. Default False.
        total_steps: length of the run (stepping past it raises "Tried to step ..."). Default 200.
        optimizer: ``"sgd"`` (momentum cycled) or ``"adam"`` (beta1 cycled). Default ``"sgd"``.
    """
    traces = _traces("OneCycleLR", total_steps, optimizer, max_lr=max_lr, total_steps=total_steps,
                     pct_start=pct_start, anneal_strategy=anneal_strategy, div_factor=div_factor,
                     final_div_factor=final_div_factor, three_phase=three_phase)
    label = "momentum" if optimizer == "sgd" else "Adam beta1"
    title = (f"OneCycleLR(max_lr={max_lr:.3g}, pct_start={pct_start:.2f}, anneal_strategy={anneal_strategy}, "
             f"div_factor={div_factor:.3g}, final_div_factor={final_div_factor:.3g}, three_phase={three_phase})")
    fig = _draw(traces, title, label)
    lrs = traces["lrcourse"][0]
    summary = (f"max_lr={max_lr:.3g}, pct_start={pct_start:.2f}, anneal_strategy={anneal_strategy}, "
               f"div_factor={div_factor:.3g}, final_div_factor={final_div_factor:.3g}, three_phase={three_phase}, "
               f"optimizer={optimizer} | first lr={lrs[0]:.3g}, peak at step {int(np.argmax(lrs))}, "
               f"last lr={lrs[-1]:.3g}" + _diff(traces))
    return View(fig, summary)


def _controls(name: str, values: dict, optimizer: str) -> dict:
    """The controls of the catalog schedule ``name``'s settings and of simulate's ``optimizer``, each
    with the catalog's range, starting at ``values`` and ``optimizer``."""
    ui = catalog.schedule(name).ui
    controls = {setting: control(ui.slider(setting).at(value)) for setting, value in values.items()}
    controls["optimizer"] = control(catalog.SIMULATION_SLIDERS["optimizer"].at(optimizer))
    return controls


def cyclic_explorer(mode: str = "triangular", base_lr: float = 0.01, max_lr: float = 0.1,
                    step_size_up: int = 20, step_size_down: int = 20, gamma: float = 0.99,
                    optimizer: str = "sgd") -> Explorer:
    """Sliders for :func:`cyclic_view`, with the catalog's ranges of CyclicLR's settings."""
    controls = _controls("CyclicLR", dict(mode=mode, base_lr=base_lr, max_lr=max_lr, step_size_up=step_size_up,
                                          step_size_down=step_size_down, gamma=gamma), optimizer)
    return Explorer(cyclic_view, controls, title="CyclicLR: lr and momentum", columns=4)


def onecycle_explorer(max_lr: float = 0.1, pct_start: float = 0.3, anneal_strategy: str = "cos",
                      div_factor: float = 25.0, final_div_factor: float = 1e4, three_phase: bool = False,
                      optimizer: str = "sgd") -> Explorer:
    """Sliders for :func:`onecycle_view`, with the catalog's ranges of OneCycleLR's settings."""
    controls = _controls("OneCycleLR", dict(max_lr=max_lr, pct_start=pct_start, anneal_strategy=anneal_strategy,
                                            div_factor=div_factor, final_div_factor=final_div_factor,
                                            three_phase=three_phase), optimizer)
    return Explorer(onecycle_view, controls, title="OneCycleLR: lr and momentum", columns=4)
