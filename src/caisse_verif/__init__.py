"""caisse-verif: the standalone NF525 journal verifier (standard library and cryptography only).

Modules: `canonical` (RFC 8785 bodies), `record` (the FR1 core, hashes, chain links), `checks`
(the streaming verifier), `report` (text and JSON), all pure; `es256` (signatures), `sources`
(SQLite and JSONL inputs) and `cli` (``caisse-verif`` / ``python -m caisse_verif``).
"""
