"""What the keystore tells the floors above it. crypto is the lowest floor and cannot write the audit
trail itself: the audit app listens here (audit/apps.py), so every caller's root key operation is
audited, whether it is `klinika keys rotate-root`, a shred or the worker."""
from django.dispatch import Signal

# A root key generation was made, retired or destroyed; sent with `generation` (int) and `reason`
# (text for the audit trail: numbers, counts and dates only, never key material).
root_key_event = Signal()
