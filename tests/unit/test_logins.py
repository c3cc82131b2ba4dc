"""The run's login cap (nornir_pack.logins): a login's place ends when its connect returns, or
earlier when the backend says the device accepted the credentials."""

from __future__ import annotations

import threading

import asyncssh
from scrapli.exceptions import ScrapliAuthenticationFailed

from nornir_pack.logins import LoginPolicy, authenticated, is_auth_failure, login, login_policy


def test_a_login_gives_its_place_back_once_authenticated() -> None:
    second_in = threading.Event()

    def second() -> None:
        login("r2", second_in.set)

    def first() -> str:
        authenticated()()  # the device took the password: the shell's set-up is not a login
        authenticated()()  # said twice, given back once
        other = threading.Thread(target=second)
        other.start()
        assert second_in.wait(10), "the second login waited for the first's whole connect"
        other.join(10)
        return "open"

    with login_policy(LoginPolicy(max_logins=1)):
        assert login("r1", first) == "open"
        # every place is back: two more logins in turn do not wait
        assert login("r3", lambda: "a") == "a"
        assert login("r4", lambda: "b") == "b"


def test_without_the_word_the_place_is_held_until_connect_returns() -> None:
    entered = threading.Event()
    release = threading.Event()

    def slow() -> None:
        entered.set()
        assert release.wait(10)

    with login_policy(LoginPolicy(max_logins=1)):
        holder = threading.Thread(target=login, args=("r1", slow))
        holder.start()
        assert entered.wait(10)
        waiter_in = threading.Event()
        waiter = threading.Thread(target=login, args=("r2", waiter_in.set))
        waiter.start()
        assert not waiter_in.wait(0.2)  # the cap holds it back
        release.set()
        assert waiter_in.wait(10)
        holder.join(10)
        waiter.join(10)


def test_outside_a_login_saying_authenticated_does_nothing() -> None:
    authenticated()()


def _raised(error: Exception, cause: BaseException | None) -> Exception:
    try:
        raise error from cause
    except Exception as exc:
        return exc


def test_refused_credentials_are_never_retried_but_a_timed_out_connect_is() -> None:
    """scrapli names a connect that timed out an authentication failure too: its cause, a
    TimeoutError, says it was the network."""
    refused = _raised(ScrapliAuthenticationFailed("all authentication methods failed"), None)
    denied = _raised(
        ScrapliAuthenticationFailed("all authentication methods failed"),
        asyncssh.PermissionDenied("Permission denied"),
    )
    timed_out = _raised(
        ScrapliAuthenticationFailed("timed out opening connection to device"), TimeoutError()
    )
    assert is_auth_failure(refused)
    assert is_auth_failure(denied)
    assert not is_auth_failure(timed_out)
    assert not is_auth_failure(_raised(ConnectionRefusedError(111, "refused"), None))

    attempts: list[int] = []

    def connect() -> str:
        attempts.append(1)
        if len(attempts) < 3:
            raise timed_out
        return "session"

    with login_policy(LoginPolicy(max_logins=None, connect_retries=2, backoff=0.0)):
        assert login("r1", connect) == "session"
    assert len(attempts) == 3
