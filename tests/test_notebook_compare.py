"""lrcourse.notebook.compare: the course's one rule for comparisons, on made-up seeds."""
from __future__ import annotations

import pytest

from lrcourse.notebook import ClaimError, compare

A_SEPARATED = ([0.90, 0.91, 0.905], [0.88, 0.885, 0.87])  # min(A) 0.90 > max(B) 0.885
# overlapping seeds (0.81 > 0.80) whose means differ (0.164) by more than the larger spread (0.11)
OVERLAP_A, OVERLAP_B = [0.80] + [0.90] * 6, [0.70] * 4 + [0.81]
TIE = ([0.900, 0.910, 0.905], [0.899, 0.907, 0.901])  # gap 0.0027, spread 0.010

CASES = [  # (a, b, expect, higher_is_better, holds)
    (*A_SEPARATED, "ahead", True, True),
    (*A_SEPARATED, "not behind", True, True),
    (*A_SEPARATED, "tie", True, False),
    (*A_SEPARATED, "behind", True, False),
    (*A_SEPARATED, "not ahead", True, False),
    (A_SEPARATED[1], A_SEPARATED[0], "behind", True, True),
    (*A_SEPARATED, "behind", False, True),  # lower is better: A's larger numbers lose
    (*TIE, "tie", True, True),
    (*TIE, "not behind", True, True),
    (*TIE, "not ahead", True, True),
    (*TIE, "ahead", True, False),
    # overlapping seeds whose means differ by more than the larger spread: confirms nothing
    (OVERLAP_A, OVERLAP_B, "ahead", True, False),
    (OVERLAP_A, OVERLAP_B, "tie", True, False),
    (OVERLAP_A, OVERLAP_B, "not behind", True, False),
    ([0.5, 0.5, 0.5], [0.5, 0.5, 0.5], "tie", True, True),  # identical runs tie (spread 0)
]


@pytest.mark.parametrize("a, b, expect, higher, holds", CASES)
def test_rule(a, b, expect, higher, holds, capsys, monkeypatch):
    monkeypatch.delenv("LRCOURSE_FAST", raising=False)
    if holds:
        compare(a, b, names=("A", "B"), expect=expect, higher_is_better=higher)
        assert capsys.readouterr().out.startswith("✓ A ")
    else:
        with pytest.raises(ClaimError):
            compare(a, b, names=("A", "B"), expect=expect, higher_is_better=higher)


def test_printed_line_shows_means_ranges_seeds_and_rule(capsys, monkeypatch):
    monkeypatch.delenv("LRCOURSE_FAST", raising=False)
    out = compare(*A_SEPARATED, names=("one-cycle", "constant"), expect="ahead")
    line = capsys.readouterr().out
    assert line.count("\n") == 1
    for fragment in ("one-cycle 0.905 [0.900, 0.910]", "constant 0.878 [0.870, 0.885]", "3+3 seeds",
                     "every seed of one-cycle beats every seed of constant"):
        assert fragment in line
    assert out["verdict"] == "ahead"
    assert out["spread"] == pytest.approx(0.015)  # constant: 0.885 - 0.870
    assert out["gap"] == pytest.approx(0.905 - (0.88 + 0.885 + 0.87) / 3)


def test_tie_line_names_the_measured_spread(capsys, monkeypatch):
    monkeypatch.delenv("LRCOURSE_FAST", raising=False)
    compare(*TIE, expect="tie")
    assert "mean gap 0.003 ≤ seed spread 0.010" in capsys.readouterr().out


def test_unclear_verdict_is_reported():
    with pytest.raises(ClaimError, match="unclear by the rule: seeds overlap"):
        compare(OVERLAP_A, OVERLAP_B, expect="ahead")


def test_fast_mode_checks_the_weaker_statement(monkeypatch, capsys):
    monkeypatch.setenv("LRCOURSE_FAST", "1")
    compare(*TIE, names=("A", "B"), expect="ahead", fast_expect="not behind")
    assert "✓ A not behind B" in capsys.readouterr().out
    monkeypatch.setenv("LRCOURSE_FAST", "0")
    with pytest.raises(ClaimError):
        compare(*TIE, names=("A", "B"), expect="ahead", fast_expect="not behind")


@pytest.mark.parametrize("a, b, kwargs, fragment", [
    ([0.9, 0.8], [0.7, 0.6, 0.5], {}, "needs >= 3 seeds per side; 'A' has 2"),
    ([0.9, 0.8, float("nan")], [0.7, 0.6, 0.5], {}, "'A' has a value that is not finite"),
    ([0.9, 0.8, 0.7], [0.7, 0.6, 0.5], {"expect": "better"}, "expect must be one of"),
    ([0.9, 0.8, 0.7], [0.7, 0.6, 0.5], {"expect": "tie", "fast_expect": "x"}, "fast_expect must be one of"),
])
def test_bad_input(a, b, kwargs, fragment):
    kwargs = {"expect": "ahead", **kwargs}
    with pytest.raises(ValueError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        compare(a, b, names=("A", "B"), **kwargs)
