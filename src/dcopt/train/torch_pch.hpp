#pragma once
// The precompiled header of every translation unit that sees torch (train/, tests/train/,
// apps/dcopt_train/). Only LibTorch goes here: dcopt's own headers change too often.
#include <torch/torch.h>
