"""The lab in a child process: ``nornir-pack lab up``, started and stopped around a run.

In the run's own process, the lab's event loop competes with the run's threads for one GIL,
so at hundreds of devices a ``--lab`` run measures the lab as much as the devices. The child
serves the same devices from the same config (state folder, knobs, ports) and stops with
SIGTERM, saving what the devices saved, as ``lab up`` does on Ctrl-C.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from ..exceptions import LabConfigError

# Seconds the child gets to save its devices' state and stop before it is killed.
STOP_GRACE = 60.0


class LabProcess:
    """``with LabProcess(config, hosts):`` serves those hosts from a child process.

    The child runs in its own session, so a Ctrl-C meant for the run (which lets the hosts
    in flight finish) does not take their devices away from under them.
    """

    def __init__(self, config: Path, hosts: Sequence[str] | None = None) -> None:
        self.command = [sys.executable, "-m", "nornir_pack.cli", "lab", "up", "-c", str(config)]
        if hosts:
            self.command += ["--hosts", ",".join(hosts)]
        self.process: subprocess.Popen[str] | None = None

    def __enter__(self) -> LabProcess:
        process = subprocess.Popen(
            self.command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        assert process.stdout is not None
        self.process = process
        last = ""
        for line in process.stdout:
            if line.startswith("lab ready"):
                # keep reading, so that what the lab prints later never fills the pipe
                threading.Thread(target=process.stdout.read, daemon=True).start()
                return self
            last = line.strip()
        code = process.wait()
        reason = last.removeprefix("nornir-pack: error: ") or f"it exited with code {code}"
        raise LabConfigError(f"the lab did not start: {reason}")

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=STOP_GRACE)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
