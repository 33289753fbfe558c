from tests.accounts.logins import demo_clinic, doctor, make_user  # noqa: F401  (fixtures)
