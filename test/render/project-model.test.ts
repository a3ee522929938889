import { describe, expect, it } from 'vitest';
import { modelSection } from '../../generator/render/project-model.js';
import { render } from '../../generator/render/index.js';
import { fixtureTree } from './fixture.js';
import type { StacItem } from '../../generator/stac/types.js';

function item(properties: Record<string, unknown>, assets: StacItem['assets'] = {}): StacItem {
  return { type: 'Feature', stac_version: '1.1.0', stac_extensions: [], id: 'g/p', geometry: null, properties: { datetime: null, ...properties }, links: [], assets };
}

describe('model section of a project page', () => {
  it('shows parameter counts and memory sizes that are numbers', () => {
    const facts = modelSection(item({ 'mlm:total_parameters': 7765442, 'mlm:memory_size': 31062016 })).modelFacts;
    expect(facts).toEqual([
      { label: 'Parameters', value: '7.8M (7,765,442)' },
      { label: 'Memory', value: '31.1 MB' },
    ]);
  });

  it('leaves out a parameter count or memory size that a README wrote as something else than a number', () => {
    const facts = modelSection(item({ 'mlm:total_parameters': '1000', 'mlm:memory_size': 'big', 'mlm:architecture': 'U-Net' })).modelFacts;
    expect(facts).toEqual([{ label: 'Architecture', value: 'U-Net' }]);
  });
});

describe('versions of a project described by its mlflow:models summary', () => {
  it('renders the page from the entries that are objects, skipping the others (a README may write the summary)', () => {
    const tree = fixtureTree();
    const properties = {
      datetime: null,
      'mlflow:models': [null, 'x', { name: 'm', versions: [null, 3, { version: '1', metrics: { acc: 0.9 } }, { version: '2', stage: 'Production', metrics: { acc: 0.95 } }] }],
    };
    const json = { type: 'Feature' as const, stac_version: '1.1.0', stac_extensions: [], id: 'odd/summary', geometry: null, properties, links: [], assets: {} };
    tree.collections[0]!.items.push({ path: 'ai-model/odd/summary/summary.json', json });
    const files = render({ tree, generatedAt: '2026-04-01T00:00:00Z' });
    const page = new TextDecoder().decode(files.find((f) => f.path === 'ai-model/odd/summary/index.html')!.content);
    expect(page).toContain('id="versions"');
    expect(page).toContain('Production');
    expect(page).toContain('acc by version');
  });
});
