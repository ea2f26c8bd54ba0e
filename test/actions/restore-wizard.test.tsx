// The restore wizard as a user drives it (ink-testing-library, the real App frame, a unit fake of the
// gateway surface): every step, Esc back, the typed slug, read-only tokens.
import { afterEach, describe, expect, test } from 'vitest';
import type { Job } from '../../src/domain/index.js';
import type { BackupWithDetail, EnvData } from '../../src/protocol/messages.js';
import { envData, fleetRow, mount, KEY, type Harness } from '../ui/fake.js';
import { buildKeymap, type Keymap } from '../../src/config/keymap.js';

const live = fleetRow('shop', 'live', { org: 'Acme' });
const test_ = fleetRow('shop', 'test', { org: 'Acme' });
const H = 3600e3;

function iso(msAgo: number): string {
  return new Date(Date.now() - msAgo).toISOString();
}

function backup(id: string, o: { ago: number; trigger?: string; ok?: boolean; media?: boolean; notes?: string }): BackupWithDetail {
  const details = [
    { uuid: `${id}-db`, backup: id, service_instance: 'si-db', service_type: 'DATABASE', size: 5 * 1024 * 1024, ended_at: iso(o.ago), errors: [] },
    ...(o.media === false ? [] : [{ uuid: `${id}-media`, backup: id, service_instance: 'si-media', service_type: 'STORAGE', size: 2 * 1024 * 1024 * 1024, ended_at: iso(o.ago), errors: [] }]),
  ];
  return {
    uuid: id,
    environment: live.envUuid,
    state: 'COMPLETED',
    success: o.ok === false ? 'FAILURE' : 'SUCCESS',
    service_instance_backups: details.map((d) => d.uuid),
    notes: o.notes ?? null,
    trigger: o.trigger ?? 'SCHEDULED',
    created_at: iso(o.ago),
    started_at: iso(o.ago),
    ended_at: iso(o.ago - 60e3),
    details,
  } as BackupWithDetail;
}

const BACKUPS = [
  backup('b1111111', { ago: 2 * H, trigger: 'MANUAL', notes: 'before the migration' }),
  backup('b2222222', { ago: 30 * H, ok: false }),
  backup('b3333333', { ago: 10 * 24 * H, media: false }),
];

function envOf(row: typeof live): EnvData {
  const d = envData(row);
  d.environments = [envData(live).environment, envData(test_).environment];
  if (row.env === 'test') d.contentVersion = { environment: row.envUuid, database: { rows: 77, checksum: 'testcv0001' }, media: { files: 3, bytes: 100, checksum: 'tm' } };
  return d;
}

/** Page through help (ctrl-f) until `re` is on screen. */
async function helpShows(hh: Harness, re: RegExp): Promise<string> {
  for (let i = 0; i < 8; i++) {
    const f = hh.frame();
    if (re.test(f)) return f;
    await hh.press('\x06');
  }
  return hh.frame();
}

let h: Harness | null = null;
afterEach(() => {
  h?.unmount();
  h = null;
});

async function openWizard(opts: { viewer?: boolean; readOnlySession?: boolean; ascii?: boolean; keymap?: Keymap } = {}): Promise<Harness> {
  const harness = await mount({ fleet: [live, test_], attach: false, keymap: opts.keymap, ...(opts.ascii ? { unicode: false, color: 'none' as const } : {}) });
  if (opts.viewer) harness.gw.welcome = { ...harness.gw.welcome, role: 'viewer' };
  // the console's own gateway started with --read-only: an operator's session that changes nothing
  if (opts.readOnlySession) harness.gw.welcome = { ...harness.gw.welcome, role: 'operator', readOnly: true };
  harness.gw.serve('env', { env: live.envUuid }, envOf(live));
  harness.gw.serve('env', { env: test_.envUuid }, envOf(test_));
  harness.gw.serve('backups', { env: live.envUuid }, { backups: BACKUPS, serviceInstances: [] });
  harness.gw.serve('backups', { env: test_.envUuid }, { backups: [], serviceInstances: [] });
  harness.store.attach(harness.gw);
  harness.store.push('env', { env: live.envUuid, slug: 'live', app: 'shop', appUuid: live.appUuid, org: 'Acme' });
  await harness.waitFor((f) => f.includes('Services'));
  await harness.press('R');
  await harness.waitFor((f) => f.includes('step 1/7'));
  return harness;
}

describe('restore wizard', () => {
  test('step 1 lists the backups with trigger, state, content, size and notes; filters narrow the list', async () => {
    h = await openWizard();
    const f = await h.waitFor((x) => x.includes('before the migration'));
    expect(f).toContain('Backups of live');
    expect(f).toMatch(/manual\s+ok\s+db\+media\s+2\.0 GB/);
    expect(f).toMatch(/scheduled\s+failed/);
    expect(f).toContain('(3 of 3)');
    await h.press('a'); // age: last day
    expect(h.frame()).toContain('(1 of 3)');
    await h.press('a', 'a', 'a'); // back to all
    await h.press('t'); // manual only
    expect(h.frame()).toContain('(1 of 3)');
    await h.press('t', 't', 'c', 'c'); // trigger all; content media
    expect(h.frame()).toContain('(2 of 3)');
    expect(h.frame()).not.toContain('b3333333');
  });

  test('a failed backup cannot be chosen; Esc on step 1 closes the wizard', async () => {
    h = await openWizard();
    await h.waitFor((x) => x.includes('b2222222'));
    await h.press(KEY.down, KEY.enter);
    expect(h.frame()).toMatch(/b2222222 is failed.*only completed, successful backups/);
    expect(h.frame()).toContain('step 1/7');
    await h.press(KEY.esc);
    await h.waitFor((x) => x.includes('Services') && !x.includes('step 1/7'));
  });

  test('the whole way: what, destination "live → test", safety backup, review, wrong slug refused, right slug sends, progress and result', async () => {
    h = await openWizard();
    await h.waitFor((x) => x.includes('b1111111'));
    await h.press(KEY.enter);
    let f = await h.waitFor((x) => x.includes('step 2/7'));
    expect(f).toMatch(/\[x\] database\s+database\s+5\.0 MB/);
    expect(f).toMatch(/\[x\] media\s+storage\s+2\.0 GB/);
    await h.press(KEY.down, ' '); // media off
    expect(h.frame()).toMatch(/\[ \] media/);
    await h.press(KEY.enter);
    f = await h.waitFor((x) => x.includes('step 3/7'));
    expect(f).toContain('live → live (in place)');
    // no default destination: Enter alone does not go on
    expect(f).toContain('Nothing is chosen for you');
    await h.press(KEY.enter);
    await h.waitFor((x) => x.includes('choose the destination: move to it'));
    expect(h.frame()).toContain('step 3/7');
    await h.press(KEY.down, KEY.down);
    expect(h.frame()).toContain('live → test');
    // Esc goes back one step and keeps the choice
    await h.press(KEY.esc);
    f = await h.waitFor((x) => x.includes('step 2/7'));
    expect(f).toMatch(/\[ \] media/);
    await h.press(KEY.enter);
    await h.waitFor((x) => x.includes('step 3/7'));
    await h.press(KEY.enter);
    f = await h.waitFor((x) => x.includes('step 4/7'));
    expect(f).toContain('[x] ON: a backup of test');
    await h.press(' ');
    expect(h.frame()).toContain('OFF: test');
    await h.press(' ');
    expect(h.frame()).toContain('[x] ON');
    await h.press(KEY.enter);
    f = await h.waitFor((x) => x.includes('step 5/7'));
    expect(f).toContain('shop@test');
    expect(f).toContain('live → test');
    expect(f).toMatch(/Now on dest\s+database 77 rows \(testcv00\)/);
    expect(f).toContain('Cross-environment restore');
    expect(f).not.toContain('publicly readable'); // no media chosen
    expect(f).toContain('a backup of test first (on)');
    await h.press(KEY.enter);
    await h.waitFor((x) => x.includes('step 6/7'));
    await h.press('t', 'e', 's', 't', KEY.enter);
    f = await h.waitFor((x) => x.includes('does not name the destination'));
    expect(h.gw.commands).toHaveLength(0);
    for (const ch of 'shop@test') await h.press(ch);
    expect(h.frame()).toContain('> shop@test_');
    await h.press(KEY.enter);
    f = await h.waitFor((x) => x.includes('step 7/7'));
    expect(h.gw.commands).toEqual([{ kind: 'restore', params: { backup: 'b1111111', to: test_.envUuid, siBackups: ['b1111111-db'], safetyBackup: true, confirm: 'shop@test' } }]);
    const now = Date.now();
    const done: Job = {
      id: 'job-1', kind: 'restore', idempotencyKey: 'k-1-xxxxxxxx', state: 'succeeded', target: 'shop@test', params: {}, percent: 100, stage: 'done',
      steps: [
        { name: 'safety backup', state: 'succeeded', startedAt: now - 5000, endedAt: now - 3000, detail: 'sb-uuid' },
        { name: 'restore', state: 'succeeded', startedAt: now - 3000, endedAt: now - 1000 },
        { name: 'content version', state: 'succeeded', startedAt: now - 1000, endedAt: now },
      ],
      createdAt: now - 6000, updatedAt: now + 10, endedAt: now, error: null,
      result: { safetyBackup: 'sb-uuid-1', restore: 'r-1', contentVersion: { environment: test_.envUuid, database: { rows: 1234, checksum: 'fromlive99' }, media: null } },
      upstreamId: 'r-1',
    };
    h.gw.pushJob(done);
    f = await h.waitFor((x) => x.includes('Restored into test'));
    expect(f).toMatch(/succeeded\s+safety backup\s+2s/);
    expect(f).toContain('database 1234 rows (fromlive)');
    expect(f).toContain('Safety backup sb-uuid- holds the previous content');
    await h.press(KEY.esc);
    await h.waitFor((x) => x.includes('Services') && !x.includes('step 7/7'));
  });

  test('choosing media shows the public-read warning; nothing chosen cannot go on', async () => {
    h = await openWizard();
    await h.waitFor((x) => x.includes('b1111111'));
    await h.press(KEY.enter, 'a'); // a: none (all were on)
    await h.press(KEY.enter);
    expect(h.frame()).toContain('choose at least one');
    await h.press('m', KEY.enter, KEY.down, KEY.enter, KEY.enter);
    const f = await h.waitFor((x) => x.includes('step 5/7'));
    expect(f).toContain('publicly readable');
    expect(f).toContain('live → live (in place)');
    expect(f).toContain('The destination is LIVE');
  });

  test('a refused command keeps the wizard on the confirmation with the reason', async () => {
    h = await openWizard();
    h.gw.command = async () => {
      throw new Error('confirmation does not match');
    };
    await h.waitFor((x) => x.includes('b1111111'));
    await h.press(KEY.enter, KEY.enter, KEY.down, KEY.enter, KEY.enter, KEY.enter);
    await h.waitFor((x) => x.includes('step 6/7'));
    for (const ch of 'shop@live') await h.press(ch);
    await h.press(KEY.enter);
    const f = await h.waitFor((x) => x.includes('refused: confirmation does not match'));
    expect(f).toContain('step 6/7');
  });

  test('q leaves the wizard from any step after a y; n stays', async () => {
    h = await openWizard();
    await h.waitFor((x) => x.includes('b1111111'));
    await h.press(KEY.enter, KEY.enter);
    await h.waitFor((x) => x.includes('step 3/7'));
    await h.press('q');
    await h.waitFor((x) => x.includes('Leave the restore wizard?'));
    await h.press('n');
    await h.waitFor((x) => !x.includes('Leave the restore wizard?'));
    expect(h.frame()).toContain('step 3/7');
    await h.press('q');
    await h.waitFor((x) => x.includes('Leave the restore wizard?'));
    await h.press('y');
    await h.waitFor((x) => !x.includes('step 3/7'));
    expect(h.gw.commands).toHaveLength(0);
  });

  test('the leave question takes the dialog keys: remapped, y and n are inert and the question says the new keys', async () => {
    h = await openWizard({ keymap: buildKeymap({ 'dialog.yes': 'ctrl+y', 'dialog.no': 'ctrl+d' }) });
    await h.waitFor((x) => x.includes('b1111111'));
    await h.press('q');
    await h.waitFor((x) => x.includes('Leave the restore wizard? Nothing has been sent. ctrl-y leaves, ctrl-d stays.'));
    await h.press('y', 'n');
    expect(h.frame()).toContain('Leave the restore wizard?');
    await h.press('\x04');
    await h.waitFor((x) => !x.includes('Leave the restore wizard?'));
    await h.press('q');
    await h.waitFor((x) => x.includes('Leave the restore wizard?'));
    await h.press('\x19');
    await h.waitFor((x) => !x.includes('step 1/7'));
  });

  test('a read-only token sees the backups but cannot restore', async () => {
    h = await openWizard({ viewer: true });
    const f = await h.waitFor((x) => x.includes('b1111111'));
    expect(f).toContain('read-only');
    await h.press(KEY.enter);
    expect(h.frame()).toContain('step 1/7');
    expect(h.frame()).toMatch(/read-only: this gateway token may look but not change anything \(ask for an operator token\)/);
    expect(h.gw.commands).toHaveLength(0);
  });

  test('a session started with --read-only says so, not "ask for an operator token" (no token would help)', async () => {
    h = await openWizard({ readOnlySession: true });
    await h.waitFor((x) => x.includes('b1111111'));
    await h.press(KEY.enter);
    const f = h.frame();
    expect(f).toMatch(/read-only: started with --read-only, this session changes nothing\n/);
    expect(f).not.toContain('operator token');
    expect(h.gw.commands).toHaveLength(0);
  });

  test('ASCII mode without colour: every step draws plain ASCII, no escape sequences', async () => {
    h = await openWizard({ ascii: true });
    const frames: string[] = [await h.waitFor((x) => x.includes('b1111111'))];
    for (const k of [KEY.enter, KEY.enter, KEY.down, KEY.down, KEY.enter, KEY.enter, KEY.enter]) {
      await h.press(k);
      frames.push(h.frame());
    }
    expect(frames.at(-1)).toContain('live -> test');
    for (const f of frames) {
      expect(f).not.toMatch(/[^\x0a\x20-\x7e]/);
    }
  });

  test('remapped wizard keys: next is ctrl+g and toggle is v (Enter and space no longer act), the hints and help say so', async () => {
    h = await openWizard({ keymap: buildKeymap({ 'wizard.next': 'ctrl+g', 'wizard.toggle': 'v' }) });
    let f = await h.waitFor((x) => x.includes('b1111111'));
    expect(f).toContain('ctrl-g choose');
    await h.press(KEY.enter);
    expect(h.frame()).toContain('step 1/7');
    await h.press('\x07');
    f = await h.waitFor((x) => x.includes('step 2/7'));
    expect(f).toContain('What to restore (v toggles');
    await h.press(KEY.down, ' ');
    expect(h.frame()).toMatch(/\[x\] media/);
    await h.press('v');
    await h.waitFor((x) => /\[ \] media/.test(x));
    await h.press('?');
    f = await h.waitFor((x) => x.includes('help (restore)'));
    expect(await helpShows(h, /ctrl-g\s+next step/)).toMatch(/ctrl-g\s+next step/);
    expect(await helpShows(h, /v\s+toggle the item under the cursor/)).toMatch(/v\s+toggle the item under the cursor/);
  });
});
