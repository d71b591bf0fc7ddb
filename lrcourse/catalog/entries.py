"""What one catalog entry holds: :class:`ScheduleEntry` and :class:`OptimizerEntry` (the library's
facts: a class, the names it answers to, its defaults and sizes), each with its UI record
(:class:`ScheduleUI`, :class:`OptimizerUI`: slider ranges, menu labels, legends).

Entries are keyword-only data. Nothing here imports a widget library; :mod:`lrcourse.widgets`
turns a :class:`~lrcourse.catalog.sliders.Slider` into an ipywidgets control.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from ..lr_scheduler.plateau import is_plateau
from .sliders import Slider

PARAM_KINDS = ("any", "matrices", "sparse")


def _no_settings(steps: int, lr: float) -> dict:
    return {}


@dataclass(frozen=True, kw_only=True)
class ScheduleUI:
    """How the widgets show a schedule: its sliders, its menu label, its legend.

    Attributes:
        sliders: setting -> :class:`Slider`, the schedule chooser's controls, in order; an entry
            without them is not in the chooser.
        more: setting -> :class:`Slider` for the settings a topic explorer also puts under a
            slider (:mod:`lrcourse.widgets.cyclic`'s ``max_lr``, the plateau explorer's
            ``threshold``, ...), which the chooser sizes to the run or leaves at their defaults;
            the keys are the topic view's arguments (the d2l ``CosineScheduler``'s include the
            warmup view's ``start`` and ``d2l_convention``). With :attr:`sliders`, each setting's
            one range: every explorer builds its controls from it.
        fit: ``fit(steps, settings) -> settings`` so that every slider position fits a run
            of ``steps`` steps (the chooser only), or None.
        panel: its label in the training panel's menu, or None (not offered there).
        reference: what the entry's ``build`` makes with torch's module when that is another
            library's own scheduler (transformers', timm's), named for the chooser's legend; None:
            torch's class, or torch's ``LambdaLR`` over the entry's pure schedule.
    """

    sliders: Mapping[str, Slider] = field(default_factory=dict)
    more: Mapping[str, Slider] = field(default_factory=dict)
    fit: Callable[[int, dict], dict] | None = None
    panel: str | None = None
    reference: str | None = None

    def __post_init__(self):
        both = set(self.sliders) & set(self.more)
        if both:
            raise ValueError(f"a setting has one range: {sorted(both)} in both sliders and more")

    def slider(self, setting: str) -> Slider:
        """The one range of ``setting`` (KeyError naming the settings that have one)."""
        found = {**self.sliders, **self.more}.get(setting)
        if found is None:
            raise KeyError(f"no slider for {setting!r}; these have one: {', '.join([*self.sliders, *self.more])}")
        return found

    def slider_defaults(self) -> dict:
        """The chooser's settings before any slider moves."""
        return {name: s.default for name, s in self.sliders.items()}

    def describe(self, settings: Mapping) -> str:
        """``"name=value, ..."``, each value as its slider's readout shows it."""
        shown = {**self.sliders, **self.more}
        return ", ".join(f"{k}={shown[k].show(v) if k in shown else repr(v)}" for k, v in settings.items())


@dataclass(frozen=True, kw_only=True)
class ScheduleEntry:
    """One learning-rate schedule, by name.

    Attributes:
        cls: the ``lrcourse.lr_scheduler`` class (or, with ``callable_=True``, the d2l
            callable class from :mod:`lrcourse.schedules`; for another library's schedule,
            :mod:`lrcourse.compat`'s drop-in: timm's class, transformers' ``get_*`` function).
        aliases: other names it answers to; the first is its name on the command line.
        factory: the pure schedule in :mod:`lrcourse.schedules` taking the same settings
            (``factory(**settings)(t)`` is the factor at step t), or None.
        sized: ``sized(steps, lr) -> settings`` the schedule needs for a run of ``steps``
            steps at learning rate ``lr`` (e.g. ``T_max=steps``); overridden by the caller's.
        build: ``build(module, optimizer, steps, **settings) -> scheduler`` where the
            settings are not the class's arguments (composites, lambdas), or where ``cls`` needs
            more than a call (another library's protocol); ``module`` is
            ``lrcourse.lr_scheduler`` or ``torch.optim.lr_scheduler``. None: ``cls(optimizer,
            **settings)``. A recipe ending in ``**settings`` passes them on: its settings are
            ``cls``'s arguments.
        callable_: a d2l-style callable ``lr = schedule(t)``, not a scheduler object.
        ui: how the widgets show it (:class:`ScheduleUI`; default: in no menu, no sliders).
    """

    cls: type
    aliases: tuple[str, ...] = ()
    factory: Callable | None = None
    sized: Callable[[int, float], dict] = _no_settings
    build: Callable | None = None
    callable_: bool = False
    ui: ScheduleUI = field(default_factory=ScheduleUI)

    @property
    def name(self) -> str:
        return self.cls.__name__

    @property
    def cli(self) -> str:
        """The name ``lrcourse schedule`` and ``lrcourse train --scheduler`` show."""
        return self.aliases[0] if self.aliases else self.name

    @property
    def metric(self) -> bool:
        """Whether it is stepped with ``step(metric)`` (ReduceLROnPlateau): asked of
        :func:`lrcourse.lr_scheduler.plateau.is_plateau`, the one rule."""
        return is_plateau(self.cls)

    def takes(self, setting: str) -> bool:
        """Whether the class has an argument called ``setting`` (e.g. ``"cycle_momentum"``)."""
        return setting in inspect.signature(self.cls).parameters

    def signature(self) -> list[inspect.Parameter]:
        """The settings it takes, in order: the class's arguments (the recipe's, for a ``build``),
        without the optimizer and ``last_epoch`` (which resumes a scheduler, not a setting)."""
        fn, skip = (self.build, 3) if self.build else (self.cls, 0 if self.callable_ else 1)
        params = list(inspect.signature(fn).parameters.values())
        if self.build and params[-1].kind is inspect.Parameter.VAR_KEYWORD:  # passed on to cls
            params, skip = list(inspect.signature(self.cls).parameters.values()), 1
        return [p for p in params[skip:] if p.name != "last_epoch"]

    def settings(self, steps: int, lr: float) -> dict:
        """The settings a run of ``steps`` steps at learning rate ``lr`` uses when given none:
        each default, replaced by :attr:`sized` where that sizes it (what :func:`simulate` and
        :func:`build_scheduler` build)."""
        sized = self.sized(steps, lr)
        return {p.name: sized[p.name] if p.name in sized else p.default for p in self.signature()
                if p.name in sized or p.default is not inspect.Parameter.empty}

    def parameters(self) -> str:
        """``name=default`` list of the settings it takes (the optimizer left out)."""
        return ", ".join(p.name if p.default is inspect.Parameter.empty else f"{p.name}={p.default!r}"
                         for p in self.signature())


@dataclass(frozen=True, kw_only=True)
class OptimizerUI:
    """How the widgets show an optimizer.

    Attributes:
        lr_range: (low, high), where a learning-rate slider for it should reach when it trains
            LeNet (the training panel's lr slider spans every optimizer's).
        sliders: hyper-parameter -> :class:`Slider`, by the name the class's argument has
            (``"momentum"``, ``"betas"`` for a slider of its beta2, ``"step_sizes"`` for Rprop's
            smallest step, ...): each one's one range in the explorers that run this optimizer
            alone. An lr several optimizers share (a menu of optimizers, GD beside heavy ball) is
            the problem's (:data:`~lrcourse.catalog.problems.PROBLEM_SLIDERS`).
    """

    lr_range: tuple[float, float] = (1e-4, 1.0)
    sliders: Mapping[str, Slider] = field(default_factory=dict)

    def slider(self, setting: str) -> Slider:
        """The one range of ``setting`` (KeyError naming the settings that have one)."""
        if setting not in self.sliders:
            raise KeyError(f"no slider for {setting!r}; these have one: {', '.join(self.sliders) or 'none'}")
        return self.sliders[setting]


@dataclass(frozen=True, kw_only=True)
class OptimizerEntry:
    """One optimizer configuration, by name.

    Attributes:
        name: the name shown in menus, e.g. ``"SGD + momentum"``.
        cls: the ``lrcourse.optim`` class.
        torch_name: the ``torch.optim`` class it equals, or None where torch has none (Yogi;
            the schedule-free and learning-rate-free ones, equal to their reference packages).
        aliases: other names; the first is its name on the command line.
        lr: a sensible learning rate for LeNet on Fashion-MNIST (``build_optimizer``'s default).
        settings: hyper-parameters besides ``lr`` that make this configuration.
        params: which parameters it takes: ``"any"`` dense tensor, ``"matrices"`` (2-D only:
            Muon) or ``"sparse"`` (sparse gradients only: SparseAdam). Only ``"any"`` ones
            train LeNet or walk a 2-D landscape, so only those are in the menus.
        closure: ``step()`` needs a closure (LBFGS evaluates the loss several times per step).
        ui: how the widgets show it (:class:`OptimizerUI`).
    """

    name: str
    cls: type
    torch_name: str | None
    aliases: tuple[str, ...] = ()
    lr: float = 1e-3
    settings: Mapping[str, Any] = field(default_factory=dict)
    params: str = "any"
    closure: bool = False
    ui: OptimizerUI = field(default_factory=OptimizerUI)

    def __post_init__(self):
        if self.params not in PARAM_KINDS:
            raise ValueError(f"params must be one of {PARAM_KINDS}, got {self.params!r}")
        unknown = [s for s in self.ui.sliders if not self.takes(s)]
        if unknown:
            raise ValueError(f"ui.sliders of {self.name} must name {self.cls.__name__}'s arguments, got {unknown}")

    @property
    def dense(self) -> bool:
        """Whether it takes any dense parameter (LeNet's, a landscape's point)."""
        return self.params == "any"

    @property
    def cli(self) -> str:
        """The name ``lrcourse train --optimizer`` shows."""
        return self.aliases[0] if self.aliases else self.name.lower()

    def takes(self, setting: str) -> bool:
        """Whether the class has a hyper-parameter called ``setting`` (e.g. ``"momentum"``)."""
        return setting in inspect.signature(self.cls).parameters
