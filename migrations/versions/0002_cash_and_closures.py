"""Cash sessions, payment-only (P) record projections and closures (Z, M, Y).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 10:00:00.000000

Written by hand to mirror `caisse.storage.schema` (CashSessionRow, CashMovementRow,
ClosureRow); `alembic check` must report no difference. Every table is a projection of journal
records and can be rebuilt from their bodies.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('cash_sessions',
    sa.Column('opened_gseq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('opened_ts', sa.String(length=20), nullable=False),
    sa.Column('operator_id', sa.String(length=32), nullable=False),
    sa.Column('opening_float_cents', sa.Integer(), nullable=False),
    sa.Column('closed_gseq', sa.Integer(), nullable=True),
    sa.Column('counted_cash_cents', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['closed_gseq'], ['journal.gseq'], name=op.f('fk_cash_sessions_closed_gseq_journal')),
    sa.ForeignKeyConstraint(['opened_gseq'], ['journal.gseq'], name=op.f('fk_cash_sessions_opened_gseq_journal')),
    sa.PrimaryKeyConstraint('opened_gseq', name=op.f('pk_cash_sessions')),
    sa.UniqueConstraint('closed_gseq', name=op.f('uq_cash_sessions_closed_gseq'))
    )
    op.create_table('closures',
    sa.Column('gseq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('kind', sa.String(length=1), nullable=False),
    sa.Column('kseq', sa.Integer(), nullable=False),
    sa.Column('period_from', sa.String(length=10), nullable=False),
    sa.Column('period_to', sa.String(length=10), nullable=False),
    sa.Column('gseq_from', sa.Integer(), nullable=True),
    sa.Column('gseq_to', sa.Integer(), nullable=True),
    sa.Column('net_ttc_cents', sa.Integer(), nullable=False),
    sa.Column('gt', sa.Integer(), nullable=False),
    sa.Column('gt_abs', sa.Integer(), nullable=False),
    sa.Column('token_sha256', sa.String(length=43), nullable=False),
    sa.ForeignKeyConstraint(['gseq'], ['journal.gseq'], name=op.f('fk_closures_gseq_journal')),
    sa.PrimaryKeyConstraint('gseq', name=op.f('pk_closures')),
    sa.UniqueConstraint('kind', 'kseq', name='uq_closures_kind_kseq')
    )
    op.create_table('cash_movements',
    sa.Column('gseq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('session_gseq', sa.Integer(), nullable=False),
    sa.Column('op', sa.String(length=16), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('business_date', sa.String(length=10), nullable=False),
    sa.Column('ts_utc', sa.String(length=20), nullable=False),
    sa.Column('operator_id', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['gseq'], ['journal.gseq'], name=op.f('fk_cash_movements_gseq_journal')),
    sa.ForeignKeyConstraint(['session_gseq'], ['cash_sessions.opened_gseq'], name=op.f('fk_cash_movements_session_gseq_cash_sessions')),
    sa.PrimaryKeyConstraint('gseq', name=op.f('pk_cash_movements'))
    )
    with op.batch_alter_table('cash_movements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cash_movements_business_date'), ['business_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_cash_movements_session_gseq'), ['session_gseq'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('cash_movements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cash_movements_session_gseq'))
        batch_op.drop_index(batch_op.f('ix_cash_movements_business_date'))

    op.drop_table('cash_movements')
    op.drop_table('closures')
    op.drop_table('cash_sessions')
