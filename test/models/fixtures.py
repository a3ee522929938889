"""
Test models for stachub's PyTorch reader, made by Debian's python3-torch, and what torch itself says
about them (the oracle). One process writes every file and prints one JSON object:
{file name: {"tensors": {name: {"dataType", "shape", "group"}}, "parameterCount"}}.

Usage: python3 fixtures.py OUT_DIR
Names follow stachub's rules: dict keys joined with "/", module state_dict keys as torch gives them;
tensors under a top-level key matching /optim/i are "optimizer"; when a checkpoint has a
"state_dict" (or "model_state_dict", "model", "module", "net", "network") key, tensors elsewhere are
"other".
"""
import collections
import json
import os
import re
import sys

import torch

OUT = sys.argv[1]
MODEL_KEYS = ["state_dict", "model_state_dict", "model", "module", "net", "network"]

DTYPES = {
    torch.float32: "float32", torch.float64: "float64", torch.float16: "float16", torch.bfloat16: "bfloat16",
    torch.complex64: "cfloat32", torch.complex128: "cfloat64", torch.uint8: "uint8", torch.int8: "int8",
    torch.int16: "int16", torch.int32: "int32", torch.int64: "int64", torch.bool: "bool",
    torch.qint8: "qint8", torch.quint8: "quint8", torch.qint32: "qint32",
}


class Net(torch.nn.Module):
    """A small segmentation-like network: conv, batch norm (with its int64 counter), linear head."""

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 8, 3, padding=1)
        self.bn = torch.nn.BatchNorm2d(8)
        self.head = torch.nn.Linear(8, 5)

    def forward(self, x: torch.Tensor, scale: float = 1.0) -> torch.Tensor:
        y = self.bn(self.conv(x)).mean(dim=(2, 3))
        return self.head(y) * scale


class TwoOut(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a = torch.nn.Linear(4, 2)

    def forward(self, x: torch.Tensor, mask: torch.Tensor):
        y = self.a(x)
        return y, y * mask


def walk(obj, path, out):
    if isinstance(obj, torch.Tensor):
        out.append(("/".join(path), obj))
    elif isinstance(obj, dict):
        for k, v in obj.items():
            walk(v, path + [str(k)], out)
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            walk(v, path + [str(i)], out)
    elif isinstance(obj, torch.nn.Module):
        for k, v in obj.state_dict(keep_vars=True).items():
            out.append((k if not path else "/".join(path) + "/" + k, v))


def describe(obj):
    found = []
    walk(obj, [], found)
    tops = {n.split("/")[0] for n, _ in found if "/" in n}
    model_key = next((k for k in MODEL_KEYS if k in tops), None)
    tensors = {}
    params = 0
    for name, t in found:
        top = name.split("/")[0] if "/" in name else None
        if top is not None and re.search("optim", top, re.I):
            group = "optimizer"
        elif model_key is None or top == model_key:
            group = "model"
        else:
            group = "other"
        tensors[name] = {"dataType": DTYPES[t.dtype], "shape": list(t.shape), "group": group}
        if group == "model":
            params += t.numel()
    return {"tensors": tensors, "parameterCount": params}


def save(name, obj, **kw):
    path = os.path.join(OUT, name)
    torch.save(obj, path, **kw)
    return path


torch.manual_seed(0)
reference = {}
net = Net()
net.eval()

# 1. A plain state dict.
p = save("state_dict.pth", net.state_dict())
reference["state_dict.pth"] = describe(torch.load(p))

# 2. Every dtype, scalars, empty tensors, views sharing a storage, tied weights, parameters.
base = torch.arange(12, dtype=torch.float32).reshape(3, 4)
tied = torch.nn.Parameter(torch.ones(5, 2))
dtypes = collections.OrderedDict()
for dt in [torch.float32, torch.float64, torch.float16, torch.bfloat16, torch.complex64, torch.complex128,
           torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64, torch.bool]:
    dtypes["t_" + str(dt).split(".")[1]] = torch.zeros(2, 3, dtype=dt)
dtypes["scalar"] = torch.tensor(3.5)
dtypes["empty"] = torch.zeros(0, 7)
dtypes["view_row"] = base[1]
dtypes["view_t"] = base.t()
dtypes["base"] = base
dtypes["tied_a"] = tied
dtypes["tied_b"] = tied
dtypes["q"] = torch.quantize_per_tensor(torch.rand(4, 4), 0.1, 10, torch.qint8)
p = save("dtypes.pt", dtypes)
reference["dtypes.pt"] = describe(torch.load(p))

# 3. A Lightning-like checkpoint: weights under state_dict, optimizer state apart, other state.
opt = torch.optim.Adam(net.parameters(), lr=1e-3)
net.train()
net(torch.rand(2, 3, 6, 6)).sum().backward()
opt.step()
sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1)
ckpt = {
    "epoch": 3,
    "global_step": 120,
    "pytorch-lightning_version": "2.1.3",
    "state_dict": collections.OrderedDict(("model." + k, v) for k, v in net.state_dict().items()),
    "loops": {"fit_loop": {"epoch_progress": {"total": {"ready": 4}}}},
    "callbacks": {"ModelCheckpoint{'monitor': 'val_loss'}": {"best_model_score": torch.tensor(0.25), "best_k_models": {}}},
    "optimizer_states": [opt.state_dict()],
    "lr_schedulers": [sched.state_dict()],
    "hparams_name": "kwargs",
    "hyper_parameters": {"lr": 0.001, "classes": ["water", "land"]},
}
p = save("lightning.ckpt", ckpt)
reference["lightning.ckpt"] = describe(torch.load(p))

# 4. A nested dict with "model" and "optimizer" keys (the common hand-written checkpoint).
p = save("nested.pth", {"model": net.state_dict(), "optimizer": opt.state_dict(), "epoch": 7})
reference["nested.pth"] = describe(torch.load(p))

# 5. The format before PyTorch 1.6 (pickles then raw storages).
p = save("legacy.pt", net.state_dict(), _use_new_zipfile_serialization=False)
reference["legacy.pt"] = describe(torch.load(p))

# 6. TorchScript archives (code/, constants.pkl).
ts = torch.jit.script(Net())
ts.save(os.path.join(OUT, "scripted.pt"))
reference["scripted.pt"] = describe(torch.jit.load(os.path.join(OUT, "scripted.pt")))
ts2 = torch.jit.script(TwoOut())
ts2.save(os.path.join(OUT, "two_outputs.pt"))
reference["two_outputs.pt"] = describe(torch.jit.load(os.path.join(OUT, "two_outputs.pt")))

# 7. A whole pickled module: loading it imports the training script's classes (unsafe by design).
p = save("whole_model.pt", net)
reference["whole_model.pt"] = describe(torch.load(p))

# 8. safetensors written from torch tensors by this script, following the format's specification
# (8-byte little-endian header length, JSON header with dtype/shape/data_offsets, then the bytes).
ST_DTYPES = {torch.float32: "F32", torch.float64: "F64", torch.float16: "F16", torch.bfloat16: "BF16", torch.int64: "I64",
             torch.int32: "I32", torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8", torch.bool: "BOOL"}
st = collections.OrderedDict((k, v.detach().contiguous()) for k, v in dtypes.items() if v.dtype in ST_DTYPES)
st.update(("model." + k, v.detach().contiguous()) for k, v in net.state_dict().items())
header, blobs, at = {"__metadata__": {"format": "pt"}}, [], 0
for k, v in st.items():
    raw = v.view(torch.int16).numpy().tobytes() if v.dtype == torch.bfloat16 else v.numpy().tobytes()
    header[k] = {"dtype": ST_DTYPES[v.dtype], "shape": list(v.shape), "data_offsets": [at, at + len(raw)]}
    blobs.append(raw)
    at += len(raw)
text = json.dumps(header).encode()
with open(os.path.join(OUT, "from_torch.safetensors"), "wb") as f:
    f.write(len(text).to_bytes(8, "little") + text + b"".join(blobs))
reference["from_torch.safetensors"] = describe(st)

json.dump(reference, sys.stdout)
