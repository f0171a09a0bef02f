import type { CliCommand } from './args.js';

export const command: CliCommand = {
  help: 'xietong seed: not built yet',
  async run() {
    console.error('xietong seed: not built yet');
    return 1;
  },
};
