// The environment a flow acts on: its Trigger's `params.environment`, else the first word after the
// command (`/deploy staging`), else "default". One function for the flow and for its workflow id.
export function flowEnvironment(params: Record<string, unknown>, args: string | undefined): string {
  return String(params.environment ?? (args?.split(/\s+/)[0] || 'default'));
}
