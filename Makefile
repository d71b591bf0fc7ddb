# Two commands do everything on a fresh machine (Python 3.10+, pip, make):
#   make lab   - set up .venv, prepare Fashion-MNIST, open JupyterLab on notebooks/
#   make test  - set up .venv, run the unit tests and every notebook under nbval
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.lrcourse-installed
# JupyterLab refuses to run as root unless told to (containers, CI machines).
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: lab test demo data bench notebooks site install clean

install: $(STAMP)

# torch and torchvision come from the package index together, so they match.
# d2l is installed with --no-deps: its exact pins (numpy==1.23.5, scipy==1.10.1, ...)
# do not install on Python >= 3.12 and would downgrade the course's own stack.
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install -e ".[course]"
	$(PY) -m pip install --no-deps "d2l==1.0.3"
	@touch $(STAMP)

data: $(STAMP)
	$(PY) -m lrcourse data

lab: $(STAMP)
	-$(PY) -m lrcourse data
	$(VENV)/bin/jupyter lab $(ROOT_FLAG) notebooks/

# Two passes: everything but the browser tests on two workers (each test and each notebook kernel
# computes on one thread, a notebook's cells stay in one worker: --dist loadfile), then the browser
# tests, which start servers and a browser of their own, alone.
test: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadfile -m "not browser"
	$(PY) -m pytest -m browser

# The instructors' dashboard, code hidden: open http://127.0.0.1:8866 (Ctrl-C stops it).
# Voila runs in notebooks/ and reads notebooks/voila.json there (the browser tests' Voila does
# too): the kernel of a closed page is culled, and cells tagged remove-cell are left out.
demo: $(STAMP)
	-$(PY) -m lrcourse data
	cd notebooks && $(abspath $(VENV))/bin/voila dashboard.ipynb --no-browser --Voila.ip=127.0.0.1 --port=8866

bench: $(STAMP)
	$(PY) benchmarks/optimizers.py
	$(PY) benchmarks/schedulers.py
	$(PY) benchmarks/train_throughput.py

# The committed notebooks: each executed in full mode from a clean kernel, saved in place, its
# time printed for README's table (run with nothing else computing). One or a few: NB="09 10".
notebooks: $(STAMP)
	-$(PY) -m lrcourse data
	$(PY) tools/run_notebooks.py $(NB)

# The course as a static web site in build/site/ (open build/site/index.html), made from the
# committed notebooks without running them; it loads nothing from another host.
site: $(STAMP)
	$(PY) tools/build_site.py

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
