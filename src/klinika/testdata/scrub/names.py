"""Names in Polish text: folding (case and diacritics) and the inflected forms of a name.

Matching works on a *folded* copy of the text: lower case, Polish and other Latin diacritics
removed, one character for one character, so that a match's offsets are the original's.
Inflection is generated, not stemmed: each name gives the small set of forms Polish grammar
makes of it (cases, and the plural for families: "Kowalscy", "Nowakowie"); the set errs on
the side of too many forms, since a form that is not a word never occurs in a note.
"""
import functools
import re
import unicodedata


def _fold_table() -> dict[int, str]:
    table = {}
    for code in range(0x41, 0x250):
        char = chr(code)
        base = unicodedata.normalize("NFD", char)[0].lower()
        if base.isascii() and base.isalpha() and len(char.lower()) == 1:
            table[code] = base
    table.update({ord("Ł"): "l", ord("ł"): "l", ord("Đ"): "d", ord("đ"): "d", ord("Ø"): "o", ord("ø"): "o"})
    return table


_FOLD = _fold_table()


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _fold_char(match: re.Match) -> str:
    char = match[0]
    return _FOLD.get(ord(char), char)


def fold(text: str) -> str:
    """Lower case without diacritics, the same length as `text` (so spans carry over)."""
    lowered = text.lower()
    if len(lowered) != len(text):
        # A few characters (e.g. "İ") grow when lowered; keep those as they are.
        lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    # Only the few non-ASCII characters need the table: twice as fast as translating it all.
    return _NON_ASCII.sub(_fold_char, lowered)


# Polish words that are also a form of a first name or surname ("idzie" of Ida, "maja" of Maj,
# "Rak", "Guz", "Skala" …): in lower case they are the word, not the person; capitalised at the
# start of a sentence, the word unless a name or a title stands next to it. Hand-kept and
# incomplete: a surname that is also a clinical word and is missing here costs precision
# (never recall).
COMMON_WORDS = frozenset(fold(w) for w in """
idzie maj maja maju mają kot kota kocie kotem lis lisa lisem wilk wilka wilkiem mucha muchy
musze muchę sowa sowy sowie mróz mrozu mrozem bąk bąka kruk kruka czech czecha polak polaka
polakiem kowal kowala marka marki marce marką marek marku krupa krupy kania kanii róża róży
różę żak żaka baran barana wrona wrony skiba socha duda dudy mazur mazura urban sikora czajka
kozak zając zająca król króla królem dudek kurek kurka malina maliny kalina jagoda gaja gaju lato
lata zima zimy
wiosna bąku sowę maks maksa grzyb grzyba janik wróbel wróbla piątek piątku piątkiem madej pająk pająka
rak raka rakiem raku guz guza guzem guzie guzy skóra skóry skórze skala skali skalę kula kuli noga nogi
nodze głowa głowy głowie broda brody cukier cukru sól soli mak maku ryba ryby ząb zęba zęby kość kości
kwas kwasu żółć żółci wątroba nerka nerki serce płuco płuca krew krwi sucha suchy mały duży
""".split())


def _soft_e(stem: str) -> set[str]:
    """Dative/locative -e of a stem, with Polish consonant alternation (Monika → Monice)."""
    for hard, soft in (("st", "scie"), ("ch", "sze"), ("k", "ce"), ("g", "dze"), ("r", "rze"), ("t", "cie"),
                       ("d", "dzie"), ("l", "le"), ("sl", "sle"), ("zd", "zdzie")):
        if stem.endswith(hard):
            return {stem[: -len(hard)] + soft}
    return {stem + "ie"}


def _soft_locative(stem: str) -> set[str]:
    # Kot → Kocie, Piotr → Piotrze, Michał → Michale, Jan → Janie
    return {form[:-1] + "e" if form.endswith("ie") and stem.endswith("l") else form for form in _soft_e(stem)}


@functools.lru_cache(maxsize=65_536)
def forms(name: str) -> frozenset[str]:
    """Folded forms of one word of a name; words shorter than 3 letters give none. Remembered:
    a clinic's people share most of their names, and each person's scrubber declines them."""
    return frozenset(_forms(name))


def _forms(name: str) -> set[str]:
    n = fold(name.strip())
    if len(n) < 3 or not n.isalpha():
        return set()
    out = {n}
    # on the accented name: Kowalska is adjectival, Kuśka (→ Kuśce) is a noun
    adjectival = re.match(r"(.*(?:s|c|dz))k(?:i|a)$", name.strip().lower()) and re.match(r"(.*(?:s|c|dz))k(?:i|a)$", n)
    if adjectival:  # Kowalski/Kowalska, Nowacki, Zawadzki: the adjectival declension, both sexes
        stem = adjectival[1] + "k"
        out |= {stem + s for s in ("i", "iego", "iemu", "im", "imi", "ich", "a", "iej", "ie")}
        out.add(adjectival[1] + "cy")  # Kowalscy, Nowaccy, Zawadzcy
        return out
    if n.endswith(("y", "i")) and not n.endswith(("ey", "ay", "oy")):  # Jerzy, Ksawery, Antoni
        stem = n[:-1] if n.endswith("y") else n
        out |= {stem + s for s in ("ego", "emu", "m" if n.endswith("i") else "ym")}
        if n.endswith("y"):
            out |= {stem + "a", stem + "ej"}
        return out
    if n.endswith("a"):  # Anna, Monika, Olga, Maria, Kaja; male surnames Duda, Sikora, Czajka
        stem = n[:-1]
        # noun forms, and the adjectival -ej of streets and surnames (Lipowa → Lipowej, Długiej)
        out |= {stem + s for s in ("y", "i", "e", "o", "ie", "ami", "om", "ach", "ej", "iej")}
        out |= _soft_e(stem)
        if stem.endswith("j"):
            out.add(stem[:-1] + "i")  # Kaja → Kai
        if stem.endswith("i"):
            out.add(stem + "i")  # Maria → Marii
        return out
    if n.endswith("o"):  # Fredro, Kościuszko, Mieszko; Bruno → Brunona, Iwo → Iwona
        stem = n[:-1]
        out |= {stem + s for s in ("a", "i", "y", "e", "owi", "em", "iem", "u")} | _soft_e(stem)
        out |= _forms_of_consonant_stem(n + "n")
        return out
    if n.endswith("e"):  # Nicole, Verne: not declined in Polish
        return out
    out |= _forms_of_consonant_stem(n)
    # The mobile e: Marek → Marka, Paweł → Pawła, Wróbel → Wróbla, Kozioł → Kozła,
    # Stępień → Stępnia, Kopeć → Kopcia, Niemiec → Niemca.
    for ending, replacement in (("iel", "l"), ("iol", "l"), ("ek", "k"), ("el", "l"), ("ien", "ni"), ("ec", "c"),
                                ("ciec", "c")):
        if n.endswith(ending) and len(n) - len(ending) >= 2:
            out |= _forms_of_consonant_stem(n[: -len(ending)] + replacement)
    return out


def _forms_of_consonant_stem(stem: str) -> set[str]:
    out = {stem + s for s in ("a", "owi", "em", "u", "owie", "ow", "ach", "om", "ami", "y", "e")}
    if stem.endswith(("k", "g")):
        out.add(stem + "iem")
        out.add(stem + "i")
    if stem.endswith("i"):  # Stępni-a, Kopci-a
        out |= {stem + s for s in ("em", "u", "owi", "a")}
    out |= _soft_locative(stem)
    return out

