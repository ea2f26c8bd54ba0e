// `widest-line` for Ink, with the console's remembered widths (src/terminal/width.ts): the bundle
// gives Ink's render-node-to-output.js and measure-text.js this module (issue 16: they measured every
// text of every frame again).
import { widestLine } from './width.js';

export default widestLine;
