"""What TensorBoard itself reads from a log folder: an independent check of `kiln train --tensorboard DIR`'s files.

Loads DIR with TensorBoard's own event multiplexer and data provider (the path `tensorboard --logdir DIR` serves the
scalars dashboard from), and prints one JSON object: for each run (train, validation) its event files, every tag the
loader found, and every scalar as [step, value] in step order. Exit status 2 when the tensorboard package is missing.
Run with the venv from scripts/keras-venv.sh:
  python scripts/tensorboard_read.py DIR
"""
import glob
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

try:
    from tensorboard import context
    from tensorboard.backend.event_processing import data_provider
    from tensorboard.backend.event_processing import plugin_event_multiplexer
except ImportError as e:
    print(f"tensorboard_read: the tensorboard package is missing from {sys.prefix} ({e}); "
          "make the venv again with scripts/keras-venv.sh", file=sys.stderr)
    sys.exit(2)


def main(logdir):
    # tensors: 0 keeps every point (the default samples 10 per tag).
    mux = plugin_event_multiplexer.EventMultiplexer(size_guidance={"tensors": 0})
    mux.AddRunsFromDirectory(logdir)
    mux.Reload()
    provider = data_provider.MultiplexerDataProvider(mux, logdir)
    ctx = context.RequestContext()
    scalars = provider.read_scalars(ctx, experiment_id="", plugin_name="scalars", downsample=1 << 30)
    out = {}
    for run, tags in mux.Runs().items():
        out[run] = {
            "files": sorted(os.path.basename(f) for f in glob.glob(os.path.join(logdir, run, "*tfevents*"))),
            "tags": sorted(tags.get("tensors", [])),
            "scalars": {tag: [[d.step, d.value] for d in sorted(points, key=lambda d: d.step)]
                        for tag, points in scalars.get(run, {}).items()},
        }
    json.dump(out, sys.stdout, sort_keys=True)
    print()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: tensorboard_read.py DIR")
    main(sys.argv[1])
