// The upstream clients' User-Agent, from the single run-time version constant (src/version.ts).
import { VERSION } from '../version.js';
export const DEFAULT_USER_AGENT = `divio-tui/${VERSION}`;
