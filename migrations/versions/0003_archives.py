"""Archives: the projection of A records (signed archives of closed periods).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 10:30:00.000000

Written by hand to mirror `caisse.storage.schema.ArchiveRow`; `alembic check` must report no
difference. The table is a projection of the A records and can be rebuilt from their bodies.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('archives',
    sa.Column('gseq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('archive_id', sa.String(length=40), nullable=False),
    sa.Column('period', sa.String(length=32), nullable=False),
    sa.Column('gseq_from', sa.Integer(), nullable=False),
    sa.Column('gseq_to', sa.Integer(), nullable=False),
    sa.Column('manifest_sha256', sa.String(length=64), nullable=False),
    sa.Column('files', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.Text(), nullable=False),
    sa.Column('created_at', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['gseq'], ['journal.gseq'], name=op.f('fk_archives_gseq_journal')),
    sa.PrimaryKeyConstraint('gseq', name=op.f('pk_archives')),
    sa.UniqueConstraint('archive_id', name=op.f('uq_archives_archive_id'))
    )


def downgrade() -> None:
    op.drop_table('archives')
