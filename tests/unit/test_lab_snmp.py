"""The lab SNMP agent's pure logic: access from config lines, knobs, and the objects it reports.

No sockets here: tests/integration/test_lab_snmp.py drives the agent with real clients.
"""

from __future__ import annotations

import pytest

from nornir_pack.exceptions import LabConfigError
from nornir_pack.lab import Device, Knobs
from nornir_pack.lab.snmp import FLAG_AUTH, FLAG_PRIV, read_access
from nornir_pack.lab.snmp_mib import Mib

ENGINE = bytes.fromhex("800000090300525400aabbcc")
IF_ADMIN = (1, 3, 6, 1, 2, 1, 2, 2, 1, 7)
IF_OPER = (1, 3, 6, 1, 2, 1, 2, 2, 1, 8)
IF_DESCR = (1, 3, 6, 1, 2, 1, 2, 2, 1, 2)
SYS_UPTIME = (1, 3, 6, 1, 2, 1, 1, 3, 0)
CPU_5MIN = (1, 3, 6, 1, 4, 1, 9, 9, 109, 1, 1, 1, 1, 8, 1)
HR_PROCESSOR_LOAD = (1, 3, 6, 1, 2, 1, 25, 3, 3, 1, 2, 1)


def test_v2c_communities_ro_and_rw_read() -> None:
    access = read_access(
        ["snmp-server community public RO", "snmp-server community Private rw 10"], ENGINE
    )
    assert access.communities == {b"public", b"Private"}
    assert access.enabled


def test_no_snmp_config_is_no_agent() -> None:
    assert not read_access(["snmp-server location Lab rack 1"], ENGINE).enabled


@pytest.mark.parametrize(
    "user_line",
    [
        "snmp-server user ops NMS v3 auth sha K1-secret priv aes 128 K2-secret",  # IOS
        "snmp-server user ops NMS v3 auth sha K1-secret priv aes K2-secret",  # EOS
    ],
)
def test_v3_user_in_each_platforms_syntax(user_line: str) -> None:
    access = read_access(["snmp-server group NMS v3 priv", user_line], ENGINE)
    user = access.users[b"ops"]
    assert user.flags == FLAG_AUTH | FLAG_PRIV
    assert len(user.auth_key) == 20 and len(user.priv_key) == 16
    # the same passphrases localised to another engine give other keys (RFC 3414 A.2)
    other = read_access(["snmp-server group NMS v3 priv", user_line], b"\x80\x00\x00\x09\x03xyz")
    assert other.users[b"ops"].auth_key != user.auth_key


@pytest.mark.parametrize(
    "lines",
    [
        ["snmp-server user ops NMS v3 auth sha K1 priv aes 128 K2"],  # no such group
        ["snmp-server group NMS v3 priv", "snmp-server user ops NMS v3 auth md5 K1 priv aes K2"],
        ["snmp-server group NMS v3 priv", "snmp-server user ops NMS v3 auth sha K1 priv des K2"],
        ["snmp-server group NMS v3 priv", "snmp-server user ops NMS v3 auth sha K1"],
        ["snmp-server group NMS v2c", "snmp-server user ops NMS v3 auth sha K1 priv aes K2"],
    ],
)
def test_users_that_cannot_log_in(lines: list[str]) -> None:
    assert b"ops" not in read_access(lines, ENGINE).users


def test_last_line_for_a_user_wins() -> None:
    first = "snmp-server user ops NMS v3 auth sha First-K1 priv aes First-K2"
    second = "snmp-server user ops NMS v3 auth sha Second-K1 priv aes Second-K2"
    group = "snmp-server group NMS v3 priv"
    both = read_access([group, first, second], ENGINE).users[b"ops"]
    assert both == read_access([group, second], ENGINE).users[b"ops"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"cpu": 101}, "cpu must be a percentage from 0 to 100"),
        ({"cpu": "lots"}, "lab knob 'cpu' has a bad value"),
        ({"cpu": True}, "cpu must be a percentage"),
        ({"interface_down": 3}, "interface_down must be a list of interface names"),
        ({"snmp_down": "yes"}, "snmp_down must be true or false"),
        ({"reboot": 1}, "reboot must be true or false"),
    ],
)
def test_bad_snmp_knobs_name_host_and_key(data: dict[str, object], message: str) -> None:
    with pytest.raises(LabConfigError, match=rf"inventory host 'r1': .*{message}"):
        Knobs.from_data(data, "inventory host 'r1'")


def test_snmp_knobs_from_data() -> None:
    knobs = Knobs.from_data(
        {"cpu": 97, "interface_down": "Ethernet1", "snmp_down": True}, "inventory host 'r1'"
    )
    assert (knobs.cpu, knobs.interface_down, knobs.snmp_down) == (97.0, ("Ethernet1",), True)


def test_interface_down_must_name_an_interface_of_the_device() -> None:
    with pytest.raises(LabConfigError, match="device 'r1': lab knob 'interface_down' names 'Gi7'"):
        Device.create("r1", "cisco_ios", knobs=Knobs(interface_down=("Gi7",)))


def _column(mib: Mib, column: tuple[int, ...]) -> dict[str, int | str]:
    """One ifTable column by interface name."""
    snapshot = mib.snapshot()
    found: dict[str, int | str] = {}
    for name, interface in snapshot.interfaces.items():
        value = mib.get(snapshot, (*column, interface.link.index))
        found[name] = str(value) if column == IF_DESCR else int(value)
    return found


def test_status_follows_config_and_knobs() -> None:
    device = Device.create("r1", "cisco_ios")
    mib = Mib(device)
    assert _column(mib, IF_ADMIN)["GigabitEthernet3"] == 2  # `shutdown` in the seed
    assert _column(mib, IF_OPER)["GigabitEthernet3"] == 2
    assert _column(mib, IF_OPER)["GigabitEthernet1"] == 1
    device.knobs.interface_down = ("gigabitethernet1",)
    assert _column(mib, IF_OPER)["GigabitEthernet1"] == 2
    assert _column(mib, IF_ADMIN)["GigabitEthernet1"] == 1


def test_ifindex_stays_with_its_interface_when_the_config_changes() -> None:
    device = Device.create("r1", "cisco_ios")
    mib = Mib(device)
    before = {name: i.link.index for name, i in mib.snapshot().interfaces.items()}
    device.running.children[:] = [
        n for n in device.running.children if n.text != "interface GigabitEthernet2"
    ]
    after = {name: i.link.index for name, i in mib.snapshot().interfaces.items()}
    assert "GigabitEthernet2" not in after
    assert all(before[name] == index for name, index in after.items())
    assert _column(mib, IF_DESCR) == {name: name for name in after}


def test_getnext_walks_in_oid_order_to_the_end() -> None:
    device = Device.create("sw1", "arista_eos")
    mib = Mib(device)
    snapshot = mib.snapshot()
    walked, oid = [], (1, 3, 6, 1)
    while (found := mib.next(snapshot, oid)) is not None:
        oid = found[0]
        walked.append(oid)
    assert walked == sorted(walked) and len(walked) == len(set(walked))
    assert HR_PROCESSOR_LOAD in walked
    assert str(mib.get(snapshot, (1, 3, 6, 1, 2, 1, 1, 5, 0))) == "sw1"
    assert mib.get(snapshot, (1, 3, 6, 1, 2, 1, 1, 5, 1)) is None
    assert mib.knows((1, 3, 6, 1, 2, 1, 1, 5, 1)) and not mib.knows((1, 3, 6, 1, 9, 9, 9))


def test_cpu_knob_and_reboot() -> None:
    device = Device.create("r1", "cisco_ios")
    mib = Mib(device)
    assert int(mib.get(mib.snapshot(), CPU_5MIN)) < 20
    device.knobs.cpu = 97
    assert int(mib.get(mib.snapshot(), CPU_5MIN)) == 97
    device.boot_time -= 3600  # up for an hour
    assert int(mib.get(mib.snapshot(), SYS_UPTIME)) >= 360_000
    device.knobs.reboot = True
    assert int(mib.get(mib.snapshot(), SYS_UPTIME)) < 100
    assert device.boots == 2 and device.knobs.reboot is False
