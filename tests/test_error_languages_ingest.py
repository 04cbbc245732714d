"""A file the importer refuses is explained in the reader's language on the Data page.

Every refusal of the import path (an empty or unreadable file, a missing column, a
bad mapping or preset, a file over a limit) is an error made from a message: its
English sentence is what the command line and the logs have always printed, and the
same error renders in Spanish and French, the file's own words (names, headers,
values) kept as the file wrote them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlite_utils
from streamlit.testing.v1 import AppTest

from scrm import api
from scrm.errors import FileTooLarge, ImportRejected, MappingError, MissingColumns, ScrmError, UnknownPreset
from scrm.i18n.messages import Message

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
TIMEOUT = 60

# Words of the English sentences that no Spanish or French one uses.
ENGLISH = re.compile(
    r"\b(the|is|not|has|have|with|and|could|cannot|file|files|columns?|headers?|rows?|import|imported|mapping|"
    r"preset|presets|Check|Export|Save|again|such|which|empty|nothing|larger|split|smaller|raise|limit|"
    r"environment|holds|fields?|explicitly|Rename|Unknown|mean|read|item|list|object|number|try)\b"
)
ORDERS_WITHOUT_AMOUNT = b"Ref,When\nA1,2024-03-05\n"


def data_words(message: Message) -> list[str]:
    """The file's own words a message quotes (names, headers, values): every text value inside it."""
    found: list[str] = []
    for value in message.values.values():
        if isinstance(value, Message):
            found += data_words(value)
        elif isinstance(value, str):
            found.append(value)
    return sorted(found, key=len, reverse=True)


def english_left(error: ScrmError, lang: str) -> list[str]:
    """English words in the error as ``lang`` writes it, once the file's own words are taken out."""
    text = error.render(lang)
    for word in data_words(error.message):
        text = text.replace(word, " ")
    return ENGLISH.findall(text)


def refusal(db: sqlite_utils.Database, data: bytes, kind: str = "orders", mapping: object = None,
            name: str | None = "ventas.csv") -> ScrmError:
    with pytest.raises(ScrmError) as caught:
        api.import_file(db, data, kind, file_name=name, mapping=mapping, actor="test", score_after=False)
    return caught.value


REFUSED = {
    "empty": (b"", None, ImportRejected,
              "ventas.csv is empty: there is nothing to import. Export the data again and check the file has a "
              "header row and at least one row."),
    "header only": (b"order_id,ordered_at,amount\n", None, ImportRejected,
                    "ventas.csv has a header row but no data rows. Export the data again with its rows."),
    "an image": (b"\x89PNG\r\n\x1a\n....", None, ImportRejected,
                 "ventas.csv could not be read as CSV, Excel or JSON (it is a PNG image). Save it as CSV (UTF-8) or "
                 "XLSX and try again."),
    "a wide row": (b"a,b\n1,2,3,4\n", None, ImportRejected,
                   "ventas.csv row 2: the row has 4 fields but the header has 2. Check for an unquoted delimiter or "
                   "a missing closing quote."),
    "missing columns": (ORDERS_WITHOUT_AMOUNT, {"order_id": "Ref", "ordered_at": "When"}, MissingColumns,
                        "ventas.csv cannot be imported as orders: no column for `amount` (accepted headers: amount, "
                        "total, order total, value, revenue, sales, price, amount paid, importe, ...). Its headers "
                        "are: Ref, When. Rename the column in the file, or map it explicitly (the column boxes on "
                        "the Data page, or --mapping '{\"amount\": \"Your header\"}' on the command line)."),
    "a preset on another export": (ORDERS_WITHOUT_AMOUNT, "shopify-orders", MissingColumns,
                                   "ventas.csv cannot be imported with the preset 'shopify-orders': no columns "
                                   "`Name`, `Created at`. Its headers are: Ref, When. The preset reads files with "
                                   "the columns Name, Created at; use it only on that export, or import the file "
                                   "without a preset."),
    "a preset of another kind": (ORDERS_WITHOUT_AMOUNT, "hubspot-contacts", ImportRejected,
                                 "The preset 'hubspot-contacts' imports customers, not orders. Import it as "
                                 "customers (python -m scrm import customers FILE --mapping hubspot-contacts)."),
    "an unknown preset": (ORDERS_WITHOUT_AMOUNT, "zzz", UnknownPreset,
                          "Unknown mapping preset 'zzz': the presets for orders are online-retail, cdnow, "
                          "shopify-orders, woocommerce-orders, prestashop-orders, magento-orders, stripe-payments; "
                          "or give a JSON object such as {\"amount\": \"Total\"}, or a .json file."),
    "a mapping of numbers": (ORDERS_WITHOUT_AMOUNT, '{"amount": 5}', MappingError,
                                        "The mapping must be a JSON object of canonical column to header, such as "
                                        "{\"amount\": \"Total\"}."),
    "a mapping to an absent header": (ORDERS_WITHOUT_AMOUNT, {"amount": "Total"}, MappingError,
                                      "The mapping maps `amount` to 'Total', but ventas.csv has no such header. Its "
                                      "headers are: Ref, When."),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_a_refused_file_keeps_its_english_sentence_and_reads_in_spanish_and_french(
    fresh_db: sqlite_utils.Database, case: str
) -> None:
    data, mapping, kind_of_error, english = REFUSED[case]
    error = refusal(fresh_db, data, mapping=mapping)
    assert type(error) is kind_of_error
    assert str(error) == english
    for lang in ("es", "fr"):
        assert error.render(lang) != english
        assert english_left(error, lang) == [], error.render(lang)


def test_the_missing_column_sentence_names_the_data_pages_boxes_in_spanish_not_the_command_line(
    fresh_db: sqlite_utils.Database,
) -> None:
    error = refusal(fresh_db, ORDERS_WITHOUT_AMOUNT, mapping={"order_id": "Ref", "ordered_at": "When"})
    assert error.render("es") == (
        "ventas.csv no se puede importar como pedidos: no hay ninguna columna para `amount` (encabezados aceptados: "
        "amount, total, order total, value, revenue, sales, price, amount paid, importe, ...). Sus encabezados son: "
        "Ref, When. Cambia el nombre de la columna en el archivo o asígnala tú en las casillas de columnas de la "
        "página Datos (por ejemplo, {\"amount\": \"Your header\"})."
    )
    assert "--mapping" not in error.render("fr") and "page Données" in error.render("fr")


def test_an_upload_without_a_name_is_the_uploaded_file_in_every_language(fresh_db: sqlite_utils.Database) -> None:
    error = refusal(fresh_db, b" \n", name=None)
    assert str(error).startswith("The uploaded file is empty:")
    assert error.render("es").startswith("El archivo subido está vacío:")
    assert error.render("fr").startswith("Le fichier envoyé est vide :")


def test_a_file_over_the_size_limit_names_the_limit_in_the_readers_units(
    fresh_db: sqlite_utils.Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCRM_MAX_FILE_MB", "1")
    error = refusal(fresh_db, b"order_id\n" + b"1\n" * 600_000)
    assert isinstance(error, FileTooLarge)
    assert str(error) == (
        "ventas.csv is larger than 1 MB, the most scrm reads from one file: split it into smaller files, or raise "
        "the limit with the environment variable SCRM_MAX_FILE_MB."
    )
    assert error.render("fr") == (
        "ventas.csv dépasse 1 Mo, le maximum que scrm lit dans un fichier : découpez-le en fichiers plus petits, "
        "ou relevez la limite avec la variable d’environnement SCRM_MAX_FILE_MB."
    )
    assert english_left(error, "es") == []


def test_a_file_over_the_row_limit_writes_the_limit_with_the_locales_digits(
    fresh_db: sqlite_utils.Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCRM_MAX_ROWS", "12000")
    error = refusal(fresh_db, b"order_id\n" + b"1\n" * 12_001)
    assert isinstance(error, FileTooLarge)
    assert "has more than 12,000 rows" in str(error)
    assert "tiene más de 12.000 filas" in error.render("es")
    assert "a plus de 12\u202f000 lignes" in error.render("fr")
    assert english_left(error, "es") == english_left(error, "fr") == []


def test_a_date_column_that_reads_both_ways_names_the_dates_box_in_french(fresh_db: sqlite_utils.Database) -> None:
    data = b"order_id,ordered_at,amount,customer_id\n1,05/03/24,1,C1\n"
    error = refusal(fresh_db, data)
    assert "--day-first or --month-first" in str(error)
    assert error.render("fr") == (
        "ventas.csv, colonne `ordered_at` : des dates comme « 05/03/24 » se lisent aussi bien 5 mars 2024 (jour en "
        "premier) que 3 mai 2024 (mois en premier), et aucune valeur ne tranche : indiquez l’ordre dans le champ "
        "« Dates comme 05/03/24 » de la page Données."
    )


def test_an_export_of_another_kind_is_refused_in_spanish_without_the_command_line(
    fresh_db: sqlite_utils.Database,
) -> None:
    shopify = (Path(__file__).parent / "fixtures" / "commerce" / "shopify_orders.csv").read_bytes()
    error = refusal(fresh_db, shopify, kind="customers", name="pedidos.csv")
    assert "(python -m scrm import orders FILE)" in str(error)
    assert error.render("es") == (
        "pedidos.csv parece «Shopify orders export, preajuste shopify-orders», que importa pedidos, no clientes: "
        "impórtalo como pedidos, o elige tú las columnas para leerlo igualmente como clientes."
    )


@pytest.mark.parametrize(("name", "english"), [
    ("mi mapeo!", "'mi mapeo!' cannot name a mapping: use up to 60 letters, digits, - or _, starting with a letter "
                  "or a digit, such as shop-orders."),
    ("shopify-orders", "'shopify-orders' is the name of a built-in preset: choose another name for your mapping."),
])
def test_a_mapping_name_refused_on_saving_reads_in_spanish_and_french(
    fresh_db: sqlite_utils.Database, name: str, english: str
) -> None:
    with pytest.raises(MappingError) as caught:
        api.save_mapping(fresh_db, name, "orders", {"amount": "Total"}, actor="test")
    assert str(caught.value) == english
    for lang in ("es", "fr"):
        assert english_left(caught.value, lang) == [], caught.value.render(lang)


# --- the Data page ---------------------------------------------------------------------------------


def data_page(lang: str, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """The Data page for a reader whose browser asks for ``lang`` (the select boxes' labels are
    written in it between runs too, as the test sets their values outside a run)."""
    from scrm.ui import language

    monkeypatch.setattr(language, "_from_browser", lambda: lang)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    at.switch_page("pages/data.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def red_boxes(at: AppTest) -> list[str]:
    """The page's error boxes as a reader sees them (the markdown escapes taken out)."""
    return [re.sub(r"\\(.)", r"\1", e.value) for e in at.error]


def test_the_data_page_in_spanish_explains_a_file_without_the_presets_columns_in_spanish(
    empty_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = data_page("es", monkeypatch)
    at.file_uploader[0].set_value(("ventas.csv", ORDERS_WITHOUT_AMOUNT, "text/csv")).run()
    next(s for s in at.selectbox if s.label == "Preajuste").set_value("shopify-orders").run()
    assert not at.exception, [e.value for e in at.exception]
    at.form_submit_button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert red_boxes(at) == [
        "ventas.csv no se puede importar con el preajuste «shopify-orders»: no tiene las columnas `Name`, "
        "`Created at`. Sus encabezados son: Ref, When. El preajuste lee archivos con las columnas Name, Created at; "
        "úsalo solo con esa exportación, o importa el archivo sin preajuste."
    ]


def test_the_data_page_in_french_explains_an_empty_upload_in_french(
    empty_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = data_page("fr", monkeypatch)
    at.file_uploader[0].set_value(("vide.csv", b"", "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert red_boxes(at) == [
        "vide.csv est vide : il n’y a rien à importer. Exportez à nouveau les données et vérifiez que le fichier a "
        "une ligne d’en-tête et au moins une ligne."
    ]
