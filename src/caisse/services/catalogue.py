"""Catalogue browsing for the till: search as you type and categories page by page.

The index port (`CatalogueIndex`) finds candidates, the service ranks them. Ranking lives
here, not in SQL: FTS5's bm25 must score every matching row before it can return the first
ones, which costs over 100 ms for a one-letter prefix on 200,000 products; fetching the first
`CANDIDATES` matches in catalogue order costs a few milliseconds, and a cashier expects
"starts with what I typed" before statistical relevance anyway.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from caisse.domain.catalog import Unit

logger = logging.getLogger(__name__)

CANDIDATES = 200
"""How many matches in catalogue order are ranked; a broader query ranks only these.

A one-letter query matches half the catalogue: ranking the first 200 keeps a keystroke's
work under 5 ms of CPU on 200,000 products, and the next letter narrows the matches anyway.
"""

MAX_QUERY_CHARS = 64
MAX_LIMIT = 200


@dataclass(frozen=True, slots=True)
class ProductHit:
    """A product as a tile or a search result shows it (not for selling: the sale re-reads it).

    Attributes:
        picture: an absolute path to the product's picture, or None when it has none.
    """

    sku: str
    label: str
    price_ttc_cents: int
    unit: Unit
    category: str
    ean: str | None = None
    plu: str | None = None
    picture: str | None = None

    @property
    def weighed(self) -> bool:
        return self.unit is Unit.KG


@dataclass(frozen=True, slots=True)
class SearchResult:
    """The ranked hits for one query; `text` says which query they answer."""

    text: str
    hits: tuple[ProductHit, ...]
    more: bool


@dataclass(frozen=True, slots=True)
class CategoryPage:
    """One page of a category, in label order."""

    category: str
    page: int
    hits: tuple[ProductHit, ...]
    has_next: bool


class CatalogueIndex(Protocol):
    """Read-only catalogue queries (the storage adapter answers them with SQLite FTS5)."""

    def match(self, text: str, limit: int) -> list[ProductHit]:
        """Active products matching every word of `text` as a word prefix, in catalogue order.

        Name, sku and EAN are searched, accents and case ignored; at most `limit` products.
        """
        ...

    def exact(self, code: str) -> ProductHit | None:
        """The active product whose sku, EAN or PLU is exactly `code`."""
        ...

    def categories(self) -> list[str]:
        """The categories that hold at least one active product, sorted."""
        ...

    def in_category(self, category: str, offset: int, limit: int) -> list[ProductHit]:
        """Active products of a category in label order, from `offset`."""
        ...


# note: str.translate deletes the combining marks at C speed; ranking folds up to
# `CANDIDATES` labels per keystroke.
_COMBINING = dict.fromkeys(range(0x300, 0x370))


def fold(text: str) -> str:
    """Lower case without accents: what the cashier typed and a label compare equal."""
    if text.isascii():
        return text.casefold()
    return unicodedata.normalize("NFKD", text).translate(_COMBINING).casefold()


# note: the same word boundaries as SQLite's unicode61 tokenizer (letters and digits).
_WORD = re.compile(r"[^\W_]+")


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


class Ranker:
    """Sort keys of hits for one query: exact code, then label starts, then shorter labels.

    Tiers: 0 the sku, EAN or PLU is the query; 1 the label is the query; 2 the label starts
    with the query; 3 a code starts with the query; 4 any other match. Within a tier, shorter
    labels first (the plainer article), then alphabetical order.
    """

    def __init__(self, query: str) -> None:
        self._q = fold(query.strip())

    def key(self, hit: ProductHit) -> tuple[int, int, str, str]:
        q = self._q
        label = fold(hit.label)
        # note: EANs and PLUs are digits, only the sku has a case to fold.
        sku = hit.sku.casefold()
        if q == sku or q == hit.ean or q == hit.plu:
            tier = 0
        elif label == q:
            tier = 1
        elif label.startswith(q):
            tier = 2
        elif sku.startswith(q) or (hit.ean or "").startswith(q):
            tier = 3
        else:
            tier = 4
        return (tier, len(label), label, hit.sku)


class CatalogueService:
    """Search and category pages over the whole catalogue, for the sale screen's grid."""

    def __init__(
        self,
        index: CatalogueIndex,
        *,
        pictures_dir: Path | None = None,
        candidates: int = CANDIDATES,
    ) -> None:
        self._index = index
        self._pictures_dir = pictures_dir
        self._candidates = candidates

    def _with_picture(self, hit: ProductHit) -> ProductHit:
        # note: catalogues store picture names relative to the till's pictures folder, so a
        # data directory moves to another machine with its pictures.
        if hit.picture is None or self._pictures_dir is None:
            return hit
        path = Path(hit.picture)
        if path.is_absolute():
            return hit
        return ProductHit(
            hit.sku,
            hit.label,
            hit.price_ttc_cents,
            hit.unit,
            hit.category,
            hit.ean,
            hit.plu,
            str(self._pictures_dir / path),
        )

    def search(self, text: str, limit: int = 24) -> SearchResult:
        """The best `limit` active products for what the cashier typed (empty text: none)."""
        query = unicodedata.normalize("NFC", text.strip())[:MAX_QUERY_CHARS]
        limit = max(1, min(limit, MAX_LIMIT))
        if not _words(query):
            return SearchResult(text, (), more=False)
        found = self._index.match(query, self._candidates)
        exact = self._index.exact(query)
        if exact is not None and all(h.sku != exact.sku for h in found):
            found.append(exact)
        found.sort(key=Ranker(query).key)
        hits = tuple(self._with_picture(h) for h in found[:limit])
        return SearchResult(text, hits, more=len(found) > limit)

    def categories(self) -> list[str]:
        """The categories to show as tabs, in French alphabetical order ("Épicerie" near "E")."""
        return sorted(self._index.categories(), key=lambda name: (fold(name), name))

    def category_page(self, category: str, page: int, per_page: int) -> CategoryPage:
        """Page `page` (from 0) of a category, `per_page` tiles."""
        page = max(0, page)
        per_page = max(1, min(per_page, MAX_LIMIT))
        rows = self._index.in_category(category, page * per_page, per_page + 1)
        hits = tuple(self._with_picture(h) for h in rows[:per_page])
        return CategoryPage(category, page, hits, has_next=len(rows) > per_page)
