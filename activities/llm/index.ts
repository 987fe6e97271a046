// Model activities: one model turn, whatever the provider of the agent's `provider:model`. A provider
// without a key hands the turn to the agent's offline (builtin:) model when it names one.
import { ApplicationFailure } from '@temporalio/common';
import type { ModelRequest, ModelResponse } from '../../src/agents/model-types.js';
import { isModelProvider, MODEL_PROVIDERS, splitModel } from '../../src/agents/providers.js';
import { resolveEndpoint, type EndpointSources } from './endpoints.js';
import { missingKey } from './failures.js';
import type { WorkerMetrics } from '../../src/telemetry/worker-metrics.js';
import { createGateBatchReview } from './gate-batch-review.js';
import { createGateReviewActivity } from './gate-review.js';
import { lazyProviders } from './lazy-providers.js';
import { assistant } from './builtin/assistant.js';
import { codeReviewer, qualityReviewer, securityReviewer } from './builtin/code-reviewer.js';
import { issueTriager } from './builtin/issue-triager.js';
import type { BuiltinModel } from './builtin/respond.js';

export const BUILTIN_MODELS: Record<string, BuiltinModel> = {
  'code-reviewer': codeReviewer,
  'security-reviewer': securityReviewer,
  'quality-reviewer': qualityReviewer,
  'issue-triager': issueTriager,
  assistant,
};

export function createModelActivities(
  sources: EndpointSources,
  timeoutMs = 120_000,
  metrics?: Pick<WorkerMetrics, 'modelTokens'>,
) {
  const providers = lazyProviders(timeoutMs);
  /** Tokens by provider, model and kind, for the worker's metrics. */
  const counted = (res: ModelResponse): ModelResponse => {
    const { provider, name } = splitModel(res.model);
    const u = res.usage;
    for (const [kind, n] of Object.entries({
      input: u.input_tokens,
      output: u.output_tokens,
      cache_read: u.cache_read_input_tokens,
      cache_creation: u.cache_creation_input_tokens,
    })) {
      if (n) metrics?.modelTokens.inc({ provider, model: name, kind }, n);
    }
    return res;
  };

  /** Whether `model` would fall back to an offline model: its provider has no key here. */
  const lacksKey = (model: string, agentName?: string) => {
    const { provider } = splitModel(model);
    return isModelProvider(provider) && !resolveEndpoint(provider, sources, agentName).apiKey;
  };

  /** One turn; `agentName` selects the agent's own endpoint settings (a gate reviewer has none). */
  async function turn(req: ModelRequest, agentName?: string): Promise<ModelResponse> {
    const { provider } = splitModel(req.model);
    if (isModelProvider(provider)) {
      const endpoint = resolveEndpoint(provider, sources, agentName);
      if (endpoint.apiKey) return providers[provider](req, { apiKey: endpoint.apiKey, baseURL: endpoint.baseURL });
      if (!req.offlineModel) throw missingKey(req.agentName, req.model, endpoint.keyEnv);
      req = { ...req, model: req.offlineModel };
    }
    const { provider: p, name } = splitModel(req.model);
    if (p === 'builtin' && BUILTIN_MODELS[name]) return BUILTIN_MODELS[name](req);
    throw ApplicationFailure.create({
      type: 'UnsupportedModel',
      message: `agent "${req.agentName}": model "${req.model}" is not available; use ${MODEL_PROVIDERS.map((m) => `${m}:<model>`).join(', ')} or builtin:<${Object.keys(BUILTIN_MODELS).join('|')}>`,
      nonRetryable: true,
    });
  }

  return {
    modelTurn: async (req: ModelRequest): Promise<ModelResponse> => counted(await turn(req, req.agentName)),
    reviewFunction: createGateReviewActivity(
      async (req) => counted(await turn(req)),
      (model) => lacksKey(model),
    ),
    reviewBatch: createGateBatchReview(
      async (req) => counted(await turn(req)),
      (model) => lacksKey(model),
    ),
  };
}

export type ModelActivities = ReturnType<typeof createModelActivities>;
