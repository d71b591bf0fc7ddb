import matplotlib
import torch

matplotlib.use("Agg")
# Tiny tensors everywhere in the unit tests: one thread avoids OpenMP spin-waiting on a
# shared 2-core machine (measured ~10x slower LeNet steps with 2 threads under load).
torch.set_num_threads(1)
