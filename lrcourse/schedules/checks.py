"""Moved to :mod:`lrcourse.checks` (one checks module); kept while notebooks are converted."""
from ..checks import *  # noqa: F401,F403
from ..checks import _is_real  # noqa: F401
