// `http`: a request to a deploy (or rollback, or verify) hook. The worker renders it from the template
// (event values encoded where they land, credentials from its environment, never in this history); each
// call carries an Idempotency-Key from the run's identity, the node and its visit, the same on retries.
import { deprecatePatch, workflowInfo } from '@temporalio/workflow';
import { httpTemplateProblems, templateValues, type HttpTemplate } from '../../src/flows/http-request.js';
import { defineNode, duration } from './node-type.js';

export const httpNode = defineNode({
  type: 'http',
  acts: true,
  config: (z) =>
    z.looseObject({
      url: z.string({ error: 'an http node needs config.url' }),
      method: z.string().optional(),
      headers: z.unknown().optional(), // checked below: names to strings, never event data
      body: z.unknown().optional(),
      timeout: z.union([z.number(), z.string()]).optional(),
    }),
  check: (c) => httpTemplateProblems(c).map((p) => ({ key: `config.${p.key}`, message: p.message })),
  async run({ id, config: c }, flow) {
    const { input } = flow;
    const defaultBody = JSON.stringify({
      repository: input.metadata.repo_full_name,
      sha: input.scope.headSha,
      environment: flow.env,
    });
    const visit = flow.records.filter((r) => r.node === id).length;
    deprecatePatch('http-node-rendered-by-worker');
    const call = {
      method: String(c.method ?? 'POST'),
      // The run's own identity: a later flow on the same PR (same workflow id) is a new deploy.
      idempotencyKey: `${workflowInfo().firstExecutionRunId}:${id}:${visit}`,
      timeoutMs: duration(c.timeout, 30_000),
    };
    const template: HttpTemplate = {
      url: String(c.url),
      body: c.body,
      headers: c.headers as Record<string, string> | undefined,
    };
    const r = await flow.httpCall({
      ...call,
      template,
      values: templateValues(template, flow.scope),
      body: c.body === undefined ? defaultBody : undefined,
    });
    return String(r.status);
  },
});
