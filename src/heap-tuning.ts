import { PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';

// `serve` keeps its resident memory within SPEC §11's 150 MB under load by tuning V8's heap growth from inside
// the process, so a plain `node dist/cli.js serve` needs no command-line flags (README "Operations: Memory"):
// - Young generation: V8 doubles it under a high allocation rate up to 32 MB (Node 20, 22) or 64 MB (Node 24).
//   `--max-semi-space-size` cannot be changed once the heap exists, but the growth factor is read at each
//   growth, so after every collection the factor is set to 1 (no growth) once the young generation has reached
//   its cap and back to V8's 2 below it (V8 shrinks it again when allocation slows). The cap, 16 MB, keeps most
//   of the throughput of the uncapped heap: 1 or 2 MB cost a 10-container review a quarter of its rate and
//   doubled its p99 in the bench, as more in-flight reviews were promoted to the old generation.
// - Old generation: it grows by 20 % between full collections instead of V8's adaptive factor (up to ×4).
// Both must be set before the modules load (loading them alone grows an untuned young generation), so this
// module imports only Node built-ins and cli.ts calls it first. V8 resets a growth factor below 2 to 2 whenever
// it sets up a new isolate, as a worker thread's; the audit writer thread caps its own young generation instead.
// Flags the operator gave (on the command line or in NODE_OPTIONS) win: a setting is left alone when any flag
// that governs the same thing was given.

export interface HeapTuning {
  /** The young generation's cap in MB, or null when the operator's own flags govern it. */
  readonly youngGenerationMaxMb: number | null;
  /** `--heap-growing-percent` as set here, or null when the operator set it. */
  readonly heapGrowingPercent: number | null;
}

const YOUNG_GENERATION_MAX_MB = 16;
const HEAP_GROWING_PERCENT = 20;
const YOUNG_GENERATION_FLAGS = ['--semi-space-growth-factor', '--max-semi-space-size', '--min-semi-space-size'];
const UNTUNED: HeapTuning = { youngGenerationMaxMb: null, heapGrowingPercent: null };

/** What to tune, given the process's own Node flags (`process.execArgv`) and NODE_OPTIONS. */
export function heapTuningFor(execArgv: readonly string[], nodeOptions: string): HeapTuning {
  const given = new Set(
    [...execArgv, ...nodeOptions.split(/\s+/)]
      .filter((arg) => arg.startsWith('--'))
      // V8 spells its flags with dashes or underscores alike.
      .map((arg) => `--${arg.slice(2).split('=')[0].replace(/_/g, '-')}`),
  );
  return {
    youngGenerationMaxMb: YOUNG_GENERATION_FLAGS.some((f) => given.has(f)) ? null : YOUNG_GENERATION_MAX_MB,
    heapGrowingPercent: given.has('--heap-growing-percent') ? null : HEAP_GROWING_PERCENT,
  };
}

let applied: HeapTuning = UNTUNED;
/** The young generation's cap in bytes while capped here; the growth factor last set (0: none yet). */
let youngMaxBytes: number | null = null;
let factor = 0;

/**
 * Tunes this process when the CLI's arguments name `serve` (a stray `serve` elsewhere, say as a `--reason`,
 * only tunes a short-lived command too); the other commands keep V8's defaults.
 */
export function tuneHeapForServe(argv: readonly string[], env: NodeJS.ProcessEnv): void {
  if (!argv.includes('serve')) return;
  applied = heapTuningFor(process.execArgv, env.NODE_OPTIONS ?? '');
  if (applied.heapGrowingPercent !== null) v8.setFlagsFromString(`--heap-growing-percent=${applied.heapGrowingPercent}`);
  if (applied.youngGenerationMaxMb === null) return;
  youngMaxBytes = applied.youngGenerationMaxMb * 1024 * 1024;
  // After every collection, young and full: growth is decided at the end of one.
  new PerformanceObserver(steerYoungGeneration).observe({ entryTypes: ['gc'] });
  steerYoungGeneration();
}

function steerYoungGeneration(): void {
  if (youngMaxBytes === null) return;
  const young = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
  const wanted = young !== undefined && young.space_size >= youngMaxBytes ? 1 : 2;
  if (wanted === factor) return;
  v8.setFlagsFromString(`--semi-space-growth-factor=${wanted}`);
  factor = wanted;
}

/** What `tuneHeapForServe` set in this process, for serve's start-up log line. */
export function appliedHeapTuning(): HeapTuning {
  return applied;
}
