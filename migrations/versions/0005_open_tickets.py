"""Open and parked tickets (they survive a restart) and the receipt e-mail queue.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 12:00:00.000000

Written by hand to mirror `caisse.storage.schema` (OpenTicketRow, ReceiptEmailRow); `alembic
check` must report no difference. Neither table is fiscal: an open ticket is journaled only
when it is finalised, and its row is deleted in that same transaction.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('open_tickets',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('operator_id', sa.String(length=32), nullable=False),
    sa.Column('operator_name', sa.Text(), nullable=False),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.Column('updated_at', sa.String(length=32), nullable=False),
    sa.Column('parked_at', sa.String(length=32), nullable=True),
    sa.Column('items', sa.Integer(), nullable=False),
    sa.Column('total_cents', sa.Integer(), nullable=False),
    sa.Column('data', sa.Text(), nullable=False),
    sa.CheckConstraint("status IN ('open', 'parked')", name=op.f('ck_open_tickets_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_open_tickets'))
    )
    with op.batch_alter_table('open_tickets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_open_tickets_status'), ['status'], unique=False)

    op.create_table('receipt_emails',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('gseq', sa.Integer(), nullable=False),
    sa.Column('ticket_no', sa.String(length=40), nullable=False),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('queued_at', sa.String(length=32), nullable=False),
    sa.Column('sent_at', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['gseq'], ['journal.gseq'], name=op.f('fk_receipt_emails_gseq_journal')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_receipt_emails'))
    )


def downgrade() -> None:
    op.drop_table('receipt_emails')
    with op.batch_alter_table('open_tickets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_open_tickets_status'))

    op.drop_table('open_tickets')
