"""An operational event the server refuses for its content is set aside, not retried forever.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26 16:50:00.000000

- `ops_outbox.rejected_at` / `rejected_reason`: the server answered `bad_payload` for this one
  event (found by halving the batch). It stays in the outbox with the server's reason, out of
  the pending queue, so that the events behind it still go (a newer till's event type, for
  instance, that an older server does not know). Its effect on the till's own stock stays.

Mirrors `caisse.storage.schema`; `alembic check` must report no difference.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("ops_outbox", sa.Column("rejected_at", sa.String(length=32), nullable=True))
    op.add_column("ops_outbox", sa.Column("rejected_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ops_outbox") as batch:
        batch.drop_column("rejected_reason")
        batch.drop_column("rejected_at")
