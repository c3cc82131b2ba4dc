"""Safe rollout of a change: a canary, waves, a failure budget per wave, rollback of a failed wave.

The runner (``nornir_pack.runners``) applies a rollout to every ``nr.run`` of a change task, so
the built-in deploy and a team's own runbook that calls ``deploy_config`` or ``napalm_commit``
get it alike. Hosts go into waves in inventory order (the order of hosts.yaml), or one value of a
host data key per wave (``wave_by: site``); a canary wave of the first N hosts goes first. After
each wave the share of failed hosts is compared with ``max_fail`` (Ansible's
``max_fail_percentage``: the wave fails when the share *exceeds* it); a failed wave stops the
rollout, and by default every host of that wave whose change was committed is rolled back to its
pre-change snapshot and verified. Later waves are not started.

Change tasks record what they committed here (``record_commit``) while a rollout is active, so
the runner can roll a host back without knowing which task changed it. Tasks marked read-only
(``nornir_pack.tasks.read_only``: backup, compliance, health, render; deploy as a dry run) run
without waves.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, cast

from .exceptions import UsageError
from .tasks.boundary import is_read_only

if TYPE_CHECKING:
    from nornir.core.inventory import Host
    from nornir.core.task import Task

OnWaveFail = Literal["rollback-wave", "rollback-all", "stop"]
ON_WAVE_FAIL: tuple[OnWaveFail, ...] = ("rollback-wave", "rollback-all", "stop")

# The attribute that marks a Result the rollout added to a host's results (its rollback).
ROLLOUT_STEP = "nornir_pack_rollout_step"
# Tasks that only read, and Nornir's own housekeeping: never split into waves.
_HOUSEKEEPING = frozenset({"close_connections_task"})


def runs_without_waves(task: Task) -> bool:
    """Whether a rollout leaves ``task`` alone: it only reads (``tasks.boundary.read_only``;
    deploy as a dry run), or it is Nornir's own housekeeping."""
    return task.name in _HOUSEKEEPING or is_read_only(task.task, task.params, task.global_dry_run)


@dataclass(frozen=True)
class RolloutOptions:
    """How a change goes out; the command line's ``--canary``, ``--wave-size``, ``--max-fail``,
    ``--pause``, ``--on-wave-fail``, ``--wave-by`` and ``--confirm-timeout``."""

    canary: int = 0
    wave_size: int | str | None = None  # hosts per wave, or "P%" of all hosts
    max_fail: float | str = 0.0  # percent of a wave's hosts that may fail
    pause: float = 0.0  # seconds between waves
    on_wave_fail: OnWaveFail = "rollback-wave"
    wave_by: str | None = None  # host data key: one value per wave
    confirm_timeout: float | None = None  # commit with a device-side revert timer
    post_checks: tuple[Any, ...] = ()  # callables or "module:function" names, or "health"

    def __post_init__(self) -> None:
        _at_least("canary", self.canary, 0)
        _at_least("pause", self.pause, 0)
        if self.confirm_timeout is not None:
            _at_least("confirm_timeout", self.confirm_timeout, 1)
        object.__setattr__(self, "max_fail", _percent("max_fail", self.max_fail))
        if self.wave_size is not None:
            wave_size_of(self.wave_size, 1)  # validates
        if self.on_wave_fail not in ON_WAVE_FAIL:
            raise UsageError(
                f"rollout option on_wave_fail is {self.on_wave_fail!r}: "
                f"use one of {', '.join(ON_WAVE_FAIL)}"
            )
        if self.wave_by is not None and (not isinstance(self.wave_by, str) or not self.wave_by):
            raise UsageError(
                f"rollout option wave_by is {self.wave_by!r}: name a host data key, e.g. site"
            )
        if isinstance(self.post_checks, (str, bytes)) or not isinstance(self.post_checks, Iterable):
            raise UsageError(
                f"rollout option post_checks is {self.post_checks!r}: "
                "give a list, e.g. [health, mychecks:bgp_up]"
            )
        object.__setattr__(self, "post_checks", tuple(self.post_checks))

    @property
    def waves(self) -> bool:
        """Whether hosts go out in waves at all (a canary, a wave size or a key)."""
        return bool(self.canary or self.wave_size is not None or self.wave_by)

    @property
    def failure_budget(self) -> float:
        return cast(float, self.max_fail)


def _at_least(name: str, value: Any, least: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < least:
        raise UsageError(f"rollout option {name} is {value!r}: use a number of at least {least:g}")


def _percent(name: str, value: Any) -> float:
    """``20``, ``20%`` or ``"20%"`` as 20.0, between 0 and 100."""
    text = str(value).strip()
    number = text[:-1] if text.endswith("%") else text
    try:
        percent = float(number)
    except ValueError:
        percent = -1.0
    if isinstance(value, bool) or not 0 <= percent <= 100:
        raise UsageError(f"rollout option {name} is {value!r}: use a percentage, e.g. 20%")
    return percent


def wave_size_of(spec: int | str, total: int) -> int:
    """Hosts per wave: ``N``, or ``P%`` of ``total`` rounded up (at least one)."""
    text = str(spec).strip()
    if text.endswith("%"):
        percent = _percent("wave_size", text)
        if percent == 0:
            raise UsageError(f"rollout option wave_size is {spec!r}: use more than 0%")
        return max(1, math.ceil(total * percent / 100))
    try:
        size = int(text)
    except ValueError:
        size = 0
    if isinstance(spec, bool) or size < 1:
        raise UsageError(
            f"rollout option wave_size is {spec!r}: use a number of hosts (4) or a share (25%)"
        )
    return size


# ------------------------------------------------------------------ planning waves
@dataclass
class Wave:
    """One wave of a rollout, and what became of it."""

    number: int
    hosts: list[str]
    label: str = ""  # "canary", or "site=a" for a wave of --wave-by
    status: str = "not started"  # passed, failed, interrupted, not started
    failed: list[str] = field(default_factory=list)
    rolled_back: list[str] = field(default_factory=list)
    rollback_failed: list[str] = field(default_factory=list)
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "label": self.label,
            "status": self.status,
            "hosts": list(self.hosts),
            "failed": list(self.failed),
            "rolled_back": list(self.rolled_back),
            "rollback_failed": list(self.rollback_failed),
            "reason": self.reason,
        }


def plan_waves(hosts: Sequence[Host], options: RolloutOptions) -> list[Wave]:
    """Hosts in waves: the canary first, then by ``wave_by`` value (in order of first
    appearance), each cut into ``wave_size`` pieces; a host keeps its inventory order."""
    names = [host.name for host in hosts]
    waves: list[list[str]] = []
    labels: list[str] = []
    canary, rest = names[: options.canary], names[options.canary :]
    if canary:
        waves.append(canary)
        labels.append("canary")
    groups: dict[str, list[str]] = {}
    if options.wave_by:
        by_name = {host.name: host for host in hosts}
        for name in rest:
            label = f"{options.wave_by}={_key(by_name[name], options.wave_by)}"
            groups.setdefault(label, []).append(name)
    else:
        groups[""] = rest
    size = wave_size_of(options.wave_size, len(names)) if options.wave_size is not None else 0
    for label, members in groups.items():
        step = size or len(members)
        for start in range(0, len(members), step or 1):
            waves.append(members[start : start + step])
            labels.append(label)
    return [
        Wave(number, members, label)
        for number, (members, label) in enumerate(zip(waves, labels, strict=True), start=1)
        if members
    ]


def _key(host: Host, key: str) -> str:
    try:
        value = host[key]
    except KeyError:
        return "(none)"
    return str(value)


def wave_failed(wave: Wave, options: RolloutOptions) -> bool:
    """A canary fails on any failure; a wave when its failed share exceeds ``max_fail``."""
    if not wave.failed:
        return False
    if wave.label == "canary":
        return True
    return len(wave.failed) * 100 > options.failure_budget * len(wave.hosts)


# ------------------------------------------------------------------ what was committed
@dataclass(frozen=True)
class Commit:
    """A committed change: what ``rollback`` needs to undo it."""

    plugin: str
    snapshot: str


class _Active:
    """The rollout in force (one per process, set by the runner for its run) and the commits
    recorded during it, by host name."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.options: RolloutOptions | None = None
        self.commits: dict[str, Commit] = {}


_active = _Active()


@contextmanager
def rollout(options: RolloutOptions) -> Iterator[None]:
    """Make ``options`` the rollout in force until the block ends (the runner's run)."""
    with _active.lock:
        previous = (_active.options, _active.commits)
        _active.options, _active.commits = options, {}
    try:
        yield
    finally:
        with _active.lock:
            _active.options, _active.commits = previous


def active() -> RolloutOptions | None:
    """The rollout options of the run in progress, if it has any."""
    return _active.options


def record_commit(host: Host, plugin: str, snapshot: str) -> None:
    """A change task committed on ``host``: keep its snapshot while a rollout may undo it."""
    with _active.lock:
        if _active.options is not None and _active.options.waves:
            _active.commits[host.name] = Commit(plugin, snapshot)


def commits(names: Iterable[str]) -> Mapping[str, Commit]:
    """The recorded commits of these hosts."""
    with _active.lock:
        return {name: _active.commits[name] for name in names if name in _active.commits}


def forget_commit(name: str) -> None:
    with _active.lock:
        _active.commits.pop(name, None)


__all__ = [
    "ON_WAVE_FAIL",
    "ROLLOUT_STEP",
    "Commit",
    "RolloutOptions",
    "Wave",
    "active",
    "commits",
    "plan_waves",
    "record_commit",
    "rollout",
    "runs_without_waves",
    "wave_failed",
    "wave_size_of",
]
