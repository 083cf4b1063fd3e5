"""The projector mode's address: `?projector=1` turns it on; anything else is said, not guessed."""

import pytest
from streamlit.testing.v1 import AppTest


def tiny_app():
    from components import projector

    projector.apply_style()
    projector.toggle()


@pytest.mark.parametrize(
    ("given", "on", "warned"),
    [
        (None, False, False),
        ("1", True, False),
        ("yes", False, True),
        ("<script>alert(1)</script>", False, True),
        ("[x](javascript:alert(1))", False, True),
    ],
)
def test_the_address_turns_the_projector_on_or_says_what_it_did_not_understand(given, on, warned):
    app = AppTest.from_function(tiny_app)
    if given is not None:
        app.query_params["projector"] = given
    app.run()
    assert not app.exception
    assert app.toggle(key="projector").value is on
    assert len(app.warning) == warned
    if warned:
        assert "`?projector=1` turns the projector mode on" in app.warning[0].value
        assert given[:5] in app.warning[0].value.replace("\\", "")  # shown as typed
        assert "](" not in app.warning[0].value  # never as a live link
