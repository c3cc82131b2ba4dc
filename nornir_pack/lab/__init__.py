"""Simulated Cisco IOS and Arista EOS devices over real SSH, for tests, demos and CI.

Names are imported on first use: ``import nornir_pack.lab`` costs nothing, and asyncssh and the
device model load when ``Lab`` (or another name here) is first touched. The lab never imports
Nornir or the rest of nornir-pack: it stays an independent oracle for the clients it serves.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# public name -> the module that defines it
_LAZY = {
    "Device": "device",
    "Knobs": "device",
    "EapiServer": "eapi",
    "PLATFORMS": "platforms",
    "PLATFORM_ALIASES": "server",
    "Lab": "server",
    "state_dir_for": "server",
}
# Feature modules register their commands, JSON views and exec handlers when imported: any
# name of the lab brings them all (server.py imports them too, for its direct importers).
_FEATURES = ("archive", "bash", "filesystem", "scp", "sessions", "show", "tclsh")

if TYPE_CHECKING:
    from . import archive, bash, filesystem, scp, sessions, show, tclsh
    from .device import Device, Knobs
    from .eapi import EapiServer
    from .platforms import PLATFORMS
    from .server import PLATFORM_ALIASES, Lab, state_dir_for

__all__ = [
    "PLATFORMS",
    "PLATFORM_ALIASES",
    "Device",
    "EapiServer",
    "Knobs",
    "Lab",
    "archive",
    "bash",
    "filesystem",
    "scp",
    "sessions",
    "show",
    "state_dir_for",
    "tclsh",
]


def __getattr__(name: str) -> Any:
    if name in _FEATURES:
        return importlib.import_module(f".{name}", __name__)
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    for feature in _FEATURES:  # every command registered before a device answers
        importlib.import_module(f".{feature}", __name__)
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
