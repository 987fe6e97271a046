// GitLab's documented webhook payloads (README.md here says where each comes from), one JSON file per
// event: read by the tests and by `aofctl simulate --forge gitlab`. A fresh copy on every call.
import { readdirSync, readFileSync } from 'node:fs';

const DIR = new URL('./', import.meta.url);

/** The example names: `merge_request.open`, `note.merge_request`, `pipeline.failed`, `push`, ... */
export function gitlabExampleNames(): string[] {
  return readdirSync(DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

export function gitlabExample(name: string): Record<string, any> {
  if (!gitlabExampleNames().includes(name))
    throw new Error(`no GitLab example "${name}"; examples: ${gitlabExampleNames().join(', ')}`);
  return JSON.parse(readFileSync(new URL(`${name}.json`, DIR), 'utf8')) as Record<string, any>;
}
