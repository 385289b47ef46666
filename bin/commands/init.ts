/** `hubcerts init`: a new CA set in the store and, when asked, a first published Secret. */
import { createCaSet, issueLeafFrom } from '../../lib/certset/caset.js';
import { inventorySans } from '../../lib/certset/inventory.js';
import { toSecretData } from '../../lib/certset/secret.js';
import { GuardRefusal } from '../../lib/errors.js';
import { inspectPem } from '../../lib/pki/inspect.js';
import { DEFAULT_SANS, desiredSans } from '../../lib/pki/names.js';
import { FINGERPRINT_ANNOTATION, REVISION_ANNOTATION } from '../../lib/workflows/reissue/index.js';
import type { CommandSpec } from '../args.js';
import { type CommandContext, open, required, whoAmI } from '../context.js';

export const spec: CommandSpec = {
  usage: 'hubcerts init --store URI [--secret URI] [--inventory URI]',
  summary:
    'Creates a new CA set (five CAs and their trust bundles) in the store and, with --secret,\n' +
    'publishes a Secret with new proxy-api and proxy-client leaves (SANs from --inventory).\n' +
    'Refuses to overwrite an existing CA set or Secret (exit 1).',
  settings: ['store', 'secret', 'inventory', 'key-type', 'ca-days', 'leaf-days', 'certipy-prefix'],
  flags: {},
};

export async function run(ctx: CommandContext): Promise<number> {
  const { settings, log } = ctx;
  const store = await open.store(ctx, required(settings.store, 'store'));
  const publication = settings.secret ? await open.publication(ctx, settings.secret) : undefined;
  const inventory = settings.inventory ? await open.inventory(ctx, settings.inventory) : undefined;

  // Both checks come before any key is made, so a refusal leaves nothing behind.
  if (await store.read()) {
    throw new GuardRefusal(
      'CA_SET_EXISTS',
      `${store.ref} already holds a CA set; init never overwrites one (rotate it instead)`,
    );
  }
  if (publication && (await publication.secret.read())) {
    throw new GuardRefusal(
      'SECRET_EXISTS',
      `Secret ${publication.secret.ref} already exists; init never overwrites one`,
    );
  }

  const now = ctx.io.now();
  const set = await createCaSet({ keySpec: settings.keyType, caDays: settings.caDays, now });
  const version = await store.write(set, null, { who: whoAmI(), why: 'hubcerts init' });
  const hubCa = inspectPem(set.cas['hub-ca'].cert);
  log.info('created CA set', {
    store: store.ref,
    storeVersion: version,
    notAfter: hubCa.notAfter.toISOString(),
  });
  const result: Record<string, unknown> = {
    store: store.ref,
    storeVersion: version,
    caNotAfter: hubCa.notAfter.toISOString(),
  };

  if (publication) {
    const options = { keySpec: settings.keyType, days: settings.leafDays, now };
    const clientSans = inventory ? inventorySans(inventory) : DEFAULT_SANS;
    const apiSans = desiredSans(inventory?.names ?? [], []);
    const leaves = {
      'proxy-api': await issueLeafFrom(set, 'proxy-api', apiSans, options),
      'proxy-client': await issueLeafFrom(set, 'proxy-client', clientSans, options),
    };
    const fingerprint = inspectPem(leaves['proxy-client'].cert).fingerprintSha256;
    const annotations: Record<string, string> = { [FINGERPRINT_ANNOTATION]: fingerprint };
    if (inventory) annotations[REVISION_ANNOTATION] = String(inventory.revision);
    await publication.secret.write(
      toSecretData(set, leaves, settings.certipyPrefix),
      annotations,
      null,
    );
    log.info('published Secret', { secret: publication.secret.ref, fingerprint, sans: clientSans });
    Object.assign(result, { secret: publication.secret.ref, fingerprint, sans: clientSans });
  }
  if (ctx.json) ctx.io.stdout(`${JSON.stringify({ outcome: 'created', ...result }, null, 2)}\n`);
  else
    ctx.io.stdout(
      `created a new CA set in ${store.ref}` +
        `${publication ? ` and published ${publication.secret.ref}` : ''}\n`,
    );
  return 0;
}
