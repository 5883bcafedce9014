"""Unit tests of the pure domain: money, VAT, identifiers, catalog, tickets and sales."""
