"""Training tests run on the CPU with one thread: the suite shares a small machine."""

from __future__ import annotations

import torch

torch.set_num_threads(1)
