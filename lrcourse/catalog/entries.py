"""What one catalog entry holds: :class:`ScheduleEntry`, :class:`OptimizerEntry`, :class:`Slider`.

Entries are data: a class, the names it answers to, its defaults and its slider ranges.
Nothing here imports a widget library; :mod:`lrcourse.widgets` turns a :class:`Slider`
into an ipywidgets control.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

SLIDER_KINDS = ("int", "float", "log", "choice", "check", "int-range")
PARAM_KINDS = ("any", "matrices", "sparse")


@dataclass(frozen=True)
class Slider:
    """A widget control for one setting, as data.

    ``kind`` is one of :data:`SLIDER_KINDS`; ``low``/``high`` are the ends (for ``"log"``
    the base-10 exponents), ``step`` the increment, ``options`` the choices, ``fmt`` the
    readout format (None: ``str(value)``) and ``label`` the description shown.
    """

    kind: str
    default: Any
    label: str
    low: float | None = None
    high: float | None = None
    step: float | None = None
    options: tuple = ()
    fmt: str | None = None

    def show(self, value) -> str:
        """``value`` as the control's readout shows it."""
        return str(value) if self.fmt is None else f"{value:{self.fmt}}"


def int_slider(default: int, low: int, high: int, label: str) -> Slider:
    return Slider("int", default, label, low, high)


def float_slider(default: float, low: float, high: float, step: float, fmt: str, label: str) -> Slider:
    return Slider("float", default, label, low, high, step, fmt=fmt)


def log_slider(default: float, low_exp: float, high_exp: float, label: str, fmt: str = ".3g") -> Slider:
    return Slider("log", default, label, low_exp, high_exp, 0.1, fmt=fmt)


def choice(default: str, options, label: str) -> Slider:
    return Slider("choice", default, label, options=tuple(options))


def checkbox(default: bool, label: str) -> Slider:
    return Slider("check", default, label)


def int_range(default: tuple[int, int], low: int, high: int, label: str) -> Slider:
    return Slider("int-range", tuple(default), label, low, high)


def _no_settings(steps: int, lr: float) -> dict:
    return {}


@dataclass(frozen=True)
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
        sliders: setting name -> :class:`Slider` for the schedule chooser; an entry without
            sliders is not in the chooser.
        build: ``build(module, optimizer, steps, **settings) -> scheduler`` where the
            settings are not the class's arguments (composites, lambdas), or where ``cls`` needs
            more than a call (another library's protocol); ``module`` is
            ``lrcourse.lr_scheduler`` or ``torch.optim.lr_scheduler``. None: ``cls(optimizer,
            **settings)``. A recipe ending in ``**settings`` passes them on: its settings are
            ``cls``'s arguments.
        fit: ``fit(steps, settings) -> settings`` so that every slider position fits a run
            of ``steps`` steps (the chooser only), or None.
        panel: its label in the training panel's menu, or None (not offered there).
        metric: stepped with ``step(metric)`` (ReduceLROnPlateau).
        callable_: a d2l-style callable ``lr = schedule(t)``, not a scheduler object.
        reference: what ``build`` makes with torch's module when that is another library's
            own scheduler (transformers', timm's), named for the chooser's legend; None:
            torch's class, or torch's ``LambdaLR`` over :attr:`factory`.
    """

    cls: type
    aliases: tuple[str, ...] = ()
    factory: Callable | None = None
    sized: Callable[[int, float], dict] = _no_settings
    sliders: Mapping[str, Slider] = field(default_factory=dict)
    build: Callable | None = None
    fit: Callable[[int, dict], dict] | None = None
    panel: str | None = None
    metric: bool = False
    callable_: bool = False
    reference: str | None = None

    @property
    def name(self) -> str:
        return self.cls.__name__

    @property
    def cli(self) -> str:
        """The name ``lrcourse schedule`` and ``lrcourse train --scheduler`` show."""
        return self.aliases[0] if self.aliases else self.name

    def slider_defaults(self) -> dict:
        return {name: s.default for name, s in self.sliders.items()}

    def describe(self, settings: Mapping) -> str:
        """``"name=value, ..."``, each value as its slider's readout shows it."""
        return ", ".join(f"{k}={self.sliders[k].show(v) if k in self.sliders else repr(v)}"
                         for k, v in settings.items())

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


@dataclass(frozen=True)
class OptimizerEntry:
    """One optimizer configuration, by name.

    Attributes:
        name: the name shown in menus, e.g. ``"SGD + momentum"``.
        cls: the ``lrcourse.optim`` class.
        torch_name: the ``torch.optim`` class it equals, or None where torch has none (Yogi;
            the schedule-free and learning-rate-free ones, equal to their reference packages).
        aliases: other names; the first is its name on the command line.
        lr: a sensible learning rate for LeNet on Fashion-MNIST (``build_optimizer``'s default).
        lr_range: (low, high), where a learning-rate slider for it should reach.
        settings: hyper-parameters besides ``lr`` that make this configuration.
        params: which parameters it takes: ``"any"`` dense tensor, ``"matrices"`` (2-D only:
            Muon) or ``"sparse"`` (sparse gradients only: SparseAdam). Only ``"any"`` ones
            train LeNet or walk a 2-D landscape, so only those are in the menus.
        closure: ``step()`` needs a closure (LBFGS evaluates the loss several times per step).
    """

    name: str
    cls: type
    torch_name: str | None
    aliases: tuple[str, ...] = ()
    lr: float = 1e-3
    lr_range: tuple[float, float] = (1e-4, 1.0)
    settings: Mapping[str, Any] = field(default_factory=dict)
    params: str = "any"
    closure: bool = False

    def __post_init__(self):
        if self.params not in PARAM_KINDS:
            raise ValueError(f"params must be one of {PARAM_KINDS}, got {self.params!r}")

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
