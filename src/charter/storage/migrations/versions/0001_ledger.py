"""The ledger: polities, their entries and Merkle nodes, checkpoints, constitutions.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _polity_id(table: str) -> sa.Column[str]:
    return sa.Column(
        "polity_id",
        sa.Text(),
        sa.ForeignKey("polities.id", name=f"fk_{table}_polity_id_polities"),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "polities",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("created", sa.Text(), nullable=False, comment="ISO 8601"),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False, server_default=sa.text("0")),
        sa.Column("root", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_polities"),
    )
    op.create_table(
        "entries",
        _polity_id("entries"),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("polity_id", "seq", name="pk_entries"),
    )
    op.create_table(
        "nodes",
        _polity_id("nodes"),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("idx", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("polity_id", "level", "idx", name="pk_nodes"),
    )
    op.create_table(
        "checkpoints",
        _polity_id("checkpoints"),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("root", sa.LargeBinary(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("polity_id", "size", name="pk_checkpoints"),
    )
    op.create_table(
        "constitutions",
        _polity_id("constitutions"),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("polity_id", "version", name="pk_constitutions"),
    )


def downgrade() -> None:
    for table in ("constitutions", "checkpoints", "nodes", "entries", "polities"):
        op.drop_table(table)
