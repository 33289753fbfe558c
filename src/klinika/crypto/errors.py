class KlinikaCryptoError(Exception):
    """Base of every crypto failure; the message says what is wrong and how to fix it."""


class RootKeyError(KlinikaCryptoError):
    """The root key is missing, unreadable or not the one the keystore was made with."""


class KeyDestroyed(KlinikaCryptoError):
    """The key was crypto-shredded: whatever it protected is gone for good."""


class KeyNotFound(KlinikaCryptoError):
    """No such key for this clinic (wrong clinic, or a value moved from elsewhere)."""


class DecryptionFailed(KlinikaCryptoError):
    """Authentication failed: the value was altered or moved to another column or clinic."""
