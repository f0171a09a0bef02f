import type { CliCommand } from './args.js';

export const command: CliCommand = {
  help: 'xietong token: not built yet',
  async run() {
    console.error('xietong token: not built yet');
    return 1;
  },
};
