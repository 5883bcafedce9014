"""caisse-verif: the standalone NF525 journal verifier (Python standard library and cryptography)."""
