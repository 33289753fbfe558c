"""`klinika codes load`: a licensed dictionary for one clinic; a bad file is refused whole, by line number."""
import pytest
from django.core.management import CommandError, call_command

from klinika.records.models import Code
from klinika.records.services import codes
from klinika.tenancy.context import clinic_context

pytestmark = pytest.mark.django_db
GOOD = "kod,nazwa\nJ06.9,Ostre zakażenie górnych dróg oddechowych (licencja)\nJ45.0,Astma z przewagą alergii\n" \
       "A00.0,Cholera klasyczna\n\n"


def _load(tmp_path, text, clinic, system="icd10", encoding="utf-8"):
    path = tmp_path / "dict.csv"
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    call_command("codes", "load", system, str(path), "--clinic", clinic.slug)


def test_a_good_file_becomes_that_clinics_dictionary_only(tmp_path, make_clinic, capsys):
    licensed, other = make_clinic(), make_clinic()
    _load(tmp_path, GOOD, licensed)
    assert "3 codes (3 new, 0 renamed, 0 removed)" in capsys.readouterr().out
    with clinic_context(licensed):
        assert Code.objects.filter(clinic=licensed).count() == 3
        assert [c.name for c in codes.search("icd10", "A00")] == ["Cholera klasyczna"]
        assert codes.lookup("icd10", ["J06.9"])["J06.9"].name.endswith("(licencja)")
    with clinic_context(other):
        assert codes.search("icd10", "A00") == []
        assert codes.lookup("icd10", ["J06.9"])["J06.9"].name == "Ostra infekcja górnych dróg oddechowych"


def test_loading_again_replaces_the_dictionary(tmp_path, clinic, capsys):
    _load(tmp_path, GOOD, clinic)
    _load(tmp_path, "J06.9,Nowa nazwa\nJ45.0,Astma z przewagą alergii\nJ20.9,Ostre zapalenie oskrzeli\n", clinic)
    assert "3 codes (1 new, 1 renamed, 1 removed)" in capsys.readouterr().out
    with clinic_context(clinic):
        assert dict(Code.objects.filter(clinic=clinic).values_list("code", "name")) == {
            "J06.9": "Nowa nazwa", "J45.0": "Astma z przewagą alergii", "J20.9": "Ostre zapalenie oskrzeli"}


def test_procedures_load_as_icd9(tmp_path, clinic):
    _load(tmp_path, "89.00,Porada (licencja)\n87.441,Zdjęcie klatki piersiowej\n", clinic, system="icd9")
    with clinic_context(clinic):
        assert set(Code.objects.filter(clinic=clinic, system="icd9pl").values_list("code", flat=True)) == {
            "89.00", "87.441"}


def test_bad_lines_are_named_by_number_and_nothing_is_loaded(tmp_path, clinic, capsys):
    text = ("code,name\n"
            "J06.9,Dobra linia\n"
            "J06.9,Powtórzona\n"
            "XYZ,Zły kod\n"
            "J45.0\n"
            "J20.9,\n"
            "J21.9,Za długa " + "x" * 300 + "\n"
            "J22,a,b\n")
    with pytest.raises(CommandError) as caught:
        _load(tmp_path, text, clinic)
    assert "6 problem(s); nothing was loaded" in str(caught.value)
    err = capsys.readouterr().err
    assert "line 3: code J06.9 appears again (first on line 2)" in err
    assert "line 4: “XYZ” is not a valid ICD-10 code (e.g. J06.9)" in err
    assert "line 5: expected 2 columns (code,name), found 1" in err
    assert "line 6: code J20.9 has no name" in err
    assert "line 7: the name of J21.9 is longer than 255 characters" in err
    assert "line 8: expected 2 columns (code,name), found 3" in err
    with clinic_context(clinic):
        assert not Code.objects.filter(clinic=clinic).exists()


def test_a_file_that_is_not_utf8_or_has_no_codes_is_refused(tmp_path, clinic, capsys):
    with pytest.raises(CommandError):
        _load(tmp_path, "J06.9,Ostre zakażenie\n", clinic, encoding="cp1250")
    assert "line 1: the file is not UTF-8 text" in capsys.readouterr().err
    with pytest.raises(CommandError):
        _load(tmp_path, "code,name\n\n", clinic)
    assert "the file has no codes" in capsys.readouterr().err


def test_the_clinic_must_be_named_and_exist(tmp_path, clinic):
    path = tmp_path / "d.csv"
    path.write_text(GOOD)
    with pytest.raises(CommandError, match="--clinic"):
        call_command("codes", "load", "icd10", str(path))
    with pytest.raises(CommandError, match="No clinic"):
        call_command("codes", "load", "icd10", str(path), "--clinic", "nope")
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("codes", "load", "icd10", str(tmp_path / "missing.csv"), "--clinic", clinic.slug)
