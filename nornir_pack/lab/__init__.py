"""Simulated Cisco IOS and Arista EOS devices over real SSH, for tests, demos and CI."""

# Feature modules register their commands, JSON views and exec handlers when imported.
from . import archive, filesystem, scp, sessions, show, tclsh
from .device import Device, Knobs
from .eapi import EapiServer
from .platforms import PLATFORMS
from .server import PLATFORM_ALIASES, Lab

__all__ = [
    "PLATFORMS",
    "PLATFORM_ALIASES",
    "Device",
    "EapiServer",
    "Knobs",
    "Lab",
    "archive",
    "filesystem",
    "scp",
    "sessions",
    "show",
    "tclsh",
]
