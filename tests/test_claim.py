"""lrcourse.notebook.claim: a notebook's empirical claims printed with ✓ or raised with the numbers."""
import numpy as np
import pytest
import torch

from lrcourse.notebook import ClaimError, claim


@pytest.mark.parametrize("holds", [True, np.bool_(True), np.array(True), torch.tensor(True), 0.9 > 0.8])
def test_a_claim_that_holds_prints_one_line(capsys, holds):
    assert claim("warmup is ahead after one epoch", holds, "test acc 0.810 vs 0.740") is None
    assert capsys.readouterr().out == "✓ warmup is ahead after one epoch (test acc 0.810 vs 0.740)\n"


def test_detail_is_optional(capsys):
    claim("the loss fell", True)
    assert capsys.readouterr().out == "✓ the loss fell\n"


@pytest.mark.parametrize("holds", [False, np.bool_(False), torch.tensor(False)])
def test_a_claim_that_fails_raises_with_the_numbers(capsys, holds):
    with pytest.raises(ClaimError, match=r"^✗ warmup is ahead after one epoch: does not hold "
                                         r"\(test acc 0\.740 vs 0\.810\)$"):
        claim("warmup is ahead after one epoch", holds, "test acc 0.740 vs 0.810")
    assert capsys.readouterr().out == ""


def test_claim_error_is_an_assertion_error():
    with pytest.raises(AssertionError):
        claim("x", False)


@pytest.mark.parametrize("kwargs, exc, words", [
    (dict(description=3, holds=True), TypeError, ["description", "non-empty str", "3", "int"]),
    (dict(description="  ", holds=True), ValueError, ["description", "non-empty str", "'  '"]),
    (dict(description="x", holds=0.9), TypeError, ["holds", "bool", "0.9", "float"]),
    (dict(description="x", holds=torch.tensor([True, False])), TypeError, ["holds", "bool", "Tensor"]),
    (dict(description="x", holds="yes"), TypeError, ["holds", "bool", "'yes'", "str"]),
    (dict(description="x", holds=True, detail=0.81), TypeError, ["detail", "str", "0.81", "float"]),
])
def test_bad_arguments_are_named(kwargs, exc, words):
    with pytest.raises(exc) as info:
        claim(**kwargs)
    for word in words:
        assert word in str(info.value)
