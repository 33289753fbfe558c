def no_client_ip(request) -> str:
    """Lockout is per account (AXES_LOCKOUT_PARAMETERS); no IP address is kept with the attempts."""
    return "0.0.0.0"
