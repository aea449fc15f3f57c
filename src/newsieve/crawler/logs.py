"""Logging of long runs: JSON lines when stderr is not a terminal, rich on a terminal.

Scrapy's own handler is not installed (``LOG_INSTALL_ROOT_HANDLER = False``); this module
configures the root logger once for the whole process.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any

__all__ = ["JsonFormatter", "apply_levels", "setup_logging"]

_NOISY = ("scrapy.core.scraper", "scrapy.core.engine", "scrapy.middleware", "scrapy.crawler",
          "scrapy.utils.log", "scrapy.addons", "scrapy.extensions.telnet", "py.warnings",
          "scrapy.statscollectors", "scrapy.extensions.logstats", "scrapy.extensions.remote_control")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ``ts``, ``level``, ``logger``, ``msg`` (and ``exc``)."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": round(record.created, 3),
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


def setup_logging(level: str = "INFO", *, json_logs: bool | None = None, quiet_scrapy: bool = True) -> bool:
    """Configure the root logger; return True when the output is JSON."""
    if json_logs is None:
        json_logs = not sys.stderr.isatty()
    root = logging.getLogger()
    for h in list(root.handlers):
        root.removeHandler(h)
    handler: logging.Handler
    if json_logs:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
    else:
        from rich.logging import RichHandler

        handler = RichHandler(show_path=False, rich_tracebacks=False)
    handler.setLevel(level)  # Scrapy's dictConfig resets logger levels, not handler levels
    if quiet_scrapy and level.upper() != "DEBUG":
        handler.addFilter(_quiet_filter)
    root.addHandler(handler)
    apply_levels(level, quiet_scrapy=quiet_scrapy)
    return json_logs


def _quiet_filter(record: logging.LogRecord) -> bool:
    """Drop Scrapy's start-up and per-item chatter below WARNING."""
    return record.levelno >= logging.WARNING or not record.name.startswith(_NOISY)


def apply_levels(level: str = "INFO", *, quiet_scrapy: bool = True) -> None:
    """Set the levels again after Scrapy's ``configure_logging`` (its dictConfig resets them)."""
    logging.getLogger().setLevel(level)
    logging.getLogger("scrapy").setLevel(level)
    if quiet_scrapy and level.upper() != "DEBUG":
        for name in _NOISY:
            logging.getLogger(name).setLevel(logging.WARNING)
