import type { CliCommand } from './args.js';

export const command: CliCommand = {
  help: 'xietong client: not built yet',
  async run() {
    console.error('xietong client: not built yet');
    return 1;
  },
};
