"""Public tests run on one CPU thread: these models are tiny, and extra threads only add overhead
(or stall outright when another process holds the other cores)."""

import torch

torch.set_num_threads(1)
