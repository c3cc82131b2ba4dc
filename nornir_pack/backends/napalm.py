"""NAPALM backend: the driver's own candidate, compare, commit, confirm and rollback.

A loaded candidate is a lock on the device (an EOS config session, IOS candidate files), so
every path that loads one ends in a commit or a discard, and a session that cannot be
discarded is closed. After a commit the running config is read back and checked; a rollback
is checked against the snapshot too, and falls back to replacing the config with the snapshot
when the driver's native rollback restores something else (EOS rolls back to the startup
config, which is not the snapshot when the running config had unsaved changes).

Nothing is left behind on the device: a discarded candidate leaves no file on ``flash:`` and
no open session, and after a commit or a rollback the startup config equals the running
config (``_Leftovers`` says what NAPALM ios leaves and why). A commit awaiting its confirm
survives any close of its connection: the device's timer reverts it unless confirmed.
"""

from __future__ import annotations

import contextlib
import copy
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nornir.core.plugins.connections import ConnectionPluginRegister

from ..diff import clean_config, normalised_diff
from ..platforms import host_platform, host_plugin_platform
from . import (
    DeviceError,
    Mode,
    change_diff,
    check_identity,
    describe,
    device_errors,
    drop_connection,
    ensure_registered,
    expected_hostname,
    open_connection,
    require_converged,
    sanitize_diff,
)

if TYPE_CHECKING:
    from nornir.core.configuration import Config
    from nornir.core.inventory import Host

PLUGIN = "napalm"


@dataclass(frozen=True)
class _Leftovers:
    """What a NAPALM driver leaves on the device, and the commands that clean it up.

    napalm/ios/ios.py: ``load_*_candidate`` copy the candidate to ``flash:`` (``candidate_cfg``,
    ``merge_cfg``) and ``discard_config`` only overwrites both (``copy running-config``, ``copy
    null:``), so deleting them is the discard that leaves nothing. ``commit_config``,
    ``confirm_commit`` and ``rollback`` save while the ``file prompt quiet`` that
    ``_file_prompt_quiet`` turned on is still there, and ``close`` removes it from the running
    config only: startup must be saved again after the close. EOS keeps its candidate in a
    session that ``discard_config`` aborts, and its close changes no config: nothing to do.
    """

    files: tuple[str, ...] = ()  # driver attributes naming its candidate files
    delete: str = ""  # removes one file without a question; ``{path}`` is the full path
    save: str = ""  # writes the running config to startup
    saved: str = ""  # what the save prints when it worked
    # the line the driver configures for its file operations (and removes on close) unless
    # ``auto_file_prompt`` is off, when it needs the line in the device's own config
    prompt_line: str = ""


# Keyed by the driver's own ``platform`` attribute (NAPALM's driver name).
_LEFTOVERS: Mapping[str, _Leftovers] = {
    "ios": _Leftovers(
        files=("candidate_cfg", "merge_cfg"),
        delete="delete /force {path}",
        save="write memory",
        saved="[OK]",
        prompt_line="file prompt quiet",
    ),
}


def _leftovers(driver: Any) -> _Leftovers:
    return _LEFTOVERS.get(str(getattr(driver, "platform", "")), _Leftovers())


def _restores_on_close(driver: Any) -> bool:
    """Whether ``driver.close()`` will change the running config: NAPALM ios sends ``no file
    prompt quiet`` when ``auto_file_prompt`` is on and it configured the line itself."""
    return bool(getattr(driver, "auto_file_prompt", False)) and bool(
        getattr(driver, "prompt_quiet_changed", False)
    )


def _remove_candidate_files(driver: Any) -> list[str]:
    """Delete the driver's candidate files; the device's complaints (a missing file is none)."""
    leftovers = _leftovers(driver)
    if not leftovers.files:
        return []
    folder = driver.dest_file_system  # as napalm's _gen_full_path builds the path
    commands = [
        leftovers.delete.format(path=f"{folder}/{getattr(driver, attribute)}")
        for attribute in leftovers.files
    ]
    outputs = driver.cli(commands)
    return [
        f"'{command}': {str(output).strip()}"
        for command, output in outputs.items()
        if "%" in str(output) and "No such file" not in str(output)
    ]


class NapalmBackend:
    """ConfigBackend over ``host.get_connection("napalm")``."""

    plugin = PLUGIN

    def __init__(self, host: Host, config: Config) -> None:
        self.host = host
        self.config = config
        self.platform = host_platform(host)
        self.committed = False  # whether this backend changed the device (native rollback)
        self.armed = False  # a revert timer of this backend's commit runs on the device
        self.native_diff_committed = ""  # the driver's own diff of the last commit
        # EOS: the session of a commit awaiting its confirm, kept off the driver (see commit)
        self.pending_session: str | None = None

    @property
    def driver(self) -> Any:
        fresh = PLUGIN not in self.host.connections
        driver = open_connection(self.host, self.config, PLUGIN)
        if fresh and expected_hostname(self.host) is not None:
            with device_errors(self.host, PLUGIN, "reading the hostname"):
                reported = _reported_hostname(driver)
            check_identity(self.host, PLUGIN, reported)
        return driver

    # -- the contract
    def running_config(self) -> str:
        with device_errors(self.host, PLUGIN, "reading the running config"):
            text = self.driver.get_config(retrieve="running")["running"]
        return clean_config(str(text), self.platform)

    def diff(self, candidate: str, mode: Mode = "merge", running: str | None = None) -> str:
        current = self.running_config() if running is None else running
        return change_diff(current, candidate, mode, self.platform)

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
        """Nothing to do: a commit leaves the startup config equal to the running config."""

    def rollback(self, snapshot: str) -> str:
        before = self.running_config()
        undone = normalised_diff(before, snapshot, self.platform)
        if self.committed:
            try:
                with self._pending_named("native rollback") as driver:
                    driver.rollback()
            except DeviceError:
                pass  # replaced with the snapshot below
            else:
                self.committed, self.pending_session = False, None
                self.close()
        if normalised_diff(self.running_config(), snapshot, self.platform):
            self.commit(snapshot, "replace")
            self.committed = False
        remaining = normalised_diff(self.running_config(), snapshot, self.platform)
        if remaining:
            raise DeviceError(
                "the running config still differs from the snapshot:\n"
                + sanitize_diff(remaining, self.platform)
            )
        self._tidy()
        return undone

    def close(self) -> None:
        """Close the connection; a commit awaiting its confirm stays pending (see ``commit``)."""
        drop_connection(self.host, PLUGIN)

    # -- NAPALM specifics
    def candidate(self, text: str, mode: Mode, *, pending: bool = False) -> _Candidate:
        """A context that loads ``text`` as the candidate and always discards it on exit.

        The connection is closed on exit too (NAPALM ios configures ``file prompt quiet``
        for the life of its connection; closing removes it, and after a commit the startup
        config is saved again), unless ``pending``: a commit awaiting its confirm keeps its
        session for the confirm, and nothing may be saved before it.
        """
        return _Candidate(self, text, mode, pending)

    def commit(self, candidate: str, mode: Mode, revert_in: int | None = None) -> str:
        """Load, compare and commit ``candidate``; return the native diff that was committed.

        With ``revert_in`` the device reverts on its own unless ``confirm`` follows. NAPALM eos
        names the pending session in ``config_session``, and its ``close`` aborts the session
        so named (``discard_config``): any close, a dropped connection included, would revert
        the change at once, over one more eAPI request. So the backend holds the name instead,
        and a close leaves the change to the device's timer, as on every other plugin.
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
            self.armed = revert_in is not None
            session = getattr(driver, "config_session", None)
            if revert_in is not None and session is not None:
                self.pending_session, driver.config_session = str(session), None
        self.native_diff_committed = native
        return native

    def apply_pending(
        self,
        candidate: str,
        mode: Mode = "merge",
        running: str | None = None,
        *,
        revert_after: float,
    ) -> None:
        """``commit`` with NAPALM's native ``revert_in`` (IOS: whole minutes, rounded up;
        the archive feature must be on), then verify; a change that does not converge is
        reverted at once. The committing connection stays open until ``confirm``; closing
        it instead leaves the change to the device's timer.

        NAPALM ios turns ``file prompt quiet`` on before it arms the timer (its copies would
        ask questions otherwise), so the archive the timer goes back to would keep that line,
        and with no further login nothing could take it out again: the running config would
        be neither the pre-change one nor the startup config. So a pending commit runs with
        NAPALM's ``auto_file_prompt`` off: NAPALM then neither adds the line nor takes the
        device's own out when it closes, and needs it in the device's config (checked in
        ``running``, the snapshot; without it, DeviceError before anything is loaded).
        """
        with device_errors(self.host, PLUGIN, "logging in"):
            prompt_line = _leftovers(self.driver).prompt_line
        if prompt_line:
            current = self.running_config() if running is None else running
            if prompt_line not in (line.strip() for line in current.splitlines()):
                raise DeviceError(
                    f"a NAPALM commit-confirm on {self.platform} needs '{prompt_line}' in the "
                    "device's config: else NAPALM configures it just before it arms the revert "
                    "timer, and the device's revert would keep it; add it, or use netmiko or "
                    "scrapli for this host"
                )
            self.driver.auto_file_prompt = False
        seconds = math.ceil(revert_after)
        if self.platform in ("cisco_ios", "cisco_xe"):
            seconds = 60 * max(1, math.ceil(revert_after / 60))  # NAPALM ios wants minutes
        self.commit(candidate, mode, revert_in=max(1, seconds))
        try:
            self.verify(candidate, mode)
        except DeviceError as cause:
            try:
                self.revert_now()
            except DeviceError as exc:
                raise type(cause)(
                    f"{cause}; reverting at once failed ({exc}): the device reverts by its own "
                    "timer"
                ) from None
            raise

    def pending(self) -> bool:
        """Whether a commit awaits its confirm (NAPALM's ``has_pending_commit``)."""
        with device_errors(self.host, PLUGIN, "reading the pending commit"):
            return bool(self.driver.has_pending_commit())

    def verify(self, candidate: str, mode: Mode) -> None:
        """Read the running config back: applying the candidate again must change nothing."""
        require_converged(self.diff(candidate, mode), self.platform, "the commit")

    def confirm(self) -> None:
        """Confirm a commit made with ``revert_in``."""
        with self._pending_named("confirming the commit") as driver:
            driver.confirm_commit()
        self.pending_session, self.armed = None, False
        self.close_saved()

    def revert_now(self) -> None:
        """Revert a pending (unconfirmed) commit now instead of waiting for its timer."""
        with self._pending_named("reverting the pending commit") as driver:
            reverted = bool(driver.has_pending_commit())
            if reverted:
                driver.rollback()
        self.pending_session, self.armed = None, False
        self.committed = False
        if reverted:
            self.close_saved()
        else:
            self.close()

    @contextlib.contextmanager
    def _pending_named(self, action: str) -> Iterator[Any]:
        """The driver, within ``device_errors``, naming the pending EOS session while it
        confirms or reverts it, and never when it closes: ``device_errors`` closes it on the
        way out of a failure (see ``commit``)."""
        with device_errors(self.host, PLUGIN, action):
            driver = self.driver
            if self.pending_session is not None:
                driver.config_session = self.pending_session
            try:
                yield driver
            finally:
                if self.pending_session is not None:
                    driver.config_session = None

    def close_saved(self) -> None:
        """Close a connection NAPALM saved the config in, then save again if closing changed
        the running config (see ``_Leftovers``), so that startup equals running."""
        connection = self.host.connections.get(PLUGIN)
        restores = connection is not None and _restores_on_close(connection.connection)
        self.close()
        if restores:
            self._save_running()

    def _save_running(self) -> None:
        """Write the running config to startup, on drivers whose own saves can fall behind."""
        driver = self.driver
        leftovers = _leftovers(driver)
        if not leftovers.save:
            return
        with device_errors(self.host, PLUGIN, "saving the config"):
            output = str(driver.cli([leftovers.save])[leftovers.save])
        if leftovers.saved not in output:
            raise DeviceError(f"'{leftovers.save}' did not save the config: {output.strip()}")

    def _tidy(self) -> None:
        """After a rollback: remove the candidate files a failed commit had no chance to
        delete (its connection was dropped), and save what was restored."""
        driver = self.driver
        with device_errors(self.host, PLUGIN, "removing the candidate files"):
            problems = _remove_candidate_files(driver)
        if problems:
            raise DeviceError("the candidate files stay on the device: " + "; ".join(problems))
        self._save_running()

    def fresh_running_config(self) -> str:
        """Read the running config over a new connection (a post-check that the device is
        still reachable and manageable), leaving the committing session untouched."""
        params = self.host.get_connection_parameters(PLUGIN)
        ensure_registered(PLUGIN)
        connection = ConnectionPluginRegister.get_plugin(PLUGIN)()
        # Not device_errors: that would drop the host's connection, the committing one, which
        # this check does not use.
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


def _reported_hostname(driver: Any) -> str:
    """The hostname the device reports, as cheaply as the driver allows: the prompt netmiko
    found at login (IOS), else one ``show hostname`` (EOS eAPI)."""
    prompt = getattr(driver.device, "base_prompt", None)
    if prompt:
        return str(prompt)
    return str(driver.device.run_commands(["show hostname"])[0]["hostname"])


class _Candidate:
    """Loaded candidate config: discarded unless committed, then the connection closed.

    A discard that leaves something on the device fails (unless an error is already on its
    way out); after a commit the candidate files are removed as well as can be, since a
    commit that worked is not undone for a leftover file.
    """

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
            self._discard(strict=False)
            self.backend.close()
            raise
        return driver

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object
    ) -> None:
        if self.committed:
            connection = self.backend.host.connections.get(PLUGIN)
            if connection is not None:
                with contextlib.suppress(Exception):  # best effort: see the class docstring
                    _remove_candidate_files(connection.connection)
            if not self.pending:
                self.backend.close_saved()
            return
        try:
            self._discard(strict=exc_type is None)
        finally:
            self.backend.close()

    def _discard(self, *, strict: bool) -> None:
        """Drop the candidate: delete the driver's candidate files where it keeps it in files
        (IOS), else ``discard_config`` (EOS aborts the session). ``strict``: fail if that
        leaves anything behind."""
        host = self.backend.host
        connection = host.connections.get(PLUGIN)
        if connection is None:
            return  # already dropped: closing it aborted an EOS session
        driver = connection.connection
        try:
            if _leftovers(driver).files:
                problems = _remove_candidate_files(driver)
            else:
                driver.discard_config()
                problems = []
        except Exception as exc:  # the session is suspect: close it (EOS: that aborts it)
            drop_connection(host, PLUGIN)
            if strict:
                raise DeviceError(
                    f"discarding the candidate failed over {PLUGIN}: {describe(exc, host)}"
                ) from None
            return
        if problems and strict:
            raise DeviceError("the candidate files stay on the device: " + "; ".join(problems))
