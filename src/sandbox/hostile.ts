// `--scenario hostile`: the default fleet with upstream text that attacks terminals and leaks
// secrets, as real upstream text can (names, branches, notes and logs are typed by people and
// programs). Every escape-sequence family (CSI, OSC incl. title and OSC 52 clipboard, DCS, APC, PM,
// SOS, 8-bit C1 incl. U+009B), bidi overrides, invisible formatting, invalid UTF-8 (as the decoder
// delivers it), huge lines, and secrets in every free-text field. The test corpus
// (test/e2e/hostile.test.ts) asserts that none of it reaches a terminal, a file or a viewer.
import type { Engine } from './engine.js';
import type { SandboxState } from './model.js';

/** Secret values planted in the scenario: none may appear in anything a viewer or the CLI receives. */
export const HOSTILE_SECRETS = ['Hunter2-DSN-pass', 'ghp_HostileToken0123456789abcdef', 'sk-live-Hostile-9f8e7d6c5b4a', 'Bearer-eyJhbGciOiJIUzI1NiJ9.hostile'] as const;

const ESC = '\x1b';
const BEL = '\x07';
const ST = ESC + '\\';

/** One of each family; each sanitises to the empty string (or to its printable payload for CSI). */
export const HOSTILE_SEQUENCES = {
  title: `${ESC}]0;pwned-title${BEL}`,
  title8: `\u009d2;pwned-title-8bit\u009c`,
  clipboard: `${ESC}]52;c;ZWNobyBwd25lZA==${BEL}`,
  hyperlink: `${ESC}]8;;https://evil.example/${ST}`,
  dcs: `${ESC}P1$r0m${ST}`,
  dcs8: `\u0090q#0;2;0;0;0${ST}`,
  apc: `${ESC}_hostile-apc${ST}`,
  pm: `${ESC}^hostile-pm${ST}`,
  sos: `${ESC}Xhostile-sos${ST}`,
  csiClear: `${ESC}[2J${ESC}[H`,
  csi8: `\u009b2J`,
  cursor: `${ESC}[10;10H${ESC}[?25l`,
  altScreen: `${ESC}[?1049l`,
  conceal: `${ESC}[8m`,
  reset: `${ESC}c`,
  bidi: '\u202e',
  isolate: '\u2066',
  zeroWidth: '\u200b\u2060\ufeff',
  c0: '\x07\x08\x00\x7f',
  c1: '\u0085\u008d\u0096',
  invalidUtf8: '\ufffd\ufffd', // what a UTF-8 decoder makes of 0xC3 0x28 / 0xFF
} as const;

const ALL = Object.values(HOSTILE_SEQUENCES).join('');
const S = HOSTILE_SECRETS;

/** `word` wrapped in every family, so that its sanitised form is `word` (plus nothing). */
export function hostile(word: string): string {
  return `${HOSTILE_SEQUENCES.title}${word.slice(0, 2)}${HOSTILE_SEQUENCES.clipboard}${HOSTILE_SEQUENCES.csi8}${word.slice(2)}${HOSTILE_SEQUENCES.bidi}${HOSTILE_SEQUENCES.dcs}${HOSTILE_SEQUENCES.apc}${HOSTILE_SEQUENCES.zeroWidth}`;
}

/** Runtime log lines: hostile sequences, secrets in every form the masker knows, a huge line. */
export function hostileLogLines(app: string): { service: string; message: string }[] {
  return [
    { service: 'web', message: `${ESC}[31mERROR${ESC}[0m ${ALL} request failed for ${app}` },
    { service: 'web', message: `connecting to postgres://app:${S[0]}@db.internal:5432/app${HOSTILE_SEQUENCES.title}` },
    { service: 'worker', message: `Authorization: Bearer ${S[3]} ${HOSTILE_SEQUENCES.clipboard}` },
    { service: 'worker', message: `GITHUB_TOKEN=${S[1]} STRIPE_SECRET_KEY="${S[2]}"` },
    { service: 'web', message: `{"event": "login", "password": "${S[0]}", "api_key": "${S[2]}"}` },
    { service: 'web', message: `token refreshed for ${app}${HOSTILE_SEQUENCES.bidi}gnp.exe` },
    { service: 'web', message: `huge ${'A'.repeat(200_000)}${HOSTILE_SEQUENCES.title} end` },
  ];
}

/** Turn a freshly built state into the hostile scenario (names, branches, notes, variables, logs, deployment logs). */
export function applyHostileScenario(state: SandboxState, engine: Engine, nowMs: number): void {
  for (const o of state.organisations) o.name = hostile(o.name);
  // one application whose slug itself is hostile ("evil" once sanitised); every name is hostile
  const evil = state.applications[state.applications.length - 1]!;
  evil.slug = hostile('evil');
  for (const a of state.applications) a.name = hostile(a.name);
  for (const e of state.environments) {
    const app = state.applications.find((a) => a.uuid === e.application)!;
    const branch = hostile(e.branch);
    if (app.branches[e.branch]) app.branches[branch] = app.branches[e.branch]!;
    e.branch = branch;
    engine.appendLogs(e.uuid, hostileLogLines(app.slug), nowMs);
    state.envVars.push(
      { uuid: `${e.uuid.slice(0, 24)}aaaaaaaaaaaa`, name: 'LEGACY_URL', value: `mysql://root:${S[0]}@db/x`, is_sensitive: false, environment: e.uuid },
      { uuid: `${e.uuid.slice(0, 24)}bbbbbbbbbbbb`, name: 'GITHUB_TOKEN', value: S[1], is_sensitive: false, environment: e.uuid },
      { uuid: `${e.uuid.slice(0, 24)}cccccccccccc`, name: hostile('BANNER'), value: ALL, is_sensitive: false, environment: e.uuid },
    );
  }
  // values of Divio's enums this console does not know (real Divio may add some), hostile too: they
  // are shown marked `unknown: WARMING_UP` (src/domain/words.ts), cleaned
  const evilEnvs = new Set(state.environments.filter((e) => e.application === evil.uuid).map((e) => e.uuid));
  for (const si of state.serviceInstances) if (evilEnvs.has(si.environment)) (si as { service_status: string }).service_status = hostile('WARMING_UP');
  for (const b of state.backups) b.notes = `${hostile('nightly')} copy of postgres://app:${S[0]}@db/app token ${S[1]}`;
  for (const d of state.deployments) {
    d.commit = d.commit.slice(0, 40);
    d.script = d.script.map((l, i) =>
      i === 1 ? { ...l, text: `${l.text} ${ALL} DATABASE_URL=postgres://app:${S[0]}@db/app Authorization: Token ${S[1]}` } : l,
    );
  }
}
