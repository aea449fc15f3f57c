"""``newsieve serve`` as a real process: it serves, answers 401 without a token, its logs
(uvicorn's access log included) never contain a token, and with ``--workers 2`` every
worker's ``/metrics`` adds up the requests of both."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import httpx
from test_api_support import free_port

SECRET = "serve-test-secret-token"
FILTER_OK = re.compile(r'newsieve_api_requests_total\{method="POST",route="/v1/filter",status="200"\} (\S+)')


def start(args: list[str], env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "newsieve", "serve", "--port", str(port), *args],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):  # bounded wait for startup, not a timed assertion
        if proc.poll() is not None:
            break
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    return proc, base


def stop(proc: subprocess.Popen[bytes]) -> str:
    proc.terminate()
    out, _ = proc.communicate(timeout=30)
    return out.decode("utf-8", "replace")


def test_serve_process_answers_and_never_logs_tokens(redis_url: str, key_prefix: str) -> None:
    env = dict(
        os.environ,
        REDIS_URL=redis_url,
        NEWSIEVE_KEY_PREFIX=key_prefix,
        NEWSIEVE_API_TOKENS=f"{SECRET}:moderator:carol",
        NEWSIEVE_API_FILTER_OPEN="false",
    )
    proc, base = start(["--log-level", "debug"], env)
    try:
        assert httpx.get(f"{base}/readyz", timeout=30).json() == {"status": "ready"}
        assert httpx.get(f"{base}/v1/review").status_code == 401
        wrong = httpx.get(f"{base}/v1/review", headers={"Authorization": f"Bearer {SECRET}x"})
        assert wrong.status_code == 401
        ok = httpx.get(f"{base}/v1/review", headers={"Authorization": f"Bearer {SECRET}"})
        assert ok.status_code == 200 and ok.json()["items"] == []
        assert httpx.post(f"{base}/v1/filter", json={"text": "开发区建设"}).status_code == 401
    finally:
        log = stop(proc)
    assert '"GET /v1/review HTTP/1.1" 200' in log  # the access log was on
    assert SECRET not in log


def test_metrics_add_up_across_workers(redis_url: str, key_prefix: str) -> None:
    env = dict(os.environ, REDIS_URL=redis_url, NEWSIEVE_KEY_PREFIX=key_prefix)
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    proc, base = start(["--workers", "2", "--no-access-log"], env)
    try:
        sent = 24
        with httpx.Client(base_url=base, timeout=30) as client:
            for n in range(sent):
                # a new connection each time, so both workers get some
                resp = httpx.post(f"{base}/v1/filter", json={"text": f"开发区建设第{n}期。"}, timeout=30)
                assert resp.status_code == 200, resp.text
            for _ in range(4):  # whichever worker answers the scrape, the total is the same
                found = FILTER_OK.search(client.get("/metrics").text)
                assert found and float(found.group(1)) == sent
    finally:
        stop(proc)
