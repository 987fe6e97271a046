// builtin:assistant: acknowledges what it was asked, so the default agent answers without a key.
import { answer, eventData, type BuiltinModel } from './respond.js';

export const assistant: BuiltinModel = (req) => {
  const first = req.messages[0]?.content;
  const event = typeof first === 'string' ? first.split('\n', 1)[0] : 'an event';
  const data = eventData(req);
  return answer(
    req,
    `${event}\n\nI am the built-in offline assistant${data.comment ? ' and read your comment' : ''}; set a model provider's key (ANTHROPIC_API_KEY, GOOGLE_API_KEY or OPENAI_API_KEY) for real answers.`,
  );
};
