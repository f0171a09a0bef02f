import type { CliCommand } from './args.js';

export const command: CliCommand = {
  help: 'xietong serve: not built yet',
  async run() {
    console.error('xietong serve: not built yet');
    return 1;
  },
};
