// Runs before every test file: Node 20 globals that @medplum/core expects.
import '../../src/platform/runtime/node-globals.js';
