export * from './divio.js';
export * from './console.js';
