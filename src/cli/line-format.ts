// How `produce` turns a line into a record: optional headers first (up to the header delimiter),
// then an optional key (up to the key delimiter), then the value. Headers are `name=value` pairs
// separated by the header separator; a name without '=' is a header with a null value.
//
//   --header-delimiter '|' --key-delimiter ':'    "source=web,trace=7|order-1:{...}"
//                                                  headers source=web, trace=7; key order-1
// A line lacking a delimiter it was declared to have is refused (not sent): guessing could send
// a key as part of the value.

export interface LineFormat {
  readonly keyDelimiter: string | undefined;
  readonly headerDelimiter: string | undefined;
  readonly headerSeparator: string;
}

export type Header = readonly [string, string | null];

export type ParsedLine =
  | { readonly ok: true; readonly key: string | null; readonly value: string; readonly headers: readonly Header[] }
  | { readonly ok: false; readonly reason: string };

/** Splits `line` as `format` says. */
export function parseLine(line: string, format: LineFormat): ParsedLine {
  let rest = line;
  let headers: Header[] = [];
  if (format.headerDelimiter !== undefined) {
    const end = rest.indexOf(format.headerDelimiter);
    if (end === -1) return { ok: false, reason: `no header delimiter ${JSON.stringify(format.headerDelimiter)} in the line` };
    const parsed = parseHeaders(rest.slice(0, end), format.headerSeparator);
    if (typeof parsed === 'string') return { ok: false, reason: parsed };
    headers = parsed;
    rest = rest.slice(end + format.headerDelimiter.length);
  }
  if (format.keyDelimiter === undefined) return { ok: true, key: null, value: rest, headers };
  const end = rest.indexOf(format.keyDelimiter);
  if (end === -1) return { ok: false, reason: `no key delimiter ${JSON.stringify(format.keyDelimiter)} in the line` };
  return { ok: true, key: rest.slice(0, end), value: rest.slice(end + format.keyDelimiter.length), headers };
}

/** `name=value` pairs separated by `separator`; a string saying what is wrong when malformed. */
export function parseHeaders(text: string, separator: string): Header[] | string {
  const headers: Header[] = [];
  for (const item of text.split(separator)) {
    if (item.length === 0) continue;
    const equals = item.indexOf('=');
    const name = equals === -1 ? item : item.slice(0, equals);
    if (name.length === 0) return `header ${JSON.stringify(item)} has no name`;
    headers.push([name, equals === -1 ? null : item.slice(equals + 1)]);
  }
  return headers;
}

/** A delimiter as typed on the command line: `\t` is a tab, `\\` a backslash, `\xHH` a byte. */
export function unescapeDelimiter(text: string): string {
  return text.replace(/\\(t|\\|x[0-9a-fA-F]{2})/g, (_, sequence: string) =>
    sequence === 't' ? '\t' : sequence === '\\' ? '\\' : String.fromCharCode(Number.parseInt(sequence.slice(1), 16)),
  );
}
