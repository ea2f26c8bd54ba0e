export * from './config.js';
export * from './keymap.js';
export * from './theme.js';
export { parseJsonWithLines, lineOf, JsonSyntaxError } from './jsonpos.js';
