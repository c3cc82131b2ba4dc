"""Terminal behaviour seen by a raw SSH client, and many devices in one process."""

from __future__ import annotations

import asyncio

import asyncssh
import pytest

from nornir_pack.lab import Lab
from tests.conftest import PASSWORD, DeviceFactory


async def _open_shell(
    port: int,
) -> tuple[asyncssh.SSHClientConnection, asyncssh.SSHClientProcess[str]]:
    conn = await asyncssh.connect(
        "127.0.0.1", port, username="admin", password=PASSWORD, known_hosts=None
    )
    process = await conn.create_process(term_type="vt100")
    return conn, process


async def _read_until(process: asyncssh.SSHClientProcess[str], ending: str) -> str:
    return await asyncio.wait_for(process.stdout.readuntil(ending), timeout=10)


@pytest.mark.parametrize("platform", ["cisco_ios", "arista_eos"])
def test_first_prompt_arrives_without_sending_anything(
    make_device: DeviceFactory, platform: str
) -> None:
    device = make_device(platform)

    async def scenario() -> str:
        conn, process = await _open_shell(device.port)
        try:
            return await _read_until(process, f"{device.name}>")
        finally:
            conn.close()

    greeting = asyncio.run(scenario())
    assert "Authorized access only" in greeting  # the MOTD banner comes first


def test_echo_type_ahead_and_line_endings(make_device: DeviceFactory) -> None:
    device = make_device("cisco_ios")

    async def scenario() -> str:
        conn, process = await _open_shell(device.port)
        try:
            await _read_until(process, f"{device.name}>")
            process.stdin.write("show ver")
            echoed = await asyncio.wait_for(process.stdout.readexactly(8), timeout=10)
            assert echoed == "show ver"  # echoed before Enter, as scrapli requires
            # Enter as CRLF, then two type-ahead commands ending in CR and LF, NULs ignored
            process.stdin.write("sion\r\n\x00show privilege\rterminal length 0\n")
            return await _read_until(process, f"terminal length 0\r\n{device.name}>")
        finally:
            conn.close()

    transcript = asyncio.run(scenario())
    assert "Processor board ID" in transcript
    assert "\r\nCurrent privilege level is 1\r\n" in transcript
    order = [transcript.index(m) for m in ("Processor board ID", "show privilege", "terminal")]
    assert order == sorted(order)  # type-ahead answered in the order it was typed
    assert "\n" not in transcript.replace("\r\n", "")  # every line ends in CRLF


def test_many_devices_in_one_process_each_accept_a_connection() -> None:
    count = 200
    with Lab() as lab:
        devices = [
            lab.add_device(f"d{i}", "cisco_ios" if i % 2 else "arista_eos", password=PASSWORD)
            for i in range(count)
        ]
        assert len({d.port for d in devices}) == count

        async def greet(port: int, name: str, gate: asyncio.Semaphore) -> str:
            async with gate:
                conn, process = await _open_shell(port)
                try:
                    return await _read_until(process, f"{name}>")
                finally:
                    conn.close()

        async def everyone() -> list[str]:
            gate = asyncio.Semaphore(25)
            return await asyncio.gather(*(greet(d.port, d.name, gate) for d in devices))

        greetings = asyncio.run(everyone())
    assert [g.rstrip().endswith(f"{d.name}>") for g, d in zip(greetings, devices, strict=True)] == [
        True
    ] * count
