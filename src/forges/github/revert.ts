// A merged revert of a pull request. GitHub has no "reverted" event: its Revert button opens a new pull
// request whose branch is `revert-<n>-<branch>` and whose description starts `Reverts <owner>/<repo>#<n>`.
// Only its merge counts (merging needs write access to the repository), and the text decides nothing but
// which pull request of the SAME repository was reverted: the name must be the verified repository's, the
// number a plain decimal, and a `revert-<m>-` branch must agree with it.
type Payload = Record<string, any>;

/** The largest pull request number read: GitHub's numbers are 32-bit integers. */
const MAX_NUMBER = 2_147_483_647;

/** `Reverts owner/repo#123`, alone on the description's first line or followed by whitespace. */
const REVERTS = /^Reverts ([A-Za-z0-9][A-Za-z0-9-]{0,38})\/([A-Za-z0-9._-]{1,100})#([1-9][0-9]{0,9})(?:\s|$)/;
const REVERT_BRANCH = /^revert-([1-9][0-9]{0,9})-/;

/**
 * The number of the pull request a merged `pull_request.closed` delivery reverts, in `repository` (the
 * verified `owner/repo`); undefined for anything else.
 */
export function revertedNumber(event: string, payload: Payload, repository: string | undefined): number | undefined {
  const pr = payload.pull_request;
  if (event !== 'pull_request' || payload.action !== 'closed' || pr?.merged !== true || !repository) return undefined;
  const m = REVERTS.exec(typeof pr.body === 'string' ? pr.body.slice(0, 300) : '');
  if (!m || `${m[1]}/${m[2]}`.toLowerCase() !== repository.toLowerCase()) return undefined;
  const n = Number(m[3]);
  if (n > MAX_NUMBER || n === pr.number) return undefined;
  const branch = REVERT_BRANCH.exec(typeof pr.head?.ref === 'string' ? pr.head.ref : '');
  if (branch && Number(branch[1]) !== n) return undefined;
  return n;
}
