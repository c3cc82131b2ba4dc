"""One root exception for everything nornir-pack raises on purpose, and a few precise children.

The command line turns any ``UsageError`` into a one-line message and exit code 2; anything that
is a device's fault fails that host instead and never reaches the user as a traceback. Reports
tell the device errors apart by class: a refused change or a failed check is a JUnit
``<failure>``; a device that could not be reached, or a library that broke, is an ``<error>``;
a failed rollback is its own status, because the device is left in an unknown state.
"""

from __future__ import annotations


class NornirPackError(Exception):
    """Root of all nornir-pack errors."""


class UsageError(NornirPackError):
    """Bad input from the user: a file, a key or a value, with the fix in the message."""


class LabConfigError(UsageError):
    """The lab cannot serve what it was asked to (bad knob, platform or address)."""


class DeviceError(NornirPackError):
    """A device refused a change or failed a check after one.

    Tasks turn it into a failed host with this message; it never stops the run.
    """


class DeviceUnreachable(DeviceError):
    """The device could not be reached or logged in to, or the session broke or timed out."""


class LibraryError(DeviceError):
    """A connection library raised something nornir-pack does not recognise as a refusal."""


class WrongDevice(DeviceError):
    """The device that answered is not the host the inventory meant (its hostname differs)."""


class TransferFailed(DeviceError):
    """A file could not be copied to or from the device (SCP refused, no space, bad MD5)."""


class RollbackFailed(DeviceError):
    """A failed change could not be undone: the device is in an unknown state."""


class WorkerLost(DeviceUnreachable):
    """The Dask worker running the host died before the host's result came back.

    For a read-only task the host is run again elsewhere; for a change it is not, since the
    change may or may not have reached the device: the message says to check it.
    """


class RunbookCrashed(NornirPackError):
    """The runbook itself raised (a bug, not a device's fault): exit code 3."""


class Interrupted(NornirPackError):
    """The run was interrupted (Ctrl-C) before this host's task started: nothing was done."""


class RolledBack(NornirPackError):
    """The host's change was committed, then undone because its rollout wave failed."""


class NotStarted(NornirPackError):
    """The rollout stopped before this host's wave: nothing was done on it."""
