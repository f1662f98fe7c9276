#!/usr/bin/env python3
"""A command stage: standardise each feature of a chunk-format artifact with the training split's mean and std,
times the `gain` param, and write the result in the same format. Standard library only.

pipe runs it as   python3 scale.py --in <input artifact> --out <output folder>
with its params in the JSON file $PIPE_PARAMS (and as $PIPE_PARAM_GAIN). What it prints is kept in the artifact
(pipe-stdout.log, pipe-stderr.log) and shown on the dashboard; a non-zero exit fails the stage."""

import argparse
import json
import math
import os
import sys
from array import array


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--in", dest="source", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    with open(os.environ["PIPE_PARAMS"]) as f:
        gain = float(json.load(f).get("gain", 1))

    with open(os.path.join(args.source, "chunks.json")) as f:
        manifest = json.load(f)
    values = array("f")
    with open(os.path.join(args.source, "chunks.f32"), "rb") as f:
        values.frombytes(f.read())
    if sys.byteorder != "little":
        values.byteswap()

    steps, dims = manifest.get("shape", [manifest["length"], 1])
    length = manifest["length"]
    train = [row["index"] for row in manifest["rows"] if row["split"] == "train"]
    if not train:
        print("no chunk of the training split to fit the scaling on", file=sys.stderr)
        return 3

    # Fitted on the training split only, so that validation and test are scaled with numbers they did not shape.
    sums, squares, count = [0.0] * dims, [0.0] * dims, len(train) * steps
    for index in train:
        base = index * length
        for step in range(steps):
            for d in range(dims):
                v = values[base + step * dims + d]
                sums[d] += v
                squares[d] += v * v
    means = [s / count for s in sums]
    stds = [math.sqrt(max(q / count - m * m, 1e-12)) for q, m in zip(squares, means)]
    for i in range(len(values)):
        d = (i % length) % dims
        values[i] = gain * (values[i] - means[d]) / stds[d]

    if sys.byteorder != "little":
        values.byteswap()
    with open(os.path.join(args.out, "chunks.f32"), "wb") as f:
        values.tofile(f)
    manifest["features"] = {**manifest.get("features", {}), "scaled": {"means": means, "stds": stds, "gain": gain}}
    with open(os.path.join(args.out, "chunks.json"), "w") as f:
        json.dump(manifest, f)
    print(f"scaled {len(manifest['rows'])} chunks of {steps}x{dims} with the mean and std of {len(train)} training chunks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
