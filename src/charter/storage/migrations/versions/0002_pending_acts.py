"""Pending acts: the queue through which concurrent writers combine their appends.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pending_acts",
        # INTEGER on SQLite, so that the ticket is the rowid, numbered by the database.
        sa.Column(
            "ticket",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "polity_id",
            sa.Text(),
            sa.ForeignKey("polities.id", name="fk_pending_acts_polity_id_polities"),
            nullable=False,
        ),
        sa.Column("acts", sa.LargeBinary(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("ticket", name="pk_pending_acts"),
        sqlite_autoincrement=True,  # tickets are never reused, so they order the queue
    )
    op.create_index("ix_pending_acts_polity_id", "pending_acts", ["polity_id", "ticket"])


def downgrade() -> None:
    op.drop_index("ix_pending_acts_polity_id", table_name="pending_acts")
    op.drop_table("pending_acts")
