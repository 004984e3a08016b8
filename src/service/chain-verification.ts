// What is known of the audit chain's integrity without walking it per request (issue 15): the outcome of the last
// verification run in the background (`audit verify`'s own walk), or that none has finished yet.

export type ChainVerification =
  | { readonly state: 'not-run'; readonly reason: string }
  | { readonly state: 'verified'; readonly upTo: number; readonly at: number }
  | { readonly state: 'broken'; readonly firstBadId: number | null; readonly problem: string; readonly at: number };

/** Where one decision stands: covered by a verification, newer than it, or in a chain found broken. */
export type DecisionVerification =
  | { readonly state: 'covered'; readonly upTo: number; readonly at: number }
  | { readonly state: 'newer'; readonly upTo: number; readonly at: number }
  | ChainVerificationUnknown
  | { readonly state: 'broken'; readonly firstBadId: number | null; readonly problem: string; readonly at: number };

type ChainVerificationUnknown = { readonly state: 'not-run'; readonly reason: string };

export function decisionVerification(id: number, chain: ChainVerification): DecisionVerification {
  if (chain.state !== 'verified') return chain;
  return { state: id <= chain.upTo ? 'covered' : 'newer', upTo: chain.upTo, at: chain.at };
}
