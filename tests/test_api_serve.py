"""``newsieve serve`` as a real process: it serves, answers 401 without a token, and its logs
(uvicorn's access log included) never contain a token."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
from test_api_support import free_port

SECRET = "serve-test-secret-token"


def test_serve_process_answers_and_never_logs_tokens(redis_url: str, key_prefix: str) -> None:
    port = free_port()
    env = dict(
        os.environ,
        REDIS_URL=redis_url,
        NEWSIEVE_KEY_PREFIX=key_prefix,
        NEWSIEVE_API_TOKENS=f"{SECRET}:moderator:carol",
        NEWSIEVE_API_FILTER_OPEN="false",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "newsieve", "serve", "--port", str(port), "--log-level", "debug"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):  # bounded wait for startup, not a timed assertion
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        assert httpx.get(f"{base}/readyz", timeout=30).json() == {"status": "ready"}
        assert httpx.get(f"{base}/v1/review").status_code == 401
        wrong = httpx.get(f"{base}/v1/review", headers={"Authorization": f"Bearer {SECRET}x"})
        assert wrong.status_code == 401
        ok = httpx.get(f"{base}/v1/review", headers={"Authorization": f"Bearer {SECRET}"})
        assert ok.status_code == 200 and ok.json()["items"] == []
        assert httpx.post(f"{base}/v1/filter", json={"text": "开发区建设"}).status_code == 401
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
    log = out.decode("utf-8", "replace")
    assert '"GET /v1/review HTTP/1.1" 200' in log  # the access log was on
    assert SECRET not in log
