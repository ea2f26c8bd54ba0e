export * from './auth.js';
export * from './client.js';
export * from './errors.js';
export * from './ops.js';
export * from './tar.js';
