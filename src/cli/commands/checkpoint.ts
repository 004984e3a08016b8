import type { Command } from 'commander';
import { generateCheckpointKey } from '../../checkpoint/checkpoint-key';
import type { CliContext } from '../context';

// `checkpoint keygen --out FILE` (SPEC §7): the Ed25519 key `serve --checkpoint-key` signs checkpoints with.

export function registerCheckpoint(program: Command, ctx: CliContext): void {
  const checkpoint = program.command('checkpoint').description('signed checkpoints of the audit chains');
  checkpoint
    .command('keygen')
    .description('make an Ed25519 signing key (private key file mode 0600); prints the public key (PEM)')
    .requiredOption('--out <file>', 'where to write the private key (never over an existing file)')
    .action((options: { readonly out: string }) => {
      // Only the PEM on stdout, so `checkpoint keygen --out k > k.pub` saves the public key as is.
      ctx.io.stdout.write(generateCheckpointKey(options.out));
    });
}
