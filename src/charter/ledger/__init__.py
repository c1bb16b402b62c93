"""The tamper-evident ledger: RFC 9162 Merkle trees, canonical entries, signed checkpoints."""
