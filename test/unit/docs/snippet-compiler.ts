// Type-checks documentation code blocks with the project's TypeScript, all in one program: each
// block becomes a module of its own (a virtual file next to the project root, so imports of
// 'kafkajs' or 'node:*' resolve as in the project), where 'kafka-producer' and
// 'kafka-producer/testing' resolve to src/ through `paths`, as do the optional packages a recipe
// uses without the project depending on them (their declared shape, in packages/). The options are the project's
// (tsconfig.base.json, strict), except that unused names are allowed: an example may show a value
// without using it. Only the blocks are checked, so src/ is read but not checked again.
import { join } from 'node:path';
import ts from 'typescript';
import type { DocSnippet } from './doc-snippets.js';

/** A compile error, placed in the Markdown file the block came from. */
export interface SnippetDiagnostic {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly code: number;
  readonly message: string;
  /** Whether the error is in the block's snippet-context marker rather than in the block. */
  readonly inContext: boolean;
}

interface VirtualFile {
  readonly snippet: DocSnippet;
  readonly text: string;
  /** Lines the context takes before the block's first line. */
  readonly contextLines: number;
}

/** Compiles every snippet not marked ignored; returns their errors (none when all compile). */
export function checkSnippets(root: string, snippets: readonly DocSnippet[]): SnippetDiagnostic[] {
  const directory = join(root, '.doc-snippets');
  const files = new Map<string, VirtualFile>();
  snippets.forEach((snippet, index) => {
    if (snippet.ignored !== undefined) return;
    const name = `${snippet.file.replace(/[^A-Za-z0-9]+/g, '-')}-${snippet.line}-${index}.${snippet.language === 'ts' ? 'mts' : 'mjs'}`;
    const context = snippet.context === '' ? '' : `${snippet.context}\n`;
    // `export {}` makes a block without imports a module too, so that top-level await is allowed.
    const text = `${context}${snippet.code}\nexport {};\n`;
    files.set(join(directory, name), { snippet, text, contextLines: context === '' ? 0 : context.split('\n').length - 1 });
  });

  const options = compilerOptions(root);
  const host = ts.createCompilerHost(options, true);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (path) => files.has(path) || fileExists.call(host, path);
  host.readFile = (path) => files.get(path)?.text ?? readFile.call(host, path);
  host.getSourceFile = (path, languageVersion, onError, shouldCreate) => {
    const file = files.get(path);
    if (file) return ts.createSourceFile(path, file.text, languageVersion, true);
    return getSourceFile.call(host, path, languageVersion, onError, shouldCreate);
  };
  const program = ts.createProgram({ rootNames: [...files.keys()], options, host });

  const diagnostics: SnippetDiagnostic[] = [];
  for (const diagnostic of [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()]) {
    diagnostics.push({ file: '<compiler options>', line: 0, column: 0, code: diagnostic.code, message: flatten(diagnostic), inContext: false });
  }
  for (const [path, file] of files) {
    const source = program.getSourceFile(path)!;
    for (const diagnostic of [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]) {
      const position = source.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
      const inContext = position.line < file.contextLines;
      diagnostics.push({
        file: file.snippet.file,
        line: inContext ? file.snippet.contextLine + position.line : file.snippet.line + position.line - file.contextLines,
        column: position.character + 1,
        code: diagnostic.code,
        message: flatten(diagnostic),
        inContext,
      });
    }
  }
  return diagnostics;
}

/** One line per diagnostic, as `file:line:column TScode message`. */
export function formatDiagnostics(diagnostics: readonly SnippetDiagnostic[]): string {
  return diagnostics
    .map(({ file, line, column, code, message, inContext }) => `${file}:${line}:${column} TS${code}${inContext ? ' (in the snippet-context marker)' : ''} ${message}`)
    .join('\n');
}

function compilerOptions(root: string): ts.CompilerOptions {
  const base = ts.readConfigFile(join(root, 'tsconfig.base.json'), ts.sys.readFile);
  if (base.error) throw new Error(flatten(base.error));
  const parsed = ts.parseJsonConfigFileContent(base.config, ts.sys, root);
  return {
    ...parsed.options,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    noEmit: true,
    declaration: false,
    sourceMap: false,
    allowJs: true,
    checkJs: true,
    noUnusedLocals: false,
    noUnusedParameters: false,
    paths: {
      'kafka-producer': [join(root, 'src/index.ts')],
      'kafka-producer/testing': [join(root, 'src/testing/index.ts')],
      'aws-msk-iam-sasl-signer-js': [join(root, 'test/unit/docs/packages/aws-msk-iam-sasl-signer-js.d.ts')],
    },
  };
}

function flatten(diagnostic: ts.Diagnostic): string {
  return ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ');
}
