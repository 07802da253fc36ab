"""Tests of the breakpoint provisioner: Packer's messages and a pause through the build's interaction."""

import pytest

from builds.engine.cancel import Cancelled
from builds.engine.provisioners.breakpoint.provisioner import BreakpointProvisioner
from builds.engine.ui import SAY


def test_pauses_with_the_note_after_saying_so(context, ui, sink, interaction, cancel):
    order = []
    interaction.pause = lambda build, note: order.append(("pause", build, note, list(sink.texts(SAY))))
    prov = BreakpointProvisioner({"note": "check the disk"}, context)
    assert prov.prepare() == []
    prov.provision(ui, None, {}, cancel)
    assert order == [("pause", "null.test", "check the disk",
                      ['Pausing at breakpoint provisioner with note "check the disk".'])]


def test_pauses_without_a_note(context, ui, sink, interaction, cancel):
    BreakpointProvisioner({}, context).provision(ui, None, {}, cancel)
    assert sink.texts(SAY) == ["Pausing at breakpoint provisioner."]
    assert interaction.pauses == [("null.test", "")]


@pytest.mark.parametrize(("config", "message"), [
    ({"disable": True, "note": "n"}, 'Breakpoint provisioner with note "n" disabled; continuing...'),
    ({"disable": True}, "Breakpoint provisioner disabled; continuing..."),
])
def test_a_disabled_breakpoint_says_so_and_does_not_pause(context, ui, sink, interaction, cancel, config,
                                                          message):
    BreakpointProvisioner(config, context).provision(ui, None, {}, cancel)
    assert sink.texts(SAY) == [message]
    assert interaction.pauses == []


def test_a_build_cancelled_during_the_pause_stops_there(context, ui, interaction, cancel):
    interaction.pause = lambda build, note: cancel.cancel("stopped by user")
    with pytest.raises(Cancelled, match="stopped by user"):
        BreakpointProvisioner({"note": "x"}, context).provision(ui, None, {}, cancel)
