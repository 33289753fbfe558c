"""Ending a clinic's contract: notice, handover export acknowledged, grace period, crypto-shred,
root-key rotation, removal of the clinic's rows, and a signed deletion certificate (docs/termination.md)."""
