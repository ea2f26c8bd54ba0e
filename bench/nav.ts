// How the bench gets the console onto the logs screen of one environment, with the console's own
// keys: on the fleet, `/` filter "app@env", Enter, then `l` (runtime logs of the selected row).
import { SCENARIO } from '../src/sandbox/scenario.js';
import { waitFor, sleep, screenLines, type ConsoleProc } from './pty.js';

const FLEET = (s: string) => SCENARIO.apps.some((slug) => s.includes(slug));

export async function typeKeys(c: ConsoleProc, keys: string, gapMs = 25): Promise<void> {
  for (const ch of keys) {
    c.write(ch);
    await sleep(gapMs);
  }
}

export async function openLogsScreen(c: ConsoleProc, app: string, env: string): Promise<void> {
  await waitFor(c, FLEET, 20_000, 'the fleet screen');
  await sleep(500);
  const target = `${app}@${env}`;
  await typeKeys(c, '/');
  await typeKeys(c, target);
  await waitFor(c, (s) => s.includes(`/${target}`), 3000, `the fleet filter "${target}"`);
  c.write('\r');
  await sleep(300);
  c.write('l');
  // The logs screen: its breadcrumb/title names logs and the environment.
  await waitFor(c, (s) => {
    const top = s.split('\n').slice(0, 3).join('\n').toLowerCase();
    return top.includes('logs') && !s.includes(`/${target}`);
  }, 5000, `the logs screen of ${target}`);
  await sleep(500);
}

/** A short description of the screen (for error messages). */
export function screenSummary(c: ConsoleProc): string {
  return screenLines(c.term).filter((l) => l.trim()).slice(0, 3).join(' | ').slice(0, 200);
}
