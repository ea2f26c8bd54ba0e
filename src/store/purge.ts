// Input for a purge of a customer-owned Cloudflare zone, validated before anything is sent: one kind
// per purge, items separated by spaces, commas or new lines, no scheme in prefixes or hosts, at most
// 100 items per request (more are split and paced by the gateway).

export type PurgeKind = 'files' | 'prefixes' | 'hosts' | 'tags' | 'everything';
export const PURGE_KINDS: readonly PurgeKind[] = ['files', 'prefixes', 'hosts', 'tags', 'everything'];
export const PURGE_KIND_LABEL: Record<PurgeKind, string> = {
  files: 'URLs',
  prefixes: 'prefixes',
  hosts: 'hosts',
  tags: 'cache tags',
  everything: 'everything',
};
export const PURGE_KIND_EXAMPLE: Record<PurgeKind, string> = {
  files: 'https://www.example.com/css/site.css https://www.example.com/',
  prefixes: 'www.example.com/blog/ www.example.com/static/',
  hosts: 'www.example.com images.example.com',
  tags: 'product-42 header',
  everything: '',
};
export const PER_REQUEST = 100;
const MAX_ITEMS = 10_000;

export interface PurgeInput {
  items: string[];
  errors: string[];
  /** Requests the purge needs (≤100 items each). */
  requests: number;
}

const HOST = /^(?=.{1,253}$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export function splitItems(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean))];
}

/** Validate what the user typed for a purge kind. */
export function parsePurgeInput(kind: PurgeKind, text: string): PurgeInput {
  if (kind === 'everything') return { items: [], errors: [], requests: 1 };
  const items = splitItems(text);
  const errors: string[] = [];
  const bad = (item: string, why: string): void => {
    if (errors.length < 5) errors.push(`${item.length > 60 ? item.slice(0, 57) + '...' : item}: ${why}`);
    else if (errors.length === 5) errors.push('(more errors not shown)');
  };
  if (!items.length) errors.push(`nothing to purge: type one or more ${PURGE_KIND_LABEL[kind]}`);
  if (items.length > MAX_ITEMS) errors.push(`${items.length} items: at most ${MAX_ITEMS} per purge`);
  for (const it of items) {
    if (it.length > 1024) {
      bad(it, 'longer than 1024 characters');
      continue;
    }
    switch (kind) {
      case 'files': {
        let u: URL | null = null;
        try {
          u = new URL(it);
        } catch {}
        if (!u || !/^https?:$/.test(u.protocol) || !u.hostname) bad(it, 'a URL needs its scheme and host (https://host/path)');
        break;
      }
      case 'prefixes': {
        if (/^[a-z][a-z0-9+.-]*:\/\//i.test(it)) bad(it, 'prefixes have no scheme: write host/path, not https://host/path');
        else if (!it.includes('/') || !HOST.test(it.split('/')[0]!)) bad(it, 'a prefix is host/path (e.g. www.example.com/blog/)');
        else if (/[?#]/.test(it)) bad(it, 'a prefix has no query string or fragment');
        break;
      }
      case 'hosts': {
        if (/^[a-z][a-z0-9+.-]*:\/\//i.test(it)) bad(it, 'hosts have no scheme: write www.example.com');
        else if (!HOST.test(it)) bad(it, 'not a host name (no path, no port)');
        break;
      }
      case 'tags':
        if (/[\x00-\x1f\x7f]/.test(it)) bad(it, 'a tag has no control characters');
        break;
    }
  }
  return { items, errors, requests: Math.ceil(items.length / PER_REQUEST) };
}

export function nextPurgeKind(k: PurgeKind): PurgeKind {
  return PURGE_KINDS[(PURGE_KINDS.indexOf(k) + 1) % PURGE_KINDS.length]!;
}
