"""The Runs page lists every stored run, overlays several, opens any, renames, tags and deletes.

The runs are real and tiny, all in the session's store: a run, an optimizer race and a GAN of
this process's worker on the 8×8 digits, and a script's own `fit()` recorded with
`DashboardCallback`. The page runs in Streamlit's `AppTest`; runs of the worker open with their
live views, other runs with the same views drawn from the store, read-only.
"""

from __future__ import annotations

import json
from pathlib import Path

import keras
import pytest
from streamlit.testing.v1 import AppTest

from components.registry import store, worker
from trainers import DashboardCallback, race
from trainers.config import RunConfig
from trainers.datasets import load_dataset
from trainers.group import GroupRunConfig

PAGE = str(Path(__file__).resolve().parents[2] / "app_pages" / "runs.py")
TRAINED: dict[str, str] = {}  # what -> run id, trained once for the module


def script_run(name: str) -> str:
    """Trains a tiny network on digits with plain `fit()` and the callback; returns its id."""
    data = load_dataset("digits", validation_split=0.2, max_examples=128, seed=0)
    model = keras.Sequential(
        [keras.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(10, "softmax")],
        name="tiny",
    )
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    callback = DashboardCallback(name=name, store=store())
    model.fit(data.x_train, data.y_train, batch_size=32, epochs=1, callbacks=[callback], verbose=0)
    return callback.run_id


@pytest.fixture
def trained(until) -> dict[str, str]:
    """The run ids of a run, a race and a GAN of the worker, and of a script."""
    if not TRAINED:
        jobs = {
            "run": worker().submit(RunConfig(dataset="digits", max_examples=128, epochs=1)),
            "race": race.submit(
                worker(),
                race.RaceConfig(
                    race.parse_contestants("sgd:0.01,adam:0.001"),
                    GroupRunConfig(dataset="digits", max_examples=128, max_steps=3),
                ),
            ),
            "gan": worker().submit(
                RunConfig.for_architecture(
                    "gan-classroom", dataset="digits", style="gan_fit", max_steps=4, image_every=2
                )
            ),
        }
        until(lambda: all(job.log.finished for job in jobs.values()), 300, "the runs to end")
        TRAINED.update({what: job.run_id for what, job in jobs.items()})
        TRAINED["script"] = script_run("my run")
    return TRAINED


def open_page() -> AppTest:
    page = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not page.exception
    return page


def view_stored(run_id: str) -> None:
    """Draws a run as a server that did not train it does: from the store (AppTest script)."""
    from components import registry, stored_view

    class NoJobs:
        def job(self, run_id):
            return None

    stored_view.show(NoJobs(), registry.store().run(run_id))


def test_the_table_lists_every_stored_run_a_group_with_its_runs(trained):
    rows = open_page().dataframe[0].value.set_index("run")

    assert rows.loc[trained["run"], "status"] == "completed"
    assert rows.loc[trained["run"], "steps"] == 2  # 115 training digits in batches of 64
    race_rows = list(rows.index[list(rows.index).index(trained["race"]) :][:3])
    assert race_rows == [
        trained["race"],
        f"{trained['race']}/sgd 0.01",
        f"{trained['race']}/adam 0.001",
    ]
    assert rows.loc[f"{trained['race']}/sgd 0.01", "name"] == "↳ sgd 0.01"
    script = rows.loc[trained["script"]]
    assert (script["name"], script["by"], script["status"]) == ("my run", "script", "completed")
    assert script["architecture"] == "tiny"


def test_words_and_statuses_filter_the_table(trained):
    page = open_page()
    # Every word must match: the name and the owner (a run of "my digits.npz" has "my run").
    page.text_input(key="runs_filter").input("my run script").run()
    assert list(page.dataframe[0].value["run"]) == [trained["script"]]
    page.text_input(key="runs_filter").input("").run()
    page.multiselect(key="runs_status").select("failed").run()
    assert not page.dataframe
    assert "No run matches the filters." in [info.value for info in page.info]


def test_runs_of_another_process_open_read_only_in_their_own_views(trained):
    gan = AppTest.from_function(view_stored, args=(trained["gan"],), default_timeout=60).run()
    downloads = [button.proto.label for button in gan.get("download_button")]
    assert downloads == ["Download the final grid (PNG)", "Download the filmstrip (GIF)"]
    captions = [caption for image in gan.get("image") for caption in image.captions]
    assert "step 4: samples from the same fixed noise" in captions
    assert any(caption.startswith("filmstrip: step 2, step 4") for caption in captions)

    a_race = AppTest.from_function(view_stored, args=(trained["race"],), default_timeout=60).run()
    assert a_race.dataframe[0].value["contestant"].tolist() != []  # the leader board

    page = open_page()
    page.selectbox(key="runs_open").select(trained["script"]).run()
    assert not page.exception
    assert "script" in page.markdown[0].value and "tiny" in page.markdown[0].value
    assert {"Stop", "Pause"}.isdisjoint(button.label for button in page.button)
    titles = [json.loads(chart.proto.spec)["layout"]["title"]["text"] for chart in charts(page)]
    assert {"loss per batch", "accuracy per batch", "accuracy per epoch"} <= set(titles)


def charts(page: AppTest) -> list:
    return list(page.get("plotly_chart"))


def test_picked_runs_and_groups_overlay_in_one_chart(trained):
    page = open_page()
    page.multiselect(key="runs_overlay").select(trained["race"]).select(trained["script"]).run()
    assert page.selectbox(key="runs_overlay_metric").options == ["loss", "accuracy"]
    page.selectbox(key="runs_overlay_metric").select("accuracy").run()

    (chart,) = charts(page)
    figure = json.loads(chart.proto.spec)
    assert figure["layout"]["title"]["text"].startswith("accuracy, overlaid")
    assert [trace["name"] for trace in figure["data"]] == [
        f"{trained['race']} · sgd 0.01",
        f"{trained['race']} · adam 0.001",
        f"my run ({trained['script']})",
    ]


def test_a_run_is_renamed_tagged_and_deleted_only_once_confirmed():
    run_id = script_run("doomed")
    page = open_page()
    page.selectbox(key="runs_open").select(run_id).run()
    page.text_input(key=f"runs_name_{run_id}").input("spared").run()
    page.button(key="runs_rename").click().run()
    page.text_input(key=f"runs_tags_{run_id}").input("keep, digits").run()
    page.button(key="runs_save_tags").click().run()
    assert (store().run(run_id)["name"], store().run(run_id)["tags"]) == (
        "spared",
        ["keep", "digits"],
    )

    page.text_input(key=f"runs_name_{run_id}").input("<img src=x>").run()
    page.button(key="runs_rename").click().run()
    assert "holds only letters" in page.error[0].value
    assert store().run(run_id)["name"] == "spared"

    page.button(key="runs_delete").click().run()
    assert "for good" in page.warning[0].value
    assert store().run(run_id) is not None
    page.button(key="runs_delete_confirm").click().run()
    assert not page.exception
    assert store().run(run_id) is None
    assert run_id not in page.selectbox(key="runs_open").options
    assert run_id not in page.dataframe[0].value["run"].tolist()
