"""Notifications: a digest per channel, a throttle, retries, and every delivery recorded.

Against a local SMTP server (aiosmtpd on 127.0.0.1) and a local HTTP server
(pytest-httpserver); no test reaches the network.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlite_utils
from aiosmtpd.controller import Controller
from pytest_httpserver import HTTPServer

from scrm import api, cli
from scrm.act import notify as N
from scrm.db import schema as S
from scrm.db import store
from scrm.errors import NotifyError
from scrm.listen import sources as L

TODAY = datetime.now(UTC).strftime("%Y-%m-%d")


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    return ("127.0.0.1", 0)


@pytest.fixture(autouse=True)
def no_secrets(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(L, "SECRETS_FILES", ())
    monkeypatch.chdir(tmp_path)


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    with socket.socket() as probe:  # a free port: aiosmtpd checks its server by connecting to the port given
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def alert(
    n: int, *, kind: str = "volume", platform: str = "mastodon", severity: str = "high", start: str = TODAY, brand: str = "Acme"
) -> dict[str, Any]:
    return {
        "alert_id": n, "kind": kind, "scope": "platform", "brand": brand, "platform": platform, "topic_id": None,
        "customer_id": None, "period_start": start, "period_end": start, "days": 1, "value": 240.0 + n,
        "baseline": 40.0, "threshold": 80.0, "z": 9.0, "severity": severity, "total": 240 + n, "drivers": "{}",
        "created_at": store.utcnow(),
    }  # fmt: skip


def raise_alerts(db: sqlite_utils.Database, alerts: list[dict[str, Any]]) -> None:
    """What the alerts stage leaves: the derived table, rebuilt."""
    store.replace_table(db, S.ALERTS, pd.DataFrame(alerts), pk="alert_id")


def test_a_spike_of_several_alerts_sends_one_email_digest_in_plain_text(
    fresh_db: sqlite_utils.Database, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    api.add_channel(fresh_db, "email", "team", {"host": "127.0.0.1", "port": str(port), "starttls": "false",
                                                "from": "scrm@example.com", "to": "a@example.com, b@example.com",
                                                "app_url": "https://crm.example.com"}, actor="t")
    raise_alerts(fresh_db, [alert(1), alert(2, platform="*bluesky*"), alert(3, kind="negative", severity="medium")])
    sent = N.deliver_alerts(fresh_db, sleep=lambda s: None)
    assert [(d.channel, d.status, d.alerts) for d in sent] == [("team", S.DELIVERY_SENT, 3)]
    assert len(inbox.messages) == 1
    mail = inbox.messages[0]
    # Two spikes of one kind about one brand are one incident: two incidents, all three alerts carried.
    assert mail["Subject"] == "scrm: 2 new incidents"
    assert mail["To"] == "a@example.com, b@example.com"
    body = mail.get_payload(decode=True).decode()
    assert f"- [high] Volume spike on Acme, mastodon, {TODAY}: 241 on the peak day (2 alerts, {TODAY} to {TODAY})" in body
    assert "Open: https://crm.example.com/alerts" in body
    # The next score finds nothing new: the same alerts are not sent twice.
    raise_alerts(fresh_db, [alert(7), alert(8, platform="*bluesky*"), alert(9, kind="negative", severity="medium")])
    assert N.deliver_alerts(fresh_db, sleep=lambda s: None) == []
    assert len(inbox.messages) == 1


def test_a_throttled_channel_holds_new_alerts_until_its_throttle_passes(
    fresh_db: sqlite_utils.Database, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    api.add_channel(fresh_db, "webhook", "chat", {"url": httpserver.url_for("/hook"), "throttle_minutes": "30"}, actor="t")
    raise_alerts(fresh_db, [alert(1)])
    assert len(N.deliver_alerts(fresh_db)) == 1
    raise_alerts(fresh_db, [alert(1), alert(2, platform="bluesky", brand="Globex")])
    assert N.deliver_alerts(fresh_db) == [], "within 30 minutes of the last message"
    later = datetime.now(UTC) + timedelta(minutes=31)
    sent = N.deliver_alerts(fresh_db, now=later)
    assert [d.alerts for d in sent] == [1]
    payloads = [json.loads(request.get_data()) for request, _ in httpserver.log]
    assert [p["subject"] for p in payloads] == ["scrm: 1 new incident", "scrm: 1 new incident"]
    assert payloads[1]["alerts"][0]["platform"] == "bluesky"


def test_a_failing_webhook_is_retried_then_reported_and_its_alerts_wait(
    fresh_db: sqlite_utils.Database, httpserver: HTTPServer
) -> None:
    httpserver.expect_oneshot_request("/hook").respond_with_data("down", status=502)
    httpserver.expect_request("/hook").respond_with_data("ok")
    api.add_channel(fresh_db, "webhook", "chat", {"url": httpserver.url_for("/hook"), "format": "slack"}, actor="t")
    raise_alerts(fresh_db, [alert(1)])
    waits: list[float] = []
    [delivery] = N.deliver_alerts(fresh_db, sleep=waits.append)
    assert (delivery.status, delivery.attempts, waits) == (S.DELIVERY_RETRIED, 2, [1])

    httpserver.clear()
    httpserver.expect_request("/hook").respond_with_data("down", status=500)
    api.add_channel(fresh_db, "webhook", "broken", {"url": httpserver.url_for("/hook")}, actor="t")
    [failed] = N.deliver_alerts(fresh_db, sleep=lambda s: None)
    assert (failed.channel, failed.status, failed.attempts) == ("broken", S.DELIVERY_FAILED, 3)
    assert failed.error == "The webhook of channel 'broken' answered HTTP 500."
    assert N.pending_alerts(fresh_db, N.get_channel(fresh_db, "broken")), "a failed delivery leaves its alerts pending"
    rows = list(fresh_db.query(f"SELECT channel, status, attempts FROM {S.DELIVERIES} ORDER BY delivery_id"))
    assert rows == [{"channel": "chat", "status": "retried", "attempts": 2}, {"channel": "broken", "status": "failed", "attempts": 3}]


@pytest.mark.parametrize(
    ("fmt", "check"),
    [
        ("slack", lambda p: p["mrkdwn"] is False and "&lt;b&gt;" in p["text"]),
        ("discord", lambda p: p["allowed_mentions"] == {"parse": []} and "\\*" in p["content"]),
        ("mattermost", lambda p: "\\*" in p["text"]),
        ("teams", lambda p: p["attachments"][0]["content"]["type"] == "AdaptiveCard"),
        ("json", lambda p: p["alerts"][0]["platform"] == "*<b>x</b>*"),
    ],
)
def test_each_chat_format_gets_its_payload_with_data_shown_literally(fmt: str, check: Any) -> None:
    message = N.build_message([alert(1, platform="*<b>x</b>*")])
    assert check(N.webhook_payload(fmt, message))


def test_history_does_not_replay_when_a_channel_is_added(fresh_db: sqlite_utils.Database) -> None:
    api.add_channel(fresh_db, "webhook", "chat", {"url": "https://hooks.example.com/x"}, actor="t")
    raise_alerts(fresh_db, [alert(1, start="2020-01-01")])
    assert N.pending_alerts(fresh_db, N.get_channel(fresh_db, "chat")) == []


@pytest.mark.parametrize(
    ("kind", "settings", "message"),
    [
        ("sms", {}, "Unknown channel kind 'sms'; use email or webhook."),
        ("email", {"host": "smtp.example.com", "from": "a@example.com"}, "A email channel needs to (recipients, comma-separated): add --set to=VALUE."),
        ("webhook", {"url": "https://x.example", "format": "irc"}, "format must be one of slack, teams, mattermost, discord, json, not 'irc'."),
        ("email", {"host": "h", "from": "f", "to": "t", "password": "p"},
         "password is a secret and is never stored in the database: put it under [notify.NAME] in .streamlit/secrets.toml "
         "(or the environment variable SCRM_NOTIFY_NAME_PASSWORD) instead of --set."),
    ],
)
def test_a_channel_set_up_wrong_is_refused_with_what_to_do(
    fresh_db: sqlite_utils.Database, kind: str, settings: dict[str, str], message: str
) -> None:
    with pytest.raises(NotifyError) as caught:
        api.add_channel(fresh_db, kind, "c", settings, actor="t")
    assert str(caught.value) == message


def test_notify_commands_add_list_test_and_remove_a_channel(
    httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(store.ENV_DB, str(tmp_path / "n.db"))
    httpserver.expect_request("/hook").respond_with_data("ok")
    assert cli.main(["notify", "add", "webhook", "team", "--set", f"url={httpserver.url_for('/hook')}",
                     "--set", "format=mattermost"]) == 0
    assert cli.main(["notify", "test", "team"]) == 0
    assert "Sent a test message through 'team' (sent, 1 attempt(s))." in capsys.readouterr().out
    assert json.loads(httpserver.log[0][0].get_data())["username"] == "scrm"
    assert cli.main(["notify", "list", "--json"]) == 0
    [channel] = json.loads(capsys.readouterr().out)["channels"]
    assert (channel["name"], channel["kind"], channel["last_status"]) == ("team", "webhook", "sent")
    assert cli.main(["notify", "remove", "team"]) == 0
    assert cli.main(["notify", "test", "team"]) == 2
    assert capsys.readouterr().err.startswith("error: There is no notification channel named 'team'")


def test_a_channel_for_some_alert_kinds_carries_only_those(fresh_db: sqlite_utils.Database) -> None:
    api.add_channel(fresh_db, "webhook", "rules-only", {"url": "https://hooks.example.com/x", "kinds": "rule"}, actor="t")
    raise_alerts(fresh_db, [alert(1), alert(2, kind="rule")])
    assert [a["kind"] for a in N.pending_alerts(fresh_db, N.get_channel(fresh_db, "rules-only"))] == ["rule"]
    with pytest.raises(NotifyError, match="kinds takes volume, negative, vip_detractor, rule, not spam."):
        api.add_channel(fresh_db, "webhook", "x", {"url": "https://h.example", "kinds": "rule,spam"}, actor="t")


def test_a_spike_in_a_collected_batch_sends_one_message_not_one_per_mention(
    fresh_db: sqlite_utils.Database, httpserver: HTTPServer
) -> None:
    from test_listen import hn_hit, hn_page

    today = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0)
    history = "id,platform,author,text,date\n" + "".join(
        f"h{d}-{i},hackernews,user{i},an ordinary day {d},{(today - timedelta(days=d)).strftime('%Y-%m-%d %H:%M')}\n"
        for d in range(1, 30) for i in range(2)
    )
    api.import_file(fresh_db, history.encode(), "mentions", file_name="history.csv", actor="t", score_after=False)
    httpserver.expect_request("/hook").respond_with_data("ok")
    api.add_channel(fresh_db, "webhook", "team", {"url": httpserver.url_for("/hook")}, actor="t")
    spike = [hn_hit(n, f"angry{n}", int(today.timestamp()) + n, comment=f"acme is down again {n}") for n in range(60)]
    httpserver.expect_request("/api/v1/search_by_date").respond_with_json(hn_page(spike))
    api.add_source(fresh_db, "hackernews", "hn", {"base_url": httpserver.url_for("/api/v1"), "query": "acme"}, actor="t")
    outcome = api.collect(fresh_db, options=L.Options(budget=1, max_wait=1, sleep=lambda s: None))
    assert outcome.scored and outcome.results[0].new == 60
    posts = [json.loads(r.get_data()) for r, _ in httpserver.log if r.path == "/hook"]
    assert len(posts) == 1, "one digest, not one message per mention"
    assert posts[0]["subject"].startswith("scrm: ") and any(a["kind"] == "volume" for a in posts[0]["alerts"])
    assert [d["status"] for d in N.deliveries(fresh_db)] == [S.DELIVERY_SENT]


def test_a_workflow_rule_that_names_channels_sends_its_alerts_to_those_channels_only(fresh_db: sqlite_utils.Database) -> None:
    api.add_channel(fresh_db, "webhook", "crisis", {"url": "https://hooks.example.com/c", "kinds": "volume"}, actor="t")
    api.add_channel(fresh_db, "webhook", "team", {"url": "https://hooks.example.com/t"}, actor="t")
    named = alert(2, kind="rule", severity="medium") | {
        "drivers": json.dumps({"rule": {"rule_id": 1, "name": "Refunds", "channels": ["crisis"]}})}
    raise_alerts(fresh_db, [alert(1), named, alert(3, kind="rule")])
    crisis = [a["alert_id"] for a in N.pending_alerts(fresh_db, N.get_channel(fresh_db, "crisis"))]
    team = [a["alert_id"] for a in N.pending_alerts(fresh_db, N.get_channel(fresh_db, "team"))]
    assert sorted(crisis) == [1, 2], "the rule's choice wins over the channel's kinds"
    assert sorted(team) == [1, 3], "a rule that names channels skips the others"


def test_a_raise_alert_rule_keeps_its_channels_in_the_alert_it_raises(fresh_db: sqlite_utils.Database) -> None:
    from scrm.act import rules as W

    store.upsert_rows(fresh_db, S.MENTIONS, ["mention_id", "platform", "author", "text", "posted_at", "brand"],
                      [("m1", "twitter", "bob", "refund now", "2026-03-08T11:00:00", "Acme")])
    store.upsert_rows(fresh_db, S.SENTIMENT, ["mention_id", "lang", "score", "label"], [("m1", "en", -0.7, "negative")])
    store.set_meta(fresh_db, W.DEFAULTS_KEY, "1")
    rule = W.Rule("Refunds", conditions={"sentiment": ["negative"]}, action=W.RAISE_ALERT,
                  params={"severity": "high", "channels": " crisis , team,crisis"})
    assert W.validate(rule).params["channels"] == "crisis, team"
    W.save_rule(fresh_db, rule, actor="t")
    W.refresh(fresh_db)
    (drivers,) = fresh_db.execute("SELECT drivers FROM alerts WHERE kind = 'rule'").fetchone()
    assert json.loads(drivers)["rule"]["channels"] == ["crisis", "team"]
    with pytest.raises(W.RuleError, match="parameter `channels`: 'no way' cannot name a channel"):
        W.validate(W.Rule("Bad", action=W.RAISE_ALERT, params={"channels": "no way"}))


def test_an_incident_is_announced_once_even_when_more_alerts_join_it_later(
    fresh_db: sqlite_utils.Database, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    api.add_channel(fresh_db, "webhook", "chat", {"url": httpserver.url_for("/hook"), "throttle_minutes": "0"}, actor="t")
    yesterday = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%d")
    raise_alerts(fresh_db, [alert(1, start=yesterday)])
    assert [d.alerts for d in N.deliver_alerts(fresh_db)] == [1]
    # The crisis goes on: today's spike about the same brand belongs to the incident already announced.
    raise_alerts(fresh_db, [alert(1, start=yesterday), alert(2, platform="bluesky")])
    assert N.deliver_alerts(fresh_db) == []
    # Another brand's spike is a new incident, and is sent.
    raise_alerts(fresh_db, [alert(1, start=yesterday), alert(2, platform="bluesky"), alert(3, brand="Globex")])
    assert [d.alerts for d in N.deliver_alerts(fresh_db)] == [1]
    assert len(httpserver.log) == 2


def test_incidents_past_the_daily_cap_are_counted_on_one_line_not_listed(fresh_db: sqlite_utils.Database) -> None:
    store.set_meta(fresh_db, S.META_ALERT_DAILY_CAP, "2")
    sent: list[N.Message] = []
    api.add_channel(fresh_db, "webhook", "chat", {"url": "http://127.0.0.1:9/hook"}, actor="t")
    raise_alerts(fresh_db, [alert(n, brand=f"Brand {n}") for n in range(1, 6)])
    deliveries = N.deliver_alerts(fresh_db, senders={"webhook": lambda channel, message: sent.append(message)})
    assert [d.alerts for d in deliveries] == [5], "every alert is carried, listed or counted"
    lines = sent[0].lines
    assert lines[0] == "scrm: 5 new incidents."
    assert sum(line.startswith("- [high] Volume spike") for line in lines) == 2
    assert lines[-1] == "- and 3 more volume spike incidents today, past the daily cap of 2, on the Alerts page."
