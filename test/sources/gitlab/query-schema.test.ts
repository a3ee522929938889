/**
 * The crawler's GraphQL query against GitLab's real types (an SDL written from GitLab's GraphQL
 * reference, test/fixtures/gitlab/graphql-reference.graphql), not against the fake's own schema.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildSchema, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { PROJECTS_QUERY } from '../../../generator/sources/gitlab/graphql.js';
import { complexity } from '../../fakes/gitlab/graphql.js';
import { repoRoot } from '../../helpers.js';

const reference = buildSchema(readFileSync(path.join(repoRoot, 'test/fixtures/gitlab/graphql-reference.graphql'), 'utf8'));

describe('PROJECTS_QUERY against the reference schema', () => {
  it('validates: every field, argument and enum value exists with the right types', () => {
    expect(validate(reference, parse(PROJECTS_QUERY)).map((e) => e.message)).toEqual([]);
  });

  it('the check has teeth: a field or enum value the reference lacks is refused', () => {
    const wrong = [
      PROJECTS_QUERY.replace('rawTextBlob', 'rawText'),
      PROJECTS_QUERY.replace('RELEASED_AT_DESC', 'RELEASED_DESC'),
      PROJECTS_QUERY.replace('packages(first', 'packages(limit'),
      PROJECTS_QUERY.replace('pageInfo { hasNextPage endCursor }', 'pageInfo { hasNext }'),
    ];
    for (const q of wrong) expect(validate(reference, parse(q)).length).toBeGreaterThan(0);
  });

  it('no longer asks for tree.lastCommit (not the branch head: Gitaly skips merge commits)', () => {
    expect(PROJECTS_QUERY).not.toMatch(/lastCommit/);
  });

  it('stays under GitLab\'s complexity limit for a batch of 20 with 13 file paths', () => {
    const files = Array.from({ length: 13 }, (_, i) => `f${i}`);
    expect(complexity(parse(PROJECTS_QUERY), { first: 20, files })).toBeLessThan(250);
  });
});
