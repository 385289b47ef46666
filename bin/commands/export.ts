/** `hubcerts export`: a trust bundle from the store, or the Secret as a kubectl manifest. */
import { renderSecretManifest } from '../../lib/certset/manifest.js';
import { CA_NAMES, isCaName } from '../../lib/certset/model.js';
import { DEFAULT_SECRET_NAME } from '../../lib/cluster/file.js';
import { GuardRefusal, UsageError } from '../../lib/errors.js';
import type { CommandSpec } from '../args.js';
import { type CommandContext, open, required } from '../context.js';

export const spec: CommandSpec = {
  usage: 'hubcerts export trust-bundle NAME --store URI | export secret-manifest --secret URI',
  summary:
    'trust-bundle NAME prints <NAME>_trust.crt from the store (NAME is one of the five CAs),\n' +
    'e.g. notebooks-ca for the labs. secret-manifest prints the published Secret exactly as\n' +
    '"kubectl create secret generic --dry-run=client -o yaml" would, for kubectl apply.',
  settings: ['store', 'secret'],
  flags: {
    name: { type: 'string', help: "metadata.name of the manifest [the Secret's own]" },
    namespace: { type: 'string', help: 'metadata.namespace of the manifest' },
  },
};

export async function run(ctx: CommandContext): Promise<number> {
  const [what, name, ...extra] = ctx.parsed.positionals;
  if (extra.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`);
  if (what === 'trust-bundle') {
    if (!name || !isCaName(name)) {
      throw new UsageError(`trust-bundle needs one of ${CA_NAMES.join(', ')}`);
    }
    const store = await open.store(ctx, required(ctx.settings.store, 'store'));
    const stored = await store.read();
    if (!stored) throw new GuardRefusal('NO_CA_SET', `${store.ref} holds no CA set`);
    ctx.io.stdout(stored.set.bundles[name]);
    return 0;
  }
  if (what === 'secret-manifest') {
    if (name)
      throw new UsageError(`secret-manifest takes no argument, not ${JSON.stringify(name)}`);
    const publication = await open.publication(ctx, required(ctx.settings.secret, 'secret'));
    const published = await publication.secret.read();
    if (!published)
      throw new GuardRefusal('NO_SECRET', `Secret ${publication.secret.ref} does not exist`);
    const flags = ctx.parsed.flags;
    const refName = /^k8s:[^/]+\/(.+)$/.exec(publication.secret.ref)?.[1];
    const refNamespace = /^k8s:([^/]+)\//.exec(publication.secret.ref)?.[1];
    ctx.io.stdout(
      renderSecretManifest({
        name: (flags.name as string | undefined) ?? refName ?? DEFAULT_SECRET_NAME,
        namespace: (flags.namespace as string | undefined) ?? refNamespace,
        data: published.data,
      }),
    );
    return 0;
  }
  throw new UsageError('needs "trust-bundle NAME" or "secret-manifest"');
}
