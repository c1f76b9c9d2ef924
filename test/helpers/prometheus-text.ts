// A strict reader of the Prometheus text exposition format (0.0.4), for tests of what the producer
// exposes: it throws on anything a Prometheus server would refuse (bad names, bad escapes, a TYPE
// after its samples, a family split in two, a HELP or TYPE given twice, a duplicate sample).

export interface PrometheusSample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface PrometheusFamily {
  readonly name: string;
  help: string | undefined;
  type: string | undefined;
  readonly samples: PrometheusSample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const FLOAT = /^[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/** Every family of `text`, by name, in order; throws an Error naming the first offending line. */
export function parsePrometheus(text: string): Map<string, PrometheusFamily> {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a line feed');
  const families = new Map<string, PrometheusFamily>();
  const seen = new Set<string>();
  let current: PrometheusFamily | undefined;
  const lines = text.slice(0, -1).split('\n');
  const familyFor = (name: string, lineNumber: number): PrometheusFamily => {
    let family = families.get(name);
    if (family && family !== current) throw new Error(`line ${lineNumber}: family ${name} is split by another family`);
    if (!family) families.set(name, (family = { name, help: undefined, type: undefined, samples: [] }));
    current = family;
    return family;
  };
  lines.forEach((line, index) => {
    const lineNumber = index + 1;
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      const match = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!match) return; // a comment
      const [, keyword, name, rest] = match as unknown as [string, string, string, string];
      if (!METRIC_NAME.test(name)) throw new Error(`line ${lineNumber}: invalid metric name ${name}`);
      const family = familyFor(name, lineNumber);
      if (keyword === 'HELP') {
        if (family.help !== undefined) throw new Error(`line ${lineNumber}: second HELP for ${name}`);
        if (/\\[^\\n]/.test(rest.replaceAll('\\\\', ''))) throw new Error(`line ${lineNumber}: bad escape in HELP`);
        family.help = rest.replace(/\\(\\|n)/g, (_, escaped: string) => (escaped === 'n' ? '\n' : '\\'));
      } else {
        if (family.type !== undefined) throw new Error(`line ${lineNumber}: second TYPE for ${name}`);
        if (family.samples.length > 0) throw new Error(`line ${lineNumber}: TYPE for ${name} after its samples`);
        if (!TYPES.has(rest)) throw new Error(`line ${lineNumber}: unknown type ${rest}`);
        family.type = rest;
      }
      return;
    }
    const { name, labels, rest } = readSample(line, lineNumber);
    const family = familyFor(name, lineNumber);
    const parts = rest.trim().split(/\s+/);
    if (parts.length < 1 || parts.length > 2) throw new Error(`line ${lineNumber}: expected a value and an optional timestamp`);
    const value = readValue(parts[0]!, lineNumber);
    if (parts[1] !== undefined && !/^-?\d+$/.test(parts[1])) throw new Error(`line ${lineNumber}: bad timestamp`);
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seen.has(key)) throw new Error(`line ${lineNumber}: duplicate sample ${key}`);
    seen.add(key);
    family.samples.push({ labels, value });
  });
  return families;
}

function readSample(line: string, lineNumber: number): { name: string; labels: Record<string, string>; rest: string } {
  const nameMatch = /^[^\s{]+/.exec(line);
  if (!nameMatch || !METRIC_NAME.test(nameMatch[0])) throw new Error(`line ${lineNumber}: invalid metric name in ${JSON.stringify(line)}`);
  const name = nameMatch[0];
  let position = name.length;
  const labels: Record<string, string> = {};
  if (line[position] === '{') {
    position++;
    while (line[position] !== '}') {
      const labelMatch = /^([^=\s]+)="/.exec(line.slice(position));
      if (!labelMatch || !LABEL_NAME.test(labelMatch[1]!)) throw new Error(`line ${lineNumber}: invalid label at ${position}`);
      position += labelMatch[0].length;
      let value = '';
      for (;;) {
        const char = line[position];
        if (char === undefined) throw new Error(`line ${lineNumber}: unterminated label value`);
        position++;
        if (char === '"') break;
        if (char === '\\') {
          const escaped = line[position++];
          if (escaped === '\\') value += '\\';
          else if (escaped === '"') value += '"';
          else if (escaped === 'n') value += '\n';
          else throw new Error(`line ${lineNumber}: bad escape \\${escaped} in a label value`);
        } else {
          value += char;
        }
      }
      if (Object.hasOwn(labels, labelMatch[1]!)) throw new Error(`line ${lineNumber}: label ${labelMatch[1]} twice`);
      labels[labelMatch[1]!] = value;
      if (line[position] === ',') position++;
      else if (line[position] !== '}') throw new Error(`line ${lineNumber}: expected ',' or '}' at ${position}`);
    }
    position++;
  }
  if (line[position] !== ' ') throw new Error(`line ${lineNumber}: expected a space before the value`);
  return { name, labels, rest: line.slice(position) };
}

function readValue(text: string, lineNumber: number): number {
  if (text === 'NaN') return Number.NaN;
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (!FLOAT.test(text)) throw new Error(`line ${lineNumber}: bad value ${text}`);
  return Number(text);
}
