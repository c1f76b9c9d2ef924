// Lines of a byte stream, one at a time, without reading ahead: the stream is pulled only when the
// consumer asks for the next line, so a consumer that awaits (a full send window) stops the
// reading, and stdin is never loaded into memory as a whole. '\n' ends a line; a '\r' before it
// is dropped; a last line without '\n' counts.
import { StringDecoder } from 'node:string_decoder';

export async function* readLines(stream: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of stream) {
    const text = rest + (typeof chunk === 'string' ? chunk : decoder.write(chunk));
    let start = 0;
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      yield withoutCarriageReturn(text.slice(start, end));
      start = end + 1;
    }
    rest = text.slice(start);
  }
  rest += decoder.end();
  if (rest.length > 0) yield withoutCarriageReturn(rest);
}

function withoutCarriageReturn(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
