"""The guard does not stand in the way of what is generated or made here: `klinika demo` and a
clinic created empty in a non-production instance start as before."""
from tests.cli.support import klinika_env, run


def test_demo_and_local_clinics_start_in_staging(tmp_path):
    env = klinika_env(tmp_path / "data", KLINIKA_ENV="staging")
    run(["demo", "--no-serve"], env, check=True)
    run(["clinic", "create", "Przychodnia Testowa", "--slug", "testowa"], env, check=True)
    started = run(["shell", "--no-imports", "-c", "print('started')"], env, check=True)
    assert started.stdout.strip() == "started"
    status = run(["testenv", "status"], env, check=True).stdout
    assert "demo: demo, demo" in status and "testowa: local, local" in status
    refused = run(["testenv", "factory-key"], env)
    assert refused.returncode != 0 and "only an instance with KLINIKA_ENV=production" in refused.stderr
