"""``madoguchi virtual-card`` and the serving loop behind it."""

from __future__ import annotations

import threading
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from madoguchi.simulators.card import vpcd
from madoguchi.simulators.card.card import AID_JPKI, card_for
from madoguchi.simulators.card.testing import VirtualReader

from .test_card import select_aid
from .test_pcsc import transmit

COMMAND = "madoguchi.simulators.idp.management.commands.virtual-card"


def test_without_pcscd_make_run_gets_one_line_saying_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(f"{COMMAND}.vpcd_installed", lambda: False)
    out = StringIO()

    call_command("virtual-card", "--if-available", stdout=out)

    assert out.getvalue().count("\n") == 1
    assert "apt-get install pcscd vsmartcard-vpcd" in out.getvalue()
    with pytest.raises(CommandError, match="vsmartcard-vpcd"):
        call_command("virtual-card")


def test_an_unknown_resident_is_refused() -> None:
    with pytest.raises(CommandError, match="nobody"):
        call_command("virtual-card", "--resident", "nobody")


@pytest.mark.pcsc
@pytest.mark.django_db
def test_serve_keeps_the_card_in_the_reader_until_stopped(virtual_reader: VirtualReader) -> None:
    stop = threading.Event()
    server = threading.Thread(
        target=vpcd.serve,
        args=(card_for("kaga-taro"),),
        kwargs={"port": virtual_reader.port, "stop": stop},
    )
    server.start()
    try:
        connection = virtual_reader.connect()

        assert transmit(connection, select_aid(AID_JPKI)) == (b"", "9000")
        connection.disconnect()
    finally:
        stop.set()
        server.join(timeout=10)
    assert not server.is_alive()
    virtual_reader.wait_for_card(present=False)


def test_madoguchi_serve_starts_the_card_only_when_make_run_names_a_resident(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from madoguchi import cli

    started: list[list[str]] = []
    monkeypatch.setattr(cli.subprocess, "Popen", lambda command: started.append(command))
    monkeypatch.delenv("MADOGUCHI_VIRTUAL_CARD", raising=False)
    monkeypatch.delenv("RUN_MAIN", raising=False)
    cli._start_virtual_card()
    monkeypatch.setenv("MADOGUCHI_VIRTUAL_CARD", "kobe-kitano")
    monkeypatch.setenv("RUN_MAIN", "true")  # runserver's reloaded child: the parent has one
    cli._start_virtual_card()
    monkeypatch.delenv("RUN_MAIN")

    cli._start_virtual_card()

    assert len(started) == 1
    assert started[0][-4:] == ["counter-demo", "--if-available", "--resident", "kobe-kitano"]
