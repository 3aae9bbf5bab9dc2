"""What reaches the console: this package's own lines.  Brian2's INFO and WARNING records,
PyNN's and NEST's warnings (deprecations, ``nest-config``) go to a log file instead; with
``--verbose`` (``PLASTICITY_VERBOSE=1``) they are shown too and the log file is named."""
from __future__ import annotations

import logging
import os

from plasticity.models.core import cache_dir


def log_path() -> str:
    return os.path.join(cache_dir(), "logs", "plasticity.log")


class _LazyFileHandler(logging.FileHandler):
    """Appends to ``path``, creating its folder and the file only when a record comes (a run
    with nothing to log leaves nothing behind)."""

    def __init__(self, path):
        super().__init__(path, mode="a", delay=True)

    def emit(self, record):
        try:
            if self.stream is None:
                os.makedirs(os.path.dirname(self.baseFilename), exist_ok=True)
        except OSError:
            return                   # no writable cache folder: the record is dropped
        super().emit(record)

    def handleError(self, record):   # never a logging traceback on the user's console
        pass


def route_logs(verbose: bool | None = None) -> str:
    """Send the simulators' log records and Python warnings to :func:`log_path` (appended),
    and keep them off the console unless ``verbose`` (default: ``PLASTICITY_VERBOSE``).
    Returns the log file's path."""
    from brian2.utils.logger import BrianLogger
    if verbose is None:
        verbose = os.environ.get("PLASTICITY_VERBOSE", "") not in ("", "0")
    path = log_path()
    handler = _LazyFileHandler(path)
    handler.setLevel(logging.INFO)
    handler.setFormatter(logging.Formatter(
        f"%(asctime)s [{os.getpid()}] %(levelname)s %(name)s: %(message)s"))
    logging.captureWarnings(True)                 # warnings -> the 'py.warnings' logger
    for name in ("brian2", "py.warnings", "pyNN"):
        logger = logging.getLogger(name)
        if not any(getattr(h, "baseFilename", None) == handler.baseFilename
                   for h in logger.handlers):
            logger.addHandler(handler)
    if verbose:
        BrianLogger.log_level_info()
    else:
        BrianLogger.log_level_error()             # the console: errors only
        logging.getLogger("pyNN").propagate = False
    return path
