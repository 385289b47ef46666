/**
 * Inventory `file:PATH`: the inventory document as YAML or JSON on disk. Written back
 * (as JSON-compatible YAML) only when a webhook or a CLI run accepts a new revision.
 */
import { readFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import { type Inventory, parseInventoryText } from '../certset/inventory.js';
import { ConflictError, StoreError } from '../errors.js';
import { contentVersion, isMissing, writeFileAtomic } from '../files.js';
import type { InventorySource } from './types.js';

export class FileInventory implements InventorySource {
  readonly ref: string;

  constructor(private readonly path: string) {
    this.ref = `file:${path}`;
  }

  async read(): Promise<{ inventory: Inventory; version: string } | null> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if (isMissing(error)) return null;
      throw new StoreError(`inventory ${this.ref} cannot be read`, { cause: error });
    }
    return { inventory: await parseInventoryText(text, this.ref), version: contentVersion([text]) };
  }

  async write(inventory: Inventory, expected: string | null): Promise<string> {
    const current = await this.read();
    if ((current?.version ?? null) !== expected) {
      throw new ConflictError(`inventory ${this.ref} changed since it was read`);
    }
    const text = stringify(inventory);
    await writeFileAtomic(this.path, text);
    return contentVersion([text]);
  }
}
