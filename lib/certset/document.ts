/**
 * One small YAML or JSON document from outside hubcerts (an inventory file, a webhook body,
 * the accepted inventory in Vault), read defensively.
 *
 * Plain JSON, the form of every webhook body and of what hubcerts itself stores, is read with
 * JSON.parse. Everything else goes to the YAML reader (yaml-document.ts), which refuses
 * anchors, tags, repeated keys and deep nesting: a JSON text with a repeated key or nested
 * deeper than an inventory can be goes there too, so both ways give the same answers. The
 * yaml library loads on first use only; it is a tenth of a Lambda function's cold start.
 */

/** The largest document accepted, in UTF-8 bytes (the webhook's limit, design 4.5). */
export const MAX_DOCUMENT_BYTES = 256 * 1024;

/**
 * JSON nested deeper than this is left to the YAML reader. An inventory needs four levels
 * and is refused beyond eight (inventory.ts); the YAML reader's nesting guard is above both.
 */
const PLAIN_JSON_DEPTH = 8;

/** The plain value of the document, or every problem that kept it from being read. */
export type DocumentRead = { ok: true; value: unknown } | { ok: false; problems: string[] };

/** Read exactly one YAML or JSON document from `text`. */
export async function readDocument(text: string): Promise<DocumentRead> {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_DOCUMENT_BYTES) {
    return {
      ok: false,
      problems: [`is ${bytes} bytes long; at most ${MAX_DOCUMENT_BYTES} (256 KiB)`],
    };
  }
  const json = plainJson(text);
  if (json !== undefined) return { ok: true, value: json.value };
  const { readYamlDocument } = await import('./yaml-document.js');
  return readYamlDocument(text);
}

/**
 * The value of `text` when it is JSON without a repeated key (JSON.parse would keep the last
 * one silently), without a `__proto__` key and at most PLAIN_JSON_DEPTH deep; else undefined.
 */
export function plainJson(text: string): { value: unknown } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return hasPlainKeys(text) ? { value } : undefined;
}

/**
 * Walks a text JSON.parse accepted: only strings need reading, as the structure is known to be
 * well formed. Each open object keeps the keys seen so far; arrays hold a null on the stack.
 */
function hasPlainKeys(text: string): boolean {
  const open: (Set<string> | null)[] = [];
  let expectingKey = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '"') {
      let end = i + 1;
      while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      const keys = open.at(-1);
      if (expectingKey && keys) {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        if (key === '__proto__' || keys.has(key)) return false;
        keys.add(key);
        expectingKey = false;
      }
      i = end;
    } else if (char === '{' || char === '[') {
      open.push(char === '{' ? new Set() : null);
      if (open.length > PLAIN_JSON_DEPTH) return false;
      expectingKey = char === '{';
    } else if (char === '}' || char === ']') {
      open.pop();
    } else if (char === ',') {
      expectingKey = open.at(-1) instanceof Set;
    }
  }
  return true;
}
