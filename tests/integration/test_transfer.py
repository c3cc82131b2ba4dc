"""Files over SCP against the lab: the transfer_file task on every plugin x platform, OpenSSH's
``scp -O`` and netmiko's ``file_transfer`` unchanged, and the CLI plugins' atomic replace."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from netmiko import ConnectHandler, file_transfer
from nornir.core import Nornir
from nornir.core.task import Result

from nornir_pack import diff
from nornir_pack.backends import for_host
from nornir_pack.exceptions import DeviceError, UsageError
from nornir_pack.lab import Device, Knobs, Lab
from nornir_pack.tasks import backup_config, deploy_config, transfer_file
from tests.conftest import PASSWORD, SECRET, DeviceFactory, configure
from tests.integration.lab_nornir import build_nornir, host_entry

PLATFORMS = ["cisco_ios", "arista_eos"]
PAYLOAD = b"! a file for the device\nhostname elsewhere\n" + bytes(range(256)) * 4


@dataclass
class Target:
    lab: Lab
    device: Device
    nr: Nornir
    plugin: str

    def run(self, task: Callable[..., Result], **kwargs: Any) -> Result:
        return self.nr.run(task=task, on_failed=True, **kwargs)[self.device.name][0]

    def files(self) -> dict[str, bytes]:
        return self.lab.call(lambda: dict(self.device.files))

    def running(self) -> str:
        return self.lab.call(self.device.running_text)


@pytest.fixture(params=PLATFORMS)
def platform(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def make_target(
    lab: Lab, make_device: DeviceFactory, tmp_path: Path, platform: str
) -> Iterator[Callable[..., Target]]:
    built: list[Nornir] = []

    def factory(plugin: str, **knobs: Any) -> Target:
        device = make_device(platform, knobs=Knobs(**knobs))
        nr = build_nornir(tmp_path / device.name, {device.name: host_entry(device, plugin)})
        built.append(nr)
        return Target(lab, device, nr, plugin)

    yield factory
    for nr in built:
        nr.close_connections(on_good=True, on_failed=True)


# ------------------------------------------------------------------ transfer_file
@pytest.mark.parametrize("plugin", ["netmiko", "scrapli", "napalm"])
def test_put_then_get_with_md5_and_skip_when_identical(
    make_target: Callable[..., Target], plugin: str, tmp_path: Path
) -> None:
    target = make_target(plugin)
    source = tmp_path / "image.bin"
    source.write_bytes(PAYLOAD)

    put = target.run(transfer_file, local=source, remote="flash:image.bin")
    again = target.run(transfer_file, local=source, remote="flash:/image.bin")

    assert not put.failed, put.result
    assert put.changed and put.result["status"] == "transferred"
    assert put.result["bytes"] == len(PAYLOAD)
    assert target.files()["image.bin"] == PAYLOAD
    assert not again.failed and again.changed is False
    assert again.result["status"] == "identical"

    back = tmp_path / "back.bin"
    got = target.run(transfer_file, local=back, remote="image.bin", direction="get")
    got_again = target.run(transfer_file, local=back, remote="image.bin", direction="get")

    assert not got.failed, got.result
    assert got.changed and back.read_bytes() == PAYLOAD
    assert got_again.changed is False
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".back")] == []


def test_dry_run_compares_only(make_target: Callable[..., Target], tmp_path: Path) -> None:
    target = make_target("scrapli")
    source = tmp_path / "f.txt"
    source.write_bytes(b"text\n")

    result = target.run(transfer_file, local=source, remote="flash:f.txt", dry_run=True)

    assert not result.failed, result.result
    assert result.changed is False and result.result["status"] == "dry run"
    assert "f.txt" not in target.files()


def test_bad_input_is_a_usage_error(make_target: Callable[..., Target], tmp_path: Path) -> None:
    target = make_target("netmiko")
    (tmp_path / "here.txt").write_text("x\n")
    before = target.lab.call(lambda: target.device.logins)

    missing = target.run(transfer_file, local=tmp_path / "nope.txt", remote="flash:x")
    bad_path = target.run(transfer_file, local=tmp_path / "here.txt", remote="nvram:../x y")

    for result in (missing, bad_path):
        assert result.failed
        assert isinstance(result.exception, UsageError)
        assert "\n" not in str(result.result)
    assert "nope.txt" in str(missing.result)
    assert "nvram:../x y" in str(bad_path.result)
    assert target.lab.call(lambda: target.device.logins) == before  # refused before any login


def test_ios_without_scp_server_says_what_to_enable(
    make_target: Callable[..., Target], platform: str, tmp_path: Path
) -> None:
    if platform != "cisco_ios":
        pytest.skip("EOS serves SCP to any user who may log in")
    target = make_target("scrapli")
    configure(target.lab, target.device, "no ip scp server enable")
    source = tmp_path / "f.txt"
    source.write_bytes(b"text\n")

    result = target.run(transfer_file, local=source, remote="flash:f.txt")

    assert result.failed
    assert "ip scp server enable" in str(result.result)


# ------------------------------------------------------------------ clients, unchanged
def _askpass(tmp_path: Path) -> dict[str, str]:
    """OpenSSH reads the password from an askpass program when there is no terminal."""
    helper = tmp_path / "askpass.sh"
    helper.write_text('#!/bin/sh\necho "$LAB_PASSWORD"\n')
    helper.chmod(helper.stat().st_mode | stat.S_IXUSR)
    return {
        **os.environ,
        "SSH_ASKPASS": str(helper),
        "SSH_ASKPASS_REQUIRE": "force",
        "DISPLAY": os.environ.get("DISPLAY", ":0"),
        "LAB_PASSWORD": PASSWORD,
    }


@pytest.mark.skipif(shutil.which("scp") is None, reason="needs the OpenSSH scp client")
def test_openssh_scp_legacy_protocol_put_and_get(
    make_target: Callable[..., Target], tmp_path: Path
) -> None:
    target = make_target("netmiko")
    source = tmp_path / "up.bin"
    source.write_bytes(PAYLOAD)
    options = [
        "-O",
        "-P",
        str(target.device.port),
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "PubkeyAuthentication=no",
        "-o",
        "BatchMode=no",
    ]
    env = _askpass(tmp_path)

    def scp(*args: str) -> None:
        done = subprocess.run(
            ["scp", *options, *args],
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr

    scp(str(source), "admin@127.0.0.1:flash:up.bin")
    assert target.files()["up.bin"] == PAYLOAD
    scp("admin@127.0.0.1:flash:up.bin", str(tmp_path / "down.bin"))
    assert (tmp_path / "down.bin").read_bytes() == PAYLOAD


def test_netmiko_file_transfer_put_and_get(
    make_target: Callable[..., Target], platform: str, tmp_path: Path
) -> None:
    target = make_target("netmiko")
    source = tmp_path / "nm.txt"
    source.write_bytes(b"netmiko was here\n" * 50)
    connection = ConnectHandler(
        device_type=platform,
        host="127.0.0.1",
        port=target.device.port,
        username="admin",
        password=PASSWORD,
        secret=SECRET,
    )
    try:
        connection.enable()
        put = file_transfer(connection, source_file=str(source), dest_file="nm.txt")
        again = file_transfer(connection, source_file=str(source), dest_file="nm.txt")
        os.chdir(tmp_path)  # netmiko gets into the working directory
        got = file_transfer(
            connection, source_file="nm.txt", dest_file="nm-back.txt", direction="get"
        )
    finally:
        connection.disconnect()

    assert put == {"file_exists": True, "file_transferred": True, "file_verified": True}
    assert again["file_transferred"] is False and again["file_verified"]
    assert got["file_verified"]
    assert target.files()["nm.txt"] == source.read_bytes()
    assert (tmp_path / "nm-back.txt").read_bytes() == source.read_bytes()


# ------------------------------------------------------------------ atomic replace
@pytest.mark.parametrize("plugin", ["netmiko", "scrapli"])
def test_replace_uploads_the_candidate_and_replaces_atomically(
    make_target: Callable[..., Target], plugin: str, platform: str, tmp_path: Path
) -> None:
    # Typing "no ntp server 10.0.0.99" would drop the session (a management line, say):
    # an atomic replace types no such line.
    target = make_target(plugin, drop_lines=(r"^no ntp server",))
    candidate = target.running().replace("ntp server 10.0.0.99\n", "ntp server 10.0.0.5\n")

    result = target.run(deploy_config, config=candidate, mode="replace", dry_run=False)

    assert not result.failed, result.result
    assert result.changed
    assert diff.normalised_diff(target.running(), candidate, platform) == ""
    assert target.lab.call(lambda: list(target.device.uploads)) == ["nornir-pack-candidate.cfg"]
    assert target.files() == {}  # the candidate file is deleted afterwards
    assert not target.run(backup_config, backup_dir=str(tmp_path / "b")).failed  # reachable


@pytest.mark.parametrize("plugin", ["netmiko", "scrapli"])
def test_pending_replace_that_cuts_logins_is_reverted_by_the_device(
    make_target: Callable[..., Target], plugin: str, platform: str
) -> None:
    cut = "logging host 10.66.66.66"
    target = make_target(plugin, cut_logins_on=(rf"^{cut}$",), minute_seconds=1.5)
    before = target.running()
    host = target.nr.inventory.hosts[target.device.name]
    task = type("T", (), {"host": host, "nornir": target.nr})()
    backend = for_host(task, plugin)  # type: ignore[arg-type]
    lines = backend.running_config().splitlines()
    candidate = "\n".join([line for line in lines if line.strip() != "end"] + [cut, "end"]) + "\n"

    backend.apply_pending(candidate, "replace", revert_after=60)  # checked over its session
    backend.close()

    assert cut in target.running()
    fresh = for_host(task, plugin)  # type: ignore[arg-type]
    with pytest.raises(DeviceError):  # new logins are cut
        fresh.running_config()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and target.running() != before:
        time.sleep(0.05)
    assert target.running() == before, "the device did not revert"
    assert cut not in for_host(task, plugin).running_config()  # type: ignore[arg-type]
