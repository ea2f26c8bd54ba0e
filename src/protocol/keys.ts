// Topic keys, without a schema: the console's UI (its store) needs them before any message is
// validated, so its first frame loads no zod (issue 16). messages.ts re-exports them.
import type { TopicName } from './messages.js';

/** Canonical key of (topic, params): one upstream poller per key, whatever the number of clients. */
export function topicKey(topic: TopicName, params: unknown): string {
  return `${topic}:${stableStringify(params ?? {})}`;
}
export function stableStringify(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableStringify(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}
