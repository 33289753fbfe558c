import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "klinika.settings")
os.umask(0o077)  # databases, uploads and outboxes are for klinika's own user only

from django.core.wsgi import get_wsgi_application  # noqa: E402

from klinika.crypto.root import check_root_key_or_exit  # noqa: E402

application = get_wsgi_application()

from klinika.cli import clinics_in_database  # noqa: E402 (needs the apps loaded)

check_root_key_or_exit(clinics_in_database())

from klinika.testdata.datasets.guard import check_environment_or_exit  # noqa: E402

check_environment_or_exit()
