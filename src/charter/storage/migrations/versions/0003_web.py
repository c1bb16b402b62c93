"""The web application's tables: accounts, sessions, tokens, co-signings and the ballot box.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28

Databases served by an earlier web app already hold the first five tables
(made then by the app itself, in this same shape): those are adopted as they
are, and only the missing ones are created.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _missing(name: str) -> bool:
    return not sa.inspect(op.get_bind()).has_table(name)


def upgrade() -> None:
    if _missing("web_accounts"):
        op.create_table(
            "web_accounts",
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("polity_id", sa.Text(), nullable=False),
            sa.Column("person", sa.Text(), nullable=False),
            sa.Column("password_hash", sa.Text(), nullable=False),
            sa.Column("created_at", sa.Float(), nullable=False),
            sa.PrimaryKeyConstraint("id", name="pk_web_accounts"),
            sa.UniqueConstraint("polity_id", "person", name="uq_web_accounts_person"),
        )
    if _missing("web_sessions"):
        op.create_table(
            "web_sessions",
            sa.Column("id_hash", sa.Text(), nullable=False),
            sa.Column("account_id", sa.Integer(), nullable=False),
            sa.Column("csrf", sa.Text(), nullable=False),
            sa.Column("expires_at", sa.Float(), nullable=False),
            sa.ForeignKeyConstraint(
                ["account_id"],
                ["web_accounts.id"],
                name="fk_web_sessions_account_id_web_accounts",
            ),
            sa.PrimaryKeyConstraint("id_hash", name="pk_web_sessions"),
        )
    if _missing("web_tokens"):
        op.create_table(
            "web_tokens",
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("token_hash", sa.Text(), nullable=False),
            sa.Column("account_id", sa.Integer(), nullable=False),
            sa.Column("name", sa.Text(), nullable=False),
            sa.Column("scopes", sa.Text(), nullable=False),
            sa.Column("created_at", sa.Float(), nullable=False),
            sa.Column("revoked_at", sa.Float(), nullable=True),
            sa.ForeignKeyConstraint(
                ["account_id"], ["web_accounts.id"], name="fk_web_tokens_account_id_web_accounts"
            ),
            sa.PrimaryKeyConstraint("id", name="pk_web_tokens"),
            sa.UniqueConstraint("token_hash", name="uq_web_tokens_token_hash"),
        )
    if _missing("web_login_failures"):
        op.create_table(
            "web_login_failures",
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("key", sa.Text(), nullable=False),
            sa.Column("at", sa.Float(), nullable=False),
            sa.PrimaryKeyConstraint("id", name="pk_web_login_failures"),
        )
        op.create_index("ix_web_login_failures_key", "web_login_failures", ["key"])
    if _missing("web_settings"):
        op.create_table(
            "web_settings",
            sa.Column("name", sa.Text(), nullable=False),
            sa.Column("value", sa.Text(), nullable=False),
            sa.PrimaryKeyConstraint("name", name="pk_web_settings"),
        )
    op.create_table(
        "web_cosignings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("polity_id", sa.Text(), nullable=False),
        sa.Column("proposer", sa.Text(), nullable=False),
        sa.Column("act", sa.Text(), nullable=False, comment="JSON: act, args, power, as, note"),
        sa.Column("cosigners", sa.Text(), nullable=False, comment="JSON list of the people asked"),
        sa.Column(
            "status",
            sa.Text(),
            nullable=False,
            comment="pending, performing, performed, declined, withdrawn or failed",
        ),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column(
            "seq", sa.BigInteger(), nullable=True, comment="the ledger entry, once performed"
        ),
        sa.ForeignKeyConstraint(
            ["polity_id"], ["polities.id"], name="fk_web_cosignings_polity_id_polities"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_web_cosignings"),
    )
    op.create_index("ix_web_cosignings_polity_id", "web_cosignings", ["polity_id", "status"])
    op.create_table(
        "web_cosign_answers",
        sa.Column("cosigning_id", sa.Integer(), nullable=False),
        sa.Column("person", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False, comment="signed or declined"),
        sa.Column("at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cosigning_id"],
            ["web_cosignings.id"],
            name="fk_web_cosign_answers_cosigning_id_web_cosignings",
        ),
        sa.PrimaryKeyConstraint("cosigning_id", "person", name="pk_web_cosign_answers"),
    )
    # No row id, no time, no account: only the receipt orders and identifies a ballot.
    op.create_table(
        "web_ballot_box",
        sa.Column("polity_id", sa.Text(), nullable=False),
        sa.Column("motion", sa.Text(), nullable=False),
        sa.Column("receipt", sa.Text(), nullable=False),
        sa.Column(
            "ballot",
            sa.Text(),
            nullable=False,
            comment="JSON: the marks and the votes they carry",
        ),
        sa.ForeignKeyConstraint(
            ["polity_id"], ["polities.id"], name="fk_web_ballot_box_polity_id_polities"
        ),
        sa.PrimaryKeyConstraint("polity_id", "motion", "receipt", name="pk_web_ballot_box"),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("web_ballot_box")
    op.drop_table("web_cosign_answers")
    op.drop_index("ix_web_cosignings_polity_id", table_name="web_cosignings")
    op.drop_table("web_cosignings")
    op.drop_index("ix_web_login_failures_key", table_name="web_login_failures")
    for table in ("web_settings", "web_login_failures", "web_tokens", "web_sessions"):
        op.drop_table(table)
    op.drop_table("web_accounts")
