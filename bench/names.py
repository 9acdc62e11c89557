"""Common Danish first and last names, job titles and independent daycare institutions, so the
sign-ups look like the ones a municipal daycare conference receives."""

FIRST_NAMES = (
    "Anne", "Mette", "Kirsten", "Hanne", "Helle", "Anna", "Susanne", "Lene", "Maria", "Marianne",
    "Lone", "Camilla", "Pia", "Louise", "Charlotte", "Tina", "Gitte", "Bente", "Jette", "Karen",
    "Sofie", "Ida", "Emma", "Julie", "Line", "Trine", "Rikke", "Malene", "Dorthe", "Inge",
    "Birgitte", "Signe", "Stine", "Mia", "Cecilie", "Sanne", "Maja", "Laura", "Katrine", "Nanna",
    "Peter", "Jens", "Lars", "Michael", "Henrik", "Thomas", "Søren", "Jan", "Niels", "Christian",
    "Martin", "Anders", "Jesper", "Morten", "Rasmus", "Mads", "Jakob", "Kasper", "Mikkel", "Ole",
    "Torben", "Frederik", "Mathias", "Kim", "Brian", "Poul", "Bo", "Steen", "Bjarne", "Claus",
)  # fmt: skip

LAST_NAMES = (
    "Nielsen", "Jensen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen",
    "Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen", "Thomsen",
    "Christiansen", "Poulsen", "Johansen", "Møller", "Mortensen", "Knudsen", "Jakobsen",
    "Mikkelsen", "Olesen", "Frederiksen", "Laursen", "Henriksen", "Lund", "Schmidt", "Holm",
    "Kristiansen", "Clausen", "Simonsen", "Svendsen", "Andreasen", "Jeppesen", "Mogensen",
    "Østergaard", "Vestergaard", "Nørgaard", "Dahl", "Bach", "Kjær", "Lauridsen", "Damgaard",
)  # fmt: skip

JOB_TITLES = (
    "Pædagogisk leder", "Dagtilbudsleder", "Pædagog", "Dagplejepædagog", "Souschef",
    "Dagtilbudschef", "Pædagogisk konsulent", "Pædagogmedhjælper", "Dagplejer",
)  # fmt: skip

# Self-governing and private institutions have no municipality code: they are matched by
# organisation name, each its own organisation for the per-organisation quota.
INSTITUTION_KINDS = (
    "Børnehuset", "Den Integrerede Institution", "Privatinstitutionen", "Vuggestuen",
    "Naturbørnehaven", "Den selvejende børnehave",
)  # fmt: skip
INSTITUTION_NAMES = (
    "Mælkebøtten", "Solsikken", "Regnbuen", "Troldehøj", "Spiren", "Myretuen", "Skovly",
    "Bikuben", "Humlebien", "Kastanjen", "Egebakken", "Nøddeknækkeren", "Søstjernen",
    "Kernehuset", "Lærkereden", "Valmuen", "Pilehuset", "Stjerneskuddet", "Fyrtårnet", "Rosen",
)  # fmt: skip

# What `ascii_mail_part` turns Danish letters into, as Danish mail addresses usually do.
_ASCII = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "é": "e", " ": "-", ".": ""})


def ascii_mail_part(text: str) -> str:
    return text.lower().translate(_ASCII)
