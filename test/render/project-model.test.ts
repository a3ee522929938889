import { describe, expect, it } from 'vitest';
import { modelSection } from '../../generator/render/project-model.js';
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
