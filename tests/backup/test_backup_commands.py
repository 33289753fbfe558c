"""The commands as an operator runs them (real subprocesses, SQLite files): backup, rotate-root,
generations, destroy-root-generations, restore. What the data reads like is tested in-process
(test_backup_round_trip.py, test_old_keystore_backup_after_root_destruction.py)."""
import datetime
import json

from tests.cli.support import klinika_env, run


def test_backup_rotate_destroy_restore_from_the_command_line(tmp_path):
    env = klinika_env(tmp_path / "var")
    run(["migrate", "--database", "default", "--no-input", "-v", "0"], env, check=True)
    run(["migrate", "--database", "keystore", "--no-input", "-v", "0"], env, check=True)
    run(["clinic", "create", "Przychodnia A", "--slug", "a"], env, check=True)

    made = run(["backup", "--data-out", str(tmp_path / "data"), "--keystore-out", str(tmp_path / "keys")], env,
               check=True).stdout
    assert "root key generation(s) 1 exist" in made
    (old_keys,) = (tmp_path / "keys").glob("*.sqlite3")
    assert json.loads(old_keys.with_name(old_keys.name + ".json").read_text())["root_generations"] == [1]

    rotated = run(["keys", "rotate-root", "--retention-days", "3"], env, check=True).stdout
    assert "root key generation 2 is current" in rotated and "retired generation(s) 1" in rotated
    listing = run(["keys", "generations"], env, check=True).stdout.splitlines()
    assert listing[1].split()[:2] == ["1", "retired"] and listing[2].split()[:2] == ["2", "current"]

    later = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=4)).isoformat()
    destroyed = run(["keys", "destroy-root-generations", "--now", later], env, check=True).stdout
    assert "destroyed root key generation(s) 1" in destroyed
    assert not (tmp_path / "var" / "secrets" / "root.key").exists()

    restored = run(["restore", "--keystore", str(old_keys), "--force"], env, check=True)
    assert "UNREADABLE: clinic" in restored.stdout and "root key generation 1 (destroyed)" in restored.stdout
    assert "refuse to start" in restored.stderr
    stopped = run(["clinic", "list"], env)
    assert stopped.returncode == 2 and "Root key generation 1 missing" in stopped.stderr
