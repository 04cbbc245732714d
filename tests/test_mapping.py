from __future__ import annotations

import json

import pytest

from scrm.errors import MappingError, MissingColumns, UnknownKind
from scrm.ingest import mapping as M


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Fecha_Pedido", "fecha pedido"),
        ("  Adresse E-mail ", "adresse e mail"),
        ("InvoiceNo", "invoice no"),
        ("CustomerID", "customer id"),
        ("Téléphone", "telephone"),
        ("MONTANT (€)", "montant"),
    ],
)
def test_headers_are_folded_for_matching(header: str, expected: str) -> None:
    assert M.normalise_header(header) == expected


@pytest.mark.parametrize(
    ("headers", "kind", "expected"),
    [
        (["Pedido", "Fecha", "Importe", "Cliente"], "orders",
         {"order_id": "Pedido", "ordered_at": "Fecha", "amount": "Importe", "customer_id": "Cliente"}),
        (["Commande", "Date", "Montant", "Client"], "orders",
         {"order_id": "Commande", "ordered_at": "Date", "amount": "Montant", "customer_id": "Client"}),
        (["InvoiceNo", "InvoiceDate", "Total", "CustomerID"], "orders",
         {"order_id": "InvoiceNo", "ordered_at": "InvoiceDate", "amount": "Total", "customer_id": "CustomerID"}),
        (["ID Cliente", "Nombre", "Correo electrónico", "Ciudad"], "customers",
         {"customer_id": "ID Cliente", "name": "Nombre", "email": "Correo electrónico", "city": "Ciudad"}),
        (["Code client", "Nom", "Courriel", "Ville", "Pays"], "customers",
         {"customer_id": "Code client", "name": "Nom", "email": "Courriel", "city": "Ville", "country": "Pays"}),
        (["tweet_id", "name", "text", "tweet_created"], "mentions",
         {"mention_id": "tweet_id", "text": "text", "posted_at": "tweet_created"}),
        (["Usuario", "Texto", "Fecha", "Red social"], "mentions",
         {"author": "Usuario", "text": "Texto", "posted_at": "Fecha", "platform": "Red social"}),
        (["email", "NPS", "Commentaire", "Date"], "surveys",
         {"customer": "email", "score": "NPS", "comment": "Commentaire", "answered_at": "Date"}),
    ],
)
def test_synonyms_in_english_spanish_and_french_find_canonical_columns(
    headers: list[str], kind: str, expected: dict[str, str]
) -> None:
    assert M.suggest_mapping(headers, kind) == expected


def test_a_canonical_header_wins_over_a_synonym_of_the_same_column() -> None:
    mapping = M.suggest_mapping(["total", "amount", "order_id", "ordered_at"], "orders")
    assert mapping["amount"] == "amount"


@pytest.mark.parametrize(
    ("headers", "kind"),
    [
        (["customer_id", "name", "email", "city"], "customers"),
        (["order_id", "customer_id", "date", "amount"], "orders"),
        (["author", "text", "posted_at", "platform"], "mentions"),
        (["customer", "score", "comment"], "surveys"),
        (["Pedido", "Fecha", "Importe"], "orders"),
    ],
)
def test_the_kind_of_a_file_is_detected_from_its_headers(headers: list[str], kind: str) -> None:
    assert M.detect_kind(headers) == kind


def test_a_file_matching_no_kind_is_not_guessed() -> None:
    assert M.detect_kind(["foo", "bar"]) is None


def test_missing_required_columns_are_named_with_their_synonyms() -> None:
    with pytest.raises(MissingColumns) as e:
        M.resolve_mapping(["Pedido", "Cliente"], "orders", file_name="ventas.csv")
    message = str(e.value)
    assert message.startswith("ventas.csv cannot be imported as orders: no columns for `ordered_at` (accepted headers: ordered_at, date,")
    assert "`amount` (accepted headers: amount, total," in message
    assert "Its headers are: Pedido, Cliente." in message
    # Pedido is the order number and Cliente the customer: no header is a date, so none is proposed.
    assert "--mapping '{\"ordered_at\": \"Your header\"}'" in message


def test_the_example_mapping_of_a_refusal_names_the_best_matching_header_not_the_first() -> None:
    with pytest.raises(MissingColumns) as e:
        M.resolve_mapping(["First Name", "Last Name", "Client Number", "Email"], "customers", file_name="c.csv")
    assert "--mapping '{\"customer_id\": \"Client Number\"}'" in str(e.value)


def test_a_customers_file_without_an_id_is_told_to_map_its_e_mail() -> None:
    with pytest.raises(MissingColumns) as e:
        M.resolve_mapping(["First Name", "Last Name", "E-mail address"], "customers", file_name="c.csv")
    assert "--mapping '{\"customer_id\": \"E-mail address\"}'" in str(e.value)


def test_a_spanish_orders_file_refused_on_the_command_line_is_told_which_header_to_map() -> None:
    with pytest.raises(MissingColumns) as e:
        M.resolve_mapping(["Nº pedido", "Fecha", "Importe", "Cliente"], "orders", file_name="ventas.csv")
    assert "--mapping '{\"order_id\": \"Nº pedido\"}'" in str(e.value)


def test_a_spanish_orders_file_is_proposed_as_orders_never_as_customers() -> None:
    import pandas as pd

    headers = ["Nº pedido", "Fecha", "Importe", "Cliente"]
    sample = pd.DataFrame([["1001", "05/03/2024", "12,50", "C1"], ["1002", "06/03/2024", "7", "C2"]], columns=headers)
    assert M.detect_kind(headers) == "orders"
    assert M.detect_kind(headers, sample) == "orders"


def test_an_explicit_mapping_overrides_synonyms_and_fills_the_gaps() -> None:
    mapping = M.resolve_mapping(["Ref", "Cuando", "Importe"], "orders", {"order_id": "Ref", "ordered_at": "Cuando"}, "f.csv")
    assert mapping == {"order_id": "Ref", "ordered_at": "Cuando", "amount": "Importe"}


def test_an_explicit_mapping_to_an_absent_header_is_refused_with_the_headers() -> None:
    with pytest.raises(MappingError) as e:
        M.resolve_mapping(["Ref", "Importe"], "orders", {"order_id": "Reference"}, "f.csv")
    assert str(e.value) == (
        "The mapping maps `order_id` to 'Reference', but f.csv has no such header. Its headers are: Ref, Importe."
    )


def test_an_explicit_mapping_with_an_unknown_canonical_column_is_refused() -> None:
    with pytest.raises(MappingError) as e:
        M.resolve_mapping(["Ref"], "orders", {"price": "Ref"}, "f.csv")
    assert str(e.value).startswith("The mapping names 'price', which is not a column of orders. Use one of: order_id,")


def test_an_unknown_kind_lists_the_accepted_kinds() -> None:
    with pytest.raises(UnknownKind) as e:
        M.resolve_mapping(["a"], "invoices")
    assert str(e.value) == "Unknown kind 'invoices': use one of customers, orders, mentions, surveys."


def test_a_mapping_is_read_from_json_text_and_from_a_file(tmp_path) -> None:
    assert M.parse_mapping('{"amount": "Total"}') == {"amount": "Total"}
    path = tmp_path / "m.json"
    path.write_text(json.dumps({"amount": "Montant"}), encoding="utf-8")
    assert M.parse_mapping(str(path)) == {"amount": "Montant"}


@pytest.mark.parametrize(
    ("value", "start"),
    [
        ('{"amount": ', "The mapping is not valid JSON (Expecting value at character 11)."),
        ('{"amount": 3}', "The mapping must be a JSON object of canonical column to header"),
        ("no-such-preset-or-file", "The mapping 'no-such-preset-or-file' is neither a preset, a JSON object nor a JSON file."),
    ],
)
def test_a_malformed_mapping_is_refused_with_an_example(value: str, start: str) -> None:
    with pytest.raises(MappingError) as e:
        M.parse_mapping(value)
    assert str(e.value).startswith(start)


def test_an_explicit_empty_header_leaves_a_column_unmapped_even_if_a_synonym_matches() -> None:
    mapping = M.resolve_mapping(["Pedido", "Fecha", "Importe", "Cliente"], "orders", {"customer_id": ""}, "f.csv")
    assert "customer_id" not in mapping and mapping["amount"] == "Importe"


def test_an_explicit_empty_header_for_a_required_column_still_reports_it_missing() -> None:
    with pytest.raises(MissingColumns):
        M.resolve_mapping(["Pedido", "Fecha", "Importe"], "orders", {"amount": ""}, "f.csv")
