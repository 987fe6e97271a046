// The gate's repository configuration on GitHub in ONE GraphQL request, made beside the changed files'
// listing: the pull request's facts (draft, title, author, base branch and commit), the repository's file at
// the tip of the base branch (`baseRef.target`, the commit GitHub's pull request compares against; the
// head is never read here) and the organization's default from `<owner>/.github` at its default branch.
// A missing file is a null object, as GitHub answers; a missing `.github` repository is GitHub's NOT_FOUND
// error on that alias only, which leaves the rest of the answer standing.
import type { Octokit } from '@octokit/rest';
import { githubCall } from './failures.js';
import { headVersion } from './blob-contents.js';
import type { ChangeTarget, ConfigFileAt, RepoConfigFiles } from '../port.js';

interface BlobAnswer {
  text: string | null;
  byteSize: number;
  isTruncated: boolean;
  isBinary: boolean | null;
}
interface CommitAnswer {
  oid: string;
  file?: { object: Partial<BlobAnswer> | null } | null;
}
interface Answer {
  repository: {
    pullRequest: {
      isDraft: boolean;
      title: string;
      baseRefName: string;
      baseRefOid: string;
      author: { __typename: string; login: string } | null;
      baseRef: { target: CommitAnswer | null } | null;
    } | null;
  } | null;
  org?: { defaultBranchRef: { target: CommitAnswer | null } | null } | null;
}

const AT_TIP =
  'target { oid ... on Commit { file(path: $path) { object { ... on Blob { text byteSize isTruncated isBinary } } } } }';

export function configQuery(withOrg: boolean): string {
  return `query($owner: String!, $name: String!, $pr: Int!, $path: String!${withOrg ? ', $org: String!' : ''}) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $pr) {
      isDraft title baseRefName baseRefOid author { __typename login }
      baseRef { ${AT_TIP} }
    }
  }${withOrg ? `\n  org: repository(owner: $owner, name: $org) { defaultBranchRef { ${AT_TIP} } }` : ''}
}`;
}

/** A blob as the configuration reads it: text, absent (null), or too large to read (its size). */
function fileOf(commit: CommitAnswer | null | undefined, maxBytes: number): ConfigFileAt {
  const blob = commit?.file?.object;
  if (!blob || typeof blob.byteSize !== 'number') return { text: null };
  if (blob.byteSize > maxBytes || blob.isTruncated) return { text: null, tooLarge: blob.byteSize };
  return { text: blob.isBinary ? null : (blob.text ?? null) };
}

/** Only the `.github` repository missing (GitHub's NOT_FOUND at `org`): the rest of the answer stands. */
function orgMissing(err: unknown): Answer | undefined {
  const e = err as { name?: string; errors?: { type?: string; path?: (string | number)[] }[]; data?: Answer };
  if (e.name !== 'GraphqlResponseError' || !e.data || !e.errors?.length) return undefined;
  return e.errors.every((x) => x.type === 'NOT_FOUND' && x.path?.[0] === 'org') ? e.data : undefined;
}

/**
 * The change's facts and the configuration files at `path`: the repository's at its base, the organization's
 * (`orgRepo`, when given) at its default branch. One request; a second only when the base branch is gone
 * (the file is then read at the pull request's recorded base commit).
 */
export async function configFiles(
  gh: Octokit,
  t: ChangeTarget,
  path: string,
  orgRepo: string | undefined,
  maxBytes: number,
): Promise<RepoConfigFiles> {
  const variables = { owner: t.owner, name: t.repo, pr: t.number, path, ...(orgRepo ? { org: orgRepo } : {}) };
  const data = await githubCall(() =>
    gh.graphql<Answer>(configQuery(orgRepo !== undefined), variables).catch((err: unknown) => {
      const kept = orgMissing(err);
      if (kept) return kept;
      throw err;
    }),
  );
  const pr = data.repository?.pullRequest;
  if (!pr) throw new Error(`GitHub did not answer for ${t.owner}/${t.repo}#${t.number}`);
  const tip = pr.baseRef?.target;
  let requests = 1;
  let base: ConfigFileAt;
  if (tip) base = fileOf(tip, maxBytes);
  else {
    // The base branch was deleted: the commit the pull request last compared against.
    requests++;
    const text = await headVersion(gh, t, path, pr.baseRefOid, maxBytes);
    base = { text };
  }
  const orgTip = data.org?.defaultBranchRef?.target;
  return {
    info: {
      baseSha: tip?.oid ?? pr.baseRefOid,
      baseBranch: pr.baseRefName,
      draft: pr.isDraft,
      title: pr.title,
      // GraphQL names an App's bot without the `[bot]` REST (and users' skip lists) write.
      author: pr.author ? `${pr.author.login}${pr.author.__typename === 'Bot' ? '[bot]' : ''}` : '',
    },
    base,
    ...(orgRepo ? { org: orgTip ? fileOf(orgTip, maxBytes) : { text: null } } : {}),
    requests,
  };
}
