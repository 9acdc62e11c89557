"""Fixed words of the self-service pages in the attendee's language. The templates print only
these and what domain/page_view.py decides, so a page reads the same in both languages."""

from typing import Final

from tilmeld_contracts.common import Language

WORDS: Final[dict[Language, dict[str, str]]] = {
    "da": {
        "site": "Tilmeld – selvbetjening",
        "heading": "Din tilmelding",
        "event": "Arrangement",
        "when": "Tid",
        "venue": "Sted",
        "name": "Navn",
        "status": "Status",
        "sessions": "Temamøder",
        "meetings": "Møder",
        "online": "online",
        "no_seat": "ingen plads endnu",
        "waiting_for": "på venteliste til",
        "nothing_chosen": "intet valgt",
        "cancel_heading": "Vil du afmelde dig?",
        "cancel_text": "Når du afmelder dig, går din plads videre til den næste på ventelisten. "
        "Vil du med igen senere, skal du tilmelde dig på ny.",
        "cancel_button": "Ja, afmeld mig",
        "accept_heading": "Vil du tage imod pladsen?",
        "accept_text": "Pladsen er holdt til dig til {deadline}.",
        "accept_button": "Ja tak, jeg tager pladsen",
        "decline_heading": "Vil du sige nej tak til pladsen?",
        "decline_text": "Pladsen går videre til den næste på ventelisten.",
        "decline_button": "Nej tak, giv pladsen videre",
        "notice_not_active": "Tilmeldingen er ikke aktiv, så der er ikke noget at afmelde.",
        "notice_no_open_offer": "Der er ikke længere et åbent tilbud om plads på denne tilmelding.",
        "notice_view_only": "Dette link kan kun bruges til at se din tilmelding.",
        "cancel_received": "Din afmelding er modtaget",
        "cancel_next": "Vi afmelder dig nu. Du får en mail, når det er sket – normalt inden "
        "for et par minutter. Har du en plads, går den videre til den næste på ventelisten.",
        "accept_received": "Dit ja tak er modtaget",
        "accept_next": "Vi giver dig pladsen, hvis tilbuddet stadig gælder. Du får en mail med "
        "bekræftelsen om et par minutter.",
        "decline_received": "Dit nej tak er modtaget",
        "decline_next": "Pladsen går videre til den næste på ventelisten. Du får en mail, når "
        "det er sket.",
        "see_registration": "Se din tilmelding",
        "organised_by": "Arrangør",
    },
    "en": {
        "site": "Tilmeld – self-service",
        "heading": "Your registration",
        "event": "Event",
        "when": "When",
        "venue": "Venue",
        "name": "Name",
        "status": "Status",
        "sessions": "Sessions",
        "meetings": "Meetings",
        "online": "online",
        "no_seat": "no seat yet",
        "waiting_for": "on the waiting list for",
        "nothing_chosen": "none chosen",
        "cancel_heading": "Do you want to cancel your registration?",
        "cancel_text": "When you cancel, your seat goes to the next person on the waiting "
        "list. To come after all, you will have to register again.",
        "cancel_button": "Yes, cancel my registration",
        "accept_heading": "Do you want to accept the seat?",
        "accept_text": "The seat is held for you until {deadline}.",
        "accept_button": "Yes, I accept the seat",
        "decline_heading": "Do you want to decline the seat?",
        "decline_text": "The seat goes to the next person on the waiting list.",
        "decline_button": "No thanks, pass the seat on",
        "notice_not_active": "This registration is not active, so there is nothing to cancel.",
        "notice_no_open_offer": "There is no longer an open offer of a seat for this registration.",
        "notice_view_only": "This link can only show your registration.",
        "cancel_received": "Your cancellation has been received",
        "cancel_next": "We are cancelling your registration now. You will get an email when it "
        "is done, usually within a few minutes.",
        "accept_received": "Your acceptance has been received",
        "accept_next": "You get the seat if the offer is still open. A confirmation email "
        "follows within a few minutes.",
        "decline_received": "Your answer has been received",
        "decline_next": "The seat goes to the next person on the waiting list. You will get "
        "an email when it is done.",
        "see_registration": "See your registration",
        "organised_by": "Organiser",
    },
}
