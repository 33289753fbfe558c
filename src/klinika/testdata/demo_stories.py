"""What the demo clinic's visits are about: a reason the desk types when booking, and the record the
doctor writes if the visit takes place (interview, examination, recommendations, an ICD-10 diagnosis).

Written for the demo, about nobody; each practice has stories that fit its visit types and its
patients (a prenatal visit is for a woman of childbearing age, a child's check-up for a child).
"""
from dataclasses import dataclass

ADULT = 18


@dataclass(frozen=True)
class Story:
    reason: str
    visit_types: tuple[str, ...]
    who: str  # a key of WHO
    diagnosis: str = ""  # ICD-10 code of the main diagnosis; "" for visits without a doctor's record
    interview: str = ""
    examination: str = ""
    recommendations: str = ""
    procedures: tuple[str, ...] = ()


# Who a story can be about, by sex and age in years.
WHO = {
    "any": lambda sex, age: True,
    "adult": lambda sex, age: age >= ADULT,
    "child": lambda sex, age: age < ADULT,
    "woman": lambda sex, age: sex == "F" and 16 <= age,
    "young woman": lambda sex, age: sex == "F" and 16 <= age < 45,
    "pregnant": lambda sex, age: sex == "F" and 20 <= age <= 42,
    "menopause": lambda sex, age: sex == "F" and 45 <= age <= 60,
}

GYNAECOLOGY = [
    Story("kontrola ciąży", ("prenatalna",), "pregnant", "Z34.0",
          "Ciąża prawidłowa, samopoczucie dobre, ruchy płodu dobrze wyczuwalne. Bez krwawień i skurczów.",
          "RR 115/70, obrzęków brak. Czynność serca płodu miarowa, ok. 140/min.",
          "Kwas foliowy i witamina D bez zmian. Test obciążenia glukozą przed kolejną wizytą za 4 tygodnie.",
          ("89.26",)),
    Story("pierwsza wizyta w ciąży", ("prenatalna", "pierwsza"), "pregnant", "Z32.1",
          "Ostatnia miesiączka 7 tygodni temu, domowy test ciążowy dodatni. Nudności poranne.",
          "Macica powiększona, miękka. USG: pęcherzyk ciążowy w jamie macicy, widoczny zarodek.",
          "Kwas foliowy 0,4 mg dziennie. Morfologia, grupa krwi, glukoza na czczo, badanie ogólne moczu.",
          ("89.26",)),
    Story("badanie kontrolne", ("kontrolna", "pierwsza"), "woman", "Z01.4",
          "Bez dolegliwości, miesiączki regularne. Ostatnia cytologia 3 lata temu.",
          "Badanie ginekologiczne bez odchyleń od normy. Pobrano materiał do cytologii.",
          "Wynik cytologii za 2 tygodnie w rejestracji. Kontrola za rok.", ("89.26",)),
    Story("upławy i pieczenie", ("pierwsza", "kontrolna"), "woman", "N76.0",
          "Od 5 dni upławy i pieczenie w okolicy sromu, bez gorączki.",
          "Śluzówka pochwy zaczerwieniona, obfita biaława wydzielina.",
          "Leczenie miejscowe przez 7 dni. Wizyta kontrolna, jeśli objawy nie ustąpią."),
    Story("dobór antykoncepcji", ("pierwsza", "kontrolna"), "young woman", "Z30.0",
          "Prośba o dobór antykoncepcji. Nie pali, bez chorób przewlekłych, bez zakrzepicy w rodzinie.",
          "RR 120/75. Badanie ginekologiczne bez zmian.",
          "Omówiono dostępne metody. Kontrola ciśnienia i tolerancji za 3 miesiące."),
    Story("uderzenia gorąca", ("pierwsza", "kontrolna"), "menopause", "N95.1",
          "Od kilku miesięcy uderzenia gorąca i gorszy sen, miesiączki nieregularne.",
          "Badanie ginekologiczne: cechy zaniku śluzówki pochwy.",
          "FSH, estradiol, USG przezpochwowe. Wizyta z wynikami."),
]

FAMILY_AND_CHILDREN = [
    Story("bilans zdrowia dziecka", ("kontrolna", "pierwsza"), "child", "Z00.1",
          "Dziecko rozwija się prawidłowo, szczepienia zgodnie z kalendarzem, apetyt dobry.",
          "Rozwój psychoruchowy prawidłowy, masa ciała i wzrost w normie dla wieku.",
          "Kolejny bilans zgodnie z kalendarzem. Szczepienie w gabinecie zabiegowym."),
    Story("gorączka i katar", ("pierwsza",), "child", "J06.9",
          "Od 2 dni gorączka do 38,5°C, katar, suchy kaszel.",
          "Gardło zaczerwienione, nad płucami szmer pęcherzykowy prawidłowy.",
          "Leki przeciwgorączkowe, dużo płynów. Kontrola, jeśli gorączka utrzyma się dłużej niż 3 dni."),
    Story("ból ucha", ("pierwsza",), "child", "H66.9",
          "Od wczoraj ból prawego ucha, w nocy gorączka 38°C.",
          "Błona bębenkowa prawa zaczerwieniona, uwypuklona.",
          "Leczenie przeciwbólowe i przeciwgorączkowe, kontrola za 2 dni."),
    Story("swędząca wysypka", ("pierwsza",), "child", "L20.9",
          "Swędząca wysypka w zgięciach łokciowych od 2 tygodni.",
          "Zmiany rumieniowe, złuszczające w zgięciach łokciowych i podkolanowych.",
          "Emolienty dwa razy dziennie, bez drażniących kosmetyków. Kontrola za 3 tygodnie."),
    Story("ból gardła i gorączka", ("pierwsza",), "adult", "J02.9",
          "Od 3 dni ból gardła przy przełykaniu, gorączka, osłabienie.",
          "Migdałki powiększone, przekrwione, bez nalotów. Węzły chłonne podżuchwowe powiększone.",
          "Płukanie gardła, leki przeciwgorączkowe, odpoczynek. Zwolnienie lekarskie na 3 dni."),
    Story("kaszel od tygodnia", ("pierwsza", "kontrolna"), "adult", "J20.9",
          "Kaszel od tygodnia, początkowo suchy, teraz z odkrztuszaniem. Bez duszności.",
          "Osłuchowo szmer pęcherzykowy szorstki, pojedyncze furczenia.",
          "Leki wykrztuśne, inhalacje z soli fizjologicznej. Kontrola za tydzień."),
]

INTERNAL_MEDICINE = [
    Story("kontrola ciśnienia", ("kontrolna",), "adult", "I10",
          "Leczony z powodu nadciśnienia, w pomiarach domowych 135-145/85-90.",
          "RR 142/88, tętno 76/min, miarowe. Osłuchowo serce i płuca bez zmian.",
          "Zwiększono dawkę leku. Dzienniczek pomiarów, kontrola za miesiąc."),
    Story("wyniki badań krwi", ("kontrolna",), "adult", "E78.0",
          "Przynosi wyniki: cholesterol całkowity 245 mg/dl, LDL 160 mg/dl.",
          "Stan ogólny dobry, RR 128/80.",
          "Dieta z ograniczeniem tłuszczów zwierzęcych, ruch. Lipidogram za 3 miesiące."),
    Story("przedłużenie recept", ("kontrolna",), "adult", "E11.9",
          "Cukrzyca typu 2 leczona metforminą, samopoczucie dobre, HbA1c 6,8%.",
          "Stopy bez zmian troficznych, RR 130/80.",
          "Leczenie bez zmian. HbA1c za 3 miesiące, kontrola okulistyczna w tym roku."),
    Story("ból pleców", ("pierwsza",), "adult", "M54.5",
          "Od tygodnia ból w okolicy lędźwiowej po dźwignięciu ciężaru, bez promieniowania do nóg.",
          "Wzmożone napięcie mięśni przykręgosłupowych, objaw Lasègue'a ujemny.",
          "Leki przeciwbólowe, ciepło. Skierowanie na fizjoterapię, jeśli ból nie minie w 2 tygodnie."),
    Story("zgaga po posiłkach", ("pierwsza", "kontrolna"), "adult", "K21.9",
          "Od miesiąca zgaga po posiłkach i w nocy po położeniu się.",
          "Brzuch miękki, niebolesny, bez oporów patologicznych.",
          "Inhibitor pompy protonowej przez 4 tygodnie, ostatni posiłek 3 godziny przed snem."),
]

# The nurses' visits need no doctor's record.
NURSING = [
    Story("szczepienie przeciw grypie", ("szczepienie",), "any"),
    Story("szczepienie zgodnie z kalendarzem", ("szczepienie",), "child"),
    Story("pomiar ciśnienia", ("kontrolna",), "adult"),
    Story("zmiana opatrunku", ("kontrolna",), "any"),
]

# Allergies a doctor notes at some visits: (substance, reaction, severity).
ALLERGIES = [
    ("penicylina", "wysypka pokrzywkowa", "moderate"),
    ("pyłki traw", "katar sienny, łzawienie", "mild"),
    ("ibuprofen", "duszność po zażyciu", "severe"),
    ("orzeszki ziemne", "obrzęk warg", "severe"),
    ("lateks", "", "mild"),
]

# Why a booked visit was called off, as the desk notes it.
CANCEL_REASONS = ["pacjent zadzwonił, że nie przyjdzie", "choroba dziecka, prośba o inny termin",
                  "wyjazd służbowy", "pacjentka odwołała wizytę telefonicznie"]

STORIES = GYNAECOLOGY + FAMILY_AND_CHILDREN + INTERNAL_MEDICINE + NURSING
# Every reason the desk types ("" when it types none): benchmarks fill their appointments with these.
REASONS = sorted({story.reason for story in STORIES}) + [""]
