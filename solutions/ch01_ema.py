r"""Notebook 01, exercise 5: the bias-corrected EMA.

.. math::
    v_0 = 0,\qquad v_t = \beta v_{t-1} + (1-\beta) x_t,\qquad \hat v_t = \frac{v_t}{1-\beta^t}
"""


def ema_debiased(xs, beta=0.9):
    """The bias-corrected moving averages of ``xs``, one per value."""
    v, out = 0.0, []
    for t, x in enumerate(xs, start=1):
        v = beta * v + (1 - beta) * x
        out.append(v / (1 - beta ** t))
    return out
