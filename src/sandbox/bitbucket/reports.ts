// Code Insights reports on a commit: `PUT .../reports/{reportId}` creates or replaces one (title, details and
// report_type required; details at most 2000 characters); `POST .../annotations` adds up to 100 annotations
// a request, updating those whose `external_id` it has already (at most 1000 a report). Reads for tests.
import { randomUUID } from 'node:crypto';
import {
  allowFields,
  allowQuery,
  badRequest,
  checkChoice,
  checkLine,
  checkText,
  notFound,
  PAGE_PARAMS,
  paginate,
  type RequestContext,
  type Route,
} from './http.js';
import { commitAt } from './repositories.js';
import type { BitbucketReport } from './state.js';

export const REPORT_TYPES = ['SECURITY', 'COVERAGE', 'TEST', 'BUG'];
export const ANNOTATION_TYPES = ['VULNERABILITY', 'CODE_SMELL', 'BUG'];
export const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'];
export const ANNOTATIONS_PER_REQUEST = 100;
export const ANNOTATIONS_PER_REPORT = 1000;

const REPORT_FIELDS = [
  'title',
  'details',
  'report_type',
  'reporter',
  'result',
  'link',
  'logo_url',
  'external_id',
  'data',
  'remote_link_enabled',
  'type',
];
const ANNOTATION_FIELDS = [
  'external_id',
  'annotation_type',
  'path',
  'line',
  'summary',
  'details',
  'result',
  'severity',
  'link',
  'type',
];

const R = 'repositories/:ws/:repo/commit/:commit/reports/:report';

/** The report a route's `[owner, slug, hash, id]` name, on Cloud or Data Center; 404 (`missing`) when none. */
export function reportAt(ctx: RequestContext, p: string[], missing: (commit: string) => string): BitbucketReport {
  const { repo, commit } = commitAt(ctx, p);
  const found = ctx.state.reports.find((x) => x.repo === repo && x.commit === commit && x.id === p[3]);
  if (!found) throw notFound(missing(commit));
  return found;
}

/** Creates the report a route's `[owner, slug, hash, id]` name with `fields`, or replaces the one there. */
function storeReport(ctx: RequestContext, p: string[], fields: Record<string, unknown>): BitbucketReport {
  const { repo, commit } = commitAt(ctx, p);
  let report = ctx.state.reports.find((x) => x.repo === repo && x.commit === commit && x.id === p[3]);
  const created = !report;
  report ??= { repo, commit, id: p[3]!, uuid: `{${randomUUID()}}`, fields: {}, annotations: new Map() };
  report.fields = { ...fields };
  if (created) ctx.state.reports.push(report);
  return report;
}

/**
 * The PUT of a report, Cloud's or Data Center's: the commit looked up, only `fields` taken and `check`ed,
 * the report created or replaced, and the API's `answer`.
 */
export const putReport = (
  pattern: string,
  fields: string[],
  check: (b: Record<string, any>) => void,
  answer: (report: BitbucketReport, b: Record<string, any>) => unknown,
): Route => ({
  method: 'PUT',
  pattern,
  handler: (ctx, p) => {
    allowQuery(ctx, []);
    commitAt(ctx, p);
    const b = allowFields(ctx, ctx.body, fields);
    check(b);
    return { body: answer(storeReport(ctx, p, b), b), wrote: true };
  },
});

const findReport = (ctx: RequestContext, p: string[]) => reportAt(ctx, p, () => 'Report not found');

export const reportRoutes: Route[] = [
  putReport(
    R,
    REPORT_FIELDS,
    (b) => {
      for (const f of ['title', 'details', 'report_type'])
        checkText(b[f], `${f}: This field is required.`, { required: true });
      checkChoice(b.report_type, REPORT_TYPES, `report_type: "${b.report_type}" is not a valid choice.`);
      checkText(b.details, 'details: Ensure this field has no more than 2000 characters.', { max: 2000 });
      checkChoice(b.result, ['PASSED', 'FAILED', 'PENDING'], 'result: not a valid choice.');
    },
    (report, b) => ({ type: 'report', uuid: report.uuid, external_id: report.id, ...b }),
  ),
  {
    method: 'GET',
    pattern: R,
    handler: (ctx, p) => {
      allowQuery(ctx, ['fields']);
      const report = findReport(ctx, p);
      return { body: { type: 'report', uuid: report.uuid, external_id: report.id, ...report.fields } };
    },
  },
  {
    method: 'POST',
    pattern: `${R}/annotations`,
    handler: (ctx, p) => {
      allowQuery(ctx, []);
      const report = findReport(ctx, p);
      if (!Array.isArray(ctx.body)) throw badRequest('a JSON array of annotations is required');
      if (ctx.body.length > ANNOTATIONS_PER_REQUEST)
        throw badRequest(`at most ${ANNOTATIONS_PER_REQUEST} annotations can be added in one request`);
      const list = ctx.body.map((a) => allowFields(ctx, a, ANNOTATION_FIELDS));
      for (const a of list) {
        checkChoice(a.annotation_type, ANNOTATION_TYPES, 'annotation_type: This field is required.', {
          required: true,
        });
        checkText(a.summary, 'summary: This field is required.', { required: true });
        checkText(a.summary, 'summary: Ensure this field has no more than 450 characters.', { max: 450 });
        checkChoice(a.severity, SEVERITIES, 'severity: not a valid choice.');
        checkLine(a.line, 1, 'line: must be a positive integer.');
      }
      const fresh = list.filter((a) => !(a.external_id && report.annotations.has(a.external_id))).length;
      if (report.annotations.size + fresh > ANNOTATIONS_PER_REPORT)
        throw badRequest(`a report takes at most ${ANNOTATIONS_PER_REPORT} annotations`);
      const out = list.map((a) => {
        const id = a.external_id ?? `{${randomUUID()}}`;
        const stored = { ...(report.annotations.get(id) ?? { uuid: `{${randomUUID()}}` }), ...a };
        report.annotations.set(id, stored);
        return { type: 'report_annotation', ...stored };
      });
      return { body: out, wrote: true };
    },
  },
  {
    method: 'GET',
    pattern: `${R}/annotations`,
    handler: (ctx, p) => {
      allowQuery(ctx, [...PAGE_PARAMS, 'fields']);
      return paginate(ctx, [...findReport(ctx, p).annotations.values()]);
    },
  },
];
