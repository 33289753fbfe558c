"""`klinika clinic create NAME --admin EMAIL` and `klinika clinic invite`, run as an operator runs them."""
import re

import pytest

from tests.cli.support import klinika_env, run, snapshot
from tests.cli.test_commands import assert_clear_error

LINK = re.compile(r"^https://klinika\.example\.pl/invitation/[A-Za-z0-9_-]{40,}/$", re.M)


@pytest.fixture
def data_dir(seeded, tmp_path):
    return seeded.copy(tmp_path)


@pytest.fixture
def env(data_dir):
    return klinika_env(data_dir, KLINIKA_PUBLIC_URL="https://klinika.example.pl/")


def test_create_with_admin_prints_a_one_time_link_under_the_public_url(env):
    result = run(["clinic", "create", "Przychodnia Y", "--slug", "y", "--admin", "ania@example.pl",
                  "--expires-hours", "24"], env, check=True)
    lines = result.stdout.splitlines()
    assert lines[0].startswith("created clinic y (")
    assert lines[1].startswith("invited the clinic administrator: login y-admin; the link works once, until ")
    assert LINK.match(lines[2])
    assert "ania" not in result.stdout + result.stderr  # the e-mail is personal data: stored encrypted, not echoed

    invite = run(["clinic", "invite", "y", "--by", "y-admin", "--email", "jan@example.pl", "--role", "doctor",
                  "--login", "y-lekarz"], env, check=True)
    assert "invited a new doctor: login y-lekarz" in invite.stdout and LINK.search(invite.stdout)
    assert run(["audit", "verify", "y"], env, check=True).stdout.startswith("y: OK (")


@pytest.mark.parametrize("args, message", [
    (["--admin", "not-an-address"], "The e-mail address is not valid"),
    (["--admin", "a@example.pl", "--admin-login", "lekarz1"], "The login lekarz1 is taken"),
    (["--admin", "a@example.pl", "--expires-hours", "0"], "at least one hour"),
    (["--admin-login", "z-admin"], "--admin-login and --expires-hours need --admin EMAIL"),
])
def test_a_bad_admin_is_refused_before_anything_is_made(env, data_dir, args, message):
    before = snapshot(data_dir)
    result = run(["clinic", "create", "Przychodnia Z", "--slug", "z", *args], env)
    assert_clear_error(result, message)
    assert snapshot(data_dir) == before


def test_invite_needs_an_administrator_of_that_clinic(env):
    run(["clinic", "create", "Przychodnia Y", "--slug", "y", "--admin", "ania@example.pl"], env, check=True)
    result = run(["clinic", "invite", "y", "--by", "nobody", "--email", "j@example.pl", "--role", "nurse",
                  "--login", "y-p"], env)
    assert_clear_error(result, "No active login 'nobody' in clinic y")
    result = run(["clinic", "invite", "demo", "--by", "lekarz1", "--email", "j@example.pl", "--role", "nurse",
                  "--login", "y-p"], env)
    assert_clear_error(result, "You may not do this")
