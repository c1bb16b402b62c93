"""Application services: the domain and the ledger, run against a store."""
