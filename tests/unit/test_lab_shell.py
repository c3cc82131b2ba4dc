"""The device shell: prompts, modes, replies and errors, as each platform prints them."""

from __future__ import annotations

import pytest

from nornir_pack.exceptions import LabConfigError, UsageError
from nornir_pack.inventory import expand_env
from nornir_pack.lab.device import Device, Knobs
from nornir_pack.lab.shell import Shell


def shell_for(platform: str, name: str = "r1") -> Shell:
    return Shell(Device.create(name, platform, secret="s3cret"), "admin")


def enabled(platform: str) -> Shell:
    shell = shell_for(platform)
    shell.handle("enable")
    shell.handle("s3cret")
    return shell


def say(shell: Shell, line: str) -> str:
    return shell.handle(line).text


@pytest.mark.parametrize("platform", ["cisco_ios", "arista_eos"])
def test_enable_asks_for_the_secret_without_echo(platform: str) -> None:
    shell = shell_for(platform)
    assert say(shell, "enable") == "\nPassword: "
    assert shell.echo is False
    assert say(shell, "wrong") == "\n% Access denied\n\nr1>"
    say(shell, "enable")
    assert say(shell, "s3cret") == "\nr1#"
    assert shell.echo is True


@pytest.mark.parametrize(
    ("platform", "prompts"),
    [
        ("cisco_ios", ["r1(config)#", "r1(config-if)#", "r1(config-router)#", "r1#"]),
        ("arista_eos", ["r1(config)#", "r1(config-if-Et1)#", "r1(config-router-bgp)#", "r1#"]),
    ],
)
def test_prompts_follow_the_mode(platform: str, prompts: list[str]) -> None:
    shell = enabled(platform)
    interface = "interface GigabitEthernet1" if platform == "cisco_ios" else "interface Ethernet1"
    router = "router ospf 1" if platform == "cisco_ios" else "router bgp 65001"
    for line, prompt in zip(["configure terminal", interface, router, "end"], prompts, strict=True):
        assert say(shell, line).endswith(prompt)


def test_exit_climbs_one_mode_and_hostname_moves_the_prompt() -> None:
    shell = enabled("cisco_ios")
    say(shell, "configure terminal")
    say(shell, "interface Loopback0")
    assert say(shell, "exit").endswith("r1(config)#")
    assert say(shell, "hostname core-7").endswith("core-7(config)#")
    assert say(shell, "exit").endswith("core-7#")
    assert shell.handle("exit").close


@pytest.mark.parametrize(
    ("platform", "length", "width"),
    [
        ("cisco_ios", "\nr1>", "\nr1>"),
        ("arista_eos", "\nPagination disabled.\nr1>", "\nWidth set to 511 columns.\nr1>"),
    ],
)
def test_terminal_replies_match_the_platform(platform: str, length: str, width: str) -> None:
    shell = shell_for(platform)
    assert say(shell, "terminal length 0") == length
    assert say(shell, "terminal width 511") == width


def test_ios_invalid_input_draws_a_caret_under_the_bad_word() -> None:
    shell = enabled("cisco_ios")
    assert say(shell, "show runn-config") == (
        "\n        ^\n% Invalid input detected at '^' marker.\nr1#"
    )
    say(shell, "conf t")
    assert say(shell, "interface Loopback0") == "\nr1(config-if)#"
    assert say(shell, " descripton typo") == (
        "\n"
        + " " * len("r1(config-if)# ")
        + "^\n% Invalid input detected at '^' marker.\nr1(config-if)#"
    )


def test_eos_invalid_input_has_no_caret() -> None:
    shell = enabled("arista_eos")
    assert say(shell, "show bogus") == "\n% Invalid input\nr1#"


def test_abbreviated_commands_and_pipes() -> None:
    shell = enabled("cisco_ios")
    assert say(shell, "sh run | i ^hostname") == "\nhostname r1\nr1#"
    section = say(shell, "show running-config | section ^router ospf")
    assert section.startswith("\nrouter ospf 1\n router-id")
    assert "\ninterface Loopback0\n" not in section
    assert say(shell, "sh run | begin ^line con").startswith("\nline con 0\n")
    assert "ntp" not in say(shell, "show running-config | exclude ntp")
    assert "% Ambiguous command" in say(shell, "c")


def test_ios_write_and_copy_save_the_config() -> None:
    shell = enabled("cisco_ios")
    say(shell, "configure terminal")
    say(shell, "ntp server 10.9.9.9")
    say(shell, "end")
    assert "10.9.9.9" not in shell.device.startup
    assert say(shell, "copy running-config startup-config") == (
        "\nDestination filename [startup-config]? "
    )
    assert say(shell, "") == "\nBuilding configuration...\n[OK]\nr1#"
    assert "ntp server 10.9.9.9" in shell.device.startup
    assert say(shell, "wr") == "\nBuilding configuration...\n[OK]\nr1#"


def test_do_runs_exec_commands_from_config_mode() -> None:
    shell = enabled("arista_eos")
    say(shell, "configure")
    assert say(shell, "do show hostname").startswith("\nHostname: r1\n")


def test_rejected_lines_knob() -> None:
    shell = enabled("cisco_ios")
    shell.device.knobs = Knobs(reject_lines=(r"^logging host",))
    say(shell, "configure terminal")
    assert "% Invalid input" in say(shell, "logging host 192.0.2.9")
    assert "192.0.2.9" not in shell.device.running_text()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"latncy": 1}, "unknown lab knob 'latncy'"),
        ({"latency": -1}, "latency must be >= 0"),
        ({"drop_after": "x"}, "drop_after"),
        ({"reject_lines": ["("]}, "reject_lines"),
        ({"reject_auth": "yes"}, "reject_auth must be true or false"),
    ],
)
def test_bad_knobs_name_the_key(data: dict[str, object], message: str) -> None:
    with pytest.raises(LabConfigError, match=message):
        Knobs.from_data(data, "inventory host 'r1'")


def test_env_references_expand_with_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NP_TEST_USER", "alice")
    monkeypatch.delenv("NP_TEST_MISSING", raising=False)
    assert expand_env("${NP_TEST_USER}/${NP_TEST_MISSING:-fallback}") == "alice/fallback"
    with pytest.raises(UsageError, match="NP_TEST_MISSING is not set"):
        expand_env("${NP_TEST_MISSING}")


@pytest.mark.parametrize(("platform", "pad"), [("cisco_ios", " "), ("arista_eos", "   ")])
def test_show_running_config_of_one_interface(platform: str, pad: str) -> None:
    shell = enabled(platform)
    assert say(shell, "show running-config interface lo0") == (
        f"\ninterface Loopback0\n{pad}description Router ID\n"
        f"{pad}ip address {'10.255.0.1 255.255.255.255' if pad == ' ' else '10.255.1.1/32'}\n"
        "end\nr1#"
    )
    assert "% Invalid input" in say(shell, "show running-config interface Loopback77")
