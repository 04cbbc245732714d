"""Nested JSON becomes dotted headers; API envelopes are unwrapped from their structure."""

from __future__ import annotations

import json

import pytest

from scrm.errors import FileTooLarge, MissingColumns
from scrm.ingest import import_file
from scrm.ingest.flatten import flatten_record, html_to_text, unwrap
from scrm.ingest.readers import read_table


def test_nested_objects_become_dotted_names_and_lists_are_joined_or_kept_as_json() -> None:
    record = {
        "id": 1,
        "user": {"screen_name": "ana", "public_metrics": {"followers_count": 10}},
        "langs": ["en", "fr"],
        "refs": [{"type": "replied_to", "id": "9"}],
        "empty": {},
        "none": [],
    }
    assert flatten_record(record) == {
        "id": 1,
        "user.screen_name": "ana",
        "user.public_metrics.followers_count": 10,
        "langs": "en, fr",
        "refs": '[{"type": "replied_to", "id": "9"}]',
        "empty": None,
        "none": None,
    }


def test_a_json_file_of_nested_records_reads_as_dotted_headers() -> None:
    raw = json.dumps([{"id": 1, "user": {"screen_name": "ana"}}, {"id": 2, "user": {"screen_name": "bo", "name": "Bo"}}])
    table = read_table(raw.encode(), "tweets.json")
    assert list(table.columns) == ["id", "user.screen_name", "user.name"]
    assert table["user.screen_name"].tolist() == ["ana", "bo"]
    assert table.index.tolist() == [2, 3]


def test_a_twitter_v2_page_joins_each_tweet_with_its_author() -> None:
    page = {
        "data": [{"id": "1", "author_id": "9", "text": "hi"}, {"id": "2", "author_id": "8", "text": "yo"}],
        "includes": {"users": [{"id": "9", "username": "ana"}], "tweets": [{"id": "0", "text": "referenced"}]},
        "meta": {"result_count": 2},
    }
    records, api = unwrap(page) or ([], "")
    assert api == "twitter-v2"
    assert [r.get("author", {}).get("username") for r in records] == ["ana", None]
    assert [r["id"] for r in records] == ["1", "2"]  # the referenced tweets in includes are not rows


def test_jsonl_pages_give_one_row_per_record_numbered_in_order() -> None:
    line = json.dumps({"data": [{"id": "1", "author_id": "9", "text": "a"}, {"id": "2", "author_id": "9", "text": "b"}],
                       "includes": {"users": [{"id": "9", "username": "ana"}]}, "meta": {}})
    table = read_table(f"{line}\n{line}\n".encode(), "pages.jsonl")
    assert table["id"].tolist() == ["1", "2", "1", "2"]
    assert table["author.username"].tolist() == ["ana"] * 4
    assert table.index.tolist() == [1, 2, 3, 4]


def test_a_reddit_listing_gives_posts_and_nested_comments_without_more_stubs() -> None:
    listing = {"kind": "Listing", "data": {"children": [
        {"kind": "t1", "data": {"id": "a", "body": "x", "replies": {"kind": "Listing", "data": {"children": [
            {"kind": "t1", "data": {"id": "b", "body": "y", "replies": ""}},
            {"kind": "more", "data": {"children": ["c"]}},
        ]}}}},
    ]}}
    records, api = unwrap(listing) or ([], "")
    assert api == "reddit"
    assert [r["id"] for r in records] == ["a", "b"]
    assert all("replies" not in r for r in records)


def test_a_youtube_reply_is_laid_out_like_its_thread() -> None:
    response = {"kind": "youtube#commentThreadListResponse", "items": [{
        "kind": "youtube#commentThread", "id": "T",
        "snippet": {"videoId": "V", "topLevelComment": {"kind": "youtube#comment", "id": "T",
                                                        "snippet": {"textOriginal": "top"}}},
        "replies": {"comments": [{"kind": "youtube#comment", "id": "T.r",
                                  "snippet": {"textOriginal": "re", "parentId": "T"}}]},
    }]}
    table = read_table(json.dumps(response).encode(), "threads.json")
    assert table["snippet.topLevelComment.snippet.textOriginal"].tolist() == ["top", "re"]
    assert table["snippet.topLevelComment.snippet.parentId"].tolist()[1] == "T"
    assert table["snippet.videoId"].tolist() == ["V", "V"]


def test_a_dotted_header_can_be_mapped_by_hand(fresh_db) -> None:
    response = {"kind": "youtube#commentThreadListResponse", "items": [{
        "kind": "youtube#commentThread", "id": "T",
        "snippet": {"topLevelComment": {"id": "T", "snippet": {
            "textOriginal": "Nice video", "authorDisplayName": "@eva", "publishedAt": "2024-01-01T10:00:00Z"}}},
    }]}
    mapping = {
        "text": "snippet.topLevelComment.snippet.textOriginal",
        "posted_at": "snippet.topLevelComment.snippet.publishedAt",
        "author": "snippet.topLevelComment.snippet.authorDisplayName",
        "mention_id": "id",
    }
    result = import_file(fresh_db, json.dumps(response).encode(), "mentions", file_name="yt.json", mapping=mapping)
    assert result.new == 1
    assert fresh_db.execute("SELECT text, author FROM mentions").fetchall() == [("Nice video", "eva")]


def test_a_nested_file_without_a_text_field_names_its_dotted_fields(fresh_db) -> None:
    raw = json.dumps([{"post": {"body_html": "<p>hi</p>"}, "when": "2024-01-01", "who": {"nick": "ana"}}]).encode()
    with pytest.raises(MissingColumns) as e:
        import_file(fresh_db, raw, "mentions", file_name="nested.json")
    message = str(e.value)
    assert message.startswith("nested.json cannot be imported as mentions: no column")
    assert "post.body_html, when, who.nick" in message
    assert "\n" not in message


def test_an_envelope_still_holds_to_the_nesting_limit() -> None:
    deep: object = "x"
    for _ in range(150):
        deep = {"a": deep}
    page = {"data": [{"id": "1", "author_id": "9", "text": "a", "deep": deep}], "meta": {}}
    with pytest.raises(FileTooLarge, match="nests its JSON more than 100 levels deep"):
        read_table(json.dumps(page).encode(), "deep.json")


@pytest.mark.parametrize(
    "html, text",
    [
        ('<p>Hola <a href="https://x.y/@bo" class="mention">@<span>bo</span></a></p><p>adiós</p>', "Hola @bo\nadiós"),
        ('<a href="http://twitter.com/download/iphone" rel="nofollow">Twitter for iPhone</a>', "Twitter for iPhone"),
        ("line<br>break &amp; more", "line\nbreak & more"),
        ("<script>alert(1)</script>", "alert(1)"),
        ("no tags &lt;3", "no tags <3"),
    ],
)
def test_html_becomes_plain_text(html: str, text: str) -> None:
    assert html_to_text(html) == text


def test_a_twarc2_line_without_results_adds_no_row() -> None:
    page = {"data": [{"id": "1", "author_id": "9", "text": "a"}], "meta": {"result_count": 1}}
    empty = {"meta": {"result_count": 0}}
    errors = {"errors": [{"title": "Not Found Error"}], "meta": {"result_count": 0}}
    lines = "\n".join(json.dumps(x) for x in (page, empty, errors))
    table = read_table(lines.encode(), "search.jsonl")
    assert table["id"].tolist() == ["1"]


def test_youtube_threads_saved_one_per_line_still_give_their_replies() -> None:
    thread = {"kind": "youtube#commentThread", "id": "T", "snippet": {
        "videoId": "V", "topLevelComment": {"kind": "youtube#comment", "id": "T", "snippet": {"textOriginal": "top"}}},
        "replies": {"comments": [{"kind": "youtube#comment", "id": "T.r", "snippet": {"textOriginal": "re",
                                                                                      "parentId": "T"}}]}}
    table = read_table((json.dumps(thread) + "\n").encode(), "threads.jsonl")
    assert table["snippet.topLevelComment.snippet.textOriginal"].tolist() == ["top", "re"]
    as_list = read_table(json.dumps([thread]).encode(), "threads.json")
    assert as_list["snippet.topLevelComment.id"].tolist() == ["T", "T.r"]


def test_reddit_things_saved_as_a_list_give_their_data() -> None:
    things = [{"kind": "t3", "data": {"id": "p", "title": "t", "author": "a"}},
              {"kind": "t1", "data": {"id": "c", "body": "b", "author": "z", "replies": ""}}]
    table = read_table(json.dumps(things).encode(), "reddit.json")
    assert table["id"].tolist() == ["p", "c"]
    assert "kind" not in table.columns


def test_synonyms_reach_dotted_headers_by_their_last_parts() -> None:
    from scrm.ingest.mapping import suggest_mapping

    headers = ["id", "full_text", "created_at", "source", "user.id", "user.name", "user.screen_name",
               "user.followers_count", "public_metrics.like_count", "__twarc.url", "record.$type"]
    found = suggest_mapping(headers, "mentions")
    assert found["author"] == "user.screen_name"  # not the display name, not the numeric id
    assert found["author_followers"] == "user.followers_count"
    assert found["likes"] == "public_metrics.like_count"
    assert found["text"] == "full_text"
    assert found["client"] == "source" and "platform" not in found
    assert found["mention_id"] == "id"
    assert "url" not in found and "kind" not in found  # a tool's bookkeeping is not data
