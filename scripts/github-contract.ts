// Writes src/sandbox/github/github-contract.json: for exactly the REST operations the GitHub sandbox serves,
// their query parameters and request body as GitHub's published OpenAPI description declares them (from
// @octokit/openapi, api.github.com.deref.json), without descriptions or examples. The sandbox refuses
// what this contract refuses (src/sandbox/github/contract.ts, which adds the limits GitHub does not publish).
//
//   npm run github:contract                       installs @octokit/openapi into a temporary directory
//   npm run github:contract -- /path/to/openapi   reads an installed copy (node_modules/@octokit/openapi)
//
// The package is about 385 MB: it is never a dependency of this project.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { GitHubSandbox } from '../src/sandbox/github/server.js';
import { CONTRACT_FILE, type Contract, type Operation, type Schema } from '../src/sandbox/github/contract.js';

/** The keys of a schema the sandbox checks; everything else (descriptions, examples, formats) goes. */
const KEPT = [
  'type',
  'enum',
  'nullable',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'anyOf',
  'oneOf',
  'allOf',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'minItems',
  'maxItems',
] as const;

function prune(s: any): Schema {
  const out: any = {};
  for (const k of KEPT) {
    const v = s?.[k];
    if (v === undefined) continue;
    if (k === 'properties')
      out.properties = Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([n, p]) => [n, prune(p)]));
    else if (k === 'items' || (k === 'additionalProperties' && typeof v === 'object')) out[k] = prune(v);
    else if (k === 'anyOf' || k === 'oneOf' || k === 'allOf') out[k] = (v as unknown[]).map(prune);
    else out[k] = v;
  }
  return out as Schema;
}

function openapiDir(given: string | undefined): { dir: string; cleanup: () => void } {
  if (given) {
    const dir = existsSync(join(given, 'generated')) ? given : join(given, 'node_modules/@octokit/openapi');
    return { dir, cleanup: () => undefined };
  }
  const tmp = mkdtempSync(join(tmpdir(), 'octokit-openapi-'));
  process.stderr.write(`installing @octokit/openapi into ${tmp} (about 385 MB)\n`);
  execFileSync('npm', ['install', '--prefix', tmp, '--no-save', '--no-audit', '--no-fund', '@octokit/openapi'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return {
    dir: join(tmp, 'node_modules/@octokit/openapi'),
    cleanup: () => rmSync(tmp, { recursive: true, force: true }),
  };
}

async function main() {
  const { dir, cleanup } = openapiDir(process.argv[2]);
  try {
    const version = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
    const spec = JSON.parse(readFileSync(join(dir, 'generated/api.github.com.deref.json'), 'utf8')) as {
      paths: Record<string, Record<string, any>>;
    };
    const operations: Record<string, Operation> = {};
    for (const key of GitHubSandbox.operations()) {
      const [method, path] = key.split(' ') as [string, string];
      const op = spec.paths[path]?.[method.toLowerCase()];
      if (!op) throw new Error(`GitHub's OpenAPI description has no ${key}`);
      const params = (op.parameters ?? []) as { name: string; in: string; schema: unknown }[];
      const body = op.requestBody?.content?.['application/json']?.schema;
      operations[key] = {
        operationId: op.operationId as string,
        query: Object.fromEntries(params.filter((p) => p.in === 'query').map((p) => [p.name, prune(p.schema)])),
        ...(body ? { body: prune(body) } : {}),
      };
    }
    const contract: Contract = {
      source: `@octokit/openapi ${version}, generated/api.github.com.deref.json (npm run github:contract)`,
      operations,
    };
    const file = fileURLToPath(CONTRACT_FILE);
    const text = await prettier.format(JSON.stringify(contract), {
      ...(await prettier.resolveConfig(file)),
      filepath: file,
    });
    writeFileSync(file, text);
    process.stdout.write(`${file}: ${Object.keys(operations).length} operations from @octokit/openapi ${version}\n`);
  } finally {
    cleanup();
  }
}

await main();
