// builtin:issue-triager: keywords and heuristics. Labels the issue (type, priority, component) and asks
// for what a bug report is missing, through the same tools an LLM would call.
import { answer, eventData, lastToolResults, turn, useTools, type BuiltinModel } from './respond.js';

const has = (text: string, words: RegExp) => words.test(text);

export function classify(title: string, body: string) {
  const text = `${title}\n${body}`.toLowerCase();
  const type = has(
    text,
    /\b(bug|error|crash(es|ed)?|fail(s|ed|ure)?|broken|exception|stack ?trace|regression|doesn'?t work|not working)\b/,
  )
    ? 'bug'
    : has(text, /\b(docs?|documentation|readme|typo|guide)\b/)
      ? 'documentation'
      : has(text, /\b(feature|request|add|support|would be nice|proposal|enhance(ment)?|allow)\b/)
        ? 'enhancement'
        : has(text, /\?|\bhow (do|can|to)\b|\bquestion\b/)
          ? 'question'
          : 'needs-triage';
  const priority = has(text, /\b(security|vulnerab\w*|data loss|outage|production (is )?down|crash(es|ed)?)\b/)
    ? 'critical'
    : has(text, /\b(broken|regression|blocker|cannot|can'?t|urgent)\b/)
      ? 'high'
      : type === 'bug'
        ? 'medium'
        : 'low';
  const components: [string, RegExp][] = [
    ['api', /\b(api|endpoint|rest|http|graphql)\b/],
    ['frontend', /\b(ui|css|button|page|frontend|browser|render\w*)\b/],
    ['database', /\b(database|sql|query|migration|postgres\w*|mysql)\b/],
    ['auth', /\b(login|auth\w*|password|session|oauth)\b/],
    ['ci', /\b(ci|build|pipeline|workflow|github actions)\b/],
  ];
  const component = components.find(([, re]) => re.test(text))?.[0];
  const missing =
    type === 'bug'
      ? [
          [/steps to reproduce|to reproduce|repro/, 'steps to reproduce'],
          [/expected/, 'the expected behaviour'],
          [/version|v\d+\.\d+/, 'the version you are running'],
        ]
          .filter(([re]) => !(re as RegExp).test(text))
          .map(([, what]) => what as string)
      : [];
  return { type, priority, component, missing };
}

export const issueTriager: BuiltinModel = (req) => {
  const data = eventData(req);
  const c = classify(data.title ?? '', data.body ?? '');
  const labels = [c.type, `priority:${c.priority}`, ...(c.component ? [`component:${c.component}`] : [])];
  const question =
    c.missing.length && req.tools.includes('github_post_comment')
      ? `Thanks for the report! To look into it we need ${c.missing.join(', ')}. Could you add ${c.missing.length > 1 ? 'them' : 'it'}?`
      : undefined;
  if (turn(req) === 0) {
    const calls: { name: string; input: unknown }[] = [];
    if (req.tools.includes('github_add_labels')) calls.push({ name: 'github_add_labels', input: { labels } });
    if (question) calls.push({ name: 'github_post_comment', input: { body: question } });
    if (calls.length) return useTools(req, calls);
  }
  const failed = lastToolResults(req).filter((r) => r.is_error);
  // The final answer replaces the run's comment, so it repeats the question asked there.
  const summary = `Triaged as ${labels.join(', ')}.${failed.length ? ` (${failed.length} tool call(s) failed: ${failed.map((f) => f.content).join('; ')})` : ''}`;
  return answer(req, question ? `${question}\n\n${summary}` : summary);
};
