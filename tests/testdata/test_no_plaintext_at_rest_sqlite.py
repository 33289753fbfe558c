"""No personal value of the demo clinic is readable in the files klinika keeps at rest (SQLite).

The demo clinic is seeded by the real `klinika` command; klinika itself then decrypts
every patient and staff member, every identifier a patient has had, the reasons for the
appointments, the visit records and allergies (demo_values.read_back_all), and each of
those values is looked for in the raw bytes of every file of the data directory: the
clinic database, its write-ahead log if there is one, and the keystore (which must hold
keys only, no personal data).
See leaks.py for the encodings looked for and how coincidences in ciphertext are told apart.
"""
import datetime
import shutil
import sqlite3
import unicodedata

import pytest

from tests.cli.support import DEMO_PATIENTS, DEMO_SEED, DEMO_STAFF, klinika_env, seed
from tests.testdata import leaks
from tests.testdata.demo_values import VISIT_TEXTS, read_back_all, seeded_values


def at_rest(data_dir, tmp_path):
    """The bytes of every file in the data dir, as found (database and -wal copied together).

    The copy is made while no klinika process runs, so database and log are consistent.
    The crypto-output values and the text cells are then read from a second copy through
    sqlite3.
    """
    raw = tmp_path / "raw"
    shutil.copytree(data_dir, raw)
    files = {str(p.relative_to(raw)): p.read_bytes() for p in sorted(raw.rglob("*")) if p.is_file()}
    parse = tmp_path / "parse"
    shutil.copytree(raw, parse)
    databases = sorted(parse.rglob("*.sqlite3"))
    # The root key file is a random key written in base64: a short name can turn up in it by
    # chance, as in any other crypto output.
    keys = {data.strip() for name, data in files.items() if name.startswith("secrets/")}
    return files, leaks.sqlite_crypto_blobs(databases) | keys, leaks.sqlite_text([parse / "klinika.sqlite3"])


def leaks_in(files, crypto_blobs, values):
    hits = []
    for name, data in files.items():
        hits += leaks.scan_bytes(data, name, values, crypto_blobs)
    return hits


def assert_no_leaks(at_rest_files, values, public_text):
    files, crypto_blobs, text = at_rest_files
    assert {"klinika.sqlite3", "keystore.sqlite3"} <= set(files), sorted(files)
    hits = leaks_in(files, crypto_blobs, values)
    hits = leaks.without_public_words(hits, values, leaks.substring_counts(public_text, values),
                                      leaks.substring_counts(text, values), where="klinika.sqlite3")
    assert not hits, f"{len(hits)} plaintext value(s) at rest:\n" + "\n".join(map(str, hits[:40]))


def test_read_back_is_what_the_generator_seeded(seeded, seeded_all):
    """The values looked for are the seeded ones: SyntheticPeople(seed) regenerates them.

    seed_demo draws the staff first, in STAFF_PLAN order, then the patients (anything
    else it adds, such as documents, consents or families, comes from generators of its
    own). The desk stores what it was given in its own form (a phone as "+48 600 100 200",
    an address with every part); a young child's phone and e-mail are not taken at all.
    """
    from klinika.testdata.synthetic import SyntheticPeople

    if datetime.date.today() != seeded.seeded_on:
        pytest.skip("the date changed since seeding; generated birth dates (and PESELs) moved with it")
    people = SyntheticPeople(DEMO_SEED)
    staff = [people.staff() for _ in range(DEMO_STAFF)]
    patients = [people.patient() for _ in range(DEMO_PATIENTS)]
    assert seeded.values["staff"][:DEMO_STAFF] == staff
    by_pesel = {p["pesel"]: p for p in seeded_all["patients"] if not p["pesel_is_mothers"]}
    for generated in patients:
        stored = by_pesel[generated["pesel"]]
        for name in ("first_name", "last_name", "sex"):
            assert stored[name] == generated[name]
        assert stored["birth_date"] == generated["birth_date"].isoformat()
        assert {k: v for k, v in stored["address"].items() if v} == generated["address"]
        assert stored["email"] in ("", generated["email"])
        assert stored["phone"] in ("", generated["phone"])


def _looked_for(values):
    return {value for _, value in values}


def test_values_looked_for_cover_every_person_and_field(seeded_all):
    values = seeded_values(seeded_all)
    labels = {label for label, _ in values}
    fields = {"patients": ("first_name", "last_name", "pesel", "document_number", "phone", "email"),
              "staff": ("first_name", "last_name", "phone", "email")}
    for kind, names in fields.items():
        for n, person in enumerate(seeded_all[kind]):
            for name in names:
                assert not person.get(name) or f"{kind}[{n}].{name}" in labels
            for name in ("street", "city"):
                assert not (person.get("address") or {}).get(name) or f"{kind}[{n}].address.{name}" in labels
    patients = seeded_all["patients"]
    for name in ("first_name", "last_name", "pesel", "phone", "email", "address.street", "address.city"):
        assert sum(label.endswith(f"].{name}") and label.startswith("patients") for label in labels) >= len(
            patients) // 2, name
    # Polish letters are in there, so the NFD forms are really looked for.
    assert any(unicodedata.normalize("NFD", v) != v for _, v in values)


def test_values_looked_for_cover_families_documents_and_records(seeded_all):
    """Whatever else the demo stores about people is looked for as well, and it is there to look for."""
    looked_for = _looked_for(seeded_values(seeded_all))
    patients = {p["id"]: p for p in seeded_all["patients"]}
    wards = [p for p in patients.values() if p["guardian_id"]]
    assert wards and all(patients[w["guardian_id"]]["last_name"] in looked_for for w in wards)
    assert any(p["pesel_is_mothers"] for p in patients.values())
    foreigners = [p for p in patients.values() if not p["pesel"]]
    assert foreigners and all(p["document_number"] in looked_for and p["document_country"] != "PL"
                              for p in foreigners)
    identifiers = seeded_all["identifiers"]
    assert {row["patient_id"] for row in identifiers} == set(patients)  # every patient has one
    assert any(row["replaced"] for row in identifiers)  # an identifier history, not just the current ones
    assert all(row["value"] in looked_for for row in identifiers)
    reasons = {a[name] for a in seeded_all["appointments"] for name in ("reason", "cancel_reason")} - {"", None}
    assert len(reasons) >= 10 and reasons <= looked_for
    visits = [v for v in seeded_all["visits"] if v["signed"]]
    assert len(visits) >= 10
    for visit in seeded_all["visits"]:
        content = visit["content"]
        assert {content[name] for name in VISIT_TEXTS} - {"", None} <= looked_for
        assert {d["code"] for d in content["diagnoses"]} <= looked_for
    assert all(v["content"]["diagnoses"] for v in visits)
    for allergy in seeded_all["allergies"]:
        assert {allergy["substance"], allergy["reaction"]} - {"", None} <= looked_for


def test_no_plaintext_in_the_seeded_sqlite_files(seeded, seeded_all, tmp_path, public_text):
    found = at_rest(seeded.path, tmp_path)
    files = found[0]
    # The scan sees plaintext where plaintext is by design: the clinic's business name and
    # the logins (handles, not names). If these were not found, the scan would be blind.
    controls = [("clinic name", seeded.values["clinic"]), ("login", "lekarz1")]
    assert {h.label for h in leaks_in({"klinika.sqlite3": files["klinika.sqlite3"]}, set(), controls)} == {
        "clinic name", "login"}
    assert_no_leaks(found, seeded_values(seeded_all), public_text)


def test_no_plaintext_after_klinika_demo(tmp_path_factory, tmp_path, public_text):
    """The command a new user runs first (`klinika demo`, here without serving), unseeded."""
    data = tmp_path_factory.mktemp("klinika-demo-command") / "data"
    env = klinika_env(data)
    seed(env, demo_command=True)
    files = at_rest(data, tmp_path)
    values = read_back_all(env)
    assert len(values["patients"]) >= DEMO_PATIENTS and len(values["staff"]) >= DEMO_STAFF
    assert values["visits"] and values["identifiers"]
    assert_no_leaks(files, seeded_values(values), public_text)


def test_the_scan_finds_planted_plaintext(seeded, tmp_path):
    """The scan is not blind: plaintext planted the ways a database could hold it is found,
    while crypto output stays exempt only for short values inside it."""
    person = seeded.values["patients"][0]
    values = [("first", person["first_name"]), ("last", person["last_name"]), ("pesel", person["pesel"]),
              ("city", "Śrem"), ("short", "Ewa")]

    # Row values back to back (no separator, as SQLite stores them) in a UTF-8 database.
    data_dir = seeded.copy(tmp_path)
    con = sqlite3.connect(data_dir / "klinika.sqlite3")
    con.execute("CREATE TABLE leak (a TEXT, b TEXT, c TEXT, d TEXT, e TEXT)")
    con.execute("INSERT INTO leak VALUES (?, ?, ?, ?, ?)",
                (person["first_name"], person["last_name"], person["pesel"], unicodedata.normalize("NFD", "Śrem"),
                 "Ewa"))
    con.commit()
    con.close()
    # Next to the root key (whose base64 is exempt for short values only, as crypto output is).
    with open(data_dir / "secrets" / "root.key", "a") as key_file:
        key_file.write(person["pesel"] + "\n")
    files, crypto_blobs, _ = at_rest(data_dir, tmp_path / "planted")
    hits = leaks_in(files, crypto_blobs, values)
    found = {(h.label, h.form.split("/")[0]) for h in hits}
    assert {("first", "utf-8"), ("last", "utf-8"), ("pesel", "utf-8"), ("city", "utf-8"), ("short", "utf-8")} <= found
    assert any(h.label == "pesel" and h.where == "secrets/root.key" for h in hits)

    # A UTF-16 database (both byte orders).
    for encoding in ("UTF-16le", "UTF-16be"):
        db = tmp_path / f"{encoding}.sqlite3"
        con = sqlite3.connect(db)
        con.execute(f"PRAGMA encoding = '{encoding}'")
        con.execute("CREATE TABLE leak (a TEXT)")
        con.execute("INSERT INTO leak VALUES (?)", (person["last_name"],))
        con.commit()
        con.close()
        hits = leaks.scan_bytes(db.read_bytes(), db.name, values)
        assert {h.form for h in hits if h.label == "last"} == {encoding.lower().replace("utf-16", "utf-16-") + "/as-is"}

    # A row's values back to back, as SQLite stores them: every one of them is found.
    def labels(data, *values):
        return {h.label for h in leaks.scan_bytes(data, "t", [(v, v) for v in values])}

    row = "\x07NataszaDawidczykdsemenowicz@drobot.com+48 660 766 149\x00".encode()
    people = ("Natasza", "Dawidczyk", "dsemenowicz@drobot.com", "+48 660 766 149")
    assert labels(row, *people) == set(people)

    # A short value inside crypto output is a coincidence; outside it, a leak.
    blob = b"\x01" + bytes(30) + "Ewa".encode() + bytes(30)
    assert leaks.scan_bytes(b"xx" + blob + b"yy", "t", [("short", "Ewa")], {blob}) == []
    assert len(leaks.scan_bytes(b"xx" + blob + b"yy", "t", [("short", "Ewa")], set())) == 1
    # A long value counts wherever it is.
    blob = b"\x01" + bytes(30) + person["pesel"].encode() + bytes(30)
    assert len(leaks.scan_bytes(blob, "t", [("pesel", person["pesel"])], {blob})) == 1


def test_code_list_words_are_told_apart_from_leaks():
    """A name inside a shipped code list's text leaks only if it is there more often."""
    values = [("first", "Róża"), ("last", "Białk"), ("other", "Nowak")]
    public_text = "A46\0Róża\0R80\0Białkomocz".encode()
    public = leaks.substring_counts(public_text, values)
    assert public == {"Róża": 1, "Białk": 1}
    database = "icd10\0A46Róża\0R80Białkomoczr80 bialkomoczu".encode()
    hits = leaks.scan_bytes(database, "klinika.sqlite3", values)
    assert sorted(h.value for h in hits) == ["Białk", "Róża"]
    found = leaks.substring_counts(database, values)
    assert leaks.without_public_words(hits, values, public, found, where="klinika.sqlite3") == []
    leaked = database + "\0RóżaNowak".encode()
    hits = leaks.scan_bytes(leaked, "klinika.sqlite3", values)
    kept = leaks.without_public_words(hits, values, public, leaks.substring_counts(leaked, values),
                                      where="klinika.sqlite3")
    assert sorted(h.value for h in kept) == ["Nowak", "Róża", "Róża"]
    # Elsewhere (the keystore holds no code list) every hit counts.
    hits = leaks.scan_bytes(database, "keystore.sqlite3", values)
    assert len(leaks.without_public_words(hits, values, public, found, where="klinika.sqlite3")) == 2
    # In a dump, whole words are counted.
    assert leaks.word_counts("A46\tRóża\nR80\tBiałkomocz\n", values) == {"Róża": 1}
