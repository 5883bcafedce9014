"""Till key material: generation, encrypted storage and the ES256 signer."""
