import { Client } from 'pg';
import type { FactsChange } from '../facts-cache';
import { FACTS_CHANNEL, parseFactsChange } from '../facts-notification';
import type { StoreLocation } from '../store-location';
import { postgresClientConfig } from './postgres-config';

// A replica's ear on the store (SPEC §6): one connection of its own, LISTENing on the facts channel, handing each
// notification to the facts cache. Notifications sent while it is not connected are lost, so every disconnection and
// every (re)connection reports `everything`: the cache then drops all it holds and reads through again. It reconnects
// by itself, waiting longer after each failure (up to `maxDelayMs`), until closed.

export interface FactsListener {
  /** True while LISTENing. */
  connected(): boolean;
  close(): Promise<void>;
}

export interface FactsListenerOptions {
  readonly onChange: (change: FactsChange) => void;
  /** Told of each failure to connect or lost connection (a log line). */
  readonly onProblem?: (problem: string) => void;
  readonly maxDelayMs?: number;
}

export function listenForFactsChanges(location: StoreLocation, options: FactsListenerOptions): FactsListener {
  const maxDelay = options.maxDelayMs ?? 5_000;
  let client: Client | null = null;
  let listening = false;
  let closed = false;
  let delay = 100;
  let timer: NodeJS.Timeout | null = null;

  const lost = (problem: string): void => {
    listening = false;
    options.onChange({ kind: 'everything' });
    options.onProblem?.(problem);
    const old = client;
    client = null;
    old?.removeAllListeners();
    old?.on('error', () => undefined);
    void old?.end().catch(() => undefined);
    if (closed) return;
    timer = setTimeout(connect, delay);
    timer.unref();
    delay = Math.min(maxDelay, delay * 2);
  };

  const connect = (): void => {
    timer = null;
    const c = new Client(postgresClientConfig(location));
    client = c;
    c.on('notification', (message) => {
      if (message.channel === FACTS_CHANNEL) options.onChange(parseFactsChange(message.payload));
    });
    c.on('error', (err) => lost(`facts notifications: ${err.message}`));
    c.on('end', () => {
      if (client === c) lost('facts notifications: the connection ended');
    });
    c.connect()
      .then(() => c.query(`LISTEN ${FACTS_CHANNEL}`))
      .then(() => {
        if (client !== c) return;
        listening = true;
        delay = 100;
        // Whatever changed while not listening is unknown.
        options.onChange({ kind: 'everything' });
      })
      .catch((err: unknown) => {
        if (client === c) lost(`facts notifications: ${err instanceof Error ? err.message : String(err)}`);
      });
  };

  connect();
  return {
    connected: () => listening,
    close: async () => {
      closed = true;
      if (timer !== null) clearTimeout(timer);
      const c = client;
      client = null;
      listening = false;
      c?.removeAllListeners();
      c?.on('error', () => undefined);
      await c?.end().catch(() => undefined);
    },
  };
}
