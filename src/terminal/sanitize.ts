// The sanitiser and secret masker live in src/domain/text.ts: a pure leaf module (it imports
// nothing), so the upstream clients can clean text where it enters the domain model (DESIGN §5)
// and the terminal-side code keeps importing it from here.
export * from '../domain/text.js';
