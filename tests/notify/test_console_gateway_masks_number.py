import io

from klinika.notify.gateways.console import ConsoleSmsGateway


def test_the_console_shows_the_text_but_not_the_number():
    stream = io.StringIO()
    message_id = ConsoleSmsGateway(stream).send("48600100234", "Przychodnia: wizyta 03.12 o 10:30")
    printed = stream.getvalue()
    assert message_id.startswith("console-") and message_id in printed
    assert "Przychodnia: wizyta 03.12 o 10:30" in printed
    assert "48600100234" not in printed and "600100" not in printed and "*234" in printed


def test_the_console_gateway_prints_to_stdout_by_default(capsys):
    ConsoleSmsGateway().send("48600100234", "hello")
    out = capsys.readouterr().out
    assert "hello" in out and "48600100234" not in out
