"""Ballots cast through the web, the ballot box of secret votes, and receipts anyone can check.

An open ballot is recorded whole by `cast-ballot`; its receipt is that entry's
position and an RFC 9162 inclusion proof against a signed checkpoint.

A secret ballot is split in two. `cast-ballot` records in the ledger only that
the voter voted; the ballot itself goes into `web_ballot_box` under a random
receipt, with no account, no time and no row order (the table has no row id and
is keyed by receipt), so nothing stored links a ballot to its voter. When the
vote closes, the whole box, sorted by receipt, is handed in with `close-vote`,
where the domain checks it against who voted and counts it: the tally is
verifiable from the ledger alone. The voter's receipt holds the receipt code
and the ballot, never the voter's name or their `cast-ballot` entry; with it,
they find their ballot in the `close-vote` entry and prove that entry is in
the ledger.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Engine, delete, insert, select

from charter.domain.acts import Entry
from charter.domain.acts.args import Args
from charter.domain.acts.ballots import BALLOT_KEYS, BallotRefusedError, read_ballot
from charter.domain.authority import vote_weight
from charter.domain.polity import Polity
from charter.domain.state import Motion
from charter.ledger.checkpoint import verify_checkpoint
from charter.ledger.proofs import verify_inclusion
from charter.services.polities import InclusionProof, PolityService
from charter.services.sequencer import Performed
from charter.storage.engine import WRITE_OPTION
from charter.storage.schema import web_ballot_box
from charter.web.errors import WebError

__all__ = [
    "RECEIPT_FORMAT",
    "BallotBox",
    "ReceiptCheck",
    "cast_receipt",
    "check_receipt",
    "closing_entry",
    "closing_view",
    "open_receipt",
    "parse_receipt_text",
    "secret_ballot",
]

RECEIPT_FORMAT = 1
"""The version of the receipt document (`charter-receipt`)."""


class BallotBox:
    """The ballots of open secret votes, kept apart from who cast them."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def put(self, polity_id: str, motion: str, ballot: Mapping[str, Any]) -> str:
        """Drop `ballot` in the box; the receipt code that names it (random, never reused)."""
        receipt = secrets.token_hex(16)
        with self.engine.connect() as connection:
            connection.execution_options(**{WRITE_OPTION: True})
            with connection.begin():
                connection.execute(
                    insert(web_ballot_box).values(
                        polity_id=polity_id,
                        motion=motion,
                        receipt=receipt,
                        ballot=json.dumps(dict(ballot), sort_keys=True),
                    )
                )
        return receipt

    def contents(self, polity_id: str, motion: str) -> list[dict[str, Any]]:
        """The box as `close-vote` takes it: each ballot with its receipt, sorted by receipt."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(web_ballot_box.c.receipt, web_ballot_box.c.ballot)
                .where(web_ballot_box.c.polity_id == polity_id, web_ballot_box.c.motion == motion)
                .order_by(web_ballot_box.c.receipt)
            ).all()
        return [{"receipt": row.receipt, **json.loads(row.ballot)} for row in rows]

    def holds(self, polity_id: str, motion: str, receipt: str) -> dict[str, Any] | None:
        with self.engine.connect() as connection:
            found = connection.execute(
                select(web_ballot_box.c.ballot).where(
                    web_ballot_box.c.polity_id == polity_id,
                    web_ballot_box.c.motion == motion,
                    web_ballot_box.c.receipt == receipt,
                )
            ).scalar()
        return None if found is None else dict(json.loads(found))

    def take(self, polity_id: str, motion: str, receipt: str) -> None:
        """Remove one ballot (its `cast-ballot` was refused, so it must not be counted)."""
        self._delete(polity_id, motion, receipt)

    def empty(self, polity_id: str, motion: str) -> None:
        """Empty the box once `close-vote` has put it in the ledger."""
        self._delete(polity_id, motion, None)

    def _delete(self, polity_id: str, motion: str, receipt: str | None) -> None:
        condition = [web_ballot_box.c.polity_id == polity_id, web_ballot_box.c.motion == motion]
        if receipt is not None:
            condition.append(web_ballot_box.c.receipt == receipt)
        with self.engine.connect() as connection:
            connection.execution_options(**{WRITE_OPTION: True})
            with connection.begin():
                connection.execute(delete(web_ballot_box).where(*condition))


def secret_ballot(
    polity: Polity, motion: Motion, args: Mapping[str, Any], voter: str, at: datetime
) -> dict[str, Any]:
    """The box item for `voter`'s ballot `args`, checked by the domain's own ballot reader.

    A ballot the motion cannot accept is turned away here (422), before anything
    is recorded: once in the box it could not be taken out without linking it.
    """
    state = polity.state
    procedure = state.constitution.procedures.get(motion.procedure)
    if procedure is None:
        raise WebError(422, "ballot_refused", f"'{motion.id}' has no procedure", "motion")
    reader = Args({k: v for k, v in args.items() if k != "motion"})
    weight = vote_weight(state, motion.body, voter, at)
    try:
        read_ballot(motion, procedure, reader, weight, voter)
    except BallotRefusedError as refusal:
        raise WebError(422, "ballot_refused", str(refusal), "args") from None
    reader.finish(allowed=BALLOT_KEYS)
    item = {key: args[key] for key in BALLOT_KEYS if key in args}
    if "split" not in item:
        item["votes"] = weight
    return item


# -- receipts -------------------------------------------------------------------------------------


def _signed_checkpoint(service: PolityService, polity_id: str) -> tuple[int, bytes, str]:
    """The newest checkpoint, its signature checked against the polity's key."""
    latest = service.store.latest_checkpoint(polity_id)
    if latest is None:
        raise WebError(409, "no_checkpoint", f"{polity_id} has no signed checkpoint yet")
    public_key = next(p.public_key for p in service.store.polities() if p.id == polity_id)
    checked = verify_checkpoint(latest.text, public_key)
    return checked.size, checked.root, latest.text


def _proof(service: PolityService, polity_id: str, seq: int) -> dict[str, Any] | None:
    """Entry `seq`'s inclusion proof against the newest signed checkpoint, checked here too."""
    size, root, text = _signed_checkpoint(service, polity_id)
    if seq >= size:
        return None
    [(proof, data)] = service.prove_inclusions(polity_id, [seq], size)  # checks the leaf
    return _proof_document(proof, data, root, text)


def _proof_document(proof: InclusionProof, data: bytes, root: bytes, text: str) -> dict[str, Any]:
    """An inclusion proof as a receipt carries it, with the entry and the signed checkpoint
    `text` whose `root` it is checked against first."""
    verify_inclusion(proof.index, proof.size, proof.leaf_hash, proof.path, root)
    return {**proof.as_dict(), "entry": data.hex(), "checkpoint": text}


def cast_receipt(polity_id: str, performed: Performed) -> dict[str, Any]:
    """The receipt of an open ballot just cast: its position and its inclusion proof against
    the checkpoint signed after its batch (made by the sequencer, checked here too)."""
    proof, checkpoint = performed.proof, performed.checkpoint
    proved: dict[str, Any] | None = None
    if proof is not None and checkpoint is not None:
        proved = _proof_document(proof, performed.data, checkpoint.root, checkpoint.text)
    return _open_receipt(polity_id, performed.entry, proved)


def _open_receipt(polity_id: str, entry: Entry, proof: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "charter-receipt": RECEIPT_FORMAT,
        "polity": polity_id,
        "motion": str(entry.act.args.get("motion", "")),
        "secret": False,
        "entry": entry.index + 1,
        "proof": proof,
    }


def open_receipt(service: PolityService, polity_id: str, seq: int) -> dict[str, Any]:
    """The receipt of the open ballot recorded at entry `seq`: where it is, and the proof."""
    record = service.polity(polity_id).record
    if not 1 <= seq <= len(record):
        raise WebError(404, "not_found", f"no entry {seq} in {polity_id}", "seq")
    entry = record[seq - 1]
    if entry.act.kind != "cast-ballot" or not entry.outcome.granted:
        raise WebError(404, "not_found", f"entry {seq} is not a ballot cast", "seq")
    return _open_receipt(polity_id, entry, _proof(service, polity_id, seq))


def closing_entry(polity: Polity, motion: str) -> int | None:
    """The ledger position of the granted `close-vote` of `motion`, if it has closed."""
    for entry in polity.record:
        if (
            entry.act.kind == "close-vote"
            and entry.act.args.get("motion") == motion
            and entry.outcome.granted
        ):
            return entry.index + 1
    return None


Status = Literal["included", "pending", "missing", "mismatch", "invalid"]


@dataclass(frozen=True, slots=True)
class ReceiptCheck:
    """What a receipt proves now: where the ballot is, and the proof that checked."""

    status: Status
    message: str
    motion: str | None = None
    entry: int | None = None
    proof: dict[str, Any] | None = None
    ballot: dict[str, Any] | None = field(default=None)

    @property
    def ok(self) -> bool:
        return self.status in ("included", "pending")

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "status": self.status,
            "message": self.message,
            "motion": self.motion,
            "entry": self.entry,
            "proof": self.proof,
            "ballot": self.ballot,
        }


def _read(document: Any, polity_id: str) -> tuple[str, bool]:
    if not isinstance(document, Mapping):
        raise WebError(422, "invalid_receipt", "a receipt is a JSON object", "receipt")
    if document.get("charter-receipt") != RECEIPT_FORMAT:
        raise WebError(
            422,
            "invalid_receipt",
            f"not a Charter receipt (expected charter-receipt: {RECEIPT_FORMAT})",
            "receipt.charter-receipt",
        )
    if document.get("polity") != polity_id:
        raise WebError(
            422,
            "invalid_receipt",
            f"this receipt is for {document.get('polity')!r}, not {polity_id}",
            "receipt.polity",
        )
    motion = document.get("motion")
    if not isinstance(motion, str) or not motion:
        raise WebError(422, "invalid_receipt", "the receipt names no motion", "receipt.motion")
    secret = document.get("secret")
    if not isinstance(secret, bool):
        raise WebError(422, "invalid_receipt", "secret must be true or false", "receipt.secret")
    return motion, secret


def _proved(
    service: PolityService, polity_id: str, motion: str, seq: int, what: str, ballot: Any = None
) -> ReceiptCheck:
    proof = _proof(service, polity_id, seq)
    if proof is None:
        return ReceiptCheck(
            "pending",
            f"{what} entry {seq}, which no signed checkpoint covers yet: check again later",
            motion,
            seq,
            None,
            ballot,
        )
    return ReceiptCheck(
        "included",
        f"{what} entry {seq}; its inclusion proof checks against the signed checkpoint of"
        f" {proof['size']} entries (root {proof['root'][:16]}…)",
        motion,
        seq,
        proof,
        ballot,
    )


def check_receipt(
    service: PolityService, box: BallotBox, polity_id: str, document: Any
) -> ReceiptCheck:
    """Check a receipt against the ledger (and, while a secret vote is open, the box)."""
    motion, secret = _read(document, polity_id)
    polity = service.polity(polity_id)
    if not secret:
        seq = document.get("entry")
        if not isinstance(seq, int) or isinstance(seq, bool):
            raise WebError(422, "invalid_receipt", "entry must be a number", "receipt.entry")
        record = polity.record
        if not 1 <= seq <= len(record):
            return ReceiptCheck("missing", f"the ledger has no entry {seq}", motion, seq)
        entry = record[seq - 1]
        if (
            entry.act.kind != "cast-ballot"
            or entry.act.args.get("motion") != motion
            or not entry.outcome.granted
        ):
            return ReceiptCheck(
                "mismatch", f"entry {seq} is not a ballot cast on '{motion}'", motion, seq
            )
        ballot = {k: v for k, v in entry.act.args.items() if k != "motion"}
        return _proved(service, polity_id, motion, seq, "your ballot is in", ballot)
    code = document.get("receipt")
    if not isinstance(code, str) or not code:
        raise WebError(422, "invalid_receipt", "the receipt code is missing", "receipt.receipt")
    marked = document.get("ballot")
    if not isinstance(marked, Mapping):
        raise WebError(422, "invalid_receipt", "the receipt holds no ballot", "receipt.ballot")
    seq = closing_entry(polity, motion)
    if seq is None:
        held = box.holds(polity_id, motion, code)
        if held is None:
            return ReceiptCheck(
                "missing", f"no ballot with this receipt is in the box of '{motion}'", motion
            )
        if held != dict(marked):
            return ReceiptCheck(
                "mismatch", "the ballot box holds a different ballot under this receipt", motion
            )
        return ReceiptCheck(
            "pending",
            f"your ballot is in the ballot box of '{motion}', which goes into the ledger when"
            " the vote closes: check again then",
            motion,
        )
    closing = polity.record[seq - 1]
    items = closing.act.args.get("box") or ()
    found = next((i for i in items if isinstance(i, Mapping) and i.get("receipt") == code), None)
    if found is None:
        return ReceiptCheck(
            "missing", f"the ballot box handed in at entry {seq} has no such receipt", motion, seq
        )
    counted = {k: v for k, v in found.items() if k != "receipt"}
    if counted != dict(marked):
        return ReceiptCheck(
            "mismatch",
            f"entry {seq} holds a different ballot under this receipt: {counted}",
            motion,
            seq,
        )
    return _proved(
        service, polity_id, motion, seq, "your ballot was counted from the ballot box in", counted
    )


def parse_receipt_text(text: str) -> Any:
    """A pasted receipt (JSON), or 422 saying why it is not one."""
    try:
        return json.loads(text)
    except ValueError as error:
        raise WebError(
            422, "invalid_receipt", f"the receipt is not JSON: {error}", "receipt"
        ) from None


def closing_view(service: PolityService, polity_id: str, motion: str) -> dict[str, Any]:
    """What a browser needs to check a secret receipt itself, without sending it anywhere:
    the `close-vote` entry of `motion` with its box, and its inclusion proof."""
    polity = service.polity(polity_id)
    if motion not in polity.state.motions:
        raise WebError(404, "not_found", f"no motion '{motion}' in {polity_id}", "motion")
    seq = closing_entry(polity, motion)
    if seq is None:
        return {"motion": motion, "entry": None, "box": None, "proof": None}
    box = list(polity.record[seq - 1].act.args.get("box") or ())
    return {
        "motion": motion,
        "entry": seq,
        "box": box,
        "proof": _proof(service, polity_id, seq),
    }
