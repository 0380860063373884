from __future__ import annotations

import socket
import time


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def wait_for_port(host: str, port: int, timeout: float, is_alive: object = None) -> None:
    """Wait until something accepts TCP connections; fail early if the server process already died."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection((host, port), timeout=0.5).close()
            return
        except OSError:
            if callable(is_alive) and not is_alive():
                raise RuntimeError(f"server on {host}:{port} exited before accepting connections") from None
            if time.monotonic() > deadline:
                raise TimeoutError(f"nothing accepted connections on {host}:{port} within {timeout:.0f}s") from None
            time.sleep(0.05)
