import { UsageError } from '../../errors';

/** A flag's value as a positive whole number, or a usage error naming the flag (exit 2). */
export function positiveInt(flag: string, text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value <= 0) {
    throw new UsageError(`${flag} must be a positive whole number, got "${text}"`);
  }
  return value;
}
