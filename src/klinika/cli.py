"""The `klinika` command: Django's management commands plus klinika's own.

    klinika demo [--port N]        migrate, seed the demo clinic, serve it
    klinika serve [--port N]       serve klinika (production WSGI server)
    klinika clinic create|list
    klinika keys rotate|erase-subject|shred
    klinika audit verify|checkpoint
"""
import os
import sys


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "klinika.settings")
    import django

    django.setup()
    from django.core.management import execute_from_command_line

    from klinika.crypto.root import check_root_key_or_exit

    if argv and argv[0] not in ("help", "--help", "-h", "version", "--version", "makemigrations"):
        check_root_key_or_exit()
    execute_from_command_line(["klinika", *argv] if argv else ["klinika", "help"])


if __name__ == "__main__":
    main()
