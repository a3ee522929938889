"""Cut the 5000 x 5000 INRIA tiles into square chips."""
import sys

CHIP = 512


def chips(width: int, height: int, size: int = CHIP):
    for y in range(0, height - size + 1, size):
        for x in range(0, width - size + 1, size):
            yield x, y


if __name__ == "__main__":
    print(sum(1 for _ in chips(5000, 5000, int(sys.argv[1]) if len(sys.argv) > 1 else CHIP)))
