"""Copy a file to or from a device's flash over SCP, verified by the device's own MD5."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from nornir.core.task import Result, Task

from ..backends import choose_plugin
from ..backends.transfer import FileTransfer, md5_bytes, remote_file
from ..exceptions import DeviceError, UsageError
from ..platforms import host_platform
from .boundary import task_boundary

Direction = Literal["put", "get"]


@task_boundary
def transfer_file(
    task: Task,
    local: str | Path,
    remote: str,
    direction: Direction = "put",
    *,
    plugin: str | None = None,
    dry_run: bool | None = None,
) -> Result:
    """Nornir task: put ``local`` on the device as ``remote`` (``flash:name``), or get it.

    Over SCP on an SSH connection of its own, logged in with the credentials of the host's
    plugin (``plugin`` or the one ``choose_plugin`` picks). A put checks the free space first
    and the device's ``verify /md5`` after; a get checks the MD5 of what arrived and writes the
    file atomically. Nothing moves when both sides already have the same MD5. ``changed`` is
    true only when bytes moved; a dry run (argument or Nornir's) only compares.

    Raises (as a failed host):
        UsageError: a missing local file or folder, a bad remote path or direction.
        DeviceError: the device refused SCP, ran out of space, or the MD5 differs.
    """
    host = task.host
    if direction not in ("put", "get"):
        raise UsageError(f"transfer_file: direction '{direction}' is not supported: use put or get")
    target = remote_file(remote, host_platform(host))
    path = Path(local)
    if direction == "put" and not path.is_file():
        raise UsageError(f"transfer_file: local file '{path}' does not exist: give a file to put")
    if direction == "get" and not path.parent.is_dir():
        raise UsageError(
            f"transfer_file: folder '{path.parent}' does not exist: create it or get elsewhere"
        )
    chosen = choose_plugin(host, task.nornir.config, plugin)
    summary = {"direction": direction, "local": str(path), "remote": target.path}
    with FileTransfer(host, chosen) as transfer:
        device_md5 = transfer.md5(target)
        local_md5: str | None
        if direction == "put":
            data = path.read_bytes()
            local_md5 = md5_bytes(data)
        else:
            if device_md5 is None:
                raise DeviceError(f"transfer_file: {target.path} does not exist on the device")
            local_md5 = md5_bytes(path.read_bytes()) if path.is_file() else None
        done = {**summary, "md5": device_md5 if direction == "get" else local_md5}
        if device_md5 == local_md5:
            return Result(host=host, changed=False, result={**done, "status": "identical"})
        if task.is_dry_run(dry_run):
            return Result(host=host, changed=False, result={**done, "status": "dry run"})
        if direction == "put":
            transfer.put(data, target)
            moved = len(data)
        else:
            assert device_md5 is not None
            moved = transfer.get(target, path, device_md5)
    return Result(host=host, changed=True, result={**done, "status": "transferred", "bytes": moved})
