import { UsageError } from '../../src/errors';
import { type LogLevel, createLogger, parseLogLevel } from '../../src/logger';

const T0 = Date.parse('2025-03-01T10:00:00.000Z');

function setup(level: LogLevel) {
  const chunks: string[] = [];
  const logger = createLogger({ level, stream: { write: (s: string) => chunks.push(s) }, clock: () => T0 });
  const lines = (): unknown[] => chunks.map((c) => JSON.parse(c) as unknown);
  return { logger, chunks, lines };
}

describe('createLogger', () => {
  it('writes one JSON object per line with time, level, msg first and then the fields', () => {
    const { logger, chunks } = setup('info');
    logger.info('review answered', { namespace: 'payments', allowed: false, reasons: ['not-approved'] });
    expect(chunks).toEqual([
      '{"time":"2025-03-01T10:00:00.000Z","level":"info","msg":"review answered","namespace":"payments","allowed":false,"reasons":["not-approved"]}\n',
    ]);
  });

  it.each<[LogLevel, string[]]>([
    ['debug', ['debug', 'info', 'warn', 'error']],
    ['info', ['info', 'warn', 'error']],
    ['warn', ['warn', 'error']],
    ['error', ['error']],
  ])('at level %s writes %j', (level, expected) => {
    const { logger, lines } = setup(level);
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    expect(lines().map((l) => (l as { level: string }).level)).toEqual(expected);
    expect(logger.isLevelEnabled('debug')).toBe(level === 'debug');
  });

  it('does not look at the fields of a filtered-out line', () => {
    const { logger, chunks } = setup('warn');
    const fields = {
      get expensive(): string {
        throw new Error('should not be read');
      },
    };
    logger.debug('skipped', fields);
    expect(chunks).toEqual([]);
  });

  it('child loggers carry their fields, and call fields win over bound ones', () => {
    const { logger, lines } = setup('info');
    const child = logger.child({ component: 'tls', decisionId: 'a' }).child({ decisionId: 'b' });
    child.warn('reloaded', { attempt: 2 });
    expect(lines()).toEqual([
      { time: '2025-03-01T10:00:00.000Z', level: 'warn', msg: 'reloaded', component: 'tls', decisionId: 'b', attempt: 2 },
    ]);
  });

  it('never lets a field overwrite time, level or msg', () => {
    const { logger, lines } = setup('info');
    logger.info('real', { msg: 'fake', level: 'error', time: 0 });
    expect(lines()).toEqual([
      { time: '2025-03-01T10:00:00.000Z', level: 'info', msg: 'real', 'field.msg': 'fake', 'field.level': 'error', 'field.time': 0 },
    ]);
  });

  it('makes odd values safe instead of throwing', () => {
    const { logger, lines } = setup('info');
    const circular: Record<string, unknown> = { name: 'loop' };
    circular.self = circular;
    const shared = { x: 1 };
    const err = Object.assign(new Error('boom'), { code: 'SQLITE_BUSY' });
    const throwing = {
      get bad(): string {
        throw new Error('getter failed');
      },
    };
    logger.info('odd', {
      big: 12345678901234567890n,
      circular,
      shared: [shared, shared],
      err,
      nan: NaN,
      when: new Date(T0),
      map: new Map([['k', 1]]),
      set: new Set(['a']),
      fn: () => 1,
      sym: Symbol('s'),
      buffer: Buffer.from('abc'),
      throwing,
      skipped: undefined,
    });
    const [line] = lines() as Record<string, unknown>[];
    expect(line).toMatchObject({
      big: '12345678901234567890',
      circular: { name: 'loop', self: '[Circular]' },
      shared: [{ x: 1 }, { x: 1 }],
      err: { name: 'Error', message: 'boom', code: 'SQLITE_BUSY' },
      nan: 'NaN',
      when: '2025-03-01T10:00:00.000Z',
      map: { k: 1 },
      set: ['a'],
      fn: '() => 1',
      sym: 'Symbol(s)',
      buffer: '<Buffer 3 bytes>',
      throwing: '[Unserialisable: getter failed]',
    });
    expect(String((line?.err as { stack: string }).stack)).toContain('Error: boom');
    expect(line).not.toHaveProperty('skipped');
  });

  it('writes a decision line\'s plain values as they are, and still makes nested odd ones safe', () => {
    const { logger, chunks } = setup('info');
    const images = [{ image: 'a@sha256:1', digest: null, reasons: ['not-approved'] }];
    logger.info('decision', { decisionId: 7, ticket: null, images, latencyMs: 1.25 });
    logger.info('odd', { nested: [{ at: undefined, n: NaN, d: new Date(T0) }], sparse: [1, , 3] });
    expect(chunks).toEqual([
      '{"time":"2025-03-01T10:00:00.000Z","level":"info","msg":"decision","decisionId":7,"ticket":null,' +
        '"images":[{"image":"a@sha256:1","digest":null,"reasons":["not-approved"]}],"latencyMs":1.25}\n',
      '{"time":"2025-03-01T10:00:00.000Z","level":"info","msg":"odd","nested":[{"at":null,"n":"NaN","d":"2025-03-01T10:00:00.000Z"}],' +
        '"sparse":[1,null,3]}\n',
    ]);
  });

  it('truncates very deep values', () => {
    const { logger, lines } = setup('info');
    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 20; i += 1) deep = { next: deep };
    logger.info('deep', { deep });
    expect(JSON.stringify(lines()[0])).toContain('[Truncated]');
  });

  it('survives a stream that throws', () => {
    const logger = createLogger({
      level: 'info',
      stream: {
        write: () => {
          throw new Error('EPIPE');
        },
      },
    });
    expect(() => logger.error('lost')).not.toThrow();
  });
});

describe('createLogger with batch (serve)', () => {
  function batched() {
    const chunks: string[] = [];
    const logger = createLogger({ level: 'info', stream: { write: (s: string) => chunks.push(s) }, clock: () => T0, batch: true });
    const msgs = (): string[] => chunks.join('').split('\n').filter((line) => line !== '').map((line) => (JSON.parse(line) as { msg: string }).msg);
    return { logger, chunks, msgs };
  }
  const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

  it('writes the lines of one turn of the event loop in one write at its end, each its own line, in order', async () => {
    const { logger, chunks, msgs } = batched();
    const child = logger.child({ component: 'events' });
    logger.info('decision 1');
    child.warn('from a child');
    logger.info('decision 2');
    expect(chunks).toEqual([]);
    await nextTurn();
    expect(chunks).toHaveLength(1);
    expect(msgs()).toEqual(['decision 1', 'from a child', 'decision 2']);
    expect(chunks[0]?.endsWith('\n')).toBe(true);
    logger.info('decision 3');
    await nextTurn();
    expect(chunks).toHaveLength(2);
    expect(msgs()).toEqual(['decision 1', 'from a child', 'decision 2', 'decision 3']);
  });

  it('flush writes the held lines at once, and never twice', async () => {
    const { logger, chunks, msgs } = batched();
    logger.info('stopped');
    logger.flush();
    expect(msgs()).toEqual(['stopped']);
    logger.flush();
    await nextTurn();
    expect(chunks).toHaveLength(1);
  });

  it('survives a stream that throws, and writes the lines logged after it', async () => {
    const written: string[] = [];
    let fail = true;
    const logger = createLogger({
      level: 'info',
      batch: true,
      stream: {
        write: (s: string) => {
          if (fail) throw new Error('EPIPE');
          written.push(s);
        },
      },
    });
    logger.error('lost with the stream');
    await nextTurn();
    fail = false;
    logger.info('after');
    await nextTurn();
    expect(written.join('')).toContain('"msg":"after"');
    expect(written.join('')).not.toContain('lost with the stream');
  });
});

describe('parseLogLevel', () => {
  it('accepts the four levels in any case, and falls back when absent', () => {
    expect(parseLogLevel('DEBUG')).toBe('debug');
    expect(parseLogLevel(' warn ')).toBe('warn');
    expect(parseLogLevel(undefined)).toBe('info');
    expect(parseLogLevel('', 'error')).toBe('error');
  });

  it('refuses anything else with a usage error naming the choices', () => {
    expect(() => parseLogLevel('verbose')).toThrow(UsageError);
    expect(() => parseLogLevel('verbose')).toThrow('invalid log level "verbose" (expected one of debug, info, warn, error)');
  });
});
