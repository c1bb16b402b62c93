"""API tokens looked up in batches: one query for the requests that arrive together, never
a cached answer."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import pytest
from web_support import FAST_HASHER

from charter.storage import open_store
from charter.web.accounts import Account, AccountStore, Token
from charter.web.credentials import TokenLookups
from charter.web.runtime import Runtime


def _token(value: str) -> Token:
    return Token(len(value), Account(1, "club", value), "bot", ("act",), 0.0, False)


class HeldFind:
    """A `find` whose first call waits until released, counting the values of each call."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.entered = threading.Event()
        self.release = threading.Event()

    def __call__(self, values: Sequence[str]) -> dict[str, Token]:
        self.calls.append(list(values))
        if len(self.calls) == 1:
            self.entered.set()
            assert self.release.wait(30), "never released"
        return {value: _token(value) for value in values if value.startswith("chr_")}


def test_tokens_arriving_during_a_lookup_are_looked_up_together_in_the_next() -> None:
    find = HeldFind()
    lookups = TokenLookups(find)
    try:
        first = lookups.lookup("chr_first")
        assert find.entered.wait(30)
        waiting = [lookups.lookup(value) for value in ("chr_a", "bogus", "chr_a", "chr_b")]
        find.release.set()
        assert first.result(30) == _token("chr_first")
        answers = [future.result(30) for future in waiting]
    finally:
        lookups.close()
    assert answers == [_token("chr_a"), None, _token("chr_a"), _token("chr_b")]
    assert find.calls == [["chr_first"], ["chr_a", "bogus", "chr_b"]]


def test_a_failed_lookup_fails_every_request_of_its_batch_and_the_next_ones_still_run() -> None:
    broken = {"yes": True}

    def find(values: Sequence[str]) -> dict[str, Token]:
        if broken["yes"]:
            raise ConnectionError("the database went away")
        return {value: _token(value) for value in values}

    lookups = TokenLookups(find)
    try:
        with pytest.raises(ConnectionError):
            lookups.lookup("chr_x").result(30)
        broken["yes"] = False
        assert lookups.lookup("chr_x").result(30) == _token("chr_x")
    finally:
        lookups.close()


def test_lookups_after_closing_start_again() -> None:
    lookups = TokenLookups(lambda values: {value: _token(value) for value in values})
    assert lookups.lookup("chr_1").result(30) == _token("chr_1")
    lookups.close()
    assert lookups.lookup("chr_2").result(30) == _token("chr_2")
    lookups.close()
    lookups.close()  # closing twice is harmless


def test_live_tokens_finds_many_at_once_and_never_a_revoked_one(database: str) -> None:
    with open_store(database) as store:
        accounts = AccountStore(store.engine, FAST_HASHER, lookup=store.lookup)
        accounts.add("club", "ana")
        accounts.add("club", "ben")
        ana, ben = accounts.find("club", "ana"), accounts.find("club", "ben")
        assert ana is not None
        assert ben is not None
        ana_token, ana_id = accounts.issue_token(ana, "bot", ("act",))
        ben_token, _ben_id = accounts.issue_token(ben, "reader", ("read",))
        found = accounts.live_tokens([ana_token, ben_token, "chr_unknown"])
        assert set(found) == {ana_token, ben_token}
        assert found[ana_token].account == ana
        assert found[ana_token].scopes == ("act",)
        assert found[ben_token].account == ben
        assert found[ben_token].scopes == ("read",)
        assert found[ana_token] == accounts.token(ana_token)
        assert accounts.revoke_token(ana, ana_id)
        assert set(accounts.live_tokens([ana_token, ben_token])) == {ben_token}
        assert accounts.live_tokens([]) == {}


def test_the_runtime_closes_its_lookups_with_the_app(tmp_path: Path) -> None:
    runtime = Runtime(f"sqlite:///{tmp_path / 'charter.db'}", key_dir=tmp_path / "keys")
    before = set(threading.enumerate())  # other tests' apps may still hold theirs
    assert runtime.tokens.lookup("chr_nobody").result(30) is None
    mine = [t for t in threading.enumerate() if t.name == "token-lookups" and t not in before]
    assert len(mine) == 1
    runtime.close()
    assert not mine[0].is_alive()
