// Globs for namespace names, repositories and registry hosts in the policy (SPEC §4, §5):
// `*` matches any run of characters (including `/`), `?` exactly one character, everything else is
// literal; anchored and case-sensitive. Matched without regular expressions by the classic
// single-backtrack-point wildcard algorithm, so a pattern such as `*a*a*a*b` costs at most
// O(pattern × value) on untrusted input, never exponential time.

export type GlobMatcher = (value: string) => boolean;

const ASCII = /^[\x00-\x7f]*$/;

/** Compiles once; the matcher is anchored and case-sensitive (namespace and host names are compared as given). */
export function compileGlob(pattern: string): GlobMatcher {
  // Code points, so `?` matches one character even outside the BMP.
  const tokens = collapseStars(Array.from(pattern));
  if (!tokens.includes('*') && !tokens.includes('?')) return (value) => value === pattern;
  // An ASCII value is its own list of code points: it is matched as it is, without building one.
  return (value) => matchTokens(tokens, ASCII.test(value) ? value : Array.from(value));
}

/** True when any of the patterns matches; false for an empty list. */
export function compileGlobs(patterns: readonly string[]): GlobMatcher {
  const matchers = patterns.map(compileGlob);
  return (value) => matchers.some((match) => match(value));
}

function collapseStars(chars: readonly string[]): readonly string[] {
  return chars.filter((c, i) => !(c === '*' && chars[i - 1] === '*'));
}

/** `value`: its code points, one per index (an array, or a string when every character is ASCII). */
function matchTokens(pattern: readonly string[], value: ArrayLike<string>): boolean {
  let p = 0;
  let v = 0;
  // Where to resume after the most recent `*`: its pattern index and the value index it has consumed up to.
  let starP = -1;
  let starV = 0;
  while (v < value.length) {
    if (p < pattern.length && (pattern[p] === '?' || (pattern[p] !== '*' && pattern[p] === value[v]))) {
      p++;
      v++;
    } else if (p < pattern.length && pattern[p] === '*') {
      starP = p++;
      starV = v;
    } else if (starP !== -1) {
      p = starP + 1;
      v = ++starV;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}
