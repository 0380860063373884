"""`ims up`'s restart policy: exponential backoff to a cap, forgotten after a process stayed up."""

from __future__ import annotations

import signal

from services.cli.restarts import RestartPolicy, backoff_delay, describe_exit


def test_backoff_starts_at_half_a_second_and_doubles_up_to_thirty_seconds() -> None:
    assert [backoff_delay(n) for n in range(1, 9)] == [0.5, 1, 2, 4, 8, 16, 30, 30]
    assert backoff_delay(10_000) == 30


def test_no_failure_means_no_pause() -> None:
    assert backoff_delay(0) == 0


def test_a_child_killed_repeatedly_waits_longer_each_time() -> None:
    policy = RestartPolicy()
    delays = [policy.next_delay(uptime=0.2) for _ in range(5)]
    assert delays == [0.5, 1, 2, 4, 8]
    assert delays == sorted(delays)


def test_a_child_that_stayed_up_a_while_is_restarted_as_if_it_never_failed() -> None:
    policy = RestartPolicy(stable_after=60)
    for _ in range(4):
        policy.next_delay(uptime=1)
    assert policy.next_delay(uptime=59) == 8
    assert policy.next_delay(uptime=60) == 0.5


def test_forgetting_the_failures_starts_a_new_row() -> None:
    policy = RestartPolicy()
    for _ in range(6):
        policy.next_delay(uptime=0)
    policy.forget()
    assert policy.next_delay(uptime=0) == 0.5


def test_the_policy_takes_its_own_first_delay_and_cap() -> None:
    policy = RestartPolicy(first=0.1, cap=0.3)
    assert [policy.next_delay(uptime=0) for _ in range(4)] == [0.1, 0.2, 0.3, 0.3]


def test_an_exit_reads_as_its_code_or_its_signal() -> None:
    assert describe_exit(1) == "exit code 1"
    assert describe_exit(0) == "exit code 0"
    assert describe_exit(-signal.SIGKILL) == "signal SIGKILL"
    assert describe_exit(-200) == "signal 200"
    assert describe_exit(None) == "still running"
