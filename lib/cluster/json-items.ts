/**
 * Streams the elements of the top-level `items` array of a Kubernetes List document
 * (`kubectl get secrets -o json`) one at a time, so a dump of tens of thousands of Secrets
 * is never held in memory as a whole. Only the element being read is buffered; each is
 * handed to JSON.parse on its own.
 */
import { ClusterError } from '../errors.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN = new Set([0x7b, 0x5b]); // { [
const CLOSE = new Set([0x7d, 0x5d]); // } ]

export async function* listItems(
  chunks: AsyncIterable<Buffer | string>,
  source: string,
): AsyncGenerator<unknown> {
  for await (const batch of listItemBatches(chunks, source)) yield* batch;
}

/**
 * The same items, handed out as the arrays completed within each chunk: one await per
 * chunk instead of one per item, which matters for tens of thousands of small items.
 */
export async function* listItemBatches(
  chunks: AsyncIterable<Buffer | string>,
  source: string,
): AsyncGenerator<unknown[]> {
  let depth = 0;
  let inString = false;
  let escaped = false;
  let key = '';
  let keyStart = -1;
  let lastKey = '';
  let inItems = false;
  let element: Buffer[] = [];
  let elementStart = -1;
  let sawItems = false;

  for await (const raw of chunks) {
    const chunk = typeof raw === 'string' ? Buffer.from(raw) : raw;
    const batch: unknown[] = [];
    elementStart = inItems && depth >= 3 ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i]!;
      if (inString) {
        if (escaped) escaped = false;
        else if (byte === BACKSLASH) escaped = true;
        else if (byte === QUOTE) {
          inString = false;
          // Keys of the top-level object are short; remember the last one to find "items".
          if (depth === 1 && keyStart >= 0) {
            key += chunk.subarray(keyStart, i).toString();
            lastKey = key;
            keyStart = -1;
          }
        }
        continue;
      }
      if (byte === QUOTE) {
        inString = true;
        if (depth === 1) {
          key = '';
          keyStart = i + 1;
        }
        continue;
      }
      if (OPEN.has(byte)) {
        depth++;
        if (depth === 2 && byte === 0x5b && lastKey === 'items') {
          inItems = true;
          sawItems = true;
        } else if (inItems && depth === 3) {
          elementStart = i;
          element = [];
        }
      } else if (CLOSE.has(byte)) {
        if (inItems && depth === 3) {
          element.push(chunk.subarray(elementStart, i + 1));
          elementStart = -1;
          batch.push(parseElement(Buffer.concat(element), source));
          element = [];
        }
        if (inItems && depth === 2) inItems = false;
        depth--;
        if (depth < 0)
          throw new ClusterError(`${source} is not a JSON document (unbalanced brackets)`);
      }
    }
    if (inString && depth === 1 && keyStart >= 0) {
      key += chunk.subarray(keyStart).toString();
      keyStart = 0;
    }
    if (inItems && depth >= 3 && elementStart >= 0) element.push(chunk.subarray(elementStart));
    if (batch.length > 0) yield batch;
  }
  if (depth !== 0 || inString)
    throw new ClusterError(`${source} ends in the middle of a JSON document`);
  if (!sawItems)
    throw new ClusterError(`${source} is not a Kubernetes List: it has no "items" array`);
}

function parseElement(bytes: Buffer, source: string): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new ClusterError(`${source} holds an item that is not valid JSON`, { cause: error });
  }
}
