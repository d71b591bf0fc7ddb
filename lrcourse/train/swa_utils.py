r"""Averaged weights, as ``torch.optim.swa_utils``: SWA, an EMA of the weights, and BatchNorm.

:class:`AveragedModel` keeps a copy of a model whose weights are an average of the weights
the model had at each :meth:`~AveragedModel.update_parameters` call. The first call copies
them; call :math:`n+1` averages them in, given the :math:`n` already averaged:

.. math::
    \text{SWA (default):}\quad \theta_{swa} \leftarrow \theta_{swa} + \frac{\theta - \theta_{swa}}{n + 1}
    \qquad\qquad
    \text{EMA:}\quad \theta_{ema} \leftarrow \beta\,\theta_{ema} + (1 - \beta)\,\theta

SWA is the running mean of the weights visited (Izmailov et al. 2018), usually late in
training at a constant or cyclic lr (:class:`SWALR`); the EMA forgets old weights at rate
:math:`\beta` (:func:`lrcourse.ema.ema_step`, the same step as a smoothed loss curve).

BatchNorm's running statistics belong to the weights that produced them, not to their
average: recompute them with :func:`update_bn` (one pass over the data), or average them
with the weights (``use_buffers=True``). Otherwise the buffers are copied from the model.

Each averaging comes in two forms, as in torch: ``avg_fn(averaged, current, n)`` returns
the new tensor (the equation above, as written); ``multi_avg_fn(averaged_list,
current_list, n)`` updates a list in place with ``lerp`` (the same average, rounded
differently). With neither, CPU weights take the first form and CUDA weights the second.

Example:
    >>> import torch
    >>> from lrcourse.train.swa_utils import AveragedModel
    >>> model = torch.nn.Linear(1, 1, bias=False)
    >>> swa = AveragedModel(model)
    >>> for w in [1.0, 2.0, 6.0]:
    ...     _ = model.weight.data.fill_(w)
    ...     swa.update_parameters(model)
    >>> swa.module.weight.item(), swa.n_averaged.item()
    (3.0, 3)

References:
    Izmailov, Podoprikhin, Garipov, Vetrov, Wilson (2018), "Averaging weights leads to wider
    optima and better generalization", UAI. Polyak & Juditsky (1992), averaging of iterates.
"""
from __future__ import annotations

from copy import deepcopy

import torch
from torch import Tensor
from torch.nn import Module
from torch.nn.modules.batchnorm import _BatchNorm
from torch.utils._foreach_utils import _get_foreach_kernels_supported_devices, _group_tensors_by_device_and_dtype

from .. import checks
from ..ema import ema_step
from ..lr_scheduler import SWALR

__all__ = ["AveragedModel", "update_bn", "SWALR", "get_ema_multi_avg_fn", "get_swa_multi_avg_fn",
           "get_ema_avg_fn", "get_swa_avg_fn"]


def _check_decay(decay) -> float:
    return checks.real("decay", decay, low=0.0, high=1.0)


def _lerps(t: Tensor) -> bool:
    """``lerp`` takes floating-point and complex tensors only."""
    return torch.is_floating_point(t) or torch.is_complex(t)


def get_swa_avg_fn():
    r"""The SWA step on one tensor: :math:`\theta_{swa} + (\theta - \theta_{swa}) / (n + 1)`."""

    @torch.no_grad()
    def swa_update(averaged_param, current_param, num_averaged):
        return averaged_param + (current_param - averaged_param) / (num_averaged + 1)

    return swa_update


def get_ema_avg_fn(decay=0.999):
    r"""The EMA step on one tensor: :math:`\beta\,\theta_{ema} + (1 - \beta)\,\theta`,
    with ``decay`` :math:`=\beta \in [0, 1]`."""
    decay = _check_decay(decay)

    @torch.no_grad()
    def ema_update(ema_param, current_param, num_averaged):
        return ema_step(ema_param, current_param, decay)

    return ema_update


def get_swa_multi_avg_fn():
    r"""The SWA step, in place on lists: :math:`\operatorname{lerp}(\theta_{swa}, \theta, 1/(n+1))`.

    As torch: when ``n`` is a tensor (``AveragedModel.n_averaged``, an integer) the weight
    :math:`1/(n+1)` is a tensor of the default dtype (float32 unless changed), also for float64 weights.
    Integer tensors (BatchNorm's ``num_batches_tracked`` with ``use_buffers=True``) are refused:
    torch's in-place integer update fails on them too.
    """

    @torch.no_grad()
    def swa_update(averaged_param_list, current_param_list, num_averaged):
        for t in averaged_param_list:
            if not _lerps(t):
                raise RuntimeError(f"get_swa_multi_avg_fn averages floating-point or complex tensors in place, got "
                                   f"{t.dtype} (torch fails here too); use avg_fn=get_swa_avg_fn()")
        for averaged, current in zip(averaged_param_list, current_param_list, strict=True):
            averaged.lerp_(current, 1 / (num_averaged + 1))

    return swa_update


def get_ema_multi_avg_fn(decay=0.999):
    r"""The EMA step, in place on lists: :math:`\operatorname{lerp}(\theta_{ema}, \theta, 1 - \beta)`
    (integer tensors: :math:`\beta\,\theta_{ema} + (1 - \beta)\,\theta`, truncated)."""
    decay = _check_decay(decay)

    @torch.no_grad()
    def ema_update(ema_param_list, current_param_list, _):
        for ema, current in zip(ema_param_list, current_param_list, strict=True):
            if _lerps(ema):
                ema.lerp_(current, 1 - decay)
            else:
                ema.copy_(ema_step(ema, current, decay))

    return ema_update


def _in_place(avg_fn):
    """A ``multi_avg_fn`` that applies ``avg_fn`` tensor by tensor."""

    def update(averaged_list, current_list, num_averaged):
        for averaged, current in zip(averaged_list, current_list, strict=True):
            averaged.copy_(avg_fn(averaged, current, num_averaged))

    return update


def _foreach_device(device: torch.device) -> bool:
    """Devices where torch's default SWA takes the in-place (``lerp``) form: cuda, xpu, ..."""
    return device.type in _get_foreach_kernels_supported_devices()


class AveragedModel(Module):
    r"""A copy of ``model`` holding the average of its weights over :meth:`update_parameters` calls.

    Args:
        model: the module to average (deep-copied; the copy's forward is the model's).
        device: where to keep the copy (default: the model's own device).
        avg_fn: ``avg_fn(averaged, current, n) -> Tensor``, one tensor at a time, e.g.
            :func:`get_ema_avg_fn`. Default ``None``: SWA, the equal-weight mean.
        multi_avg_fn: ``multi_avg_fn(averaged_list, current_list, n)``, in place on lists of
            tensors of one device and dtype, e.g. :func:`get_ema_multi_avg_fn`. Not with ``avg_fn``.
        use_buffers: average the buffers (BatchNorm statistics) too instead of copying them.
            Default ``False``.

    ``n_averaged`` (a long tensor, in the state_dict) counts the models averaged so far; the
    state_dict is torch's (``module.<name>`` and ``n_averaged``), the functions are not in it.

    Example:
        >>> import torch
        >>> from lrcourse.train.swa_utils import AveragedModel, get_ema_multi_avg_fn
        >>> model = torch.nn.Linear(1, 1, bias=False)
        >>> ema = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.5))
        >>> for w in [4.0, 2.0]:
        ...     _ = model.weight.data.fill_(w)
        ...     ema.update_parameters(model)
        >>> ema.module.weight.item()
        3.0
    """

    n_averaged: Tensor

    def __init__(self, model, device=None, avg_fn=None, multi_avg_fn=None, use_buffers=False):
        super().__init__()
        if not isinstance(model, Module):
            raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
        for name, fn in (("avg_fn", avg_fn), ("multi_avg_fn", multi_avg_fn)):
            if fn is not None and not callable(fn):
                raise TypeError(f"{name} must be a function or None, got {fn!r} of type {type(fn).__name__}")
        if avg_fn is not None and multi_avg_fn is not None:  # AssertionError, as torch
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided, got both")
        self.module = deepcopy(model) if device is None else deepcopy(model).to(device)
        self.register_buffer("n_averaged", torch.tensor(0, dtype=torch.long, device=device))
        self.avg_fn, self.multi_avg_fn = avg_fn, multi_avg_fn
        self.use_buffers = checks.flag("use_buffers", use_buffers)

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def _averaged(self, module: Module) -> list[Tensor]:
        """The tensors that get averaged: parameters, then buffers with ``use_buffers``."""
        tensors = [p.detach() for p in module.parameters()]
        return tensors + [b.detach() for b in module.buffers()] if self.use_buffers else tensors

    def _multi_avg_fn(self, device: torch.device):
        if self.multi_avg_fn is not None:
            return self.multi_avg_fn
        if self.avg_fn is not None:
            return _in_place(self.avg_fn)
        return get_swa_multi_avg_fn() if _foreach_device(device) else _in_place(get_swa_avg_fn())

    def update_parameters(self, model: Module) -> None:
        """Average ``model``'s current weights into the copy (the first call copies them)."""
        averaged = self._averaged(self.module)
        current = [c.to(a.device) for a, c in zip(averaged, self._averaged(model))]
        if self.n_averaged == 0:  # the average of one model is that model
            for a, c in zip(averaged, current):
                a.copy_(c)
        else:  # one call per (device, dtype), grouped (and ordered) by torch's own helper
            groups = _group_tensors_by_device_and_dtype([averaged, current])
            for (device, _), ([averaged_group, current_group], _) in groups.items():
                self._multi_avg_fn(device)(averaged_group, current_group, self.n_averaged.to(device))
        if not self.use_buffers:  # keep the buffers in sync with the model
            for b_avg, b_model in zip(self.module.buffers(), model.buffers(), strict=True):
                b_avg.detach().copy_(b_model.detach().to(b_avg.device))
        self.n_averaged += 1


@torch.no_grad()
def update_bn(loader, model: Module, device=None) -> None:
    r"""Recompute every BatchNorm's running mean and variance with one pass over ``loader``.

    Each BatchNorm is reset, then runs with ``momentum=None``: its statistics become the
    cumulative average over the batches, :math:`\mu = \frac1B \sum_b \mu_b` (the same for the
    unbiased variance). Momenta and the model's train/eval mode are restored afterwards.

    Args:
        loader: batches, each a tensor or a list/tuple whose first element is the input
            (e.g. ``(x, y)`` from a ``DataLoader``).
        model: the model (an :class:`AveragedModel` too); nothing happens without a BatchNorm.
        device: if given, each input is moved there first.
    """
    momenta = {}
    for module in model.modules():
        if isinstance(module, _BatchNorm):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None  # cumulative average instead of an EMA
    for batch in loader:
        x = batch[0] if isinstance(batch, (list, tuple)) else batch
        model(x if device is None else x.to(device))
    for module, momentum in momenta.items():
        module.momentum = momentum
    model.train(was_training)
