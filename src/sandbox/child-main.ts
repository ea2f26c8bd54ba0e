// The sandbox child's own entry in the package (dist/chunks/sandbox-child.js, see
// launchSandboxProcess): the child needs none of the console's command table, which the program's
// entry loads before anything else. The single file runs the program itself (`sandbox --ipc`).
import '../cli/compilecache.js';
import { runSandboxChild } from './child.js';

void runSandboxChild();
