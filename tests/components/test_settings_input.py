"""The pages' number inputs come from the one description of each run setting."""

from streamlit.testing.v1 import AppTest

from components.settings_input import widget_options
from trainers import catalog
from trainers.config import RunConfig
from trainers.settings import settings_of

SETTINGS = settings_of(RunConfig)


def test_a_rate_is_a_float_input_that_shows_small_numbers():
    options = widget_options(SETTINGS["learning_rate"])

    assert options["label"] == "Learning rate" and options["help"]
    assert options["value"] == RunConfig().learning_rate
    assert all(isinstance(options[k], float) for k in ("min_value", "max_value", "step", "value"))
    assert options["format"] == "%g"


def test_a_count_is_an_int_input_with_the_settings_bounds():
    options = widget_options(SETTINGS["batch_size"])

    assert (options["min_value"], options["max_value"]) == (1, SETTINGS["batch_size"].high)
    assert all(isinstance(options[k], int) for k in ("min_value", "max_value", "value"))
    assert "format" not in options


def test_a_gan_starts_from_the_gan_defaults():
    assert widget_options(SETTINGS["batch_size"], gan=True)["value"] == (
        RunConfig.for_architecture(catalog.gan_architectures()[0]).batch_size
    )


def test_a_bound_that_names_another_setting_is_left_to_the_check():
    assert widget_options(SETTINGS["halve_lr_epoch"])["max_value"] is None


def draw_inputs():
    import streamlit as st

    from components.settings_input import dataset_and_architecture, number_input

    st.session_state.setdefault("epochs", 7)  # as a preset would
    number_input("batch_size", key="batch_size")
    number_input("epochs", key="epochs")
    number_input("learning_rate", key="rate", label="Generator LR", gan=True)
    dataset_and_architecture(st, st, "race")


def test_the_widgets_show_the_described_setting_unless_a_value_is_waiting_for_them():
    app = AppTest.from_function(draw_inputs).run()

    batch_size, epochs, rate = app.number_input
    assert not app.exception and not app.warning
    assert (batch_size.label, batch_size.value) == ("Batch size", RunConfig().batch_size)
    assert batch_size.proto.help == SETTINGS["batch_size"].help
    assert epochs.value == 7
    assert (rate.label, rate.value) == ("Generator LR", SETTINGS["learning_rate"].gan_default)


def test_a_race_or_a_lab_offers_the_architectures_that_classify_the_data():
    app = AppTest.from_function(draw_inputs).run()

    dataset, architecture = app.selectbox
    info = catalog.DATASETS[dataset.value]
    assert architecture.options == catalog.classifier_architectures_for(info.kind, info.task)
    assert not set(architecture.options) & set(catalog.gan_architectures())
