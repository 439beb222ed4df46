// The schema model, read once from the JSON that scripts/gen-openapi-model.ts writes at setup.
// When the file is missing (a fresh checkout that skipped setup), it is generated in-process.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import type { SchemaModel } from './model.ts';

export const SCHEMA_MODEL_PATH = resolve(import.meta.dirname, '../../../.cache/openapi-model.json');

let cached: SchemaModel | undefined;

export function loadSchemaModel(): SchemaModel {
  if (cached) return cached;
  let text: string | undefined;
  try {
    text = readFileSync(SCHEMA_MODEL_PATH, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (text !== undefined) {
    cached = JSON.parse(text) as SchemaModel;
  } else {
    // require() of an ES module keeps this function synchronous; the generator needs the
    // typescript package, which setup installs.
    const generator = createRequire(import.meta.url)('../../../scripts/gen-openapi-model.ts') as typeof import('../../../scripts/gen-openapi-model.ts');
    cached = generator.writeSchemaModel(SCHEMA_MODEL_PATH);
  }
  return cached;
}
