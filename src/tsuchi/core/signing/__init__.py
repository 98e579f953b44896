"""Signing notices: PAdES signatures in bulk, key sources, certificate checks, stamps."""
