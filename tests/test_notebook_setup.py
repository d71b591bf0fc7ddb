"""lrcourse.config and lrcourse.notebook: the fast-mode switch and the notebooks' set-up cell."""
import random

import numpy as np
import pytest
import torch

from lrcourse import config, notebook


@pytest.mark.parametrize("value, expected", [("1", True), ("true", True), ("YES", True), ("on", True),
                                             ("0", False), ("", False), ("no", False)])
def test_fast_mode_reads_the_environment(monkeypatch, value, expected):
    monkeypatch.setenv("LRCOURSE_FAST", value)
    assert config.fast_mode() is expected
    assert config.pick("full", "fast") == ("fast" if expected else "full")


def test_fast_mode_is_off_when_unset(monkeypatch):
    monkeypatch.delenv("LRCOURSE_FAST", raising=False)
    assert config.pick(30, 2) == 30


@pytest.mark.parametrize("value, line", [("1", "fast run (LRCOURSE_FAST=1)"), ("", "full run")])
def test_setup_prints_which_run_it_is(monkeypatch, capsys, value, line):
    monkeypatch.setenv("LRCOURSE_FAST", value)
    before = torch.get_num_threads()
    try:
        notebook.setup()
    finally:
        torch.set_num_threads(before)
    assert capsys.readouterr().out.splitlines() == [line]


def test_setup_seeds_every_rng_and_returns_fast_mode(monkeypatch):
    monkeypatch.setenv("LRCOURSE_FAST", "0")
    threads = torch.get_num_threads()
    draws = []
    for _ in range(2):
        assert notebook.setup(seed=3) is False
        draws.append((random.random(), float(np.random.rand()), float(torch.rand(()))))
    assert draws[0] == draws[1]
    assert torch.get_num_threads() == threads


def test_setup_uses_one_thread_in_fast_mode(monkeypatch):
    monkeypatch.setenv("LRCOURSE_FAST", "1")
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        assert notebook.setup() is True
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
