"""lrcourse.optim against torch.optim: same trajectory, same state, same protocol.

One table of cases (optimizer name, settings, scenario) run through one checker
(``optim_oracle``): both libraries run the same scenario from the same float64 start, and
every step's parameters, the final state and the param groups must agree to 1e-9 relative.
Adding a case is one line.
"""
from __future__ import annotations

import pytest

from optim_oracle import BOTH_WAYS, SCENARIOS, Case, check_against_torch, check_resume, check_state_moves, grid

FLAG_CASES = [
    *[
        c
        for c in grid("SGD", lr=[0.05], momentum=[0, 0.9], dampening=[0, 0.1], nesterov=[False, True],
                      weight_decay=[0, 0.01], maximize=[False, True])
        if not (c.kwargs["nesterov"] and (c.kwargs["momentum"] == 0 or c.kwargs["dampening"] != 0))
    ],
    *grid("Adagrad", lr=[0.1], lr_decay=[0, 0.1], weight_decay=[0, 0.01], initial_accumulator_value=[0, 0.5],
          eps=[1e-10, 1e-3], maximize=[False, True]),
    *grid("RMSprop", lr=[0.01], alpha=[0.99, 0.5], momentum=[0, 0.9], centered=[False, True],
          weight_decay=[0, 0.01], maximize=[False, True]),
    *grid("Adadelta", lr=[1.0, 0.5], rho=[0.9, 0.5], weight_decay=[0, 0.01], maximize=[False, True]),
    *grid("Adam", lr=[0.01], betas=[(0.9, 0.999), (0.5, 0.9)], weight_decay=[0, 0.01], amsgrad=[False, True],
          maximize=[False, True]),
    *grid("AdamW", lr=[0.01], betas=[(0.9, 0.999), (0.5, 0.9)], weight_decay=[0, 0.1], amsgrad=[False, True],
          maximize=[False, True]),
]

# One representative (state-rich) setting per optimizer, run through every protocol scenario.
REPRESENTATIVE = [
    Case("SGD", dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    Case("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
    Case("Adagrad", dict(lr=0.1, lr_decay=0.05, weight_decay=0.01, initial_accumulator_value=0.1)),
    Case("RMSprop", dict(lr=0.01, momentum=0.9, centered=True, weight_decay=0.01)),
    Case("Adadelta", dict(lr=0.5, rho=0.8, weight_decay=0.01)),
    Case("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.01)),
    Case("AdamW", dict(lr=0.01, amsgrad=True)),
]
PROTOCOL_CASES = [Case(c.opt, c.kwargs, s) for c in REPRESENTATIVE for s in SCENARIOS]
# torch supports complex parameters in all of these: every flag combination again in complex128.
COMPLEX_CASES = [Case(c.opt, c.kwargs, c.scenario, complex=True) for c in FLAG_CASES]
COMPLEX_REPRESENTATIVE = [Case(c.opt, c.kwargs, complex=True) for c in REPRESENTATIVE]


@pytest.mark.parametrize("case", FLAG_CASES + PROTOCOL_CASES + COMPLEX_CASES, ids=str)
def test_matches_torch(case):
    check_against_torch(case)


@pytest.mark.parametrize("case", REPRESENTATIVE + COMPLEX_REPRESENTATIVE, ids=str)
def test_resume_from_state_dict_is_identical(case):
    check_resume(case)


@pytest.mark.parametrize("case", REPRESENTATIVE + COMPLEX_REPRESENTATIVE, ids=str)
@BOTH_WAYS
def test_state_dict_moves_between_torch_and_lrcourse(case, source, target):
    check_state_moves(case, source, target)
