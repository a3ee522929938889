/**
 * Writes the demo workspace's preview images (small PNGs drawn here, no external assets) and its
 * Git LFS pointer files. Run: `npx tsx examples/scripts/make-demo-media.ts`. Output is deterministic.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const workspace = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'workspace');

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/** Encode an RGB image as PNG. */
export function png(width: number, height: number, pixel: (x: number, y: number) => [number, number, number]): Buffer {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 3 + 1)] = 0;
    for (let x = 0; x < width; x++) {
      const [r, g, b] = pixel(x, y);
      const o = y * (width * 3 + 1) + 1 + x * 3;
      raw[o] = r;
      raw[o + 1] = g;
      raw[o + 2] = b;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A Git LFS pointer for `size` bytes whose content hash is derived from `seed`. */
export function lfsPointer(seed: string, size: number): string {
  const oid = createHash('sha256').update(seed).digest('hex');
  return `version https://git-lfs.github.com/spec/v1\noid sha256:${oid}\nsize ${size}\n`;
}

const W = 320;
const H = 200;
const clamp = (v: number): number => Math.max(0, Math.min(255, Math.round(v)));
const images: Record<string, (x: number, y: number) => [number, number, number]> = {
  // Flood map: land in greens, a meandering river and flooded plain in blues.
  'flood-segmentation/preview.png': (x, y) => {
    const river = Math.abs(y - (H / 2 + 30 * Math.sin(x / 40))) ;
    if (river < 10) return [30, 80, 200];
    if (river < 28 && x > 90 && x < 240) return [90, 150, 230];
    return [clamp(70 + 40 * Math.sin(x / 17) * Math.cos(y / 23)), clamp(140 + 30 * Math.sin(y / 11)), 60];
  },
  // SAR-like speckle: greys from a deterministic hash.
  'sen1floods11-dataset/docs/sample-tile.png': (x, y) => {
    const h = ((x * 73856093) ^ (y * 19349663)) >>> 0;
    const base = Math.abs(y - H / 2 - 20 * Math.sin(x / 30)) < 15 ? 25 : 140;
    const v = clamp(base + ((h % 61) - 30));
    return [v, v, v];
  },
  // Roof footprints on an aerial image.
  'building-detection-unet/preview.png': (x, y) => {
    const inBlock = x % 64 > 12 && x % 64 < 48 && y % 50 > 10 && y % 50 < 38;
    return inBlock ? [200, 70, 60] : [clamp(110 + (x % 7) * 3), clamp(120 + (y % 5) * 4), 100];
  },
  'inria-aerial-buildings/preview.png': (x, y) => {
    const inBlock = (x + 20) % 50 < 30 && (y + 10) % 40 < 24;
    return inBlock ? [255, 255, 255] : [0, 0, 0];
  },
  // Tree crowns coloured by species.
  'tree-species-classifier/preview.png': (x, y) => {
    const cx = Math.floor(x / 40);
    const cy = Math.floor(y / 40);
    const d = Math.hypot((x % 40) - 20, (y % 40) - 20);
    const palette: Array<[number, number, number]> = [[34, 120, 60], [90, 160, 40], [20, 90, 90], [140, 170, 60]];
    return d < 16 ? palette[(cx * 3 + cy) % 4]! : [120, 100, 70];
  },
  // Field parcels for the crop benchmark.
  'crop-type-benchmark/preview.png': (x, y) => {
    const palette: Array<[number, number, number]> = [[230, 200, 60], [120, 180, 70], [200, 140, 60], [90, 140, 200]];
    return palette[(Math.floor(x / 53) + 2 * Math.floor(y / 41)) % 4]!;
  },
  // A temperature field for the downscaling processor.
  'era5-downscaling/preview.png': (x, y) => {
    const t = (Math.sin(x / 50) + Math.cos(y / 35)) / 2;
    return [clamp(128 + 127 * t), 60, clamp(128 - 127 * t)];
  },
  'flood-dashboard/preview.png': (x, y) => (y < 24 ? [40, 60, 110] : x < 80 ? [235, 238, 245] : [clamp(200 - y / 2), clamp(220 - y / 3), 250]),
};

for (const [rel, pixel] of Object.entries(images)) {
  const file = path.join(workspace, rel);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, png(W, H, pixel));
}

const pointers: Record<string, [string, number]> = {
  'sen1floods11-dataset/data/S1Hand.zip': ['sen1floods11/S1Hand', 1_482_993_221],
  'sen1floods11-dataset/data/LabelHand.zip': ['sen1floods11/LabelHand', 8_310_442],
  'inria-aerial-buildings/data/aerial-train.zip': ['inria/train', 12_844_100_117],
  'inria-aerial-buildings/data/aerial-test.zip': ['inria/test', 6_120_554_980],
  'building-detection-unet/checkpoints/unet-best.pt': ['unet/best', 124_650_410],
  'tree-species-classifier/weights/resnet18-species.pt': ['trees/resnet18', 44_790_221],
  'crop-type-benchmark/data/parcels-2023.parquet': ['crops/parcels', 228_114_003],
};
for (const [rel, [seed, size]] of Object.entries(pointers)) {
  const file = path.join(workspace, rel);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, lfsPointer(seed, size));
}
console.log(`wrote ${Object.keys(images).length} images and ${Object.keys(pointers).length} LFS pointers under ${workspace}`);
