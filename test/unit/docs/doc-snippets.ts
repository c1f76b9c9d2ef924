// Finds the TypeScript and JavaScript code blocks of a Markdown file, with the markers that tell the
// snippet check what to do with each (see docs/testing.md, "Code blocks in the documentation"):
//
//   <!-- snippet-context: declare const producer: Producer; -->   code compiled before the block
//   <!-- snippet-ignore: why -->                                   the block is not compiled
//
// A marker applies to the fence that follows it (blank lines may come in between).

/** The fence languages whose blocks are compiled. */
export const checkedLanguages: ReadonlyMap<string, 'ts' | 'js'> = new Map([
  ['ts', 'ts'],
  ['typescript', 'ts'],
  ['mts', 'ts'],
  ['js', 'js'],
  ['javascript', 'js'],
  ['mjs', 'js'],
]);

/** One code block to compile, or to skip. */
export interface DocSnippet {
  /** The Markdown file, relative to the project root. */
  readonly file: string;
  /** 1-based line of the block's first code line in `file`. */
  readonly line: number;
  readonly language: 'ts' | 'js';
  readonly code: string;
  /** Code from a snippet-context marker, compiled before the block. */
  readonly context: string;
  /** 1-based line of the snippet-context marker (0 without one). */
  readonly contextLine: number;
  /** Why the block is not compiled, from a snippet-ignore marker. */
  readonly ignored: string | undefined;
}

const fenceOpen = /^(\s*)(`{3,}|~{3,})\s*([^`\s]*)(.*)$/;
const contextMarker = /^<!--\s*snippet-context:([\s\S]*?)-->\s*$/;
const ignoreMarker = /^<!--\s*snippet-ignore:([\s\S]*?)-->\s*$/;
const anyMarker = /^<!--\s*snippet-/;

/** The blocks of `markdown` in a checked language, in order. */
export function extractSnippets(file: string, markdown: string): DocSnippet[] {
  const lines = markdown.split('\n');
  const snippets: DocSnippet[] = [];
  let marker: { context: string; ignored: string | undefined; line: number } | undefined;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    if (anyMarker.test(line.trim())) {
      // A marker may span several lines: read up to its closing -->.
      let end = index;
      while (end < lines.length - 1 && !lines[end]!.includes('-->')) end++;
      const text = lines
        .slice(index, end + 1)
        .map((part) => part.trim())
        .join('\n');
      const context = contextMarker.exec(text);
      const ignore = ignoreMarker.exec(text);
      if (!context && !ignore) throw new Error(`${file}:${index + 1}: unknown snippet marker ${JSON.stringify(text)}`);
      if (ignore && ignore[1]!.trim() === '') throw new Error(`${file}:${index + 1}: snippet-ignore needs a reason`);
      marker = { context: context ? context[1]!.trim() : '', ignored: ignore ? ignore[1]!.trim() : undefined, line: index + 1 };
      index = end;
      continue;
    }
    const open = fenceOpen.exec(line);
    if (!open) {
      if (line.trim() !== '' && marker) throw new Error(`${file}:${marker.line}: a snippet marker must be followed by a code block`);
      continue;
    }
    const [, indent, fence, info] = open as unknown as [string, string, string, string];
    const closing = lines.findIndex((candidate, at) => at > index && candidate.trim() === fence);
    if (closing < 0) throw new Error(`${file}:${index + 1}: code block never closed`);
    const language = checkedLanguages.get(info.toLowerCase());
    if (language) {
      const code = lines
        .slice(index + 1, closing)
        .map((codeLine) => (codeLine.startsWith(indent) ? codeLine.slice(indent.length) : codeLine.trimStart()))
        .join('\n');
      snippets.push({ file, line: index + 2, language, code, context: marker?.context ?? '', contextLine: marker?.line ?? 0, ignored: marker?.ignored });
    } else if (marker) {
      throw new Error(`${file}:${marker.line}: a snippet marker before a '${info}' block, which is not compiled anyway`);
    }
    marker = undefined;
    index = closing;
  }
  if (marker) throw new Error(`${file}:${marker.line}: a snippet marker must be followed by a code block`);
  return snippets;
}
