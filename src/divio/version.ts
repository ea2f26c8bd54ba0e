// The client's User-Agent, from the single run-time version constant (src/version.ts).
import { VERSION } from '../version.js';
export const CLIENT_VERSION = VERSION;
export const DEFAULT_USER_AGENT = `divio-tui/${CLIENT_VERSION}`;
