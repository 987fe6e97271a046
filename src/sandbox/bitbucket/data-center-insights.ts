// Data Center's Code Insights (`/rest/insights/1.0/projects/{key}/repos/{slug}/commits/{sha}/reports/{key}`):
// PUT creates or replaces a report (`title` required, at most 450 characters; `details` 2000; `result` PASS or
// FAIL); its annotations are added in bulk (`{"annotations": [...]}`, `message` and `severity` required; a
// report takes at most 1000, else the whole request is refused), listed, and deleted (all, or by `externalId`).
// As on Data Center, annotations are not deduplicated: the same `externalId` posted twice is stored twice.
import { randomUUID } from 'node:crypto';
import {
  allowFields,
  allowQuery,
  badRequest,
  checkChoice,
  checkLine,
  checkText,
  type RequestContext,
  type Route,
} from './http.js';
import { ANNOTATIONS_PER_REPORT, putReport, reportAt } from './reports.js';

const R = 'insights/1.0/projects/:key/repos/:slug/commits/:commit/reports/:report';
const REPORT_FIELDS = [
  'title',
  'details',
  'result',
  'data',
  'reporter',
  'link',
  'logoUrl',
  'coverageProviderKey',
  'createdDate',
];
const ANNOTATION_FIELDS = ['externalId', 'path', 'line', 'message', 'severity', 'link', 'type'];
const SEVERITIES = ['LOW', 'MEDIUM', 'HIGH'];
const TYPES = ['VULNERABILITY', 'CODE_SMELL', 'BUG'];

const findReport = (ctx: RequestContext, p: string[]) =>
  reportAt(ctx, p, (commit) => `No report with key ${p[3]} exists on commit ${commit}.`);

export const dataCenterInsightRoutes: Route[] = [
  putReport(
    R,
    REPORT_FIELDS,
    (b) => {
      checkText(b.title, 'title: required, at most 450 characters', { required: true, max: 450 });
      checkText(b.details, 'details: at most 2000 characters', { max: 2000 });
      checkChoice(b.result, ['PASS', 'FAIL'], 'result: PASS or FAIL');
      if (b.data !== undefined && (!Array.isArray(b.data) || b.data.length > 6))
        throw badRequest('data: at most 6 fields');
    },
    (report, b) => ({ key: report.id, createdDate: Date.now(), ...b }),
  ),
  {
    method: 'GET',
    pattern: R,
    handler: (ctx, p) => {
      allowQuery(ctx, []);
      const report = findReport(ctx, p);
      return { body: { key: report.id, ...report.fields } };
    },
  },
  {
    method: 'POST',
    pattern: `${R}/annotations`,
    handler: (ctx, p) => {
      allowQuery(ctx, []);
      const report = findReport(ctx, p);
      const b = allowFields(ctx, ctx.body, ['annotations']);
      if (!Array.isArray(b.annotations)) throw badRequest('annotations: a JSON array is required');
      const list = b.annotations.map((a: unknown) => allowFields(ctx, a, ANNOTATION_FIELDS));
      for (const a of list) {
        checkText(a.message, 'message: required, at most 2000 characters', { required: true, max: 2000 });
        checkChoice(a.severity, SEVERITIES, 'severity: one of LOW, MEDIUM, HIGH', { required: true });
        checkChoice(a.type, TYPES, 'type: one of VULNERABILITY, CODE_SMELL, BUG');
        checkLine(a.line, 0, 'line: a non-negative integer');
        checkText(a.externalId, 'externalId: shorter than 450 characters', { max: 449 });
      }
      if (report.annotations.size + list.length > ANNOTATIONS_PER_REPORT)
        throw badRequest(`A report cannot have more than ${ANNOTATIONS_PER_REPORT} annotations`);
      for (const a of list) report.annotations.set(randomUUID(), { ...a, reportKey: report.id });
      return { status: 204, body: undefined, wrote: true };
    },
  },
  {
    method: 'GET',
    pattern: `${R}/annotations`,
    handler: (ctx, p) => {
      allowQuery(ctx, []);
      const annotations = [...findReport(ctx, p).annotations.values()];
      return { body: { annotations, totalCount: annotations.length } };
    },
  },
  {
    method: 'DELETE',
    pattern: `${R}/annotations`,
    handler: (ctx, p) => {
      allowQuery(ctx, ['externalId']);
      const report = findReport(ctx, p);
      const only = ctx.url.searchParams.getAll('externalId');
      for (const [id, a] of report.annotations)
        if (!only.length || only.includes(String(a.externalId))) report.annotations.delete(id);
      return { status: 204, body: undefined, wrote: true };
    },
  },
];
