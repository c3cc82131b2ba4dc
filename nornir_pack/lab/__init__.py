"""Simulated Cisco IOS and Arista EOS devices over real SSH, for tests, demos and CI."""

from .device import Device, Knobs
from .platforms import PLATFORMS
from .server import PLATFORM_ALIASES, Lab

__all__ = ["PLATFORMS", "PLATFORM_ALIASES", "Device", "Knobs", "Lab"]
