// Data Center's Code Insights (`/rest/insights/1.0/projects/{key}/repos/{slug}/commits/{sha}/reports/{key}`):
// PUT creates or replaces a report (`title` required, at most 450 characters; `details` 2000; `result` PASS or
// FAIL); its annotations are added in bulk (`{"annotations": [...]}`, `message` and `severity` required; a
// report takes at most 1000, else the whole request is refused), listed, and deleted (all, or by `externalId`).
// As on Data Center, annotations are not deduplicated: the same `externalId` posted twice is stored twice.
import { randomUUID } from 'node:crypto';
import { allowFields, allowQuery, badRequest, notFound, type RequestContext, type Route } from './http.js';
import { findCommit, findRepository } from './repositories.js';
import { ANNOTATIONS_PER_REPORT } from './reports.js';
import type { BitbucketReport } from './state.js';

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

function place(ctx: RequestContext, [key, slug, hash]: string[]) {
  const r = findRepository(ctx, key!, slug!);
  return { repo: `${key}/${slug}`, commit: findCommit(ctx, r, hash!) };
}

function findReport(ctx: RequestContext, p: string[]): BitbucketReport {
  const { repo, commit } = place(ctx, p);
  const found = ctx.state.reports.find((x) => x.repo === repo && x.commit === commit && x.id === p[3]);
  if (!found) throw notFound(`No report with key ${p[3]} exists on commit ${commit}.`);
  return found;
}

export const dataCenterInsightRoutes: Route[] = [
  {
    method: 'PUT',
    pattern: R,
    handler: (ctx, p) => {
      allowQuery(ctx, []);
      const { repo, commit } = place(ctx, p);
      const b = allowFields(ctx, ctx.body, REPORT_FIELDS);
      if (typeof b.title !== 'string' || !b.title || b.title.length > 450)
        throw badRequest('title: required, at most 450 characters');
      if (b.details !== undefined && (typeof b.details !== 'string' || b.details.length > 2000))
        throw badRequest('details: at most 2000 characters');
      if (b.result !== undefined && !['PASS', 'FAIL'].includes(b.result)) throw badRequest('result: PASS or FAIL');
      if (b.data !== undefined && (!Array.isArray(b.data) || b.data.length > 6))
        throw badRequest('data: at most 6 fields');
      let report = ctx.state.reports.find((x) => x.repo === repo && x.commit === commit && x.id === p[3]);
      const created = !report;
      report ??= { repo, commit, id: p[3]!, uuid: `{${randomUUID()}}`, fields: {}, annotations: new Map() };
      report.fields = { ...b };
      if (created) ctx.state.reports.push(report);
      return { body: { key: p[3], createdDate: Date.now(), ...b }, wrote: true };
    },
  },
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
        if (typeof a.message !== 'string' || !a.message || a.message.length > 2000)
          throw badRequest('message: required, at most 2000 characters');
        if (!SEVERITIES.includes(a.severity)) throw badRequest('severity: one of LOW, MEDIUM, HIGH');
        if (a.type !== undefined && !TYPES.includes(a.type))
          throw badRequest('type: one of VULNERABILITY, CODE_SMELL, BUG');
        if (a.line !== undefined && (!Number.isInteger(a.line) || a.line < 0))
          throw badRequest('line: a non-negative integer');
        if (a.externalId !== undefined && (typeof a.externalId !== 'string' || a.externalId.length >= 450))
          throw badRequest('externalId: shorter than 450 characters');
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
