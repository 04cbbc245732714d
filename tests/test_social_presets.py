"""Social networks' exports, review sites and listening tools, each on a fixture written in its documented shape.

The fixtures in ``tests/fixtures/social`` were written for these tests from the
formats' public documentation (API references, the tools' column lists); no
third-party file is copied. Each test checks the count, the key fields (handle
not JSON, platform not client app, dates in UTC, replies linked) and that a
second import adds nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from scrm.ingest import import_file
from scrm.ingest.preset_types import detect_preset
from scrm.ingest.readers import read_table
from scrm.ingest.social import SOCIAL_PRESETS

FIXTURES = Path(__file__).parent / "fixtures" / "social"

# file, preset, mentions, {mention_id: {column: value}}
CASES: list[tuple[str, str, int, dict[str, dict[str, Any]]]] = [
    ("twitter_v1_search.json", "twitter-v1", 2, {
        "1050118600000000001": {
            "platform": "twitter", "author": "anaruiz", "author_name": "Ana Ruiz", "client": "Twitter for iPhone",
            "posted_at": "2018-10-10T20:19:24", "likes": 7, "shares": 2, "author_followers": 1520, "lang": "es",
            "text": "Mi pedido lleva 3 semanas sin llegar @AcmeShop & nadie responde", "kind": "post",
            "url": "https://twitter.com/anaruiz/status/1050118600000000001",
        },
        "1050129300000000002": {"in_reply_to": "1050118600000000001", "kind": "reply", "client": "TweetDeck"},
    }),
    ("twitter_v1_timeline.jsonl", "twitter-v1", 2, {
        "850006245121695744": {"author": "devuser", "client": "Twitter Web Client", "posted_at": "2017-04-06T15:24:15",
                               "kind": "post", "author_followers": 143916},
        "850015000000000000": {"author": "fan7", "kind": "share", "client": "Twitter for Android"},
    }),
    ("twarc2_pages.jsonl", "twitter-v2", 3, {
        "1460323700000000001": {
            "author": "TwitterDev", "author_name": "Twitter Dev", "platform": "twitter",
            "client": "Twitter for Android", "posted_at": "2021-11-15T19:08:05", "likes": 12, "shares": 3,
            "replies": 1, "author_followers": 513000, "text": "Loving the new @acme app\nso fast",
        },
        "1460324000000000001": {"author": "Twitter", "kind": "reply", "in_reply_to": "1460323700000000001"},
        "1460330000000000002": {"author": "bo_k", "kind": "share"},
    }),
    ("twarc2_flatten.jsonl", "twitter-v2", 1, {
        "1460323700000000001": {"author": "TwitterDev", "client": "Twitter for Android", "platform": "twitter"},
    }),
    ("twarc2.csv", "twarc-csv", 2, {
        "1600000000000000001": {"author": "kim_l", "text": "My Acme router keeps dropping\nany fix?", "likes": 4,
                                "posted_at": "2022-12-06T10:00:00", "client": "Twitter for iPhone"},
        "1600000000000000002": {"author": "AcmeHelp", "kind": "reply", "in_reply_to": "1600000000000000001",
                                "client": "Sprinklr", "platform": "twitter"},
    }),
    ("youtube_comment_threads.json", "youtube-comments", 3, {
        "UgzA1": {"platform": "youtube", "author": "marta_v", "author_name": "@marta_v", "likes": 14, "replies": 1,
                  "text": "Great review, but the battery dies fast", "posted_at": "2024-02-01T09:15:00",
                  "url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ&lc=UgzA1", "kind": "post"},
        # +02:00 in the file: 09:00 UTC.
        "UgzA1.9xR": {"in_reply_to": "UgzA1", "kind": "reply", "author": "AcmeOfficial",
                      "posted_at": "2024-02-01T09:00:00"},
        "UgzB2": {"author": "pedro", "in_reply_to": None},
    }),
    ("reddit_thread.json", "reddit", 3, {
        "t3_1abcd": {"platform": "reddit", "author": "throwaway_42", "kind": "forum", "likes": 57, "replies": 2,
                     "text": "Acme X2 charging problem?\n\nMine stopped charging after a week.",
                     "posted_at": "2024-02-01T09:35:00",
                     "url": "https://www.reddit.com/r/gadgets/comments/1abcd/acme_x2_charging_problem/"},
        "t1_k1": {"in_reply_to": "t3_1abcd", "kind": "reply", "author": "lena_m"},
        "t1_k2": {"in_reply_to": "t1_k1", "author": None},  # [deleted]: anonymous, kept
    }),
    ("pushshift_comments.jsonl", "reddit", 2, {
        "t1_ghq1": {"author": "kiwi_dev", "posted_at": "2021-01-01T00:00:00", "in_reply_to": "t3_kn1"},
        "t1_ghq2": {"posted_at": "2021-01-01T01:00:00", "in_reply_to": "t1_ghq1"},
    }),
    ("mastodon_statuses.json", "mastodon", 2, {
        "mastodon.social:111900000000000001": {
            "platform": "mastodon", "author": "camille@mastodon.social", "client": "Tusky", "lang": "fr",
            "text": "Le service client d'@acme est top\xa0!\nMerci #acme", "likes": 5, "shares": 2,
            "visibility": "public", "posted_at": "2024-02-05T08:30:00",
        },
        "mastodon.social:111900000000000002": {
            "author": "bob@fosstodon.org", "in_reply_to": "mastodon.social:111900000000000001", "kind": "reply",
            "text": "D'accord\nvraiment", "visibility": "public",
        },
    }),
    ("bluesky_feed.json", "bluesky", 2, {
        "at://did:plc:abc123/app.bsky.feed.post/3kabc": {
            "platform": "bluesky", "author": "nora.bsky.social", "author_name": "Nora", "lang": "en", "likes": 4,
            "url": "https://bsky.app/profile/nora.bsky.social/post/3kabc", "posted_at": "2024-03-01T12:00:00",
        },
        "at://did:plc:def456/app.bsky.feed.post/3kdef": {
            "in_reply_to": "at://did:plc:abc123/app.bsky.feed.post/3kabc", "kind": "reply", "author": "acme.com",
        },
    }),
    ("zeeschuimer_tiktok.ndjson", "zeeschuimer", 2, {
        "7301234567890123456": {"platform": "tiktok", "author": "gadgetgirl", "author_name": "Gadget Girl",
                                "text": "unboxing my acme x2 #acme", "posted_at": "2024-03-01T10:46:40",
                                "likes": 1200, "shares": 30, "replies": 45,
                                "url": "https://www.tiktok.com/@gadgetgirl/video/7301234567890123456"},
    }),
    ("zeeschuimer_x.ndjson", "zeeschuimer", 2, {
        "1790000000000000001": {"platform": "twitter", "author": "dev_dana", "client": "Twitter Web App",
                                "posted_at": "2024-05-06T12:30:00", "likes": 9, "lang": "en",
                                "url": "https://twitter.com/dev_dana/status/1790000000000000001"},
        "1790000000000000002": {"in_reply_to": "1790000000000000001", "kind": "reply", "client": "Sprout Social"},
    }),
    ("zeeschuimer_instagram.ndjson", "zeeschuimer", 1, {
        "3300000000000000001_55": {"platform": "instagram", "author": "sole.collector", "author_name": "Sole Collector",
                                   "text": "New acme sneakers!", "posted_at": "2024-05-17T23:53:20", "likes": 321,
                                   "replies": 12, "url": "https://www.instagram.com/p/C5xYzAbCdEf/"},
    }),
    ("google_play_reviews.csv", "google-play", 3, {
        "gp:AOqpTOE1": {"platform": "google-play", "author": "María G", "rating": 1.0, "kind": "review",
                        "likes": 12, "posted_at": "2024-01-10T08:15:30"},
        "gp:AOqpTOE2": {"author": None, "rating": 5.0},  # "A Google user" is anonymous
        # The developer's answer (replyContent, repliedAt): the brand's reply to the review.
        "gp:AOqpTOE1:reply": {"platform": "google-play", "kind": "reply", "from_brand": 1, "author": None,
                              "in_reply_to": "gp:AOqpTOE1", "text": "Hola María, lo revisamos",
                              "posted_at": "2024-01-11T09:00:00", "rating": None},
    }),
    ("google_play_node.json", "google-play-node", 3, {
        "gp:AOqpTOGx": {"platform": "google-play", "author": "Teo", "rating": 4.0, "text": "Good app",
                        "posted_at": "2024-02-27T10:00:00"},
        "gp:AOqpTOH7kq2mZr81:reply": {"kind": "reply", "from_brand": 1, "in_reply_to": "gp:AOqpTOH7kq2mZr81",
                                      "text": "We are on it", "posted_at": "2024-02-27T09:00:00"},
    }),
    ("app_store_node.json", "app-store-node", 2, {
        "16000000001": {"platform": "app-store", "author": "jwill82", "rating": 1.0,
                        "text": "Crashes\n\nCrashes every time I open the cart", "posted_at": "2024-04-01T10:17:50"},
    }),
    ("trustpilot_api.json", "trustpilot-api", 2, {
        "6621aa01c0ffee0001a0b002": {"platform": "trustpilot", "author": "Maria", "rating": 1.0,
                                     "posted_at": "2024-04-29T06:00:00", "text": "Never arrived\n\nStill waiting."},
    }),
    ("app_store_rss.json", "app-store", 2, {
        "10987654321": {"platform": "app-store", "author": "lucia_m", "rating": 2.0, "kind": "review",
                        "text": "Se cuelga\n\nDesde la 4.1 se cuelga al abrir", "posted_at": "2024-02-10T14:45:12"},
    }),
    ("app_store_scraper.csv", "app-store-scraper", 2, {}),
    ("tripadvisor_reviews.json", "tripadvisor", 3, {
        "934567812": {"platform": "tripadvisor", "author": "samtravels", "rating": 5.0, "location": "Leeds, UK",
                      "text": "Great stay\n\nLovely staff and a quiet room.", "posted_at": "2024-01-15T00:00:00"},
        "934567813": {"author": None, "rating": 2.0},
        # The owner's response: the brand's reply to the review.
        "934567812:reply": {"kind": "reply", "from_brand": 1, "in_reply_to": "934567812", "author": None,
                            "text": "Thank you Sam!", "posted_at": "2024-01-16T00:00:00", "rating": None},
    }),
    ("tripadvisor_graphql.csv", "tripadvisor", 3, {
        "845001": {"platform": "tripadvisor", "author": "mara_trips", "rating": 4.0, "lang": "en",
                   "url": "https://www.tripadvisor.com/ShowUserReviews-g1-d2-r845001.html",
                   "posted_at": "2022-07-14T00:00:00", "text": "Nice pool\n\nFriendly staff, slow breakfast."},
        # "Jul 2022": a month only, the first of the month.
        "845002": {"author": "tom_b", "posted_at": "2022-07-01T00:00:00", "rating": 2.0},
        "845001:reply": {"kind": "reply", "from_brand": 1, "in_reply_to": "845001"},
    }),
    ("trustpilot_reviews.csv", "trustpilot", 3, {
        "65bb1a2f8c1e": {"platform": "trustpilot", "author": "Jon Snow", "author_email": "jon@example.com",
                         "rating": 5.0, "posted_at": "2024-02-01T10:11:12"},
        "65bb1a2f8c1f": {"author": None, "rating": 1.0},
        "65bb1a2f8c1f:reply": {"kind": "reply", "from_brand": 1, "in_reply_to": "65bb1a2f8c1f",
                               "text": "Sorry to hear that", "posted_at": "2024-02-03T12:00:00"},
    }),
    # The Business export as saved from Excel: `Review Username`, `Company Response`, no e-mail.
    ("trustpilot_business.xlsx", "trustpilot", 3, {
        "66a0c3e1f2b7": {"platform": "trustpilot", "author": "Marta L", "rating": 2.0, "kind": "review",
                         "text": "Late parcel\n\nTwo weeks for a jacket.", "posted_at": "2024-07-24T08:30:00"},
        "66a0c3e1f2b8": {"author": "Greg", "rating": 5.0},
        "66a0c3e1f2b7:reply": {"from_brand": 1, "in_reply_to": "66a0c3e1f2b7", "posted_at": "2024-07-25T09:00:00"},
    }),
    ("yelp_review.json", "yelp", 2, {
        "rv_Q2mA8xLp01zZyTt9wQa": {"platform": "yelp", "author": "us_Z3kP9qTr2mWx8vBn4Lc", "rating": 3.0,
                                   "posted_at": "2018-07-07T22:09:11"},
    }),
    ("talkwalker.csv", "talkwalker", 2, {
        "https://twitter.com/mo_ali/status/911000000000000001": {
            "platform": "twitter", "author": "mo_ali", "posted_at": "2017-09-22T11:00:24",
        },
        "https://blog.example.com/acme-review": {"platform": "blog", "author": "Kate Blogger"},
    }),
    ("brandwatch.csv", "brandwatch", 2, {
        "1765000000000000001": {"platform": "twitter", "author": "lu_ramos", "author_name": "Lucía Ramos",
                                "posted_at": "2024-03-05T10:30:00", "likes": 3, "author_followers": 1200},
        "8812345": {"platform": "forum", "text": "Acme X2 review\n\nSolid phone, great battery"},
    }),
    # The current Meltwater shape: UTF-16 with tabs, a line above the header, `Source Type`,
    # `Author Handle`, counts with thousands separators; date and time in two columns.
    ("meltwater_current.csv", "meltwater", 3, {
        "mw-doc-0001": {"platform": "twitter", "author": "pia_k", "author_name": "Pia K", "likes": 9, "shares": 2,
                        "replies": 3, "lang": "de", "text": "@acme my order is late again",
                        "posted_at": "2024-03-04T21:05:00", "url": "https://x.com/pia_k/status/1764800000000000001"},
        "mw-doc-0002": {"platform": "news", "author": "Jan Schreiber",
                        "text": "Acme eröffnet seine erste Filiale in Köln"},
        "mw-doc-0003": {"platform": "reddit", "author": "lena_m", "lang": "en"},
    }),
    ("meltwater.csv", "meltwater", 2, {
        "1765000000000000001": {"platform": "twitter", "author": "lu_ramos", "client": "Twitter for Android",
                                "lang": "es", "posted_at": "2024-03-05T10:30:00"},
        "https://news.example.com/acme-store": {"platform": "news", "author": "Jane Writer"},
    }),
    ("sprout_social.csv", "sprout-social", 2, {
        "1775000000000000001": {"platform": "twitter", "author": "neo_buyer", "posted_at": "2024-04-02T09:15:00"},
        "fb_1_2": {"platform": "facebook", "author": "Rita Gomez"},
    }),
    # The Post Performance Report: the brand's own posts, dates month first (`3/4/2024 9:15 am`).
    ("sprout_post_performance.csv", "sprout-social", 2, {
        "1764900000000000011": {"platform": "twitter", "author": "AcmeShop", "from_brand": 1, "kind": "post",
                                "posted_at": "2024-03-04T09:15:00", "likes": 1204, "replies": 18, "shares": 33,
                                "text": "Spring sale starts today"},
        "17890000000000001": {"platform": "instagram", "author": "acme.shop", "posted_at": "2024-03-12T16:40:00"},
    }),
    # A trimmed Talkwalker export saved by a European Excel: semicolons, no `source_type`, `1.530`
    # (thousands), `17/09/22` day first, a totals row at the bottom.
    ("talkwalker_semicolon.csv", "talkwalker", 2, {
        "https://twitter.com/rui_p/status/1572000000000000001": {
            "platform": "twitter", "author": "rui_p", "author_followers": 1530, "posted_at": "2022-09-17T10:05:00",
        },
        "https://forum.example.net/t/acme-router/77": {"platform": "forum.example.net", "author": "netguy",
                                                       "posted_at": "2022-09-18T21:40:10"},
    }),
    ("hootsuite_messages.csv", "hootsuite", 2, {
        "m-1001": {"platform": "instagram", "author": "julia.r", "from_brand": 0, "posted_at": "2024-05-06T14:20:00"},
        "m-1002": {"from_brand": 1},
    }),
]


def _mentions(db: Any) -> dict[str, dict[str, Any]]:
    return {row["mention_id"]: row for row in db["mentions"].rows}


@pytest.mark.parametrize("file, preset, count, expected", CASES, ids=[c[1] + ":" + c[0] for c in CASES])
def test_an_export_is_detected_imported_with_its_key_fields_and_a_reimport_adds_nothing(
    fresh_db, file: str, preset: str, count: int, expected: dict[str, dict[str, Any]]
) -> None:
    path = FIXTURES / file
    found = detect_preset(SOCIAL_PRESETS, list(read_table(path).columns), "mentions")
    assert found is not None and found.name == preset
    result = import_file(fresh_db, path, "mentions", mapping=preset)
    assert (result.new, result.rejected) == (count, 0), result.summary()
    rows = _mentions(fresh_db)
    for mention_id, fields in expected.items():
        assert {k: rows[mention_id][k] for k in fields} == fields
    for row in rows.values():  # never a JSON object or an HTML link where a name belongs
        assert not str(row["author"] or "").startswith(("{", "<"))
        assert "<a " not in str(row["client"] or "") and row["platform"] != row["client"]
    again = import_file(fresh_db, path, "mentions", mapping=preset)
    assert (again.new, again.updated, again.unchanged) == (0, 0, count)


@pytest.mark.parametrize("file, preset", [(c[0], c[1]) for c in CASES], ids=[c[0] for c in CASES])
def test_an_export_is_recognised_without_naming_its_preset(fresh_db, file: str, preset: str) -> None:
    result = import_file(fresh_db, FIXTURES / file, "mentions")
    assert result.rejected == 0 and result.new > 0
    assert fresh_db.execute("SELECT count(*) FROM mentions WHERE platform = 'other'").fetchone()[0] == 0


def test_every_social_preset_has_a_signature_and_a_fixture() -> None:
    tested = {c[1] for c in CASES}
    for preset in SOCIAL_PRESETS:
        assert preset.signature, preset.name
        assert preset.kind == "mentions"
        assert preset.name in tested, f"no fixture test for {preset.name}"


def test_signatures_pick_one_preset_for_each_fixture() -> None:
    for file, preset, _, _ in CASES:
        headers = list(read_table(FIXTURES / file).columns)
        matching = sorted(p.name for p in SOCIAL_PRESETS if p.matches(headers))
        longest = detect_preset(SOCIAL_PRESETS, headers)
        assert longest is not None and longest.name == preset, (file, matching)


JUNK = ["", "[", "{\"a\": ", "<a href='x'>", "9" * 30, "http://[::1", "null", "-1", "2024-13-45", "zz"]


@pytest.mark.parametrize("preset", SOCIAL_PRESETS, ids=lambda p: p.name)
def test_a_preset_meets_junk_values_with_quarantine_not_a_traceback(fresh_db, preset) -> None:
    import csv
    import io

    from scrm.errors import ScrmError

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(preset.signature)
    for i, junk in enumerate(JUNK):
        writer.writerow([junk if (i + j) % 2 else f"{junk}{j}" for j in range(len(preset.signature))])
    try:
        result = import_file(fresh_db, out.getvalue().encode(), "mentions", file_name="junk.csv", mapping=preset.name)
    except ScrmError as e:  # a refusal is one sentence
        assert "\n" not in str(e)
    else:
        assert result.rows_read == len(JUNK)


# --- detection: the right preset, and never another format's file ------------------------------------------

COMMERCE = Path(__file__).parent / "fixtures" / "commerce"


@pytest.mark.parametrize("file", sorted(p.name for p in COMMERCE.iterdir()), ids=str)
def test_a_shop_crm_or_survey_export_is_never_taken_for_a_social_export(file: str) -> None:
    headers = list(read_table(COMMERCE / file).columns)
    assert detect_preset(SOCIAL_PRESETS, headers) is None


@pytest.mark.parametrize("file, preset", [(c[0], c[1]) for c in CASES], ids=[c[0] for c in CASES])
def test_the_whole_registry_names_the_same_preset_as_the_social_one(file: str, preset: str) -> None:
    from scrm.ingest.presets import detect

    found = detect(list(read_table(FIXTURES / file).columns))
    assert found is not None and found.name == preset


@pytest.mark.parametrize("headers", [
    ["Date", "URL", "Title", "Hit Sentence"],  # a few of Meltwater's columns: not enough to say so
    ["Date", "Network", "Post", "Likes"],  # a generic social sheet, not Sprout's report
    ["url", "published", "content"],  # any blog export
    ["Review Stars", "Review Content"],  # Trustpilot-like, but without an id or a date
    ["id", "title", "text", "rating"],  # any review table
], ids=["meltwater-like", "sprout-like", "talkwalker-like", "trustpilot-like", "reviews"])
def test_a_file_sharing_only_a_few_headers_with_a_tool_is_not_taken_for_its_export(headers: list[str]) -> None:
    assert detect_preset(SOCIAL_PRESETS, headers) is None


# --- what real files of these tools trip on -------------------------------------------------------------------


def _rows(db: Any) -> list[tuple[Any, ...]]:
    return sorted(
        (r["mention_id"], r["platform"], r["author"], r["posted_at"], r["likes"], r["text"]) for r in db["mentions"].rows
    )


@pytest.mark.parametrize("encoding, delimiter", [
    ("utf-16", "\t"),  # Excel "Unicode text": UTF-16 with a BOM, tabs
    ("utf-8-sig", ";"),  # Excel in a decimal-comma locale: semicolons
    ("cp1252", ","),  # an older Windows Excel
], ids=["utf16-tabs", "semicolons", "cp1252"])
def test_the_same_export_saved_by_excel_in_another_encoding_or_separator_imports_the_same_rows(
    fresh_db, tmp_path: Path, encoding: str, delimiter: str
) -> None:
    import csv
    import io

    from scrm.db import store

    source = FIXTURES / "sprout_post_performance.csv"
    rows = list(csv.reader(io.StringIO(source.read_text(encoding="utf-8"))))
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    saved = tmp_path / "sprout_saved.csv"
    saved.write_bytes(out.getvalue().encode(encoding))
    expected_db = store.open_db(":memory:")
    import_file(expected_db, source, "mentions")
    result = import_file(fresh_db, saved, "mentions")
    assert (result.new, result.rejected) == (2, 0), result.summary()
    assert _rows(fresh_db) == _rows(expected_db)
    expected_db.close()


def test_a_totals_row_under_the_data_is_skipped_not_quarantined(fresh_db, tmp_path: Path) -> None:
    import csv
    import io

    text = (FIXTURES / "brandwatch.csv").read_text(encoding="utf-8")
    header = next(r for r in csv.reader(io.StringIO(text)) if "Query Id" in r)
    totals = ["Total", *[""] * (len(header) - 1)]
    totals[header.index("Twitter Followers")] = "1,200"
    totals[header.index("Twitter Likes")] = "3"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(totals)
    path = tmp_path / "brandwatch_totals.csv"
    path.write_text(text + out.getvalue(), encoding="utf-8")
    result = import_file(fresh_db, path, "mentions")
    assert (result.rows_read, result.new, result.rejected) == (2, 2, 0), result.summary()


def test_a_word_total_inside_the_data_is_kept(fresh_db) -> None:
    data = b"id,author,text,date\n1,ana,Great,2024-01-01\n2,bo,Total,2024-01-02\n"
    result = import_file(fresh_db, data, "mentions", file_name="mentions.csv")
    assert (result.new, result.rejected) == (2, 0), result.summary()


def test_counts_with_thousands_separators_are_read_as_whole_numbers(fresh_db) -> None:
    rows = {r["mention_id"]: r for r in _imported(fresh_db, "sprout_post_performance.csv")}
    assert rows["1764900000000000011"]["likes"] == 1204
    talkwalker = {r["author"]: r for r in _imported(fresh_db, "talkwalker_semicolon.csv")}
    assert talkwalker["rui_p"]["author_followers"] == 1530  # `1.530` in a semicolon file: thousands


def _imported(db: Any, file: str) -> list[dict[str, Any]]:
    import_file(db, FIXTURES / file, "mentions")
    return list(db["mentions"].rows)


def test_month_first_and_day_first_exports_read_their_own_order(fresh_db) -> None:
    # Sprout (US) `3/4/2024` is 4 March; Talkwalker `17/09/22` is 17 September 2022.
    dates = {r["mention_id"]: r["posted_at"] for r in _imported(fresh_db, "sprout_post_performance.csv")}
    assert dates["1764900000000000011"] == "2024-03-04T09:15:00"
    dates = {r["author"]: r["posted_at"] for r in _imported(fresh_db, "talkwalker_semicolon.csv")}
    assert dates["netguy"] == "2022-09-18T21:40:10"


def test_a_brand_reply_to_a_review_is_the_brand_speaking_not_a_second_review(fresh_db) -> None:
    rows = {r["mention_id"]: r for r in _imported(fresh_db, "trustpilot_business.xlsx")}
    reply = rows["66a0c3e1f2b7:reply"]
    assert (reply["kind"], reply["from_brand"], reply["rating"]) == ("reply", 1, None)
    assert rows["66a0c3e1f2b7"]["kind"] == "review"


def test_a_brandwatch_workbook_with_its_report_lines_above_the_header_is_read_like_its_csv(
    fresh_db, tmp_path: Path
) -> None:
    import csv
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in csv.reader(io.StringIO((FIXTURES / "brandwatch.csv").read_text(encoding="utf-8"))):
        sheet.append(row or [None])
    path = tmp_path / "brandwatch.xlsx"
    book.save(path)
    headers = list(read_table(path).columns)
    found = detect_preset(SOCIAL_PRESETS, headers)
    assert found is not None and found.name == "brandwatch", headers[:5]
    result = import_file(fresh_db, path, "mentions")
    assert (result.new, result.rejected) == (2, 0), result.summary()
    assert {r["mention_id"]: r["platform"] for r in fresh_db["mentions"].rows} == {
        "1765000000000000001": "twitter", "8812345": "forum"}
