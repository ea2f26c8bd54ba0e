// The one place the version lives at run time (kept in step with package.json by a test).
export const VERSION = '0.1.0';
export const USER_AGENT = `divio-tui/${VERSION}`;
