"""eAPI: EOS commands as JSON-RPC over HTTP, on a second port of each EOS device.

pyeapi (NAPALM eos) POSTs ``runCmds`` to ``/command-api`` with Basic auth and reads per-command
results, or the error object with the results of the commands before the failing one. Commands
run through the device's ``Shell``, one per request, so eAPI and SSH share every command,
config session and fault knob. A small HTTP/1.1 server on asyncio streams: no new dependency.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import json
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from .device import Device
from .shell import Shell

PATH = "/command-api"
_MAX_BODY = 16 * 1024 * 1024


@dataclass(frozen=True)
class _Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    keep_alive: bool


@dataclass(frozen=True)
class _Failure:
    """A command that failed: what eAPI says about it."""

    code: int
    kind: str
    errors: list[str]


class EapiServer:
    """The HTTP listener of one device."""

    def __init__(self, device: Device, address: str) -> None:
        self.device = device
        self.address = address
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        """Listen on ``device.eapi_port`` (0 picks a free port and records it)."""
        self._server = await asyncio.start_server(
            self._client, self.address, self.device.eapi_port, reuse_address=True
        )
        self.device.eapi_port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.close()
        if self._server is not None:
            await self._server.wait_closed()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            if not enabled(self.device) or self.device.logins_cut():
                return  # as if nothing listened: eAPI is off, or an ACL/AAA line cuts us
            while True:
                request = await _read_request(reader)
                if request is None:
                    return
                status, body = await self._answer(request)
                writer.write(_response(status, body, request.keep_alive))
                await writer.drain()
                if not request.keep_alive:
                    return
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            return
        finally:
            self._writers.discard(writer)
            writer.close()

    async def _answer(self, request: _Request) -> tuple[HTTPStatus, bytes]:
        if request.path.split("?")[0] != PATH:
            return HTTPStatus.NOT_FOUND, b"Not Found"
        if request.method != "POST":
            return HTTPStatus.METHOD_NOT_ALLOWED, b"Method Not Allowed"
        user = self._authenticate(request.headers.get("authorization", ""))
        if user is None:
            return HTTPStatus.UNAUTHORIZED, b"Unable to authenticate user: Bad username/password"
        if self.device.knobs.latency:
            await asyncio.sleep(self.device.knobs.latency)
        reply = run_request(self.device, user, request.body)
        return HTTPStatus.OK, json.dumps(reply).encode()

    def _authenticate(self, header: str) -> str | None:
        self.device.logins += 1
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "basic" or self.device.knobs.reject_auth:
            return None
        try:
            user, _, password = base64.b64decode(token).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        user_ok = hmac.compare_digest(user.encode(), self.device.username.encode())
        password_ok = hmac.compare_digest(password.encode(), self.device.password.encode())
        return user if user_ok and password_ok else None


def enabled(device: Device) -> bool:
    """eAPI over HTTP answers only with ``management api http-commands``, ``protocol http``."""
    api = device.running.child("management api http-commands")
    return (
        api is not None and api.child("shutdown") is None and api.child("protocol http") is not None
    )


async def _read_request(reader: asyncio.StreamReader) -> _Request | None:
    line = await reader.readline()
    if not line.strip():
        return None
    method, path, version = line.decode("latin-1").split()
    headers: dict[str, str] = {}
    while True:
        header = await reader.readline()
        if header in (b"\r\n", b"\n", b""):
            break
        key, _, value = header.decode("latin-1").partition(":")
        headers[key.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    if not 0 <= length <= _MAX_BODY:
        raise ValueError("bad content length")
    body = await reader.readexactly(length)
    connection = headers.get("connection", "").lower()
    keep_alive = connection != "close" and (version == "HTTP/1.1" or connection == "keep-alive")
    return _Request(method, path, headers, body, keep_alive)


def _response(status: HTTPStatus, body: bytes, keep_alive: bool) -> bytes:
    content_type = "application/json" if status == HTTPStatus.OK else "text/plain"
    head = (
        f"HTTP/1.1 {status.value} {status.phrase}\r\n"
        f"Content-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\n"
        f"Connection: {'keep-alive' if keep_alive else 'close'}\r\n"
        "Server: nornir-pack-lab\r\n\r\n"
    )
    return head.encode() + body


# -- JSON-RPC
def run_request(device: Device, user: str, body: bytes) -> dict[str, Any]:
    """Answer one JSON-RPC request body."""
    try:
        request = json.loads(body)
    except ValueError:
        return _rpc_error(None, -32700, "Parse error")
    if not isinstance(request, dict):
        return _rpc_error(None, -32600, "Invalid Request")
    request_id = request.get("id")
    if request.get("method") != "runCmds":
        return _rpc_error(request_id, -32601, "Method not found")
    params = request.get("params") or {}
    cmds = params.get("cmds")
    fmt = params.get("format") or "json"
    if not isinstance(cmds, list) or fmt not in ("json", "text"):
        return _rpc_error(request_id, -32602, "Invalid params")
    return run_cmds(device, user, cmds, fmt, request_id)


def _rpc_error(request_id: Any, code: int, message: str) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "error": {"code": code, "message": message}}


def run_cmds(
    device: Device, user: str, cmds: list[Any], fmt: str, request_id: Any = None
) -> dict[str, Any]:
    """Run commands in order in one fresh CLI session; stop at the first failure."""
    shell = Shell(device, user)
    results: list[dict[str, Any]] = []
    for index, item in enumerate(cmds, start=1):
        cmd, text_input = (
            (item.get("cmd", ""), item.get("input"))
            if isinstance(item, dict)
            else (str(item), None)
        )
        result = _run_one(shell, str(cmd), text_input, fmt)
        if isinstance(result, _Failure):
            message = f"CLI command {index} of {len(cmds)} '{cmd}' failed: {result.kind}"
            data = [*results, {"errors": result.errors}]
            return {
                "jsonrpc": "2.0",
                "id": request_id,
                "error": {"code": result.code, "message": message, "data": data},
            }
        results.append(result)
    return {"jsonrpc": "2.0", "id": request_id, "result": results}


def _run_one(shell: Shell, cmd: str, text_input: Any, fmt: str) -> dict[str, Any] | _Failure:
    if not cmd.strip():
        return {} if fmt == "json" else {"output": ""}
    if cmd.strip() == "enable":
        shell.privileged = True
        return {} if fmt == "json" else {"output": ""}
    exec_mode = shell.engine is None and shell.sub is None
    if fmt == "json" and exec_mode:
        view = shell.run_json(cmd)
        if view is not None:
            return view
    output = execute(shell, cmd)
    if isinstance(text_input, str):  # a banner's text: the lines, then the terminator
        for line in text_input.splitlines():
            execute(shell, line)
        terminator = shell.device.platform.banner_terminator
        if terminator is not None:
            execute(shell, terminator)
        output = output if output.lstrip().startswith("%") else ""
    failure = _failure(shell, cmd, output)
    if failure is not None:
        return failure
    if fmt == "text":
        return {"output": output}
    if exec_mode and cmd.split()[:1] and "show".startswith(cmd.split(maxsplit=1)[0].lower()):
        return _Failure(1003, "could not run command", ["This is an unconverted command"])
    return {"messages": [output.strip()]} if output.strip() else {}


def execute(shell: Shell, line: str) -> str:
    """Type one line into the shell; return what it printed, without the next prompt."""
    text = shell.handle(line).text
    prompt = shell.prompt()
    if text.endswith(prompt):
        text = text[: -len(prompt)]
    return text[1:] if text.startswith("\n") else text


def _failure(shell: Shell, cmd: str, output: str) -> _Failure | None:
    first = output.strip().splitlines()[0] if output.strip() else ""
    if not first.startswith("%"):
        return None
    message = first.lstrip("% ").strip()
    words = cmd.split()
    token = min(shell.error_token, max(len(words) - 1, 0))
    word = words[token] if words else ""
    if message.startswith("Invalid input"):
        return _Failure(1002, "invalid command", [f"Invalid input (at token {token}: '{word}')"])
    if message.startswith("Incomplete command"):
        return _Failure(
            1002, "incomplete command", [f"Incomplete command (at token {token}: '{word}')"]
        )
    if message.startswith("Ambiguous command"):
        return _Failure(
            1002, "ambiguous command", [f"Ambiguous command (at token {token}: '{word}')"]
        )
    return _Failure(1000, "could not run command", [message])


async def serve_eapi(device: Device, address: str) -> EapiServer:
    """Start the eAPI listener of a device."""
    server = EapiServer(device, address)
    await server.start()
    return server
