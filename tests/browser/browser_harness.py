"""Drive JupyterLab and Voila in headless Chromium (Playwright) for the browser tests.

Three parts, each usable on its own:

* **Finding a browser** -- :func:`chromium_path`, :func:`unavailable_reason` and
  :func:`require_browser` (skip with a clear reason, or fail when
  ``LRCOURSE_REQUIRE_BROWSER=1`` says a browser must be there, as in CI).
* **Servers** -- :func:`start_lab` / :func:`start_voila` run a server on loopback with a
  token on a free port, with ``HOME`` and every ``JUPYTER_*`` directory inside a
  temporary folder, JupyterLab's news pop-up and lazy cell rendering switched off, and
  ``LRCOURSE_FAST=1`` in the kernel's environment.
* **Pages** -- :class:`Explorer` finds one slider explorer by its title, moves its
  sliders with the keyboard (focus ``.noUi-handle``, press arrow keys), reads
  ``.widget-readout``, waits for the ``.lrcourse-summary`` text and reads the plot's
  ``<img>``; :func:`run_all_cells` and :func:`wait_for_idle` drive a notebook in Lab.

Waiting is always on content (a summary text, a prompt number), never on time: every key
press re-runs the kernel callback, so "the image changed" alone can be an in-between state.
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "artifacts" / "browser"
REQUIRE_ENV = "LRCOURSE_REQUIRE_BROWSER"
CHROMIUM_ENV = "LRCOURSE_CHROMIUM"

# Flags known to work with Debian's chromium under root, in a container, offline.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-first-run",
]

# JupyterLab user settings written into the temporary settings directory.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false"},
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    # The served notebooks are copies, but never write back to them anyway.
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
}

SERVER_TIMEOUT_S = 90
NOTEBOOK_TIMEOUT_S = 240  # one notebook's "run all" in fast mode
REDRAW_TIMEOUT_S = 60  # one slider move -> summary updated


# --------------------------------------------------------------------------- browser


def chromium_path() -> str | None:
    """The Chromium binary to drive: ``$LRCOURSE_CHROMIUM``, else ``chromium`` on PATH."""
    explicit = os.environ.get(CHROMIUM_ENV)
    if explicit:
        return explicit if Path(explicit).is_file() else None
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def unavailable_reason() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        return f"the playwright Python package is not importable ({exc}); pip install playwright"
    if chromium_path() is None:
        explicit = os.environ.get(CHROMIUM_ENV)
        if explicit:
            return f"${CHROMIUM_ENV}={explicit} is not a file (point it at a Chromium binary)"
        return ("no chromium binary found (looked for $LRCOURSE_CHROMIUM, 'chromium', "
                "'chromium-browser' on PATH); install it with `apt-get install chromium`")
    return None


def browser_required() -> bool:
    return os.environ.get(REQUIRE_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def require_browser() -> None:
    """Skip the calling test when no browser is available -- or fail, under CI's flag."""
    import pytest

    reason = unavailable_reason()
    if reason is None:
        return
    if browser_required():
        pytest.fail(f"browser tests required ({REQUIRE_ENV}=1) but {reason}", pytrace=False)
    pytest.skip(f"browser tests skipped: {reason} (set {REQUIRE_ENV}=1 to make this a failure)")


def launch_chromium(playwright):
    """A headless Debian Chromium through Playwright (never ``playwright install``)."""
    return playwright.chromium.launch(
        executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)


# --------------------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A running JupyterLab or Voila process and how to reach it."""

    proc: subprocess.Popen
    port: int
    token: str
    log_path: Path
    tmp: Path
    root: Path | None = None

    def url(self, path: str = "") -> str:
        sep = "&" if "?" in path else "?"
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}{sep}token={self.token}"

    def log(self, tail: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-tail:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)


def isolated_env(tmp: Path) -> dict:
    """Environment for a server: HOME and JUPYTER_* inside ``tmp``, fast notebooks.

    The Fashion-MNIST cache stays where the user's is (``LRCOURSE_DATA``), so moving
    HOME does not make the kernel prepare the data set again.
    """
    env = dict(os.environ)
    if "LRCOURSE_DATA" not in env:
        try:
            from lrcourse.data import data_dir

            env["LRCOURSE_DATA"] = str(data_dir())
        except Exception:  # data module missing or unreadable: leave the default
            pass
    dirs = {
        "HOME": "home", "JUPYTER_CONFIG_DIR": "config", "JUPYTER_DATA_DIR": "data",
        "JUPYTER_RUNTIME_DIR": "runtime", "JUPYTERLAB_SETTINGS_DIR": "lab-settings",
        "JUPYTERLAB_WORKSPACES_DIR": "lab-workspaces", "IPYTHONDIR": "ipython",
        "MPLCONFIGDIR": "mpl",
    }
    for var, sub in dirs.items():
        (tmp / sub).mkdir(parents=True, exist_ok=True)
        env[var] = str(tmp / sub)
    env.pop("JUPYTER_PATH", None)
    env["LRCOURSE_FAST"] = "1"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def write_lab_settings(settings_dir: Path) -> None:
    for plugin, values in LAB_SETTINGS.items():
        path = settings_dir / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


def _answers(server: Server, path: str | None) -> bool:
    """Whether the server answers: HTTP 200 on ``path``, or (None) a TCP connection."""
    try:
        if path is None:
            with socket.create_connection(("127.0.0.1", server.port), timeout=2):
                return True
        with urllib.request.urlopen(server.url(path), timeout=5) as r:
            return r.status == 200
    except OSError:
        return False


def _wait_ready(server: Server, path: str | None) -> None:
    deadline = time.monotonic() + SERVER_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"server exited with {server.proc.returncode}:\n{server.log()}")
        if _answers(server, path):
            return
        time.sleep(0.3)
    server.stop()
    raise RuntimeError(f"server not ready after {SERVER_TIMEOUT_S}s:\n{server.log()}")


def _start(cmd: list[str], tmp: Path, port: int, token: str, ready_path: str | None,
           root: Path | None = None) -> Server:
    log_path = tmp / "server.log"
    log = open(log_path, "w")
    proc = subprocess.Popen(cmd, env=isolated_env(tmp), stdout=log, stderr=subprocess.STDOUT,
                            cwd=root or REPO)
    server = Server(proc=proc, port=port, token=token, log_path=log_path, tmp=tmp, root=root)
    _wait_ready(server, ready_path)
    return server


def start_lab(root: Path, tmp: Path) -> Server:
    """JupyterLab serving ``root`` on 127.0.0.1 with a fresh token."""
    port, token = free_port(), secrets.token_hex(16)
    write_lab_settings(tmp / "lab-settings")
    cmd = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
        "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    return _start(cmd, tmp, port, token, "api/status", root)


def start_voila(notebook: Path, tmp: Path) -> Server:
    """Voila serving one notebook: ``make demo``'s flags plus a free port and a token. Like
    ``make demo`` it runs in the notebook's folder, so Voila reads the ``voila.json`` there
    (notebooks/voila.json: kernel culling, cells tagged remove-cell left out)."""
    port, token = free_port(), secrets.token_hex(16)
    voila = Path(sys.executable).with_name("voila")
    cmd = [
        str(voila), str(notebook), "--no-browser", "--Voila.ip=127.0.0.1", f"--port={port}",
        "--Voila.port_retries=0", f"--Voila.token={token}",
    ]
    # Any HTTP request to "/" would execute the notebook: probe the port instead.
    return _start(cmd, tmp, port, token, None, notebook.parent)


def shutdown_kernels(server: Server) -> None:
    """Stop every kernel the server started (after each notebook's test)."""
    headers = {"Authorization": f"token {server.token}"}
    base = f"http://127.0.0.1:{server.port}/api/kernels"
    try:
        with urllib.request.urlopen(urllib.request.Request(base, headers=headers), timeout=10) as r:
            kernels = json.load(r)
        for k in kernels:
            req = urllib.request.Request(f"{base}/{k['id']}", method="DELETE", headers=headers)
            urllib.request.urlopen(req, timeout=30).close()
    except OSError:
        pass
