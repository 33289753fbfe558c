from tests.support.root_generations import root_key_files  # noqa: F401
