// Bitbucket's documented webhook payloads (README.md here says where each comes from), one JSON file per
// event key: `cloud/<key>.json` and `data-center/<key>.json`, the key's colons written as dots
// (`pr.comment.added.json`).
// Read by the tests and by `aofctl simulate --forge bitbucket`. A fresh copy on every call.
import { readdirSync, readFileSync } from 'node:fs';

export type ExampleFlavor = 'cloud' | 'data-center';

const DIR = new URL('./', import.meta.url);

const keysIn = (flavor: ExampleFlavor) =>
  readdirSync(new URL(`${flavor}/`, DIR))
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length).replaceAll('.', ':'))
    .sort();

/** The event keys with an example, and where: `pullrequest:created` (Cloud), `pr:opened` (Data Center)... */
export function bitbucketExampleKeys(): { key: string; flavor: ExampleFlavor }[] {
  return (['cloud', 'data-center'] as const).flatMap((flavor) => keysIn(flavor).map((key) => ({ key, flavor })));
}

/** The example payload of an event key (Cloud's and Data Center's keys differ, so the key says which). */
export function bitbucketExample(key: string): Record<string, any> {
  const found = bitbucketExampleKeys().find((e) => e.key === key);
  if (!found)
    throw new Error(
      `no Bitbucket example "${key}"; examples: ${bitbucketExampleKeys()
        .map((e) => e.key)
        .join(', ')}`,
    );
  const file = new URL(`${found.flavor}/${key.replaceAll(':', '.')}.json`, DIR);
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, any>;
}
