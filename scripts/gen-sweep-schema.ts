/** Writes resources/sweep.schema.json from src/shared/sweepJsonSchema.ts (a unit test checks it is current). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as prettier from 'prettier';
import { sweepJsonSchema } from '../src/shared/sweepJsonSchema';

async function main(): Promise<void> {
  const file = join(__dirname, '..', 'resources', 'sweep.schema.json');
  const options = (await prettier.resolveConfig(file)) ?? {};
  writeFileSync(file, await prettier.format(JSON.stringify(sweepJsonSchema(), null, 2), { ...options, filepath: file }));
  console.log(`wrote ${file}`);
}

void main();
