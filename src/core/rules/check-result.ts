import type { Check, CheckName, ReasonCode } from '../types';

export function pass(name: CheckName, message: string): Check {
  return { name, outcome: 'pass', message };
}

export function skip(name: CheckName, message: string): Check {
  return { name, outcome: 'skip', message };
}

export function fail(name: CheckName, code: ReasonCode, message: string): Check {
  return { name, outcome: 'fail', code, message };
}
