"""nornir-pack: reusable Nornir tasks and runbooks, with a lab of simulated devices.

The public names are imported on first use, so ``import nornir_pack.lab``, the pytest plugin
(loaded by every pytest session of an environment that has nornir-pack) and
``nornir-pack --help`` do not pay for Nornir and the connection libraries.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .exceptions import LabConfigError, NornirPackError, UsageError

__version__ = "0.1.0"

# public name -> the module that defines it
_LAZY = {
    "load_nornir": "inventory",
    "resolve_credentials": "inventory",
}

if TYPE_CHECKING:
    from .inventory import load_nornir, resolve_credentials

__all__ = [
    "LabConfigError",
    "NornirPackError",
    "UsageError",
    "__version__",
    "load_nornir",
    "resolve_credentials",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
