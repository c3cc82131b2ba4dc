"""One root exception for everything nornir-pack raises on purpose, and a few precise children.

The command line turns any ``UsageError`` into a one-line message and exit code 2; anything that
is a device's fault fails that host instead and never reaches the user as a traceback.
"""

from __future__ import annotations


class NornirPackError(Exception):
    """Root of all nornir-pack errors."""


class UsageError(NornirPackError):
    """Bad input from the user: a file, a key or a value, with the fix in the message."""


class LabConfigError(UsageError):
    """The lab cannot serve what it was asked to (bad knob, platform or address)."""
