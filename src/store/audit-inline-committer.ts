import type Database from 'better-sqlite3';
import { type AuditCommitter, type AuditWriter, type AuditWriterOptions, createAuditWriter } from './audit-log';
import { createAuditCommitSession } from './audit-commit-session';
import { type WriterIdentity, defaultWriterIdentity } from './writer-identity';

/**
 * Commits on the caller's thread, over a connection the caller owns and closes. The commit blocks the event
 * loop for its fsync: right for a tool or a test that records few decisions, not for `serve`
 * (audit-thread-committer.ts). Records as `identity` (by default this host).
 */
export function inlineAuditCommitter(db: Database.Database, identity: WriterIdentity = defaultWriterIdentity()): AuditCommitter {
  const session = createAuditCommitSession({ open: () => db, release: () => undefined }, identity);
  return {
    write: async (records, committedUpTo) => session.write(records, committedUpTo),
    probe: async (committedUpTo) => session.probe(committedUpTo),
    close: async () => session.close(),
  };
}

/** The audit writer with inline commits over `db`, recording as `identity` (by default this host). */
export function createInlineAuditWriter(db: Database.Database, options: AuditWriterOptions = {}, identity?: WriterIdentity): AuditWriter {
  return createAuditWriter(inlineAuditCommitter(db, identity), options);
}
