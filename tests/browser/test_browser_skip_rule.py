"""The skip rule of the browser suite: no browser -> skip with the reason; under
``LRCOURSE_REQUIRE_BROWSER=1`` (CI) -> fail. Runs everywhere (no browser needed)."""
from __future__ import annotations

import pytest
import browser_harness as bh

Skipped, Failed = pytest.skip.Exception, pytest.fail.Exception

CASES = [  # (chromium found?, playwright importable?, LRCOURSE_REQUIRE_BROWSER, outcome, reason text)
    (False, True, None, Skipped, "no chromium binary"),
    (False, True, "0", Skipped, "no chromium binary"),
    (False, True, "1", Failed, "no chromium binary"),
    (True, False, None, Skipped, "playwright"),
    (True, False, "1", Failed, "playwright"),
    (True, True, None, None, ""),
    (True, True, "1", None, ""),
]


@pytest.mark.parametrize("chromium, importable, require, outcome, reason", CASES)
def test_skip_rule(monkeypatch, chromium, importable, require, outcome, reason):
    monkeypatch.setattr(bh, "chromium_path", lambda: "/usr/bin/chromium" if chromium else None)
    if not importable:
        import builtins

        real_import = builtins.__import__

        def fake_import(name, *args, **kwargs):
            if name.startswith("playwright"):
                raise ImportError(f"No module named {name!r}")
            return real_import(name, *args, **kwargs)

        monkeypatch.setattr(builtins, "__import__", fake_import)
    if require is None:
        monkeypatch.delenv(bh.REQUIRE_ENV, raising=False)
    else:
        monkeypatch.setenv(bh.REQUIRE_ENV, require)
    if outcome is None:
        bh.require_browser()  # returns quietly: the tests run
        return
    with pytest.raises(outcome) as info:
        bh.require_browser()
    message = str(info.value)
    assert reason in message
    assert bh.REQUIRE_ENV in message  # says how to turn the skip into a failure / why it failed


@pytest.mark.parametrize("exists", [True, False])
def test_chromium_env_override(monkeypatch, tmp_path, exists):
    binary = tmp_path / "my-chromium"
    if exists:
        binary.write_text("#!/bin/sh\n")
    monkeypatch.setenv(bh.CHROMIUM_ENV, str(binary))
    assert bh.chromium_path() == (str(binary) if exists else None)
    reason = bh.unavailable_reason()
    assert reason is None if exists else f"{bh.CHROMIUM_ENV}={binary} is not a file" in reason
