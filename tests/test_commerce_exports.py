"""Shop, CRM and survey exports as their tools write them: detected from the
headers, imported without a mapping, and imported again without adding anything.

The fixtures under ``tests/fixtures/commerce`` were written for these tests in
the documented shape of each export (headers, header rows, date and money
formats); they hold no real person.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlite_utils

from scrm.ingest import import_file, preview_file
from scrm.ingest.presets import PRESETS, detect

FIXTURES = Path(__file__).parent / "fixtures" / "commerce"


def rows(db: sqlite_utils.Database, sql: str) -> list[tuple]:
    return [tuple(r) for r in db.execute(sql)]


def imported_twice(db: sqlite_utils.Database, name: str, kind: str):
    """The first import's result; asserts that a second import of the same file adds and changes nothing."""
    first = import_file(db, FIXTURES / name, kind)
    again = import_file(db, FIXTURES / name, kind)
    assert (again.new, again.updated, again.unchanged) == (0, 0, first.new)
    return first


# --- the three bugs of the issue -----------------------------------------------------------


def test_a_blank_e_mail_in_one_row_no_longer_quarantines_the_valid_e_mails_of_the_others(fresh_db) -> None:
    text = "customer_id,name,email\nC1,Ana,\nC2,Bo,bo@example.com\nC3,Cy,cy@example.com\n"
    result = import_file(fresh_db, text.encode(), "customers", file_name="customers.csv")
    assert (result.new, result.rejected) == (3, 0)
    assert rows(fresh_db, "SELECT customer_id, email FROM customers ORDER BY customer_id") == [
        ("C1", None), ("C2", "bo@example.com"), ("C3", "cy@example.com")
    ]


def test_a_survey_file_without_ids_and_a_word_for_a_score_imports_the_rest_and_quarantines_that_row(fresh_db) -> None:
    text = "customer,score\nC1,9\nC2,abc\n"
    result = import_file(fresh_db, text.encode(), "surveys", file_name="nps.csv")
    assert (result.new, result.rejected) == (1, 1)
    assert rows(fresh_db, "SELECT customer_id, score FROM surveys") == [("C1", 9)]
    assert result.problems == ["nps.csv row 3, column `score`: 'abc' is not a whole number. Use digits only, such as 12."]


def test_a_shopify_orders_export_keeps_every_order_with_its_total(fresh_db) -> None:
    result = imported_twice(fresh_db, "shopify_orders.csv", "orders")
    assert result.detected == "Shopify orders export, preset shopify-orders"
    assert (result.rows_read, result.new, result.duplicates, result.rejected) == (7, 4, 0, 0)
    assert "3 item lines folded into 2 orders (one line per item in the file; each order counted once)." in result.notes
    assert rows(fresh_db, "SELECT order_id, customer_id, ordered_at, amount, currency, items FROM orders ORDER BY order_id") == [
        ("#1001", "ana@example.com", "2024-03-05T19:02:11", 53.40, "EUR", 3),
        ("#1002", "bo@example.com", "2024-03-06T09:00:00", 11.50, "EUR", 1),
        ("#1003", "cy@example.com", "2024-03-08T07:30:00", 1020.00, "EUR", 8),
        ("#1004", None, "2024-03-08T08:15:00", 25.00, "EUR", 1),
    ]
    assert rows(fresh_db, "SELECT ROUND(SUM(amount), 2) FROM orders") == [(1109.90,)]


def test_orders_mapped_by_hand_with_one_line_per_item_are_folded_too(fresh_db) -> None:
    text = "Order,Date,Total,Product\nA1,2024-03-05,30.00,Mug\nA1,2024-03-05,,Teapot\nA2,2024-03-06,5.00,Tea\n"
    result = import_file(fresh_db, text.encode(), "orders", file_name="o.csv",
                         mapping={"order_id": "Order", "ordered_at": "Date", "amount": "Total"})
    assert (result.new, result.duplicates, result.rejected) == (2, 0, 0)
    assert rows(fresh_db, "SELECT order_id, amount FROM orders ORDER BY order_id") == [("A1", 30.0), ("A2", 5.0)]
    assert "1 item line folded into 1 order (one line per item in the file; each order counted once)." in result.notes


def test_line_amounts_are_summed_when_no_line_holds_the_order_total() -> None:
    import pandas as pd

    from scrm.ingest.lines import fold_order_lines

    frame = pd.DataFrame({"order_id": ["A", "A", "B"], "ordered_at": ["2024-01-01", "", "2024-01-02"],
                          "amount": [None, None, None], "_line_amount": ["10.00", "2.50", "4"]}, index=[2, 3, 4])
    folded, lines, orders = fold_order_lines(frame)
    assert (lines, orders) == (1, 1)
    assert folded.loc[2, "amount"] == "12.50" and folded.loc[4, "amount"] == "4.00"
    assert list(folded.index) == [2, 4]


# --- shops -----------------------------------------------------------------------------------


def test_a_shopify_customers_export_without_ids_is_keyed_by_e_mail(fresh_db) -> None:
    result = imported_twice(fresh_db, "shopify_customers.csv", "customers")
    assert result.detected == "Shopify customers export, preset shopify-customers"
    assert rows(fresh_db, "SELECT customer_id, name, email, country, consent_marketing FROM customers ORDER BY 1") == [
        ("ana@example.com", "Ana Ruiz", "ana@example.com", "ES", 1),
        ("bo@example.com", "Bo Lind", "bo@example.com", "FR", 0),
        ("cy@example.com", "Cy Park", "cy@example.com", "FR", 1),
    ]


def test_shopify_customers_with_ids_and_shopify_orders_meet_on_the_e_mail(fresh_db) -> None:
    # Newer customer exports carry a Customer ID (with a leading apostrophe); the orders export
    # names its customers only by e-mail, so both files must key customers by e-mail.
    customers = (
        "Customer ID,First Name,Last Name,Email,Accepts Email Marketing,Default Address Country Code,"
        "Total Spent,Total Orders\n"
        "'7081234567890,Ana,Ruiz,Ana@Example.com,yes,ES,53.40,1\n"
        "'7081234567891,Bo,Lind,bo@example.com,no,FR,11.50,1\n"
        "'7081234567892,Dee,Phone,,no,FR,0.00,0\n"
    )
    import_file(fresh_db, customers.encode(), "customers", file_name="customers_export.csv")
    import_file(fresh_db, FIXTURES / "shopify_orders.csv", "orders")
    assert rows(fresh_db, "SELECT customer_id FROM customers ORDER BY 1") == [
        ("7081234567892",), ("ana@example.com",), ("bo@example.com",),
    ]
    linked = rows(fresh_db, "SELECT count(*) FROM orders o JOIN customers c USING (customer_id) "
                            "WHERE o.customer_id IN ('ana@example.com', 'bo@example.com')")
    assert linked[0][0] == len(rows(fresh_db, "SELECT order_id FROM orders WHERE customer_id IN "
                                              "('ana@example.com', 'bo@example.com')")) > 0


def test_a_woocommerce_export_with_one_row_per_item_counts_each_order_once(fresh_db) -> None:
    result = imported_twice(fresh_db, "woocommerce_orders.csv", "orders")
    assert (result.rows_read, result.new, result.rejected) == (5, 3, 0)
    assert rows(fresh_db, "SELECT order_id, customer_id, ordered_at, amount, items FROM orders ORDER BY 1") == [
        ("501", "ana@example.com", "2024-03-05T14:02:11", 53.40, 3),
        ("502", "bo@example.com", "2024-03-06T10:00:00", 11.50, 1),
        ("503", "cy@example.com", "2024-03-07T23:30:00", 1020.00, 7),
    ]


def test_a_french_prestashop_export_reads_its_euro_totals_and_day_first_dates(fresh_db) -> None:
    result = imported_twice(fresh_db, "prestashop_orders_fr.csv", "orders")
    assert result.detected == "PrestaShop orders export (English, French or Spanish shop), preset prestashop-orders"
    assert rows(fresh_db, "SELECT order_id, customer_id, ordered_at, amount, currency FROM orders ORDER BY 1") == [
        ("1", "A. Ruiz", "2024-03-05T14:02:11", 53.40, "EUR"),
        ("2", "B. Lind", "2024-03-16T10:00:00", 11.50, "EUR"),
        ("3", "C. Park", "2024-03-07T23:30:00", 1020.00, "EUR"),
    ]


def test_a_spanish_magento_export_reads_spanish_month_names(fresh_db) -> None:
    result = imported_twice(fresh_db, "magento_orders_es.csv", "orders")
    assert result.detected == "Magento orders export (English, French or Spanish admin), preset magento-orders"
    assert rows(fresh_db, "SELECT order_id, customer_id, ordered_at, amount, currency FROM orders ORDER BY 1") == [
        ("000000101", "ana@example.com", "2024-03-05T14:02:11", 53.40, "EUR"),
        ("000000102", "bo@example.com", "2024-03-16T10:00:00", 11.50, "EUR"),
        ("000000103", "Cy Park", "2024-04-07T23:30:00", 1020.00, "EUR"),
    ]


def test_a_stripe_export_is_keyed_by_the_charge_id_not_the_invoice_number(fresh_db) -> None:
    result = imported_twice(fresh_db, "stripe_payments.csv", "orders")
    assert (result.new, result.duplicates, result.rejected) == (3, 0, 1)
    assert rows(fresh_db, "SELECT order_id, customer_id, ordered_at, amount, currency FROM orders ORDER BY 3") == [
        ("ch_3OqA1aB2c3D4e5F6", "ana@example.com", "2024-03-05T19:02:00", 53.40, "EUR"),
        ("ch_3OqB1aB2c3D4e5F7", "bo@example.com", "2024-03-06T09:00:00", 11.50, "EUR"),
        ("ch_3OqC1aB2c3D4e5F8", "cus_PcCc3", "2024-03-08T07:30:00", 1020.00, "EUR"),
    ]
    assert "a payment that did not go through is not an order" in result.problems[0]


# --- CRMs and mailing lists ----------------------------------------------------------------------


def test_a_hubspot_export_is_keyed_by_record_id_with_its_us_short_dates(fresh_db) -> None:
    imported_twice(fresh_db, "hubspot_contacts.csv", "customers")
    assert rows(fresh_db, "SELECT customer_id, name, email, account, created_at FROM customers ORDER BY 1") == [
        ("51", "Ana Ruiz", "ana@example.com", None, "2024-02-05T13:51:00"),
        ("52", "Bo Lind", "bo@example.com", "Lind AB", "2024-02-14T09:05:00"),
        ("53", "Cy", "cy@example.com", None, "2024-03-01T11:00:00"),
    ]


def test_a_salesforce_export_keeps_the_contact_id_and_reads_the_opt_out_as_consent(fresh_db) -> None:
    imported_twice(fresh_db, "salesforce_contacts.csv", "customers")
    assert rows(fresh_db, "SELECT customer_id, name, created_at, consent_marketing FROM customers ORDER BY 1") == [
        ("0035g00000AbCdEAAA", "Ana Ruiz", "2024-03-05T14:02:11", 1),
        ("0035g00000AbCdFAAA", "Bo Lind", "2024-03-06T09:00:00", 0),
    ]


def test_a_mailchimp_audience_is_keyed_by_e_mail(fresh_db) -> None:
    imported_twice(fresh_db, "mailchimp_audience.csv", "customers")
    assert rows(fresh_db, "SELECT customer_id, name, country, created_at FROM customers ORDER BY 1") == [
        ("ana@example.com", "Ana Ruiz", "ES", "2024-03-05T14:02:11"),
        ("bo@example.com", "Bo Lind", "FR", "2024-03-06T09:00:00"),
    ]


# --- surveys -------------------------------------------------------------------------------------


def test_a_qualtrics_export_skips_its_two_extra_header_rows_and_reads_its_time_zone(fresh_db) -> None:
    result = imported_twice(fresh_db, "qualtrics.csv", "surveys")
    assert (result.rows_read, result.new, result.rejected) == (2, 2, 0)
    assert rows(fresh_db, "SELECT survey_id, customer_id, email, score, comment, answered_at FROM surveys ORDER BY 1") == [
        ("R_1aBcDeFgHiJkLmN", None, "ana@example.com", 9, "Fast delivery", "2024-03-05T17:02:12"),
        ("R_2aBcDeFgHiJkLmO", "C2", None, 3, "Broken mug, no answer", "2024-03-07T03:05:01"),
    ]


def test_a_surveymonkey_export_reads_its_two_row_header_and_us_dates(fresh_db) -> None:
    result = imported_twice(fresh_db, "surveymonkey.csv", "surveys")
    assert (result.rows_read, result.new) == (2, 2)
    assert rows(fresh_db, "SELECT survey_id, customer_id, email, score, comment, answered_at FROM surveys ORDER BY 1") == [
        ("114227061000", None, "ana@example.com", 10, "Great tea", "2024-03-05T10:02:11"),
        ("114227062000", "C2", None, 6, None, "2024-03-06T20:05:00"),
    ]


def test_a_typeform_export_takes_the_recommend_question_as_the_score(fresh_db) -> None:
    imported_twice(fresh_db, "typeform.csv", "surveys")
    assert rows(fresh_db, "SELECT survey_id, email, score, comment, answered_at FROM surveys ORDER BY 1") == [
        ("a1b2c3d4e5f6g7h8", "ana@example.com", 9, "Nothing", "2024-03-05T10:02:11"),
        ("b1b2c3d4e5f6g7h9", "bo@example.com", 4, "Faster shipping", "2024-03-06T20:05:00"),
    ]


def test_a_google_forms_nps_sheet_is_detected_by_its_recommend_question(fresh_db) -> None:
    result = imported_twice(fresh_db, "google_forms.csv", "surveys")
    assert result.detected == "Google Forms NPS responses, preset google-forms-nps"
    assert rows(fresh_db, "SELECT email, score, comment, answered_at FROM surveys ORDER BY 4") == [
        ("ana@example.com", 10, "Love it", "2024-03-05T10:02:11"),
        ("bo@example.com", 7, None, "2024-03-16T20:05:00"),
    ]


# --- detection ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind", "preset"),
    [
        ("shopify_orders.csv", "orders", "shopify-orders"),
        ("shopify_customers.csv", "customers", "shopify-customers"),
        ("woocommerce_orders.csv", "orders", "woocommerce-orders"),
        ("prestashop_orders_fr.csv", "orders", "prestashop-orders"),
        ("magento_orders_es.csv", "orders", "magento-orders"),
        ("stripe_payments.csv", "orders", "stripe-payments"),
        ("hubspot_contacts.csv", "customers", "hubspot-contacts"),
        ("salesforce_contacts.csv", "customers", "salesforce-contacts"),
        ("mailchimp_audience.csv", "customers", "mailchimp-audience"),
        ("qualtrics.csv", "surveys", "qualtrics"),
        ("surveymonkey.csv", "surveys", "surveymonkey"),
        ("typeform.csv", "surveys", "typeform"),
        ("google_forms.csv", "surveys", "google-forms-nps"),
    ],
)
def test_each_export_is_recognised_from_its_headers_for_the_data_page(name: str, kind: str, preset: str) -> None:
    preview = preview_file(FIXTURES / name)
    assert (preview.preset, preview.kind) == (preset, kind)
    assert preview.detected is not None and preview.detected.endswith(f"preset {preset}")


def test_a_file_of_our_own_columns_is_not_taken_for_an_export() -> None:
    assert detect(["order_id", "date", "amount", "customer"], "orders") is None
    assert detect(["customer_id", "name", "email"]) is None


def test_a_named_mapping_overrides_the_detected_preset(fresh_db) -> None:
    result = import_file(fresh_db, FIXTURES / "stripe_payments.csv", "orders",
                         mapping={"order_id": "Invoice Number", "ordered_at": "Created date (UTC)", "amount": "Amount"})
    assert result.detected is None
    assert (result.new, result.duplicates, result.rejected) == (2, 1, 1)  # what the user asked for


def test_every_commerce_preset_documents_itself_and_is_found_by_name() -> None:
    for name in ("shopify-orders", "stripe-payments", "hubspot-contacts", "qualtrics", "google-forms-nps"):
        assert PRESETS[name].description.endswith(".")


def test_an_english_prestashop_export_reads_its_us_dates_month_first(fresh_db) -> None:
    imported_twice(fresh_db, "prestashop_orders_en.csv", "orders")
    assert rows(fresh_db, "SELECT order_id, customer_id, ordered_at, amount, currency FROM orders ORDER BY 1") == [
        ("11", "J. DOE", "2024-03-05T14:02:11", 53.40, "USD"),
        ("12", "J. ROE", "2024-03-06T09:00:00", 1020.00, "USD"),
    ]


def test_the_google_forms_csv_download_reads_its_time_zone_suffix(fresh_db) -> None:
    result = imported_twice(fresh_db, "google_forms_download.csv", "surveys")
    assert result.detected == "Google Forms NPS responses, preset google-forms-nps"
    assert rows(fresh_db, "SELECT email, score, comment, answered_at FROM surveys ORDER BY 4") == [
        ("ana@example.com", 10, None, "2024-03-05T09:02:11"),
        ("bo@example.com", 6, "Answer e-mails faster", "2024-03-06T20:58:41"),
    ]


def test_a_saved_mapping_needs_a_plain_name_that_no_preset_uses(fresh_db) -> None:
    from scrm import api
    from scrm.errors import MappingError

    with pytest.raises(MappingError, match="is the name of a built-in preset"):
        api.save_mapping(fresh_db, "shopify-orders", "orders", {"order_id": "Ref"}, actor="cli")
    with pytest.raises(MappingError, match="cannot name a mapping"):
        api.save_mapping(fresh_db, "my shop!", "orders", {"order_id": "Ref"}, actor="cli")
    with pytest.raises(MappingError, match="not a column of orders"):
        api.save_mapping(fresh_db, "shop", "orders", {"order_no": "Ref"}, actor="cli")
    api.save_mapping(fresh_db, "shop", "orders", {"order_id": "Ref", "ordered_at": "When", "amount": "Total"}, actor="cli")
    with pytest.raises(Exception, match="imports orders, not customers"):
        import_file(fresh_db, b"Ref,When,Total\nA,2024-01-01,1\n", "customers", file_name="c.csv", mapping="shop")
    assert [r[0] for r in fresh_db.execute("SELECT action FROM audit_log")] == ["settings"]


def test_an_export_imported_as_the_wrong_kind_is_refused_naming_the_right_one(fresh_db) -> None:
    from scrm.errors import ImportRejected

    with pytest.raises(ImportRejected) as e:
        import_file(fresh_db, FIXTURES / "shopify_orders.csv", "customers")
    assert str(e.value) == (
        "shopify_orders.csv looks like the Shopify orders export, preset shopify-orders, which imports orders, "
        "not customers: import it as orders (python -m scrm import orders FILE), or give --mapping to read it as "
        "customers anyway."
    )


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_saving_a_mapping_again_replaces_it_and_keeps_who_made_it_on_both_engines(engine: str, tmp_path, request) -> None:
    from scrm import api
    from scrm.db import store
    from scrm.ingest import saved

    db = store.open_db(request.getfixturevalue("pg_url") if engine == "postgresql" else tmp_path / "scrm.db")
    try:
        api.save_mapping(db, "shop", "orders", {"order_id": "Ref"}, actor="ana")
        api.save_mapping(db, "shop", "orders", {"order_id": "Number", "amount": "Total"}, actor="bo")
        assert saved.load_mapping(db, "shop") == ("orders", {"order_id": "Number", "amount": "Total"})
        assert db.execute("SELECT count(*), max(created_by) FROM mappings").fetchone() == (1, "ana")
    finally:
        db.close()
