// Head versions of many files in few requests: one GraphQL query asks for every file's blob at the head
// commit (aliases f0, f1, ...), split into several queries by count and expected size. A file whose blob
// GitHub cut (isTruncated), and every file of a query that failed, is read through the REST contents API
// instead, one request each, as before.
import type { Octokit } from '@octokit/rest';
import { githubCall } from './failures.js';
import type { RepoTarget } from '../../../activities/forge/index.js';

/** A file's head version; null when it is missing, binary or over `maxBytes`. */
export async function headVersion(gh: Octokit, t: RepoTarget, path: string, ref: string, maxBytes: number) {
  try {
    const { data } = await githubCall(() => gh.repos.getContent({ owner: t.owner, repo: t.repo, path, ref }));
    const file = data as { type?: string; size?: number; content?: string; encoding?: string };
    const readable = file.type === 'file' && (file.size ?? 0) <= maxBytes && file.encoding === 'base64';
    return readable && file.content !== undefined ? Buffer.from(file.content, 'base64').toString('utf8') : null;
  } catch (err) {
    if ((err as { type?: string }).type === 'GitHub404') return null;
    throw err;
  }
}

/** One query asks for at most this many blobs, of about this many bytes together (GitHub answers in one go). */
export const QUERY_LIMITS = { files: 100, bytes: 4 * 1024 * 1024 };

export interface WantedFile {
  path: string;
  /** Expected size (e.g. from the patch), to keep each query's answer reasonable. */
  estimate: number;
}

interface BlobAnswer {
  text: string | null;
  byteSize: number;
  isTruncated: boolean;
  isBinary: boolean | null;
}

/** Consecutive files grouped within the query limits. */
export function queriesOf(files: WantedFile[], limits = QUERY_LIMITS): WantedFile[][] {
  const groups: WantedFile[][] = [];
  let bytes = 0;
  for (const f of files) {
    const last = groups[groups.length - 1];
    if (last && last.length < limits.files && bytes + f.estimate <= limits.bytes) {
      last.push(f);
      bytes += f.estimate;
    } else {
      groups.push([f]);
      bytes = f.estimate;
    }
  }
  return groups;
}

/**
 * More to read in the first query: `field` inside the repository, `top` beside it (each `alias: ...`),
 * with their own variables declared (e.g. `$pr: Int!`).
 */
export interface AlongField {
  field: string;
  top: string;
  declare: string;
  variables: Record<string, unknown>;
}

const aliasOf = (field: string) => field.slice(0, field.indexOf(':')).trim();

function blobQuery(n: number, along?: AlongField): string {
  const vars = [...Array.from({ length: n }, (_, i) => `$e${i}: String!`), ...(along ? [along.declare] : [])];
  const fields = [
    ...Array.from(
      { length: n },
      (_, i) => `f${i}: object(expression: $e${i}) { ... on Blob { text byteSize isTruncated isBinary } }`,
    ),
    ...(along ? [along.field] : []),
  ].join('\n    ');
  return `query($owner: String!, $name: String!, ${vars.join(', ')}) {\n  ${along?.top ?? ''}\n  repository(owner: $owner, name: $name) {\n    ${fields}\n  }\n}`;
}

/**
 * Each file's head version, or null when it is missing, binary or over `maxBytes` (like `headVersion`);
 * `requests` counts the GitHub requests made; `along` is the answer to the extra fields of the first
 * query, `{ field, top }` (undefined when that query failed or none was made).
 */
export async function headVersions(
  gh: Octokit,
  t: RepoTarget,
  ref: string,
  files: WantedFile[],
  maxBytes: number,
  along?: AlongField,
): Promise<{ contents: Map<string, string | null>; requests: number; along?: unknown }> {
  const contents = new Map<string, string | null>();
  let requests = 0;
  const viaRest = async (path: string) => {
    requests++;
    contents.set(path, await headVersion(gh, t, path, ref, maxBytes));
  };
  let alongAnswer: unknown;
  for (const [q, group] of queriesOf(files).entries()) {
    const extra = q === 0 ? along : undefined;
    const variables: Record<string, unknown> = { owner: t.owner, name: t.repo, ...extra?.variables };
    group.forEach((f, i) => (variables[`e${i}`] = `${ref}:${f.path}`));
    requests++;
    let repository: Record<string, BlobAnswer | null> | null;
    try {
      const data = await githubCall(() =>
        gh.graphql<Record<string, unknown> & { repository: Record<string, BlobAnswer | null> | null }>(
          blobQuery(group.length, extra),
          variables,
        ),
      );
      repository = data.repository;
      if (extra) alongAnswer = { field: repository?.[aliasOf(extra.field)], top: data[aliasOf(extra.top)] };
    } catch (err) {
      // A rate limit is waited out (Temporal retries at GitHub's pace); any other failure or error
      // answer sends these files to REST.
      if ((err as { type?: string }).type === 'GitHubRateLimited') throw err;
      repository = null;
    }
    for (const [i, f] of group.entries()) {
      if (!repository) {
        await viaRest(f.path);
        continue;
      }
      const blob = repository[`f${i}`];
      if (blob && blob.isTruncated && !blob.isBinary && blob.byteSize <= maxBytes) await viaRest(f.path);
      else
        contents.set(
          f.path,
          blob && !blob.isBinary && blob.text !== null && blob.byteSize <= maxBytes ? blob.text : null,
        );
    }
  }
  return { contents, requests, along: alongAnswer };
}
