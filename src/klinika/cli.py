"""The `klinika` command: Django's management commands plus klinika's own.

    klinika demo [--port N]        migrate, seed the demo clinic, serve it
    klinika serve [--port N]       serve klinika (production WSGI server)
    klinika clinic create|invite|list|export|verify-export|import|terminate
    klinika keys rotate|erase-subject|shred|rotate-root|generations|destroy-root-generations
    klinika backup --data-out DIR --keystore-out DIR2 / klinika restore --data FILE | --keystore FILE
    klinika audit verify|checkpoint
    klinika breach open|list|show|scope|report|notify

`klinika --clinic SLUG COMMAND ...` runs any command (e.g. `shell`) inside that clinic's context.
"""
import os
import sys


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    # Databases, uploads and outboxes klinika creates are for its own user only.
    os.umask(0o077)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "klinika.settings")
    import django

    from klinika.paths import DataDirError, root_key_file

    try:
        root_key_file()  # state inside klinika's code is refused before settings create anything
        django.setup()
    except DataDirError as exc:
        sys.exit(f"klinika: {exc}")
    from django.core.management import execute_from_command_line

    from klinika.crypto.root import check_root_key_or_exit

    clinic_ref = None
    if argv[:1] == ["--clinic"] or (argv and argv[0].startswith("--clinic=")):
        if argv[0] == "--clinic":
            if len(argv) < 2:
                sys.exit("klinika: --clinic needs a clinic slug or id (see `klinika clinic list`)")
            clinic_ref, argv = argv[1], argv[2:]
        else:
            clinic_ref, argv = argv[0].split("=", 1)[1], argv[1:]
    # restore: the database it replaces may be the one the start-up check would refuse
    if argv and argv[0] not in ("help", "--help", "-h", "version", "--version", "makemigrations", "restore"):
        check_root_key_or_exit(clinics_in_database())
    if argv[:1] and argv[0] in GUARDED:
        from klinika.testdata.datasets.guard import check_environment_or_exit

        check_environment_or_exit()
    if clinic_ref is not None:
        from klinika.tenancy.context import set_clinic
        from klinika.tenancy.services import find_clinic

        try:
            set_clinic(find_clinic(clinic_ref).pk)
        except LookupError as exc:
            sys.exit(f"klinika: {exc}")
    from django.db import DatabaseError

    try:
        execute_from_command_line(["klinika", *argv] if argv else ["klinika", "help"])
    except DatabaseError as exc:
        if "no such table" in str(exc) or "does not exist" in str(exc):
            sys.exit("klinika: the databases are not set up (or not up to date): run `klinika migrate` "
                     "and `klinika migrate --database keystore`, or `klinika demo` for the demo clinic")
        raise


# Commands that open the clinics' data for use: a non-production instance runs them only on signed,
# unexpired test datasets and clinics made here (docs/test-environments.md).
GUARDED = ("serve", "runserver", "worker", "shell")


def clinics_in_database() -> dict:
    """{id: slug} of the clinic database's clinics (none before it is migrated), for the start-up
    check that the keystore holds their keys (crypto may not import tenancy: it is handed these)."""
    from django.db import DatabaseError

    from klinika.tenancy.models import Clinic

    try:
        return dict(Clinic.objects.values_list("pk", "slug"))
    except DatabaseError:
        return {}


if __name__ == "__main__":
    main()
