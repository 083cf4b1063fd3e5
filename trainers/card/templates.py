"""The few parts of a card that are not copied from Looplab: its prose and its stand-ins.

Everything else in a card is Looplab's own source (see `trainers.card.extract`). What is here
is what a standalone file needs instead of Looplab's machinery: the section headings a reader
follows, a `Run` and a `Recorder` that hand a style what Looplab hands it without the event log,
the glue that calls Looplab's builder and loader for one run, and `main()`. Each is a
`string.Template`, filled in by `trainers.card.sections`.
"""

from string import Template

HEADER = Template('''"""Experiment card: $title.

$when

It reproduces that run outside Looplab in one file: the data loaded and split exactly as Looplab
does, the architecture, the training style's code, the configuration and the seed, all copied
from Looplab's own source. Run it from any folder with Looplab's requirements installed:

    python card.py

$needs

Configuration:

$settings
"""''')

SECTION = Template('''"""
## $title

$text
"""''')

DATA_TEXT = """\
Looplab's own loading code (`trainers/datasets/`): read the source, then do the seeded work
of one run on copies of it: keep the chosen classes, shuffle with `np.random.default_rng(seed)`,
hold out a stratified share for validation, keep at most `max_examples` training examples, and
scale pixels to [0, 1]. `load_data` then turns class weights into per-example weights, as
Looplab's engine does."""

ARCHITECTURE_TEXT = """\
Looplab's builder (`trainers/architectures.py`), shaped to the data as `architectures.build`
shapes it. Build it only after seeding: the initial weights and the Dropout masks come from
Keras' seeded random state."""

STYLE_TEXT = Template("""\
The code of `trainers/styles/$module.py`, as Looplab runs it. Its own introduction:

$intro""")

RUN_TEXT = """\
Looplab hands each style a run: the model, a fresh optimizer, the task's loss and metric, and
the batches in the engine's own order: a `tf.random.experimental.stateless_shuffle` of the
training examples seeded by (seed, epoch), the same for every style. The `Run` below stands in
for Looplab's `ClassifierRun` with Looplab's own methods; its `Recorder` keeps each epoch's
running means and prints each epoch's metrics instead of streaming them to a page."""

TRAINING_TEXT = """\
Seed as Looplab's engine does, just before building the network, then train in the style above
and print the first epoch's loss."""

CONFIG = Template('''@dataclass(frozen=True)
class RunConfig:
    """The run's settings that this card reads, as Looplab's `RunConfig` holds them."""

$fields


CONFIG = RunConfig(
$values
)''')

FIND_NAMED = Template('''def _find_source(name: str, seed: int) -> Source:
    """Reads the run's source, '$dataset', as Looplab's `$module.$function` does."""
    return $function($arguments)''')

FIND_NPZ = '''def _find_source(name: str, seed: int) -> Source:
    """Reads the run's .npz file as Looplab's `npz.load` does, less its checks of a new file."""

    def fail(problem: str, received: str) -> DatasetError:
        return DatasetError(f"{name}: {problem} Received: {received}")

    with np.load(name, allow_pickle=False) as data:
        arrays = {key: data[key] for key in data.files}
    return _npz_to_source(arrays, fail)'''

BUILD_MODEL = Template('''\
# Whether `$architecture` outputs logits rather than probabilities.
FROM_LOGITS = $from_logits


def build_model(data: Dataset) -> keras.Model:
    """`$architecture`, shaped to the data as Looplab's `architectures.build` shapes it."""
    shape = tuple(data.x_train.shape[1:])
    outputs = data.num_classes or int(data.y_train.shape[-1])
    return $builder(shape, outputs, data)''')

RECORDER = Template('''class Recorder:
    """Stands in for Looplab's recorder: it keeps each epoch's running means, and prints."""

    stop_requested = False  # nothing asks a card's run to stop before its end

    def __init__(self, config: RunConfig) -> None:
        self.config = config
        self.step = 0
        self.epochs: list[dict] = []
        self._epoch, self._seen, self._totals, self._means = -1, 0, {}, {}
        self._started = time.perf_counter()

    def batch(self, epoch, batch, size, own=None, means=None) -> bool:
        """Records a batch's own metric values or Keras' running means; False means stop."""
        if epoch != self._epoch:
            self._epoch, self._seen, self._totals, self._means = epoch, 0, {}, {}
        self._seen += size
        for name, value in (own or {}).items():
            self._totals[name] = self._totals.get(name, 0.0) + float(value) * size
        for name, value in (means or {}).items():
            self._means[name] = float(value)
        self.step += 1
        values = {**(own or {}), **(means or {})}
        if not all(math.isfinite(float(v)) for name, v in values.items() if "loss" in name):
            print(f"step {self.step}: the loss is no longer finite, the run diverged")
            return False
        max_steps, minutes = self.config.max_steps, self.config.minutes
        if max_steps and self.step >= max_steps:
            return False
        return not (minutes and time.perf_counter() - self._started >= minutes * 60)

$mean

    def epoch(self, epoch: int, metrics: dict) -> None:
        """Prints an epoch's training metrics and `val_` validation metrics."""
        values = {name: float(value) for name, value in metrics.items()}
        self.epochs.append(values)
        print(f"epoch {epoch + 1}: " + ", ".join(f"{k} {v:.6f}" for k, v in values.items()))

    def mark(self, kind: str, value: object = None) -> None:
        """Prints a change the style made between batches, such as a new learning rate."""
        print(f"step {self.step}: {kind} {value}")''')

RUN = Template('''class Run:
    """Stands in for Looplab's `ClassifierRun`: what the training style above is handed.

    `__init__` sets what Looplab's sets; the other methods are Looplab's own.
    """

    def __init__(self, config: RunConfig, data: Dataset, model, from_logits: bool) -> None:
        self.config = config
        self.data = data
        self.model = model
        self.from_logits = from_logits
        self.epochs = config.epochs
        self.batch_size = config.batch_size
        self.examples = len(data.x_train)
        self.steps_per_epoch = math.ceil(self.examples / self.batch_size)
        # A fresh optimizer, as Looplab's `make_optimizer` makes '$optimizer'.
        self.optimizer = $optimizer_call
        self.recorder = Recorder(config)

$methods''')

MAIN = Template("""def main() -> None:
    if keras.config.backend() != "tensorflow":
        raise SystemExit("This card trains on TensorFlow: set KERAS_BACKEND=tensorflow")
    data = load_data(CONFIG)
    # Keras' random state is per thread: seed it on the thread that trains, just before the
    # network is built, as Looplab's engine does.
    keras.utils.set_random_seed(CONFIG.seed)
    run = Run(CONFIG, data, build_model(data), FROM_LOGITS)
    train(run$options)
    if run.recorder.epochs:
        print(f"first-epoch loss: {run.recorder.epochs[0]['loss']:.8f}")
    else:
        print("The run stopped before its first epoch ended: it has no first-epoch loss.")


if __name__ == "__main__":
    main()""")
