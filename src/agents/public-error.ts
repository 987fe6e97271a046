// What a failure looks like in public (a PR comment, a check run): the kind of failure and where to look,
// never its message, which may carry a stack, a URL, a payload or a token. The workflow keeps the real one.

export function publicFailure(type: string | undefined, reference: string): string {
  const t = type ?? '';
  const what = /^GitHub/.test(t)
    ? 'a GitHub API call failed'
    : /^(Model|Anthropic|Google|OpenAI|MissingApiKey|Unsupported)/.test(t)
      ? 'the model service failed'
      : /^(TokenBudget|InvalidToolCalls)/.test(t)
        ? 'the agent stopped (token budget or invalid tool calls)'
        : 'an internal error occurred';
  return `${what}. Reference: ${reference}.`;
}
