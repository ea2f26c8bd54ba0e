// The undici files src/http/undici.ts imports by path (undici types only its index).
declare module 'undici/lib/dispatcher/dispatcher.js' {
  const Dispatcher: { prototype: object };
  export default Dispatcher;
}
declare module 'undici/lib/dispatcher/agent.js' {
  const Agent: unknown;
  export default Agent;
}
declare module 'undici/lib/api/index.js' {
  const api: Record<string, unknown>;
  export default api;
}
declare module 'undici/lib/llhttp/llhttp_simd-wasm.js' {
  const bytes: Buffer;
  export default bytes;
}
