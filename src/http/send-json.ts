import type { ServerResponse } from 'node:http';

/**
 * Writes a JSON answer in one go. Express's `res.json` → `res.send` also computes an ETag (disabled here),
 * checks request freshness and re-derives the charset on every call: work a webhook answer never needs, on
 * the route whose cost SPEC §11 measures. Headers set earlier (`Allow`, `Connection: close`) are kept.
 */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
