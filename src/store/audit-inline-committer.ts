import type Database from 'better-sqlite3';
import { type AuditCommitter, type AuditWriter, type AuditWriterOptions, createAuditWriter } from './audit-log';
import { createAuditCommitSession } from './audit-commit-session';

/**
 * Commits on the caller's thread, over a connection the caller owns and closes. The commit blocks the event
 * loop for its fsync: right for a tool or a test that records few decisions, not for `serve`
 * (audit-thread-committer.ts).
 */
export function inlineAuditCommitter(db: Database.Database): AuditCommitter {
  const session = createAuditCommitSession({ open: () => db, release: () => undefined });
  return {
    write: async (records, committedUpTo) => session.write(records, committedUpTo),
    probe: async (committedUpTo) => session.probe(committedUpTo),
    close: async () => session.close(),
  };
}

/** The audit writer with inline commits over `db`. */
export function createInlineAuditWriter(db: Database.Database, options: AuditWriterOptions = {}): AuditWriter {
  return createAuditWriter(inlineAuditCommitter(db), options);
}
