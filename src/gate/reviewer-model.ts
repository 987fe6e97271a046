// The gate's built-in reviewer: rule sets that answer without a model (the default, and the offline
// fallback). Workflows read it to run the rules where the code already is.
export const BUILTIN_GATE_REVIEWER = 'builtin:gate-reviewer';
