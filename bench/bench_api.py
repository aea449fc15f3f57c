"""Benchmark of ``POST /v1/filter``: throughput and latency over HTTP against the same pages
filtered in-process, to give the API's overhead as a ratio.

    .venv/bin/python bench/bench_api.py [--pages DIR] [--requests 3000] [--concurrency 32]
                                        [--rate 100] [--workers 2] [--json bench/results/api.json]

It starts ``newsieve serve`` as a separate process on a free loopback port (filter endpoints
open, a Redis URL nobody answers on: the filter path needs no Redis) and, from this process,
sends every page (raw bytes, base64, with the charset of ``labels.jsonl`` when there is one)
round-robin over keep-alive connections, three ways:

- ``api_saturated``: closed loop, ``--concurrency`` clients sending back to back: the most
  req/s the server gives (latency is then queueing: concurrency / throughput);
- ``api_at_rate``: open loop at ``--rate`` req/s with at most ``--concurrency`` in flight,
  latency counted from when each request was due: the issue's target, p99 < 100 ms at
  >= 100 req/s on 2 cores, is checked on this run (``target_met``);
- ``api_concurrency_1``: one request at a time, the API's floor latency.

The server's CPU time per request (``server_cpu_ms_per_req``, from /proc) against the
in-process ``cpu_ms_per_page`` gives the overhead without the noise of a busy machine; the
1-minute load average is reported too (figures taken on a shared box are not comparable).

Then the same pages go through ``Sieve.clean`` in this process. Reported: req/s, p50, p90,
p99 (ms), and two ratios: in-process single-core rate over the saturated API rate, and the
API's p50 at concurrency 1 over the in-process p50. The load generator shares the machine's
cores with the server, as the issue's "from a second process" implies.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

DEFAULT_PAGES = Path("/work/shared/spamrepost-dev/pages")


def load_pages(folder: Path) -> list[dict[str, Any]]:
    """Each page as the JSON body of one ``POST /v1/filter``, plus its bytes for the in-process run."""
    labels: dict[str, dict[str, Any]] = {}
    labels_file = folder.parent / "labels.jsonl"
    if labels_file.exists():
        for line in labels_file.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                labels[row["file"]] = row
    pages = []
    for path in sorted(folder.iterdir()):
        if path.suffix not in (".html", ".htm", ".txt"):
            continue
        raw = path.read_bytes()
        label = labels.get(path.name, {})
        content_type = label.get("content_type") or ("text/plain" if path.suffix == ".txt" else "text/html")
        charset = label.get("encoding")
        key = "text" if content_type == "text/plain" else "html"
        body = {key: base64.b64encode(raw).decode(), "encoding": "base64", "content_type": content_type}
        if charset:
            body["charset"] = charset
        pages.append({"body": body, "raw": raw, "content_type": content_type, "charset": charset})
    if not pages:
        raise SystemExit(f"no pages in {folder}")
    return pages


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(port: int, workers: int) -> subprocess.Popen[bytes]:
    env = dict(os.environ, NEWSIEVE_API_FILTER_OPEN="true", REDIS_URL="redis://127.0.0.1:1/0")
    cmd = [sys.executable, "-m", "newsieve", "serve", "--port", str(port), "--workers", str(workers),
           "--no-access-log", "--log-level", "warning"]
    proc = subprocess.Popen(cmd, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise SystemExit("newsieve serve exited")
        time.sleep(0.2)
    proc.kill()
    raise SystemExit("newsieve serve did not start")


async def load(url: str, pages: list[dict[str, Any]], requests: int, concurrency: int) -> dict[str, Any]:
    latencies: list[float] = []
    errors: dict[int, int] = {}
    counter = iter(range(requests))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:

        async def worker() -> None:
            for n in counter:
                body = pages[n % len(pages)]["body"]
                t0 = time.perf_counter()
                resp = await client.post("/v1/filter", json=body)
                latencies.append(time.perf_counter() - t0)
                if resp.status_code != 200:
                    errors[resp.status_code] = errors.get(resp.status_code, 0) + 1

        for page in pages[: min(len(pages), 20)]:  # warm-up (connections, caches)
            await client.post("/v1/filter", json=page["body"])
        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - t0
    return summarise(latencies, elapsed) | {"errors": errors, "concurrency": concurrency}


async def load_at_rate(
    url: str, pages: list[dict[str, Any]], requests: int, concurrency: int, rate: float
) -> dict[str, Any]:
    """Open loop: request n is due at n/rate seconds whatever the answers do, at most
    ``concurrency`` in flight; latency counts from when it was due (no coordinated omission)."""
    latencies: list[float] = []
    errors: dict[int, int] = {}
    gate = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:
        for page in pages[: min(len(pages), 20)]:
            await client.post("/v1/filter", json=page["body"])

        async def one(n: int, due: float) -> None:
            async with gate:
                resp = await client.post("/v1/filter", json=pages[n % len(pages)]["body"])
            latencies.append(time.perf_counter() - due)
            if resp.status_code != 200:
                errors[resp.status_code] = errors.get(resp.status_code, 0) + 1

        t0 = time.perf_counter()
        tasks = []
        for n in range(requests):
            due = t0 + n / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(n, due)))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - t0
    extra = {"errors": errors, "concurrency": concurrency, "offered_rate": rate}
    return summarise(latencies, elapsed) | extra


def process_cpu_seconds(pid: int) -> float | None:
    """User+system CPU of a process and its children (uvicorn workers), from /proc; None elsewhere."""
    try:
        pids = [pid]
        for task in Path(f"/proc/{pid}/task").iterdir():
            pids += [int(c) for c in (task / "children").read_text().split()]
        total = 0
        for p in pids:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        return total / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError):
        return None


def summarise(latencies: list[float], elapsed: float) -> dict[str, Any]:
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return round(1000 * ordered[min(len(ordered) - 1, int(p * len(ordered)))], 2)

    return {
        "requests": len(ordered),
        "seconds": round(elapsed, 3),
        "req_per_s": round(len(ordered) / elapsed, 1),
        "p50_ms": pct(0.50),
        "p90_ms": pct(0.90),
        "p99_ms": pct(0.99),
        "mean_ms": round(1000 * statistics.fmean(ordered), 2),
    }


def in_process(pages: list[dict[str, Any]], rounds: int) -> dict[str, Any]:
    from newsieve.filters import Sieve

    sieve = Sieve()
    for page in pages:  # warm-up
        sieve.clean(page["raw"], content_type=page["content_type"], charset=page["charset"])
    latencies = []
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    for _ in range(rounds):
        for page in pages:
            t1 = time.perf_counter()
            sieve.clean(page["raw"], content_type=page["content_type"], charset=page["charset"])
            latencies.append(time.perf_counter() - t1)
    cpu_ms = round(1000 * (time.process_time() - cpu0) / len(latencies), 2)
    return summarise(latencies, time.perf_counter() - t0) | {"cpu_ms_per_page": cpu_ms}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", type=Path, default=DEFAULT_PAGES)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes of the server")
    parser.add_argument("--rate", type=float, default=100.0, help="offered req/s of the open-loop run")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()

    pages = load_pages(args.pages)
    port = free_port()
    server = start_server(port, args.workers)
    try:
        url = f"http://127.0.0.1:{port}"
        cpu0 = process_cpu_seconds(server.pid)
        loaded = asyncio.run(load(url, pages, args.requests, args.concurrency))
        cpu1 = process_cpu_seconds(server.pid)
        if cpu0 is not None and cpu1 is not None:
            loaded["server_cpu_ms_per_req"] = round(1000 * (cpu1 - cpu0) / loaded["requests"], 2)
        paced = asyncio.run(load_at_rate(url, pages, args.requests, args.concurrency, args.rate))
        single = asyncio.run(load(url, pages, min(args.requests, 4 * len(pages)), 1))
    finally:
        server.terminate()
        server.wait(30)
    local = in_process(pages, rounds=max(1, min(args.requests, 20 * len(pages)) // len(pages)))
    result = {
        "pages": len(pages),
        "cpus": os.cpu_count(),
        "server_workers": args.workers,
        "api_saturated": loaded,
        "api_at_rate": paced,
        "api_concurrency_1": single,
        "in_process": local,
        "throughput_ratio_in_process_over_api": round(local["req_per_s"] / loaded["req_per_s"], 2),
        "latency_ratio_api_over_in_process_p50": round(single["p50_ms"] / max(local["p50_ms"], 1e-3), 2),
        "load_average_1m": round(os.getloadavg()[0], 2),
        # The open loop's achieved rate is requests / (time of the last answer), a hair under the
        # offered rate by construction: the load counts as held when it reaches 98% of the offer.
        "target_met": args.rate >= 100
        and paced["req_per_s"] >= 0.98 * args.rate
        and paced["p99_ms"] < 100
        and not paced["errors"],
    }
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
