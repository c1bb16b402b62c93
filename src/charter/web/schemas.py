"""The API's request and response models (the parts of the OpenAPI schema worth naming)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "ActRequest",
    "ActResult",
    "CosignAnswer",
    "CosigningView",
    "ErrorBody",
    "NewAccount",
    "TokenIssued",
    "TokenRequest",
]


class ErrorBody(BaseModel):
    """Every error: a stable code, a readable message, and where the fault is (or null)."""

    code: str
    message: str
    where: str | None = None


class ActRequest(BaseModel):
    """An act as `charter act` reads it, without `actor` and `time`: the actor is the
    signed-in person and the time is the server's clock."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    act: str = Field(min_length=1, description="The kind of act, e.g. table-motion, appoint.")
    args: dict[str, Any] = Field(default_factory=dict, description="The act's arguments.")
    power: str | None = Field(None, description="The power claimed (required for exercise).")
    as_: str | None = Field(None, alias="as", description="The office the actor acts as.")
    cosigned_by: list[str] = Field(
        default_factory=list,
        description="The members who must co-sign (a grant's `cosign`). Accepted only when"
        " proposing an act for co-signature (POST .../cosignings): each co-signer then signs"
        " it for themselves; posted to .../acts it is refused (422).",
    )
    note: str = ""


class NewAccount(BaseModel):
    """An account made for a member the act admitted: its password is shown this once."""

    person: str
    password: str = Field(description="One-time: give it to the new member, who signs in with it.")


class ActResult(BaseModel):
    """The act as recorded: granted with its clause, or refused with its reason."""

    seq: int = Field(description="The entry's position in the ledger (the genesis entry is 0).")
    verdict: str
    granted: bool
    basis: str
    effects: list[str]
    entry: dict[str, Any]
    receipt: dict[str, Any] | None = Field(
        None,
        description="For a ballot granted: the voter's receipt, shown once. An open ballot's"
        " names its entry and carries an inclusion proof; a secret ballot's holds a random"
        " receipt code and the ballot, never the voter.",
    )
    accounts: list[NewAccount] = Field(
        default_factory=list,
        description="Accounts made for the members this act admitted (shown once).",
    )


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    scopes: list[str] = Field(min_length=1, description="Some of: read, act.")


class TokenIssued(BaseModel):
    id: int
    token: str = Field(description="Shown once; send it as 'Authorization: Bearer TOKEN'.")
    scopes: list[str]


class CosigningView(BaseModel):
    """An act proposed for co-signature, and where it stands."""

    id: int
    polity: str
    proposer: str = Field(description="Who proposed it; the act is performed as theirs.")
    act: dict[str, Any] = Field(description="The act as proposed (without cosigned_by).")
    cosigners: list[str] = Field(description="Who must sign, each for themselves.")
    answers: dict[str, str] = Field(description="Each answer so far: signed or declined.")
    waiting_for: list[str]
    status: str = Field(
        description="pending, performing, performed (see seq), declined, withdrawn, or failed"
        " (the act could not be performed: it was malformed by then)."
    )
    seq: int | None = Field(None, description="The ledger entry, once performed.")


class CosignAnswer(BaseModel):
    """A co-signer's answer; with the last signature, the act as performed and judged."""

    cosigning: CosigningView
    result: ActResult | None = None
