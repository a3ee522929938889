/**
 * A small hand-written laid-out STAC tree shaped like the catalog stachub builds from a GitLab
 * instance (SharingHub item properties and links, MLM fields, per-version items), used by the
 * rendering tests. Paths follow the layout contract: `catalog.json`, `<category>/collection.json`,
 * `<category>/<group>/<project>/<project>.json`; hrefs are relative (self-contained build).
 */
import type { Placed, StacCatalog, StacCollection, StacItem, StacTree } from '../../generator/stac/types.js';

const MLM = 'https://stac-extensions.github.io/mlm/v1.5.2/schema.json';
const FILE = 'https://stac-extensions.github.io/file/v2.1.0/schema.json';
const SCI = 'https://stac-extensions.github.io/scientific/v1.0.0/schema.json';
const VERSION = 'https://stac-extensions.github.io/version/v1.2.0/schema.json';

function collection(id: string, title: string, description: string, itemPaths: string[]): Placed<StacCollection> {
  return {
    path: `${id}/collection.json`,
    json: {
      type: 'Collection',
      stac_version: '1.1.0',
      stac_extensions: [],
      id,
      title,
      description,
      keywords: [id],
      license: 'other',
      extent: { spatial: { bbox: [[-180, -90, 180, 90]] }, temporal: { interval: [[null, null]] } },
      links: [
        { rel: 'self', href: './collection.json', type: 'application/json' },
        { rel: 'root', href: '../catalog.json', type: 'application/json' },
        { rel: 'parent', href: '../catalog.json', type: 'application/json' },
        ...itemPaths.map((p) => ({ rel: 'item', href: './' + p.slice(id.length + 1), type: 'application/geo+json' })),
      ],
    },
  };
}

function baseLinks(depth: number, self: string): StacItem['links'] {
  const up = '../'.repeat(depth);
  return [
    { rel: 'self', href: `./${self}`, type: 'application/geo+json' },
    { rel: 'root', href: `${up}../catalog.json`, type: 'application/json' },
    { rel: 'parent', href: `${up}collection.json`, type: 'application/json' },
    { rel: 'collection', href: `${up}collection.json`, type: 'application/json' },
  ];
}

const floodReadme = `# Flood segmentation

A U-Net that segments **flooded areas** in Sentinel-1 radar tiles, trained on the
[Sen1Floods11 labels](https://gitlab.example.com/eo/sen1floods11).

![Sample prediction](docs/sample.png)

## Usage

\`\`\`python
import onnxruntime as ort
\`\`\`

| band | meaning |
|------|---------|
| VV   | vertical |

See [the training notes](https://gitlab.example.com/eo/flood-unet/-/blob/main/docs/TRAINING.md) and [DOI: 10.5281/zenodo.1234567](https://doi.org/10.5281/zenodo.1234567).
`;

const hostileReadme = `# Not a trap

<script>window.__pwned = 1</script>
<img src="https://gitlab.example.com/sandbox/trap/-/raw/main/x.png" onerror="window.__pwned = 2">
<a href="javascript:window.__pwned=3">click me</a>
<a href="JaVaScRiPt:alert(1)">mixed case</a>
<iframe src="https://evil.example/"></iframe>
<div onclick="window.__pwned=4" style="background:url(javascript:alert(1))">styled</div>
[markdown js](javascript:window.__pwned=5)
<svg><script>window.__pwned=6</script></svg>
<form action="https://evil.example/"><input name="x"></form>
`;

export function floodItem(): Placed<StacItem> {
  const path = 'ai-model/eo/flood-unet/flood-unet.json';
  return {
    path,
    json: {
      type: 'Feature',
      stac_version: '1.1.0',
      stac_extensions: [MLM, FILE, SCI],
      id: 'eo/flood-unet',
      collection: 'ai-model',
      geometry: {
        type: 'Polygon',
        coordinates: [[[-10, 35], [30, 35], [30, 60], [-10, 60], [-10, 35]]],
      },
      bbox: [-10, 35, 30, 60],
      properties: {
        title: 'Flood U-Net',
        description: floodReadme,
        datetime: '2026-03-14T10:00:00Z',
        created: '2025-11-02T08:00:00Z',
        updated: '2026-03-14T10:00:00Z',
        keywords: ['flood', 'sentinel-1', 'segmentation'],
        license: 'Apache-2.0',
        providers: [
          { name: 'GitLab (https://gitlab.example.com)', roles: ['host'], url: 'https://gitlab.example.com/eo/flood-unet' },
          { name: 'eo', roles: ['producer'], url: 'https://gitlab.example.com/eo' },
        ],
        'sharinghub:id': 42,
        'sharinghub:stars': 7,
        'sharinghub:path': 'eo/flood-unet',
        'sharinghub:default-branch': 'main',
        'mlm:name': 'flood-unet',
        'mlm:architecture': 'U-Net',
        'mlm:tasks': ['semantic-segmentation'],
        'mlm:framework': 'ONNX',
        'mlm:total_parameters': 7765442,
        'mlm:input': [
          {
            name: 'sar',
            description: 'Sentinel-1 VV and VH backscatter',
            bands: ['VV', 'VH'],
            input: { shape: [-1, 2, 256, 256], dim_order: ['batch', 'bands', 'height', 'width'], data_type: 'float32' },
          },
        ],
        'mlm:output': [
          {
            name: 'mask',
            tasks: ['semantic-segmentation'],
            result: { shape: [-1, 1, 256, 256], dim_order: ['batch', 'channel', 'height', 'width'], data_type: 'float32' },
            'classification:classes': [
              { value: 0, name: 'dry' },
              { value: 1, name: 'flooded' },
            ],
          },
        ],
        'sci:doi': '10.5281/zenodo.1234567',
        'sci:citation': 'Doe, J. (2026). Flood U-Net. Zenodo.',
      },
      links: [
        ...baseLinks(2, 'flood-unet.json'),
        { rel: 'bug_tracker', href: 'https://gitlab.example.com/eo/flood-unet/issues', type: 'text/html', title: 'Bug Tracker' },
        { rel: 'via', href: 'https://gitlab.example.com/eo/flood-unet', type: 'text/html', title: 'GitLab project' },
        { rel: 'derived_from', href: '../../../dataset/eo/sen1floods11/sen1floods11.json', type: 'application/geo+json', title: 'dataset: eo/sen1floods11' },
        { rel: 'preview', href: './preview.png', type: 'image/png' },
        { rel: 'license', href: 'https://spdx.org/licenses/Apache-2.0.html', type: 'text/html' },
        { rel: 'cite-as', href: 'https://doi.org/10.5281/zenodo.1234567' },
        {
          rel: 'mlflow:model',
          href: 'https://mlflow.example.com/eo/flood-unet/tracking/#/models/flood-unet/versions/3',
          title: 'flood-unet v3',
          'mlflow:uri': 'models:/flood-unet/3',
        },
        { rel: 'version-history', href: './versions/1/1.json', type: 'application/geo+json', title: 'flood-unet v1' },
        { rel: 'version-history', href: './versions/2/2.json', type: 'application/geo+json', title: 'flood-unet v2' },
        { rel: 'latest-version', href: './versions/3/3.json', type: 'application/geo+json', title: 'flood-unet v3' },
      ],
      assets: {
        'model.onnx': {
          href: 'https://gitlab.example.com/eo/flood-unet/-/raw/main/model.onnx',
          title: 'model.onnx',
          type: 'application/octet-stream; framework=onnx',
          roles: ['mlm:model', 'model', 'data'],
          'mlm:artifact_type': 'onnx',
          'file:size': 31062016,
          'file:checksum': '1220' + 'ab'.repeat(32),
        },
        'docs/sample.png': {
          href: './docs/sample.png',
          title: 'docs/sample.png',
          type: 'image/png',
          roles: ['thumbnail'],
        },
      },
    },
  };
}

function versionItem(n: number, metrics: Record<string, number>, extra: Record<string, unknown>): Placed<StacItem> {
  const path = `ai-model/eo/flood-unet/versions/${n}/${n}.json`;
  return {
    path,
    json: {
      type: 'Feature',
      stac_version: '1.1.0',
      stac_extensions: [MLM, VERSION],
      id: `eo/flood-unet/versions/${n}`,
      collection: 'ai-model',
      geometry: null,
      properties: {
        title: `flood-unet v${n}`,
        datetime: `2026-0${n}-10T12:00:00Z`,
        version: String(n),
        'mlflow:metrics': metrics,
        ...extra,
      },
      links: [
        ...baseLinks(4, `${n}.json`),
        { rel: 'derived_from', href: '../../flood-unet.json', type: 'application/geo+json', title: 'eo/flood-unet' },
      ],
      assets: {},
    },
  };
}

export function datasetItem(): Placed<StacItem> {
  return {
    path: 'dataset/eo/sen1floods11/sen1floods11.json',
    json: {
      type: 'Feature',
      stac_version: '1.1.0',
      stac_extensions: [],
      id: 'eo/sen1floods11',
      collection: 'dataset',
      geometry: { type: 'Polygon', coordinates: [[[-80, -30], [120, -30], [120, 50], [-80, 50], [-80, -30]]] },
      bbox: [-80, -30, 120, 50],
      properties: {
        title: 'Sen1Floods11',
        description: 'Hand-labelled flood events from Sentinel-1 and Sentinel-2 imagery.\n\n![map](./media/map.png)',
        datetime: '2025-06-01T00:00:00Z',
        updated: '2025-06-01T00:00:00Z',
        keywords: ['flood', 'labels'],
        license: 'CC-BY-4.0',
        'sharinghub:stars': 12,
      },
      links: [
        ...baseLinks(2, 'sen1floods11.json'),
        { rel: 'via', href: 'https://gitlab.example.com/eo/sen1floods11', type: 'text/html' },
        { rel: 'preview', href: './media/map.png', type: 'image/png' },
      ],
      assets: {},
    },
  };
}

export function hostileItem(): Placed<StacItem> {
  return {
    path: 'ai-model/sandbox/trap/trap.json',
    json: {
      type: 'Feature',
      stac_version: '1.1.0',
      stac_extensions: [],
      id: 'sandbox/trap',
      collection: 'ai-model',
      geometry: null,
      properties: {
        title: 'Trap <b>model</b>',
        description: hostileReadme,
        datetime: '2024-01-01T00:00:00Z',
        keywords: ['tabular'],
        license: 'MIT',
        'mlm:framework': 'scikit-learn',
        'mlm:tasks': ['classification'],
      },
      links: [
        ...baseLinks(2, 'trap.json'),
        { rel: 'documentation', href: 'javascript:window.__pwned=7', title: 'Docs' },
        { rel: 'preview', href: 'javascript:window.__pwned=8' },
        { rel: 'via', href: 'javascript:window.__pwned=9' },
        { rel: 'license', href: ' JAVASCRIPT:window.__pwned=10' },
      ],
      assets: {
        evil: { href: 'javascript:window.__pwned=11', title: 'evil', roles: ['data'] },
        embedded: { href: 'data:text/html,<script>window.__pwned=12</script>', title: 'embedded', roles: ['mlm:model'] },
        bucket: { href: 's3://models/trap/model.pkl', title: 'model.pkl', roles: ['data'] },
      },
    },
  };
}

/** The whole fixture tree: two categories, a model with three versions, a dataset and a hostile README. */
export function fixtureTree(): StacTree {
  const flood = floodItem();
  const versions = [
    versionItem(1, { iou: 0.61, loss: 0.52 }, { 'mlflow:stage': 'Archived' }),
    versionItem(2, { iou: 0.7, loss: 0.41 }, { 'mlflow:stage': 'Staging' }),
    versionItem(3, { iou: 0.74, loss: 0.35 }, { 'mlflow:stage': 'Production', 'mlflow:aliases': ['champion'] }),
  ];
  const trap = hostileItem();
  const dataset = datasetItem();
  const catalog: Placed<StacCatalog> = {
    path: 'catalog.json',
    json: {
      type: 'Catalog',
      stac_version: '1.1.0',
      id: 'demo',
      title: 'Demo hub',
      description: 'Models and datasets of the **demo** GitLab.',
      links: [
        { rel: 'self', href: './catalog.json', type: 'application/json' },
        { rel: 'root', href: './catalog.json', type: 'application/json' },
        { rel: 'child', href: './ai-model/collection.json', type: 'application/json', title: 'AI models' },
        { rel: 'child', href: './dataset/collection.json', type: 'application/json', title: 'Datasets' },
      ],
    },
  };
  return {
    catalog,
    collections: [
      {
        collection: collection('ai-model', 'AI models', 'Trained machine learning models.', [
          flood.path,
          ...versions.map((v) => v.path),
          trap.path,
        ]),
        items: [flood, ...versions, trap],
      },
      {
        collection: collection('dataset', 'Datasets', 'Training and evaluation data.', [dataset.path]),
        items: [dataset],
      },
    ],
  };
}
