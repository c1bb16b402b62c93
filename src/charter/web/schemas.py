"""The API's request and response models (the parts of the OpenAPI schema worth naming)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ActRequest", "ActResult", "ErrorBody", "TokenIssued", "TokenRequest"]


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
        description="Not yet accepted through the web: a co-signer must sign for themselves.",
    )
    note: str = ""


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


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    scopes: list[str] = Field(min_length=1, description="Some of: read, act.")


class TokenIssued(BaseModel):
    id: int
    token: str = Field(description="Shown once; send it as 'Authorization: Bearer TOKEN'.")
    scopes: list[str]
