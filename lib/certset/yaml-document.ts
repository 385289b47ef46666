/**
 * The YAML reader behind document.ts: a YAML document, or JSON that is not plainly JSON, read
 * defensively as YAML 1.2 (of which JSON is a subset), so that both give the same answers.
 *
 * The `yaml` parser recurses per nesting level and keeps a large syntax tree for deeply
 * nested input: a 256 KiB run of `[` takes seconds and, after a second such document, can
 * exhaust the heap. So the text is first scanned with the library's own lexer (iterative,
 * streaming) and refused when it nests too deeply, before the parser sees it.
 */
import { CST, Lexer, parseAllDocuments } from 'yaml';
import type { DocumentRead } from './document.js';

/**
 * Upper bound for the nesting estimate of the lexical scan. The estimate can exceed the real
 * depth by one or two, so this is generous; callers check the exact depth of the value.
 */
const NESTING_GUARD = 16;

/** YAML 1.2 core schema, no merge keys or YAML 1.1 tags, every key a unique string. */
const OPTIONS = {
  version: '1.2',
  schema: 'core',
  strict: true,
  uniqueKeys: true,
  stringKeys: true,
  merge: false,
  resolveKnownTags: false,
  prettyErrors: true,
  logLevel: 'error',
} as const;

/** Errors beyond this many are summarised; they are usually echoes of the first. */
const MAX_LISTED = 10;

/** Read exactly one YAML or JSON document from `text`; document.ts checked its size. */
export function readYamlDocument(text: string): DocumentRead {
  const lexical = lexicalProblem(text);
  if (lexical !== undefined) return refuse(lexical);

  const docs = parseAllDocuments(text, OPTIONS);
  if (docs.length === 0) return refuse('is empty');
  if (docs.length > 1) return refuse(`holds ${docs.length} YAML documents; give exactly one`);
  const doc = docs[0]!;

  const messages = [...doc.errors, ...doc.warnings].map((e) => firstLine(e.message));
  const unique = [...new Set(messages)];
  if (unique.length > MAX_LISTED) {
    const more = unique.length - MAX_LISTED;
    unique.splice(MAX_LISTED, more, `and ${more} more YAML errors`);
  }
  if (unique.length > 0) return { ok: false, problems: unique };

  // Aliases were refused by the scan; maxAliasCount 0 makes sure none is expanded.
  return { ok: true, value: doc.toJS({ maxAliasCount: 0 }) };
}

function refuse(problem: string): DocumentRead {
  return { ok: false, problems: [problem] };
}

/** A pretty YAML error is one line of text followed by a code frame; keep the line. */
function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/:$/, '');
}

const BLOCK_INDICATORS = new Set(['seq-item-ind', 'explicit-key-ind', 'map-value-ind']);
const NOT_CONTENT = new Set(['doc-mode', 'byte-order-mark', 'directive-line', 'comment']);

/**
 * Anchors, aliases and tags (which a plain data document does not need and which carry the
 * known YAML attacks), or nesting beyond the guard. Nesting is estimated from the open flow
 * brackets, the open block indentation levels and the block indicators on the current line.
 */
function lexicalProblem(text: string): string | undefined {
  const indents: number[] = [];
  let flow = 0;
  let indicators = 0;
  let lineStart = true;
  let indent = 0;
  let scalarSource = false;

  for (const token of new Lexer().lex(text)) {
    // The token after a scalar marker is the scalar's own text, whatever it looks like.
    if (scalarSource) {
      scalarSource = false;
      if (token.endsWith('\n')) [lineStart, indent, indicators] = [true, 0, 0];
      continue;
    }
    const type = CST.tokenType(token);
    if (type === 'alias' || type === 'anchor') return 'uses YAML anchors or aliases (&, *)';
    if (type === 'tag') return `uses the YAML tag ${token}; tags are not allowed`;
    if (type === 'newline') {
      [lineStart, indent, indicators] = [true, 0, 0];
      continue;
    }
    if (type === 'space') {
      if (lineStart) indent = token.length;
      continue;
    }
    if (NOT_CONTENT.has(type ?? '')) continue;
    if (type === 'doc-start' || type === 'doc-end') {
      indents.length = 0;
      continue;
    }
    if (type === 'scalar') scalarSource = true;

    // The first content on a line outside brackets opens or closes block levels.
    if (lineStart && flow === 0) {
      while (indents.length > 0 && (indents.at(-1) ?? 0) >= indent) indents.pop();
      indents.push(indent);
    }
    lineStart = false;
    if (flow === 0 && BLOCK_INDICATORS.has(type ?? '')) indicators++;
    if (type === 'flow-seq-start' || type === 'flow-map-start') flow++;
    if (type === 'flow-seq-end' || type === 'flow-map-end') flow = Math.max(0, flow - 1);
    if (indents.length + indicators + flow > NESTING_GUARD) {
      return `is nested more than ${NESTING_GUARD} levels deep`;
    }
  }
  return undefined;
}
