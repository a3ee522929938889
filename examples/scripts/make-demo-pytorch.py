"""
The demo's PyTorch files, made with Debian's python3-torch (seeded, so the same every run):

- tree-species-classifier/weights/resnet18-species.pt: a safe state dict (torch.save) of a small
  ResNet-style classifier for 4-band 64 x 64 crown chips and 6 species;
- pickled-detector/model.pt: the same kind of checkpoint with a pickled object whose __reduce__ runs
  a shell command when torch.load unpickles it (the command only prints a line). stachub flags it.

Usage: /usr/bin/python3 examples/scripts/make-demo-pytorch.py
"""
import collections
import os

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
WS = os.path.join(HERE, "..", "workspace")


class Block(torch.nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = torch.nn.Conv2d(cin, cout, 3, padding=1, bias=False)
        self.bn = torch.nn.BatchNorm2d(cout)


class SpeciesNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = Block(4, 16)
        self.layer1 = Block(16, 32)
        self.layer2 = Block(32, 64)
        self.fc = torch.nn.Linear(64, 6)


class RunsACommand:
    """What a poisoned checkpoint hides: unpickling it calls os.system."""

    def __reduce__(self):
        return (os.system, ("echo 'this checkpoint ran a shell command when it was loaded'",))


torch.manual_seed(2026)
net = SpeciesNet()
torch.save(net.state_dict(), os.path.join(WS, "tree-species-classifier", "weights", "resnet18-species.pt"))

torch.manual_seed(7)
det = SpeciesNet()
poisoned = collections.OrderedDict(det.state_dict())
poisoned["_metadata_hook"] = RunsACommand()
os.makedirs(os.path.join(WS, "pickled-detector"), exist_ok=True)
torch.save(poisoned, os.path.join(WS, "pickled-detector", "model.pt"))
