"""Loopback ports for the tests that start real servers (nginx, gunicorn, a PostgreSQL cluster).

Fixed numbers collided when two checkouts ran their suites on one machine at once. A block is
picked at random below the kernel's ephemeral range (32768 and up on Linux, where outgoing
connections take their local ports), and every port in it must be free to bind now.
"""

from __future__ import annotations

import secrets
import socket

LOW, HIGH = 20_000, 32_000


def _free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_ports(count: int = 1) -> list[int]:
    """`count` consecutive loopback ports, each free at the moment of asking (scripts such as
    deploy/topology.sh take a base port and use the ones after it)."""
    for _attempt in range(200):
        base = LOW + secrets.randbelow(HIGH - count - LOW)
        ports = list(range(base, base + count))
        if all(_free(port) for port in ports):
            return ports
    raise RuntimeError(f"no {count} consecutive free ports between {LOW} and {HIGH}")
