/** Commands of `/api/2.0/mlflow/registered-models/*`: validate, then journal. */
import type { KeyValue, RegisteredModel } from '../entities.js';
import { alreadyExists, notFound } from '../errors.js';
import { getModelVersion, getRegisteredModel } from '../lookups.js';
import { LIMITS, limitValue, validateAlias, validateKey, validateModelName } from '../validation.js';
import type { StoreCore } from './core.js';

/** Checks registry tags, bounding each value (the registry never truncates: too long is refused). */
export function validateRegistryTags(tags: KeyValue[]): void {
  for (const t of tags) {
    validateKey('tag', t.key);
    t.value = limitValue('value', t.value, LIMITS.registryTagValue, false);
  }
}

export async function createRegisteredModel(store: StoreCore, name: string, tags: KeyValue[], description?: string): Promise<RegisteredModel> {
  validateModelName(name);
  if (store.state.registered.has(name)) throw alreadyExists(`Registered Model (name=${name}) already exists.`);
  validateRegistryTags(tags);
  await store.commit({ op: 'rm', name, t: store.now(), desc: description, tags: tags.map((t) => [t.key, t.value]) });
  return store.state.registered.get(name)!;
}

export async function updateRegisteredModel(store: StoreCore, name: string, description: string | undefined): Promise<RegisteredModel> {
  const rm = getRegisteredModel(store.state, name);
  await store.commit({ op: 'rm-upd', name, desc: description ?? '', t: store.now() });
  return rm;
}

export async function renameRegisteredModel(store: StoreCore, name: string, newName: string): Promise<RegisteredModel> {
  getRegisteredModel(store.state, name);
  validateModelName(newName);
  if (newName !== name && store.state.registered.has(newName)) throw alreadyExists(`Registered Model (name=${newName}) already exists.`);
  await store.commit({ op: 'rm-rename', name, to: newName, t: store.now() });
  return store.state.registered.get(newName)!;
}

export async function deleteRegisteredModel(store: StoreCore, name: string): Promise<void> {
  getRegisteredModel(store.state, name);
  await store.commit({ op: 'rm-del', name });
}

export async function setRegisteredModelTag(store: StoreCore, name: string, key: string, value: string): Promise<void> {
  getRegisteredModel(store.state, name);
  validateKey('tag', key);
  value = limitValue('value', value, LIMITS.registryTagValue, false);
  await store.commit({ op: 'rm-tag', name, k: key, v: value, t: store.now() });
}

export async function deleteRegisteredModelTag(store: StoreCore, name: string, key: string): Promise<void> {
  const rm = getRegisteredModel(store.state, name);
  if (!rm.tags.has(key)) throw notFound(`No tag with name: ${key} in registered model ${name}`);
  await store.commit({ op: 'rm-tag-del', name, k: key, t: store.now() });
}

export async function setAlias(store: StoreCore, name: string, alias: string, version: string): Promise<void> {
  validateAlias(alias);
  getModelVersion(store.state, name, version);
  await store.commit({ op: 'alias', name, alias, version, t: store.now() });
}

export async function deleteAlias(store: StoreCore, name: string, alias: string): Promise<void> {
  const rm = getRegisteredModel(store.state, name);
  if (!rm.aliases.has(alias)) throw notFound(`Registered model alias ${alias} not found.`);
  await store.commit({ op: 'alias-del', name, alias, t: store.now() });
}
