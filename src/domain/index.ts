export * from './divio.js';
export * from './console.js';
export * from './outcomes.js';
export * from './jobresults.js';
export * from './helpers.js';
