"""ResNet-18 with a 4-band stem for tree crown chips."""
import torch
import torchvision

CLASSES = ["picea_abies", "pinus_sylvestris", "fagus_sylvatica", "quercus_robur", "betula_pendula", "larix_decidua"]


def build() -> torch.nn.Module:
    net = torchvision.models.resnet18(num_classes=len(CLASSES))
    net.conv1 = torch.nn.Conv2d(4, 64, kernel_size=7, stride=2, padding=3, bias=False)
    return net
