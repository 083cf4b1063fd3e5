"""The GAN studio's and the Compare page's widgets start from the settings' own defaults."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

from trainers import race
from trainers.config import RunConfig
from trainers.group import GroupRunConfig
from trainers.settings import settings_of

PAGES = Path(__file__).resolve().parents[2] / "app_pages"


def numbers(page: AppTest) -> dict:
    return {widget.label: widget.value for widget in page.number_input}


def test_the_gan_studio_starts_from_the_gan_defaults():
    page = AppTest.from_file(str(PAGES / "gan_studio.py"), default_timeout=60).run()

    gan = RunConfig.for_architecture(page.selectbox(key="gan_architecture").value)
    shown = numbers(page)
    del shown["Epochs"]  # the studio's own: long enough to watch the digits appear
    assert not page.exception and not page.error
    assert shown == {
        "Generator LR": gan.learning_rate,
        "Discriminator LR": gan.discriminator_learning_rate,
        "Batch size": gan.batch_size,
        "D steps per G step": gan.discriminator_steps,
        "Samples every (steps)": gan.image_every,
    }


def test_the_race_starts_from_a_groups_defaults_and_a_preset_changes_them():
    page = AppTest.from_file(str(PAGES / "compare.py"), default_timeout=60).run()
    target = settings_of(race.RaceConfig)["target_accuracy"].default

    assert not page.exception and not page.error
    assert page.number_input(key="race_epochs").value == GroupRunConfig().epochs
    assert page.number_input(key="race_target").value == target
    assert page.selectbox(key="race_style").value == GroupRunConfig().style

    name = "SGD vs Adam, Trainer pattern"
    page.button(key=f"preset {name}").click().run()

    preset = race.PRESETS[name].run
    assert page.number_input(key="race_epochs").value == preset.epochs
    assert page.selectbox(key="race_style").value == preset.style
    assert not page.error
