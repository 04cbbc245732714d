"""Tables, canonical columns, types and synonyms, meta keys and stored
vocabularies: one source for the store, the importers, the analysis, the
docs and the tests. A table name, meta key or stored value is spelled here
once and referenced elsewhere as ``S.NAME`` (``from scrm.db import schema as S``).

Canonical columns are what an import maps a file's headers onto. Synonyms are
matched case- and accent-insensitively after punctuation is folded to spaces,
so ``Fecha_Pedido``, ``fecha pedido`` and ``FECHA-PEDIDO`` are the same header.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

SCHEMA_VERSION = 5

ColumnType = Literal["text", "int", "float", "datetime", "bool"]

# Table names: the only place they are spelled out.
CUSTOMERS = "customers"
ORDERS = "orders"
MENTIONS = "mentions"
SURVEYS = "surveys"
PROFILES = "profiles"
LINKS = "links"
IMPORTS = "imports"
QUARANTINE = "quarantine"
META = "meta"
SENTIMENT = "sentiment"
# Schema 3: acting on the data (rules, cases, identity review, audit).
RULES = "rules"
RULE_MATCHES = "rule_matches"
CASES = "cases"
CASE_EVENTS = "case_events"
MENTION_TAGS = "mention_tags"
LINK_REVIEWS = "link_reviews"
AUDIT_LOG = "audit_log"
# Schema 4: wrong sign-in tries, counted across sessions, processes and restarts.
SIGN_IN_FAILURES = "wrong_logins"  # 12 characters at most keeps `scrm status` aligned
# Schema 5: live listening (scrm.listen) and notifications (scrm.act.notify).
SOURCES = "sources"  # a live source: kind, name, settings without secrets, cursor, state
COLLECTIONS = "collections"  # one row per collection run of a source
RAW_ITEMS = "raw_items"  # the platform's JSON of each collected item, to re-read later
CHANNELS = "channels"  # a notification channel: e-mail or webhook, settings without secrets
DELIVERIES = "deliveries"  # every notification sent, failed or retried
# A person's sentiment label for a mention: wins over the model's. 12 characters at most
# keeps `scrm status` aligned, hence not "sentiment_corrections".
SENTIMENT_CORRECTIONS = "corrections"
SAVED_MAPPINGS = "mappings"  # a column mapping saved under a name on the Data page, for `--mapping NAME`
# Schema 5: the aggregates any filter is answered from (scrm.db.summaries), kept by the summaries stage.
SUMMARY_MENTIONS = "sum_mentions"  # inbound mentions per day x brand x platform x language x sentiment label
SUMMARY_ORDERS = "sum_orders"  # orders per day x segment x currency x linked x known customer
# 12 characters at most keeps `scrm status` aligned, hence not "sum_customers".
SUMMARY_CUSTOMERS = "sum_clients"  # customers created, and first orders, per day x segment
SUMMARY_SURVEYS = "sum_surveys"  # survey answers per day x segment: answers, promoters, detractors
# Distinct people across days (issue 17): one row per author, or customer, and day, so that
# unique authors, reach, active customers, repeat and churn rates are exact for any filter.
SUMMARY_AUTHORS = "sum_authors"  # authors per day x brand x platform x language: their largest follower count
SUMMARY_BUYERS = "sum_buyers"  # customers per day x segment: their orders that day
SUMMARY_ANSWERS = "sum_answers"  # answerable inbound mentions per day x brand x platform x language x reply time
# What moved, and the Listening page's themes and authors, for any filter (issue 17).
SUMMARY_TOPICS = "sum_topics"  # themed inbound mentions per day x brand x platform x language x label x theme
SUMMARY_VOICES = "sum_voices"  # inbound mentions per day x brand x platform x language x author as written
SUMMARY_SPEAKERS = "sum_speakers"  # each author's (voice's) mentions over every day: bounds for the movers
SUMMARY_PLACES = "sum_places"  # inbound mentions per day x brand x platform x language x location text
SUMMARY_MODES = "sum_modes"  # every mention per day x brand x platform x language x communication mode x kind
# Derived tables: rebuilt from the stored data by the compute stages
# (``store.replace_table``), never migrated; their columns follow the frames
# the stages write. Each is written by the stage named after it.
CUSTOMER_VALUE = "customer_value"  # scrm.analysis.value
TOPICS = "topics"  # scrm.analysis.topics: one row per theme
MENTION_TOPICS = "mention_topics"  # scrm.analysis.topics: the theme of each mention
TOPIC_MODELS = "topic_models"  # scrm.analysis.topics: the fitted model per language
SEGMENTS = "segments"  # scrm.analysis.segments: the segment of each customer
SEGMENT_PROFILES = "segment_profiles"  # scrm.analysis.segments: one row per segment
ROLES = "roles"  # scrm.analysis.roles
ALERTS = "alerts"  # scrm.analysis.alerts, and the rule alerts of scrm.act.rules
JOURNEY = "journey"  # scrm.analysis.journey: each customer's stage now
JOURNEY_TRANSITIONS = "journey_transitions"  # scrm.analysis.journey
FEEDBACK_PHASES = "feedback_phases"  # scrm.analysis.journey
# Caches and indexes: rebuilt on demand, never data of their own.
PAGE_SUMMARIES = "page_summaries"  # scrm.views.data: stored answers per data version
MENTIONS_FTS = "mentions_fts"  # scrm.db.search: the full-text index of mentions (FTS5)
MENTIONS_FTS_STATE = "mentions_fts_state"  # scrm.db.search: what the index was built from
# scrm.db.search on PostgreSQL: the generated tsvector column of mentions (not in STORED_COLUMNS: it is derived)
MENTIONS_SEARCH_VECTOR = "search_vector"
# A temporary table of one identity run (scrm.analysis.identity), gone with the connection.
IDENTITY_PROFILES_TEMP = "scrm_identity_profiles"

KINDS: tuple[str, ...] = (CUSTOMERS, ORDERS, MENTIONS, SURVEYS)

# Social platforms whose handles a customer record may list.
HANDLE_PLATFORMS: tuple[str, ...] = (
    "twitter",
    "instagram",
    "facebook",
    "tiktok",
    "youtube",
    "linkedin",
)


@dataclass(frozen=True)
class Column:
    """A canonical column of an importable kind."""

    name: str
    type: ColumnType = "text"
    required: bool = False
    synonyms: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class Entity:
    """An importable kind: its table, key and canonical columns."""

    kind: str
    key: str
    columns: tuple[Column, ...]
    # Columns the importer fills itself when the file has none.
    derived: tuple[str, ...] = field(default=())

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


def _handle_columns() -> tuple[Column, ...]:
    return tuple(
        Column(
            p,
            synonyms=(f"{p} handle", f"{p} user", f"usuario {p}", f"compte {p}", f"{p} account"),
            description=f"the customer's {p.title()} handle",
        )
        for p in HANDLE_PLATFORMS
    )


CUSTOMER_ENTITY = Entity(
    kind=CUSTOMERS,
    key="customer_id",
    columns=(
        Column(
            "customer_id",
            required=True,
            synonyms=(
                "customer id", "customerid", "customer", "customer number", "customer no",
                "client id", "user id", "id", "id cliente", "cliente", "cliente id",
                "numero cliente", "num cliente", "codigo cliente", "id client", "client",
                "identifiant client", "code client", "numero client", "no client",
            ),
            description="your CRM's identifier of the customer",
        ),
        Column(
            "name",
            synonyms=(
                "full name", "customer name", "client name", "contact", "contact name",
                "nombre", "nombre completo", "nombre cliente", "nom", "nom complet",
                "nom client", "prenom nom",
            ),
            description="full name",
        ),
        Column(
            "email",
            synonyms=(
                "e mail", "mail", "email address", "e mail address", "correo",
                "correo electronico", "email cliente", "courriel", "adresse email",
                "adresse e mail", "adresse mail", "mel",
            ),
            description="e-mail address (used to link social profiles)",
        ),
        Column(
            "phone",
            synonyms=(
                "telephone", "tel", "phone number", "mobile", "cell", "telefono", "movil",
                "celular", "numero telefono", "portable", "numero de telephone",
            ),
        ),
        Column("city", synonyms=("town", "ciudad", "localidad", "poblacion", "ville", "commune")),
        Column("country", synonyms=("country code", "pais", "pays", "nation")),
        Column(
            "created_at",
            type="datetime",
            synonyms=(
                "created", "signup date", "sign up date", "registered", "registered at",
                "registration date", "customer since", "fecha alta", "fecha de alta",
                "fecha registro", "alta", "date inscription", "date d inscription",
                "date creation", "date de creation", "client depuis",
            ),
        ),
        Column(
            "account",
            synonyms=(
                "company", "company name", "organisation", "organization", "business",
                "empresa", "cuenta", "razon social", "societe", "entreprise", "compte",
            ),
            description="company, for B2B contacts",
        ),
        Column(
            "consent_marketing",
            type="bool",
            synonyms=(
                "consent", "marketing consent", "opt in", "optin", "newsletter",
                "accepts marketing", "consentimiento", "acepta publicidad",
                "consentement", "consentement marketing", "accepte newsletter",
            ),
            description="yes/no: may receive marketing",
        ),
        *_handle_columns(),
    ),
)

ORDER_ENTITY = Entity(
    kind=ORDERS,
    key="order_id",
    columns=(
        Column(
            "order_id",
            required=True,
            synonyms=(
                "order", "order number", "order no", "order ref", "invoice", "invoice no",
                "invoice number", "invoiceno", "transaction id", "pedido", "id pedido",
                "numero pedido", "num pedido", "factura", "numero factura", "commande",
                "numero commande", "no commande", "n commande", "id commande", "facture",
                "numero facture",
            ),
        ),
        Column(
            "customer_id",
            synonyms=(
                "customer", "customer id", "customerid", "client id", "cliente",
                "id cliente", "codigo cliente", "client", "id client", "code client",
                "numero client",
            ),
            description="empty for guest orders",
        ),
        Column(
            "ordered_at",
            type="datetime",
            required=True,
            synonyms=(
                "date", "order date", "ordered", "invoice date", "invoicedate",
                "purchase date", "purchased at", "created at", "fecha", "fecha pedido",
                "fecha compra", "fecha factura", "date commande", "date de commande",
                "date achat", "date facture",
            ),
        ),
        Column(
            "amount",
            type="float",
            required=True,
            synonyms=(
                "total", "order total", "value", "revenue", "sales", "price", "amount paid",
                "importe", "total pedido", "monto", "valor", "precio", "montant",
                "montant total", "total ttc", "prix", "chiffre d affaires",
            ),
            description="order value in the shop's currency; returns negative",
        ),
        Column("currency", synonyms=("moneda", "divisa", "devise")),
        Column("channel", synonyms=("sales channel", "source", "canal", "canal de venta", "canal de vente")),
        Column(
            "category",
            synonyms=("product category", "categoria", "familia", "categorie", "famille", "rayon"),
        ),
        Column(
            "items",
            type="int",
            synonyms=("quantity", "qty", "units", "cantidad", "unidades", "quantite", "nombre d articles"),
            description="number of items",
        ),
    ),
)

MENTION_ENTITY = Entity(
    kind=MENTIONS,
    key="mention_id",
    columns=(
        Column(
            "mention_id",
            synonyms=(
                "id", "mention id", "post id", "tweet id", "message id", "status id",
                "id mencion", "id publicacion", "id mention", "id publication", "id message",
            ),
            description="a stable hash of platform, author, time and text when absent",
        ),
        Column(
            "platform",
            synonyms=(
                # Never "source": in Twitter formats it is the client app (see `client`).
                "network", "social network", "channel", "site", "red social",
                "plataforma", "red", "canal", "reseau", "reseau social", "plateforme",
            ),
            description="twitter, instagram, facebook, ...; 'other' when absent",
        ),
        Column(
            "author",
            synonyms=(
                "handle", "user", "username", "user name", "screen name", "author handle",
                "author id", "user id", "autor", "usuario", "nombre usuario", "cuenta",
                "auteur", "utilisateur", "pseudo", "compte",
            ),
            description="handle; empty for an anonymous review (author KPIs count those apart)",
        ),
        Column(
            "author_name",
            synonyms=("display name", "author name", "user display name", "full name", "nombre autor", "nom auteur", "nom affiche"),
            description="display name of the author (used to link to customers)",
        ),
        Column(
            "author_email",
            synonyms=("author email", "user email", "reviewer email", "correo autor", "email autor", "courriel auteur", "email auteur"),
            description="e-mail of the author where the platform gives it (reviews, DMs, lead forms)",
        ),
        Column(
            "text",
            required=True,
            synonyms=(
                "message", "content", "body", "post", "tweet", "comment", "review", "full text", "text original",
                "texto", "mensaje", "contenido", "comentario", "resena", "texte",
                "contenu", "commentaire", "avis",
            ),
        ),
        Column(
            "posted_at",
            type="datetime",
            required=True,
            synonyms=(
                "date", "created at", "created", "posted", "published", "published at",
                "timestamp", "time", "tweet created", "fecha", "fecha publicacion",
                "publicado", "date publication", "publie le", "date de publication",
            ),
        ),
        Column("url", synonyms=("link", "permalink", "enlace", "lien")),
        Column("lang", synonyms=("language", "idioma", "lengua", "langue")),
        Column(
            "kind",
            synonyms=("type", "post type", "message type", "tipo", "tipo publicacion", "type de publication"),
            description="post, reply, share, review, dm, forum",
        ),
        Column(
            "in_reply_to",
            synonyms=(
                "reply to", "in reply to id", "parent id", "in response to",
                "in response to tweet id", "respuesta a", "en respuesta a", "en reponse a",
            ),
        ),
        Column("brand", synonyms=("company", "marca", "empresa", "marque", "entreprise")),
        Column("visibility", synonyms=("privacy", "public private", "visibilidad", "visibilite")),
        Column(
            "likes",
            type="int",
            synonyms=("favorites", "favourites", "favorite count", "like count", "me gusta", "j aime", "reactions"),
        ),
        Column(
            "shares",
            type="int",
            synonyms=("retweets", "retweet count", "reposts", "compartidos", "compartir", "partages", "retweets count"),
        ),
        Column("replies", type="int", synonyms=("reply count", "comments count", "respuestas", "reponses")),
        Column(
            "author_followers",
            type="int",
            synonyms=("followers", "follower count", "followers count", "seguidores", "abonnes", "audience"),
        ),
        Column(
            "location",
            synonyms=("user location", "tweet location", "place", "ubicacion", "lugar", "localisation", "lieu"),
        ),
        Column(
            "from_brand",
            type="bool",
            synonyms=("is brand", "outbound", "brand reply", "de la marca", "de la marque"),
            description="yes when the brand's own account wrote it",
        ),
        Column(
            "client",
            synonyms=("source", "tweet source", "client app", "via"),
            description="the app the post was written with (Twitter for iPhone); HTML is stripped",
        ),
        Column(
            "rating",
            type="float",
            synonyms=(
                "stars", "star rating", "review rating", "rating value", "reviewer rating", "user rating",
                "estrellas", "valoracion", "calificacion", "etoiles", "note avis",
            ),
            description="a review's star rating as the site gives it (1 to 5 on most)",
        ),
    ),
    derived=("mention_id", "platform"),
)

SURVEY_ENTITY = Entity(
    kind=SURVEYS,
    key="survey_id",
    columns=(
        Column(
            "survey_id",
            synonyms=("id", "response id", "survey response id", "id encuesta", "id respuesta", "id reponse"),
            description="a stable hash of customer, time and score when absent",
        ),
        Column(
            "customer",
            required=True,
            synonyms=(
                "customer id", "customer id or email", "customer email", "email", "e mail",
                "cliente", "id cliente", "correo", "client", "id client", "courriel",
            ),
            description="customer id or e-mail",
        ),
        Column(
            "score",
            type="int",
            required=True,
            synonyms=(
                "nps", "nps score", "rating", "recommend", "likelihood to recommend",
                "puntuacion", "nota", "valoracion", "note", "note nps", "recommandation",
            ),
            description="0 to 10",
        ),
        Column(
            "comment",
            synonyms=("comments", "feedback", "verbatim", "why", "comentario", "comentarios", "commentaire", "remarque"),
        ),
        Column(
            "answered_at",
            type="datetime",
            synonyms=(
                "date", "answered", "submitted", "submitted at", "response date", "created at",
                "fecha", "fecha respuesta", "date reponse", "date de reponse",
            ),
        ),
    ),
    derived=("survey_id",),
)

ENTITIES: dict[str, Entity] = {
    e.kind: e for e in (CUSTOMER_ENTITY, ORDER_ENTITY, MENTION_ENTITY, SURVEY_ENTITY)
}

# Stored columns of every table, in order, with SQLite types. The importable
# tables hold the canonical columns plus bookkeeping; `attributes` keeps the
# columns of a customer file that have no canonical meaning (JSON object).
SQL_TYPES = {"text": "TEXT", "int": "INTEGER", "float": "REAL", "datetime": "TEXT", "bool": "INTEGER"}

STORED_COLUMNS: dict[str, dict[str, str]] = {
    CUSTOMERS: {
        **{c.name: SQL_TYPES[c.type] for c in CUSTOMER_ENTITY.columns},
        "attributes": "TEXT",
        "import_id": "INTEGER",
    },
    ORDERS: {
        **{c.name: SQL_TYPES[c.type] for c in ORDER_ENTITY.columns},
        "import_id": "INTEGER",
    },
    MENTIONS: {
        **{c.name: SQL_TYPES[c.type] for c in MENTION_ENTITY.columns},
        "import_id": "INTEGER",
    },
    SURVEYS: {
        "survey_id": "TEXT",
        "customer_id": "TEXT",
        "email": "TEXT",
        "score": "INTEGER",
        "comment": "TEXT",
        "answered_at": "TEXT",
        "import_id": "INTEGER",
    },
    PROFILES: {
        "profile_id": "TEXT",  # "<platform>:<handle lower-cased, no @>"
        "platform": "TEXT",
        "handle": "TEXT",
        "display_name": "TEXT",
        "email": "TEXT",
        "followers": "INTEGER",
        "location": "TEXT",
        "mentions": "INTEGER",
        "first_seen": "TEXT",
        "last_seen": "TEXT",
    },
    LINKS: {
        "profile_id": "TEXT",
        "customer_id": "TEXT",
        "method": "TEXT",  # email | handle | name_city | manual
        "confidence": "REAL",  # in [0, 1]
        "status": "TEXT",  # linked | suggested | rejected
        "evidence": "TEXT",  # why, in English
        "confirmed_by": "TEXT",
        "created_at": "TEXT",
        "evidence_message": "TEXT",  # the evidence as a message key and values (JSON, scrm.i18n.messages); NULL: older rows
    },
    IMPORTS: {
        "import_id": "INTEGER",
        "kind": "TEXT",
        "file_name": "TEXT",
        "sha256": "TEXT",
        "preset": "TEXT",
        "mapping": "TEXT",  # JSON {canonical: header}
        "rows_read": "INTEGER",
        "rows_new": "INTEGER",
        "rows_updated": "INTEGER",
        "rows_unchanged": "INTEGER",
        "rows_duplicate": "INTEGER",
        "rows_rejected": "INTEGER",
        "started_at": "TEXT",
        "finished_at": "TEXT",
        "seconds": "REAL",
    },
    QUARANTINE: {
        "quarantine_id": "INTEGER",
        "import_id": "INTEGER",
        "kind": "TEXT",
        "file_name": "TEXT",
        "row_number": "INTEGER",  # as a spreadsheet shows it: header is row 1
        "column": "TEXT",
        "value": "TEXT",
        "reason": "TEXT",
        "raw": "TEXT",  # the whole row as JSON, to fix and re-import
        "created_at": "TEXT",
        "reason_message": "TEXT",  # the reason as a message key and values (JSON, scrm.i18n.messages); NULL: older rows
    },
    META: {"key": "TEXT", "value": "TEXT"},
    # Scores are stored, not recomputed: one row per scored mention (schema 2).
    SENTIMENT: {
        "mention_id": "TEXT",
        "lang": "TEXT",  # en, es, fr, other
        "score": "REAL",  # in [-1, 1]; NULL when the language is not supported
        "label": "TEXT",  # positive | neutral | negative | unscored
        "words": "TEXT",  # JSON list of [word, weight]: what moved the score
        "model": "TEXT",
        "model_version": "TEXT",
        "scored_at": "TEXT",
        "confidence": "REAL",  # schema 5: P(label is right), calibrated; NULL when unscored
    },
    # Schema 5: a person's sentiment label for a mention (scrm.analysis.sentiment): the sentiment
    # row shows it and every re-scoring keeps it.
    SENTIMENT_CORRECTIONS: {
        "mention_id": "TEXT",
        "label": "TEXT",  # positive | neutral | negative
        "model_label": "TEXT",  # what the model said when the person corrected it
        "corrected_by": "TEXT",
        "corrected_at": "TEXT",
    },
    # Schema 5: the summaries (scrm.db.summaries). Blank dimensions are '' (a key never holds NULL),
    # a customer without a segment is segment -1; sums of counts treat a missing count as 0.
    SUMMARY_MENTIONS: {
        "day": "TEXT", "brand": "TEXT", "platform": "TEXT", "lang": "TEXT", "label": "TEXT",
        "mentions": "INTEGER", "likes": "INTEGER", "shares": "INTEGER", "replies": "INTEGER",
        "engaged": "INTEGER",  # likes + shares + replies of the mentions with a follower count above 0
        "followers": "INTEGER",  # the follower counts above 0, summed per mention
    },
    SUMMARY_ORDERS: {
        "day": "TEXT", "segment": "INTEGER", "currency": "TEXT", "linked": "INTEGER", "known": "INTEGER",
        "orders": "INTEGER", "priced": "INTEGER", "amount": "REAL",
    },
    SUMMARY_CUSTOMERS: {"day": "TEXT", "segment": "INTEGER", "created": "INTEGER", "first_orders": "INTEGER"},
    SUMMARY_SURVEYS: {
        "day": "TEXT", "segment": "INTEGER", "answers": "INTEGER", "promoters": "INTEGER", "detractors": "INTEGER",
    },
    # The author is the KPI dictionary's key (handle lowercased, without leading @; '' when anonymous),
    # named is 1 when the handle is not blank (unique authors count only those), followers the largest
    # follower count of the day (NULL when none is known). profile_id is the author's profile (as
    # scrm.analysis.identity spells it), so that erasing a person deletes their rows here too.
    # person numbers each author key (and each customer in sum_buyers): readers count integers.
    SUMMARY_AUTHORS: {
        "day": "TEXT", "brand": "TEXT", "platform": "TEXT", "lang": "TEXT", "author": "TEXT", "named": "INTEGER",
        "profile_id": "TEXT", "followers": "REAL", "person": "INTEGER",
    },
    SUMMARY_BUYERS: {"day": "TEXT", "segment": "INTEGER", "customer_id": "TEXT", "orders": "INTEGER", "person": "INTEGER"},
    # Mentions a brand is expected to answer (posts, reviews, DMs, no kind); answered is 1 when a brand
    # account replied, minutes the time to its first reply (0 when unanswered).
    SUMMARY_ANSWERS: {
        "day": "TEXT", "brand": "TEXT", "platform": "TEXT", "lang": "TEXT", "answered": "INTEGER", "minutes": "REAL",
        "mentions": "INTEGER",
    },
    # Themed mentions (mention_topics) with the sum and count of their sentiment scores.
    SUMMARY_TOPICS: {
        "day": "TEXT", "brand": "TEXT", "platform": "TEXT", "lang": "TEXT", "label": "TEXT", "topic_id": "TEXT",
        "mentions": "INTEGER", "score_sum": "REAL", "score_n": "INTEGER",
    },
    # The author and platform as written ('' and no_author or no_platform 1 when NULL), with the two keys readers group by:
    # voice (the Overview movers' platform:handle) and profile_id (scrm.analysis.roles' profile id);
    # scored, positive and negative count the labelled mentions, followers is the largest count (0 when none).
    SUMMARY_VOICES: {
        "day": "TEXT", "brand": "TEXT", "platform": "TEXT", "lang": "TEXT", "author": "TEXT", "no_author": "INTEGER",
        "no_platform": "INTEGER", "voice": "TEXT", "profile_id": "TEXT",
        "mentions": "INTEGER", "scored": "INTEGER", "positive": "INTEGER", "negative": "INTEGER", "followers": "INTEGER",
    },
    # sum_voices summed over every day per voice (no NULL voice): no author can move by more than its total.
    # profile_id as in sum_voices, so that erasing a person deletes their row here too.
    SUMMARY_SPEAKERS: {"voice": "TEXT", "profile_id": "TEXT", "mentions": "INTEGER", "scored": "INTEGER"},
    # The location as written, trimmed ('' when none): the Listening page places each text once.
    SUMMARY_PLACES: {
        "day": "TEXT", "brand": "TEXT", "platform": "TEXT", "lang": "TEXT", "location": "TEXT",
        "mentions": "INTEGER", "scored": "INTEGER", "positive": "INTEGER", "negative": "INTEGER",
    },
    # Brand accounts' messages too (by_brand): the communication modes count both.
    SUMMARY_MODES: {
        "day": "TEXT", "brand": "TEXT", "platform": "TEXT", "lang": "TEXT", "mode": "TEXT", "kind": "TEXT",
        "by_people": "INTEGER", "by_brand": "INTEGER",
    },
    # --- schema 3: what the team does with the data ---------------------------------
    # A workflow rule: a condition (JSON) on mentions or customers and an action.
    RULES: {
        "rule_id": "INTEGER",
        "name": "TEXT",
        "description": "TEXT",
        "target": "TEXT",  # mention | customer
        "conditions": "TEXT",  # JSON object, see scrm.act.rules
        "action": "TEXT",  # open_case | tag | suggest_reply | raise_alert
        "params": "TEXT",  # JSON object: queue, priority, tag, template, ...
        "mode": "TEXT",  # automatic | manual (a person confirms)
        "enabled": "INTEGER",
        "builtin": "INTEGER",  # shipped with the app
        "watermark": "TEXT",  # mentions posted up to this time were evaluated
        "created_at": "TEXT",
        "updated_at": "TEXT",
        "updated_by": "TEXT",
    },
    # What a rule matched and what became of it (applied, proposed to a person, dismissed).
    RULE_MATCHES: {
        "match_id": "INTEGER",
        "rule_id": "INTEGER",
        "mention_id": "TEXT",
        "customer_id": "TEXT",
        "action": "TEXT",
        "mode": "TEXT",
        "status": "TEXT",  # applied | proposed | dismissed
        "case_id": "INTEGER",
        "detail": "TEXT",
        "matched_at": "TEXT",
        "decided_by": "TEXT",
        "decided_at": "TEXT",
    },
    CASES: {
        "case_id": "INTEGER",
        "queue": "TEXT",  # rescue | thank-you | support | ...
        "subject": "TEXT",
        "customer_id": "TEXT",
        "mention_id": "TEXT",
        "profile_id": "TEXT",
        "rule_id": "INTEGER",
        "priority": "TEXT",  # high | medium | low
        "status": "TEXT",  # new | in progress | waiting | resolved
        "assignee": "TEXT",
        "opened_at": "TEXT",  # when the customer spoke (the SLA clock starts)
        "due_at": "TEXT",  # opened_at + the SLA of the priority
        "first_response_at": "TEXT",
        "resolved_at": "TEXT",
        "reply_template": "TEXT",
        "sentiment_before": "REAL",
        "created_at": "TEXT",
        "updated_at": "TEXT",
    },
    # The history of a case: opened, status, assignee, priority, note.
    CASE_EVENTS: {
        "event_id": "INTEGER",
        "case_id": "INTEGER",
        "at": "TEXT",
        "actor": "TEXT",
        "event": "TEXT",
        "old": "TEXT",
        "new": "TEXT",
        "note": "TEXT",
    },
    MENTION_TAGS: {
        "mention_id": "TEXT",
        "tag": "TEXT",
        "rule_id": "INTEGER",
        "created_at": "TEXT",
    },
    # Every decision of the identity review, with what it changed, so it can be undone.
    LINK_REVIEWS: {
        "review_id": "INTEGER",
        "action": "TEXT",  # accept | reject | unlink | link | merge
        "profile_id": "TEXT",
        "customer_id": "TEXT",
        "other_customer_id": "TEXT",  # merge: the record merged into customer_id
        "before": "TEXT",  # JSON: the rows as they were
        "after": "TEXT",  # JSON: the rows as the decision left them
        "note": "TEXT",
        "actor": "TEXT",
        "at": "TEXT",
        "reverted_at": "TEXT",
        "reverted_by": "TEXT",
    },
    # Who did what and when; never the personal data itself.
    AUDIT_LOG: {
        "audit_id": "INTEGER",
        "at": "TEXT",
        "actor": "TEXT",
        "role": "TEXT",
        "action": "TEXT",  # import | export | erase | rule | link | case | settings | purge | login
        "target": "TEXT",
        "detail": "TEXT",
    },
    # Wrong sign-in tries per subject ("name:ada", "client:203.0.113.9"), within
    # the lockout window (scrm.db.signins); never a password, removed on success.
    SIGN_IN_FAILURES: {
        "subject": "TEXT",
        "failures": "INTEGER",
        "last_failure_at": "REAL",  # seconds since the epoch (time.time())
    },
    # --- schema 5: live listening and notifications ----------------------------------
    # A live source (scrm.listen): never a secret here (those stay in secrets.toml or the environment).
    SOURCES: {
        "name": "TEXT",
        "kind": "TEXT",  # rss | mastodon | bluesky | hackernews | youtube | discourse | reddit
        "settings": "TEXT",  # JSON object {key: value}
        "every_minutes": "INTEGER",  # NULL: due at every `collect`
        "cursor": "TEXT",  # JSON object: where the next run starts (ids, times, ETag)
        "state": "TEXT",  # active | paused
        "failures": "INTEGER",  # failed runs in a row
        "paused_reason": "TEXT",
        "last_run_at": "TEXT",
        "last_error": "TEXT",
        "created_at": "TEXT",
        "updated_at": "TEXT",
        # paused_reason and last_error as messages (JSON, scrm.i18n.messages) for the reader's language; NULL: older rows
        "paused_message": "TEXT",
        "last_error_message": "TEXT",
    },
    COLLECTIONS: {
        "collection_id": "INTEGER",
        "source": "TEXT",
        "kind": "TEXT",
        "started_at": "TEXT",
        "finished_at": "TEXT",
        "seconds": "REAL",
        "requests": "INTEGER",
        "fetched": "INTEGER",
        "new": "INTEGER",
        "updated": "INTEGER",
        "deleted": "INTEGER",
        "rejected": "INTEGER",
        "import_id": "INTEGER",
        "error": "TEXT",  # NULL when the run succeeded
        "error_message": "TEXT",  # the error as a message (JSON, scrm.i18n.messages) for the reader's language; NULL: older rows
    },
    RAW_ITEMS: {
        "mention_id": "TEXT",
        "source": "TEXT",
        "kind": "TEXT",
        "native_id": "TEXT",
        "raw": "TEXT",  # the item's JSON as the platform sent it
        "fetched_at": "TEXT",
    },
    CHANNELS: {
        "name": "TEXT",
        "kind": "TEXT",  # email | webhook
        "settings": "TEXT",  # JSON object {key: value}
        "enabled": "INTEGER",
        "created_at": "TEXT",
        "updated_at": "TEXT",
    },
    SAVED_MAPPINGS: {
        "name": "TEXT",
        "kind": "TEXT",  # the kind it imports: customers | orders | mentions | surveys
        "mapping": "TEXT",  # JSON object {canonical column: header}
        "created_by": "TEXT",
        "created_at": "TEXT",
        "updated_at": "TEXT",
    },
    DELIVERIES: {
        "delivery_id": "INTEGER",
        "channel": "TEXT",
        "subject": "TEXT",
        "alerts": "TEXT",  # JSON list of the alert fingerprints the message carried
        "status": "TEXT",  # sent | failed | retried (sent after a failed try)
        "attempts": "INTEGER",
        "error": "TEXT",
        "created_at": "TEXT",
        "sent_at": "TEXT",
        "error_message": "TEXT",  # the error as a message (JSON, scrm.i18n.messages) for the reader's language; NULL: older rows
    },
}

PRIMARY_KEYS: dict[str, str | tuple[str, ...]] = {
    CUSTOMERS: "customer_id",
    ORDERS: "order_id",
    MENTIONS: "mention_id",
    SURVEYS: "survey_id",
    PROFILES: "profile_id",
    LINKS: ("profile_id", "customer_id"),
    IMPORTS: "import_id",
    QUARANTINE: "quarantine_id",
    META: "key",
    SENTIMENT: "mention_id",
    SENTIMENT_CORRECTIONS: "mention_id",
    RULES: "rule_id",
    RULE_MATCHES: "match_id",
    CASES: "case_id",
    CASE_EVENTS: "event_id",
    MENTION_TAGS: ("mention_id", "tag"),
    LINK_REVIEWS: "review_id",
    AUDIT_LOG: "audit_id",
    SIGN_IN_FAILURES: "subject",
    SOURCES: "name",
    COLLECTIONS: "collection_id",
    RAW_ITEMS: "mention_id",
    CHANNELS: "name",
    DELIVERIES: "delivery_id",
    SAVED_MAPPINGS: "name",
    SUMMARY_MENTIONS: ("day", "brand", "platform", "lang", "label"),
    SUMMARY_ORDERS: ("day", "segment", "currency", "linked", "known"),
    SUMMARY_CUSTOMERS: ("day", "segment"),
    SUMMARY_SURVEYS: ("day", "segment"),
    SUMMARY_AUTHORS: ("day", "brand", "platform", "lang", "author", "named", "profile_id"),
    SUMMARY_BUYERS: ("day", "segment", "customer_id"),
    SUMMARY_ANSWERS: ("day", "brand", "platform", "lang", "answered", "minutes"),
    SUMMARY_TOPICS: ("day", "brand", "platform", "lang", "label", "topic_id"),
    SUMMARY_VOICES: ("day", "brand", "platform", "lang", "author", "no_author", "no_platform"),
    SUMMARY_SPEAKERS: "voice",
    SUMMARY_PLACES: ("day", "brand", "platform", "lang", "location"),
    SUMMARY_MODES: ("day", "brand", "platform", "lang", "mode", "kind"),
}

INDEXES: dict[str, list[tuple[str, ...]]] = {
    CUSTOMERS: [("email",), ("account",)],
    ORDERS: [("customer_id",), ("ordered_at",)],
    MENTIONS: [("posted_at",)],
    SURVEYS: [("customer_id",)],
    LINKS: [("customer_id",)],
    QUARANTINE: [("import_id",)],
    SENTIMENT: [("label",)],
    RULE_MATCHES: [("rule_id", "mention_id", "customer_id"), ("status",)],
    CASES: [("customer_id",), ("status",), ("mention_id",)],
    CASE_EVENTS: [("case_id",)],
    MENTION_TAGS: [("tag",)],
    LINK_REVIEWS: [("profile_id",)],
    AUDIT_LOG: [("at",)],
    SIGN_IN_FAILURES: [("last_failure_at",)],
    COLLECTIONS: [("source", "started_at")],
    RAW_ITEMS: [("source",)],
    DELIVERIES: [("channel", "created_at")],
}

# Tables a team's own work lives in: never rebuilt from the data, kept by
# "start empty" only as far as they are settings (rules), erased per person.
SCHEMA_3 = (RULES, RULE_MATCHES, CASES, CASE_EVENTS, MENTION_TAGS, LINK_REVIEWS, AUDIT_LOG)
# Access bookkeeping: no data of a person, never exported or erased as theirs.
SCHEMA_4 = (SIGN_IN_FAILURES,)
# Schema 5: the tables added in schema 5, and the columns added to older tables
# ({table: (column, ...)}; their types are in STORED_COLUMNS). The migration
# creates what is missing, so each part of schema 5 is listed here once.
SCHEMA_5: tuple[str, ...] = (
    SOURCES, COLLECTIONS, RAW_ITEMS, CHANNELS, DELIVERIES, SAVED_MAPPINGS, SENTIMENT_CORRECTIONS,
    SUMMARY_MENTIONS, SUMMARY_ORDERS, SUMMARY_CUSTOMERS, SUMMARY_SURVEYS, SUMMARY_AUTHORS, SUMMARY_BUYERS,
    SUMMARY_ANSWERS, SUMMARY_TOPICS, SUMMARY_VOICES, SUMMARY_SPEAKERS,
    SUMMARY_PLACES, SUMMARY_MODES,
)
SCHEMA_5_COLUMNS: dict[str, tuple[str, ...]] = {
    MENTIONS: ("client", "rating"),  # the app a post was written with; a review's stars
    SENTIMENT: ("confidence",),  # the calibrated probability that the label is right
    LINKS: ("evidence_message",),  # the evidence for the reader's language
    QUARANTINE: ("reason_message",),  # the reason for the reader's language
    SOURCES: ("paused_message", "last_error_message"),  # why a source is paused or failed, for the reader's language
    DELIVERIES: ("error_message",),  # why a notification failed, for the reader's language
    COLLECTIONS: ("error_message",),  # why a collection run failed, for the reader's language
}

# Link statuses and the confidence below which a link is only suggested.
LINKED = "linked"
SUGGESTED = "suggested"
REJECTED = "rejected"
LINK_THRESHOLD = 0.85

# Values the `kind` and `visibility` columns of mentions take.
MENTION_KINDS = ("post", "reply", "share", "review", "dm", "forum")
VISIBILITIES = ("public", "private")

# Values the `subject` column of `topics` takes (NULL: no subject); the cues of each are in scrm.analysis.subjects.
TOPIC_SUBJECTS: tuple[str, ...] = (
    "delivery", "waiting", "cancellation", "refund", "returns", "price", "promotions", "payment", "customer_service",
    "staff", "quality", "app_website", "account", "booking", "luggage", "comfort", "food", "stock", "store", "loyalty",
    "subscription", "connectivity", "security",
)

# Live sources (sources.state) and what became of a notification (deliveries.status).
SOURCE_ACTIVE, SOURCE_PAUSED = "active", "paused"
SOURCE_STATES: tuple[str, ...] = (SOURCE_ACTIVE, SOURCE_PAUSED)
DELIVERY_SENT, DELIVERY_FAILED, DELIVERY_RETRIED = "sent", "failed", "retried"
DELIVERY_STATUSES: tuple[str, ...] = (DELIVERY_SENT, DELIVERY_FAILED, DELIVERY_RETRIED)

# --- meta keys: one row each in `meta` ------------------------------------------------------
META_SCHEMA_VERSION = "schema_version"  # the schema the file was migrated to
META_DATA_VERSION = "data_version"  # bumped by every write: the cache key of derived data
META_WORK_VERSION = "work_version"  # the writes that were the team's own work (store.input_version)
META_DEMO = "demo"  # "1" when the database holds the demo dataset
META_DEMO_STORY = "demo_story"  # JSON of what the demo planted (scrm.demo)
META_DEMO_CASEWORK = "demo_casework"  # "1" once the demo team's past casework was simulated
META_OWN_BRAND = "own_brand"  # the brand whose CRM this is (store.own_brand)
META_DEFAULT_RULES = "workflow_default_rules"  # "1" once the default workflow rules were installed
META_RETENTION_MONTHS = "retention_months"  # the retention setting (scrm.privacy.requests)
META_SENTIMENT_LANGUAGES = "sentiment_languages"  # the brand's languages, main first: "en,es,fr" (scrm.analysis.sentiment)
META_SENTIMENT_ADJUSTMENT = "sentiment_adjustment"  # JSON: the layer learnt from corrections (scrm.analysis.sentiment.adjust)
META_SENTIMENT_ACCURATE_SECONDS = "sentiment_accurate_seconds"  # the accurate mode's time budget per score run (scrm.analysis.sentiment.accurate)
META_PRIVACY_SALT = "privacy_salt"  # the salt of masked values (scrm.privacy.masking)
# Business settings (scrm.db.settings holds their defaults, checks and help; the Settings page writes them).
META_COMPETITORS = "competitors"  # JSON list of the competitors' brand names
META_REPORTING_CURRENCY = "reporting_currency"  # ISO code money KPIs are shown in
META_EXCHANGE_RATES = "exchange_rates"  # JSON {code: [rate to the reporting currency, ISO date of the rate]}
META_WEEK_START = "week_start"  # "monday" or "sunday": where weekly trends begin a week
META_TIME_ZONE = "time_zone"  # IANA name the business reads times in (status lines, "today")
META_DEFAULT_PERIOD = "default_period_days"  # days of "the last N days" every page shows by default
META_AUTO_SCORE = "auto_score"  # "1": the app recomputes scores in the background after its writes
META_ALERT_DAILY_CAP = "alerts_daily_cap"  # incidents of one alert kind listed per day (scrm.analysis.alerts)
META_SCORED_AT = "scored_at"  # UTC timestamp the last score run finished at (bookkeeping, no version bump)
# Key patterns, filled with str.format.
META_SLA_HOURS = "sla_hours_{}"  # a case priority's hours to the deadline (scrm.act.cases)
META_SUMMARIES_STATE = "summaries_state"  # JSON: what the summaries were built from (scrm.db.summaries)
META_COMPUTED_VERSION = "computed_{}_version"  # the input version a compute stage last ran on
# What "start empty" forgets: the demo's markers and the brand it set.
DEMO_META_KEYS: tuple[str, ...] = (META_DEMO, META_DEMO_STORY, META_OWN_BRAND)

# --- stored vocabularies: the values some columns take ------------------------------------------
# Sentiment labels (sentiment.label): "unscored" when no model reads the language.
POSITIVE, NEUTRAL, NEGATIVE, UNSCORED = "positive", "neutral", "negative", "unscored"
SENTIMENT_LABELS: tuple[str, ...] = (POSITIVE, NEUTRAL, NEGATIVE, UNSCORED)
SCORED_LABELS: tuple[str, ...] = (POSITIVE, NEUTRAL, NEGATIVE)

# Case priorities, statuses and queues (cases.priority, .status, .queue).
HIGH, MEDIUM, LOW = "high", "medium", "low"
PRIORITIES: tuple[str, ...] = (HIGH, MEDIUM, LOW)
CASE_NEW, CASE_IN_PROGRESS, CASE_WAITING, CASE_RESOLVED = "new", "in progress", "waiting", "resolved"
CASE_STATUSES: tuple[str, ...] = (CASE_NEW, CASE_IN_PROGRESS, CASE_WAITING, CASE_RESOLVED)
QUEUE_RESCUE, QUEUE_THANK_YOU, QUEUE_SUPPORT = "rescue", "thank-you", "support"
QUEUES: tuple[str, ...] = (QUEUE_RESCUE, QUEUE_THANK_YOU, QUEUE_SUPPORT)
# What a row of a case's history records (case_events.event).
EVENT_OPENED, EVENT_STATUS, EVENT_ASSIGNEE, EVENT_PRIORITY, EVENT_NOTE = "opened", "status", "assignee", "priority", "note"
EVENT_REPLY = "reply"  # a reply posted on the platform from the brand's account (scrm.act.replies)

# Workflow rules (rules.target, .action, .mode) and what became of a match (rule_matches.status).
TARGET_MENTION, TARGET_CUSTOMER = "mention", "customer"
RULE_TARGETS: tuple[str, ...] = (TARGET_MENTION, TARGET_CUSTOMER)
ACTION_OPEN_CASE, ACTION_TAG, ACTION_SUGGEST_REPLY, ACTION_RAISE_ALERT = "open_case", "tag", "suggest_reply", "raise_alert"
RULE_ACTIONS: tuple[str, ...] = (ACTION_OPEN_CASE, ACTION_TAG, ACTION_SUGGEST_REPLY, ACTION_RAISE_ALERT)
MODE_AUTOMATIC, MODE_MANUAL = "automatic", "manual"
RULE_MODES: tuple[str, ...] = (MODE_AUTOMATIC, MODE_MANUAL)
MATCH_APPLIED, MATCH_PROPOSED, MATCH_DISMISSED = "applied", "proposed", "dismissed"
MATCH_STATUSES: tuple[str, ...] = (MATCH_APPLIED, MATCH_PROPOSED, MATCH_DISMISSED)

# Alert kinds (alerts.kind): spikes of volume or negative sentiment, VIP detractors, workflow rules.
ALERT_VOLUME, ALERT_NEGATIVE, ALERT_VIP_DETRACTOR, ALERT_RULE = "volume", "negative", "vip_detractor", "rule"
ALERT_KINDS: tuple[str, ...] = (ALERT_VOLUME, ALERT_NEGATIVE, ALERT_VIP_DETRACTOR, ALERT_RULE)
ALERT_SEVERITIES: tuple[str, ...] = (HIGH, MEDIUM)  # alerts.severity

# Link methods (links.method); statuses are LINKED, SUGGESTED, REJECTED above.
METHOD_EMAIL, METHOD_HANDLE, METHOD_NAME_CITY, METHOD_MANUAL = "email", "handle", "name_city", "manual"
LINK_METHODS: tuple[str, ...] = (METHOD_EMAIL, METHOD_HANDLE, METHOD_NAME_CITY, METHOD_MANUAL)
# Identity review decisions (link_reviews.action); an undo is only in the audit log.
REVIEW_ACCEPT, REVIEW_REJECT, REVIEW_UNLINK, REVIEW_LINK, REVIEW_MERGE = "accept", "reject", "unlink", "link", "merge"
REVIEW_UNDO = "undo"
REVIEW_ACTIONS: tuple[str, ...] = (REVIEW_ACCEPT, REVIEW_REJECT, REVIEW_UNLINK, REVIEW_LINK, REVIEW_MERGE)

# Audit log actions (audit_log.action) and the actors that are not people (audit_log.actor,
# case_events.actor): `local` when access control is off, the command line, workflow rules.
AUDIT_IMPORT, AUDIT_EXPORT, AUDIT_ERASE, AUDIT_PURGE = "import", "export", "erase", "purge"
AUDIT_RULE, AUDIT_LINK, AUDIT_CASE, AUDIT_SETTINGS, AUDIT_LOGIN = "rule", "link", "case", "settings", "login"
AUDIT_SENTIMENT = "sentiment"  # a person corrected a mention's sentiment label
AUDIT_ACTIONS: tuple[str, ...] = (
    AUDIT_IMPORT, AUDIT_EXPORT, AUDIT_ERASE, AUDIT_PURGE, AUDIT_RULE, AUDIT_LINK, AUDIT_CASE, AUDIT_SETTINGS, AUDIT_LOGIN,
    AUDIT_SENTIMENT,
)  # fmt: skip
ACTOR_LOCAL, ACTOR_CLI, ACTOR_RULES = "local", "cli", "rules"

# Author roles and their relation to the shop (roles.role, .relation).
ROLE_NAMES: tuple[str, ...] = ("ambassador", "detractor", "advocate", "influencer", "none")
RELATIONS: tuple[str, ...] = ("prospect", "customer", "former_customer")
# Journey stages (journey.stage, journey_transitions.from_stage/.to_stage) and feedback phases (feedback_phases.phase).
JOURNEY_STAGES: tuple[str, ...] = ("aware", "engaged", "first_purchase", "repeat", "advocate", "at_risk", "lapsed")
JOURNEY_PHASES: tuple[str, ...] = ("pre_purchase", "purchase_delivery", "post_purchase", "support", "lapsed")
# Purchase frequency classes and RFM segments (customer_value.frequency_class, .rfm_segment).
FREQUENCY_CLASSES: tuple[str, ...] = ("frequent", "sporadic", "seasonal", "one-off")
RFM_SEGMENTS: tuple[str, ...] = (
    "Champions",
    "Loyal",
    "Potential Loyalists",
    "New Customers",
    "Promising",
    "Need Attention",
    "About to Sleep",
    "At Risk",
    "Can't Lose Them",
    "Hibernating",
    "Lost",
)
