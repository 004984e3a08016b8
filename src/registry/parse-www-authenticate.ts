// Parses a `WWW-Authenticate` header (RFC 9110 §11.6.1):
//   WWW-Authenticate = #challenge ; challenge = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
//   auth-param = token BWS "=" BWS ( token / quoted-string )
// One header may carry several challenges separated by the same commas that separate parameters, and
// quoted values may hold commas and escaped quotes (`scope="repository:a:pull,push"`). The header comes
// from a remote server, so the parser never throws: a malformed challenge is dropped, the others kept.

export interface AuthChallenge {
  /** Lowercase scheme (`basic`, `bearer`, or whatever else the server named). */
  readonly scheme: string;
  /** Lowercase parameter names → unquoted values. */
  readonly params: ReadonlyMap<string, string>;
  /** The token68 form (`Negotiate abc==`), when used instead of parameters. */
  readonly token68: string | null;
}

// Every pattern below joins character classes that cannot overlap, so matching is linear in the input.
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
// qdtext and quoted-pair (RFC 9110 §5.6.4): no control characters other than HTAB, inside or escaped.
const QUOTED = '"(?:[\\t\\x20\\x21\\x23-\\x5b\\x5d-\\x7e\\x80-\\uffff]|\\\\[\\t\\x20-\\x7e\\x80-\\uffff])*"';
const VALUE = `(${TOKEN}|${QUOTED})`;
const SCHEME_ONLY = new RegExp(`^(${TOKEN})$`);
const SCHEME_TOKEN68 = new RegExp(`^(${TOKEN})[ \\t]+([A-Za-z0-9._~+/-]+=*)$`);
const SCHEME_PARAM = new RegExp(`^(${TOKEN})[ \\t]+(${TOKEN})[ \\t]*=[ \\t]*${VALUE}$`);
const PARAM = new RegExp(`^(${TOKEN})[ \\t]*=[ \\t]*${VALUE}$`);

interface Draft {
  scheme: string;
  token68: string | null;
  params: Map<string, string>;
  broken: boolean;
}

export function parseWwwAuthenticate(header: string): readonly AuthChallenge[] {
  const drafts: Draft[] = [];
  let current: Draft | null = null;
  for (const raw of splitTopLevel(header)) {
    const item = raw.trim();
    if (item === '') continue; // RFC 9110 §5.6.1: empty list elements are ignored
    const param = PARAM.exec(item);
    if (param !== null) {
      if (current !== null) addParam(current, param[1]!, param[2]!);
      continue; // a parameter before any scheme is garbage with nothing to attach to
    }
    current = startChallenge(item);
    drafts.push(current);
  }
  return drafts.filter((d) => !d.broken).map((d) => ({ scheme: d.scheme, params: d.params, token68: d.token68 }));
}

function startChallenge(item: string): Draft {
  const draft: Draft = { scheme: '', token68: null, params: new Map(), broken: false };
  const withParam = SCHEME_PARAM.exec(item);
  const only = SCHEME_ONLY.exec(item);
  const token68 = SCHEME_TOKEN68.exec(item);
  if (withParam !== null) {
    draft.scheme = withParam[1]!.toLowerCase();
    addParam(draft, withParam[2]!, withParam[3]!);
  } else if (only !== null) {
    draft.scheme = only[1]!.toLowerCase();
  } else if (token68 !== null) {
    draft.scheme = token68[1]!.toLowerCase();
    draft.token68 = token68[2]!;
  } else {
    // Unparseable text: the parameters that follow it cannot be trusted to belong to any challenge.
    draft.broken = true;
  }
  return draft;
}

function addParam(draft: Draft, name: string, value: string): void {
  const key = name.toLowerCase();
  // Parameter names must be unique (RFC 9110 §11.2); two realms would make the challenge ambiguous.
  if (draft.params.has(key) || draft.token68 !== null) draft.broken = true;
  else draft.params.set(key, unquote(value));
}

function unquote(value: string): string {
  if (!value.startsWith('"')) return value;
  return value.slice(1, -1).replace(/\\(.)/gs, '$1');
}

/** Splits at commas outside quoted strings; an unterminated quote swallows the rest (and then fails to parse). */
function splitTopLevel(header: string): string[] {
  const items: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < header.length; i++) {
    const c = header[i];
    if (quoted && c === '\\') i++;
    else if (c === '"') quoted = !quoted;
    else if (c === ',' && !quoted) {
      items.push(header.slice(start, i));
      start = i + 1;
    }
  }
  items.push(header.slice(start));
  return items;
}
