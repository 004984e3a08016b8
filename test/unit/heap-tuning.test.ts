import { type HeapTuning, heapTuningFor } from '../../src/heap-tuning';

const BOTH: HeapTuning = { youngGenerationMaxMb: 16, heapGrowingPercent: 20 };
const OLD_ONLY: HeapTuning = { youngGenerationMaxMb: null, heapGrowingPercent: 20 };

describe('heapTuningFor', () => {
  it.each<[string, string[], string, HeapTuning]>([
    ['no Node flags at all', [], '', BOTH],
    ['unrelated flags', ['--enable-source-maps', '--max-old-space-size=512'], '--trace-warnings', BOTH],
    ['a semi-space size on the command line', ['--max-semi-space-size=2'], '', OLD_ONLY],
    ['a minimum semi-space size', ['--min-semi-space-size=4'], '', OLD_ONLY],
    ['the growth factor itself, in NODE_OPTIONS', [], '--semi-space-growth-factor=2', OLD_ONLY],
    ['underscores, as V8 also accepts', ['--max_semi_space_size=8'], '', OLD_ONLY],
    ['a flag whose value is the next argument', ['--max-semi-space-size', '8'], '', OLD_ONLY],
    ['heap growth given', ['--heap-growing-percent=50'], '', { youngGenerationMaxMb: 16, heapGrowingPercent: null }],
    ['both given (the image of an earlier release)', ['--max-semi-space-size=2', '--heap-growing-percent=20'], '', { youngGenerationMaxMb: null, heapGrowingPercent: null }],
    ['NODE_OPTIONS with several flags and spaces', [], '  --inspect   --max_semi_space_size=4 ', OLD_ONLY],
  ])('%s', (_what, execArgv, nodeOptions, expected) => {
    expect(heapTuningFor(execArgv, nodeOptions)).toEqual(expected);
  });

  it('does not take a flag for a prefix of another', () => {
    expect(heapTuningFor(['--max-semi-space-size-extra=1'], '')).toEqual(BOTH);
  });
});
