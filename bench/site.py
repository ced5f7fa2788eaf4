"""A local news site for the scale benchmarks: many hosts on loopback, an optional latency.

Each host is its own loopback address (``127.0.0.1``, ``127.0.0.2``, …, all routed to ``lo``
on Linux), so every host is a site of its own for Scrapy's download slots and for the shared
per-site slots of ``redline worker`` (both key on the host name, not the port).  Every host
answers ``/robots.txt`` (allow all) and ``/news/<n>``: a small article page, distinct for each
``n`` and the same on every request, after ``--latency`` seconds (the answer is delayed, the
connection is not blocked: the server is one asyncio loop).

Run as a process of its own (``python -m bench.site --hosts 30 --latency 0.1``): it prints one
JSON line, ``{"hosts": [base URLs]}``, then answers each line on stdin: ``stats`` with the
requests served and the most requests in flight at once per host; ``quit`` ends it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import subprocess
import sys
from contextlib import suppress
from pathlib import Path
from typing import Any

WORDS = [
    "council",
    "budget",
    "river",
    "school",
    "minister",
    "report",
    "harbour",
    "village",
    "police",
    "election",
    "market",
    "winter",
    "hospital",
    "museum",
    "railway",
    "festival",
    "court",
    "farmers",
    "energy",
    "water",
    "bridge",
    "library",
    "storm",
    "tourism",
    "union",
    "island",
    "factory",
    "science",
    "weather",
    "research",
    "students",
    "mayor",
]


def article(n: int) -> bytes:
    """The page ``/news/<n>``: a headline and six paragraphs, the same for every request."""
    rng = random.Random(n)
    headline = f"Story {n}: the {rng.choice(WORDS)} and the {rng.choice(WORDS)}"
    paragraphs = "".join(
        "<p>" + " ".join(rng.choice(WORDS) for _ in range(45)) + f" (item {n}-{k}).</p>"
        for k in range(6)
    )
    return (
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{headline}</title>"
        f"</head><body><nav><a href=/>Home</a></nav><article><h1>{headline}</h1>"
        f"<p class=byline>By A. Reporter</p>{paragraphs}</article>"
        f"<footer>Local News</footer></body></html>"
    ).encode()


ROBOTS = b"User-agent: *\nAllow: /\n"


class Site:
    def __init__(self, hosts: int, latency: float) -> None:
        self.hosts = [f"127.0.0.{k + 1}" for k in range(hosts)]
        self.latency = latency
        self.requests = 0
        self.in_flight: dict[str, int] = dict.fromkeys(self.hosts, 0)
        self.most_in_flight: dict[str, int] = dict.fromkeys(self.hosts, 0)
        self.port = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        host = writer.get_extra_info("sockname")[0]
        with suppress(ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                path = head.split(b" ", 2)[1].decode("latin-1")
                self.requests += 1
                self.in_flight[host] += 1
                self.most_in_flight[host] = max(self.most_in_flight[host], self.in_flight[host])
                try:
                    if self.latency:
                        await asyncio.sleep(self.latency)
                finally:
                    self.in_flight[host] -= 1
                status, body, kind = self.answer(path)
                writer.write(
                    f"HTTP/1.1 {status}\r\nContent-Type: {kind}\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n".encode()
                    + body
                )
                await writer.drain()
        writer.close()

    def answer(self, path: str) -> tuple[str, bytes, str]:
        if path == "/robots.txt":
            return "200 OK", ROBOTS, "text/plain"
        if path.startswith("/news/") and path[6:].isdigit():
            return "200 OK", article(int(path[6:])), "text/html; charset=utf-8"
        return "404 Not Found", b"not found", "text/plain"

    def stats(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "most_in_flight_per_host": max(self.most_in_flight.values(), default=0),
        }


async def serve(hosts: int, latency: float) -> None:
    site = Site(hosts, latency)
    first = await asyncio.start_server(site.handle, site.hosts[0], 0, backlog=1024)
    site.port = first.sockets[0].getsockname()[1]
    servers = [first] + [
        await asyncio.start_server(site.handle, host, site.port, backlog=1024)
        for host in site.hosts[1:]
    ]
    print(json.dumps({"hosts": [f"http://{h}:{site.port}" for h in site.hosts]}), flush=True)
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        command = line.strip()
        if command == "stats":
            print(json.dumps(site.stats()), flush=True)
        elif command in {"quit", ""}:
            break
    for server in servers:
        server.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--hosts", type=int, default=1, help="sites, one loopback address each")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before each answer")
    args = parser.parse_args(argv)
    asyncio.run(serve(args.hosts, args.latency))
    return 0


class ChildSite:
    """A site in a child process (``python -m <module> <arguments>``), driven over its pipes:
    it writes one JSON line as it starts and one for each line it reads on its stdin."""

    def __init__(self, *argv: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", *argv],
            cwd=Path(__file__).resolve().parents[1],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.started = self._read()

    def _read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the site process exited")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def ask(self, line: str) -> dict[str, Any]:
        """Send one line, return the site's answer."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        return self._read()


class SiteProcess(ChildSite):
    """The site in a child process, driven over its stdin and stdout."""

    def __init__(self, hosts: int = 1, latency: float = 0.0) -> None:
        super().__init__("bench.site", "--hosts", str(hosts), "--latency", str(latency))
        self.hosts: list[str] = self.started["hosts"]

    def stats(self) -> dict[str, Any]:
        return self.ask("stats")

    def close(self) -> None:
        with suppress(OSError, ValueError):
            assert self.proc.stdin is not None
            self.proc.stdin.write("quit\n")
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except Exception:
            self.proc.kill()
            self.proc.wait()


if __name__ == "__main__":
    raise SystemExit(main())
