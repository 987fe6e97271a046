// Model activities: one model turn, whatever the provider of the agent's `provider:model`.
import { ApplicationFailure } from '@temporalio/common';
import type { ModelRequest, ModelResponse } from '../../src/agents/model-types.js';
import type { WorkerMetrics } from '../../src/telemetry/worker-metrics.js';
import { anthropicModel, type AnthropicSettings } from './anthropic.js';
import { createGateReviewActivity } from './gate-review.js';
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

export function createModelActivities(anthropic: AnthropicSettings, metrics?: Pick<WorkerMetrics, 'modelTokens'>) {
  const callAnthropic = anthropicModel(anthropic);
  const counted = (provider: string, model: string, res: ModelResponse) => {
    for (const [kind, n] of Object.entries({ input: res.usage.input_tokens, output: res.usage.output_tokens, cache_read: res.usage.cache_read_input_tokens, cache_creation: res.usage.cache_creation_input_tokens })) {
      if (n) metrics?.modelTokens.inc({ provider, model, kind }, n);
    }
    return res;
  };
  const activities = {
    async modelTurn(req: ModelRequest): Promise<ModelResponse> {
      if (req.offlineModel && req.model.startsWith('anthropic:') && !anthropic.apiKey) req = { ...req, model: req.offlineModel };
      const provider = req.model.slice(0, req.model.indexOf(':'));
      const name = req.model.slice(provider.length + 1);
      if (provider === 'anthropic') return counted(provider, name, await callAnthropic(req));
      if (provider === 'builtin' && BUILTIN_MODELS[name]) return counted(provider, name, await BUILTIN_MODELS[name](req));
      throw ApplicationFailure.create({
        type: 'UnsupportedModel',
        message: `agent "${req.agentName}": model "${req.model}" is not available; use anthropic:<model> or builtin:<${Object.keys(BUILTIN_MODELS).join('|')}>`,
        nonRetryable: true,
      });
    },
    reviewFunction: undefined as unknown as ReturnType<typeof createGateReviewActivity>,
  };
  activities.reviewFunction = createGateReviewActivity(activities.modelTurn, Boolean(anthropic.apiKey));
  return activities;
}

export type ModelActivities = ReturnType<typeof createModelActivities>;
