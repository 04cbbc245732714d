"""Reply templates in the customer's language.

A rule's reply template is written in English; when it opens a case on a
Spanish or French mention, the case carries the template in that language
(the translations live in the ``ui`` catalogs next to the interface's). A
template nobody translated stays as written: a team that writes its own
template in Spanish gets it back unchanged.

>>> localise_template(HELP_TEMPLATE, "es")[:26]
'Hola, sentimos lo ocurrido'
>>> localise_template("Our own words", "fr")
'Our own words'
"""

from __future__ import annotations

from scrm.i18n import LANGUAGES, catalog

# The templates the product ships, each translated into every offered language (a test holds it).
HELP_TEMPLATE = (
    "Hi, sorry to hear that. We want to sort this out: please send us a direct message with your order "
    "number and we will get back to you today."
)
SHIPPED_TEMPLATES: tuple[str, ...] = (HELP_TEMPLATE,)


def template_language(mention_lang: str | None) -> str:
    """The language to answer a mention in: its own when offered (es, fr), else English.

    >>> template_language("es"), template_language("fr-FR"), template_language("de"), template_language(None)
    ('es', 'fr', 'en', 'en')
    """
    base = (mention_lang or "").replace("_", "-").split("-")[0].strip().lower()
    return base if base in LANGUAGES else "en"


def localise_template(template: str | None, mention_lang: str | None) -> str | None:
    """``template`` in the language of the customer's mention, when a translation exists; else as written."""
    if not template:
        return template
    lang = template_language(mention_lang)
    if lang == "en":
        return template
    return catalog(lang).get(template, template)
