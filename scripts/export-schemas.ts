// Writes the resource schemas as JSON Schema files into schemas/, so editors (yaml-language-server)
// complete and check the YAML. The zod schemas stay the one source of truth; a test checks the files
// are current.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jsonSchemas } from '../src/config/json-schemas.js';
import { PROJECT_ROOT } from '../src/paths.js';

const dir = join(PROJECT_ROOT, 'schemas');
mkdirSync(dir, { recursive: true });
for (const [kind, schema] of Object.entries(jsonSchemas())) {
  writeFileSync(join(dir, `${kind}.json`), JSON.stringify(schema, null, 2) + '\n');
  process.stdout.write(`schemas/${kind}.json\n`);
}
