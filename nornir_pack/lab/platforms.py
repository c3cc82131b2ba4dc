"""Per-platform behaviour of the simulated devices, as data.

Everything that differs between IOS and EOS lives in these tables: the config modes with their
prompts and known commands, which lines replace each other, which negations the device keeps in
its config, the error texts and the canned replies. The shell and the config engine only read
them, so adding a command or a platform means adding rows, not branches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources

NUMBER = "<number>"  # pseudo command: a first word made of digits (ACL sequence numbers)


@dataclass(frozen=True)
class SubMode:
    """A config line that enters a sub-mode, e.g. ``interface X`` -> ``config-if``."""

    pattern: re.Pattern[str]
    mode: str
    prompt: str  # prompt label; ``{arg}`` is the pattern's first group, ``{if}`` its short name
    closing: str = ""  # printed after the section (IOS ``exit-address-family``)
    # The header names one entry of a list (``route-map NAME [permit|deny] [N]``): without an
    # action it permits; without a number it is the list's only entry, or 10 for a new list,
    # and a list of several entries needs the number.
    list_entry: bool = False


@dataclass(frozen=True)
class Numbering:
    """Entries kept in sequence-number order, shown with their numbers (ACL entries).

    An entry typed with a number goes to its place; one without goes after the last, its
    number the last plus ``step`` (the first gets ``step``); a number already taken by
    another entry is refused; ``no N`` or ``no <entry>`` removes one entry.
    """

    step: int
    first_words: frozenset[str]  # entries that take a number (IOS remarks do not)


@dataclass(frozen=True)
class NumberedLines:
    """Top-level lines forming lists kept in sequence-number order (IOS prefix-lists).

    ``pattern``'s groups: the list (``ip prefix-list NAME``), the number, the entry. Numbers
    work as in ``Numbering``; lines are shown as ``<list> seq <number> <entry>``.
    """

    pattern: re.Pattern[str]
    step: int


@dataclass(frozen=True)
class Mode:
    """One configuration mode: what it accepts and how lines in it are stored."""

    commands: frozenset[str]
    parent: str | None = "config"
    submodes: tuple[SubMode, ...] = ()
    # A new line matching one of these replaces the existing line with the same match.
    single: tuple[re.Pattern[str], ...] = ()
    # ``no X`` for these prefixes is kept in the config as a line of its own.
    stored_negations: tuple[str, ...] = ()
    # The mode's lines are entries of one list in sequence-number order (ACL modes).
    numbering: Numbering | None = None
    # ``no`` + a line matching one of these removes every line the match starts: the list.
    whole_list_negations: tuple[re.Pattern[str], ...] = ()
    numbered_lines: tuple[NumberedLines, ...] = ()


@dataclass(frozen=True)
class Platform:
    """A simulated network OS."""

    name: str
    indent: str
    modes: dict[str, Mode]
    invalid_input: str
    incomplete: str
    ambiguous: str  # format with {cmd}
    caret_marker: bool  # IOS draws a ^ under the bad word
    enter_config_banner: str
    terminal_length: dict[str, str]  # "0" or "*" -> reply format with {n}
    terminal_width: str  # reply format with {n}; "" = silent
    terminal_width_range: tuple[int, int]
    write_memory_reply: str
    copy_run_start_reply: str
    copy_asks_destination: bool  # IOS confirms the target of a copy unless `file prompt quiet`
    banner_terminator: str | None  # EOS ends banners with a fixed line; None = IOS delimiter
    show_version: str
    running_header: str
    startup_header: str
    model: str
    os_version: str
    interface_names: tuple[str, ...] = field(default=())
    # -- files, SCP, archive and sessions (filesystem.py, scp.py, archive.py, sessions.py)
    flash: str = "flash:"  # the default file system, as `dir` names it
    flash_size: int = 7897796608
    # other spellings of the default file system (EOS: its Linux mount point, as netmiko's
    # file transfer and OpenSSH scp name it)
    flash_aliases: tuple[str, ...] = ()
    scp_server_line: str | None = None  # config line without which SCP is refused
    copy_reply: str = "{size} bytes copied in 0.052 secs ({size} bytes/sec)"
    json_pipe: bool = False  # `show ... | json`
    config_exec: tuple[str, ...] = ()  # exec commands that also work in config mode
    session_label: str | None = None  # config session prompt label; {name} = first 6 chars
    eapi: bool = False  # serves eAPI (JSON-RPC over HTTP) on a second port
    duplicate_sequence: str = "% Duplicate sequence number"  # a list entry number is taken

    def seed(self, hostname: str, index: int) -> str:
        """The default config a new device of this platform boots with."""
        text = resources.files("nornir_pack.lab").joinpath(f"seeds/{self.name}.cfg").read_text()
        return text.replace("{{hostname}}", hostname).replace("{{index}}", str(index % 250 + 1))


def _rx(*patterns: str) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p) for p in patterns)


def _sub(
    pattern: str, mode: str, prompt: str, closing: str = "", *, list_entry: bool = False
) -> SubMode:
    return SubMode(re.compile(pattern), mode, prompt, closing, list_entry)


def _words(text: str) -> frozenset[str]:
    """Known one-word commands."""
    return frozenset(text.split())


def _lines(text: str) -> frozenset[str]:
    """Known multi-word commands, ``;``-separated: ``ip address`` but not ``ip routing``."""
    return frozenset(" ".join(part.split()) for part in text.split(";") if part.strip())


# ---------------------------------------------------------------- Cisco IOS / IOS-XE
_ACL = Numbering(step=10, first_words=frozenset({"permit", "deny"}))
_IOS_CONFIG_WORDS = _words(
    """aaa access-list alias archive banner boot boot-end-marker boot-start-marker bridge
    call-home cdp class-map clock config-register control-plane crypto diagnostic enable
    errdisable event file hostname interface ip ipv6 key license line lldp logging login
    memory-size mpls multilink ntp platform policy-map redundancy route-map router security
    service snmp-server spanning-tree subscriber system tacacs tacacs-server radius
    radius-server track username version vlan vrf vtp"""
)

IOS = Platform(
    name="cisco_ios",
    indent=" ",
    modes={
        "config": Mode(
            commands=_IOS_CONFIG_WORDS,
            parent=None,
            submodes=(
                _sub(r"^interface (\S+)", "config-if", "config-if"),
                _sub(r"^router (?:ospf|bgp|eigrp|rip|isis)\b", "config-router", "config-router"),
                _sub(r"^line (?:con|vty|aux)\b", "config-line", "config-line"),
                _sub(r"^ip access-list extended \S+", "config-ext-nacl", "config-ext-nacl"),
                _sub(r"^ip access-list standard \S+", "config-std-nacl", "config-std-nacl"),
                _sub(r"^route-map \S+", "config-route-map", "config-route-map", list_entry=True),
                _sub(r"^archive$", "config-archive", "config-archive"),
                _sub(r"^vrf definition \S+", "config-vrf", "config-vrf"),
                _sub(r"^control-plane$", "config-cp", "config-cp"),
                _sub(r"^class-map\b", "config-cmap", "config-cmap"),
                _sub(r"^policy-map \S+", "config-pmap", "config-pmap"),
            ),
            single=_rx(
                r"^hostname\b",
                r"^ip domain[ -]name\b",
                r"^enable (?:secret|password)\b",
                r"^logging buffered\b",
                r"^logging trap\b",
                r"^snmp-server (?:location|contact)\b",
                r"^snmp-server community \S+",
                r"^service timestamps (?:debug|log)\b",
                r"^ip default-gateway\b",
                r"^ip ssh version\b",
                r"^version\b",
                r"^username \S+",
                r"^ntp server \S+",
                r"^clock timezone\b",
            ),
            stored_negations=(
                "service password-encryption",
                "ip domain lookup",
                "ip http server",
                "ip http secure-server",
                "ip source-route",
                "ip bootp server",
                "cdp run",
                "service pad",
                "aaa new-model",
                "logging console",
            ),
            # Numbered ACLs (`access-list 10 permit X`) take no sequence number: an entry is
            # always added at the end, and `no access-list 10 <anything>` deletes the whole
            # list (IOS ACL configuration guide: "no access-list ... deletes the entire ACL").
            # Community and AS-path lists keep the order their lines were typed in (appended,
            # as any new line). Prefix-lists number their entries 5, 10... (`seq N`), shown in
            # the running config; `no ip prefix-list NAME seq N` removes one entry.
            whole_list_negations=_rx(r"^access-list \d+\b"),
            numbered_lines=(
                NumberedLines(
                    re.compile(r"^(ip prefix-list \S+)(?: seq (\d+))?(?: ((?:permit|deny) .+))?$"),
                    step=5,
                ),
            ),
        ),
        "config-if": Mode(
            commands=_words(
                """description shutdown speed duplex negotiation mtu bandwidth encapsulation
                switchport channel-group standby vrrp load-interval service-policy media-type
                mac-address carrier-delay delay keepalive tunnel storm-control"""
            )
            | _lines(
                """ip address; ip ospf; ip helper-address; ip access-group; ip nat; ip mtu;
                ip tcp; ip redirects; ip unreachables; ip proxy-arp; ip vrf; ip pim; ip policy;
                ip flow; ip verify; ipv6 address; ipv6 enable; ipv6 nd; ipv6 ospf; cdp enable;
                logging event; vrf forwarding; mpls ip; mpls mtu; mop enabled; mop sysid;
                arp timeout; lldp transmit; lldp receive; spanning-tree portfast;
                spanning-tree bpduguard; spanning-tree bpdufilter; spanning-tree guard;
                spanning-tree cost; spanning-tree link-type; spanning-tree port-priority"""
            ),
            single=_rx(
                r"^description\b",
                r"^ip address(?= \S+ \S+$)",
                r"^(?:mtu|bandwidth|speed|duplex|delay|load-interval|encapsulation)\b",
                r"^switchport (?:mode|access vlan)\b",
                r"^vrf forwarding\b",
                r"^ip ospf cost\b",
            ),
            stored_negations=(
                "ip address",
                "ip redirects",
                "ip unreachables",
                "ip proxy-arp",
                "cdp enable",
                "keepalive",
                "mop enabled",
                "negotiation auto",
                "switchport",
            ),
        ),
        "config-router": Mode(
            commands=_words(
                """router-id network passive-interface neighbor redistribute
                default-information area bgp address-family auto-summary log-adjacency-changes
                maximum-paths timers distance default-metric summary-address synchronization
                eigrp metric distribute-list"""
            ),
            # IOS prints each address family closed by exit-address-family (BGP, EIGRP named
            # mode), and EIGRP's af-interface and topology sections by their own exit lines.
            submodes=(
                _sub(
                    r"^address-family \S+",
                    "config-router-af",
                    "config-router-af",
                    closing="exit-address-family",
                ),
            ),
            single=_rx(
                r"^router-id\b",
                r"^bgp router-id\b",
                r"^neighbor \S+ (?:remote-as|description|update-source)\b",
                r"^maximum-paths\b",
            ),
            stored_negations=("auto-summary",),
        ),
        "config-router-af": Mode(
            commands=_words(
                """network neighbor redistribute exit-address-family maximum-paths
                aggregate-address default-information af-interface topology eigrp metric"""
            ),
            parent="config-router",
            submodes=(
                _sub(
                    r"^af-interface \S+",
                    "config-router-af-interface",
                    "config-router-af-interface",
                    closing="exit-af-interface",
                ),
                _sub(
                    r"^topology \S+",
                    "config-router-af-topology",
                    "config-router-af-topology",
                    closing="exit-af-topology",
                ),
            ),
        ),
        "config-router-af-interface": Mode(
            commands=_words(
                """passive-interface authentication hello-interval hold-time summary-address
                bandwidth-percent split-horizon next-hop-self shutdown bfd"""
            ),
            parent="config-router-af",
            stored_negations=("passive-interface", "split-horizon", "next-hop-self"),
        ),
        "config-router-af-topology": Mode(
            commands=_words(
                """default-metric redistribute distance variance maximum-paths metric timers
                auto-summary traffic-share default-information distribute-list"""
            ),
            parent="config-router-af",
        ),
        "config-line": Mode(
            commands=_words(
                """exec-timeout transport login password privilege access-class stopbits
                length width session-timeout escape-character history exec motd-banner
                absolute-timeout"""
            )
            | _lines("logging synchronous"),
            single=_rx(
                r"^exec-timeout\b",
                r"^transport (?:input|output)\b",
                r"^login\b",
                r"^password\b",
                r"^privilege level\b",
                r"^access-class \S+ (?:in|out)\b",
            ),
        ),
        # Named ACLs, per the IOS XE ACL configuration guide ("IP Access List Entry Sequence
        # Numbering"): entries numbered 10, 20... unless typed with a number, which places
        # them; a taken number is refused; `no 20` removes one entry. Remarks take no number
        # and stay where they were typed. IOS XE 16 and later print the numbers in the
        # running config.
        "config-ext-nacl": Mode(commands=_words(f"permit deny remark {NUMBER}"), numbering=_ACL),
        "config-std-nacl": Mode(commands=_words(f"permit deny remark {NUMBER}"), numbering=_ACL),
        "config-route-map": Mode(commands=_words("match set description continue")),
        "config-archive": Mode(
            commands=_words("path write-memory maximum time-period log rollback"),
            single=_rx(r"^path\b", r"^maximum\b", r"^time-period\b"),
        ),
        "config-vrf": Mode(
            commands=_words("rd route-target description address-family vnet"),
            submodes=(
                _sub(
                    r"^address-family \S+",
                    "config-vrf-af",
                    "config-vrf-af",
                    closing="exit-address-family",
                ),
            ),
            single=_rx(r"^rd\b", r"^description\b"),
        ),
        "config-vrf-af": Mode(
            commands=_words("route-target exit-address-family import export"),
            parent="config-vrf",
        ),
        "config-cp": Mode(commands=_words("service-policy")),
        "config-cmap": Mode(commands=_words("match description")),
        "config-pmap": Mode(
            commands=_words("class description"),
            submodes=(_sub(r"^class \S+", "config-pmap-c", "config-pmap-c"),),
        ),
        "config-pmap-c": Mode(
            commands=_words(
                "police set bandwidth priority shape service-policy queue-limit random-detect"
            ),
            parent="config-pmap",
        ),
    },
    invalid_input="% Invalid input detected at '^' marker.",
    incomplete="% Incomplete command.",
    ambiguous='% Ambiguous command:  "{cmd}"',
    caret_marker=True,
    enter_config_banner="Enter configuration commands, one per line.  End with CNTL/Z.",
    terminal_length={"*": ""},
    terminal_width="",
    terminal_width_range=(0, 512),
    write_memory_reply="Building configuration...\n[OK]",
    copy_run_start_reply="Building configuration...\n[OK]",
    copy_asks_destination=True,
    banner_terminator=None,
    show_version="""Cisco IOS XE Software, Version 17.03.04a
Cisco IOS Software [Amsterdam], Virtual XE Software (X86_64_LINUX_IOSD-UNIVERSALK9-M), \
Version 17.3.4a, RELEASE SOFTWARE (fc3)
Technical Support: http://www.cisco.com/techsupport
Copyright (c) 1986-2021 by Cisco Systems, Inc.
Compiled Tue 20-Jul-21 04:59 by mcpre


Cisco IOS-XE software, Copyright (c) 2005-2021 by cisco Systems, Inc.
All rights reserved.  Certain components of Cisco IOS-XE software are
licensed under the GNU General Public License ("GPL") Version 2.0.


ROM: IOS-XE ROMMON

{hostname} uptime is {uptime}
Uptime for this control processor is {uptime}
System returned to ROM by reload
System image file is "bootflash:packages.conf"
Last reload reason: reload



This product contains cryptographic features and is subject to United
States and local country laws governing import, export, transfer and
use.

License Level: ax
License Type: N/A(Smart License Enabled)
Next reload license Level: ax

The current throughput level is 1000 kbps


Smart Licensing Status: UNREGISTERED/EVAL MODE

cisco CSR1000V (VXE) processor (revision VXE) with 2071829K/3075K bytes of memory.
Processor board ID {serial}
Router operating mode: Autonomous
{interface_count} Gigabit Ethernet interfaces
32768K bytes of non-volatile configuration memory.
3978420K bytes of physical memory.
6188032K bytes of virtual hard disk at bootflash:.

Configuration register is 0x2102
""",
    running_header="""Building configuration...

Current configuration : {size} bytes
!
! Last configuration change at {changed} by {user}
!
""",
    startup_header="""Using {size} out of 33554432 bytes
!
! Last configuration change at {changed} by {user}
!
""",
    model="CSR1000V",
    os_version="17.3.4a",
    scp_server_line="ip scp server enable",
)

# ---------------------------------------------------------------- Arista EOS
_EOS_CONFIG_WORDS = _words(
    """aaa alias banner boot clock daemon dns enable errdisable event-handler hardware
    hostname interface ip ipv6 lldp logging management mlag monitor ntp platform policy-map
    class-map queue-monitor radius-server role route-map router service sflow snmp-server
    spanning-tree switchport tacacs-server transceiver username vlan vrf prompt mac
    port-channel qos system agent email schedule ptp load-interval"""
)

EOS = Platform(
    name="arista_eos",
    indent="   ",
    modes={
        "config": Mode(
            commands=_EOS_CONFIG_WORDS,
            parent=None,
            submodes=(
                _sub(r"^interface (\S+)", "config-if", "config-if-{if}"),
                _sub(r"^router bgp \d+", "config-router-bgp", "config-router-bgp"),
                _sub(r"^router ospf \d+", "config-router-ospf", "config-router-ospf"),
                _sub(
                    r"^management api http-commands$",
                    "config-mgmt-api-http-cmds",
                    "config-mgmt-api-http-cmds",
                ),
                _sub(r"^management ssh$", "config-mgmt-ssh", "config-mgmt-ssh"),
                _sub(r"^ip access-list standard (\S+)", "config-acl", "config-std-acl-{arg}"),
                _sub(r"^ip access-list (\S+)$", "config-acl", "config-acl-{arg}"),
                _sub(r"^vlan (\S+)", "config-vlan", "config-vlan-{arg}"),
                _sub(
                    r"^route-map (\S+)",
                    "config-route-map",
                    "config-route-map-{arg}",
                    list_entry=True,
                ),
                _sub(r"^vrf instance (\S+)", "config-vrf", "config-vrf-{arg}"),
            ),
            single=_rx(
                r"^hostname\b",
                r"^dns domain\b",
                r"^ip domain-name\b",
                r"^logging buffered\b",
                r"^snmp-server (?:location|contact)\b",
                r"^snmp-server community \S+",
                r"^spanning-tree mode\b",
                r"^username \S+",
                r"^enable (?:password|secret)\b",
                r"^ntp server \S+",
                r"^clock timezone\b",
                r"^service routing protocols model\b",
                r"^transceiver qsfp default-mode\b",
            ),
            stored_negations=("aaa root", "ip routing", "logging console", "ip icmp redirect"),
        ),
        "config-if": Mode(
            commands=_words(
                """description shutdown switchport mtu speed channel-group load-interval vrf
                storm-control flowcontrol error-correction service-policy"""
            )
            | _lines(
                """ip address; ip ospf; ip helper-address; ip access-group; ip proxy-arp;
                ip mtu; ip virtual-router; ip igmp; ip pim; ip verify; ipv6 address;
                ipv6 enable; ipv6 nd; logging event; lldp transmit; lldp receive; mpls ip;
                mac security; spanning-tree portfast; spanning-tree bpduguard;
                spanning-tree bpdufilter; spanning-tree guard; spanning-tree cost;
                spanning-tree link-type; spanning-tree port-priority"""
            ),
            single=_rx(
                r"^description\b",
                r"^ip address(?= \S+$)",
                r"^(?:mtu|speed|load-interval|channel-group)\b",
                r"^switchport (?:mode|access vlan)\b",
                r"^vrf\b",
            ),
            stored_negations=("switchport",),
        ),
        "config-router-bgp": Mode(
            commands=_words(
                """router-id neighbor network redistribute maximum-paths address-family bgp
                timers vrf aggregate-address distance graceful-restart update default-metric"""
            ),
            submodes=(
                _sub(r"^address-family \S+", "config-router-bgp-af", "config-router-bgp-af"),
                _sub(r"^vrf (\S+)", "config-router-bgp-vrf", "config-router-bgp-vrf-{arg}"),
            ),
            single=_rx(
                r"^router-id\b",
                r"^neighbor \S+ (?:remote-as|description|update-source)\b",
                r"^maximum-paths\b",
            ),
        ),
        "config-router-bgp-af": Mode(
            commands=_words("neighbor network redistribute"), parent="config-router-bgp"
        ),
        "config-router-bgp-vrf": Mode(
            commands=_words("rd route-target router-id neighbor network redistribute"),
            parent="config-router-bgp",
        ),
        "config-router-ospf": Mode(
            commands=_words(
                """router-id network passive-interface redistribute area max-lsa
                maximum-paths default-information log-adjacency-changes timers distance"""
            ),
            single=_rx(r"^router-id\b", r"^max-lsa\b", r"^maximum-paths\b"),
        ),
        "config-mgmt-api-http-cmds": Mode(
            commands=_words("protocol shutdown vrf cors qos"),
            stored_negations=("shutdown", "protocol https"),
        ),
        "config-mgmt-ssh": Mode(
            commands=_words(
                "idle-timeout authentication shutdown vrf cipher key-exchange mac connection login"
            ),
            single=_rx(r"^idle-timeout\b"),
        ),
        # EOS numbers every ACL entry, remarks included, 10, 20... unless typed with a
        # number (EOS ACL configuration guide), and always prints the numbers.
        "config-acl": Mode(
            commands=_words(f"permit deny remark statistics {NUMBER}"),
            numbering=Numbering(step=10, first_words=frozenset({"permit", "deny", "remark"})),
        ),
        "config-vlan": Mode(commands=_words("name state trunk"), single=_rx(r"^name\b")),
        "config-route-map": Mode(commands=_words("match set description continue")),
        "config-vrf": Mode(commands=_words("description"), single=_rx(r"^description\b")),
    },
    invalid_input="% Invalid input",
    incomplete="% Incomplete command",
    ambiguous="% Ambiguous command",
    caret_marker=False,
    enter_config_banner="",
    terminal_length={"0": "Pagination disabled.", "*": "Pagination set to {n} lines."},
    terminal_width="Width set to {n} columns.",
    terminal_width_range=(10, 32767),
    write_memory_reply="Copy completed successfully.",
    copy_run_start_reply="Copy completed successfully.",
    copy_asks_destination=False,
    banner_terminator="EOF",
    show_version="""Arista vEOS-lab
Hardware version:
Serial number: {serial}
Hardware MAC address: 5254.00{mac}
System MAC address: 5254.00{mac}

Software image version: 4.30.1F
Architecture: x86_64
Internal build version: 4.30.1F-32308478.4301F
Internal build ID: 4d8a5e2c-3f4b-4e6a-9b6e-5f0c7d8e9a1b
Image format version: 1.0
Image optimization: None

Kernel version: 5.10.165

Uptime: {uptime}
Total memory: 3962376 kB
Free memory: 2481400 kB
""",
    running_header="""! Command: show running-config
! device: {hostname} (vEOS-lab, EOS-4.30.1F)
!
! boot system flash:/vEOS-lab.swi
!
""",
    startup_header="""! Command: show startup-config
! Startup-config last modified at {changed} by {user}
! device: {hostname} (vEOS-lab, EOS-4.30.1F)
!
! boot system flash:/vEOS-lab.swi
!
""",
    model="vEOS-lab",
    os_version="4.30.1F",
    flash_size=3957878784,
    flash_aliases=("file:/mnt/flash", "/mnt/flash"),
    copy_reply="Copy completed successfully.",
    json_pipe=True,
    config_exec=("show",),
    session_label="config-s-{name}",
    eapi=True,
)

PLATFORMS: dict[str, Platform] = {p.name: p for p in (IOS, EOS)}
