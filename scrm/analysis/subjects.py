"""Subjects: one name for themes that speak of the same thing in different languages.

Themes are fitted per language (:mod:`scrm.analysis.topics`), so "delivery"
in English, "entrega" in Spanish and "livraison" in French are three themes
with nothing in common. This module gives each theme a **subject** from a
small hand-written lexicon of customer-experience subjects (delivery, prices,
refunds, customer service, ...), each with cue words in English, Spanish and
French; themes of different languages with the same subject share its key,
and Listening can show them together under the subject's name in the
reader's language.

How a theme gets its subject (:func:`match_subject`):

- Its top terms (words and word pairs, heaviest first) and their weights in
  the theme are read. A term **hits** a subject when one of its words is a
  cue of that subject in the theme's language, or when it contains one of
  the subject's phrase cues (``customer service``); a phrase cue wins over
  loose words, so "customer service" is not also a "service" of another
  subject. A term that hits several subjects splits its weight between them.
- A subject's **score** is the share of the top terms' weight that hits it
  (0-1). The theme gets the best subject when that score is at least
  :data:`MIN_SCORE` and at least :data:`MIN_LEAD` times the runner-up's;
  otherwise no subject (a theme of product names, of places, of two
  subjects at once).

Subjects are what people talk about, never how they feel: "love", "awful",
"genial" are cues of nothing (the net sentiment says it), or every praised
delivery would be a theme about praise.

Cues are written as the themes see words: lower case, stop words left out
("atención cliente", not "atención al cliente"); accents do not matter; a
cue ending in ``*`` matches every word it begins (``deliver*``: delivery,
delivered), any other cue matches the whole word only (``app`` is not
"appalling").

The lexicon is ours (written for this product, no third-party word list) and
is checked against truth by ``scripts/theme_quality.py`` (the airline
complaint reasons) and by ``tests/test_subjects.py`` (a small fixture of
posts in the three languages).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from scrm.db import schema as S

# A theme's best subject must hold 15% of its top terms' weight: the demo's
# shop-visit themes score 0.16-0.20 (their other words are city names), while
# on the airline tweets the themes left without a subject ("plane · sitting",
# "wait time · fly") score 0.11-0.14 with their tweets split between reasons.
MIN_SCORE = 0.15
# ... and lead the runner-up clearly, or the theme is about two things.
MIN_LEAD = 1.5


@dataclass(frozen=True)
class Subject:
    """A customer-experience subject: stable key, English name, cues per language."""

    key: str
    name: str
    cues: Mapping[str, tuple[str, ...]]


def _cues(text: str) -> tuple[str, ...]:
    return tuple(c.strip() for c in text.replace("\n", " ").split(",") if c.strip())


def _subject(key: str, name: str, *, en: str, es: str, fr: str) -> Subject:
    return Subject(key, name, {"en": _cues(en), "es": _cues(es), "fr": _cues(fr)})


SUBJECTS: tuple[Subject, ...] = (
    _subject(
        "delivery", "Delivery and shipping",
        en="deliver*, shipping, shipment*, shipped, courier*, parcel*, package*, tracking, dispatch*, postman, "
           "carrier*, delivery slot, order, orders, ordered",
        es="entreg*, envío*, envio*, enviad*, mensajer*, paquete*, transportista*, reparto, repartidor*, "
           "seguimiento, franja, pedido*",
        fr="livr*, livreur*, colis, expédi*, expedi*, transporteur*, suivi, coursier*, créneau*, creneau*, commande*",
    ),
    _subject(
        "waiting", "Delays and waiting",
        en="late, later, delay*, wait*, slow*, queue*, lines, long line, took ages, still waiting",
        es="retras*, esper*, lent*, cola, colas, demora*, tarda*, todavía esperando",
        fr="retard*, attend*, attente*, lent*, délai*, delai*, file attente, toujours rien",
    ),
    _subject(
        "cancellation", "Cancellations",
        en="cancel*, canceled*, cancelled*, cancellation*",
        es="cancel*, anul*",
        fr="annul*",
    ),
    _subject(
        "refund", "Refunds and compensation",
        en="refund*, reimburs*, compensat*, money back, voucher*",
        es="reembols*, compensaci*, indemniz*, dinero, devol* dinero",
        fr="rembours*, indemnis*, dédommag*, dedommag*, argent",
    ),
    _subject(
        "returns", "Returns and exchanges",
        en="return*, exchang*, send back, sent back",
        es="devoluci*, devolver, cambiar, cambio, cambios",
        fr="retour*, échang*, echang*, renvoy*, renvoi*",
    ),
    _subject(
        "price", "Prices and fees",
        en="price*, pricing, expensive, overpriced, cheap*, cost*, fee, fees, afford*, value money",
        es="precio, precios, caro, cara, caros, caras, barat*, cuesta, coste*, tarifa*, comisi*",
        fr="prix, cher, chère, chere, chers, chères, coût*, cout*, tarif*, frais",
    ),
    _subject(
        "promotions", "Discounts and promotions",
        en="discount*, promo*, coupon*, code, codes, sale, sales, offer*, deal, deals, black friday, price matching",
        es="descuento*, promo*, oferta*, rebaja*, cupón, cupon, código*, codigo*, chollo*, iguala* precio*",
        fr="réduc*, reduc*, promo*, soldes, offre*, code*, remise*, bon plan, alignement prix",
    ),
    _subject(
        "payment", "Payment and billing",
        en="payment*, pay, paid, paying, charged, charge*, card, billing, bill, bills, invoice*, transaction*, paypal",
        es="pago*, pagar, pagad*, cobr*, tarjeta*, factura*, transacci*",
        fr="paiement*, payer, payé*, paye, prélèv*, prelev*, carte, factur*, débit*, debit*",
    ),
    _subject(
        "customer_service", "Customer service",
        en="customer service, customer care, customer support, support, help, helpline, hotline, agent*, "
           "representative*, rep, reps, call, called, calling, calls, phone*, hold, hung, answer*, respond*, "
           "response*, reply, replied, replies, email*, chat, contact*, complaint*, dms",
        es="atención cliente, servicio cliente, atención, atencion, ayuda, soporte, agente*, llam*, teléfono*, "
           "telefono*, respuesta*, respond*, contest*, correo*, chat, reclamaci*, queja*",
        fr="service client, sav, aide, support, conseiller*, appel*, téléphon*, telephon*, répon*, repon*, "
           "mail, mails, e-mail*, chat, joindre, injoignable, hotline, réclamation*, reclamation*",
    ),
    _subject(
        "staff", "Staff",
        en="staff, employee*, attendant*, crew, pilot*, rude, friendly, manager*, cashier*, waiter*, waitress*, "
           "worker*, gate agent, flight attendant*",
        es="personal, emplead*, dependient*, azafat*, tripulaci*, maleducad*, borde, amable*, simpátic*, "
           "simpatic*, trabajador*, encargad*",
        fr="personnel, employé*, employe*, vendeu*, hôtesse*, hotesse*, équipage, equipage, malpoli*, impoli*, "
           "aimable*, sympa, accueil",
    ),
    _subject(
        "quality", "Product quality and defects",
        en="quality, broken, broke, defect*, faulty, damag*, scratch*, falling apart, fell apart, apart, "
           "stopped working, wobbl*, torn, stain*, flaw*, flimsy, sturdy, solid",
        es="calidad, roto, rota, rotos, rotas, defect*, dañad*, danad*, rayad*, estropead*, mancha*, trozos, "
           "cayendo trozos, endeble, resistente, sólid*, solid*",
        fr="qualité, qualite, cassé*, casse, défect*, defect*, défaut*, defaut*, abîmé*, abime*, endommag*, "
           "rayé*, raye*, taché*, fragile, solide, bougé",
    ),
    _subject(
        "app_website", "App and website",
        en="app, apps, website*, site, online, web, webpage, crash*, bug, bugs, glitch*, error*, browser, "
           "download*, checkout",
        es="app, aplicación, aplicacion, web, página, pagina, online, error*, fallo*, caíd*, cuelg*",
        fr="appli*, application*, site, web, bug*, beug*, plant*, erreur*, ligne, mise jour",
    ),
    _subject(
        "account", "Account and login",
        en="account*, login, logged, log, password*, username*, locked, sign",
        es="cuenta, cuentas, contraseña*, contrasena*, sesión, sesion, usuario*, acceso, acceder",
        fr="compte, comptes, mot passe, identifiant*, connexion, connecter, connecte*",
    ),
    _subject(
        "booking", "Bookings and reservations",
        en="book, booked, booking*, reservation*, reserv*, ticket*, itinerar*, rebook*",
        es="reserva*, billete*, entrada*, pasaje*",
        fr="réserv*, reserv*, billet*",
    ),
    _subject(
        "luggage", "Luggage",
        en="bag, bags, baggage, luggage, suitcase*, carry",
        es="maleta*, equipaje*",
        fr="bagage*, valise*",
    ),
    _subject(
        "comfort", "Comfort and amenities",
        en="seat, seats, seating, legroom, wifi, entertainment, movie*, clean*, dirty, temperature, smell*, "
           "toilet*, bathroom*, comfort*, comfy, uncomfortable, noisy, noise",
        es="asiento*, wifi, limpi*, sucio*, sucia*, cómod*, comod*, incómod*, incomod*, ruido*, olor*, baño*",
        fr="siège*, siege*, wifi, propre*, sale, sales, confort*, bruit*, odeur*, toilette*",
    ),
    _subject(
        "food", "Food and drink",
        en="food, meal*, snack*, drink*, coffee, taste*, tasty, menu, breakfast, lunch",
        es="comida*, bebida*, menú, menu, sabor*, café, cafe, desayuno*",
        fr="repas, nourriture, boisson*, menu, goût*, gout*, café, cafe, petit déjeuner",
    ),
    _subject(
        "stock", "Stock and availability",
        en="stock, sold out, available, availability, unavailable, restock*, backorder*, waiting list",
        es="stock, agotad*, disponib*, existencias",
        fr="stock, rupture, épuisé*, epuise*, disponib*, indisponib*",
    ),
    _subject(
        "store", "Shops and visits",
        en="store, stores, shop, shops, showroom*, branch*, parking, opening hours, visit*",
        es="tienda*, sucursal*, aparcamiento, exposición, horario*, visita*",
        fr="magasin*, boutique*, showroom*, parking, horaire*, visite*",
    ),
    _subject(
        "loyalty", "Loyalty and rewards",
        en="points, miles, reward*, loyalty, member*, elite, upgrade*, club",
        es="puntos, fidelidad, socio*, club, millas",
        fr="points, fidélité, fidelite, membre*, adhérent*, adherent*, club, miles",
    ),
    _subject(
        "subscription", "Subscriptions and contracts",
        en="subscription*, subscribe*, unsubscrib*, contract*, renew*, membership*, plan, plans",
        es="suscrip*, contrato*, permanencia, darme baja, baja",
        fr="abonnement*, abonné*, abonne*, contrat*, résili*, resili*, engagement, désabonn*",
    ),
    _subject(
        "connectivity", "Network and connection",
        en="signal, coverage, internet, connection, outage*, network, broadband, fibre, fiber",
        es="cobertura, señal, senal, conexión, conexion, internet, fibra, avería*, averia*",
        fr="réseau, reseau, internet, fibre, couverture, coupure*, panne*",
    ),
    _subject(
        "security", "Security and fraud",
        en="scam*, fraud*, hack*, phishing, stolen, security, privacy, spam",
        es="estafa*, fraude*, hacke*, robad*, seguridad, privacidad, spam",
        fr="arnaque*, fraude*, piraté*, pirate*, escroq*, sécurité, securite, confidentialité, volé*",
    ),
)

SUBJECT_KEYS: tuple[str, ...] = tuple(s.key for s in SUBJECTS)
SUBJECT_NAMES: dict[str, str] = {s.key: s.name for s in SUBJECTS}
assert SUBJECT_KEYS == S.TOPIC_SUBJECTS, "the lexicon and the stored vocabulary list the same subjects"


@dataclass(frozen=True)
class SubjectMatch:
    """The subject a theme was given (None: none) and its score, the share of the theme's weight that hit it."""

    subject: str | None
    score: float


def fold(word: str) -> str:
    """A word as cues compare it: lower case, accents removed.

    >>> fold("Atención")
    'atencion'
    """
    return "".join(c for c in unicodedata.normalize("NFKD", word.lower()) if not unicodedata.combining(c))


@dataclass(frozen=True)
class _Cue:
    words: tuple[str, ...]  # folded
    prefix: tuple[bool, ...]  # per word: matches every word it begins


def _parse(cue: str) -> _Cue:
    words: list[str] = []
    prefix: list[bool] = []
    for part in cue.split():
        prefix.append(part.endswith("*"))
        words.append(fold(part.rstrip("*")))
    return _Cue(tuple(words), tuple(prefix))


def _word_hits(cue: _Cue, word: str, i: int = 0) -> bool:
    return word.startswith(cue.words[i]) if cue.prefix[i] else word == cue.words[i]


@cache
def _lexicon(lang: str) -> tuple[tuple[tuple[_Cue, str], ...], tuple[tuple[_Cue, str], ...]]:
    """(phrase cues, word cues) of ``lang``, each with its subject key."""
    phrases: list[tuple[_Cue, str]] = []
    words: list[tuple[_Cue, str]] = []
    for subject in SUBJECTS:
        for text in subject.cues.get(lang, ()):
            cue = _parse(text)
            (phrases if len(cue.words) > 1 else words).append((cue, subject.key))
    return tuple(phrases), tuple(words)


def term_subjects(term: str, lang: str) -> frozenset[str]:
    """The subjects a theme term points to in ``lang`` (a phrase cue wins over loose words).

    >>> sorted(term_subjects("late delivery", "en"))
    ['delivery', 'waiting']
    >>> sorted(term_subjects("atención cliente", "es"))
    ['customer_service']
    >>> sorted(term_subjects("appalling", "en"))
    []
    """
    phrases, singles = _lexicon(lang)
    words = [fold(w) for w in term.split()]
    found = set()
    for cue, key in phrases:
        n = len(cue.words)
        for start in range(len(words) - n + 1):
            if all(_word_hits(cue, words[start + i], i) for i in range(n)):
                found.add(key)
                break
    if found:
        return frozenset(found)
    return frozenset(key for word in words for cue, key in singles if _word_hits(cue, word))


def subject_scores(terms: Sequence[str], weights: Sequence[float], lang: str) -> dict[str, float]:
    """Each subject's share (0-1) of the weight of ``terms``; subjects no term points to are left out.

    >>> subject_scores(["entrega", "franja entrega", "harta"], [3.0, 2.0, 1.0], "es")
    {'delivery': 0.8333}
    """
    total = float(sum(w for w in weights if w > 0))
    if total <= 0:
        return {}
    scores: dict[str, float] = {}
    for term, weight in zip(terms, weights, strict=True):
        if weight <= 0:
            continue
        hits = term_subjects(term, lang)
        for key in hits:
            scores[key] = scores.get(key, 0.0) + float(weight) / len(hits)
    return {k: round(v / total, 4) for k, v in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))}


def match_subject(
    terms: Sequence[str], weights: Sequence[float] | None = None, lang: str = "en", *,
    min_score: float = MIN_SCORE, min_lead: float = MIN_LEAD,
) -> SubjectMatch:
    """The subject of a theme from its top ``terms`` (heaviest first) and their ``weights``.

    Without weights, terms weigh by rank (the first ``n``, the last 1).

    >>> match_subject(["livraison", "suivi indique", "colis", "depuis"], [4, 2, 2, 1], "fr")
    SubjectMatch(subject='delivery', score=0.8889)
    >>> match_subject(["lamp", "real life", "floor lamp"], [3, 2, 1], "en")
    SubjectMatch(subject=None, score=0.0)
    """
    if weights is None:
        weights = [float(len(terms) - i) for i in range(len(terms))]
    scores = subject_scores(terms, weights, lang)
    if not scores:
        return SubjectMatch(None, 0.0)
    ranked = list(scores.items())
    best_key, best = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    if best < min_score or best < min_lead * runner_up:
        return SubjectMatch(None, best)
    return SubjectMatch(best_key, best)


def subject_name(key: str | None) -> str | None:
    """The English name of a subject key (translate it with ``t()``); None for none or an unknown key.

    >>> subject_name("customer_service"), subject_name(None)
    ('Customer service', None)
    """
    return SUBJECT_NAMES.get(key) if key else None


def subjects_without_cues(subjects: Iterable[Subject] = SUBJECTS) -> dict[str, list[str]]:
    """Per language, the subjects that have no cue in it (a test keeps every list empty).

    >>> subjects_without_cues()
    {'en': [], 'es': [], 'fr': []}
    """
    return {lang: [s.key for s in subjects if not s.cues.get(lang)] for lang in ("en", "es", "fr")}
