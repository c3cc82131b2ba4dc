"""NAPALM backend: the driver's own candidate, compare, commit, confirm and rollback.

A loaded candidate is a lock on the device (an EOS config session, IOS candidate files), so
every path that loads one ends in a commit or a discard, and a session that cannot be
discarded is closed. After a commit the running config is read back and checked; a rollback
is checked against the snapshot too, and falls back to replacing the config with the snapshot
when the driver's native rollback restores something else (EOS rolls back to the startup
config, which is not the snapshot when the running config had unsaved changes).
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from nornir.core.plugins.connections import ConnectionPluginRegister

from ..diff import clean_config, normalised_diff
from ..platforms import host_platform, host_plugin_platform
from . import (
    DeviceError,
    Mode,
    describe,
    device_errors,
    drop_connection,
    ensure_registered,
    intended_config,
    open_connection,
    require_converged,
    sanitize_diff,
)

if TYPE_CHECKING:
    from nornir.core.configuration import Config
    from nornir.core.inventory import Host

PLUGIN = "napalm"


class NapalmBackend:
    """ConfigBackend over ``host.get_connection("napalm")``."""

    plugin = PLUGIN

    def __init__(self, host: Host, config: Config) -> None:
        self.host = host
        self.config = config
        self.platform = host_platform(host)
        self.committed = False  # whether this backend changed the device (native rollback)

    @property
    def driver(self) -> Any:
        return open_connection(self.host, self.config, PLUGIN)

    # -- the contract
    def running_config(self) -> str:
        with device_errors(self.host, PLUGIN, "reading the running config"):
            text = self.driver.get_config(retrieve="running")["running"]
        return clean_config(str(text), self.platform)

    def diff(self, candidate: str, mode: Mode = "merge", running: str | None = None) -> str:
        current = self.running_config() if running is None else running
        intended = intended_config(current, candidate, mode, self.platform)
        return normalised_diff(current, intended, self.platform)

    def native_diff(self, candidate: str, mode: Mode = "replace") -> str:
        """The driver's own diff of ``candidate``; the candidate is always discarded."""
        with (
            self.candidate(candidate, mode) as driver,
            device_errors(self.host, PLUGIN, "comparing the candidate"),
        ):
            return str(driver.compare_config())

    def apply(self, candidate: str, mode: Mode = "merge", running: str | None = None) -> None:
        self.commit(candidate, mode)
        self.verify(candidate, mode)

    def save(self) -> None:
        """Nothing to do: NAPALM's commit already writes the startup config."""

    def rollback(self, snapshot: str) -> str:
        before = self.running_config()
        undone = normalised_diff(before, snapshot, self.platform)
        if self.committed:
            try:
                with device_errors(self.host, PLUGIN, "native rollback"):
                    self.driver.rollback()
                self.committed = False
                self.close()
            except DeviceError:
                pass  # replaced with the snapshot below
        if normalised_diff(self.running_config(), snapshot, self.platform):
            self.commit(snapshot, "replace")
            self.committed = False
        remaining = normalised_diff(self.running_config(), snapshot, self.platform)
        if remaining:
            raise DeviceError(
                "the running config still differs from the snapshot:\n"
                + sanitize_diff(remaining, self.platform)
            )
        return undone

    def close(self) -> None:
        drop_connection(self.host, PLUGIN)

    # -- NAPALM specifics
    def candidate(self, text: str, mode: Mode, *, pending: bool = False) -> _Candidate:
        """A context that loads ``text`` as the candidate and always discards it on exit.

        The connection is closed on exit too (NAPALM ios configures ``file prompt quiet``
        for the life of its connection; closing removes it), unless ``pending``: a commit
        awaiting its confirm must keep its session (closing aborts it on EOS).
        """
        return _Candidate(self, text, mode, pending)

    def commit(self, candidate: str, mode: Mode, revert_in: int | None = None) -> str:
        """Load, compare and commit ``candidate``; return the native diff that was committed.

        With ``revert_in`` the device reverts on its own unless ``confirm`` follows.
        """
        loaded = self.candidate(candidate, mode, pending=revert_in is not None)
        with loaded as driver:
            with device_errors(self.host, PLUGIN, "comparing the candidate"):
                native = str(driver.compare_config())
            with device_errors(self.host, PLUGIN, "committing the candidate"):
                driver.commit_config(revert_in=revert_in)
            # committed: discarding now would abort a pending (revert_in) EOS session
            loaded.committed = True
            self.committed = True
        return native

    def verify(self, candidate: str, mode: Mode) -> None:
        """Read the running config back: applying the candidate again must change nothing."""
        require_converged(self.diff(candidate, mode), self.platform, "the commit")

    def confirm(self) -> None:
        """Confirm a commit made with ``revert_in``."""
        with device_errors(self.host, PLUGIN, "confirming the commit"):
            self.driver.confirm_commit()
        self.close()

    def revert_now(self) -> None:
        """Revert a pending (unconfirmed) commit now instead of waiting for its timer."""
        with device_errors(self.host, PLUGIN, "reverting the pending commit"):
            if self.driver.has_pending_commit():
                self.driver.rollback()
        self.committed = False
        self.close()

    def fresh_running_config(self) -> str:
        """Read the running config over a new connection (a post-check that the device is
        still reachable and manageable), leaving the committing session untouched."""
        params = self.host.get_connection_parameters(PLUGIN)
        ensure_registered(PLUGIN)
        connection = ConnectionPluginRegister.get_plugin(PLUGIN)()
        # Not device_errors: that would drop the committing connection, and closing it
        # discards (on EOS: aborts) the pending commit before we decide what to do with it.
        try:
            connection.open(
                hostname=params.hostname,
                username=params.username,
                password=params.password,
                port=params.port,
                platform=host_plugin_platform(self.host, PLUGIN),
                extras=copy.deepcopy(params.extras),  # never the host's shared dict
                configuration=self.config,
            )
            try:
                text = connection.connection.get_config(retrieve="running")["running"]
            finally:
                connection.close()
        except Exception as exc:
            raise DeviceError(
                f"post-check over a new connection failed: {describe(exc, self.host)}"
            ) from None
        return clean_config(str(text), self.platform)


class _Candidate:
    """Loaded candidate config: discarded unless committed, then the connection closed."""

    def __init__(self, backend: NapalmBackend, text: str, mode: Mode, pending: bool) -> None:
        self.backend = backend
        self.text = text
        self.mode = mode
        self.pending = pending
        self.committed = False

    def __enter__(self) -> Any:
        driver = self.backend.driver
        try:
            with device_errors(self.backend.host, PLUGIN, "loading the candidate"):
                if self.mode == "replace":
                    driver.load_replace_candidate(config=self.text)
                else:
                    driver.load_merge_candidate(config=self.text)
        except DeviceError:
            self._discard()
            self.backend.close()
            raise
        return driver

    def __exit__(self, *exc_info: object) -> None:
        if not self.committed:
            self._discard()
        if not (self.committed and self.pending):
            self.backend.close()

    def _discard(self) -> None:
        host = self.backend.host
        driver = host.connections.get(PLUGIN)
        if driver is None:
            return  # already dropped: closing it discarded the session
        try:
            driver.connection.discard_config()
        except Exception:  # the session is suspect: close it, which discards on the device
            drop_connection(host, PLUGIN)
