/**
 * Fleet source `file:PATH`: a dump made with `kubectl get secrets -A -o json`, streamed
 * item by item and handed on in pages, so it is never held whole.
 */
import { createReadStream } from 'node:fs';
import { ClusterError } from '../errors.js';
import type { FleetSecret } from '../workflows/scan/fleet.js';
import { listItemBatches } from './json-items.js';

/**
 * Pages are the items completed within each chunk read (`chunkBytes`, about a hundred
 * Secrets): small pages keep few items alive at a time, so little survives into V8's old
 * generation and memory stays flat as the dump grows.
 */
export async function* fileFleetPages(
  path: string,
  chunkBytes = 128 * 1024,
): AsyncGenerator<FleetSecret[]> {
  const source = `file:${path}`;
  const stream = createReadStream(path, { highWaterMark: chunkBytes });
  try {
    for await (const batch of listItemBatches(stream, source)) {
      yield batch.map((item) => toFleetSecret(item, source));
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new ClusterError(`${source} does not exist`, { cause: error });
    throw error;
  } finally {
    stream.destroy();
  }
}

function toFleetSecret(item: unknown, source: string): FleetSecret {
  const record = item as {
    kind?: unknown;
    metadata?: { name?: unknown; namespace?: unknown };
    data?: unknown;
  };
  const name = record?.metadata?.name;
  if (typeof name !== 'string')
    throw new ClusterError(`${source} holds an item without metadata.name`);
  if (record.kind !== undefined && record.kind !== 'Secret') {
    throw new ClusterError(`${source} holds a ${String(record.kind)} (${name}), not a Secret`);
  }
  const data = record.data ?? {};
  if (
    typeof data !== 'object' ||
    Array.isArray(data) ||
    !Object.values(data).every((v) => typeof v === 'string')
  ) {
    throw new ClusterError(
      `${source}: Secret ${name} has data that is not a map of base64 strings`,
    );
  }
  const namespace =
    typeof record.metadata?.namespace === 'string' ? record.metadata.namespace : 'default';
  return { namespace, name, data: data as Record<string, string> };
}
