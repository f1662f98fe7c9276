"""The benchmark's peer: pipe's default cnn_lstm trained in PyTorch on the CPU, same shapes and optimizer.

Four blocks Conv1d -> BatchNorm -> ELU -> MaxPool (filters 16/32/64/64, kernels 64/8/8/8, strides 8/1/1/1, pools
4/4/2/2), an LSTM of 64 over the conv output sequence (its last state), dropout 0.3, dense softmax over 7 classes;
batch 32 of 16000-sample examples, SGD with Nesterov momentum 0.9, lr 0.01. Prints one JSON object:
{"torch": version, "threads": n, "examples_per_s": ...} per thread count given on the command line.
Run by `npm run bench -- --peer` (src/bench/peer.ts); usable alone: python3 bench/peer_torch.py 1 2
"""
import json
import sys
import time

import torch
from torch import nn

SAMPLES, CLASSES, BATCH, EXAMPLES = 16000, 7, 32, 64


class CnnLstm(nn.Module):
    def __init__(self):
        super().__init__()
        blocks, channels = [], 1
        for filters, kernel, stride, pool in zip([16, 32, 64, 64], [64, 8, 8, 8], [8, 1, 1, 1], [4, 4, 2, 2]):
            blocks += [nn.Conv1d(channels, filters, kernel, stride), nn.BatchNorm1d(filters), nn.ELU(), nn.MaxPool1d(pool)]
            channels = filters
        self.conv = nn.Sequential(*blocks)
        self.lstm = nn.LSTM(channels, 64, batch_first=True)
        self.head = nn.Sequential(nn.Dropout(0.3), nn.Linear(64, CLASSES))

    def forward(self, x):
        seq = self.conv(x).transpose(1, 2)
        _, (h, _) = self.lstm(seq)
        return self.head(h[-1])  # logits; CrossEntropyLoss applies the softmax


def examples_per_s(threads, steps=8, repeats=3):
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    i = torch.arange(EXAMPLES * SAMPLES, dtype=torch.float32)
    x = (torch.sin(i * 0.013) * 0.1 + ((i * 7919) % 101) / 1010).reshape(EXAMPLES, 1, SAMPLES)
    y = torch.arange(EXAMPLES) % CLASSES
    model = CnnLstm()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, nesterov=True)
    loss_fn = nn.CrossEntropyLoss()

    def step(s):
        idx = torch.arange(BATCH) + (s * BATCH) % EXAMPLES
        opt.zero_grad()
        loss = loss_fn(model(x[idx]), y[idx])
        loss.backward()
        opt.step()
        return loss.item()

    model.train()
    step(0)
    # As pipe's bench-worker measures: the median of `repeats` runs of `steps` steps after one warm-up step.
    rates = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for s in range(steps):
            step(s)
        rates.append(steps * BATCH / (time.perf_counter() - t0))
    return sorted(rates)[len(rates) // 2]


if __name__ == "__main__":
    for t in [int(a) for a in sys.argv[1:]] or [1, 2]:
        print(json.dumps({"torch": torch.__version__, "threads": t, "examples_per_s": round(examples_per_s(t), 1)}), flush=True)
