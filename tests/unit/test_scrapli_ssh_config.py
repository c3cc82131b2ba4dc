"""The SSH config file handed to scrapli is the one scrapli itself would resolve
(backends.aio._found_ssh_config, which spares scrapli's pathlib probes)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from scrapli import AsyncScrapli

from nornir_pack.backends.aio import _found_ssh_config


def resolved_by_scrapli(configured: Any) -> str:
    session = AsyncScrapli(
        host="192.0.2.1", platform="cisco_iosxe", transport="asyncssh", ssh_config_file=configured
    )
    return str(session.ssh_config_file)


@pytest.mark.parametrize("home_config", [True, False])
@pytest.mark.parametrize(
    "configured", ["named", "~/named", "missing", "~/.ssh/config", "", True, False]
)
def test_scrapli_resolves_what_it_is_given_to_what_it_would_have_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, configured: Any, home_config: bool
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "named").write_text("Host *\n    ServerAliveInterval 5\n")
    if home_config:
        (tmp_path / ".ssh").mkdir()
        (tmp_path / ".ssh" / "config").write_text("Host *\n    ServerAliveInterval 7\n")
    expected = resolved_by_scrapli(configured)
    given = _found_ssh_config(configured)
    assert resolved_by_scrapli(given) == expected
    if home_config and configured not in (False, "named", "~/named"):
        assert given == str(tmp_path / ".ssh" / "config")  # found here, probed once there
