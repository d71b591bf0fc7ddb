"""L-BFGS: a quasi-Newton method that builds its curvature model from the last few steps."""
from __future__ import annotations

from numbers import Integral

import torch
from torch.optim import Optimizer

from .. import checks
from ._loop import scalar
from .line_search import strong_wolfe

# What L-BFGS remembers between steps, in the first parameter's state (as torch keeps it).
MEMORY = ("d", "t", "old_dirs", "old_stps", "ro", "H_diag", "prev_flat_grad", "prev_loss")


def lbfgs_direction(flat_grad, state, *, history_size):
    r"""Store the last curvature pair, then :math:`d = -H g` by the two-loop recursion.

    ``state`` holds the last direction ``d``, step ``t`` and gradient ``prev_flat_grad``, the
    pairs :math:`y_i` (``old_dirs``, torch's name), :math:`s_i` (``old_stps``),
    :math:`\rho_i = 1/(y_i^\top s_i)` (``ro``) and the scale :math:`\gamma` (``H_diag``); the
    :math:`\alpha_i` of the first loop are kept in ``al``, as torch does. Nocedal & Wright,
    Algorithm 7.4, run on :math:`q = -g` so that it ends on the direction itself.
    """
    y = flat_grad.sub(state["prev_flat_grad"])  # y = g_k - g_{k-1}
    s = state["d"].mul(state["t"])  # s = theta_k - theta_{k-1}
    ys = y.dot(s)
    if ys > 1e-10:  # keep only pairs with positive curvature: H stays positive definite
        if len(state["old_dirs"]) == history_size:  # forget the oldest pair
            for key in ("old_dirs", "old_stps", "ro"):
                state[key].pop(0)
        state["old_dirs"].append(y)
        state["old_stps"].append(s)
        state["ro"].append(1.0 / ys)
        state["H_diag"] = ys / y.dot(y)  # H_0 = gamma I, gamma = s'y / y'y (N&W eq. 7.20)
    y_mem, s_mem, rho = state["old_dirs"], state["old_stps"], state["ro"]
    alpha = state.setdefault("al", [None] * history_size)
    q = flat_grad.neg()
    for i in reversed(range(len(y_mem))):  # newest to oldest: alpha_i = rho_i s_i'q, q -= alpha_i y_i
        alpha[i] = s_mem[i].dot(q) * rho[i]
        q.add_(y_mem[i], alpha=-alpha[i])
    r = torch.mul(q, state["H_diag"])  # r = H_0 q
    for i in range(len(y_mem)):  # oldest to newest: beta = rho_i y_i'r, r += (alpha_i - beta) s_i
        beta = y_mem[i].dot(r) * rho[i]
        r.add_(s_mem[i], alpha=alpha[i] - beta)
    return r


def _check_count(name, value, *, low):
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be an integer >= {low}, got {value!r} of type {type(value).__name__}")
    if value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    return int(value)


def _real(t):
    """A complex tensor as the real tensor of its (real, imaginary) pairs; real ones as they are."""
    return torch.view_as_real(t) if t.is_complex() else t


class LBFGS(Optimizer):
    r"""L-BFGS: Newton-like steps from a curvature model of the last ``history_size`` steps.

    All parameters form one flat vector :math:`\theta` with gradient :math:`g`. Each of up
    to ``max_iter`` iterations inside one ``step(closure)``:

    .. math::
        d_k &= -H_k\, g_k, \qquad
            H_k \text{ from the pairs } s_i = \theta_{i+1} - \theta_i,\ y_i = g_{i+1} - g_i
            \ \text{and}\ H_k^0 = \frac{s_{k-1}^\top y_{k-1}}{y_{k-1}^\top y_{k-1}} I \\
        \theta_{k+1} &= \theta_k + t_k\, d_k

    :math:`H_k g_k` is never formed as a matrix: the two-loop recursion
    (:func:`lbfgs_direction`) applies it with :math:`2m` dot products. The step is
    :math:`t_k = \eta` (``lr``), or found by a strong-Wolfe line search from :math:`\eta`
    (:func:`~lrcourse.optim.line_search.strong_wolfe`). The very first iteration is steepest
    descent, :math:`d = -g`, with :math:`t = \min(1, 1/\|g\|_1)\,\eta`. A step ends early when
    :math:`\|g\|_\infty \le` ``tolerance_grad``, when :math:`\|t d\|_\infty` or the loss
    change falls below ``tolerance_change``, when :math:`g^\top d > -` ``tolerance_change``,
    or after ``max_eval`` evaluations: L-BFGS evaluates the loss several times per step,
    so ``step`` takes a closure that recomputes it.

    Follows torch, not Nocedal & Wright: a pair is kept only when :math:`y^\top s > 10^{-10}`,
    the line search's own tolerance is fixed at ``1e-9`` and may make ``max_eval + 1``
    evaluations in a step (its first trial is not counted against ``max_ls``), and without a
    line search the loss is not re-evaluated after the last iteration. Complex parameters are optimised as the
    real vector of their (real, imaginary) parts; sparse gradients are made dense.

    The state is global and lives in ``state[first parameter]``, under torch's keys:
    ``func_evals`` and ``n_iter`` (totals over all steps), the last ``d``, ``t``,
    ``prev_flat_grad`` and ``prev_loss``, the memory ``old_dirs`` (the :math:`y_i`),
    ``old_stps`` (the :math:`s_i`), ``ro``, ``H_diag``, and ``al``, so state_dicts move
    between torch and lrcourse.

    Args:
        params: the tensors to optimise: one param group only.
        lr: step length :math:`\eta \ge 0` (the line search's first trial). Default ``1``.
        max_iter: iterations per ``step()``. Default ``20``.
        max_eval: closure evaluations per ``step()``. Default ``None``: ``max_iter * 5 // 4``.
        tolerance_grad: stop when :math:`\|g\|_\infty` is at most this. Default ``1e-7``.
        tolerance_change: stop when steps or loss changes are below this. Default ``1e-9``.
        history_size: the number :math:`m` of pairs kept. Default ``100``.
        line_search_fn: ``None`` (fixed step) or ``"strong_wolfe"``. Default ``None``.
        maximize: maximise the loss instead (keyword-only). Default ``False``.

    Example:
        >>> w = torch.nn.Parameter(torch.tensor([1.0, -2.0]))
        >>> opt = LBFGS([w], line_search_fn="strong_wolfe")
        >>> def closure():
        ...     opt.zero_grad()
        ...     loss = ((w - 3) ** 2).sum()
        ...     loss.backward()
        ...     return loss
        >>> opt.step(closure)  # the loss where the step started
        tensor(29., grad_fn=<SumBackward0>)
        >>> w.detach()  # a quadratic is solved in one step
        tensor([3.0000, 3.0000])
        >>> opt.state[w]["func_evals"], opt.state[w]["n_iter"]  # closure calls, iterations
        (3, 3)

    References:
        Liu, Nocedal (1989), "On the limited memory BFGS method for large scale
        optimization", Mathematical Programming 45.
        Nocedal, Wright (2006), *Numerical Optimization*, 2nd ed., Algorithms 7.4 and 7.5.
    """

    def __init__(self, params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7, tolerance_change=1e-9,
                 history_size=100, line_search_fn=None, *, maximize=False):
        checks.lr(lr)  # torch accepts 0 (nothing moves); kept as given: state["t"] may be lr
        max_iter = _check_count("max_iter", max_iter, low=0)  # 0: step() only evaluates the loss
        if line_search_fn not in (None, "strong_wolfe"):
            raise ValueError(f"line_search_fn must be None or 'strong_wolfe', got {line_search_fn!r}")
        if line_search_fn and lr == 0:  # torch: ZeroDivisionError in the search's first interpolation
            raise ValueError(f"lr must be > 0 with line_search_fn='strong_wolfe' (its first trial step), got {lr!r}")
        defaults = dict(
            lr=lr,
            max_iter=max_iter,
            max_eval=max_iter * 5 // 4 if max_eval is None else _check_count("max_eval", max_eval, low=1),
            tolerance_grad=checks.nonnegative("tolerance_grad", tolerance_grad),
            tolerance_change=checks.nonnegative("tolerance_change", tolerance_change),
            history_size=_check_count("history_size", history_size, low=1),
            line_search_fn=line_search_fn,
            maximize=checks.flag("maximize", maximize),
        )
        super().__init__(checks.params(params), defaults)
        self._params()

    def _params(self):
        """The parameters of the one param group (a ValueError if more were added)."""
        if len(self.param_groups) != 1:
            raise ValueError(
                f"LBFGS takes exactly one param group (it optimises all parameters as one vector), "
                f"got {len(self.param_groups)} param groups; pass a plain list of tensors"
            )
        return self.param_groups[0]["params"]

    def _evaluate(self, closure):
        """``closure()``, then (its loss, f, flat g): f and g negated when maximising."""
        loss = closure()
        grads = [_real(p.grad.to_dense() if p.grad is not None else torch.zeros_like(p)).reshape(-1)
                 for p in self._params()]
        flat_grad = torch.cat(grads)
        if self.param_groups[0]["maximize"]:
            return loss, -float(loss), flat_grad.neg_()
        return loss, float(loss), flat_grad

    def _move(self, t, d):
        """theta <- theta + t d, ``d`` split back into the parameters' shapes."""
        offset = 0
        for p in map(_real, self._params()):
            p.add_(d[offset:offset + p.numel()].view_as(p), alpha=t)
            offset += p.numel()

    def _advance(self, closure, d, t, loss, flat_grad, gtd, *, evals_left, last):
        """Move along ``d``; return the new (f, flat g, step t, closure calls made).

        With the line search, by the step it finds (at most ``evals_left`` calls); without, by
        ``t``, then evaluate there unless this is the ``last`` iteration (torch's saving).
        """
        params = self._params()
        if self.param_groups[0]["line_search_fn"] == "strong_wolfe":
            start = [p.clone(memory_format=torch.contiguous_format) for p in params]

            def phi(step):  # f and g at theta + step d; theta restored afterwards
                self._move(step, d)
                _, f, g = self._evaluate(closure)
                for p, p0 in zip(params, start):
                    p.copy_(p0)
                return f, g

            loss, flat_grad, t, evals = strong_wolfe(phi, t, d, loss, flat_grad, gtd, max_ls=evals_left)
            self._move(t, d)
            return loss, flat_grad, t, evals
        self._move(t, d)
        if last:
            return loss, flat_grad, t, 0
        _, loss, flat_grad = self._evaluate(closure)
        return loss, flat_grad, t, 1

    @torch.no_grad()
    def step(self, closure):
        """Up to ``max_iter`` L-BFGS iterations; return the loss ``closure()`` gave first.

        ``closure`` must zero the gradients, recompute the loss, call ``backward()`` and
        return the loss: L-BFGS evaluates it several times per step.
        """
        if not callable(closure):
            raise TypeError(f"LBFGS.step needs closure, a function that recomputes the loss and its "
                            f"gradients and returns the loss, got {closure!r}")
        closure = torch.enable_grad()(closure)
        params = self._params()
        if not params:
            return closure()
        group = self.param_groups[0]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        state = self.state[params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        first_loss, loss, flat_grad = self._evaluate(closure)
        evals = 1
        state["func_evals"] += 1
        if flat_grad.abs().max() <= tolerance_grad:  # already stationary
            return first_loss
        for key in MEMORY:
            state.setdefault(key, None)
        for n_iter in range(1, group["max_iter"] + 1):
            state["n_iter"] += 1
            if state["n_iter"] == 1:  # the very first iteration: steepest descent, no memory yet
                state.update(d=flat_grad.neg(), old_dirs=[], old_stps=[], ro=[], H_diag=1)
                t = min(1.0, 1.0 / flat_grad.abs().sum()) * scalar(group["lr"])
            else:
                state["d"] = lbfgs_direction(flat_grad, state, history_size=group["history_size"])
                t = scalar(group["lr"])
            d = state["d"]
            state.update(prev_flat_grad=flat_grad, prev_loss=loss, t=t)
            gtd = flat_grad.dot(d)  # slope along d
            if gtd > -tolerance_change:  # not (enough of) a descent direction
                break
            loss, flat_grad, t, calls = self._advance(closure, d, t, loss, flat_grad, gtd,
                                                      evals_left=group["max_eval"] - evals,
                                                      last=n_iter == group["max_iter"])
            state["t"] = t
            evals += calls
            state["func_evals"] += calls
            if (n_iter == group["max_iter"] or evals >= group["max_eval"]
                    or flat_grad.abs().max() <= tolerance_grad  # stationary
                    or d.mul(t).abs().max() <= tolerance_change  # the step no longer moves theta
                    or abs(loss - state["prev_loss"]) < tolerance_change):  # nor the loss
                break
        return first_loss
